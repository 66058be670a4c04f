//! The retrieval contract against a real Dovecot: every mode fetches byte-exact, an ack
//! removes or flags, a crash before the ack refetches, nothing is fetched twice after it.

#![allow(clippy::unwrap_used)]

mod dovecot;

use sb_email::{
    EmailError, Fetched, ImapAfter, MailboxCursor, MailboxSettings, MessageKey, Protocol,
    Retriever, Security,
};

fn raws(messages: &[Fetched]) -> Vec<Vec<u8>> {
    dovecot::sorted(messages.iter().map(|m| m.raw.clone()).collect())
}

fn keys(messages: &[Fetched]) -> Vec<MessageKey> {
    messages.iter().map(|m| m.key.clone()).collect()
}

/// Delivers the test messages, polls, checks them byte for byte, acks, polls again (empty).
async fn fetch_ack_cycle(dc: &dovecot::Dovecot, settings: MailboxSettings) -> Retriever {
    let sent = dovecot::messages();
    for raw in &sent {
        dc.deliver(raw);
    }
    let retriever = Retriever::new(settings);
    let poll = retriever.poll(&MailboxCursor::Fresh).await.unwrap();
    assert_eq!(
        raws(&poll.messages),
        dovecot::sorted(sent.clone()),
        "log: {}",
        dc.log()
    );
    assert!(poll.messages.iter().all(|m| !m.too_large));
    assert!(!poll.more);
    let acked = retriever.acknowledge(&keys(&poll.messages)).await.unwrap();
    assert_eq!(acked, sent.len());
    let again = retriever.poll(&poll.cursor).await.unwrap();
    assert!(
        again.messages.is_empty(),
        "refetched after ack: {:?}",
        keys(&again.messages)
    );
    retriever
}

/// POP3 deletes on ack: even a fresh cursor finds nothing afterwards.
async fn pop3_cycle(port: fn(&dovecot::Dovecot) -> u16, security: Security, test: &str) {
    let Some(dc) = dovecot::start(test) else {
        return;
    };
    let retriever = fetch_ack_cycle(&dc, dc.pop3(port(&dc), security)).await;
    let fresh = retriever.poll(&MailboxCursor::Fresh).await.unwrap();
    assert!(fresh.messages.is_empty(), "POP3 ack did not delete");
}

/// IMAP flags `\Seen` on ack.
async fn imap_cycle(port: fn(&dovecot::Dovecot) -> u16, security: Security, test: &str) {
    let Some(dc) = dovecot::start(test) else {
        return;
    };
    fetch_ack_cycle(&dc, dc.imap(port(&dc), security)).await;
    let flags = dc.inbox_flags();
    assert_eq!(flags.len(), 3);
    assert!(
        flags.iter().all(|f| f.contains('S')),
        "not all \\Seen: {flags:?}"
    );
}

#[tokio::test]
async fn pop3_plain_fetches_byte_exact_and_ack_deletes() {
    pop3_cycle(|d| d.pop3, Security::Plain, "pop3_plain").await;
}

#[tokio::test]
async fn pop3_stls_fetches_byte_exact_and_ack_deletes() {
    pop3_cycle(|d| d.pop3, Security::StartTls, "pop3_stls").await;
}

#[tokio::test]
async fn pop3s_fetches_byte_exact_and_ack_deletes() {
    pop3_cycle(|d| d.pop3s, Security::Tls, "pop3s").await;
}

#[tokio::test]
async fn imap_plain_fetches_byte_exact_and_ack_flags_seen() {
    imap_cycle(|d| d.imap, Security::Plain, "imap_plain").await;
}

#[tokio::test]
async fn imap_starttls_fetches_byte_exact_and_ack_flags_seen() {
    imap_cycle(|d| d.imap, Security::StartTls, "imap_starttls").await;
}

#[tokio::test]
async fn imaps_fetches_byte_exact_and_ack_flags_seen() {
    imap_cycle(|d| d.imaps, Security::Tls, "imaps").await;
}

