//! Recorded prompts with `switchboard serve`: an admin uploads a WAV over the API, a flow that
//! plays it is published, and a caller (SIPp, its media sent to a socket of this test) hears
//! that very audio; a prompt a published flow plays cannot be deleted, bad uploads are refused.
#![allow(clippy::unwrap_used)]

mod common;

use common::agents::{DEMO_PASSWORD, import, login_in, passwords, serve};
use common::sipp::{sipp, sipp_errors, wait_exit};
use common::{data_dir, free_port, sip_addr, sipp_available};
use serde_json::{Value, json};
use std::net::UdpSocket;
use std::time::{Duration, Instant};

/// The prompt's tone.
const PROMPT_HZ: f64 = 600.0;

/// A tenant whose number +15550177 runs the flow `greet` (hangs up until replaced).
fn tenant() -> &'static str {
    "version: 1\ntenant: { name: pr-a, display_name: Pr A, cluster: C1, ip_allowlist: [] }\n\
     users:\n  - { username: boss, display_name: Boss, role: admin }\n\
     trunks:\n  - name: carrier\n    settings: { inbound_sources: [\"127.0.0.1/32\"] }\n\
     points_of_contact:\n  - { kind: phone, address: \"+15550177\", flow: greet }\n\
     flows:\n  - name: greet\n    publish: true\n    document:\n      version: 1\n      \
     name: Greet\n      start: bye\n      blocks:\n        - { id: bye, type: hangup }\n"
}

/// 2 s of a 600 Hz tone at 16 kHz (the library converts it to 8 kHz when storing it).
fn tone_wav() -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    for n in 0..32_000 {
        let phase = 2.0 * std::f64::consts::PI * PROMPT_HZ * f64::from(n) / 16_000.0;
        w.write_sample((phase.sin() * 10_000.0) as i16).unwrap();
    }
    w.finalize().unwrap();
    out.into_inner()
}

/// A flow that plays `prompt` and then hangs up.
fn plays(prompt: &str) -> Value {
    json!({
        "version": 1, "name": "Greet", "start": "hello",
        "blocks": [
            { "id": "hello", "type": "play", "params": { "say": { "prompt": prompt } },
              "transitions": { "success": "bye" } },
            { "id": "bye", "type": "hangup" }
        ]
    })
}

/// Receives the RTP sent to `socket` until `quiet` passes without a packet; the decoded PCMU.
fn listen(socket: &UdpSocket, quiet: Duration) -> Vec<i16> {
    socket.set_read_timeout(Some(quiet)).unwrap();
    let mut heard = Vec::new();
    let mut buf = [0u8; 2048];
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        let Ok(n) = socket.recv(&mut buf) else {
            if heard.is_empty() {
                continue;
            }
            break;
        };
        if n > 12 && buf[1] & 0x7f == 0 {
            heard.extend(
                buf[12..n]
                    .iter()
                    .map(|&c| sb_audio::g711::Law::Mu.decode(c)),
            );
        }
    }
    heard
}

#[test]
fn an_uploaded_prompt_is_what_the_caller_hears() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    import(tmp.path(), &data, tenant());
    passwords(&data, "pr-a", "boss", DEMO_PASSWORD);
    let served = serve(&data);
    let admin = login_in(&served, "pr-a", "boss");
    let url = |p: &str| served.url(&format!("/api/v1{p}"));

    let listed: Value = admin.get(url("/prompts")).send().unwrap().json().unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == "default:beep" && p["built_in"] == true),
        "the built-in prompts are listed: {listed}"
    );
    let bad = admin
        .put(url("/prompts/broken"))
        .body("not audio")
        .send()
        .unwrap();
    assert_eq!(bad.status(), 400, "bad audio is refused");
    let bad = admin
        .put(url("/prompts/Bad%20Name"))
        .body(tone_wav())
        .send()
        .unwrap();
    assert_eq!(bad.status(), 400, "a bad name is refused");
    let stored: Value = admin
        .put(url("/prompts/welcome"))
        .header("content-type", "audio/wav")
        .body(tone_wav())
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(stored["id"], "welcome");
    assert_eq!(stored["duration_ms"], 2000, "{stored}");

    let flows: Value = admin.get(url("/flows")).send().unwrap().json().unwrap();
    let flow = flows[0]["id"].as_str().unwrap().to_owned();
    let missing = admin
        .put(url(&format!("/flows/{flow}/draft")))
        .json(&json!({ "document": plays("nowhere") }))
        .send()
        .unwrap();
    assert_eq!(
        missing.status(),
        400,
        "a prompt that does not exist is a problem"
    );
    assert!(missing.text().unwrap().contains("unknown prompt"));
    let draft: Value = admin
        .put(url(&format!("/flows/{flow}/draft")))
        .json(&json!({ "document": plays("welcome") }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let version = draft["version"].as_u64().unwrap();
    let published = admin
        .post(url(&format!("/flows/{flow}/publish")))
        .json(&json!({ "version": version }))
        .send()
        .unwrap();
    assert!(
        published.status().is_success(),
        "{}",
        published.text().unwrap()
    );
    let delete = admin.delete(url("/prompts/welcome")).send().unwrap();
    assert_eq!(delete.status(), 409, "the published flow plays it");

    let ear = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = ear.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    let target = sip_addr(&served).to_string();
    let args = ["-s", "+15550177", "-key", "listen_port", &port, &target];
    let mut caller = sipp(dir.path(), "caller_listens.xml", free_port(), &args)
        .spawn()
        .unwrap();
    let heard = listen(&ear, Duration::from_millis(500));
    let status = wait_exit(&mut caller, Duration::from_secs(20));
    assert!(
        status.is_some_and(|s| s.success()),
        "the flow hangs up after the prompt: {}",
        sipp_errors(dir.path())
    );
    assert!(
        heard.len() >= 14_000,
        "about 2 s of audio: {} samples",
        heard.len()
    );
    let middle = &heard[heard.len() / 4..heard.len() * 3 / 4];
    let hz = sb_audio::estimate_frequency(middle, 8000).unwrap_or(0.0);
    assert!(
        (hz - PROMPT_HZ).abs() < 20.0,
        "the caller hears the upload: {hz} Hz"
    );

    let audio = admin.get(url("/prompts/welcome/audio")).send().unwrap();
    assert_eq!(audio.headers()["content-type"], "audio/wav");
    let back = admin
        .put(url(&format!("/flows/{flow}/draft")))
        .json(&json!({ "document": plays("default:beep") }))
        .send()
        .unwrap();
    let version = back.json::<Value>().unwrap()["version"].as_u64().unwrap();
    admin
        .post(url(&format!("/flows/{flow}/publish")))
        .json(&json!({ "version": version }))
        .send()
        .unwrap();
    let delete = admin.delete(url("/prompts/welcome")).send().unwrap();
    assert_eq!(delete.status(), 204, "no published flow plays it any more");
    let gone = admin.get(url("/prompts/welcome/audio")).send().unwrap();
    assert_eq!(gone.status(), 404);
}
