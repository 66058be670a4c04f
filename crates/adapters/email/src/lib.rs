//! Email retrieval for Switchboard's email channel: a tenant's own mailbox over POP3 (110),
//! POP3S (995), IMAP (143) or IMAPS (993), STARTTLS/STLS on the plain ports, any port.
//!
//! # Contents
//! - [`Retriever`] — the API the engine uses: [`Retriever::poll`] with a persisted
//!   [`MailboxCursor`] → [`Poll`] of [`Fetched`] messages keyed by [`MessageKey`]; then
//!   [`Retriever::acknowledge`] once they are stored.
//! - [`MailboxSettings`], [`ServerSettings`], [`Protocol`], [`Security`], [`TlsSettings`],
//!   [`Pop3After`], [`Pop3Auth`], [`ImapAfter`] — what a channel configures.
//! - [`pop3`] — our own POP3 client (RFC 1939, CAPA RFC 2449, STLS RFC 2595): the sans-IO
//!   [`pop3::Pop3`] core and the tokio [`pop3::Pop3Session`] driver.
//! - [`imap`] — [`imap::ImapSession`] over async-imap.
//! - [`MailStream`] — TCP, plain or TLS (rustls, aws-lc-rs, the outbound suites of
//!   DESIGN.md § 7; the channel's CA PEM, else the system trust store).
//! - [`EmailError`] — the one error type; [`EmailError::retryable`] drives backoff.
//!
//! # Design note
//! Nothing is lost and nothing is duplicated because the server is only changed after the
//! caller has stored a message: a poll never changes server state (IMAP `BODY.PEEK[]`, no
//! POP3 `DELE`), the caller commits messages, keys and the new cursor together, and only then
//! acknowledges (`\Seen`, `MOVE`, or `DELE` committed by `QUIT`). The cursor says what has been
//! handed out: for IMAP the UIDVALIDITY and highest UID; for POP3 the UIDLs still on the
//! server. When UIDVALIDITY changes, UIDs mean nothing any more: the next poll returns every
//! message in the folder with `uid_validity_changed` set, and the caller drops the ones it
//! already has by `Message-ID`.
//!
//! Server input never panics and never grows memory without bound in our code: POP3 lines and
//! listings are capped and a message over the limit is kept as its beginning, flagged
//! `too_large`, and read to its end so the session continues. (async-imap itself caps a
//! response at 512 MiB; we fetch a message over the limit as a partial `BODY.PEEK[]<0.n>`.)
//! IMAP IDLE is not implemented: the engine polls on the channel's interval.

#![forbid(unsafe_code)]

mod cursor;
mod error;
pub mod imap;
pub mod pop3;
mod retriever;
mod settings;
mod stream;
mod tls;

pub use cursor::{BadMessageKey, MailboxCursor, MessageKey};
pub use error::EmailError;
pub use retriever::{Fetched, Poll, Retriever};
pub use settings::{
    ImapAfter, MailboxSettings, Pop3After, Pop3Auth, Protocol, Security, ServerSettings,
    TlsSettings,
};
pub use stream::MailStream;
