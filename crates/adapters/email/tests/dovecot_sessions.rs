//! The POP3 and IMAP sessions against a real Dovecot: DELE commits only at QUIT, STLS
//! renews capabilities, APOP, and the IMAP MOVE fallback.

#![allow(clippy::unwrap_used)]

mod dovecot;

use sb_email::imap::ImapSession;
use sb_email::pop3::{Limits, Pop3Session};
use sb_email::{MailboxCursor, Pop3Auth, Retriever, Security};

fn deliver_all(dc: &dovecot::Dovecot) {
    for raw in dovecot::messages() {
        dc.deliver(&raw);
    }
}

#[tokio::test]
async fn pop3_dele_takes_effect_only_at_quit() {
    let Some(dc) = dovecot::start("pop3_dele") else {
        return;
    };
    deliver_all(&dc);
    let server = dc.server(dc.pop3, Security::Plain);
    let connect = || Pop3Session::connect(&server, Pop3Auth::UserPass, Limits::default());
    let mut session = connect().await.unwrap();
    assert_eq!(session.stat().await.unwrap().0, 3);
    session.delete(1).await.unwrap();
    drop(session); // no QUIT: a crash or lost connection deletes nothing
    let mut session = connect().await.unwrap();
    assert_eq!(session.stat().await.unwrap().0, 3);
    let message = session.retrieve(2).await.unwrap();
    assert!(dovecot::messages().contains(&message.data));
    session.delete(2).await.unwrap();
    session.noop().await.unwrap();
    assert_eq!(session.quit().await.unwrap().deleted, vec![2]);
    let mut session = connect().await.unwrap();
    assert_eq!(session.stat().await.unwrap().0, 2);
    assert_eq!(session.list_sizes().await.unwrap().len(), 2);
}

#[tokio::test]
async fn pop3_stls_renews_the_capabilities() {
    let Some(dc) = dovecot::start("pop3_capa") else {
        return;
    };
    let plain = dc.server(dc.pop3, Security::Plain);
    let session = Pop3Session::connect(&plain, Pop3Auth::UserPass, Limits::default()).await;
    let caps = session.unwrap().capabilities().to_vec();
    assert!(caps.iter().any(|c| c == "STLS"), "{caps:?}");
    assert!(caps.iter().any(|c| c == "UIDL"), "{caps:?}");
    let tls = dc.server(dc.pop3, Security::StartTls);
    let session = Pop3Session::connect(&tls, Pop3Auth::UserPass, Limits::default()).await;
    let caps = session.unwrap().capabilities().to_vec();
    assert!(!caps.iter().any(|c| c == "STLS"), "after STLS: {caps:?}");
    assert!(caps.iter().any(|c| c == "UIDL"), "{caps:?}");
}

#[tokio::test]
async fn pop3_apop_logs_in() {
    let Some(dc) = dovecot::start("pop3_apop") else {
        return;
    };
    deliver_all(&dc);
    let server = dc.server(dc.pop3, Security::Plain);
    let session = Pop3Session::connect(&server, Pop3Auth::Apop, Limits::default()).await;
    let mut session = session.unwrap_or_else(|e| panic!("{e}; log: {}", dc.log()));
    assert_eq!(session.list_uidls().await.unwrap().len(), 3);
}

#[tokio::test]
async fn imap_copy_then_delete_fallback_moves_the_messages() {
    let Some(dc) = dovecot::start("imap_fallback") else {
        return;
    };
    deliver_all(&dc);
    let server = dc.server(dc.imap, Security::StartTls);
    let mut session = ImapSession::connect(&server).await.unwrap();
    assert!(session.has_move());
    let folder = session.select("INBOX").await.unwrap();
    assert_eq!(folder.exists, 3);
    let uids = session.uids_after(0).await.unwrap();
    assert_eq!(uids.len(), 3);
    session
        .copy_then_delete(&uids[..2], "Archive")
        .await
        .unwrap();
    assert_eq!(session.uids_after(0).await.unwrap(), uids[2..]);
    session.select("Archive").await.unwrap();
    assert_eq!(session.uids_after(0).await.unwrap().len(), 2);
    session.logout().await.unwrap();
}

#[tokio::test]
async fn imap_fetch_uses_peek_and_sets_no_flag() {
    let Some(dc) = dovecot::start("imap_peek") else {
        return;
    };
    deliver_all(&dc);
    let retriever = Retriever::new(dc.imap(dc.imaps, Security::Tls));
    let poll = retriever.poll(&MailboxCursor::Fresh).await.unwrap();
    assert_eq!(poll.messages.len(), 3);
    let flags = dc.inbox_flags();
    assert!(
        flags.iter().all(|f| !f.contains('S')),
        "fetch set \\Seen: {flags:?}"
    );
}

#[tokio::test]
async fn imap_uidvalidity_change_refetches_everything_and_says_so() {
    let Some(dc) = dovecot::start("imap_uidvalidity") else {
        return;
    };
    deliver_all(&dc);
    let retriever = Retriever::new(dc.imap(dc.imap, Security::Plain));
    let poll = retriever.poll(&MailboxCursor::Fresh).await.unwrap();
    let MailboxCursor::Imap {
        uid_validity,
        last_uid,
    } = poll.cursor
    else {
        panic!("not an IMAP cursor: {:?}", poll.cursor);
    };
    let stale = MailboxCursor::Imap {
        uid_validity: uid_validity.wrapping_add(1),
        last_uid,
    };
    let again = retriever.poll(&stale).await.unwrap();
    assert!(again.uid_validity_changed);
    assert_eq!(again.messages.len(), 3);
    assert!(!poll.uid_validity_changed);
}
