//! The speech recogniser's one error type.

use std::time::Duration;

/// Why a caller's words could not be recognised (the menu then takes keys only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpeechError {
    /// The sidecar could not be started, or PocketSphinx is not installed; not retried for a
    /// minute.
    #[error("speech recognition is unavailable: {reason}")]
    Unavailable {
        /// What the sidecar or the OS said.
        reason: String,
    },
    /// The sidecar failed on this utterance (it crashed, or answered something unreadable);
    /// it is restarted for the next one.
    #[error("speech recognition failed: {reason}")]
    Failed {
        /// What went wrong.
        reason: String,
    },
    /// The sidecar did not answer in time; it was killed and is restarted for the next one.
    #[error("speech recognition did not answer within {after:?}")]
    Timeout {
        /// The time limit.
        after: Duration,
    },
    /// Too many utterances wait for a sidecar; this one was not recognised.
    #[error("speech recognition is busy ({waiting} utterances waiting)")]
    Busy {
        /// The queue's length.
        waiting: usize,
    },
}
