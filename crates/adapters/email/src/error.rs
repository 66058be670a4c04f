//! The crate's one error type.

use std::io;

/// Why a retrieval, an acknowledgement, a sending or opening a sealed password failed.
///
/// Every variant says whether trying again unchanged (after a backoff) can succeed:
/// see [`EmailError::retryable`]. Authentication failures, certificate failures, invalid
/// settings, missing server features, permanent SMTP refusals, unsendable messages and
/// sealed passwords that do not open need a change first.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// The TCP connection could not be opened (refused, unreachable, DNS failure). Retry.
    #[error("cannot connect to {host}:{port}: {source}")]
    Connect {
        /// Host as configured.
        host: String,
        /// Port as configured.
        port: u16,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The TLS handshake failed.
    #[error("TLS with {host} failed: {detail}")]
    Tls {
        /// Host as configured.
        host: String,
        /// What rustls reported.
        detail: String,
        /// True when the server's certificate was rejected (unknown CA, wrong name, expired):
        /// retrying cannot help until the certificate or the channel's CA setting changes.
        certificate: bool,
    },
    /// The server rejected the username or password. Never retried automatically: repeated
    /// failures can lock the account.
    #[error("authentication failed: {detail}")]
    Auth {
        /// The server's text.
        detail: String,
    },
    /// The server answered a command with an error (POP3 `-ERR`, IMAP `NO`/`BAD`).
    #[error("server refused {command}: {text}")]
    Server {
        /// The command, without arguments.
        command: &'static str,
        /// The server's text.
        text: String,
    },
    /// The server's bytes broke the protocol (malformed or oversized response line, unexpected
    /// data). The connection is dropped; a later attempt may succeed.
    #[error("protocol error: {detail}")]
    Protocol {
        /// What was wrong.
        detail: String,
    },
    /// The server lacks something we need (STLS/STARTTLS, POP3 UIDL, IMAP UIDVALIDITY, an SMTP
    /// AUTH mechanism we speak, 8BITMIME for an 8-bit message, SMTPUTF8 for a UTF-8 address).
    #[error("server does not support {what}")]
    Unsupported {
        /// The missing feature.
        what: &'static str,
    },
    /// The server did not answer in time.
    #[error("timed out while {during}")]
    Timeout {
        /// What we were waiting for.
        during: &'static str,
    },
    /// The server closed the connection.
    #[error("connection closed by the server")]
    ConnectionLost,
    /// Reading or writing the connection failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The channel settings are unusable (bad CA PEM, line breaks in a username, a folder name
    /// the server cannot take).
    #[error("invalid settings: {detail}")]
    InvalidSettings {
        /// What is wrong.
        detail: String,
    },
    /// The SMTP server answered with a negative reply (RFC 5321 § 4.2.1): 4xx is temporary
    /// (retried), 5xx permanent (not retried). A 5xx to `AUTH` is reported as [`Self::Auth`].
    #[error("SMTP server refused {stage} with {code}: {text}")]
    SmtpRefused {
        /// What was refused: `"the greeting"`, `"EHLO"`, `"STARTTLS"`, `"AUTH"` or
        /// `"the message (MAIL, RCPT or DATA)"`.
        stage: &'static str,
        /// The reply code, e.g. 550.
        code: u16,
        /// The server's text, every line.
        text: String,
    },
    /// The message or its envelope cannot be sent as given: an address that is not an email
    /// address, no recipient, a bare CR or LF in the message (RFC 5321 § 2.3.8).
    #[error("cannot send this message: {detail}")]
    InvalidMessage {
        /// What is wrong.
        detail: String,
    },
    /// A secret could not be used: the key is not 32 bytes of base64, a sealed password is
    /// malformed, or it does not open (another key sealed it, or the text was altered).
    #[error("secret: {detail}")]
    Secret {
        /// What is wrong; never the secret itself.
        detail: String,
    },
}

impl EmailError {
    /// Whether retrying unchanged, after a backoff, can succeed.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Auth { .. }
            | Self::Unsupported { .. }
            | Self::InvalidSettings { .. }
            | Self::InvalidMessage { .. }
            | Self::Secret { .. } => false,
            Self::Tls { certificate, .. } => !certificate,
            Self::SmtpRefused { code, .. } => *code < 500,
            Self::Connect { .. }
            | Self::Server { .. }
            | Self::Protocol { .. }
            | Self::Timeout { .. }
            | Self::ConnectionLost
            | Self::Io(_) => true,
        }
    }

    pub(crate) fn protocol(detail: impl Into<String>) -> Self {
        Self::Protocol {
            detail: detail.into(),
        }
    }

    pub(crate) fn invalid(detail: impl Into<String>) -> Self {
        Self::InvalidSettings {
            detail: detail.into(),
        }
    }

    pub(crate) fn secret(detail: impl Into<String>) -> Self {
        Self::Secret {
            detail: detail.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_and_certificate_failures_are_not_retried() {
        assert!(!EmailError::Auth { detail: "x".into() }.retryable());
        let tls = |certificate| EmailError::Tls {
            host: "h".into(),
            detail: "d".into(),
            certificate,
        };
        assert!(!tls(true).retryable());
        assert!(tls(false).retryable());
        assert!(EmailError::ConnectionLost.retryable());
    }

    #[test]
    fn smtp_refusals_are_retried_only_when_temporary() {
        let refused = |code| EmailError::SmtpRefused {
            stage: "RCPT",
            code,
            text: "x".into(),
        };
        assert!(refused(451).retryable());
        assert!(!refused(550).retryable());
        assert!(!EmailError::secret("x").retryable());
    }
}