#[tokio::test]
async fn imaps_on_a_second_non_default_port_fetches_byte_exact() {
    imap_cycle(|d| d.imaps_alt, Security::Tls, "imaps_alt_port").await;
}

#[tokio::test]
async fn imap_ack_moves_to_the_archive_folder() {
    let Some(dc) = dovecot::start("imap_move") else {
        return;
    };
    let mut settings = dc.imap(dc.imaps, Security::Tls);
    settings.protocol = Protocol::Imap {
        folder: "INBOX".into(),
        after: ImapAfter::MoveTo("Archive".into()),
    };
    fetch_ack_cycle(&dc, settings.clone()).await;
    let inbox = Retriever::new(settings.clone());
    assert!(
        inbox
            .poll(&MailboxCursor::Fresh)
            .await
            .unwrap()
            .messages
            .is_empty()
    );
    settings.protocol = Protocol::Imap {
        folder: "Archive".into(),
        after: ImapAfter::MarkSeen,
    };
    let archive = Retriever::new(settings)
        .poll(&MailboxCursor::Fresh)
        .await
        .unwrap();
    assert_eq!(
        raws(&archive.messages),
        dovecot::sorted(dovecot::messages())
    );
}

/// Poll, "crash" (no ack, cursor not persisted), poll again with the old cursor: the same
/// messages. Ack, then poll with the new cursor: nothing.
async fn crash_before_ack(dc: &dovecot::Dovecot, settings: MailboxSettings) {
    for raw in dovecot::messages() {
        dc.deliver(&raw);
    }
    let retriever = Retriever::new(settings);
    let first = retriever.poll(&MailboxCursor::Fresh).await.unwrap();
    drop(first.cursor);
    let second = retriever.poll(&MailboxCursor::Fresh).await.unwrap();
    assert_eq!(keys(&second.messages), keys(&first.messages));
    assert_eq!(raws(&second.messages), raws(&first.messages));
    assert_eq!(first.messages.len(), 3);
    retriever
        .acknowledge(&keys(&second.messages))
        .await
        .unwrap();
    let third = retriever.poll(&second.cursor).await.unwrap();
    assert!(third.messages.is_empty());
    // A new message after the ack is the only one fetched.
    dc.deliver(b"Subject: late\r\n\r\nlate\r\n");
    let fourth = retriever.poll(&second.cursor).await.unwrap();
    assert_eq!(
        raws(&fourth.messages),
        vec![b"Subject: late\r\n\r\nlate\r\n".to_vec()]
    );
}

#[tokio::test]
async fn pop3_crash_between_fetch_and_ack_refetches_and_ack_ends_it() {
    let Some(dc) = dovecot::start("pop3_crash") else {
        return;
    };
    crash_before_ack(&dc, dc.pop3(dc.pop3s, Security::Tls)).await;
}

#[tokio::test]
async fn imap_crash_between_fetch_and_ack_refetches_and_ack_ends_it() {
    let Some(dc) = dovecot::start("imap_crash") else {
        return;
    };
    crash_before_ack(&dc, dc.imap(dc.imaps, Security::Tls)).await;
}

#[tokio::test]
async fn pop3_keep_mode_tracks_uidls_and_leaves_messages() {
    let Some(dc) = dovecot::start("pop3_keep") else {
        return;
    };
    let mut settings = dc.pop3(dc.pop3, Security::Plain);
    settings.protocol = Protocol::Pop3 {
        after: sb_email::Pop3After::Keep,
        auth: sb_email::Pop3Auth::UserPass,
    };
    let retriever = fetch_ack_cycle(&dc, settings).await;
    let fresh = retriever.poll(&MailboxCursor::Fresh).await.unwrap();
    assert_eq!(fresh.messages.len(), 3, "keep mode must leave the messages");
}

