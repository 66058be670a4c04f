//! An agent's persistent line, with `switchboard serve`, SIPp as the carrier's callers and SIPp
//! as the agent's SIP phone (on 127.0.0.2: 127.0.0.1 is the carrier's trunk), which calls
//! `*line` once and stays connected, echoing what it hears. Two calls are offered on the line
//! with no INVITE to the phone (SIPp fails on any unexpected request): the first is answered
//! through the API and carries the caller's audio both ways; the second is accepted by
//! pressing 1 on the phone, whose BYE on its line during that call is the agent hanging up.
#![allow(clippy::unwrap_used)]

mod common;

use common::agents::{
    DEMO_PASSWORD, events, import, make_available_in, passwords, sales_tenant,
    sales_tenant_with_trunk, serve,
};
use common::sipp::{caller_audio, dial_in, sipp, sipp_errors, wait_exit};
use common::{data_dir, free_port, sip_addr, sipp_available};
use reqwest::blocking::Client;
use serde_json::Value;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

const TENANT: &str = "line-a";

fn get(served: &common::Served, http: &Client, path: &str) -> Value {
    let url = served.url(&format!("/api/v1{path}"));
    http.get(url).send().unwrap().json().unwrap()
}

/// Waits until `check` holds for `path`; its last answer.
fn wait_for(
    served: &common::Served,
    http: &Client,
    dir: &std::path::Path,
    path: &str,
    what: &str,
    mut check: impl FnMut(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(25);
    loop {
        let v = get(served, http, path);
        if check(&v) {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {v}; SIPp: {}",
            sipp_errors(dir)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIPp as `user`'s phone on `ip`, opening its line (`agent_line.xml`): it echoes what it
/// hears, presses 1 at 12 s and hangs up `hold_ms` later.
fn open_line(dir: &Path, target: &str, user: &str, ip: &str, hold_ms: u32) -> Child {
    let media = free_port().to_string();
    let auth_uri = format!("*line@{target}");
    let hold = hold_ms.to_string();
    let args = [
        "-auth_uri",
        &auth_uri,
        "-s",
        "*line",
        "-key",
        "agent_user",
        user,
        "-au",
        user,
        "-ap",
        DEMO_PASSWORD,
        "-rtp_echo",
        "-i",
        ip,
        "-mi",
        ip,
        "-mp",
        &media,
        "-d",
        &hold,
        "-timeout",
        "60s",
        target,
    ];
    sipp(dir, "agent_line.xml", free_port(), &args)
        .spawn()
        .unwrap()
}

fn post(served: &common::Served, http: &Client, path: &str) -> u16 {
    let url = served.url(&format!("/api/v1{path}"));
    http.post(url).send().unwrap().status().as_u16()
}

#[test]
fn offers_ring_on_the_agents_line_and_connect_on_it_without_a_new_invite() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let doc = sales_tenant(
        TENANT,
        &["2001"],
        "offer_timeout_secs: 25, wrap_up_secs: 0",
        "",
        "+15550188",
    );
    import(tmp.path(), &data, &doc);
    passwords(&data, TENANT, "2001", DEMO_PASSWORD);
    let mut served = serve(&data);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    caller_audio(dir.path());
    let agent = make_available_in(&served, TENANT, "2001");

    // The phone opens its line, presses 1 at 12 s and hangs up at 16 s.
    let mut phone = open_line(dir.path(), &target, "2001", "127.0.0.2", 4_000);
    let device = wait_for(
        &served,
        &agent,
        dir.path(),
        "/me/device",
        "the line opens",
        |d| d["line"] == "phone" || phone.try_wait().unwrap().is_some(),
    );
    assert_eq!(
        device["line"],
        "phone",
        "phone: {:?}; {}",
        phone.try_wait(),
        sipp_errors(dir.path())
    );
    assert_eq!(device["kind"], "softphone", "{device}");

    // Call 1: offered on the line, answered through the API; talks for 3 s.
    let mut first = dial_in(dir.path(), "caller_talks.xml", "+15550188", 3_000, &target)
        .spawn()
        .unwrap();
    let ringing = wait_for(
        &served,
        &agent,
        dir.path(),
        "/me/calls",
        "call 1 offered",
        |c| c[0]["state"] == "ringing",
    );
    assert!(ringing[0]["offered_to"].is_string(), "{ringing}");
    let id = ringing[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        post(&served, &agent, &format!("/calls/{id}/reject_nothing")),
        400,
        "unknown action"
    );
    assert_eq!(post(&served, &agent, &format!("/calls/{id}/answer")), 204);
    wait_for(
        &served,
        &agent,
        dir.path(),
        "/me/calls",
        "call 1 connected",
        |c| c[0]["state"] == "connected",
    );
    assert!(
        wait_exit(&mut first, Duration::from_secs(30)).is_some_and(|s| s.success()),
        "caller 1: {}",
        sipp_errors(dir.path())
    );
    wait_for(
        &served,
        &agent,
        dir.path(),
        "/me/calls",
        "call 1 over",
        |c| c.as_array().is_some_and(|a| a.is_empty()),
    );
    wait_for(
        &served,
        &agent,
        dir.path(),
        "/me/state",
        "available again",
        |s| s["state"] == "available",
    );
    assert_eq!(
        get(&served, &agent, "/me/device")["line"],
        "phone",
        "the line stays up"
    );

    // Call 2 (a caller who waits for our BYE): rings on the line until the phone presses 1
    // (at 12 s); the phone hangs its line up during the call (at 16 s), which is the agent
    // hanging up.
    let mut second = dial_in(dir.path(), "caller_silent.xml", "+15550188", 0, &target)
        .spawn()
        .unwrap();
    wait_for(
        &served,
        &agent,
        dir.path(),
        "/me/calls",
        "call 2 offered",
        |c| c[0]["state"] == "ringing",
    );
    wait_for(
        &served,
        &agent,
        dir.path(),
        "/me/calls",
        "call 2 accepted with 1",
        |c| c[0]["state"] == "connected",
    );
    let phone_done = wait_exit(&mut phone, Duration::from_secs(40));
    let caller_done = wait_exit(&mut second, Duration::from_secs(30));
    let errors = sipp_errors(dir.path());
    assert!(
        phone_done.is_some_and(|s| s.success()),
        "the line's phone (no INVITE but the line's): {errors}"
    );
    assert!(
        caller_done.is_some_and(|s| s.success()),
        "caller 2: {errors}"
    );
    served.signal("-TERM");
    assert!(served.wait(Duration::from_secs(20)).is_some());

    let events = events(&data, TENANT);
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    let ended: Vec<&Value> = events
        .iter()
        .filter(|(k, _)| k == "call.ended")
        .map(|(_, p)| p)
        .collect();
    assert_eq!(ended.len(), 2, "{kinds:?}");
    assert_eq!(ended[0]["reason"], "caller_hangup", "{}", ended[0]);
    assert_eq!(
        ended[1]["reason"], "agent_hangup",
        "the phone hung up its line during call 2: {}",
        ended[1]
    );
    for call in &ended[..1] {
        let legs = call["legs"].as_array().unwrap();
        let caller = &legs[0];
        assert!(
            caller["packets_received"].as_u64().unwrap_or(0) >= 50,
            "the caller talked a second or more: {call}"
        );
        let agent_leg = legs.iter().find(|l| l["to"].is_string()).unwrap();
        assert!(
            agent_leg["packets_received"].as_u64().unwrap_or(0) >= 50,
            "the line echoed the caller's audio: {call}"
        );
    }
    let opened = kinds.iter().filter(|k| **k == "line.opened").count();
    assert_eq!(opened, 1, "one line for both calls: {kinds:?}");
    let closed = events.iter().find(|(k, _)| k == "line.closed").unwrap();
    assert_eq!(closed.1["reason"], "phone_hangup", "{}", closed.1);
}

#[test]
fn a_consulted_agent_answers_and_leaves_on_their_line_through_the_api() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let doc = sales_tenant(
        TENANT,
        &["2001", "2002"],
        "offer_timeout_secs: 25, wrap_up_secs: 0",
        "",
        "+15550189",
    );
    import(tmp.path(), &data, &doc);
    for user in ["2001", "2002"] {
        passwords(&data, TENANT, user, DEMO_PASSWORD);
    }
    let mut served = serve(&data);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    caller_audio(dir.path());
    let first = make_available_in(&served, TENANT, "2001");
    let second = common::agents::login_in(&served, TENANT, "2002");
    let seen = |http: &Client| get(&served, http, "/me")["user"]["id"].clone();
    let mut phones = [
        open_line(dir.path(), &target, "2001", "127.0.0.2", 1_000),
        open_line(dir.path(), &target, "2002", "127.0.0.3", 1_000),
    ];
    for http in [&first, &second] {
        wait_for(
            &served,
            http,
            dir.path(),
            "/me/device",
            "the line opens",
            |d| d["line"] == "phone",
        );
    }
    let mut caller = dial_in(dir.path(), "caller_silent.xml", "+15550189", 0, &target)
        .spawn()
        .unwrap();
    let ringing = wait_for(&served, &first, dir.path(), "/me/calls", "offered", |c| {
        c[0]["state"] == "ringing"
    });
    let id = ringing[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(post(&served, &first, &format!("/calls/{id}/answer")), 204);
    wait_for(&served, &first, dir.path(), "/me/calls", "connected", |c| {
        c[0]["state"] == "connected"
    });
    // Agent 2 becomes Available once the caller is agent 1's.
    let _ = make_available_in(&served, TENANT, "2002");
    let body = serde_json::json!({ "to": { "agent": seen(&second) }, "mode": "consult" });
    let url = served.url(&format!("/api/v1/calls/{id}/transfer"));
    let consult = first.post(url).json(&body).send().unwrap();
    assert_eq!(
        consult.status(),
        204,
        "{}",
        consult.text().unwrap_or_default()
    );
    wait_for(
        &served,
        &second,
        dir.path(),
        "/me/calls",
        "the consultation rings",
        |c| c[0]["consult"]["state"] == "ringing",
    );
    assert_eq!(
        post(&served, &first, &format!("/calls/{id}/reject")),
        409,
        "the consulting agent cannot answer for the consulted one"
    );
    assert_eq!(post(&served, &second, &format!("/calls/{id}/answer")), 204);
    wait_for(
        &served,
        &first,
        dir.path(),
        "/me/calls",
        "consulting",
        |c| c[0]["consult"]["state"] == "talking",
    );
    assert_eq!(
        post(&served, &second, &format!("/calls/{id}/hold")),
        404,
        "a consulted agent controls only their side"
    );
    assert_eq!(post(&served, &second, &format!("/calls/{id}/hangup")), 204);
    wait_for(
        &served,
        &first,
        dir.path(),
        "/me/calls",
        "back with the caller",
        |c| c[0]["state"] == "connected" && c[0]["consult"].is_null(),
    );
    assert_eq!(post(&served, &first, &format!("/calls/{id}/hangup")), 204);
    let caller_done = wait_exit(&mut caller, Duration::from_secs(20));
    let phones_done = phones
        .each_mut()
        .map(|p| wait_exit(p, Duration::from_secs(30)));
    let errors = sipp_errors(dir.path());
    assert!(
        caller_done.is_some_and(|s| s.success()),
        "the caller: {errors}"
    );
    for done in phones_done {
        assert!(
            done.is_some_and(|s| s.success()),
            "a line's phone: {errors}"
        );
    }
    served.signal("-TERM");
    assert!(served.wait(Duration::from_secs(20)).is_some());
    let events = events(&data, TENANT);
    let find = |kind: &str| {
        events
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, p)| p.clone())
    };
    let consult = find("call.consult").unwrap();
    assert_eq!(consult["on"], "line", "{consult}");
    assert!(find("call.consult_ended").is_some(), "{events:?}");
    let ended = find("call.ended").unwrap();
    assert_eq!(ended["reason"], "agent_hangup", "{ended}");
    let opened = events.iter().filter(|(k, _)| k == "line.opened").count();
    assert_eq!(opened, 2, "{events:?}");
}

#[test]
fn a_call_transferred_to_an_agent_rings_on_their_line_and_is_answered_there() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let carrier_port = free_port();
    let queue = "offer_timeout_secs: 25, wrap_up_secs: 0";
    let users = ["2001", "2002"];
    import(
        tmp.path(),
        &data,
        &sales_tenant_with_trunk(TENANT, &users, queue, carrier_port, "+15550188"),
    );
    for user in users {
        passwords(&data, TENANT, user, DEMO_PASSWORD);
    }
    let mut served = serve(&data);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    caller_audio(dir.path());
    let first = make_available_in(&served, TENANT, "2001");
    let second = make_available_in(&served, TENANT, "2002");
    // Agent 2002's phone opens its line (it presses 1 at 12 s, hangs up at 13 s).
    let mut line = open_line(dir.path(), &target, "2002", "127.0.0.2", 1_000);
    wait_for(
        &served,
        &second,
        dir.path(),
        "/me/device",
        "the line opens",
        |d| d["line"] == "phone",
    );
    // Agent 2001's phone (127.0.0.3) dials a number; the carrier echoes.
    let mut carrier = common::sipp::spawn_carrier(dir.path(), carrier_port);
    let auth_uri = format!("02079460000@{target}");
    let media = free_port().to_string();
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
        "127.0.0.3",
        "-mi",
        "127.0.0.3",
        "-mp",
        &media,
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
    let calls = wait_for(
        &served,
        &first,
        dir.path(),
        "/me/calls",
        "the call out",
        |c| c[0]["state"] == "connected",
    );
    let id = calls[0]["id"].as_str().unwrap().to_owned();
    let directory = get(&served, &first, "/me/directory");
    let agent2 = directory["agents"][0]["agent"].as_str().unwrap().to_owned();
    let transfer = first
        .post(served.url(&format!("/api/v1/calls/{id}/transfer")))
        .json(&serde_json::json!({ "to": { "agent": agent2 }, "mode": "blind" }))
        .send()
        .unwrap();
    assert_eq!(transfer.status(), 204);
    let ringing = wait_for(
        &served,
        &second,
        dir.path(),
        "/me/calls",
        "ringing on the line",
        |c| c[0]["state"] == "ringing",
    );
    assert_eq!(ringing[0]["offered_to"], agent2.as_str(), "{ringing}");
    assert_eq!(
        post(&served, &first, &format!("/calls/{id}/answer")),
        404,
        "agent 1 is off the call"
    );
    assert_eq!(post(&served, &second, &format!("/calls/{id}/answer")), 204);
    wait_for(
        &served,
        &second,
        dir.path(),
        "/me/calls",
        "connected on the line",
        |c| c[0]["state"] == "connected" && c[0]["agent"] == agent2.as_str(),
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(post(&served, &second, &format!("/calls/{id}/hangup")), 204);
    let carrier_done = wait_exit(&mut carrier, Duration::from_secs(15));
    let phone_done = wait_exit(&mut phone, Duration::from_secs(15));
    assert_eq!(
        get(&served, &second, "/me/device")["line"],
        "phone",
        "the line stays up after the call"
    );
    let line_done = wait_exit(&mut line, Duration::from_secs(30));
    let errors = sipp_errors(dir.path());
    assert!(
        carrier_done.is_some_and(|s| s.success()),
        "the called party: {errors}"
    );
    assert!(
        phone_done.is_some_and(|s| s.success()),
        "agent 1's phone: {errors}"
    );
    assert!(
        line_done.is_some_and(|s| s.success()),
        "agent 2's line (no INVITE): {errors}"
    );
    served.signal("-TERM");
    assert!(served.wait(Duration::from_secs(20)).is_some());
    let events = events(&data, TENANT);
    let offered = events
        .iter()
        .find(|(k, v)| k == "call.offered" && v["call"] == id.as_str())
        .map(|(_, v)| v.clone())
        .expect("call.offered");
    assert_eq!(offered["on"], "line", "{offered}");
    assert_eq!(offered["agent"], agent2.as_str(), "{offered}");
}
