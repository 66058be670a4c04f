//! POP3 polling: UIDL against the cursor's stored set, RETR the rest; ack = DELE + QUIT.

use std::collections::BTreeSet;

use super::{Fetched, Poll};
use crate::pop3::{Limits, Pop3Session};
use crate::{EmailError, MailboxCursor, MailboxSettings, MessageKey, Pop3After, Pop3Auth};

fn limits(settings: &MailboxSettings) -> Limits {
    Limits {
        max_message: settings.max_message_size,
        ..Limits::default()
    }
}

pub(super) async fn poll(
    settings: &MailboxSettings,
    auth: Pop3Auth,
    cursor: &MailboxCursor,
) -> Result<Poll, EmailError> {
    let mut session = Pop3Session::connect(&settings.server, auth, limits(settings)).await?;
    let listing = session.list_uidls().await?;
    let known = match cursor {
        MailboxCursor::Pop3 { stored } => stored.clone(),
        _ => BTreeSet::new(),
    };
    // Prune: remember only UIDLs still on the server.
    let mut stored: BTreeSet<String> = listing
        .iter()
        .filter(|e| known.contains(&e.uidl))
        .map(|e| e.uidl.clone())
        .collect();
    let new: Vec<_> = listing
        .iter()
        .filter(|e| !known.contains(&e.uidl))
        .collect();
    let take = new.len().min(settings.max_messages_per_poll.max(1));
    let mut messages = Vec::with_capacity(take);
    for entry in &new[..take] {
        let message = match session.retrieve(entry.msg).await {
            Ok(message) => message,
            // One message the server cannot deliver must not block the others; it is not
            // remembered, so the next poll tries it again.
            Err(EmailError::Server { text, .. }) => {
                tracing::warn!(uidl = %entry.uidl, %text, "POP3 RETR refused; skipped");
                continue;
            }
            Err(e) => return Err(e),
        };
        stored.insert(entry.uidl.clone());
        messages.push(Fetched {
            key: MessageKey::Pop3 {
                uidl: entry.uidl.clone(),
            },
            raw: message.data,
            too_large: message.too_large,
            size: message.octets,
        });
    }
    // Nothing was marked, so QUIT changes nothing; a failed QUIT loses nothing either.
    let _ = session.quit().await;
    Ok(Poll {
        messages,
        cursor: MailboxCursor::Pop3 { stored },
        more: new.len() > take,
        uid_validity_changed: false,
    })
}

pub(super) async fn acknowledge(
    settings: &MailboxSettings,
    after: Pop3After,
    auth: Pop3Auth,
    keys: &[MessageKey],
) -> Result<usize, EmailError> {
    let wanted: BTreeSet<&str> = keys
        .iter()
        .filter_map(|k| match k {
            MessageKey::Pop3 { uidl } => Some(uidl.as_str()),
            MessageKey::Imap { .. } => None,
        })
        .collect();
    if after == Pop3After::Keep {
        // Kept on the server; the cursor already remembers their UIDLs.
        return Ok(wanted.len());
    }
    let mut session = Pop3Session::connect(&settings.server, auth, limits(settings)).await?;
    for entry in session.list_uidls().await? {
        if wanted.contains(entry.uidl.as_str()) {
            session.delete(entry.msg).await?;
        }
    }
    // Deletions happen only if QUIT succeeds.
    Ok(session.quit().await?.deleted.len())
}
