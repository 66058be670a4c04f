//! The agent console end to end: `serve --demo` serves the web console; headless Chromium
//! (driven by `web/e2e/agent.mjs`) logs in as agent 1001, goes Available and its WebRTC
//! softphone registers over secure WebSocket with the short-lived credentials the console got;
//! a caller (SIPp on the demo trunk) dials the demo number and presses 1, the ACD offers the
//! call, the console shows the offer, the agent accepts, the browser hears the caller's tone
//! through DTLS-SRTP while the caller hears the browser's microphone (both checked by
//! frequency in the call's recording), holds and resumes; the caller hangs up and the agent is in after-call
//! work, records a disposition and notes (in the event log) and is Available again; closing the
//! browser makes the agent Unavailable (`disconnected`) after the grace time. An agent also
//! dials a number from the console through the tenant's trunk (SIPp carrier, echoing), and
//! consults a second browser agent, conferences, and hands the caller over (warm transfer).
//! Screenshots of each step go to `target/console-shots/<test>` (or `SB_SHOTS/<test>`).
#![allow(clippy::unwrap_used)]

mod common;

use common::browser::{Agent, browser_available, shots_dir};
use common::sipp::{caller_audio, dial_in, sipp, sipp_errors, spawn_carrier, wait_exit};
use common::{Served, data_dir, free_port, run, sip_addr, sipp_available, text};
use std::path::Path;
use std::time::Duration;

const PASSWORD: &str = "Console-pass-2026!";
/// The browser's fake microphone tone.
const AGENT_HZ: f64 = 700.0;
/// The caller's tone (`pcmu_tone`).
const CALLER_HZ: f64 = 1000.0;

/// `serve --demo` with the test's password, media on loopback.
fn serve_demo(data: &Path) -> Served {
    Served::start(
        data,
        &["--demo"],
        &[
            ("SWITCHBOARD_DEMO_PASSWORD", PASSWORD),
            ("SWITCHBOARD_MEDIA_BIND_IP", "127.0.0.1"),
        ],
    )
}

