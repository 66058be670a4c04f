//! Voice menus with `switchboard serve` and SIPp as the caller: the flow's `voice_menu` asks
//! "Say sales or support", the caller says a word (spoken by espeak-ng, sent as G.711 RTP),
//! the PocketSphinx sidecar recognises it and the flow takes that choice's transition; a key
//! still works; the utterance's audio is not kept.
//!
//! Needs SIPp, espeak-ng and PocketSphinx: skipped when missing, required under CI (the test
//! script installs them).
#![allow(clippy::unwrap_used)]

mod common;

use common::agents::{events, import, serve};
use common::sipp::{caller_audio, place_call};
use common::{data_dir, sip_addr, sipp_available};
use std::path::Path;
use std::time::Duration;

/// A tenant whose number +15550177 runs a voice menu; each outcome sets `dept` and hangs up.
fn menu_tenant() -> String {
    let set = |id: &str, dept: &str| {
        format!(
            "        - {{ id: {id}, type: set_attributes, \
             params: {{ set: [{{ name: dept, value: '\"{dept}\"' }}] }}, \
             transitions: {{ success: bye }} }}\n"
        )
    };
    let mut doc = "version: 1\n\
         tenant: { name: vm-b, display_name: Vm B, cluster: C1, ip_allowlist: [] }\n\
         trunks:\n  - name: carrier\n    settings: { inbound_sources: [\"127.0.0.1/32\"] }\n\
         points_of_contact:\n  - { kind: phone, address: \"+15550177\", flow: desk }\n\
         flows:\n  - name: desk\n    publish: true\n    document:\n      version: 1\n      \
         name: Desk\n      start: menu\n      blocks:\n        \
         - id: menu\n          type: voice_menu\n          \
         params: { say: { text: Say sales or support. }, timeout_secs: 5, retries: 0, \
         choices: { sales: [sales], support: [support, technical support] } }\n          \
         transitions: { sales: to_sales, support: to_support, \"1\": to_key, \
         no_match: unheard, no_input: silent }\n"
        .to_string();
    for (id, dept) in [
        ("to_sales", "sales"),
        ("to_support", "support"),
        ("to_key", "key 1"),
        ("unheard", "not understood"),
        ("silent", "nothing said"),
    ] {
        doc.push_str(&set(id, dept));
    }
    doc.push_str("        - { id: bye, type: hangup }\n");
    doc
}

/// Whether espeak-ng and PocketSphinx are installed; required under CI.
fn speech_tools() -> bool {
    let ok = |cmd: &str, args: &[&str]| {
        std::process::Command::new(cmd)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let found = ok("espeak-ng", &["--version"]) && ok("python3", &["-c", "import pocketsphinx"]);
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "espeak-ng (apt) and pocketsphinx (pip) are required under CI"
        );
        eprintln!("SKIPPED: espeak-ng or pocketsphinx not installed");
    }
    found
}

/// Writes `word`, spoken by espeak-ng at 8 kHz, as raw PCMU to `dir/tone.pcmu` (what
/// `caller_speaks_once.xml` says).
fn say(dir: &Path, word: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let prompts = tempfile::tempdir().unwrap();
    let library = sb_engine::prompts::PromptLibrary::new(prompts.path().to_path_buf(), 1 << 20);
    let voice = sb_engine::prompts::Voice::new("en-us", 140).unwrap();
    let (spoken, _) = rt.block_on(library.speak(&voice, word)).unwrap();
    let mut codes = vec![0u8; spoken.samples().len()];
    sb_audio::g711::Law::Mu.encode_frame(spoken.samples(), &mut codes);
    std::fs::write(dir.join("tone.pcmu"), codes).unwrap();
}

/// Places a call to +15550177 with `scenario` and waits for SIPp's end (the flow hangs up).
fn call(dir: &Path, target: &str, scenario: &str) {
    place_call(dir, target, "+15550177", scenario, 0);
}

/// The `dept` values the flow set, in order.
fn departments(data: &Path) -> Vec<String> {
    events(data, "vm-b")
        .into_iter()
        .filter(|(kind, p)| kind == "call.attribute" && p["name"] == "dept")
        .map(|(_, p)| p["value"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// What the recogniser heard, per utterance.
fn heard(data: &Path) -> Vec<serde_json::Value> {
    events(data, "vm-b")
        .into_iter()
        .filter(|(kind, _)| kind == "call.speech")
        .map(|(_, p)| p["heard"].clone())
        .collect()
}

/// Waits until the flow has set `n` departments.
fn wait_departments(data: &Path, n: usize) -> Vec<String> {
    for _ in 0..100 {
        let found = departments(data);
        if found.len() >= n {
            return found;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "the flow set {:?}: {:?}",
        departments(data),
        events(data, "vm-b")
    );
}

#[test]
fn a_caller_says_a_menu_word_and_the_flow_takes_that_choice() {
    if !sipp_available() || !speech_tools() {
        return;
    }
    let (tmp, data) = data_dir();
    import(tmp.path(), &data, &menu_tenant());
    let served = serve(&data);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    caller_audio(dir.path());

    say(dir.path(), "support");
    call(dir.path(), &target, "caller_speaks_once.xml");
    assert_eq!(wait_departments(&data, 1), ["support"]);

    say(dir.path(), "sales");
    call(dir.path(), &target, "caller_speaks_once.xml");
    assert_eq!(wait_departments(&data, 2), ["support", "sales"]);

    call(dir.path(), &target, "caller_presses_1.xml");
    assert_eq!(
        wait_departments(&data, 3),
        ["support", "sales", "key 1"],
        "a key works in a voice menu"
    );
    assert_eq!(
        heard(&data),
        [serde_json::json!("support"), serde_json::json!("sales")],
        "one utterance per spoken call, logged"
    );
    let kept = std::fs::read_dir(data.join("recordings"))
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|tenant| {
            std::fs::read_dir(tenant.path().join("speech"))
                .into_iter()
                .flatten()
        })
        .flatten()
        .count();
    assert_eq!(kept, 0, "utterances are deleted once recognised");
}
