//! The IMAP session: async-imap over [`MailStream`], every server wait bounded.

use std::collections::HashMap;
use std::time::Duration;

use async_imap::error::Error as ImapError;
use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{Response, Status};
use futures::{Stream, TryStreamExt};

use super::uid_set;
use crate::stream::{MailStream, within};
use crate::{EmailError, Security, ServerSettings};

/// UIDs per command, so command lines stay short even for sparse sets.
const CHUNK: usize = 250;

/// A logged-in IMAP session.
#[derive(Debug)]
pub struct ImapSession {
    session: async_imap::Session<MailStream>,
    timeout: Duration,
    has_move: bool,
    has_uidplus: bool,
    has_idle: bool,
}

/// The selected folder's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectedFolder {
    /// UIDVALIDITY: UIDs are only comparable while it stays the same.
    pub uid_validity: u32,
    /// Messages in the folder.
    pub exists: u32,
}

/// One message fetched by UID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedUid {
    /// Its UID.
    pub uid: u32,
    /// The raw message, or its first bytes when `too_large`.
    pub raw: Vec<u8>,
    /// Larger than the limit; `raw` is truncated.
    pub too_large: bool,
    /// RFC822.SIZE as the server reported it.
    pub size: u64,
}

impl ImapSession {
    /// Connects (plain, STARTTLS or IMAPS), checks the greeting and logs in with `LOGIN`.
    pub async fn connect(server: &ServerSettings) -> Result<Self, EmailError> {
        let mut stream = MailStream::connect(server).await?;
        if server.security == Security::Tls {
            stream = stream.upgrade(server).await?;
        }
        let mut client = async_imap::Client::new(stream);
        greeting(&mut client, server.timeout).await?;
        if server.security == Security::StartTls {
            let starttls = client.run_command_and_check_ok("STARTTLS", None);
            if within(server.timeout, "STARTTLS", starttls).await?.is_err() {
                return Err(EmailError::Unsupported {
                    what: "IMAP STARTTLS",
                });
            }
            let stream = client.into_inner().upgrade(server).await?;
            client = async_imap::Client::new(stream);
        }
        let login = client.login(&server.username, &server.password);
        let mut session = match within(server.timeout, "logging in", login).await? {
            Ok(session) => session,
            Err((ImapError::No(detail) | ImapError::Bad(detail), _)) => {
                return Err(EmailError::Auth { detail });
            }
            Err((e, _)) => return Err(imap_error("LOGIN", e)),
        };
        let caps = within(server.timeout, "CAPABILITY", session.capabilities()).await?;
        let caps = caps.map_err(|e| imap_error("CAPABILITY", e))?;
        Ok(Self {
            has_move: caps.has_str("MOVE"),
            has_uidplus: caps.has_str("UIDPLUS"),
            has_idle: caps.has_str("IDLE"),
            session,
            timeout: server.timeout,
        })
    }

    /// Whether the server offers `MOVE` (RFC 6851).
    pub fn has_move(&self) -> bool {
        self.has_move
    }

    /// `SELECT folder`; fails when the server gives no UIDVALIDITY.
    pub async fn select(&mut self, folder: &str) -> Result<SelectedFolder, EmailError> {
        let select = self.session.select(folder);
        let mailbox = within(self.timeout, "SELECT", select)
            .await?
            .map_err(|e| imap_error("SELECT", e))?;
        let uid_validity = mailbox.uid_validity.ok_or(EmailError::Unsupported {
            what: "IMAP UIDVALIDITY",
        })?;
        Ok(SelectedFolder {
            uid_validity,
            exists: mailbox.exists,
        })
    }