#[test]
fn an_agent_takes_a_queued_call_in_the_browser_console_and_hears_the_caller() {
    if !sipp_available() || !browser_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let served = serve_demo(&data);
    let target = sip_addr(&served).to_string();
    // The agent's microphone plays a 700 Hz tone; the caller sends 1 kHz.
    let tone = tmp.path().join("agent-tone.wav");
    wav_tone(&tone, AGENT_HZ);
    let mut agent = Agent::start(
        &served,
        ("demo", "1001", PASSWORD),
        &shots_dir("inbound"),
        Some(&tone),
    );
    for step in [
        "login",
        "available",
        "wait-registered",
        "wait-queue support",
        "shot available",
    ] {
        agent.run(step);
    }
    assert!(
        agent
            .seen
            .iter()
            .any(|l| l == "info queue support waiting=0"),
        "the agent's queues show, none waiting: {:?}",
        agent.seen
    );
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    caller_audio(dir.path());
    let media = free_port().to_string();
    let mut caller = sipp(
        dir.path(),
        "caller_queues.xml",
        free_port(),
        &[
            "-s",
            "+15550100",
            "-d",
            "25000",
            "-mi",
            "127.0.0.1",
            "-mp",
            &media,
            "-timeout",
            "60s",
            &target,
        ],
    )
    .spawn()
    .unwrap();
    agent.run("wait-offer");
    assert!(
        agent
            .seen
            .iter()
            .any(|l| l.contains("caller=+442079460123")),
        "the offer shows the caller: {:?}",
        agent.seen
    );
    for step in [
        "shot offer",
        "accept",
        "wait-connected",
        "wait-state working",
    ] {
        agent.run(step);
    }
    // Recorded (caller left, agent right) to check what each side sent by its content.
    let recording = record(&served);
    for step in [
        "wait-audio",
        "quality",
        "shot connected",
        "hold",
        "resume",
        "dtmf 5",
    ] {
        agent.run(step);
    }
    assert!(
        agent.seen.iter().any(|l| l == "info dtmf rest=0"),
        "the key went over the console socket, not REST: {:?}",
        agent.seen
    );
    assert!(
        agent
            .seen
            .iter()
            .any(|l| l.starts_with("info quality level=good")),
        "the call panel shows the line's quality: {:?}",
        agent.seen
    );
    // A reload during the call: the console gets its call back on a new WebRTC leg.
    for step in ["reload", "wait-reattached", "wait-audio", "shot reattached"] {
        agent.run(step);
    }
    let caller = wait_exit(&mut caller, Duration::from_secs(40)).expect("the caller hangs up");
    for step in [
        "wait-state wrap_up",
        "countdown",
        "shot wrap-up",
        "wrap-up resolved refund sent by post",
        "wait-state available",
    ] {
        agent.run(step);
    }
    agent.run("history +442079460123");
    assert!(
        agent
            .seen
            .iter()
            .any(|l| l == "info history n=1 first=resolved|refund sent by post"),
        "the caller's history shows the call with the disposition and notes: {:?}",
        agent.seen
    );
    let left = agent
        .seen
        .iter()
        .find_map(|l| l.strip_prefix("info countdown left="))
        .and_then(|n| n.parse::<u32>().ok());
    assert!(
        left.is_some_and(|s| (1..=30).contains(&s)),
        "the queue's 30 s wrap-up counts down: {:?}",
        agent.seen
    );
    // Closing the browser closes the console: after the grace time the agent is unavailable.
    drop(agent);
    let admin = admin(&served);
    let state = wait_for_disconnected(&admin, &served);
    let wrap_up = event(&admin, &served, "call.wrap_up");
    let reattached = event(&admin, &served, "call.reattached");
    let reattach = event(&admin, &served, "call.reattach");
    let offered = event(&admin, &served, "call.offered");
    let commands = events_of(&admin, &served, "call.command");
    let path = recorded_path(&admin, &served);
    drop(served);
    assert_eq!(state["reason"], "disconnected", "{state}");
    assert_eq!(
        offered["on"], "line",
        "the offer rang on the console's line, with no INVITE: {offered}"
    );
    assert_eq!(
        reattach["on"], "line",
        "the reloaded console got its call back on its new line: {reattach}"
    );
    assert!(
        commands.iter().any(|c| c["command"] == "SendDtmf(\"5\")"),
        "the key went over the console socket: {commands:?}"
    );
    assert!(
        reattached["agent"].as_str().is_some_and(|a| !a.is_empty()),
        "the reload re-attached the agent: {reattached}"
    );
    assert_eq!(recording, 204, "recording started");
    let (heard_from_caller, heard_from_agent) = channels(&std::fs::read(&path).unwrap());
    let ratio = |x: &[f64], a: f64, b: f64| power(x, a) / power(x, b).max(1e-9);
    assert!(
        ratio(&heard_from_agent, AGENT_HZ, CALLER_HZ) > 10.0,
        "the caller's side carries the browser's tone: {path}"
    );
    assert!(
        ratio(&heard_from_caller, CALLER_HZ, AGENT_HZ) > 10.0,
        "the caller's own channel carries the caller's tone: {path}"
    );
    assert!(caller.success(), "the caller: {}", sipp_errors(dir.path()));
    assert_eq!(wrap_up["disposition"], "resolved", "{wrap_up}");
    assert_eq!(wrap_up["notes"], "refund sent by post", "{wrap_up}");
    assert_eq!(wrap_up["username"], "1001", "{wrap_up}");
    assert_eq!(
        wrap_up["queue"], "support",
        "the queue's required codes applied: {wrap_up}"
    );
    assert!(
        wrap_up["call"].as_str().is_some_and(|c| !c.is_empty()),
        "the disposition names the call: {wrap_up}"
    );
}

/// The second agent's fake microphone tone.
const SECOND_HZ: f64 = 500.0;

