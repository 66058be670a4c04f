//! `switchboard serve` and SIP trunks, against SIPp playing the carrier: an INVITE from the demo
//! trunk's network to the demo number is matched (480 with a Warning until call routing
//! exists) and one to an unknown number is 404; a trunk registers with digest auth to a SIPp
//! registrar (`trunk.registered` in the event log); a pinged carrier that goes away is reported
//! `trunk.down`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Served, data_dir, free_port, run, sip_addr, sipp_available, text};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn scenario(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// SIPp with `args`, in `dir`, on a free local port (or `port`), at most 20 s per call.
fn sipp(dir: &Path, file: &str, port: u16, args: &[&str]) -> Command {
    let mut c = Command::new("sipp");
    c.current_dir(dir)
        .args(["-sf", &scenario(file), "-m", "1", "-i", "127.0.0.1"])
        .args(["-p", &port.to_string()])
        .args([
            "-timeout",
            "20s",
            "-timeout_error",
            "-nostdin",
            "-trace_err",
        ])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// SIPp's error log, for a failed run.
fn sipp_errors(dir: &Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        out.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
    }
    out
}

fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn stop(mut served: Served) {
    served.signal("-TERM");
    assert!(
        served.wait(Duration::from_secs(20)).is_some(),
        "serve stops"
    );
}

/// Imports a tenant `carrier-a` with one trunk of these settings (YAML, indented 4).
fn import_trunk(dir: &Path, data: &Path, settings: &str) -> Output {
    let doc = format!(
        "version: 1\ntenant:\n  name: carrier-a\n  display_name: Carrier A\n  cluster: C1\n  \
         ip_allowlist: []\ntrunks:\n  - name: carrier\n    settings:\n{settings}"
    );
    let file = dir.join("carrier.yaml");
    std::fs::write(&file, doc).unwrap();
    run(data, &["import", file.to_str().unwrap()])
}

/// `(kind, payload)` of every event of `tenant` (read with the store, serve stopped).
fn events(data: &Path, tenant: &str) -> Vec<(String, serde_json::Value)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sb_store::{EventLog, TenantRepo};
        let store = sb_store_sqlite::SqliteStore::open(data.join("switchboard.db"))
            .await
            .unwrap();
        let tenant = store.get_tenant_by_name(tenant).await.unwrap();
        let found = store.read_events(tenant.id, 0, 1000).await.unwrap();
        store.close().await;
        found.into_iter().map(|e| (e.kind, e.payload)).collect()
    })
}

#[test]
fn an_invite_to_the_demo_number_is_matched_and_one_to_an_unknown_number_is_404() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let served = Served::start(
        &data,
        &["--demo"],
        &[("SWITCHBOARD_DEMO_PASSWORD", "Demo-pass-2026!")],
    );
    let target = sip_addr(&served).to_string();
    for (file, number) in [
        ("inbound_480.xml", "+15550100"),
        ("inbound_404.xml", "+15550199"),
    ] {
        let dir = tempfile::tempdir_in(tmp.path()).unwrap();
        let ok = sipp(dir.path(), file, free_port(), &["-s", number, &target])
            .status()
            .unwrap()
            .success();
        assert!(ok, "{file} to {number}: {}", sipp_errors(dir.path()));
    }
    stop(served);
    let matched: Vec<_> = events(&data, "demo")
        .into_iter()
        .filter(|(k, _)| k == "call.inbound_matched")
        .collect();
    assert_eq!(matched.len(), 1, "{matched:?}");
    assert_eq!(matched[0].1["trunk"], "demo-local");
    assert_eq!(matched[0].1["number"], "+15550100");
}

#[test]
fn a_trunk_registers_with_digest_auth_to_its_carrier() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let port = free_port();
    let settings = format!(
        "      inbound_sources: [\"192.0.2.0/24\"]\n      options_ping: false\n      register:\n        \
         registrar: \"sip:127.0.0.1:{port}\"\n        username: trunkuser\n        \
         password: trunk-secret\n        realm: carrier.test\n        expires: 600\n"
    );
    let out = import_trunk(tmp.path(), &data, &settings);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    let mut registrar = sipp(
        dir.path(),
        "trunk_registrar.xml",
        port,
        &[
            "-key",
            "trunk_user",
            "trunkuser",
            "-key",
            "trunk_password",
            "trunk-secret",
        ],
    )
    .spawn()
    .unwrap();
    let served = Served::start(&data, &[], &[]);
    let status = wait_exit(&mut registrar, Duration::from_secs(15));
    stop(served);
    assert!(
        status.is_some_and(|s| s.success()),
        "the registrar saw a valid digest: {}",
        sipp_errors(dir.path())
    );
    let events = events(&data, "carrier-a");
    let registered: Vec<_> = events
        .iter()
        .filter(|(k, _)| k == "trunk.registered")
        .collect();
    assert_eq!(registered.len(), 1, "{events:?}");
    assert_eq!(registered[0].1["trunk"], "carrier");
}