#[tokio::test]
async fn batches_stop_at_max_messages_per_poll_and_continue() {
    let Some(dc) = dovecot::start("batches") else {
        return;
    };
    for (settings, name) in [
        (dc.imap(dc.imap, Security::Plain), "imap"),
        (dc.pop3(dc.pop3, Security::Plain), "pop3"),
    ] {
        let mut settings = settings;
        settings.max_messages_per_poll = 2;
        if name == "imap" {
            for raw in dovecot::messages() {
                dc.deliver(&raw);
            }
        }
        let retriever = Retriever::new(settings);
        let first = retriever.poll(&MailboxCursor::Fresh).await.unwrap();
        assert_eq!((first.messages.len(), first.more), (2, true), "{name}");
        let second = retriever.poll(&first.cursor).await.unwrap();
        assert_eq!((second.messages.len(), second.more), (1, false), "{name}");
        let all = [first.messages, second.messages].concat();
        assert_eq!(raws(&all), dovecot::sorted(dovecot::messages()), "{name}");
    }
}

async fn assert_auth_error(settings: MailboxSettings) {
    let mut settings = settings;
    settings.server.password = "wrong".into();
    let err = Retriever::new(settings)
        .poll(&MailboxCursor::Fresh)
        .await
        .unwrap_err();
    assert!(matches!(err, EmailError::Auth { .. }), "{err:?}");
    assert!(!err.retryable());
}

// One Dovecot per case: Dovecot's auth penalty delays repeated failures from one IP.
#[tokio::test]
async fn pop3_wrong_password_is_an_auth_error_without_retry() {
    let Some(dc) = dovecot::start("pop3_auth") else {
        return;
    };
    assert_auth_error(dc.pop3(dc.pop3, Security::Plain)).await;
}

#[tokio::test]
async fn pop3s_wrong_password_is_an_auth_error_without_retry() {
    let Some(dc) = dovecot::start("pop3s_auth") else {
        return;
    };
    assert_auth_error(dc.pop3(dc.pop3s, Security::Tls)).await;
}

#[tokio::test]
async fn imap_starttls_wrong_password_is_an_auth_error_without_retry() {
    let Some(dc) = dovecot::start("imap_auth") else {
        return;
    };
    assert_auth_error(dc.imap(dc.imap, Security::StartTls)).await;
}

#[tokio::test]
async fn imaps_wrong_password_is_an_auth_error_without_retry() {
    let Some(dc) = dovecot::start("imaps_auth") else {
        return;
    };
    assert_auth_error(dc.imap(dc.imaps, Security::Tls)).await;
}

async fn oversized(dc: &dovecot::Dovecot, settings: MailboxSettings, big: &[u8]) {
    let mut settings = settings;
    settings.max_message_size = 8000;
    let retriever = Retriever::new(settings);
    let poll = retriever.poll(&MailboxCursor::Fresh).await.unwrap();
    assert_eq!(poll.messages.len(), 3, "log: {}", dc.log());
    let (large, small): (Vec<_>, Vec<_>) = poll.messages.iter().partition(|m| m.too_large);
    assert_eq!(large.len(), 1);
    assert_eq!(large[0].raw, big[..8000]);
    assert_eq!(large[0].size, big.len() as u64);
    let small: Vec<Vec<u8>> = small.iter().map(|m| m.raw.clone()).collect();
    assert_eq!(
        dovecot::sorted(small),
        dovecot::sorted(dovecot::messages()[..2].to_vec())
    );
    retriever.acknowledge(&keys(&poll.messages)).await.unwrap();
    assert!(
        retriever
            .poll(&poll.cursor)
            .await
            .unwrap()
            .messages
            .is_empty()
    );
}

#[tokio::test]
async fn oversized_message_is_flagged_too_large_and_does_not_block_the_others() {
    let Some(dc) = dovecot::start("oversized") else {
        return;
    };
    let mut big = b"Subject: big\r\n\r\n".to_vec();
    for _ in 0..400 {
        big.extend_from_slice(b"0123456789 0123456789 0123456789 0123456789 0123456789\r\n");
    }
    for settings in [
        dc.pop3(dc.pop3, Security::Plain),
        dc.imap(dc.imap, Security::Plain),
    ] {
        let small = dovecot::messages();
        dc.deliver(&small[0]);
        dc.deliver(&big);
        dc.deliver(&small[1]);
        oversized(&dc, settings.clone(), &big).await;
        // Clean INBOX for the next protocol: POP3 deleted them; IMAP flagged them.
        if matches!(settings.protocol, Protocol::Imap { .. }) {
            break;
        }
    }
}

