//! Email for Switchboard's email channel: retrieval from a tenant's own mailbox over POP3
//! (110), POP3S (995), IMAP (143) or IMAPS (993), STARTTLS/STLS on the plain ports, any port;
//! replies sent over SMTP (plain, STARTTLS or implicit TLS); the channel's JSON settings with
//! passwords sealed at rest.
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
//! - [`SmtpSender`] with [`SmtpSettings`] — sends an already built message as is, with the
//!   envelope given: lettre's SMTP client (AUTH PLAIN/LOGIN) on our own TCP/TLS streams.
//! - [`EmailChannelSettings`] (with [`SmtpChannelSettings`]) — what an admin writes for a
//!   channel; [`EmailChannelSettings::from_json`] reports every [`SettingsProblem`] at once,
//!   then gives [`MailboxSettings`] and [`SmtpSettings`]; [`EmailChannelSettings::redacted`]
//!   for API output.
//! - [`SecretKey`] — seals passwords at rest (`enc:v1:`, AES-256-GCM) and opens them.
//! - [`MailStream`] — TCP, plain or TLS (rustls, aws-lc-rs, the outbound suites of
//!   DESIGN.md § 7; the channel's CA PEM, else the system trust store), for all three
//!   protocols.
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
//!
//! Sending uses lettre for the SMTP dialogue but never its TLS: lettre 0.11 cannot take our
//! rustls configuration, so we run every handshake ourselves (for STARTTLS, between lettre's
//! plain `STARTTLS` and a fresh lettre connection over TLS; see [`SmtpSender`]), and one TLS
//! policy covers POP3, IMAP and SMTP. STARTTLS never falls back to plain. One connection per
//! message: replies are few, and a fresh connection has no state to go stale. A 4xx refusal
//! and connection failures are retried; a 5xx is not, and the error carries the server's text.
//!
//! Channel passwords are stored sealed under a key from the configuration, so a copy of the
//! database alone does not give the mailbox away; they are opened only to build
//! [`MailboxSettings`] or [`SmtpSettings`], and never appear in `Debug` or API output.

#![forbid(unsafe_code)]

mod channel;
mod cursor;
mod error;
pub mod imap;
pub mod pop3;
mod retriever;
mod secret;
mod settings;
mod smtp;
mod stream;
mod tls;

pub use channel::{EmailChannelSettings, SettingsProblem, SmtpChannelSettings};
pub use cursor::{BadMessageKey, MailboxCursor, MessageKey};
pub use error::EmailError;
pub use retriever::{Fetched, Poll, Retriever};
pub use secret::SecretKey;
pub use settings::{
    ImapAfter, MailboxSettings, Pop3After, Pop3Auth, Protocol, Security, ServerSettings,
    TlsSettings,
};
pub use smtp::{SmtpSender, SmtpSettings};
pub use stream::MailStream;