#[test]
fn a_pinged_carrier_that_stops_answering_is_reported_down() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let port = free_port();
    let settings =
        format!("      outbound_proxy: \"sip:127.0.0.1:{port}\"\n      options_ping: 1\n");
    let out = import_trunk(tmp.path(), &data, &settings);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    let mut carrier = sipp(dir.path(), "trunk_options.xml", port, &[])
        .spawn()
        .unwrap();
    let served = Served::start(&data, &[], &[]);
    let status = wait_exit(&mut carrier, Duration::from_secs(15));
    assert!(
        status.is_some_and(|s| s.success()),
        "three pings answered: {}",
        sipp_errors(dir.path())
    );
    // Gone now: 3 failed pings of 1 s interval and 2 s timeout each are under 10 s.
    std::thread::sleep(Duration::from_secs(11));
    stop(served);
    let events = events(&data, "carrier-a");
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["trunk.down"], "{events:?}");
    assert_eq!(events[0].1["trunk"], "carrier");
}

/// 2 s of a 1 kHz tone in PCMU, raw, for SIPp's `rtp_stream`.
fn pcmu_tone(path: &Path) {
    let samples: Vec<i16> = (0..16_000)
        .map(|n| {
            let phase = 2.0 * std::f64::consts::PI * 1000.0 * f64::from(n) / 8000.0;
            (phase.sin() * 8000.0) as i16
        })
        .collect();
    let mut codes = vec![0u8; samples.len()];
    sb_audio::g711::Law::Mu.encode_frame(&samples, &mut codes);
    std::fs::write(path, codes).unwrap();
}

#[test]
fn a_phone_calls_out_through_the_trunk_with_its_caller_id_and_digest_and_both_legs_carry_audio() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let carrier_port = free_port();
    let settings = format!(
        "      inbound_sources: [\"192.0.2.0/24\"]\n      options_ping: false\n      \
         outbound_proxy: \"sip:127.0.0.1:{carrier_port}\"\n      country_code: \"44\"\n      \
         national_prefix: \"0\"\n      caller_id: \"+15550100\"\n      auth:\n        \
         username: trunkuser\n        password: trunk-secret\n"
    );
    let out = import_trunk(tmp.path(), &data, &settings);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for (args, password) in [
        (
            &[
                "create-user",
                "--tenant",
                "carrier-a",
                "--role",
                "agent",
                "1001",
            ][..],
            "Agent-console-pw-1",
        ),
        (
            &["sip-password", "--tenant", "carrier-a", "1001"][..],
            "Phone-sip-pw-2026",
        ),
    ] {
        let out = common::cmd(&data)
            .arg("admin")
            .args(args)
            .env("SWITCHBOARD_PASSWORD", password)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let served = Served::start(
        &data,
        &[],
        &[
            ("SWITCHBOARD_SIP_DIGEST_ALGORITHMS", "MD5,SHA-256"),
            ("SWITCHBOARD_MEDIA_BIND_IP", "127.0.0.1"),
        ],
    );
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    let tone = dir.path().join("tone.pcmu");
    pcmu_tone(&tone);
    let carrier_media = free_port().to_string();
    let mut carrier = sipp(
        dir.path(),
        "carrier_uas.xml",
        carrier_port,
        &[
            "-rtp_echo",
            "-mi",
            "127.0.0.1",
            "-mp",
            &carrier_media,
            "-key",
            "trunk_user",
            "trunkuser",
            "-key",
            "trunk_password",
            "trunk-secret",
        ],
    )
    .spawn()
    .unwrap();
    let phone_media = free_port().to_string();
    let phone = sipp(
        dir.path(),
        "phone_outbound.xml",
        free_port(),
        &[
            "-s",
            "02079460000",
            "-au",
            "1001",
            "-ap",
            "Phone-sip-pw-2026",
            // SIPp's digest URI is remote_ip:port unless told: the Request-URI it sends.
            "-auth_uri",
            &format!("02079460000@{target}"),
            "-mi",
            "127.0.0.1",
            "-mp",
            &phone_media,
            &target,
        ],
    )
    .status()
    .unwrap();
    let carrier_status = wait_exit(&mut carrier, Duration::from_secs(15));
    stop(served);
    assert!(
        phone.success(),
        "the phone's call: {}",
        sipp_errors(dir.path())
    );
    assert!(
        carrier_status.is_some_and(|s| s.success()),
        "the carrier saw the number, caller ID and digest it expects: {}",
        sipp_errors(dir.path())
    );
    let events = events(&data, "carrier-a");
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    for kind in ["call.created", "call.answered", "call.ended"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let ended = &events.iter().find(|(k, _)| k == "call.ended").unwrap().1;
    assert_eq!(ended["reason"], "caller_hangup", "{ended}");
    assert_eq!(ended["q850"], 16);
    for leg in ended["legs"].as_array().unwrap() {
        let received = leg["packets_received"].as_u64().unwrap_or(0);
        assert!(
            received >= 50,
            "a second of audio or more on every leg: {ended}"
        );
        assert_eq!(leg["bleed_dropped"], 0, "{ended}");
    }
}
