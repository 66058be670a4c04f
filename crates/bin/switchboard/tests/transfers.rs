//! Agent-started transfers through the API, with `switchboard serve`, SIPp as the carrier's
//! caller and SIPp as the agents' registered phones (echoing what they hear): a blind transfer
//! sends the caller to the second agent through the ACD; a warm one consults the second agent
//! while the caller holds, joins all three, and leaves them talking. The second agent's leg
//! carries the caller's audio both ways (its phone echoes it) and the ACD follows the call.
//! A REFER from the first agent's SIP phone makes the same blind transfer (RFC 3515); a
//! phone's hold and resume re-INVITEs are answered; an agent's outbound call is transferred.
//! The phone's own attended transfers and calls to colleagues are in `phone_transfers.rs`.
#![allow(clippy::unwrap_used)]

mod common;

use common::agents::{
    DEMO_PASSWORD, assert_three_legs, connected_call, control, events, import, make_available_in,
    passwords, register_phone, sales_tenant, sales_tenant_with_trunk, serve,
};
use common::sipp::{
    assert_caller_and_phone_done, dial_in, pcmu_tone, sipp, sipp_errors, spawn_carrier, wait_exit,
};
use common::{Served, data_dir, free_port, sip_addr, sipp_available};
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

const TENANT: &str = "xfer-a";

/// A tenant with agents 2001 and 2002 in queue `sales`, and a number that queues there.
fn import_tenant(dir: &Path, data: &Path) {
    let queue = "offer_timeout_secs: 10, wrap_up_secs: 30";
    let doc = sales_tenant(TENANT, &["2001", "2002"], queue, "", "+15550177");
    import(dir, data, &doc);
    for user in ["2001", "2002"] {
        passwords(data, TENANT, user, DEMO_PASSWORD);
    }
}

/// A running server with both agents' phones registered and answering, agent 2001 Available
/// and a caller talking for `talk_ms` to the tenant's number.
struct Setup {
    _tmp: tempfile::TempDir,
    data: std::path::PathBuf,
    dir: tempfile::TempDir,
    served: Served,
    phones: [Child; 2],
    caller: Child,
    first: Client,
}

fn setup(talk_ms: u32) -> Setup {
    setup_with(talk_ms, "agent_phone.xml")
}

/// [`setup`], with agent 2001's phone playing `first_phone` (told to reach user 2002).
fn setup_with(talk_ms: u32, first_phone: &str) -> Setup {
    let (tmp, data) = data_dir();
    import_tenant(tmp.path(), &data);
    let served = serve(&data);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    let ports = [free_port(), free_port()];
    let phones = [
        ("2001", ports[0], first_phone),
        ("2002", ports[1], "agent_phone.xml"),
    ]
    .map(|(user, port, scenario)| {
        register_phone(dir.path(), &target, port, user, DEMO_PASSWORD);
        let media = free_port().to_string();
        let args = [
            "-rtp_echo",
            "-mi",
            "127.0.0.1",
            "-mp",
            &media,
            "-key",
            "refer_to",
            "2002",
        ];
        sipp(dir.path(), scenario, port, &args).spawn().unwrap()
    });
    let first = make_available_in(&served, TENANT, "2001");
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let caller = dial_in(
        dir.path(),
        "caller_talks.xml",
        "+15550177",
        talk_ms,
        &target,
    )
    .spawn()
    .unwrap();
    Setup {
        _tmp: tmp,
        data,
        dir,
        served,
        phones,
        caller,
        first,
    }
}

