//! Call recording by the tenant's setting, with `switchboard serve`, SIPp as the caller and as
//! the agent's phone (echoing what it hears): a call is not recorded until an admin turns on
//! `record_calls`, then the next one is, caller left and agent right.
#![allow(clippy::unwrap_used)]

mod common;

use common::agents::{
    DEMO_PASSWORD, events, import, make_available_in, passwords, record_every_call, register_phone,
    sales_tenant, serve,
};
use common::sipp::{assert_caller_and_phone_done, dial_in, pcmu_tone, sipp};
use common::{Served, data_dir, free_port, sip_addr, sipp_available};
use std::path::Path;
use std::time::Duration;

/// One call from the carrier to +15550188, answered by agent 4001's phone (registered on
/// `phone_port`, echoing), the caller talking for 3 s.
fn one_call(served: &Served, dir: &Path, phone_port: u16) {
    let target = sip_addr(served).to_string();
    let media = free_port().to_string();
    let args = ["-rtp_echo", "-mi", "127.0.0.1", "-mp", &media];
    let mut phone = sipp(dir, "agent_phone.xml", phone_port, &args)
        .spawn()
        .unwrap();
    let mut caller = dial_in(dir, "caller_talks.xml", "+15550188", 3000, &target)
        .spawn()
        .unwrap();
    assert_caller_and_phone_done(dir, &mut caller, &mut phone, "the phone");
}

/// The payloads of `kind` once `n` of them are logged (the end of a call is logged after the
/// SIP dialogs end).
fn wait_events(data: &Path, kind: &str, n: usize) -> Vec<serde_json::Value> {
    for _ in 0..100 {
        let found: Vec<_> = events(data, "rec-a")
            .into_iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, p)| p)
            .collect();
        if found.len() >= n {
            return found;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("fewer than {n} {kind}");
}

#[test]
fn every_call_is_recorded_once_the_tenant_says_so() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let doc = sales_tenant("rec-a", &["4001"], "wrap_up_secs: 0", "", "+15550188").replace(
        "users:\n",
        "users:\n  - { username: boss, display_name: Boss, role: admin }\n",
    );
    import(tmp.path(), &data, &doc);
    passwords(&data, "rec-a", "4001", DEMO_PASSWORD);
    passwords(&data, "rec-a", "boss", DEMO_PASSWORD);
    let served = serve(&data);
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let phone_port = free_port();
    register_phone(
        dir.path(),
        &sip_addr(&served).to_string(),
        phone_port,
        "4001",
        DEMO_PASSWORD,
    );
    let _agent = make_available_in(&served, "rec-a", "4001");

    one_call(&served, dir.path(), phone_port);
    wait_events(&data, "call.ended", 1);
    assert!(
        events(&data, "rec-a")
            .iter()
            .all(|(k, _)| k != "call.recorded"),
        "not recorded by default"
    );

    record_every_call(&served, "rec-a", "boss");
    one_call(&served, dir.path(), phone_port);
    let recorded = wait_events(&data, "call.recorded", 1);
    let path = recorded[0]["path"].as_str().unwrap();
    let mut wav = hound::WavReader::open(path).unwrap();
    assert_eq!(wav.spec().channels, 2);
    let samples: Vec<i16> = wav.samples::<i16>().map(Result::unwrap).collect();
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    let middle = |s: &[i16]| s[s.len() / 4..s.len() * 3 / 4].to_vec();
    for (side, audio) in [("caller", &left), ("agent (echo)", &right)] {
        let hz = sb_audio::estimate_frequency(&middle(audio), 8000).unwrap_or(0.0);
        assert!((hz - 1000.0).abs() < 30.0, "{side}: {hz} Hz");
    }
}

#[test]
fn a_queue_that_records_records_its_calls() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let queue = "wrap_up_secs: 0, record: true";
    let doc = sales_tenant("rec-a", &["4001"], queue, "", "+15550188");
    import(tmp.path(), &data, &doc);
    passwords(&data, "rec-a", "4001", DEMO_PASSWORD);
    let served = serve(&data);
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let phone_port = free_port();
    let target = sip_addr(&served).to_string();
    register_phone(dir.path(), &target, phone_port, "4001", DEMO_PASSWORD);
    let _agent = make_available_in(&served, "rec-a", "4001");
    one_call(&served, dir.path(), phone_port);
    let recorded = wait_events(&data, "call.recorded", 1);
    let ms = recorded[0]["duration_ms"].as_u64().unwrap();
    assert!((1000..4000).contains(&ms), "the connected part: {ms} ms");
    assert!(Path::new(recorded[0]["path"].as_str().unwrap()).exists());
}
