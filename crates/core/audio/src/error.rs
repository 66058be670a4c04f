//! The crate's one error type.

/// Errors from the audio core.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioError {
    /// A party id was added twice to a [`crate::Mixer`].
    #[error("party {0} is already in the mix")]
    DuplicateParty(u32),
    /// A party id is not in the [`crate::Mixer`].
    #[error("party {0} is not in the mix")]
    UnknownParty(u32),
    /// A frame did not hold [`crate::FRAME_SAMPLES`] samples.
    #[error("frame has {got} samples, expected {expected}")]
    FrameSize {
        /// Samples received.
        got: usize,
        /// Samples required.
        expected: usize,
    },
    /// A tone specification had no segment or a zero-length cycle.
    #[error("tone specification is empty")]
    EmptyTone,
    /// libopus refused an operation (only with the `opus` feature). A
    /// [`crate::OpusOperation::Decode`] failure means one damaged or hostile packet: treat it
    /// as lost and go on.
    #[cfg(feature = "opus")]
    #[error("Opus {operation}: {reason}")]
    Opus {
        /// What was being done.
        operation: crate::OpusOperation,
        /// libopus' description of the failure.
        reason: String,
    },
}
