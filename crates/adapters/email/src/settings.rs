//! What a tenant's email channel configures for retrieval.

use std::fmt;
use std::time::Duration;

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No TLS at all (lab servers; the password crosses the network in clear).
    Plain,
    /// Plain connect, then upgrade: POP3 `STLS` (RFC 2595) or IMAP `STARTTLS`. Usual on 110/143.
    /// Fails when the server refuses the upgrade; never falls back to plain.
    StartTls,
    /// TLS from the first byte: POP3S (995) or IMAPS (993).
    Tls,
}

/// Certificate checking for TLS.
#[derive(Clone, Default)]
pub struct TlsSettings {
    /// PEM with one or more CA certificates to trust instead of the system's trust store.
    pub ca_pem: Option<String>,
    /// Accept any certificate (lab servers with self-signed certificates). Off by default;
    /// the handshake signatures are still checked, the chain and name are not.
    pub accept_invalid_certificates: bool,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("ca_pem", &self.ca_pem.as_ref().map(|_| "<pem>"))
            .field(
                "accept_invalid_certificates",
                &self.accept_invalid_certificates,
            )
            .finish()
    }
}

/// Where and how to log in; shared by POP3 and IMAP.
#[derive(Clone)]
pub struct ServerSettings {
    /// Host name or IP address; also the name checked in the server's certificate.
    pub host: String,
    /// Any port (110/995/143/993 are only the defaults a UI proposes).
    pub port: u16,
    /// Plain, STARTTLS or implicit TLS.
    pub security: Security,
    /// Certificate checking.
    pub tls: TlsSettings,
    /// Login name.
    pub username: String,
    /// Password (never printed by `Debug`).
    pub password: String,
    /// Longest wait for connecting, the TLS handshake or one server answer.
    pub timeout: Duration,
}

impl fmt::Debug for ServerSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What acknowledging a stored POP3 message does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pop3After {
    /// `DELE` it (committed by `QUIT`).
    Delete,
    /// Leave it on the server; the cursor remembers its UIDL.
    Keep,
}

/// How to log in over POP3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pop3Auth {
    /// `USER` + `PASS`.
    #[default]
    UserPass,
    /// `APOP` (RFC 1939 § 7): an MD5 digest of the greeting's timestamp and the password.
    Apop,
}

/// What acknowledging a stored IMAP message does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapAfter {
    /// `UID STORE +FLAGS (\Seen)`.
    MarkSeen,
    /// `UID MOVE` to this folder (COPY + `\Deleted` + `UID EXPUNGE` where MOVE is missing).
    MoveTo(String),
}

/// The protocol and its own options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// POP3 (RFC 1939).
    Pop3 {
        /// Delete or keep after storing.
        after: Pop3After,
        /// Login command.
        auth: Pop3Auth,
    },
    /// IMAP4rev1 (RFC 3501).
    Imap {
        /// The folder polled, usually `INBOX`.
        folder: String,
        /// Flag or move after storing.
        after: ImapAfter,
    },
}

/// Everything a [`crate::Retriever`] needs.
#[derive(Debug, Clone)]
pub struct MailboxSettings {
    /// Server and login.
    pub server: ServerSettings,
    /// POP3 or IMAP and what acknowledging means.
    pub protocol: Protocol,
    /// Largest message kept whole; a bigger one is returned as its first `max_message_size`
    /// bytes with `too_large` set (and acknowledged like any other once stored).
    pub max_message_size: usize,
    /// At most this many messages per poll, so memory stays bounded; `Poll::more` says when
    /// another poll should follow at once.
    pub max_messages_per_poll: usize,
    /// IMAP: [`crate::Retriever::wait_for_mail`] waits with IDLE (RFC 2177).
    pub idle: bool,
}

impl MailboxSettings {
    /// Settings with the defaults: 25 MiB per message, 100 messages per poll, no IDLE.
    pub fn new(server: ServerSettings, protocol: Protocol) -> Self {
        Self {
            server,
            protocol,
            max_message_size: 25 * 1024 * 1024,
            max_messages_per_poll: 100,
            idle: false,
        }
    }
}
