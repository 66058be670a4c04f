//! Voicemail with `switchboard serve` and SIPp as the caller: nobody takes the call before the
//! queue's limit, the flow's `voicemail` block records the caller's message (mono WAV, ended
//! by the caller's hang-up), and agents of the queue list it, play it and close it; a caller
//! who says nothing leaves no message and the flow goes on.
#![allow(clippy::unwrap_used)]

mod common;

use common::agents::{DEMO_PASSWORD, events, import, login_in, passwords, serve};
use common::sipp::{pcmu_tone, place_call};
use common::{data_dir, sip_addr, sipp_available};
use std::time::Duration;

/// A tenant whose number +15550166 queues for `sales` (2 s at most), then takes a message.
/// Agent 4001 serves `sales`; supervisor `boss` sees every mailbox.
fn voicemail_tenant() -> String {
    "version: 1\ntenant: { name: vm-a, display_name: Vm A, cluster: C1, ip_allowlist: [] }\n\
     users:\n  - { username: \"4001\", display_name: Ada, role: agent }\n  \
     - { username: boss, display_name: Boss, role: supervisor }\n\
     queues:\n  - { name: sales, channel: voice, settings: {} }\n\
     trunks:\n  - name: carrier\n    settings: { inbound_sources: [\"127.0.0.1/32\"] }\n\
     points_of_contact:\n  - { kind: phone, address: \"+15550166\", flow: sales }\n\
     flows:\n  - name: sales\n    publish: true\n    document:\n      version: 1\n      \
     name: Sales\n      start: queue\n      blocks:\n        - id: queue\n          \
     type: enqueue\n          params: { queue: sales, max_wait_secs: 2 }\n          \
     transitions: { timeout: message, break_out: message }\n        - id: message\n          \
     type: voicemail\n          params: { max_len_secs: 30, silence_end_secs: 2 }\n          \
     transitions: { success: done, no_input: done }\n        - id: done\n          \
     type: end\n"
        .into()
}

/// The same tenant with a second number, +15550167, that is never open: its flow takes a
/// message for the `after-hours` mailbox at once.
fn after_hours_tenant() -> String {
    voicemail_tenant().replace(
        "points_of_contact:\n  - { kind: phone, address: \"+15550166\", flow: sales }\n",
        "points_of_contact:\n  - { kind: phone, address: \"+15550166\", flow: sales }\n  \
         - { kind: phone, address: \"+15550167\", flow: closed }\n",
    ) + "  - name: closed\n    publish: true\n    document:\n      version: 1\n      \
         name: Closed\n      start: hours\n      blocks:\n        - id: hours\n          \
         type: check_hours\n          params: { time_zone: UTC, weekly: [] }\n          \
         transitions: { open: bye, closed: message }\n        - id: message\n          \
         type: voicemail\n          params: { mailbox: after-hours, silence_end_secs: 2 }\n          \
         transitions: { success: bye }\n        - { id: bye, type: hangup }\n"
}

/// Places a call to `number` with `scenario` (`-d` = `talk_ms`) and waits for SIPp's end.
fn call(dir: &std::path::Path, target: &str, number: &str, scenario: &str, talk_ms: u32) {
    pcmu_tone(&dir.join("tone.pcmu"));
    place_call(dir, target, number, scenario, talk_ms);
}

