//! The crate's one error enum.

/// Everything that can go wrong in this crate.
///
/// Registrar variants carry what the response needs ([`Error::status`] gives the SIP status code,
/// `min_expires` feeds the `Min-Expires` header of a 423).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An authentication header is not a well-formed `Digest k=v, k="v"` list.
    #[error("malformed digest parameters: {reason}")]
    MalformedAuthParams {
        /// What the parser found wrong.
        reason: &'static str,
    },
    /// The authentication scheme is not `Digest`.
    #[error("authentication scheme is not Digest")]
    NotDigest,
    /// A parameter the message needs is absent.
    #[error("missing digest parameter `{0}`")]
    MissingParam(&'static str),
    /// The algorithm is not one we implement (RFC 7616 § 6.1 registry).
    #[error("unsupported digest algorithm `{0}`")]
    UnsupportedAlgorithm(String),
    /// The challenge offers no quality of protection we implement (`auth`, or none for MD5).
    #[error("unsupported qop `{0}`")]
    UnsupportedQop(String),
    /// A nonce-count is not 8 hexadecimal digits.
    #[error("invalid nonce-count")]
    InvalidNonceCount,
    /// REGISTER asked for an expiry shorter than the registrar's minimum (answer 423).
    #[error("interval too brief: at least {min_expires} s")]
    IntervalTooBrief {
        /// The registrar's minimum, for the `Min-Expires` header.
        min_expires: u32,
    },
    /// REGISTER with `Contact: *` had other contacts or a non-zero Expires (answer 400).
    #[error("`Contact: *` needs Expires: 0 and no other contact")]
    InvalidWildcard,
    /// REGISTER with the same Call-ID and a CSeq not above the stored binding's (answer 500).
    #[error("REGISTER out of order: CSeq {cseq} not above {stored}")]
    OutOfOrder {
        /// The request's CSeq.
        cseq: u32,
        /// The stored binding's CSeq.
        stored: u32,
    },
    /// The address of record would hold more contacts than allowed (answer 403).
    #[error("too many contacts for one address of record (max {max})")]
    TooManyContacts {
        /// The configured limit.
        max: usize,
    },
    /// A `q` value is not in 0..=1 with at most three decimals (answer 400).
    #[error("invalid q value `{0}`")]
    InvalidQ(String),
    /// A re-INVITE or UPDATE arrived while ours is pending: glare (answer 491, RFC 3261 § 14.2).
    #[error("request pending")]
    RequestPending,
    /// A re-INVITE arrived while the peer's previous one is unanswered (answer 500 with
    /// Retry-After, RFC 3261 § 14.2).
    #[error("INVITE in progress, retry after {retry_after} s")]
    InviteInProgress {
        /// Seconds for the Retry-After header (0–10).
        retry_after: u32,
    },
    /// The proposed session interval is below our minimum (answer 422 with Min-SE, RFC 4028).
    #[error("session interval too small: at least {min_se} s")]
    SessionIntervalTooSmall {
        /// Our Min-SE.
        min_se: u32,
    },
    /// A PRACK matched no unacknowledged reliable provisional response (answer 481, RFC 3262).
    #[error("PRACK matches no reliable provisional response")]
    NoMatchingProvisional,
    /// An INVITE with Replaces cannot be honoured (RFC 3891 § 3); `status` is the answer
    /// (481 no such dialog, 486 confirmed but early-only, 603 already ended).
    #[error("Replaces refused with {status}")]
    ReplacesRefused {
        /// The status code to answer with.
        status: u16,
    },
    /// A body or header of a REFER/NOTIFY exchange is malformed (sipfrag, Replaces, Refer-To).
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A SIP message lacks a header this crate needs, or has it malformed.
    #[error(transparent)]
    Sip(#[from] sb_sip::Error),
    /// A message was handed to a transaction or dialog that cannot take it in its state.
    #[error("{0} not allowed in the current state")]
    InvalidState(&'static str),
    /// A telephone number cannot be brought to E.164 form, or a country code / trunk prefix is
    /// not digits (answer 484 Address Incomplete when it came in a request).
    #[error("invalid telephone number: {0}")]
    InvalidNumber(&'static str),
    /// A URI asks for a transport we do not speak (or `sips:` over UDP); empty when no transport
    /// is configured at all.
    #[error("unsupported transport `{0}`")]
    UnsupportedTransport(String),
    /// Two trunks claim the same source network with the same prefix length, so inbound calls
    /// from it could not be attributed (a configuration error, found when the matcher is built).
    #[error("source network {network} is claimed by more than one trunk")]
    AmbiguousTrunk {
        /// The network, in CIDR notation.
        network: String,
    },
    /// An inbound INVITE comes from an address no trunk allows (answer 403).
    #[error("no trunk accepts calls from this source")]
    NoTrunk,
    /// An inbound INVITE from a known trunk dials a number that is not a point of contact of
    /// the trunk's tenant (answer 404).
    #[error("the dialled number is not a point of contact of the trunk's tenant")]
    UnknownNumber,
    /// A caller-ID rule is malformed (a pattern other than digits with an optional trailing
    /// `*`, or a default that is not an E.164 number).
    #[error("invalid caller-ID rule: {0}")]
    InvalidCallerIdRule(&'static str),
}

impl Error {
    /// The SIP status code that answers a request failing with this error.
    pub fn status(&self) -> u16 {
        match self {
            Error::IntervalTooBrief { .. } => 423,
            Error::RequestPending => 491,
            Error::InviteInProgress { .. } => 500,
            Error::SessionIntervalTooSmall { .. } => 422,
            Error::NoMatchingProvisional => 481,
            Error::ReplacesRefused { status } => *status,
            Error::Sip(e) => e.reply_status().map_or(400, |s| s.as_u16()),
            Error::OutOfOrder { .. } | Error::InvalidState(_) => 500,
            Error::TooManyContacts { .. } | Error::NoTrunk => 403,
            Error::UnknownNumber => 404,
            Error::InvalidNumber(_) => 484,
            _ => 400,
        }
    }
}