impl Setup {
    /// Waits for the caller and both phones to finish, stops the server; the event log.
    fn finish(mut self) -> Vec<(String, Value)> {
        let caller = wait_exit(&mut self.caller, Duration::from_secs(40));
        let [first, second] = self
            .phones
            .each_mut()
            .map(|p| wait_exit(p, Duration::from_secs(15)));
        let errors = sipp_errors(self.dir.path());
        self.served.signal("-TERM");
        assert!(self.served.wait(Duration::from_secs(20)).is_some());
        assert!(caller.is_some_and(|s| s.success()), "the caller: {errors}");
        assert!(
            first.is_some_and(|s| s.success()),
            "agent 1's phone answered and was hung up by the transfer: {errors}"
        );
        assert!(
            second.is_some_and(|s| s.success()),
            "agent 2's phone answered and was hung up at the end: {errors}"
        );
        events(&self.data, TENANT)
    }

    fn post(&self, http: &Client, path: &str, body: Value) -> (u16, String) {
        let r = http
            .post(self.served.url(&format!("/api/v1{path}")))
            .json(&body)
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap_or_default())
    }

    fn get(&self, http: &Client, path: &str) -> Value {
        let r = http
            .get(self.served.url(&format!("/api/v1{path}")))
            .send()
            .unwrap();
        r.json().unwrap()
    }

    /// Agent 2002's id, from agent 2001's transfer directory.
    fn second_agent_id(&self) -> String {
        let directory = self.get(&self.first, "/me/directory");
        let agents = directory["agents"].as_array().unwrap();
        assert_eq!(agents.len(), 1, "the other agent only: {directory}");
        assert_eq!(agents[0]["username"], "2002", "{directory}");
        assert!(
            directory["queues"].to_string().contains("sales"),
            "{directory}"
        );
        agents[0]["agent"].as_str().unwrap().to_owned()
    }

    /// Waits until `check` holds for `http`'s live calls.
    fn wait_calls(&self, http: &Client, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let calls = self.get(http, "/me/calls");
            if check(&calls) {
                return calls;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: {calls}; SIPp: {}",
                sipp_errors(self.dir.path())
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn state(&self, http: &Client) -> String {
        self.get(http, "/me/state")["state"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

fn kinds(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(k, _)| k.as_str()).collect()
}

#[test]
fn a_blind_transfer_sends_the_caller_through_the_acd_to_the_second_agent() {
    if !sipp_available() {
        return;
    }
    let s = setup(12_000);
    let call = connected_call(&s.served, &s.first);
    let second = make_available_in(&s.served, TENANT, "2002");
    let id = s.second_agent_id();
    let path = format!("/calls/{call}/transfer");
    let refused = [
        (json!({ "to": { "queue": "nope" }, "mode": "blind" }), 409),
        (
            json!({ "to": { "queue": "sales" }, "mode": "consult" }),
            409,
        ),
        (json!({ "to": {}, "mode": "blind" }), 400),
        (
            json!({ "to": { "queue": "sales", "number": "1" }, "mode": "blind" }),
            400,
        ),
    ];
    for (body, status) in refused {
        assert_eq!(s.post(&s.first, &path, body.clone()).0, status, "{body}");
    }
    let body = json!({ "to": { "agent": id }, "mode": "blind" });
    let (status, text) = s.post(&s.first, &path, body);
    assert_eq!(status, 204, "{text}");
    let calls = s.wait_calls(&second, "agent 2 connected", |c| {
        c[0]["state"] == "connected" && c[0]["agent"] == id.as_str()
    });
    assert_eq!(calls[0]["id"], call.as_str());
    assert!(s.get(&s.first, "/me/calls").as_array().unwrap().is_empty());
    assert_eq!(s.state(&second), "working");
    assert_eq!(
        s.state(&s.first),
        "wrap_up",
        "agent 1 keeps the queue's after-contact work for the call handed over"
    );
    let events = s.finish();
    let kinds = kinds(&events);
    let transferred = &events.iter().find(|(k, _)| k == "call.transferred");
    assert_eq!(transferred.unwrap().1["mode"], "blind", "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "call.connected").count(),
        2,
        "{kinds:?}"
    );
    assert_three_legs(&events, &id);
}

#[test]
fn a_warm_transfer_consults_the_second_agent_conferences_and_leaves_them_talking() {
    if !sipp_available() {
        return;
    }
    let s = setup(14_000);
    let call = connected_call(&s.served, &s.first);
    let second = make_available_in(&s.served, TENANT, "2002");
    let id = s.second_agent_id();
    let body = json!({ "to": { "agent": id }, "mode": "consult" });
    let (status, text) = s.post(&s.first, &format!("/calls/{call}/transfer"), body);
    assert_eq!(status, 204, "{text}");
    s.wait_calls(&s.first, "consulting agent 2", |c| {
        c[0]["consult"]["state"] == "talking" && c[0]["state"] == "held"
    });
    let seen = s.wait_calls(&second, "agent 2 sees the consultation", |c| {
        c[0]["consult"]["agent"] == id.as_str()
    });
    assert_eq!(seen[0]["consult"]["to"], "2002", "{seen}");
    assert_eq!(
        s.state(&second),
        "working",
        "the ACD offers a consulted agent nothing"
    );
    assert_eq!(
        control(&s.served, &second, &call, "hangup"),
        404,
        "a consulted agent cannot end the caller's call"
    );
    assert_eq!(control(&s.served, &s.first, &call, "hold"), 409);
    assert_eq!(control(&s.served, &s.first, &call, "conference"), 204);
    s.wait_calls(&s.first, "in conference", |c| {
        c[0]["consult"]["state"] == "conference"
    });
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        control(&s.served, &s.first, &call, "transfer_complete"),
        204
    );
    s.wait_calls(&second, "agent 2 holds the call", |c| {
        c[0]["agent"] == id.as_str() && c[0]["consult"].is_null()
    });
    assert!(s.get(&s.first, "/me/calls").as_array().unwrap().is_empty());
    assert_eq!(s.state(&s.first), "wrap_up", "agent 1 writes their notes");
    let events = s.finish();
    let offered_to = |agent: &str| {
        events
            .iter()
            .filter(|(k, p)| k == "interaction.offered" && p["agent"] == agent)
            .count()
    };
    assert_eq!(
        offered_to(&id),
        1,
        "the ACD gives agent 2 the call: {events:?}"
    );
    let kinds = kinds(&events);
    for kind in [
        "call.consult",
        "call.consult_answered",
        "call.conference",
        "call.transferred",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert_three_legs(&events, "2002");
}

#[test]
fn a_refer_from_the_agents_sip_phone_transfers_the_caller_blind_to_the_second_agent() {
    if !sipp_available() {
        return;
    }
    // Agent 2001's phone talks for 3 s, then REFERs the call to 2002.
    let s = setup_with(12_000, "agent_refers.xml");
    let call = connected_call(&s.served, &s.first);
    let second = make_available_in(&s.served, TENANT, "2002");
    let id = s.second_agent_id();
    let calls = s.wait_calls(&second, "agent 2 connected by the REFER", |c| {
        c[0]["state"] == "connected" && c[0]["agent"] == id.as_str()
    });
    assert_eq!(calls[0]["id"], call.as_str());
    let events = s.finish();
    let refer = &events.iter().find(|(k, _)| k == "call.refer").unwrap().1;
    assert_eq!(refer["to"], "2002", "{refer}");
    let transferred = &events.iter().find(|(k, _)| k == "call.transferred");
    assert_eq!(transferred.unwrap().1["mode"], "blind", "{events:?}");
    assert_three_legs(&events, &id);
}

#[test]
fn a_sip_phone_holds_and_resumes_with_re_invites_answered_on_the_legs_own_port() {
    if !sipp_available() {
        return;
    }
    // Agent 2001's phone holds 2 s into the call (a=sendonly), resumes 3 s later; the caller
    // talks for 9 s and hangs up.
    let mut s = setup_with(9_000, "agent_holds.xml");
    connected_call(&s.served, &s.first);
    let caller = wait_exit(&mut s.caller, Duration::from_secs(40));
    let phone = wait_exit(&mut s.phones[0], Duration::from_secs(15));
    let _ = s.phones[1].kill();
    let errors = sipp_errors(s.dir.path());
    assert!(caller.is_some_and(|c| c.success()), "the caller: {errors}");
    assert!(
        phone.is_some_and(|c| c.success()),
        "the phone's re-INVITEs were answered recvonly, then sendrecv: {errors}"
    );
    let ports = std::fs::read_to_string(s.dir.path().join("ports.txt")).unwrap();
    let lines: Vec<&str> = ports.lines().collect();
    assert_eq!(lines.len(), 2, "{ports}");
    for line in lines {
        let (offered, answered) = line.split_once(' ').unwrap();
        assert_eq!(offered, answered, "the leg's port stays: {ports}");
    }
    s.served.signal("-TERM");
    assert!(s.served.wait(Duration::from_secs(20)).is_some());
    let events = events(&s.data, TENANT);
    let ended = &events.iter().find(|(k, _)| k == "call.ended").unwrap().1;
    assert_eq!(
        ended["reason"], "caller_hangup",
        "held and resumed, not dropped: {ended}"
    );
    let legs = ended["legs"].as_array().unwrap();
    for leg in legs {
        let received = leg["packets_received"].as_u64().unwrap_or(0);
        assert!(received >= 200, "audio all through the hold: {ended}");
    }
}

/// The tenant, its trunk placing calls to SIPp as the carrier on `carrier_port`.
fn import_tenant_with_outbound_trunk(dir: &Path, data: &Path, carrier_port: u16) {
    let queue = "offer_timeout_secs: 10, wrap_up_secs: 0";
    let users = ["2001", "2002"];
    let doc = sales_tenant_with_trunk(TENANT, &users, queue, carrier_port, "+15550177");
    import(dir, data, &doc);
    for user in users {
        passwords(data, TENANT, user, DEMO_PASSWORD);
    }
}

#[test]
fn an_agents_outbound_call_is_transferred_blind_to_another_agent_through_the_api() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let carrier_port = free_port();
    import_tenant_with_outbound_trunk(tmp.path(), &data, carrier_port);
    let mut served = serve(&data);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    pcmu_tone(&dir.path().join("tone.pcmu"));
    // Agent 2002's desk phone speaks (the called party echoes it).
    let second_port = free_port();
    register_phone(dir.path(), &target, second_port, "2002", DEMO_PASSWORD);
    let media = free_port().to_string();
    let talk = ["-mi", "127.0.0.1", "-mp", &media];
    let mut second_phone = sipp(dir.path(), "agent_phone_talks.xml", second_port, &talk)
        .spawn()
        .unwrap();
    let first = make_available_in(&served, TENANT, "2001");
    let second = make_available_in(&served, TENANT, "2002");
    let mut carrier = spawn_carrier(dir.path(), carrier_port);
    // Agent 2001's phone (on 127.0.0.2: 127.0.0.1 is the trunk's source) dials the number.
    let auth_uri = format!("02079460000@{target}");
    let phone_media = free_port().to_string();
    let args = [
        "-s",
        "02079460000",
        "-au",
        "2001",
        "-ap",
        DEMO_PASSWORD,
        "-auth_uri",
        &auth_uri,
        "-key",
        "agent_user",
        "2001",
        "-i",
        "127.0.0.2",
        "-mi",
        "127.0.0.2",
        "-mp",
        &phone_media,
        &target,
    ];
    let mut phone = sipp(
        dir.path(),
        "phone_calls_out_and_waits.xml",
        free_port(),
        &args,
    )
    .spawn()
    .unwrap();
    let call = connected_call(&served, &first);
    let directory: Value = first
        .get(served.url("/api/v1/me/directory"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = directory["agents"][0]["agent"].as_str().unwrap().to_owned();
    let transfer = first
        .post(served.url(&format!("/api/v1/calls/{call}/transfer")))
        .json(&json!({ "to": { "agent": id }, "mode": "blind" }))
        .send()
        .unwrap();
    assert_eq!(
        transfer.status(),
        204,
        "{}",
        transfer.text().unwrap_or_default()
    );
    let phone_done = wait_exit(&mut phone, Duration::from_secs(15));
    assert!(
        phone_done.is_some_and(|s| s.success()),
        "agent 1's phone was hung up by the transfer: {}",
        sipp_errors(dir.path())
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let calls = loop {
        let calls: Value = second
            .get(served.url("/api/v1/me/calls"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        if calls[0]["state"] == "connected" && calls[0]["agent"] == id.as_str() {
            break calls;
        }
        assert!(
            Instant::now() < deadline,
            "agent 2 connected: {calls}; {}",
            sipp_errors(dir.path())
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(calls[0]["id"], call.as_str(), "the same call");
    let mine: Value = first
        .get(served.url("/api/v1/me/calls"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        mine.as_array().unwrap().is_empty(),
        "agent 1 is off the call: {mine}"
    );
    let state: Value = first
        .get(served.url("/api/v1/me/state"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        state["state"], "available",
        "agent 1 is free for the next call: {state}"
    );
    // The customer and agent 2 talk for 2 s; agent 2 hangs up.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(control(&served, &second, &call, "hangup"), 204);
    let carrier_done = wait_exit(&mut carrier, Duration::from_secs(15));
    let second_done = wait_exit(&mut second_phone, Duration::from_secs(15));
    let errors = sipp_errors(dir.path());
    assert!(
        carrier_done.is_some_and(|s| s.success()),
        "the called party: {errors}"
    );
    assert!(
        second_done.is_some_and(|s| s.success()),
        "agent 2's phone: {errors}"
    );
    served.signal("-TERM");
    assert!(served.wait(Duration::from_secs(20)).is_some());
    let events = events(&data, TENANT);
    let of_call = |kind: &str| {
        events
            .iter()
            .find(|(k, v)| k == kind && v["call"] == call.as_str())
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{kind} in {events:?}"))
    };
    assert_eq!(of_call("call.created")["direction"], "outbound");
    assert_eq!(of_call("call.transferred")["mode"], "blind");
    let ended = of_call("call.ended");
    assert_eq!(ended["reason"], "agent_hangup", "{ended}");
    let legs = ended["legs"].as_array().unwrap();
    assert_eq!(
        legs.len(),
        3,
        "the called party, agent 1's phone, agent 2: {ended}"
    );
    let second_leg = legs
        .iter()
        .find(|l| l["to"] == "2002")
        .expect("agent 2's leg");
    let heard = second_leg["packets_received"].as_u64().unwrap_or(0);
    assert!(
        heard >= 50,
        "the called party echoed agent 2's phone: {ended}"
    );
}

#[test]
fn an_agent_on_a_phone_number_is_dialled_through_the_trunk_and_accepts_with_a_key() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    // One trunk: the caller comes in from 127.0.0.1, the agent's number goes out to SIPp.
    let agent_port = free_port();
    let trunk = format!(
        "options_ping: false, outbound_proxy: \"sip:127.0.0.1:{agent_port}\", \
         country_code: \"44\", national_prefix: \"0\""
    );
    let queue = "offer_timeout_secs: 20, wrap_up_secs: 0";
    let doc = sales_tenant("pstn-a", &["3001"], queue, &trunk, "+15550166");
    import(tmp.path(), &data, &doc);
    passwords(&data, "pstn-a", "3001", DEMO_PASSWORD);
    let served = Served::start(&data, &[], &[("SWITCHBOARD_MEDIA_BIND_IP", "127.0.0.1")]);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    common::sipp::caller_audio(dir.path());
    let agent_media = free_port().to_string();
    let args = ["-rtp_echo", "-mi", "127.0.0.1", "-mp", &agent_media];
    let mut phone = sipp(dir.path(), "pstn_agent.xml", agent_port, &args)
        .spawn()
        .unwrap();
    // The agent takes calls on their number (national, as the trunk's plan reads it).
    let http = make_available_in(&served, "pstn-a", "3001");
    let device = http
        .put(served.url("/api/v1/me/device"))
        .json(&json!({ "kind": "pstn", "number": "020 7946 0000" }))
        .send()
        .unwrap();
    assert_eq!(device.status().as_u16(), 200);
    let caller = dial_in(dir.path(), "caller_talks.xml", "+15550166", 8000, &target)
        .status()
        .unwrap();
    let phone = wait_exit(&mut phone, Duration::from_secs(15));
    let errors = sipp_errors(dir.path());
    drop(served);
    assert!(caller.success(), "the caller: {errors}");
    assert!(
        phone.is_some_and(|s| s.success()),
        "the agent's phone was dialled, pressed 1 and was hung up at the end: {errors}"
    );
    let events = events(&data, "pstn-a");
    let kinds = kinds(&events);
    for kind in [
        "call.offered",
        "call.dialled",
        "call.connected",
        "call.ended",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let dialled = &events.iter().find(|(k, _)| k == "call.dialled").unwrap().1;
    assert_eq!(dialled["to"], "+442079460000", "{dialled}");
    let ended = &events.iter().find(|(k, _)| k == "call.ended").unwrap().1;
    assert_eq!(ended["reason"], "caller_hangup", "{ended}");
    let legs = ended["legs"].as_array().unwrap();
    let agent = legs.iter().find(|l| l["leg"] == "agent").unwrap();
    assert!(
        agent["packets_received"].as_u64().unwrap_or(0) >= 50,
        "the agent's phone carried the caller's audio back: {ended}"
    );
}

#[test]
fn an_agent_answers_an_offer_from_the_api_and_their_desk_phone_picks_up_by_itself() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    import_tenant(tmp.path(), &data);
    let served = serve(&data);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    // Agent 2001's desk phone rings without anyone picking up, unless asked to answer.
    let port = free_port();
    register_phone(dir.path(), &target, port, "2001", DEMO_PASSWORD);
    let media = free_port().to_string();
    let args = ["-rtp_echo", "-mi", "127.0.0.1", "-mp", &media, "-m", "2"];
    let mut phone = sipp(dir.path(), "agent_answers_when_asked.xml", port, &args)
        .spawn()
        .unwrap();
    let agent = make_available_in(&served, TENANT, "2001");
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let mut caller = dial_in(dir.path(), "caller_talks.xml", "+15550177", 6000, &target)
        .spawn()
        .unwrap();
    let calls = |http: &Client| -> Value {
        let url = served.url("/api/v1/me/calls");
        http.get(url).send().unwrap().json().unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let call = loop {
        let now = calls(&agent);
        if now[0]["state"] == "ringing" {
            break now[0]["id"].as_str().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "the offer rings 2001: {now}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(control(&served, &agent, &call, "answer"), 204);
    let deadline = Instant::now() + Duration::from_secs(20);
    while calls(&agent)[0]["state"] != "connected" {
        assert!(Instant::now() < deadline, "answered from the API");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        control(&served, &agent, &call, "answer"),
        409,
        "answered already"
    );
    let did = "the phone rang, was cancelled, and answered the INVITE that asked it to";
    assert_caller_and_phone_done(dir.path(), &mut caller, &mut phone, did);
    drop(served);
    let events = events(&data, TENANT);
    let kinds = kinds(&events);
    for kind in ["call.offered", "call.answer_asked", "call.connected"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let ended = &events.iter().find(|(k, _)| k == "call.ended").unwrap().1;
    let agent_leg = ended["legs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["leg"] == "agent")
        .cloned()
        .unwrap_or_default();
    assert!(
        agent_leg["packets_received"].as_u64().unwrap_or(0) >= 50,
        "the phone echoed the caller's audio: {ended}"
    );
}
