//! The crate's one error type.

use std::net::SocketAddr;

/// What can go wrong in the SIP transport.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A listening socket could not be opened (address in use, no permission…).
    #[error("cannot listen on {transport} {addr}: {source}")]
    Bind {
        /// `udp`, `tcp`, `tls`, `ws` or `wss`.
        transport: &'static str,
        /// The configured address.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A TLS or WSS listener is configured without a TLS server configuration.
    #[error("sip.{transport}_listen is set but no TLS configuration was given")]
    NoTlsConfig {
        /// `tls` or `wss`.
        transport: &'static str,
    },
    /// Reading the bound address or another socket call failed.
    #[error("socket error: {0}")]
    Io(#[from] std::io::Error),
    /// The server task ended abnormally (it panicked or was aborted).
    #[error("the SIP server task ended abnormally")]
    TaskFailed,
}
