//! The email channel with `switchboard serve`, a real Dovecot as the organisation's mailbox and
//! an SMTP sink as its relay: a customer's message becomes a conversation routed by the
//! point of contact's flow (which sends an automatic answer), offered to the email queue's
//! agent, answered with the right threading headers; the customer's answer joins the same
//! conversation; a closed conversation reopens. Killing `serve` in the middle of fetching 500
//! messages loses none and duplicates none.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "../../../adapters/email/tests/dovecot/mod.rs"]
mod dovecot;
#[path = "../../../adapters/email/tests/smtp_sink/mod.rs"]
mod smtp_sink;

use common::agents::{DEMO_PASSWORD, import, login_in, make_available_in, passwords, serve_with};
use common::mail::header;
use common::{Served, data_dir};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ADDRESS: &str = "support@example.com";
const CUSTOMER: &str = "carol@customer.example";

/// Tenant `mail-a`: agents 4001 and 4002 and supervisor boss; the email queue `mail`; the point of
/// contact support@example.com whose flow answers automatically, then queues; the channel
/// `support` reading the Dovecot mailbox over `mailbox` and replying through the sink.
fn tenant(mailbox: Value, smtp_port: u16) -> String {
    let mut channel = json!({
        "address": ADDRESS, "display_name": "Example Support",
        "host": "127.0.0.1", "username": dovecot::USER, "password": dovecot::PASSWORD,
        "poll_interval_secs": 5,
        "smtp": { "host": "127.0.0.1", "port": smtp_port, "security": "plain" },
    });
    if let (Some(c), Some(m)) = (channel.as_object_mut(), mailbox.as_object()) {
        c.extend(m.clone());
    }
    let flow = json!({
        "version": 1, "name": "Mail", "start": "ack",
        "blocks": [
            { "id": "ack", "type": "send_message",
              "params": { "channel": "email", "to": "{{ attrs.from }}",
                          "subject": "We have your message: {{ attrs.subject }}",
                          "body": "Thank you, we will answer soon." },
              "transitions": { "success": "queue", "error": "queue" } },
            { "id": "queue", "type": "enqueue", "params": { "queue": "mail" } },
        ],
    });
    json!({
        "version": 1,
        "tenant": { "name": "mail-a", "display_name": "Mail A", "cluster": "C1", "ip_allowlist": [] },
        "users": [
            { "username": "4001", "display_name": "Ada", "role": "agent" },
            { "username": "4002", "display_name": "Grace", "role": "agent" },
            { "username": "boss", "display_name": "Boss", "role": "supervisor" },
        ],
        "queues": [{ "name": "mail", "channel": "email", "settings": {} }],
        "channels": [{ "kind": "email", "name": "support", "settings": channel }],
        "points_of_contact": [{ "kind": "email", "address": ADDRESS, "flow": "mail" }],
        "flows": [{ "name": "mail", "publish": true, "document": flow }],
    })
    .to_string()
}

struct Desk {
    _tmp: tempfile::TempDir,
    data: std::path::PathBuf,
    served: Served,
}

const ENV: [(&str, &str); 1] = [("SWITCHBOARD_EMAIL_SERVER_ALLOW", "127.0.0.0/8")];

fn start(doc: &str) -> Desk {
    let (tmp, data) = data_dir();
    import(tmp.path(), &data, doc);
    for user in ["4001", "4002", "boss"] {
        passwords(&data, "mail-a", user, DEMO_PASSWORD);
    }
    let served = serve_with(&data, &ENV);
    Desk {
        _tmp: tmp,
        data,
        served,
    }
}

fn get(served: &Served, http: &reqwest::blocking::Client, path: &str) -> Value {
    http.get(served.url(path)).send().unwrap().json().unwrap()
}