#[tokio::test]
async fn tls_to_a_server_with_an_unknown_ca_fails_with_a_certificate_error() {
    let Some(dc) = dovecot::start("unknown_ca") else {
        return;
    };
    let (other_ca, _, _) = dovecot::certificates();
    for (mut settings, security) in [
        (dc.pop3(dc.pop3s, Security::Tls), "pop3s"),
        (dc.pop3(dc.pop3, Security::StartTls), "pop3 stls"),
        (dc.imap(dc.imaps, Security::Tls), "imaps"),
        (dc.imap(dc.imap, Security::StartTls), "imap starttls"),
    ] {
        settings.server.tls.ca_pem = Some(other_ca.clone());
        let retriever = Retriever::new(settings.clone());
        let err = retriever.poll(&MailboxCursor::Fresh).await.unwrap_err();
        assert!(
            matches!(
                err,
                EmailError::Tls {
                    certificate: true,
                    ..
                }
            ),
            "{security}: {err:?}"
        );
        assert!(!err.retryable());
        // The explicit lab setting accepts it.
        settings.server.tls.accept_invalid_certificates = true;
        assert!(
            Retriever::new(settings)
                .poll(&MailboxCursor::Fresh)
                .await
                .is_ok(),
            "{security}"
        );
    }
}

#[tokio::test]
async fn connection_refused_is_a_retryable_connect_error() {
    let Some(dc) = dovecot::start("refused") else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = Retriever::new(dc.imap(port, Security::Plain))
        .poll(&MailboxCursor::Fresh)
        .await
        .unwrap_err();
    assert!(matches!(err, EmailError::Connect { .. }), "{err:?}");
    assert!(err.retryable());
}

/// IMAP IDLE: a wait ends when mail arrives, not at its limit; it ends at once when mail came
/// after the last poll; it times out when nothing comes; POP3 cannot IDLE.
#[tokio::test]
async fn imap_idle_wakes_on_new_mail_and_only_then() {
    let Some(dc) = dovecot::start("imap idle") else {
        return;
    };
    let mut settings = dc.imap(dc.imaps, Security::Tls);
    settings.idle = true;
    let retriever = Retriever::new(settings);
    let empty = retriever.poll(&MailboxCursor::Fresh).await.unwrap();
    let cursor = empty.cursor;

    let started = std::time::Instant::now();
    let quiet = retriever
        .wait_for_mail(&cursor, std::time::Duration::from_secs(2))
        .await
        .unwrap();
    assert!(!quiet, "no mail, so the wait ran out");
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));

    let long = std::time::Duration::from_secs(120);
    let waiting = tokio::spawn({
        let retriever = retriever.clone();
        let cursor = cursor.clone();
        async move { retriever.wait_for_mail(&cursor, long).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let started = std::time::Instant::now();
    dc.deliver(&dovecot::messages()[0]);
    let woke = waiting.await.unwrap().unwrap();
    assert!(woke, "the wait ended because mail came");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "it ended soon after the mail, not at the limit"
    );

    // Mail that arrived after the poll is seen before idling: no wait at all.
    let started = std::time::Instant::now();
    assert!(retriever.wait_for_mail(&cursor, long).await.unwrap());
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let poll = retriever.poll(&cursor).await.unwrap();
    assert_eq!(poll.messages.len(), 1);

    let pop3 = Retriever::new(dc.pop3(dc.pop3s, Security::Tls));
    assert!(!pop3.idles());
    let refused = pop3.wait_for_mail(&MailboxCursor::Fresh, long).await;
    assert!(matches!(refused, Err(EmailError::Unsupported { .. })));
}
