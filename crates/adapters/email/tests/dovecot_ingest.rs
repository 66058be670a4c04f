//! Ingest throughput from a real Dovecot (run on demand; prints messages per second):
//! `cargo test -p sb-email --release --test dovecot_ingest -- --ignored --nocapture`.
//! `SB_EMAIL_INGEST=n` sets the message count (default 2000).

#![allow(clippy::unwrap_used)]

mod dovecot;

use std::time::Instant;

use sb_email::{MailboxCursor, MailboxSettings, Retriever, Security};

async fn ingest(settings: MailboxSettings, expected: usize) -> f64 {
    let mut settings = settings;
    settings.max_messages_per_poll = 500;
    let retriever = Retriever::new(settings);
    let started = Instant::now();
    let mut cursor = MailboxCursor::Fresh;
    let mut count = 0;
    loop {
        let poll = retriever.poll(&cursor).await.unwrap();
        count += poll.messages.len();
        cursor = poll.cursor;
        if !poll.more {
            break;
        }
    }
    assert_eq!(count, expected);
    count as f64 / started.elapsed().as_secs_f64()
}

#[tokio::test]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn ingest_messages_per_second_over_imap_and_pop3() {
    let Some(dc) = dovecot::start("ingest") else {
        return;
    };
    let n: usize = std::env::var("SB_EMAIL_INGEST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let template = &dovecot::messages()[1];
    for i in 0..n {
        let mut raw = format!("X-Seq: {i}\r\n").into_bytes();
        raw.extend_from_slice(template);
        dc.deliver(&raw);
    }
    let size = template.len() + 12;
    let imap = ingest(dc.imap(dc.imaps, Security::Tls), n).await;
    let pop3 = ingest(dc.pop3(dc.pop3s, Security::Tls), n).await;
    println!("ingest of {n} messages of ~{size} B over TLS: IMAPS {imap:.0}/s, POP3S {pop3:.0}/s");
}