/// Polls `f` every 100 ms until it gives `Some`, for at most `secs` seconds.
fn wait<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn customer_message(message_id: &str, subject: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Carol <{CUSTOMER}>\r\nTo: {ADDRESS}\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n{extra}\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// The agent's conversation list once it holds exactly one.
fn the_one_conversation(served: &Served, http: &reqwest::blocking::Client) -> Value {
    let list = wait(20, "the conversation", || {
        let l = get(served, http, "/api/v1/conversations");
        (l.as_array().map(Vec::len) == Some(1)).then_some(l)
    });
    list[0].clone()
}

/// Sets the user's presence (`{"state": …, "reason": …}`).
fn presence(served: &Served, http: &reqwest::blocking::Client, body: Value) {
    let set = http
        .put(served.url("/api/v1/me/state"))
        .json(&body)
        .send()
        .unwrap();
    assert!(set.status().is_success(), "{}", set.text().unwrap());
}

fn thread(served: &Served, http: &reqwest::blocking::Client, id: &str) -> Value {
    get(served, http, &format!("/api/v1/conversations/{id}"))
}

/// Dovecot (the organisation's mailbox) and the SMTP sink (its relay); `None` when the test
/// skips (no Dovecot outside CI).
fn servers(test: &str) -> Option<(dovecot::Dovecot, smtp_sink::SmtpSink)> {
    let dc = dovecot::start(test)?;
    let sink = smtp_sink::SmtpSink::start(test, Default::default())?;
    Some((dc, sink))
}

/// Accepts the conversation once it is offered to the agent.
fn accept(served: &Served, agent: &reqwest::blocking::Client, id: &str) {
    let url = served.url(&format!("/api/v1/conversations/{id}/accept"));
    wait(20, "the offer", || {
        (agent.post(&url).send().unwrap().status() == 204).then_some(())
    });
}

#[test]
fn an_email_reaches_an_agent_whose_reply_threads_and_the_customers_answer_joins_it() {
    let Some((dc, sink)) = servers("email threading") else {
        return;
    };
    let mailbox =
        json!({ "protocol": "imap", "starttls": true, "port": dc.imap, "ca_pem": dc.ca_pem });
    let desk = start(&tenant(mailbox, sink.port));
    let served = &desk.served;
    let agent = make_available_in(served, "mail-a", "4001");

    dc.deliver(&customer_message(
        "c1@customer.example",
        "Printer on fire",
        "",
        "Our printer is on fire.",
    ));
    // The flow's automatic answer, threaded under the customer's message.
    let auto = sink.wait_for(1, Duration::from_secs(30));
    let auto = &auto[0];
    assert_eq!(auto.rcpt_to, vec![CUSTOMER.to_owned()]);
    assert_eq!(header(&auto.data, "In-Reply-To"), "<c1@customer.example>");
    assert_eq!(header(&auto.data, "Auto-Submitted"), "auto-replied");
    let auto_subject = header(&auto.data, "Subject");
    assert!(auto_subject.contains("[#SB-"), "the token: {auto_subject}");

    let conversation = &the_one_conversation(served, &agent);
    let id = conversation["id"].as_str().unwrap().to_owned();
    let token = conversation["token"].as_str().unwrap().to_owned();
    assert_eq!(conversation["customer"], CUSTOMER);
    assert_eq!(conversation["customer_name"], "Carol");
    assert!(auto_subject.contains(&token), "{auto_subject} has {token}");
    accept(served, &agent, &id);
    // The message is flagged \Seen on the server once stored.
    wait(10, "the \\Seen flag", || {
        dc.inbox_flags()
            .iter()
            .all(|f| f.contains('S'))
            .then_some(())
    });

    let sent = agent
        .post(served.url(&format!("/api/v1/conversations/{id}/reply")))
        .json(&json!({ "text": "We are on our way.", "quote": true }))
        .send()
        .unwrap();
    assert_eq!(sent.status(), 200, "{}", sent.text().unwrap_or_default());
    let received = sink.wait_for(2, Duration::from_secs(10));
    let reply = &received[1];
    assert_eq!(reply.rcpt_to, vec![CUSTOMER.to_owned()]);
    assert_eq!(reply.mail_from, ADDRESS);
    assert_eq!(header(&reply.data, "In-Reply-To"), "<c1@customer.example>");
    let references = header(&reply.data, "References");
    assert!(references.contains("<c1@customer.example>"), "{references}");
    let subject = header(&reply.data, "Subject");
    assert!(
        subject.starts_with("Re: Printer on fire") && subject.contains(&token),
        "{subject}"
    );
    let body = String::from_utf8_lossy(&reply.data).into_owned();
    assert!(body.contains("We are on our way."), "{body}");
    assert!(body.contains("> Our printer is on fire."), "quoted: {body}");
    let reply_id = header(&reply.data, "Message-ID");

    // The customer answers the reply from a mail client that keeps the headers, not the token.
    let answer_headers =
        format!("In-Reply-To: {reply_id}\r\nReferences: <c1@customer.example> {reply_id}\r\n");
    dc.deliver(&customer_message(
        "c2@customer.example",
        "Re: Printer on fire",
        &answer_headers,
        "It is out now, thanks.",
    ));
    let joined = wait(20, "the answer", || {
        let t = thread(served, &agent, &id);
        (t["messages"].as_array().map(Vec::len) == Some(4)).then_some(t)
    });
    let directions: Vec<&str> = joined["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["direction"].as_str().unwrap())
        .collect();
    assert_eq!(
        directions,
        ["inbound", "outbound", "outbound", "inbound"],
        "{joined}"
    );
    let all = get(served, &agent, "/api/v1/conversations?state=all");
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(1),
        "one conversation: {all}"
    );

    // Closed, then the customer writes again with only the token: it reopens and comes back
    // to the same agent.
    let closed = agent
        .post(served.url(&format!("/api/v1/conversations/{id}/close")))
        .send()
        .unwrap();
    assert_eq!(closed.status(), 200);
    dc.deliver(&customer_message(
        "c3@customer.example",
        &format!("One more thing [#{token}]"),
        "",
        "The toner is empty too.",
    ));
    wait(20, "the reopened conversation", || {
        let t = thread(served, &agent, &id);
        (t["conversation"]["state"] == "open" && t["messages"].as_array()?.len() == 5).then_some(())
    });
    accept(served, &agent, &id);
    let status = get(
        served,
        &login_in(served, "mail-a", "boss"),
        "/api/v1/email/channels",
    );
    assert_eq!(status[0]["status"]["state"], "ok", "{status}");
    assert_eq!(status[0]["status"]["stored"], 3, "{status}");
    assert!(
        status[0]["settings"]
            .to_string()
            .find(dovecot::PASSWORD)
            .is_none(),
        "no password: {status}"
    );
    drop(desk.data);
}

/// The user id of `username`, from the agent's transfer directory.
fn agent_id(served: &Served, http: &reqwest::blocking::Client, username: &str) -> String {
    let directory = get(served, http, "/api/v1/me/directory");
    let agents = directory["agents"].as_array().unwrap();
    let entry = agents.iter().find(|a| a["username"] == username);
    entry.unwrap_or_else(|| panic!("{username} in {directory}"))["agent"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn transfer(
    served: &Served,
    http: &reqwest::blocking::Client,
    id: &str,
    body: Value,
) -> reqwest::blocking::Response {
    let url = served.url(&format!("/api/v1/conversations/{id}/transfer"));
    http.post(url).json(&body).send().unwrap()
}

#[test]
fn an_agent_passes_a_conversation_to_a_named_colleague_who_alone_is_offered_it() {
    let Some((dc, sink)) = servers("email transfer") else {
        return;
    };
    // IMAP IDLE: with a 10-minute interval, the message can only arrive in time by IDLE.
    let mailbox = json!({ "protocol": "imaps", "port": dc.imaps, "ca_pem": dc.ca_pem,
                          "idle": true, "poll_interval_secs": 600 });
    let desk = start(&tenant(mailbox, sink.port));
    let served = &desk.served;
    let ada = make_available_in(served, "mail-a", "4001");
    dc.deliver(&customer_message(
        "t1@customer.example",
        "Refund",
        "",
        "Where is my refund?",
    ));
    let id = the_one_conversation(served, &ada)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    accept(served, &ada, &id);
    let ada_id = thread(served, &ada, &id)["conversation"]["agent"].clone();
    assert!(ada_id.is_string(), "Ada has it: {ada_id}");

    // Grace has not logged in yet: refused, and Ada keeps the conversation.
    let grace_id = agent_id(served, &ada, "4002");
    let refused = transfer(served, &ada, &id, json!({ "agent": grace_id }));
    assert_eq!(refused.status(), 400);
    assert!(refused.text().unwrap().contains("logged out"));
    let both = transfer(
        served,
        &ada,
        &id,
        json!({ "agent": grace_id, "queue": "mail" }),
    );
    assert_eq!(both.status(), 400, "exactly one target");

    // Grace logs in but is on a break: the conversation waits for her, not for anyone.
    let grace = login_in(served, "mail-a", "4002");
    presence(
        served,
        &grace,
        json!({ "state": "unavailable", "reason": "break" }),
    );
    let passed = transfer(served, &ada, &id, json!({ "agent": grace_id }));
    assert_eq!(passed.status(), 200, "{}", passed.text().unwrap());
    // Ada ends her after-contact work (about a conversation she passed on: it ends all the
    // same, and her notes stay out of Grace's thread) and is available again: it is not
    // offered to her.
    let done = ada
        .post(served.url("/api/v1/me/wrap-up"))
        .json(&json!({ "conversation": id, "disposition": "transferred", "notes": "to Grace" }))
        .send()
        .unwrap();
    assert!(done.status().is_success(), "{}", done.text().unwrap());
    presence(served, &ada, json!({ "state": "available" }));
    std::thread::sleep(Duration::from_millis(500));
    let url = served.url(&format!("/api/v1/conversations/{id}/accept"));
    assert_eq!(ada.post(&url).send().unwrap().status(), 409, "not Ada's");

    // Grace comes back: it is offered to her, she takes it and answers.
    presence(served, &grace, json!({ "state": "available" }));
    accept(served, &grace, &id);
    let taken = thread(served, &grace, &id);
    assert_eq!(taken["conversation"]["agent"], grace_id.as_str(), "{taken}");
    let notes = taken["messages"].as_array().unwrap().iter();
    assert!(
        notes.filter(|m| m["direction"] == "note").count() == 0,
        "{taken}"
    );
    let sent = grace
        .post(served.url(&format!("/api/v1/conversations/{id}/reply")))
        .json(&json!({ "text": "Your refund left today.", "subject": "Your refund" }))
        .send()
        .unwrap();
    assert_eq!(sent.status(), 200, "{}", sent.text().unwrap_or_default());
    // Her own subject (e.g. a canned response's), with the conversation's token.
    let received = sink.wait_for(2, Duration::from_secs(10));
    let subject = header(&received[1].data, "Subject");
    let token = taken["conversation"]["token"].as_str().unwrap();
    assert_eq!(subject, format!("Your refund [#{token}]"));

    // And back to the queue: it waits for anyone, and Ada gets it.
    let queued = transfer(served, &grace, &id, json!({ "queue": "mail" }));
    assert_eq!(queued.status(), 200, "{}", queued.text().unwrap());
    accept(served, &ada, &id);
    drop(desk.data);
}

#[test]
fn a_mail_server_on_an_internal_address_is_refused_unless_the_operator_allows_its_network() {
    // No Dovecot needed: the address is refused before any connection.
    let mailbox = json!({ "protocol": "imap", "port": 143 });
    let (tmp, data) = data_dir();
    import(tmp.path(), &data, &tenant(mailbox, 25));
    passwords(&data, "mail-a", "boss", DEMO_PASSWORD);
    let served = serve_with(&data, &[]);
    let boss = login_in(&served, "mail-a", "boss");
    let status = wait(20, "the refusal", || {
        let list = get(&served, &boss, "/api/v1/email/channels");
        let s = list.as_array()?.first()?["status"].clone();
        (s["state"] == "failing").then_some(s)
    });
    let error = status["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("127.0.0.1") && error.contains("email.server_allow"),
        "{status}"
    );
    drop(tmp);
}

#[test]
fn a_disabled_channel_fetches_nothing_and_says_so() {
    let Some(dc) = dovecot::start("email disabled") else {
        return;
    };
    dc.deliver(&customer_message(
        "d1@customer.example",
        "Hello",
        "",
        "Anyone?",
    ));
    let mailbox = json!({ "protocol": "imaps", "port": dc.imaps, "ca_pem": dc.ca_pem,
                          "disabled": true });
    let desk = start(&tenant(mailbox, 25));
    let served = &desk.served;
    let boss = login_in(served, "mail-a", "boss");
    wait(20, "the disabled state", || {
        let list = get(served, &boss, "/api/v1/email/channels");
        (list.as_array()?.first()?["status"]["state"] == "disabled").then_some(())
    });
    // The poller stopped before connecting: nothing stored, the message untouched.
    let all = get(served, &boss, "/api/v1/conversations?state=all");
    assert_eq!(all.as_array().map(Vec::len), Some(0), "{all}");
    assert!(
        dc.inbox_flags().iter().all(|f| !f.contains('S')),
        "not flagged"
    );
    drop(desk.data);
}

#[test]
fn killing_serve_in_the_middle_of_fetching_500_messages_loses_and_duplicates_none() {
    const N: usize = 500;
    let Some(dc) = dovecot::start("email crash") else {
        return;
    };
    let Some(sink) = smtp_sink::SmtpSink::start("email crash", Default::default()) else {
        return;
    };
    for i in 0..N {
        // One thread: every message refers to the first.
        let extra = match i {
            0 => String::new(),
            _ => "References: <m0@customer.example>\r\n".to_owned(),
        };
        dc.deliver(&customer_message(
            &format!("m{i}@customer.example"),
            &format!("Message {i}"),
            &extra,
            "Hello.",
        ));
    }
    let mailbox = json!({ "protocol": "pop3", "port": dc.pop3, "after": "delete" });
    let (tmp, data) = data_dir();
    import(tmp.path(), &data, &tenant(mailbox, sink.port));
    passwords(&data, "mail-a", "boss", DEMO_PASSWORD);
    let count = |served: &Served, boss: &reqwest::blocking::Client| -> usize {
        let list = get(served, boss, "/api/v1/conversations?state=all");
        list.as_array()
            .and_then(|l| l.first())
            .and_then(|c| c["message_count"].as_u64())
            .unwrap_or(0) as usize
    };
    let mut first = serve_with(&data, &ENV);
    let boss = login_in(&first, "mail-a", "boss");
    let at_kill = wait(60, "the first messages", || {
        let n = count(&first, &boss);
        (n > 0).then_some(n)
    });
    first.signal("-KILL");
    first.wait(Duration::from_secs(10));
    println!("killed serve with {at_kill} of {N} messages stored");

    let second = serve_with(&data, &ENV);
    let boss = login_in(&second, "mail-a", "boss");
    let all = wait(120, "every message", || {
        let list = get(&second, &boss, "/api/v1/conversations?state=all");
        let c = list.as_array()?.first()?.clone();
        (c["message_count"].as_u64()? as usize >= N).then_some(list)
    });
    assert_eq!(all.as_array().map(Vec::len), Some(1), "one thread");
    let id = all[0]["id"].as_str().unwrap();
    // A last poll must find nothing more: the server is empty (POP3 delete after storing).
    std::thread::sleep(Duration::from_secs(6));
    let t = thread(&second, &boss, id);
    let messages = t["messages"].as_array().unwrap();
    let inbound: Vec<&Value> = messages
        .iter()
        .filter(|m| m["direction"] == "inbound")
        .collect();
    let mut subjects: Vec<&str> = inbound
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    subjects.sort_unstable();
    subjects.dedup();
    assert_eq!(inbound.len(), N, "every message once");
    assert_eq!(subjects.len(), N, "no message twice");
    let left = std::fs::read_dir(dc.maildir().join("cur")).unwrap().count()
        + std::fs::read_dir(dc.maildir().join("new")).unwrap().count();
    assert_eq!(left, 0, "deleted from the server once stored");
    drop(tmp);
}

/// The peak resident memory of process `pid` (`VmHWM`), in KiB.
fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Benchmark (on demand): `serve` ingests N messages from Dovecot over IMAPS, then POP3S —
/// retrieved, written as files, stored, threaded and acknowledged — and prints messages per
/// second and the server's peak memory.
/// `SB_EMAIL_BENCH=10000 cargo test -p switchboard --release --test email -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
fn bench_ingest_of_n_messages_over_imap_and_pop3() {
    let n: usize = std::env::var("SB_EMAIL_BENCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    for (protocol, tls_port) in [("imaps", true), ("pop3s", false)] {
        let Some(dc) = dovecot::start("email bench") else {
            return;
        };
        let Some(sink) = smtp_sink::SmtpSink::start("email bench", Default::default()) else {
            return;
        };
        for i in 0..n {
            dc.deliver(&customer_message(
                &format!("b{i}@customer.example"),
                &format!("Question {i}"),
                "",
                &"The quick brown fox jumps over the lazy dog. ".repeat(40),
            ));
        }
        let port = if tls_port { dc.imaps } else { dc.pop3s };
        let mailbox = json!({ "protocol": protocol, "port": port, "ca_pem": dc.ca_pem });
        let (tmp, data) = data_dir();
        // No flow: the bench measures retrieval and storage, not routing or answers.
        let mut doc: Value = serde_json::from_str(&tenant(mailbox, sink.port)).unwrap();
        doc["points_of_contact"] = json!([]);
        import(tmp.path(), &data, &doc.to_string());
        passwords(&data, "mail-a", "boss", DEMO_PASSWORD);
        let served = serve_with(&data, &ENV);
        let boss = login_in(&served, "mail-a", "boss");
        let started = Instant::now();
        let mut peak = 0;
        wait(600, "every message", || {
            peak = peak.max(peak_kib(served.child.id()));
            let status = get(&served, &boss, "/api/v1/email/channels");
            let stored = status[0]["status"]["stored"].as_u64()? as usize;
            (stored >= n).then_some(())
        });
        let secs = started.elapsed().as_secs_f64();
        println!(
            "serve ingested {n} messages over {protocol}: {:.0} messages/s ({secs:.1} s), peak RSS {} MiB",
            n as f64 / secs,
            peak / 1024
        );
        drop(tmp);
    }
}
