//! The crate's one error type.

/// Errors from parsing or building RTP/RTCP, and from the session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    /// The buffer ended before the structure did.
    #[error("truncated {what}: need {needed} bytes, have {have}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        have: usize,
    },
    /// The version field was not 2.
    #[error("unsupported RTP version {0}")]
    BadVersion(u8),
    /// The padding count was zero or larger than the packet.
    #[error("invalid padding length {0}")]
    BadPadding(u8),
    /// An RTCP length field does not fit the compound packet.
    #[error("invalid RTCP length")]
    BadLength,
    /// The packet is RTCP where RTP was expected, or the other way round.
    #[error("packet type {0} is not valid here")]
    WrongPacketType(u8),
    /// A field is too large for the wire format (more than 15 CSRCs, 31 report blocks,
    /// 255 bytes of SDES text, or extension data not a multiple of 4 bytes).
    #[error("field too large for the wire format: {0}")]
    FieldTooLarge(&'static str),
    /// An SRTP packet failed authentication (tampered, or wrong key).
    #[error("SRTP authentication failed")]
    AuthenticationFailed,
    /// An SRTP packet was already received (replay).
    #[error("SRTP replayed packet, index {0}")]
    Replay(u64),
    /// SRTP key material had the wrong length.
    #[error("SRTP key material must be {expected} bytes, got {got}")]
    BadKeyLength {
        /// Bytes required.
        expected: usize,
        /// Bytes supplied.
        got: usize,
    },
}

pub(crate) fn need(what: &'static str, buf: &[u8], needed: usize) -> Result<(), RtpError> {
    if buf.len() < needed {
        return Err(RtpError::Truncated {
            what,
            needed,
            have: buf.len(),
        });
    }
    Ok(())
}