/// Waits until `kind` is in the tenant's event log.
fn wait_event(data: &std::path::Path, kind: &str) -> serde_json::Value {
    for _ in 0..100 {
        if let Some((_, p)) = events(data, "vm-a").into_iter().find(|(k, _)| k == kind) {
            return p;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no {kind}: {:?}", events(data, "vm-a"));
}

/// A server for tenant `doc` (users 4001 and boss may log in) and a folder for SIPp.
struct Vm {
    _tmp: tempfile::TempDir,
    data: std::path::PathBuf,
    served: common::Served,
    dir: tempfile::TempDir,
}

impl Vm {
    fn start(doc: &str) -> Vm {
        let (tmp, data) = data_dir();
        import(tmp.path(), &data, doc);
        for user in ["4001", "boss"] {
            passwords(&data, "vm-a", user, DEMO_PASSWORD);
        }
        let served = serve(&data);
        let dir = tempfile::tempdir_in(tmp.path()).unwrap();
        Vm {
            _tmp: tmp,
            data,
            served,
            dir,
        }
    }

    /// A call to `number` with `scenario` (`-d` = `talk_ms`).
    fn call(&self, number: &str, scenario: &str, talk_ms: u32) {
        let target = sip_addr(&self.served).to_string();
        call(self.dir.path(), &target, number, scenario, talk_ms);
    }

    /// `GET path` as `http`, as JSON.
    fn get(&self, http: &reqwest::blocking::Client, path: &str) -> serde_json::Value {
        http.get(self.served.url(path))
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

#[test]
fn a_caller_nobody_answers_leaves_a_message_that_the_queues_agents_play_and_close() {
    if !sipp_available() {
        return;
    }
    let vm = Vm::start(&voicemail_tenant());
    let (data, served) = (&vm.data, &vm.served);
    vm.call("+15550166", "caller_talks.xml", 8000);
    let logged = wait_event(data, "call.voicemail");

    let agent = login_in(served, "vm-a", "4001");
    let list = vm.get(&agent, "/api/v1/voicemails");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let message = &list[0];
    assert_eq!(
        message["mailbox"], "sales",
        "the queue's mailbox: {message}"
    );
    assert_eq!(message["caller"], "+442079460123");
    assert_eq!(message["called"], "+15550166");
    assert_eq!(message["state"], "new");
    assert_eq!(message["id"], logged["voicemail"]);
    let ms = message["duration_ms"].as_u64().unwrap();
    assert!(
        (3000..8000).contains(&ms),
        "recorded until the hang-up: {ms} ms"
    );

    let audio = agent
        .get(served.url(message["audio"].as_str().unwrap()))
        .send()
        .unwrap();
    assert_eq!(audio.status(), 200);
    assert_eq!(audio.headers()["content-type"], "audio/wav");
    let wav = audio.bytes().unwrap();
    let mut reader = hound::WavReader::new(std::io::Cursor::new(wav.to_vec())).unwrap();
    assert_eq!(reader.spec().channels, 1, "a message is mono");
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let middle = &samples[samples.len() / 4..samples.len() / 2];
    let freq = sb_audio::estimate_frequency(middle, 8000).unwrap_or(0.0);
    assert!((freq - 1000.0).abs() < 30.0, "the caller's tone: {freq} Hz");

    let id = message["id"].as_str().unwrap();
    let close = |http: &reqwest::blocking::Client| {
        http.post(served.url(&format!("/api/v1/voicemails/{id}/close")))
            .send()
            .unwrap()
    };
    let closed: serde_json::Value = close(&agent).json().unwrap();
    assert_eq!(closed["state"], "done");
    let boss = login_in(served, "vm-a", "boss");
    assert_eq!(close(&boss).status(), 409, "closed already");
    let done = vm.get(&boss, "/api/v1/voicemails?state=done");
    assert_eq!(done[0]["id"], id, "the supervisor sees it: {done}");
    let fresh = vm.get(&agent, "/api/v1/voicemails");
    assert_eq!(fresh, serde_json::json!([]), "no new messages left");
}

#[test]
fn a_caller_who_says_nothing_leaves_no_message_and_the_flow_goes_on() {
    if !sipp_available() {
        return;
    }
    let vm = Vm::start(&voicemail_tenant());
    let (data, served) = (&vm.data, &vm.served);
    vm.call("+15550166", "caller_silent.xml", 0);
    let ended = wait_event(data, "call.ended");
    assert_eq!(ended["reason"], "flow_ended", "{ended}");
    assert!(
        !events(data, "vm-a")
            .iter()
            .any(|(k, _)| k == "call.voicemail"),
        "no message"
    );
    let boss = login_in(served, "vm-a", "boss");
    let all = vm.get(&boss, "/api/v1/voicemails?state=all");
    assert_eq!(all, serde_json::json!([]));
    let folder = data.join("recordings");
    let files: Vec<_> = walk(&folder);
    assert!(files.is_empty(), "the empty message is deleted: {files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

#[test]
fn after_hours_a_message_goes_to_its_own_mailbox_which_only_supervisors_see() {
    if !sipp_available() {
        return;
    }
    let vm = Vm::start(&after_hours_tenant());
    let (data, served) = (&vm.data, &vm.served);
    vm.call("+15550167", "caller_talks.xml", 5000);
    let logged = wait_event(data, "call.voicemail");
    assert_eq!(logged["mailbox"], "after-hours", "{logged}");
    let id = logged["voicemail"].as_str().unwrap();

    let boss = login_in(served, "vm-a", "boss");
    let list = vm.get(&boss, "/api/v1/voicemails?mailbox=after-hours");
    assert_eq!(list[0]["id"], id, "the supervisor sees it: {list}");
    assert_eq!(list[0]["called"], "+15550167");
    // Agent 4001 serves sales, not the after-hours mailbox.
    let agent = login_in(served, "vm-a", "4001");
    let own = vm.get(&agent, "/api/v1/voicemails?state=all");
    assert_eq!(own, serde_json::json!([]), "not the agent's mailbox");
    let asked = vm.get(&agent, "/api/v1/voicemails?mailbox=after-hours");
    assert_eq!(asked, serde_json::json!([]), "asking by name does not help");
    for path in [
        format!("/api/v1/voicemails/{id}/audio"),
        format!("/api/v1/voicemails/{id}/close"),
    ] {
        let status = if path.ends_with("close") {
            agent.post(served.url(&path)).send().unwrap().status()
        } else {
            agent.get(served.url(&path)).send().unwrap().status()
        };
        assert_eq!(status, 404, "{path} is hidden from the agent");
    }
}

#[test]
fn a_message_ends_when_the_caller_falls_silent_and_the_flow_goes_on() {
    if !sipp_available() {
        return;
    }
    let vm = Vm::start(&voicemail_tenant());
    let data = &vm.data;
    // Queued 2 s, then the beep; the caller speaks 2 s from 3 s on, then says nothing.
    vm.call("+15550166", "caller_speaks_once.xml", 0);
    let logged = wait_event(data, "call.voicemail");
    let ms = logged["duration_ms"].as_u64().unwrap();
    assert!(
        (2000..4300).contains(&ms),
        "the 2 s of words, cut after the last one (not the 2 s of silence): {ms} ms"
    );
    let path = vm
        .data
        .join("recordings")
        .join(logged["file"].as_str().unwrap());
    let wav = hound::WavReader::open(&path).unwrap();
    assert_eq!(u64::from(wav.duration()) / 8, ms, "the file is cut too");
    let ended = wait_event(data, "call.ended");
    assert_eq!(ended["reason"], "flow_ended", "the flow hung up: {ended}");
}
