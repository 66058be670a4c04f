//! The email channel in the agent console, end to end: `switchboard serve` reads a real
//! Dovecot (IMAP) as the organisation's mailbox and sends through an SMTP sink; headless
//! Chromium (driven by `web/e2e/agent.mjs`) logs in as agent 4001 and goes Available; a
//! customer's message (with an attachment, and markup that must show as text) arrives in
//! Dovecot, the point of contact's flow queues it, the console shows the offer, the agent
//! accepts it, reads the thread, sees the sender checks (SPF, DKIM, DMARC) of the
//! organisation's mail server (not those of a header the sender forged), sees its HTML version sanitised (no script, no remote image
//! until asked for: a loopback server counts the loads), downloads the attachment, writes an
//! internal note; a reply
//! copied to an address the relay refuses shows the mail server's answer and keeps the text;
//! the reply sent again with a file attached reaches the sink threaded under the customer's
//! message (without the note); the agent closes the conversation and ends the after-contact work,
//! whose disposition and notes land in the thread as an internal note.
//! Screenshots of each step go to `target/console-shots/email` (or `SB_SHOTS/email`).
#![allow(clippy::unwrap_used)]

mod common;
#[path = "../../../adapters/email/tests/dovecot/mod.rs"]
mod dovecot;
#[path = "../../../adapters/email/tests/smtp_sink/mod.rs"]
mod smtp_sink;

use common::agents::{DEMO_PASSWORD, import, login_in, passwords, serve_with};
use common::browser::{Agent, browser_available, shots_dir};
use common::data_dir;
use common::mail::header;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ADDRESS: &str = "support@example.com";
const CUSTOMER: &str = "carol@customer.example";
const TENANT: &str = "mail-a";
const AGENT: &str = "4001";
/// An address the SMTP sink refuses.
const REFUSED: &str = "nobody@customer.example";

/// Tenant `mail-a`: agent 4001; the email queue `mail`; the point of contact
/// support@example.com whose flow queues every message there; the channel `support` reading
/// the Dovecot mailbox over IMAP (STARTTLS) and sending through the sink.
fn tenant(imap: u16, ca_pem: &str, smtp_port: u16) -> String {
    let channel = json!({
        "address": ADDRESS, "display_name": "Example Support",
        "protocol": "imap", "starttls": true, "port": imap, "ca_pem": ca_pem,
        "host": "127.0.0.1", "username": dovecot::USER, "password": dovecot::PASSWORD,
        "poll_interval_secs": 5, "authserv_ids": ["mx.example.com"],
        "smtp": { "host": "127.0.0.1", "port": smtp_port, "security": "plain" },
    });
    let flow = json!({
        "version": 1, "name": "Mail", "start": "queue",
        "blocks": [{ "id": "queue", "type": "enqueue", "params": { "queue": "mail" } }],
    });
    json!({
        "version": 1,
        "tenant": { "name": TENANT, "display_name": "Mail A", "cluster": "C1", "ip_allowlist": [] },
        "users": [{ "username": AGENT, "display_name": "Ada", "role": "agent" }],
        "queues": [{ "name": "mail", "channel": "email", "settings": { "offer_timeout_secs": 120, "wrap_up_secs": 60 } }],
        "channels": [{ "kind": "email", "name": "support", "settings": channel }],
        "points_of_contact": [{ "kind": "email", "address": ADDRESS, "flow": "mail" }],
        "flows": [{ "name": "mail", "publish": true, "document": flow }],
    })
    .to_string()
}

/// The customer's message: text with markup that must not be rendered, its HTML version
/// (with a script and a remote image served by `pixel`), and a file.
fn customer_message(pixel: u16) -> Vec<u8> {
    format!(
        "Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=carol@customer.example;\r\n \
         dkim=pass header.d=customer.example; dmarc=pass header.from=customer.example\r\n\
         Authentication-Results: forged.example; spf=fail smtp.mailfrom=customer.example\r\n\
         From: Carol <{CUSTOMER}>\r\nTo: {ADDRESS}\r\nSubject: Printer on fire\r\n\
         Message-ID: <c1@customer.example>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n\
         --b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Our printer is on fire. <b>Please</b> hurry.\r\n\
         --b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p onmouseover=\"steal()\">Our printer is <b>really</b> on fire.</p>\
         <img src=\"http://127.0.0.1:{pixel}/pixel.gif\" alt=\"tracker\">\
         <script>document.body.textContent = 'pwned'</script>\r\n--b2--\r\n\
         --b1\r\nContent-Type: application/octet-stream; name=\"receipt.txt\"\r\n\
         Content-Disposition: attachment; filename=\"receipt.txt\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nUmVjZWlwdCA0Mg==\r\n--b1--\r\n"
    )
    .into_bytes()
}

