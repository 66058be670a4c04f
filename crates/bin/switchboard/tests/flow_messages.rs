//! A call's flow sends email with `switchboard serve`, SIPp as the caller and an SMTP sink as
//! the tenant's relay: `send_message` confirms a call to a team address through the named
//! email channel, and the flow's hang-up handler reports a caller who hung up during the
//! welcome prompt. Both are logged as `call.message`; SMS takes the error path.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "../../../adapters/email/tests/smtp_sink/mod.rs"]
mod smtp_sink;

use common::agents::{events, import, serve_with};
use common::mail::header;
use common::sipp::{caller_audio, place_call as call};
use common::{data_dir, sip_addr, sipp_available};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

const DESK: &str = "desk@example.com";
const TEAM: &str = "team@example.com";

/// Tenant `msg-a`: an email channel `desk` relaying through the sink (its mailbox is a closed
/// port: it only sends here); +15550188 confirms the call by email and SMS, then hangs up; +15550189
/// plays a long welcome, and its hang-up handler emails the team.
fn tenant(smtp_port: u16) -> String {
    let channel = json!({
        "address": DESK, "display_name": "Example Desk", "protocol": "imap", "port": 1,
        "host": "127.0.0.1", "username": "desk", "password": "unused", "poll_interval_secs": 3600,
        "smtp": { "host": "127.0.0.1", "port": smtp_port, "security": "plain" },
    });
    let confirm = json!({
        "version": 1, "name": "Confirm", "start": "mail",
        "blocks": [
            { "id": "mail", "type": "send_message",
              "params": { "channel": "email", "from": DESK, "to": TEAM,
                          "subject": "Call from {{ attrs.caller }}",
                          "body": "{{ attrs.caller }} called {{ attrs.dialled }}." },
              "transitions": { "success": "sms", "error": "bye" } },
            { "id": "sms", "type": "send_message",
              "params": { "channel": "sms", "to": "{{ attrs.caller }}", "body": "Thanks" },
              "transitions": { "success": "bye", "error": "sms_failed" } },
            { "id": "sms_failed", "type": "set_attributes",
              "params": { "set": [{ "name": "sms", "value": "\"failed\"" }] },
              "transitions": { "success": "bye" } },
            { "id": "bye", "type": "hangup" },
        ],
    });
    let missed = json!({
        "version": 1, "name": "Missed", "start": "welcome", "on": { "hangup": "report" },
        "blocks": [
            { "id": "welcome", "type": "play",
              "params": { "say": { "text": "Welcome to Example. All our lines are busy at the \
                 moment. Please stay on the line, your call matters to us, and one of our \
                 agents will be with you as soon as one is free." } },
              "transitions": { "success": "bye", "error": "bye" } },
            { "id": "bye", "type": "hangup" },
            { "id": "report", "type": "send_message",
              "params": { "channel": "email", "to": TEAM,
                          "subject": "Missed call from {{ attrs.caller }}",
                          "body": "They hung up during the welcome." },
              "transitions": { "success": "done" } },
            { "id": "done", "type": "end" },
        ],
    });
    json!({
        "version": 1,
        "tenant": { "name": "msg-a", "display_name": "Msg A", "cluster": "C1", "ip_allowlist": [] },
        "trunks": [{ "name": "carrier", "settings": { "inbound_sources": ["127.0.0.1/32"] } }],
        "channels": [{ "kind": "email", "name": "desk", "settings": channel }],
        "points_of_contact": [
            { "kind": "phone", "address": "+15550188", "flow": "confirm" },
            { "kind": "phone", "address": "+15550189", "flow": "missed" },
        ],
        "flows": [
            { "name": "confirm", "publish": true, "document": confirm },
            { "name": "missed", "publish": true, "document": missed },
        ],
    })
    .to_string()
}

/// The `call.message` events, once there are `n`.
fn messages(data: &Path, n: usize) -> Vec<Value> {
    for _ in 0..150 {
        let found: Vec<Value> = events(data, "msg-a")
            .into_iter()
            .filter(|(kind, _)| kind == "call.message")
            .map(|(_, p)| p)
            .collect();
        if found.len() >= n {
            return found;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("fewer than {n} messages: {:?}", events(data, "msg-a"));
}

#[test]
fn a_calls_flow_emails_the_team_and_its_hang_up_handler_reports_a_missed_call() {
    if !sipp_available() {
        return;
    }
    let Some(sink) = smtp_sink::SmtpSink::start("flow messages", Default::default()) else {
        return;
    };
    let (tmp, data) = data_dir();
    import(tmp.path(), &data, &tenant(sink.port));
    let served = serve_with(&data, &[("SWITCHBOARD_EMAIL_SERVER_ALLOW", "127.0.0.0/8")]);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    caller_audio(dir.path());

    call(dir.path(), &target, "+15550188", "caller_silent.xml", 0);
    let sent = sink.wait_for(1, Duration::from_secs(20));
    assert_eq!(sent[0].mail_from, DESK);
    assert_eq!(sent[0].rcpt_to, [TEAM]);
    assert_eq!(header(&sent[0].data, "Subject"), "Call from +442079460123");
    assert!(header(&sent[0].data, "From").contains(DESK));
    let logged = messages(&data, 2);
    assert_eq!(logged[0]["channel"], "email");
    assert_eq!(logged[0]["to"], TEAM);
    assert_eq!(logged[0]["from"], DESK);
    let id = header(&sent[0].data, "Message-ID");
    assert_eq!(
        format!("<{}>", logged[0]["message_id"].as_str().unwrap()),
        id
    );
    assert_eq!(logged[1]["channel"], "sms");
    assert!(
        logged[1]["error"]
            .as_str()
            .unwrap()
            .contains("not available")
    );
    let sms_failed = events(&data, "msg-a")
        .into_iter()
        .any(|(kind, p)| kind == "call.attribute" && p["name"] == "sms");
    assert!(sms_failed, "the SMS block took its error path");

    call(dir.path(), &target, "+15550189", "caller_talks.xml", 2000);
    let sent = sink.wait_for(2, Duration::from_secs(20));
    assert_eq!(
        header(&sent[1].data, "Subject"),
        "Missed call from +442079460123",
        "the hang-up handler ran after the caller left"
    );
    assert_eq!(sent[1].mail_from, DESK, "the tenant's only channel");
    let ended = events(&data, "msg-a")
        .into_iter()
        .filter(|(kind, _)| kind == "call.ended")
        .count();
    assert_eq!(ended, 2);
}
