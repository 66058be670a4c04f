//! The crate's one error type.

use std::io;

/// Why a retrieval or acknowledgement failed.
///
/// Every variant says whether trying again unchanged (after a backoff) can succeed:
/// see [`EmailError::retryable`]. Authentication failures, certificate failures, invalid
/// settings and missing server features need a change of configuration first.
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
    /// The server lacks something we need (STLS/STARTTLS, POP3 UIDL, IMAP UIDVALIDITY).
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
}

impl EmailError {
    /// Whether retrying unchanged, after a backoff, can succeed.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Auth { .. } | Self::Unsupported { .. } | Self::InvalidSettings { .. } => false,
            Self::Tls { certificate, .. } => !certificate,
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
}
