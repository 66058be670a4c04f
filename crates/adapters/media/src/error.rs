//! The media plane's one error type.

use std::net::SocketAddr;

/// What went wrong in the media plane. `retry` says whether the same request may succeed later.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// Every port of the configured range is in use (or could not be bound).
    #[error("no free RTP port in {first}-{last}")]
    PortsExhausted {
        /// First port of the range.
        first: u16,
        /// Last port of the range.
        last: u16,
    },
    /// Admission control refused a new endpoint: the media plane is at its configured limit.
    #[error("media plane at capacity ({active} endpoints, limit {limit})")]
    AtCapacity {
        /// Endpoints open now.
        active: usize,
        /// The configured limit.
        limit: usize,
    },
    /// Admission control refused a new call: the runtime has been running the media tasks late
    /// (its p99 lateness over the last seconds is above the configured limit), so another call
    /// would degrade the calls already up.
    #[error("media plane overloaded (p99 lateness {p99:?}, limit {limit:?})")]
    Overloaded {
        /// The measured p99 lateness.
        p99: std::time::Duration,
        /// The configured limit (`MediaConfig::admission_lag`).
        limit: std::time::Duration,
    },
    /// A socket operation failed.
    #[error("socket {addr}: {source}")]
    Socket {
        /// The local address concerned.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The endpoint (or the session it belongs to) is gone.
    #[error("media endpoint {0} is closed")]
    Closed(u64),
    /// The call's media task has ended (closed, or its handle was dropped).
    #[error("the call's media is closed")]
    CallClosed,
    /// A request that does not fit the endpoint (unknown payload type, DTMF character,
    /// an endpoint connected to itself).
    #[error("invalid media request: {0}")]
    Invalid(String),
    /// `record_pause`, `record_resume` or `record_stop` without a recording in progress.
    #[error("no recording in progress")]
    NotRecording,
    /// The configuration is not usable.
    #[error("media configuration: {0}")]
    Config(String),
    /// A recording or prompt file could not be read or written.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An audio file is not in a format we can play.
    #[error("audio file {name}: {reason}")]
    BadAudio {
        /// The file or prompt name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl MediaError {
    /// True when the same request may succeed later (ports or capacity freed, load gone).
    pub fn retry(&self) -> bool {
        matches!(
            self,
            MediaError::PortsExhausted { .. }
                | MediaError::AtCapacity { .. }
                | MediaError::Overloaded { .. }
        )
    }
}
