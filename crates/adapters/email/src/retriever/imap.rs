//! IMAP polling: UIDs above the cursor under the same UIDVALIDITY; ack = flag or move.

use super::{Fetched, Poll};
use crate::imap::ImapSession;
use crate::{EmailError, ImapAfter, MailboxCursor, MailboxSettings, MessageKey};

pub(super) async fn poll(
    settings: &MailboxSettings,
    folder: &str,
    cursor: &MailboxCursor,
) -> Result<Poll, EmailError> {
    let mut session = ImapSession::connect(&settings.server).await?;
    let selected = session.select(folder).await?;
    let uid_validity = selected.uid_validity;
    let (last_uid, uid_validity_changed) = match *cursor {
        MailboxCursor::Imap {
            uid_validity: v,
            last_uid,
        } if v == uid_validity => (last_uid, false),
        MailboxCursor::Imap { .. } => (0, true),
        _ => (0, false),
    };
    let uids = session.uids_after(last_uid).await?;
    let take = uids.len().min(settings.max_messages_per_poll.max(1));
    let batch = &uids[..take];
    let fetched = session.fetch(batch, settings.max_message_size).await?;
    // Best effort: the fetch is complete, nothing was changed on the server.
    let _ = session.logout().await;
    let new_last = batch.last().copied().unwrap_or(last_uid);
    let messages = fetched
        .into_iter()
        .map(|m| Fetched {
            key: MessageKey::Imap {
                uid_validity,
                uid: m.uid,
            },
            raw: m.raw,
            too_large: m.too_large,
            size: m.size,
        })
        .collect();
    Ok(Poll {
        messages,
        cursor: MailboxCursor::Imap {
            uid_validity,
            last_uid: new_last,
        },
        more: uids.len() > take,
        uid_validity_changed,
    })
}

pub(super) async fn acknowledge(
    settings: &MailboxSettings,
    folder: &str,
    after: &ImapAfter,
    keys: &[MessageKey],
) -> Result<usize, EmailError> {
    let mut session = ImapSession::connect(&settings.server).await?;
    let selected = session.select(folder).await?;
    let uids: Vec<u32> = keys
        .iter()
        .filter_map(|k| match *k {
            MessageKey::Imap { uid_validity, uid } if uid_validity == selected.uid_validity => {
                Some(uid)
            }
            _ => None,
        })
        .collect();
    if !uids.is_empty() {
        match after {
            ImapAfter::MarkSeen => session.mark_seen(&uids).await?,
            ImapAfter::MoveTo(target) => session.move_to(&uids, target).await?,
        }
    }
    session.logout().await?;
    Ok(uids.len())
}

/// Waits with IDLE on the folder until something changes there or `max` passes; at once
/// when messages past `cursor` are there already (they came after the last poll's session).
pub(super) async fn wait(
    settings: &MailboxSettings,
    folder: &str,
    cursor: &MailboxCursor,
    max: std::time::Duration,
) -> Result<bool, EmailError> {
    let mut session = ImapSession::connect(&settings.server).await?;
    let selected = session.select(folder).await?;
    let last_uid = match *cursor {
        MailboxCursor::Imap {
            uid_validity,
            last_uid,
        } if uid_validity == selected.uid_validity => last_uid,
        _ => 0,
    };
    if !session.uids_after(last_uid).await?.is_empty() {
        let _ = session.logout().await;
        return Ok(true);
    }
    session.idle(max).await
}