/// A 1×1 GIF.
const GIF: [u8; 35] = [
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x2c, 0,
    0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3b,
];

/// A web server on loopback standing for a sender's tracking pixel: it counts the requests.
fn pixel_server() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 2048];
            let _ = stream.read(&mut buf);
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                GIF.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&GIF);
        }
    });
    (port, hits)
}

#[test]
fn an_agent_takes_an_email_in_the_console_replies_with_a_file_and_closes_it() {
    if !browser_available() {
        return;
    }
    let Some(dc) = dovecot::start("console email") else {
        return;
    };
    // The relay refuses one address: a reply copied to it fails as a whole.
    let refusing = smtp_sink::SinkOptions {
        refuse: vec![(REFUSED.into(), "550 5.1.1 no such user here".into())],
        ..Default::default()
    };
    let Some(sink) = smtp_sink::SmtpSink::start("console email", refusing) else {
        return;
    };
    let started = Instant::now();
    let (tmp, data) = data_dir();
    import(tmp.path(), &data, &tenant(dc.imap, &dc.ca_pem, sink.port));
    passwords(&data, TENANT, AGENT, DEMO_PASSWORD);
    let served = serve_with(&data, &[("SWITCHBOARD_EMAIL_SERVER_ALLOW", "127.0.0.0/8")]);
    let file = tmp.path().join("steps.txt");
    std::fs::write(&file, "1. Unplug it.\n2. Step back.\n").unwrap();

    let mut agent = Agent::start(
        &served,
        (TENANT, AGENT, DEMO_PASSWORD),
        &shots_dir("email"),
        None,
    );
    for step in ["login", "available", "emails 0", "shot available"] {
        agent.run(step);
    }
    let (pixel, hits) = pixel_server();
    dc.deliver(&customer_message(pixel));
    agent.run("wait-email-offer");
    let offer = agent
        .seen
        .iter()
        .find_map(|l| l.strip_prefix("info email-offer id="))
        .map(str::to_owned)
        .unwrap();
    let id = offer.split(' ').next().unwrap().to_owned();
    assert!(
        offer.ends_with(&format!("customer={CUSTOMER} subject=Printer on fire")),
        "the offer names the customer and the subject: {offer}"
    );
    for step in [
        "email-accept",
        "wait-state working",
        "email-open",
        "email-auth",
        "email-html",
        "email-download",
        "email-note Warranty checked: still valid.",
        &format!("email-attach {}", file.display()),
        &format!("email-reply-refused --cc={REFUSED} We are on our way."),
        "email-reply --quote We are on our way.",
        "email-forward toner@vendor.example Can you ship toner?",
    ] {
        agent.run(step);
    }
    let refused = agent
        .seen
        .iter()
        .find_map(|l| l.strip_prefix("info email-refused "))
        .unwrap_or_default();
    assert!(
        refused.starts_with("Not sent:") && refused.contains("no such user here"),
        "a refused reply shows the mail server's answer: {:?}",
        agent.seen
    );
    assert!(
        agent.saw("info email-kept true"),
        "the refused reply's text stays in the box: {:?}",
        agent.seen
    );
    assert!(
        agent.saw(&format!("info email-thread id={id} state=open messages=1")),
        "the thread opens with the customer's message: {:?}",
        agent.seen
    );
    assert!(
        agent.saw(
            "info email-message inbound raw=true files=receipt.txt \
             Our printer is on fire. <b>Please</b> hurry."
        ),
        "the customer's text shows as text, markup included, with its file: {:?}",
        agent.seen
    );
    // The organisation's mail server's verdicts show, not the forged header's.
    assert!(
        agent.saw("info email-auth trusted=true SPF pass DKIM pass DMARC pass"),
        "the sender checks of the trusted server show: {:?}",
        agent.seen
    );
    // Its HTML shows sanitised: no script ran, no handler, no remote image loaded...
    assert!(
        agent.saw("info email-html imgs=0 scripts=0 text=Our printer is really on fire."),
        "the formatted message shows without its script or remote image: {:?}",
        agent.seen
    );
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no remote load"
    );
    // ...until the agent asks for remote images.
    agent.run("email-html remote");
    assert!(
        agent.saw("info email-html imgs=1 scripts=0 text=Our printer is really on fire."),
        "remote images load on request: {:?}",
        agent.seen
    );
    assert!(
        hits.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the remote image loaded"
    );
    assert!(
        agent.saw(
            "info email-download receipt.txt status=200 type=application/octet-stream bytes=10"
        ),
        "the attachment downloads: {:?}",
        agent.seen
    );
    assert!(
        agent
            .seen
            .iter()
            .any(|l| l.starts_with("info email-download ")
                && l.contains(".eml status=200 type=message/rfc822")),
        "the raw message downloads: {:?}",
        agent.seen
    );
    assert!(
        agent.saw("info email-message note raw=false Warranty checked: still valid."),
        "the note shows in the thread: {:?}",
        agent.seen
    );

    // The reply reaches the customer threaded under their message, with the file, quoting
    // them, and without the internal note.
    let received = sink.wait_for(1, Duration::from_secs(30));
    let reply = &received[0];
    let text = String::from_utf8_lossy(&reply.data).into_owned();
    assert_eq!(reply.rcpt_to, vec![CUSTOMER.to_owned()], "{text}");
    assert_eq!(reply.mail_from, ADDRESS, "{text}");
    assert_eq!(header(&reply.data, "In-Reply-To"), "<c1@customer.example>");
    assert!(
        header(&reply.data, "References").contains("<c1@customer.example>"),
        "{text}"
    );
    assert!(
        header(&reply.data, "Subject").starts_with("Re: Printer on fire"),
        "{text}"
    );
    assert!(text.contains("We are on our way."), "{text}");
    assert!(text.contains("> Our printer is on fire."), "quoted: {text}");
    assert!(text.contains("steps.txt"), "the file is attached: {text}");
    assert!(
        !text.contains("Warranty checked"),
        "no internal note: {text}"
    );

    // The forward reaches the supplier with the customer's message below the agent's words.
    let received = sink.wait_for(2, Duration::from_secs(30));
    let forward = &received[1];
    let text = String::from_utf8_lossy(&forward.data).into_owned();
    assert_eq!(
        forward.rcpt_to,
        vec!["toner@vendor.example".to_owned()],
        "{text}"
    );
    assert!(
        header(&forward.data, "Subject").starts_with("Fwd: Printer on fire"),
        "{text}"
    );
    assert!(text.contains("Can you ship toner?"), "{text}");
    assert!(text.contains("Our printer is on fire."), "{text}");

    // Closed: the agent does the queue's after-contact work, then is ready again.
    for step in [
        "email-close",
        "wait-state wrap_up",
        "wrap-up resolved Answered by email",
        "wait-state available",
        "emails 0",
        "shot done",
    ] {
        agent.run(step);
    }
    let seen = agent.seen.clone();
    drop(agent);
    let http = login_in(&served, TENANT, AGENT);
    let thread: Value = http
        .get(served.url(&format!("/api/v1/conversations/{id}")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(thread["conversation"]["state"], "closed", "{thread}");
    let directions: Vec<&str> = thread["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["direction"].as_str().unwrap())
        .collect();
    assert_eq!(
        directions,
        ["inbound", "note", "outbound", "outbound", "note"],
        "{thread}"
    );
    // The disposition and notes of the after-contact work are in the thread.
    assert_eq!(
        thread["messages"][4]["text"], "Wrap-up: resolved\nAnswered by email",
        "{thread}"
    );
    assert_eq!(
        sink.received().len(),
        2,
        "a reply and a forward sent: {seen:?}"
    );
    println!(
        "console email: {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        shots_dir("email").display()
    );
    drop(served);
    drop(tmp);
}