#[test]
fn an_agent_consults_a_second_browser_agent_and_hands_the_caller_over() {
    if !sipp_available() || !browser_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let served = serve_demo(&data);
    let target = sip_addr(&served).to_string();
    let (first_tone, second_tone) = (tmp.path().join("a.wav"), tmp.path().join("b.wav"));
    wav_tone(&first_tone, AGENT_HZ);
    wav_tone(&second_tone, SECOND_HZ);
    let shots = shots_dir("transfer");
    let mut first = Agent::start(
        &served,
        ("demo", "1001", PASSWORD),
        &shots.join("1001"),
        Some(&first_tone),
    );
    let mut second = Agent::start(
        &served,
        ("demo", "1002", PASSWORD),
        &shots.join("1002"),
        Some(&second_tone),
    );
    for step in ["login", "available", "wait-registered"] {
        first.run(step);
    }
    // The second agent's softphone registers, but they are not ready for the queue's call.
    for step in ["login", "wait-registered"] {
        second.run(step);
    }
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    caller_audio(dir.path());
    let media = free_port().to_string();
    let args = [
        "-s",
        "+15550100",
        // Talks for 55 s: under load the steps up to the hand-over may take 40 s, and the
        // recording's last 3 s must come after it.
        "-d",
        "55000",
        "-mi",
        "127.0.0.1",
        "-mp",
        &media,
        "-timeout",
        "95s",
        &target,
    ];
    let mut caller = sipp(dir.path(), "caller_queues.xml", free_port(), &args)
        .spawn()
        .unwrap();
    for step in ["wait-offer", "accept", "wait-connected", "wait-audio"] {
        first.run(step);
    }
    let recording = record(&served);
    second.run("available");
    first.run("directory");
    assert!(
        first.seen.iter().any(|l| l.contains("1002=available")),
        "the directory shows the second agent ready: {:?}",
        first.seen
    );
    first.run("transfer consult 1002");
    second.run("wait-offer");
    assert!(
        second.seen.iter().any(|l| l.contains("kind=consultation")),
        "the second agent is told it is a consultation: {:?}",
        second.seen
    );
    for step in ["accept", "wait-connected", "wait-consult talking"] {
        second.run(step);
    }
    for step in ["wait-consult talking", "shot consulting", "conference"] {
        first.run(step);
    }
    second.run("wait-consult conference");
    first.run("transfer-complete");
    for step in ["wait-consult none", "wait-audio", "shot after-transfer"] {
        second.run(step);
    }
    first.run("wait-state available");
    let caller = wait_exit(&mut caller, Duration::from_secs(85)).expect("the caller hangs up");
    for step in [
        "wait-state wrap_up",
        "wrap-up resolved warm transfer from 1001",
        "wait-state available",
    ] {
        second.run(step);
    }
    let admin = admin(&served);
    let wrap_up = event(&admin, &served, "call.wrap_up");
    let transferred = event(&admin, &served, "call.transferred");
    let consult = event(&admin, &served, "call.consult");
    let path = recorded_path(&admin, &served);
    drop((first, second));
    assert_eq!(
        consult["on"], "line",
        "the consultation rang on the second agent's line: {consult}"
    );
    drop(served);
    assert_eq!(recording, 204, "recording started");
    assert!(caller.success(), "the caller: {}", sipp_errors(dir.path()));
    assert_eq!(transferred["mode"], "consult", "{transferred}");
    assert_eq!(wrap_up["username"], "1002", "{wrap_up}");
    // The recording's agent side carries the first agent, then the second one after the hand-over.
    let (_, agents) = channels(&std::fs::read(&path).unwrap());
    let last = &agents[agents.len() - 24_800..agents.len() - 800];
    let ratio = |x: &[f64], a: f64, b: f64| power(x, a) / power(x, b).max(1e-9);
    assert!(
        ratio(last, SECOND_HZ, AGENT_HZ) > 10.0,
        "after the transfer the caller talks with the second agent: {path}"
    );
    assert!(
        ratio(&agents[800..4800], AGENT_HZ, SECOND_HZ) > 10.0,
        "before it, with the first: {path}"
    );
}

