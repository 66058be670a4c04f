//! The retrieval API the engine uses: poll, store, acknowledge.

mod imap;
mod pop3;

use std::time::Duration;

use crate::{EmailError, MailboxCursor, MailboxSettings, MessageKey, Protocol};

/// The longest single IDLE (RFC 2177 § 3: servers may log out clients idle for 30 minutes).
const MAX_IDLE: Duration = Duration::from_secs(25 * 60);

/// One retrieved message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Its identity on the server; store it with the message, unique per channel.
    pub key: MessageKey,
    /// The raw RFC 5322 message, byte for byte as the server sent it (POP3: dot-unstuffed).
    /// Only the first `max_message_size` bytes when `too_large`.
    pub raw: Vec<u8>,
    /// The message exceeded `max_message_size`: store what is here and flag it; it is
    /// acknowledged like any other so it never blocks the mailbox.
    pub too_large: bool,
    /// The message's full size as the server reported or sent it.
    pub size: u64,
}

/// The result of one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poll {
    /// New messages, oldest first.
    pub messages: Vec<Fetched>,
    /// The cursor to persist in the same transaction as `messages`.
    pub cursor: MailboxCursor,
    /// More messages wait beyond `max_messages_per_poll`: poll again now.
    pub more: bool,
    /// IMAP UIDVALIDITY changed (folder recreated or restored): `messages` holds every
    /// message still in the folder, including ones stored before under the old UIDs. Drop
    /// those by their `Message-ID` before storing.
    pub uid_validity_changed: bool,
}

/// Polls one mailbox and acknowledges what the caller stored. Holds no connection: each call
/// opens its own session, so a crash anywhere leaves the server as the last committed
/// acknowledgement left it.
///
/// The contract that makes retrieval lose nothing and duplicate nothing:
/// 1. `poll(cursor)` hands out messages; nothing changes on the server (IMAP fetches with
///    `BODY.PEEK[]`, POP3 deletes nothing).
/// 2. The caller stores and syncs the messages with their keys, and the returned cursor, in
///    one transaction. If it crashes before that commit, the next poll with the old cursor
///    returns the same messages again: nothing lost.
/// 3. The caller calls `acknowledge(keys)` (flag `\Seen`, move, or POP3 `DELE` + `QUIT`) and
///    then forgets the keys. If it crashes before, it acknowledges the stored-but-unacked keys
///    after restart; acknowledging twice is harmless. The persisted cursor already excludes
///    those messages, and the unique key column catches any replay: nothing duplicated.
#[derive(Debug, Clone)]
pub struct Retriever {
    settings: MailboxSettings,
}

impl Retriever {
    /// A retriever for one channel's mailbox.
    pub fn new(settings: MailboxSettings) -> Self {
        Self { settings }
    }

    /// The settings in use.
    pub fn settings(&self) -> &MailboxSettings {
        &self.settings
    }

    /// Fetches up to `max_messages_per_poll` messages not yet handed out according to
    /// `cursor`, without changing anything on the server.
    pub async fn poll(&self, cursor: &MailboxCursor) -> Result<Poll, EmailError> {
        match &self.settings.protocol {
            Protocol::Pop3 { auth, .. } => pop3::poll(&self.settings, *auth, cursor).await,
            Protocol::Imap { folder, .. } => imap::poll(&self.settings, folder, cursor).await,
        }
    }

    /// Whether [`Self::wait_for_mail`] can be used: an IMAP mailbox with `idle` set.
    pub fn idles(&self) -> bool {
        self.settings.idle && matches!(self.settings.protocol, Protocol::Imap { .. })
    }

    /// IMAP with `idle`: waits (IDLE, RFC 2177) until the folder changes (`true`: poll now)
    /// or `max` passes (`false`); `true` at once when messages past `cursor` (the stored one)
    /// are there already. At most 25 minutes are waited in one IDLE, below the 30 minutes
    /// after which servers may drop an idle client. `Unsupported` for POP3, without `idle`, or
    /// when the server has no IDLE.
    pub async fn wait_for_mail(
        &self,
        cursor: &MailboxCursor,
        max: Duration,
    ) -> Result<bool, EmailError> {
        match &self.settings.protocol {
            Protocol::Imap { folder, .. } if self.settings.idle => {
                imap::wait(&self.settings, folder, cursor, max.min(MAX_IDLE)).await
            }
            _ => Err(EmailError::Unsupported { what: "IDLE" }),
        }
    }

    /// Acknowledges stored messages as the channel says (IMAP flag or move; POP3 delete, or
    /// nothing to do in POP3 keep mode). Keys of the other protocol, or of an old UIDVALIDITY, and
    /// messages already gone are skipped. Returns how many messages were acknowledged.
    pub async fn acknowledge(&self, keys: &[MessageKey]) -> Result<usize, EmailError> {
        if keys.is_empty() {
            return Ok(0);
        }
        match &self.settings.protocol {
            Protocol::Pop3 { after, auth } => {
                pop3::acknowledge(&self.settings, *after, *auth, keys).await
            }
            Protocol::Imap { folder, after } => {
                imap::acknowledge(&self.settings, folder, after, keys).await
            }
        }
    }
}
