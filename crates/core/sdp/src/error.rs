//! The crate's one error type.

/// Errors from parsing SDP or negotiating media.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// A line could not be parsed. `line` is 1-based.
    #[error("line {line}: {reason}")]
    Syntax {
        /// Line number (1-based).
        line: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// A mandatory line (`v=`, `o=`) is missing.
    #[error("missing mandatory {0}= line")]
    Missing(char),
    /// The description is larger than we accept (too many lines or media sections).
    #[error("SDP too large")]
    TooLarge,
    /// The body is not UTF-8.
    #[error("SDP is not UTF-8")]
    NotUtf8,
    /// No offered stream could be accepted: no common codec, transport or crypto suite.
    /// The SIP layer answers 488 Not Acceptable Here.
    #[error("no acceptable media stream in the offer")]
    NoAcceptableMedia,
    /// An answer does not match its offer (different number of m-lines, or a codec we did not
    /// offer).
    #[error("answer does not match the offer: {0}")]
    AnswerMismatch(&'static str),
    /// An SDES crypto attribute or key is malformed.
    #[error("invalid crypto attribute: {0}")]
    BadCrypto(&'static str),
}