#[test]
fn an_agent_takes_a_call_on_their_phone_number_chosen_in_the_console() {
    if !sipp_available() || !browser_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let phone_port = free_port();
    let trunk = format!(
        "options_ping: false, outbound_proxy: \"sip:127.0.0.1:{phone_port}\", \
         country_code: \"44\", national_prefix: \"0\""
    );
    let queue = "offer_timeout_secs: 20, wrap_up_secs: 60";
    let doc = common::agents::sales_tenant("home", &["3001"], queue, &trunk, "+15550177");
    common::agents::import(tmp.path(), &data, &doc);
    let out = common::cmd(&data)
        .args(["admin", "reset-password", "--tenant", "home", "3001"])
        .env("SWITCHBOARD_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let served = Served::start(&data, &[], &[("SWITCHBOARD_MEDIA_BIND_IP", "127.0.0.1")]);
    let target = sip_addr(&served).to_string();
    let tone = tmp.path().join("agent-tone.wav");
    wav_tone(&tone, AGENT_HZ);
    let mut agent = Agent::start(
        &served,
        ("home", "3001", PASSWORD),
        &shots_dir("pstn"),
        Some(&tone),
    );
    for step in ["login", "device pstn 020 7946 0000", "available"] {
        agent.run(step);
    }
    assert!(
        agent
            .seen
            .iter()
            .any(|l| l == "info device kind=pstn number=02079460000"),
        "{:?}",
        agent.seen
    );
    // The agent's phone (SIPp behind the trunk) answers and presses 1; it echoes the caller.
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    caller_audio(dir.path());
    let phone_media = free_port().to_string();
    let args = ["-rtp_echo", "-mi", "127.0.0.1", "-mp", &phone_media];
    let mut phone = sipp(dir.path(), "pstn_agent.xml", phone_port, &args)
        .spawn()
        .unwrap();
    let mut caller = dial_in(dir.path(), "caller_talks.xml", "+15550177", 9000, &target)
        .spawn()
        .unwrap();
    for step in [
        "wait-pstn-offer",
        "shot pstn-offer",
        "wait-pstn-connected",
        "hold",
        "resume",
        "shot pstn-call",
    ] {
        agent.run(step);
    }
    let caller = wait_exit(&mut caller, Duration::from_secs(30)).expect("the caller hangs up");
    let phone = wait_exit(&mut phone, Duration::from_secs(15));
    // The queue's wrap-up lasts a minute: "Done" ends it at once.
    for step in [
        "wait-state wrap_up",
        "wrap-up resolved called on mobile",
        "wait-state available",
    ] {
        agent.run(step);
    }
    drop(agent);
    drop(served);
    let errors = sipp_errors(dir.path());
    assert!(caller.success(), "the caller: {errors}");
    assert!(
        phone.is_some_and(|s| s.success()),
        "the agent's phone was dialled, accepted with 1 and hung up at the end: {errors}"
    );
}

#[test]
fn an_agent_dials_out_from_the_browser_through_the_trunk_and_hears_the_carrier() {
    if !sipp_available() || !browser_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let carrier_port = free_port();
    let doc = format!(
        "version: 1\ntenant:\n  name: acme\n  display_name: Acme\n  cluster: C1\n  \
         ip_allowlist: []\nusers:\n  - username: \"1001\"\n    display_name: Ann\n    \
         role: agent\ntrunks:\n  - name: carrier\n    settings:\n      \
         inbound_sources: [\"192.0.2.0/24\"]\n      options_ping: false\n      \
         outbound_proxy: \"sip:127.0.0.1:{carrier_port}\"\n      country_code: \"44\"\n      \
         national_prefix: \"0\"\n      caller_id: \"+15550100\"\n      auth:\n        \
         username: trunkuser\n        password: trunk-secret\n"
    );
    let file = tmp.path().join("acme.yaml");
    std::fs::write(&file, doc).unwrap();
    let out = run(&data, &["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = common::cmd(&data)
        .args(["admin", "reset-password", "--tenant", "acme", "1001"])
        .env("SWITCHBOARD_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let served = Served::start(&data, &[], &[("SWITCHBOARD_MEDIA_BIND_IP", "127.0.0.1")]);
    let tone = tmp.path().join("agent-tone.wav");
    wav_tone(&tone, AGENT_HZ);
    let mut agent = Agent::start(
        &served,
        ("acme", "1001", PASSWORD),
        &shots_dir("dial-out"),
        Some(&tone),
    );
    agent.run("login");
    agent.run("wait-registered");
    // The carrier (at most 20 s per call) echoes what it hears: the browser hearing its own
    // tone proves both directions.
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    let mut carrier = spawn_carrier(dir.path(), carrier_port);
    for step in [
        "dial 02079460000",
        "wait-connected",
        "wait-audio",
        "shot dialled",
        "hold",
        "resume",
        "hangup",
        "recent",
    ] {
        agent.run(step);
    }
    assert!(
        agent.seen.iter().any(|l| l == "info recent 02079460000"),
        "the number is offered again under recent numbers: {:?}",
        agent.seen
    );
    let carrier = wait_exit(&mut carrier, Duration::from_secs(20));
    // The number's history has the call; the agent calls it back from there.
    let mut again = spawn_carrier(dir.path(), carrier_port);
    for step in [
        "history +442079460000",
        "history-call",
        "wait-connected",
        "hangup",
    ] {
        agent.run(step);
    }
    let again = wait_exit(&mut again, Duration::from_secs(20));
    drop(agent);
    drop(served);
    assert!(
        carrier.is_some_and(|s| s.success()),
        "the carrier got the agent's call with the trunk's caller ID and digest: {}",
        sipp_errors(dir.path())
    );
    assert!(
        again.is_some_and(|s| s.success()),
        "the call back from the history reached the carrier: {}",
        sipp_errors(dir.path())
    );
}

#[test]
fn an_agent_on_a_desk_phone_answers_from_the_console_and_the_phone_picks_up() {
    if !sipp_available() || !browser_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let queue = "offer_timeout_secs: 20, wrap_up_secs: 0";
    let doc = common::agents::sales_tenant("desk", &["3002"], queue, "", "+15550177");
    common::agents::import(tmp.path(), &data, &doc);
    common::agents::passwords(&data, "desk", "3002", PASSWORD);
    // SIPp answers MD5 digests only.
    let env = [
        ("SWITCHBOARD_MEDIA_BIND_IP", "127.0.0.1"),
        ("SWITCHBOARD_SIP_DIGEST_ALGORITHMS", "MD5,SHA-256"),
    ];
    let served = Served::start(&data, &[], &env);
    let target = sip_addr(&served).to_string();
    // The desk phone registers first, the console's softphone after it: the chosen device,
    // not the latest registration, sends the call to the desk phone. Nobody picks it up: the
    // agent answers from the console.
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    let phone_port = free_port();
    common::agents::register_phone(dir.path(), &target, phone_port, "3002", PASSWORD);
    let tone = tmp.path().join("agent-tone.wav");
    wav_tone(&tone, AGENT_HZ);
    let mut agent = Agent::start(
        &served,
        ("desk", "3002", PASSWORD),
        &shots_dir("desk"),
        Some(&tone),
    );
    for step in ["login", "wait-registered", "device desk", "available"] {
        agent.run(step);
    }
    // The phone (registered above) waits for its calls from now on.
    let phone_media = free_port().to_string();
    let args = [
        "-rtp_echo",
        "-mi",
        "127.0.0.1",
        "-mp",
        &phone_media,
        "-m",
        "2",
        "-timeout",
        "60s",
    ];
    let mut phone = sipp(
        dir.path(),
        "agent_answers_when_asked.xml",
        phone_port,
        &args,
    )
    .spawn()
    .unwrap();
    caller_audio(dir.path());
    // Long enough for a loaded machine to ring, re-ring, answer, hold and resume.
    let mut caller = dial_in(dir.path(), "caller_talks.xml", "+15550177", 15000, &target)
        .spawn()
        .unwrap();
    for step in [
        "wait-pstn-offer",
        "desk-answer",
        "wait-pstn-connected",
        "hold",
        "resume",
        "shot desk-call",
    ] {
        agent.run(step);
    }
    let caller = wait_exit(&mut caller, Duration::from_secs(30)).expect("the caller hangs up");
    let phone = wait_exit(&mut phone, Duration::from_secs(15));
    agent.run("wait-state available");
    let seen = agent.seen.clone();
    drop(agent);
    drop(served);
    let errors = sipp_errors(dir.path());
    assert!(caller.success(), "the caller: {errors}");
    assert!(
        phone.is_some_and(|s| s.success()),
        "the desk phone rang, was answered from the console and hung up at the end: {errors}"
    );
    assert!(
        seen.iter().any(|l| l == "info device kind=desk number=-"),
        "{seen:?}"
    );
}

#[test]
fn a_voicemail_left_in_a_queue_is_offered_to_its_agent_who_plays_it_and_closes_it() {
    if !sipp_available() || !browser_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let served = serve_demo(&data);
    // The caller presses 2 in the demo menu ("leave a message") and talks until it hangs up.
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    caller_audio(dir.path());
    std::fs::copy(
        "/usr/share/sip-tester/dtmf_2833_2.pcap",
        dir.path().join("dtmf_2.pcap"),
    )
    .unwrap();
    let target = sip_addr(&served).to_string();
    let mut caller = dial_in(
        dir.path(),
        "caller_leaves_message.xml",
        "+15550100",
        9000,
        &target,
    )
    .spawn()
    .unwrap();
    let caller = wait_exit(&mut caller, Duration::from_secs(40));
    assert!(
        caller.is_some_and(|s| s.success()),
        "the caller: {}",
        sipp_errors(dir.path())
    );
    // The message is stored as the caller's hang-up ends it.
    let boss = admin(&served);
    let mut stored = Vec::new();
    for _ in 0..50 {
        stored = events_of(&boss, &served, "call.voicemail");
        if !stored.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(stored.len(), 1, "one message: {stored:?}");
    assert_eq!(stored[0]["mailbox"], "support", "{stored:?}");

    let tone = tmp.path().join("agent-tone.wav");
    wav_tone(&tone, AGENT_HZ);
    let mut agent = Agent::start(
        &served,
        ("demo", "1001", PASSWORD),
        &shots_dir("voicemail"),
        Some(&tone),
    );
    // The ACD offers the message to the support agent once they are ready, like a call; it
    // is theirs until they close it, and the queue's after-contact work follows.
    for step in [
        "login",
        "available",
        "wait-voicemail-offer",
        "voicemail-accept",
        "wait-state working",
        "voicemails 1",
        "voicemail-audio",
        "voicemail-done",
        "wait-state wrap_up",
        "wrap-up callback Called back, left a message",
        "wait-state available",
        "voicemails 0",
    ] {
        agent.run(step);
    }
    let seen = agent.seen.clone();
    drop(agent);
    assert!(
        seen.iter()
            .any(|l| l == "info voicemail-offer caller=+442079460123 queue=support"),
        "the offer names the caller and the queue: {seen:?}"
    );
    assert!(
        seen.iter()
            .any(|l| l == "info voicemails n=1 first=+442079460123|support"),
        "the support agent sees the message with the caller's number: {seen:?}"
    );
    let secs: f64 = seen
        .iter()
        .find_map(|l| l.strip_prefix("info voicemail-audio secs="))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    assert!(
        secs >= 2.0,
        "the browser loads the message's audio: {seen:?}"
    );
    let left: serde_json::Value = boss
        .get(served.url("/api/v1/voicemails?state=done"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(left[0]["state"], "done", "closed for everyone: {left}");
}

/// An API client logged in as the demo admin.
fn admin(served: &Served) -> reqwest::blocking::Client {
    login(served, "admin")
}

/// An API client logged in as `user` of the demo tenant.
fn login(served: &Served, user: &str) -> reqwest::blocking::Client {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let http = reqwest::blocking::Client::builder()
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .build()
        .unwrap();
    let body = serde_json::json!({ "tenant": "demo", "username": user, "password": PASSWORD });
    let answer = http
        .post(served.url("/api/v1/auth/login"))
        .json(&body)
        .send()
        .unwrap();
    assert!(answer.status().is_success());
    http
}

/// Agent 1001's state once it is no longer Available (at most the grace time and a margin).
fn wait_for_disconnected(admin: &reqwest::blocking::Client, served: &Served) -> serde_json::Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let states: Vec<serde_json::Value> = admin
            .get(served.url("/api/v1/agents/states"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let mine = states
            .into_iter()
            .find(|s| s["username"] == "1001")
            .unwrap();
        if mine["state"] != "available" || std::time::Instant::now() > deadline {
            return mine;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The payload of the tenant's first `kind` event, read by the admin through the API.
fn event(http: &reqwest::blocking::Client, served: &Served, kind: &str) -> serde_json::Value {
    let mut after = 0;
    loop {
        let url = served.url(&format!("/api/v1/events?after={after}&limit=1000"));
        let page: Vec<serde_json::Value> = http.get(url).send().unwrap().json().unwrap();
        if let Some(e) = page.iter().find(|e| e["kind"] == kind) {
            return e["payload"].clone();
        }
        match page.last() {
            Some(last) => after = last["seq"].as_i64().unwrap(),
            None => panic!("no {kind} event in the log"),
        }
    }
}

/// The payloads of every event of `kind` in the log.
fn events_of(
    http: &reqwest::blocking::Client,
    served: &Served,
    kind: &str,
) -> Vec<serde_json::Value> {
    let url = served.url("/api/v1/events?after=0&limit=1000");
    let page: Vec<serde_json::Value> = http.get(url).send().unwrap().json().unwrap();
    page.into_iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["payload"].clone())
        .collect()
}

/// Starts recording the agent's connected call, as the agent (a second session); the status.
fn record(served: &Served) -> u16 {
    let http = login(served, "1001");
    let calls: Vec<serde_json::Value> = http
        .get(served.url("/api/v1/me/calls"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let call = calls.iter().find(|c| c["state"] == "connected").unwrap();
    let url = format!(
        "/api/v1/calls/{}/record_start",
        call["id"].as_str().unwrap()
    );
    http.post(served.url(&url))
        .send()
        .unwrap()
        .status()
        .as_u16()
}

/// The path of the call's recording, from its `call.recorded` event.
fn recorded_path(admin: &reqwest::blocking::Client, served: &Served) -> String {
    let event = event(admin, served, "call.recorded");
    event["path"].as_str().unwrap().to_owned()
}

/// A mono 16-bit 8 kHz WAV file with 5 s of a `hz` tone, for Chromium's fake microphone.
fn wav_tone(path: &Path, hz: f64) {
    let samples: Vec<i16> = (0..40_000)
        .map(|n| ((2.0 * std::f64::consts::PI * hz * f64::from(n) / 8000.0).sin() * 12000.0) as i16)
        .collect();
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut wav = Vec::with_capacity(44 + data.len());
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&16000u32.to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    std::fs::write(path, wav).unwrap();
}

/// The left and right channels of a stereo 16-bit WAV file.
fn channels(wav: &[u8]) -> (Vec<f64>, Vec<f64>) {
    let at = wav.windows(4).position(|w| w == b"data").unwrap() + 8;
    let samples: Vec<f64> = wav[at..]
        .chunks_exact(2)
        .map(|b| f64::from(i16::from_le_bytes([b[0], b[1]])))
        .collect();
    let left = samples.iter().step_by(2).copied().collect();
    let right = samples.iter().skip(1).step_by(2).copied().collect();
    (left, right)
}

/// The power of `x` (8 kHz samples) at `hz` (Goertzel).
fn power(x: &[f64], hz: f64) -> f64 {
    let coeff = 2.0 * (2.0 * std::f64::consts::PI * hz / 8000.0).cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &v in x {
        let s0 = v + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    s1 * s1 + s2 * s2 - coeff * s1 * s2
}
