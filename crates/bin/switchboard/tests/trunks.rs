//! `switchboard serve` and SIP trunks, against SIPp playing the carrier and the phones: a call to
//! the demo number runs the demo flow (prompts, a menu answered with RFC 4733 DTMF), waits in
//! the queue and is bridged to the available agent's registered phone, and one to an unknown
//! number is 404; a phone calls out through a trunk with its caller ID and digest; a trunk
//! registers with digest auth to a SIPp registrar (`trunk.registered` in the event log); a
//! pinged carrier that goes away is reported `trunk.down`; a carrier is exempt from the
//! per-source request rate that cuts other sources off.
#![allow(clippy::unwrap_used)]

mod common;

use common::agents::{
    DEMO_PASSWORD, connected_call, control, events, make_available_in, passwords, register_phone,
};
use common::sipp::{caller_audio, dial_in, pcmu_tone, sipp, sipp_errors, spawn_carrier, wait_exit};
use common::{Served, data_dir, free_port, run, sip_addr, sipp_available, text};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

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

/// Runs `switchboard admin ARGS` with `password` given by the environment.
fn admin_cli(data: &Path, args: &[&str], password: &str) {
    let out = common::cmd(data)
        .arg("admin")
        .args(args)
        .env("SWITCHBOARD_PASSWORD", password)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Agent 1001 of `carrier-a`, whose SIP phone logs in with `Phone-sip-pw-2026`.
fn phone_user(data: &Path) {
    let agent = [
        "create-user",
        "--tenant",
        "carrier-a",
        "--role",
        "agent",
        "1001",
    ];
    admin_cli(data, &agent, common::agents::DEMO_PASSWORD);
    let phone = ["sip-password", "--tenant", "carrier-a", "1001"];
    admin_cli(data, &phone, "Phone-sip-pw-2026");
}

/// A carrier behind the trunk on `port` that takes only SRTP offers (no media).
fn spawn_srtp_carrier(dir: &Path, port: u16) -> std::process::Child {
    let media = free_port().to_string();
    let args = ["-mi", "127.0.0.1", "-mp", &media];
    sipp(dir, "carrier_srtp_uas.xml", port, &args)
        .spawn()
        .unwrap()
}

/// Logs in as a demo agent and asks for Available.
fn make_available(served: &Served, user: &str) -> reqwest::blocking::Client {
    make_available_in(served, "demo", user)
}

#[test]
fn a_call_to_the_demo_number_runs_its_flow_and_is_bridged_to_the_available_agents_phone() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let served = Served::start(
        &data,
        &["--demo"],
        &[
            ("SWITCHBOARD_DEMO_PASSWORD", DEMO_PASSWORD),
            ("SWITCHBOARD_SIP_DIGEST_ALGORITHMS", "MD5,SHA-256"),
            ("SWITCHBOARD_MEDIA_BIND_IP", "127.0.0.1"),
        ],
    );
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    // The agent's phone registers, then waits for calls on the same port.
    let phone_port = free_port();
    let registered = sipp(
        dir.path(),
        "register.xml",
        phone_port,
        &[
            "-s",
            "1001",
            "-key",
            "domain",
            "127.0.0.1",
            "-au",
            "1001",
            "-ap",
            DEMO_PASSWORD,
            &target,
        ],
    )
    .status()
    .unwrap();
    assert!(
        registered.success(),
        "register: {}",
        sipp_errors(dir.path())
    );
    let phone_media = free_port().to_string();
    let mut phone = sipp(
        dir.path(),
        "agent_phone.xml",
        phone_port,
        &["-rtp_echo", "-mi", "127.0.0.1", "-mp", &phone_media],
    )
    .spawn()
    .unwrap();
    let agent = make_available(&served, "1001");
    caller_audio(dir.path());
    let caller_media = free_port().to_string();
    let mut caller = sipp(
        dir.path(),
        "inbound_caller.xml",
        free_port(),
        &[
            "-s",
            "+15550100",
            "-mi",
            "127.0.0.1",
            "-mp",
            &caller_media,
            "-timeout",
            "40s",
            &target,
        ],
    )
    .spawn()
    .unwrap();
    // While connected, the agent controls the call through the API.
    let call = connected_call(&served, &agent);
    let steps = [
        ("record_start", 204),
        ("hold", 204),
        ("hold", 409),
        ("resume", 204),
        ("record_pause", 204),
        ("record_resume", 204),
    ];
    for (action, expected) in steps {
        assert_eq!(
            control(&served, &agent, &call, action),
            expected,
            "{action}"
        );
    }
    let dtmf = agent
        .post(served.url(&format!("/api/v1/calls/{call}/dtmf")))
        .json(&serde_json::json!({ "digits": "12" }))
        .send()
        .unwrap();
    assert_eq!(dtmf.status().as_u16(), 204);
    // The live call shows both legs' quality, sampled every few seconds.
    let calls: serde_json::Value = agent
        .get(served.url("/api/v1/me/calls"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let quality = calls[0]["quality"].as_array().unwrap();
    let legs: Vec<&str> = quality.iter().filter_map(|q| q["leg"].as_str()).collect();
    assert_eq!(legs, ["caller", "agent"], "{calls}");
    assert!(
        quality
            .iter()
            .all(|q| q["level"] == "good" && q["mos"].as_f64() > Some(4.0)),
        "a clean loopback call is good: {calls}"
    );
    assert_eq!(control(&served, &agent, "no-such-call", "hold"), 404);
    let state: serde_json::Value = agent
        .get(served.url("/api/v1/me/state"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        state["state"], "working",
        "on the call, not in wrap-up: {state}"
    );
    let caller = wait_exit(&mut caller, Duration::from_secs(30)).expect("the caller ends");
    let phone_status = wait_exit(&mut phone, Duration::from_secs(15));
    // The call is in the caller's history, with the queue and the agent.
    let history: serde_json::Value = agent
        .get(served.url("/api/v1/contacts/history?contact=%2B442079460123"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(history[0]["id"], call.as_str(), "{history}");
    assert_eq!(history[0]["queue"], "support", "{history}");
    assert_eq!(history[0]["agent_username"], "1001", "{history}");
    assert_eq!(history[0]["outcome"], "caller_hangup", "{history}");
    // An unknown number is refused.
    let unknown = sipp(
        dir.path(),
        "inbound_404.xml",
        free_port(),
        &["-s", "+15550199", &target],
    )
    .status()
    .unwrap();
    stop(served);
    assert!(
        caller.success(),
        "the caller's call: {}",
        sipp_errors(dir.path())
    );
    assert!(
        phone_status.is_some_and(|s| s.success()),
        "the agent's phone rang, answered and was hung up: {}",
        sipp_errors(dir.path())
    );
    assert!(unknown.success(), "404: {}", sipp_errors(dir.path()));
    let events = events(&data, "demo");
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    for kind in [
        "call.inbound_matched",
        "call.created",
        "call.answered",
        "call.queued",
        "call.offered",
        "call.connected",
        "call.ended",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let ended = &events.iter().find(|(k, _)| k == "call.ended").unwrap().1;
    assert_eq!(ended["reason"], "caller_hangup", "{ended}");
    let recorded = &events.iter().find(|(k, _)| k == "call.recorded").unwrap().1;
    assert_eq!(
        recorded["paused"].as_array().map(Vec::len),
        Some(1),
        "{recorded}"
    );
    let wav = std::fs::metadata(recorded["path"].as_str().unwrap()).unwrap();
    assert!(
        wav.len() > 8000,
        "a second of stereo audio or more: {recorded}"
    );
    let legs = ended["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2, "caller and agent legs: {ended}");
    for leg in legs {
        let received = leg["packets_received"].as_u64().unwrap_or(0);
        assert!(
            received >= 50,
            "a second of audio or more on every leg: {ended}"
        );
    }
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

/// SIPp as the carrier behind the trunk (`carrier_uas.xml`: number, caller ID and digest
/// checked, audio echoed) on `port`.

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
    phone_user(&data);
    let boss = [
        "create-user",
        "--tenant",
        "carrier-a",
        "--role",
        "admin",
        "boss",
    ];
    admin_cli(&data, &boss, common::agents::DEMO_PASSWORD);
    let served = Served::start(
        &data,
        &[],
        &[
            ("SWITCHBOARD_SIP_DIGEST_ALGORITHMS", "MD5,SHA-256"),
            ("SWITCHBOARD_MEDIA_BIND_IP", "127.0.0.1"),
        ],
    );
    // Every call of the tenant is recorded, outbound ones included, and calls agents place
    // are followed by after-contact work.
    common::agents::record_every_call(&served, "carrier-a", "boss");
    let wrap = common::agents::login_in(&served, "carrier-a", "boss")
        .put(served.url("/api/v1/tenant/settings"))
        .json(&serde_json::json!({ "outbound_wrap_up_secs": 600 }))
        .send()
        .unwrap();
    assert_eq!(wrap.status(), 200, "outbound_wrap_up_secs");
    let agent = common::agents::login_in(&served, "carrier-a", "1001");
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    let tone = dir.path().join("tone.pcmu");
    pcmu_tone(&tone);
    let mut carrier = spawn_carrier(dir.path(), carrier_port);
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
    let state = |http: &reqwest::blocking::Client| -> serde_json::Value {
        let me = http.get(served.url("/api/v1/me/state")).send().unwrap();
        me.json::<serde_json::Value>().unwrap()["state"].clone()
    };
    // The call's end reaches the ACD just after the carrier's BYE.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while state(&agent) == "working" && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        state(&agent),
        "wrap_up",
        "after-contact work follows the call"
    );
    let done = agent
        .post(served.url("/api/v1/me/wrap-up"))
        .json(&serde_json::json!({}))
        .send()
        .unwrap();
    assert_eq!(done.status(), 204);
    assert_eq!(state(&agent), "logged_out", "the agent ended it");
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
    for kind in [
        "call.created",
        "call.answered",
        "call.recorded",
        "call.ended",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let recorded = &events.iter().find(|(k, _)| k == "call.recorded").unwrap().1;
    assert!(
        recorded["duration_ms"].as_u64().unwrap() >= 1000,
        "{recorded}"
    );
    let ended = &events.iter().find(|(k, _)| k == "call.ended").unwrap().1;
    assert_eq!(ended["reason"], "caller_hangup", "{ended}");
    assert_eq!(ended["q850"], 16);
    // The ACD knew the agent was on the call: working, then after-contact work, then done.
    let states: Vec<String> = events
        .iter()
        .filter(|(k, _)| k == "agent.state_changed")
        .map(|(_, p)| p["state"]["state"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(states, ["working", "wrap_up", "logged_out"], "{events:?}");
    for leg in ended["legs"].as_array().unwrap() {
        let received = leg["packets_received"].as_u64().unwrap_or(0);
        assert!(
            received >= 50,
            "a second of audio or more on every leg: {ended}"
        );
        assert_eq!(leg["bleed_dropped"], 0, "{ended}");
    }
}

/// A tenant whose number +15550177 forwards callers to 02079460000 through its trunk to the
/// carrier on `carrier_port`; `trunk` adds settings (indented for the trunk's settings).
fn forward_tenant(carrier_port: u16, trunk: &str) -> String {
    format!(
        "version: 1\ntenant:\n  name: carrier-a\n  display_name: Carrier A\n  cluster: C1\n  \
         ip_allowlist: []\ntrunks:\n  - name: carrier\n    settings:\n      \
         inbound_sources: [\"127.0.0.1/32\"]\n      options_ping: false\n      \
         outbound_proxy: \"sip:127.0.0.1:{carrier_port}\"\n      country_code: \"44\"\n      \
         national_prefix: \"0\"\n      caller_id: \"+15550100\"\n      {trunk}\
         points_of_contact:\n  - kind: phone\n    address: \"+15550177\"\n    flow: forward\n\
         flows:\n  - name: forward\n    publish: true\n    document:\n      version: 1\n      \
         name: Forward\n      start: out\n      blocks:\n        - id: out\n          \
         type: transfer\n          params: {{ to: {{ number: \"02079460000\" }}, timeout_secs: 20 }}\n          \
         transitions: {{ success: done, busy: done, no_answer: done }}\n        \
         - id: done\n          type: end\n"
    )
}

#[test]
fn a_flow_transfers_a_caller_to_an_external_number_through_the_trunk() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let carrier_port = free_port();
    let trunk = "auth:\n        username: trunkuser\n        password: trunk-secret\n";
    common::agents::import(tmp.path(), &data, &forward_tenant(carrier_port, trunk));
    let served = Served::start(&data, &[], &[("SWITCHBOARD_MEDIA_BIND_IP", "127.0.0.1")]);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let mut carrier = spawn_carrier(dir.path(), carrier_port);
    let caller = dial_in(dir.path(), "caller_talks.xml", "+15550177", 4000, &target)
        .status()
        .unwrap();
    let carrier_status = wait_exit(&mut carrier, Duration::from_secs(15));
    stop(served);
    assert!(caller.success(), "the caller: {}", sipp_errors(dir.path()));
    assert!(
        carrier_status.is_some_and(|s| s.success()),
        "the carrier got the transferred call with the trunk's caller ID and digest: {}",
        sipp_errors(dir.path())
    );
    let events = events(&data, "carrier-a");
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    for kind in [
        "call.answered",
        "call.transfer",
        "call.connected",
        "call.ended",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let ended = &events.iter().find(|(k, _)| k == "call.ended").unwrap().1;
    assert_eq!(ended["reason"], "caller_hangup", "{ended}");
    let legs = ended["legs"].as_array().unwrap();
    assert_eq!(legs[1]["leg"], "external", "{ended}");
    assert_eq!(legs[1]["to"], "+442079460000", "{ended}");
    for leg in legs {
        let received = leg["packets_received"].as_u64().unwrap_or(0);
        assert!(
            received >= 50,
            "a second of audio or more on every leg: {ended}"
        );
    }
}

#[test]
fn an_offer_the_first_agent_lets_ring_out_goes_to_the_next_agent() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let doc = "version: 1\ntenant:\n  name: ring-a\n  display_name: Ring A\n  cluster: C1\n  \
         ip_allowlist: []\nusers:\n  - username: \"2001\"\n    display_name: First\n    \
         role: agent\n  - username: \"2002\"\n    display_name: Second\n    role: agent\n\
         queues:\n  - name: sales\n    channel: voice\n    settings:\n      \
         offer_timeout_secs: 3\n      wrap_up_secs: 0\n\
         trunks:\n  - name: carrier\n    settings:\n      inbound_sources: [\"127.0.0.1/32\"]\n\
         points_of_contact:\n  - kind: phone\n    address: \"+15550188\"\n    flow: sales\n\
         flows:\n  - name: sales\n    publish: true\n    document:\n      version: 1\n      \
         name: Sales\n      start: queue\n      blocks:\n        - id: queue\n          \
         type: enqueue\n          params: { queue: sales, max_wait_secs: 60 }\n          \
         transitions: { timeout: done, break_out: done }\n        - id: done\n          \
         type: end\n";
    let file = tmp.path().join("ring.yaml");
    std::fs::write(&file, doc).unwrap();
    let out = run(&data, &["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for user in ["2001", "2002"] {
        passwords(&data, "ring-a", user, DEMO_PASSWORD);
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
    let (first_port, second_port) = (free_port(), free_port());
    register_phone(dir.path(), &target, first_port, "2001", DEMO_PASSWORD);
    register_phone(dir.path(), &target, second_port, "2002", DEMO_PASSWORD);
    let mut first = sipp(dir.path(), "agent_no_answer.xml", first_port, &[])
        .spawn()
        .unwrap();
    let second_media = free_port().to_string();
    let mut second = sipp(
        dir.path(),
        "agent_phone.xml",
        second_port,
        &["-rtp_echo", "-mi", "127.0.0.1", "-mp", &second_media],
    )
    .spawn()
    .unwrap();
    make_available_in(&served, "ring-a", "2001");
    std::thread::sleep(Duration::from_millis(50));
    make_available_in(&served, "ring-a", "2002");
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let caller = dial_in(dir.path(), "caller_talks.xml", "+15550188", 9000, &target)
        .status()
        .unwrap();
    let first_status = wait_exit(&mut first, Duration::from_secs(10));
    let second_status = wait_exit(&mut second, Duration::from_secs(10));
    stop(served);
    assert!(caller.success(), "the caller: {}", sipp_errors(dir.path()));
    assert!(
        first_status.is_some_and(|s| s.success()),
        "the first agent's phone rang and was cancelled: {}",
        sipp_errors(dir.path())
    );
    assert!(
        second_status.is_some_and(|s| s.success()),
        "the second agent's phone answered: {}",
        sipp_errors(dir.path())
    );
    let events = events(&data, "ring-a");
    let offered: Vec<_> = events.iter().filter(|(k, _)| k == "call.offered").collect();
    assert_eq!(offered.len(), 2, "one offer per agent: {events:?}");
    let connected = &events
        .iter()
        .find(|(k, _)| k == "call.connected")
        .unwrap()
        .1;
    assert_eq!(connected["to"], offered[1].1["agent"], "{events:?}");
    let missed = events
        .iter()
        .any(|(k, p)| k == "agent.state_changed" && p.to_string().contains("missed"));
    assert!(missed, "the first agent is put in 'missed': {events:?}");
}

#[test]
fn a_carrier_that_offers_srtp_is_answered_with_srtp_keys_of_our_own() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let doc = common::agents::sales_tenant("srtp-a", &["4001"], "wrap_up_secs: 0", "", "+15550199");
    common::agents::import(tmp.path(), &data, &doc);
    let served = common::agents::serve(&data);
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    let media = free_port().to_string();
    let target = sip_addr(&served).to_string();
    let args = [
        "-s",
        "+15550199",
        "-mi",
        "127.0.0.1",
        "-mp",
        &media,
        &target,
    ];
    let status = sipp(dir.path(), "caller_srtp.xml", free_port(), &args)
        .status()
        .unwrap();
    stop(served);
    assert!(
        status.success(),
        "the 200 answers RTP/SAVP with our crypto line: {}",
        sipp_errors(dir.path())
    );
    let events = events(&data, "srtp-a");
    assert!(
        events.iter().any(|(k, _)| k == "call.queued"),
        "the call went on into its flow: {events:?}"
    );
}

#[test]
fn a_trunk_that_asks_for_srtp_gets_srtp_offers_on_calls_out() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let carrier_port = free_port();
    let settings = format!(
        "      inbound_sources: [\"192.0.2.0/24\"]\n      options_ping: false\n      \
         outbound_proxy: \"sip:127.0.0.1:{carrier_port}\"\n      country_code: \"44\"\n      \
         national_prefix: \"0\"\n      caller_id: \"+15550100\"\n      srtp: true\n"
    );
    let out = import_trunk(tmp.path(), &data, &settings);
    assert!(out.status.success(), "{}", text(&out.stderr));
    phone_user(&data);
    let served = common::agents::serve(&data);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let mut carrier = spawn_srtp_carrier(dir.path(), carrier_port);
    let phone_media = free_port().to_string();
    let auth_uri = format!("02079460000@{target}");
    let args = [
        "-s",
        "02079460000",
        "-au",
        "1001",
        "-ap",
        "Phone-sip-pw-2026",
        "-auth_uri",
        &auth_uri,
        "-mi",
        "127.0.0.1",
        "-mp",
        &phone_media,
        &target,
    ];
    let phone = sipp(dir.path(), "phone_outbound.xml", free_port(), &args)
        .status()
        .unwrap();
    let carrier = wait_exit(&mut carrier, Duration::from_secs(15));
    stop(served);
    let errors = sipp_errors(dir.path());
    assert!(phone.success(), "the phone's call: {errors}");
    assert!(
        carrier.is_some_and(|s| s.success()),
        "the carrier got an RTP/SAVP offer with our crypto line: {errors}"
    );
}

#[test]
fn a_transfer_to_a_number_through_an_srtp_trunk_offers_srtp() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let carrier_port = free_port();
    let doc = forward_tenant(carrier_port, "srtp: true\n");
    common::agents::import(tmp.path(), &data, &doc);
    let served = common::agents::serve(&data);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let mut carrier = spawn_srtp_carrier(dir.path(), carrier_port);
    let caller = dial_in(dir.path(), "caller_talks.xml", "+15550177", 3000, &target)
        .status()
        .unwrap();
    let carrier = wait_exit(&mut carrier, Duration::from_secs(15));
    stop(served);
    let errors = sipp_errors(dir.path());
    assert!(caller.success(), "the caller: {errors}");
    assert!(
        carrier.is_some_and(|s| s.success()),
        "the carrier got an RTP/SAVP offer with our crypto line: {errors}"
    );
    let events = events(&data, "carrier-a");
    assert!(
        events.iter().any(|(k, _)| k == "call.connected"),
        "{events:?}"
    );
}

/// Sends `n` OPTIONS from `from` to `to` in rounds of 25 and counts the answers.
fn options_answered(from: &str, to: std::net::SocketAddr, n: usize) -> usize {
    let socket = std::net::UdpSocket::bind(from).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let local = socket.local_addr().unwrap();
    let mut answered = 0;
    let mut buf = [0u8; 4096];
    for round in 0..n.div_ceil(25) {
        for i in 0..25 {
            let branch = format!("z9hG4bK-flood-{round}-{i}");
            let msg = format!(
                "OPTIONS sip:{to} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch={branch}\r\n\
                 Max-Forwards: 70\r\nFrom: <sip:carrier@{local}>;tag=f{round}\r\n\
                 To: <sip:{to}>\r\nCall-ID: flood-{round}-{i}@{local}\r\nCSeq: 1 OPTIONS\r\n\
                 Content-Length: 0\r\n\r\n"
            );
            socket.send_to(msg.as_bytes(), to).unwrap();
        }
        let mut got = 0;
        while got < 25 {
            match socket.recv_from(&mut buf) {
                Ok((len, _)) if buf[..len].starts_with(b"SIP/2.0 200") => got += 1,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        answered += got;
    }
    answered
}

#[test]
fn a_carrier_sending_past_the_per_source_rate_is_not_cut_off_but_other_sources_are() {
    let (tmp, data) = data_dir();
    let settings = "      inbound_sources: [\"127.0.0.1/32\"]\n      options_ping: false\n";
    let out = import_trunk(tmp.path(), &data, settings);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let served = Served::start(
        &data,
        &[],
        &[
            ("SWITCHBOARD_SIP_REQUESTS_PER_SOURCE", "5"),
            ("SWITCHBOARD_SIP_REQUEST_BURST_PER_SOURCE", "20"),
        ],
    );
    let sip = sip_addr(&served);
    assert_eq!(
        options_answered("127.0.0.1:0", sip, 200),
        200,
        "the trunk's source is exempt from the rate"
    );
    let started = std::time::Instant::now();
    let other = options_answered("127.0.0.2:0", sip, 100);
    let most = 20 + (5.0 * started.elapsed().as_secs_f64()).ceil() as usize;
    assert!(
        (20..=most).contains(&other),
        "another source gets its burst of 20 and 5/s more, then silence: {other} answered, \
         at most {most} allowed"
    );
    stop(served);
}
