//! A flow's `http` block during a call, with `switchboard serve`, SIPp as the caller and the
//! agent's phone, and a small HTTP server on loopback playing the CRM: the request carries the
//! caller's number, the JSON answer is mapped into an attribute, and the agent's live call
//! shows it in the screen pop.
#![allow(clippy::unwrap_used)]

mod common;

use common::agents::{
    DEMO_PASSWORD, connected_call, events, import, make_available_in, passwords, register_phone,
    serve, serve_with,
};
use common::sipp::{
    assert_caller_and_phone_done, dial_in, pcmu_tone, sipp, sipp_errors, wait_exit,
};
use common::{data_dir, free_port, sip_addr, sipp_available};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

/// Answers one HTTP request with `body` (JSON); the request line goes to the returned channel.
fn crm(body: &'static str) -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let _ = tx.send(line.trim_end().to_owned());
        let mut header = String::new();
        while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
            header.clear();
        }
        let mut stream = stream;
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(answer.as_bytes()).unwrap();
    });
    (port, rx)
}

/// A tenant whose number +15550155 asks the CRM on `crm_port` about the caller (into the
/// screen pop), then queues for agent 4001.
fn crm_tenant(crm_port: u16) -> String {
    format!(
        "version: 1\ntenant:\n  name: crm-a\n  display_name: Crm A\n  cluster: C1\n  \
         ip_allowlist: []\nusers:\n  - username: \"4001\"\n    display_name: Ada\n    \
         role: agent\nqueues:\n  - name: sales\n    channel: voice\n    settings:\n      \
         wrap_up_secs: 0\n\
         trunks:\n  - name: carrier\n    settings:\n      inbound_sources: [\"127.0.0.1/32\"]\n\
         points_of_contact:\n  - kind: phone\n    address: \"+15550155\"\n    flow: sales\n\
         flows:\n  - name: sales\n    publish: true\n    document:\n      version: 1\n      \
         name: Sales\n      start: lookup\n      blocks:\n        - id: lookup\n          \
         type: http\n          params:\n            \
         url: \"http://127.0.0.1:{crm_port}/customers?phone={{{{ attrs.caller }}}}\"\n            \
         map: {{ tier: /customer/tier }}\n            screen_pop: [tier]\n          \
         transitions: {{ success: queue, timeout: queue, error: queue }}\n        \
         - id: queue\n          type: enqueue\n          \
         params: {{ queue: sales, max_wait_secs: 60 }}\n          \
         transitions: {{ timeout: done, break_out: done }}\n        - id: done\n          \
         type: end\n"
    )
}

#[test]
fn a_flows_http_answer_reaches_the_agents_screen_pop() {
    if !sipp_available() {
        return;
    }
    let (crm_port, requests) = crm(r#"{"customer": {"tier": "gold"}}"#);
    let (tmp, data) = data_dir();
    let doc = crm_tenant(crm_port);
    import(tmp.path(), &data, &doc);
    passwords(&data, "crm-a", "4001", DEMO_PASSWORD);
    // The CRM listens on loopback: an internal address the operator allows here.
    let served = serve_with(&data, &[("SWITCHBOARD_FLOWS_HTTP_ALLOW", "127.0.0.1/32")]);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    let phone_port = free_port();
    register_phone(dir.path(), &target, phone_port, "4001", DEMO_PASSWORD);
    let media = free_port().to_string();
    let args = ["-rtp_echo", "-mi", "127.0.0.1", "-mp", &media];
    let mut phone = sipp(dir.path(), "agent_phone.xml", phone_port, &args)
        .spawn()
        .unwrap();
    let agent = make_available_in(&served, "crm-a", "4001");
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let mut caller = dial_in(dir.path(), "caller_talks.xml", "+15550155", 6000, &target)
        .spawn()
        .unwrap();
    let call = connected_call(&served, &agent);
    let calls: serde_json::Value = agent
        .get(served.url("/api/v1/me/calls"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let request = requests.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_caller_and_phone_done(dir.path(), &mut caller, &mut phone, "the agent's phone");
    drop(served);
    assert_eq!(
        request, "GET /customers?phone=+442079460123 HTTP/1.1",
        "the CRM is asked about the caller"
    );
    assert_eq!(calls[0]["id"], call.as_str());
    assert_eq!(
        calls[0]["screen_pop"]["tier"], "gold",
        "the mapped answer is in the screen pop: {calls}"
    );
    let events = events(&data, "crm-a");
    assert!(
        events
            .iter()
            .any(|(k, p)| k == "call.http" && p["status"] == 200 && p["host"] == "127.0.0.1"),
        "the request is logged: {events:?}"
    );
    let tier = events
        .iter()
        .find(|(k, p)| k == "call.attribute" && p["name"] == "tier");
    assert!(
        tier.is_some_and(|(_, p)| p["value"] == "gold" && p["screen_pop"] == true),
        "{events:?}"
    );
}

#[test]
fn a_flow_cannot_reach_an_internal_address_the_operator_did_not_allow() {
    if !sipp_available() {
        return;
    }
    let (crm_port, requests) = crm(r#"{"customer": {"tier": "gold"}}"#);
    let (tmp, data) = data_dir();
    import(tmp.path(), &data, &crm_tenant(crm_port));
    let served = serve(&data);
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let target = sip_addr(&served).to_string();
    let mut caller = dial_in(dir.path(), "caller_talks.xml", "+15550155", 3000, &target)
        .spawn()
        .unwrap();
    let status = wait_exit(&mut caller, Duration::from_secs(30));
    let errors = sipp_errors(dir.path());
    drop(served);
    assert!(status.is_some_and(|s| s.success()), "the caller: {errors}");
    assert!(
        requests.recv_timeout(Duration::from_millis(200)).is_err(),
        "no request reaches the loopback CRM"
    );
    let events = events(&data, "crm-a");
    let why = events.iter().find(|(k, _)| k == "call.http");
    assert!(
        why.is_some_and(|(_, p)| p["host"] == "127.0.0.1"
            && p["error"].as_str().unwrap().contains("internal address")),
        "the request is refused and the log says why: {events:?}"
    );
    assert!(
        events.iter().any(|(k, _)| k == "call.queued"),
        "the flow went on along its error path"
    );
}