    /// UIDs above `last_uid` in the selected folder, ascending.
    pub async fn uids_after(&mut self, last_uid: u32) -> Result<Vec<u32>, EmailError> {
        let Some(first) = last_uid.checked_add(1) else {
            return Ok(Vec::new());
        };
        let search = self.session.uid_search(format!("UID {first}:*"));
        let found = within(self.timeout, "UID SEARCH", search)
            .await?
            .map_err(|e| imap_error("UID SEARCH", e))?;
        // "n:*" always matches the highest UID, even below n (RFC 3501 § 6.4.8).
        let mut uids: Vec<u32> = found.into_iter().filter(|&u| u > last_uid).collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// Fetches the messages without setting `\Seen`; a message over `max_size` comes back as
    /// its first `max_size` bytes with `too_large`. Ascending UID order; a UID expunged
    /// meanwhile is simply missing.
    pub async fn fetch(
        &mut self,
        uids: &[u32],
        max_size: usize,
    ) -> Result<Vec<FetchedUid>, EmailError> {
        let sizes = self.sizes(uids).await?;
        let limit = u64::try_from(max_size).unwrap_or(u64::MAX);
        let (big, small): (Vec<u32>, Vec<u32>) = sizes
            .iter()
            .map(|(&uid, _)| uid)
            .partition(|uid| sizes.get(uid).is_some_and(|&s| s > limit));
        let mut out = Vec::with_capacity(sizes.len());
        self.fetch_bodies(&small, "BODY.PEEK[]", &mut out).await?;
        let partial = format!("BODY.PEEK[]<0.{max_size}>");
        self.fetch_bodies(&big, &partial, &mut out).await?;
        for message in &mut out {
            message.size = sizes.get(&message.uid).copied().unwrap_or(0);
            message.too_large = message.size > limit || message.raw.len() > max_size;
            message.raw.truncate(max_size);
        }
        out.sort_unstable_by_key(|m| m.uid);
        Ok(out)
    }

    async fn sizes(&mut self, uids: &[u32]) -> Result<HashMap<u32, u64>, EmailError> {
        let mut sizes = HashMap::with_capacity(uids.len());
        for chunk in uids.chunks(CHUNK) {
            let fetch = self.session.uid_fetch(uid_set(chunk), "(UID RFC822.SIZE)");
            let stream = within(self.timeout, "UID FETCH", fetch)
                .await?
                .map_err(|e| imap_error("UID FETCH", e))?;
            for item in drain(stream, self.timeout).await? {
                if let (Some(uid), Some(size)) = (item.uid, item.size)
                    && chunk.contains(&uid)
                {
                    sizes.insert(uid, u64::from(size));
                }
            }
        }
        Ok(sizes)
    }

    async fn fetch_bodies(
        &mut self,
        uids: &[u32],
        item: &str,
        out: &mut Vec<FetchedUid>,
    ) -> Result<(), EmailError> {
        for chunk in uids.chunks(CHUNK) {
            let query = format!("(UID {item})");
            let fetch = self.session.uid_fetch(uid_set(chunk), query);
            let stream = within(self.timeout, "UID FETCH", fetch)
                .await?
                .map_err(|e| imap_error("UID FETCH", e))?;
            for item in drain(stream, self.timeout).await? {
                let Some(uid) = item.uid.filter(|u| chunk.contains(u)) else {
                    continue;
                };
                if let Some(raw) = item.body() {
                    let raw = raw.to_vec();
                    out.push(FetchedUid {
                        uid,
                        raw,
                        too_large: false,
                        size: 0,
                    });
                }
            }
        }
        Ok(())
    }

    /// `UID STORE +FLAGS.SILENT (\Seen)`.
    pub async fn mark_seen(&mut self, uids: &[u32]) -> Result<(), EmailError> {
        self.store_flag(uids, "\\Seen").await
    }

    /// `UID MOVE` to `folder`, or [`Self::copy_then_delete`] when the server has no MOVE.
    pub async fn move_to(&mut self, uids: &[u32], folder: &str) -> Result<(), EmailError> {
        if !self.has_move {
            return self.copy_then_delete(uids, folder).await;
        }
        for chunk in uids.chunks(CHUNK) {
            let mv = self.session.uid_mv(uid_set(chunk), folder);
            within(self.timeout, "UID MOVE", mv)
                .await?
                .map_err(|e| imap_error("UID MOVE", e))?;
        }
        Ok(())
    }

    /// The MOVE fallback: `UID COPY`, `UID STORE +FLAGS (\Deleted)`, then `UID EXPUNGE` of just
    /// these UIDs when the server has UIDPLUS. Without UIDPLUS the originals stay flagged
    /// `\Deleted` (a plain EXPUNGE could remove messages someone else flagged); the cursor has
    /// moved past them, so they are not fetched again.
    pub async fn copy_then_delete(&mut self, uids: &[u32], folder: &str) -> Result<(), EmailError> {
        for chunk in uids.chunks(CHUNK) {
            let copy = self.session.uid_copy(uid_set(chunk), folder);
            within(self.timeout, "UID COPY", copy)
                .await?
                .map_err(|e| imap_error("UID COPY", e))?;
        }
        self.store_flag(uids, "\\Deleted").await?;
        if !self.has_uidplus {
            return Ok(());
        }
        for chunk in uids.chunks(CHUNK) {
            let expunge = self.session.uid_expunge(uid_set(chunk));
            let stream = within(self.timeout, "UID EXPUNGE", expunge)
                .await?
                .map_err(|e| imap_error("UID EXPUNGE", e))?;
            drain(stream, self.timeout).await?;
        }
        Ok(())
    }

    async fn store_flag(&mut self, uids: &[u32], flag: &str) -> Result<(), EmailError> {
        for chunk in uids.chunks(CHUNK) {
            let query = format!("+FLAGS.SILENT ({flag})");
            let store = self.session.uid_store(uid_set(chunk), query);
            let stream = within(self.timeout, "UID STORE", store)
                .await?
                .map_err(|e| imap_error("UID STORE", e))?;
            drain(stream, self.timeout).await?;
        }
        Ok(())
    }

    /// `LOGOUT`.
    /// Waits in `IDLE` (RFC 2177) on the selected folder until the server reports a change
    /// (`true`) or `max` passes (`false`), then ends it with `DONE` and logs out. Servers drop
    /// idle clients after 30 minutes at the earliest, so callers keep `max` below that.
    pub async fn idle(self, max: Duration) -> Result<bool, EmailError> {
        if !self.has_idle {
            return Err(EmailError::Unsupported { what: "IMAP IDLE" });
        }
        let timeout = self.timeout;
        let mut handle = self.session.idle();
        within(timeout, "IDLE", handle.init())
            .await?
            .map_err(|e| imap_error("IDLE", e))?;
        let (wait, _stop) = handle.wait_with_timeout(max);
        let changed = match wait.await.map_err(|e| imap_error("IDLE", e))? {
            IdleResponse::NewData(_) => true,
            IdleResponse::Timeout | IdleResponse::ManualInterrupt => false,
        };
        let session = within(timeout, "DONE", handle.done())
            .await?
            .map_err(|e| imap_error("DONE", e))?;
        let mut session = session;
        // Best effort: the answer is in; a server that hangs up first changes nothing.
        let _ = within(timeout, "LOGOUT", session.logout()).await;
        Ok(changed)
    }

    pub async fn logout(mut self) -> Result<(), EmailError> {
        let logout = self.session.logout();
        within(self.timeout, "LOGOUT", logout)
            .await?
            .map_err(|e| imap_error("LOGOUT", e))
    }
}

async fn greeting(
    client: &mut async_imap::Client<MailStream>,
    timeout: Duration,
) -> Result<(), EmailError> {
    let response = within(timeout, "the greeting", client.read_response())
        .await??
        .ok_or(EmailError::ConnectionLost)?;
    match response.parsed() {
        Response::Data {
            status: Status::Ok, ..
        } => Ok(()),
        Response::Data {
            status: Status::PreAuth,
            ..
        } => Err(EmailError::protocol("PREAUTH greetings are not supported")),
        Response::Data { outcome, .. } => Err(EmailError::Server {
            command: "greeting",
            text: outcome
                .information
                .as_deref()
                .unwrap_or_default()
                .to_owned(),
        }),
        _ => Err(EmailError::protocol("expected an IMAP greeting")),
    }
}

async fn drain<S, T>(stream: S, timeout: Duration) -> Result<Vec<T>, EmailError>
where
    S: Stream<Item = async_imap::error::Result<T>>,
{
    let mut stream = std::pin::pin!(stream);
    let mut items = Vec::new();
    while let Some(item) = within(timeout, "a response", stream.try_next())
        .await?
        .map_err(|e| imap_error("a command", e))?
    {
        items.push(item);
    }
    Ok(items)
}

fn imap_error(command: &'static str, e: ImapError) -> EmailError {
    match e {
        ImapError::Io(io) => EmailError::Io(io),
        ImapError::ConnectionLost => EmailError::ConnectionLost,
        ImapError::No(text) | ImapError::Bad(text) => EmailError::Server { command, text },
        ImapError::Validate(v) => EmailError::invalid(v.to_string()),
        other => EmailError::protocol(format!("{command}: {other}")),
    }
}
