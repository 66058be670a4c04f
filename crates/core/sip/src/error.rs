//! The crate's one error type.

use crate::{HeaderName, Method, StatusCode};

/// Everything that can be wrong with a SIP message or one of its parts.
///
/// Offsets are byte offsets into the message (for errors found while parsing a message) or
/// into the parsed text (for typed values parsed on their own). [`Error::reply_status`] says
/// how a server answers a request that failed this way (RFC 3261 § 8.2, RFC 4475).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is larger than the configured maximum message size.
    #[error("message of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Bytes seen (at least).
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The message has more header fields than the configured maximum.
    #[error("more than {limit} header fields")]
    TooManyHeaders {
        /// The configured limit.
        limit: usize,
    },
    /// The input is empty or holds only line breaks.
    #[error("empty message")]
    Empty,
    /// The start line and header section are not valid UTF-8 (RFC 3261 § 7.3.1 TEXT-UTF8).
    #[error("header section is not UTF-8 at byte {offset}")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The header section is not terminated by an empty line.
    #[error("header section not terminated by an empty line")]
    UnterminatedHead,
    /// The Request-Line or Status-Line is malformed (RFC 3261 § 7.1, § 7.2; RFC 4475
    /// § 3.1.2.7–3.1.2.10).
    #[error("malformed start line at byte {offset}: {reason}")]
    BadStartLine {
        /// Offset of the offending part.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The SIP-Version is well formed but not `SIP/2.0` (answered with 505, RFC 4475 § 3.1.2.16).
    #[error("unsupported SIP version at byte {offset}")]
    UnsupportedVersion {
        /// Offset of the version.
        offset: usize,
    },
    /// The status code of a response is not three digits in 100–699 (RFC 4475 § 3.1.2.19).
    #[error("bad status code at byte {offset}")]
    BadStatusCode {
        /// Offset of the code.
        offset: usize,
    },
    /// A header line is not `name: value` (no colon, bad name, stray continuation line).
    #[error("malformed header line at byte {offset}")]
    BadHeaderLine {
        /// Offset of the line.
        offset: usize,
    },
    /// A known header's value does not follow its grammar.
    #[error("invalid {name} header at byte {offset}: {reason}")]
    BadHeader {
        /// Which header.
        name: HeaderName,
        /// Offset of the header value in the message.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A typed value (URI, name-addr, Via…) parsed on its own does not follow its grammar.
    #[error("syntax error in {what} at byte {offset}")]
    Syntax {
        /// The grammar rule that failed (e.g. `"SIP-URI"`).
        what: &'static str,
        /// Offset in the parsed text.
        offset: usize,
    },
    /// A quoted string has no closing quote (RFC 4475 § 3.1.2.6).
    #[error("unterminated quoted string at byte {offset}")]
    UnterminatedQuote {
        /// Offset of the opening quote's value.
        offset: usize,
    },
    /// Content-Length is negative, not a number, too large or given twice with different
    /// values (RFC 4475 § 3.1.2.3, § 3.3.9). On a stream this loses the framing: close.
    #[error("invalid Content-Length: {reason}")]
    BadContentLength {
        /// What is wrong.
        reason: &'static str,
    },
    /// The datagram holds fewer body bytes than Content-Length announces (RFC 3261 § 18.3,
    /// RFC 4475 § 3.1.2.2).
    #[error("body truncated: Content-Length {declared}, {available} bytes present")]
    BodyTruncated {
        /// Content-Length value.
        declared: usize,
        /// Body bytes present.
        available: usize,
    },
    /// A mandatory header is missing (RFC 3261 § 8.1.1; RFC 4475 § 3.3.1), or a header an
    /// accessor was asked for is absent.
    #[error("missing {name} header")]
    MissingHeader {
        /// Which header.
        name: HeaderName,
    },
    /// A header that takes one value appears more than once (RFC 4475 § 3.3.8).
    #[error("{name} header given more than once")]
    DuplicateHeader {
        /// Which header.
        name: HeaderName,
    },
    /// The CSeq method differs from the request method (RFC 4475 § 3.1.2.17–18).
    #[error("CSeq method {cseq} does not match request method {request}")]
    CSeqMismatch {
        /// Method of the Request-Line.
        request: Method,
        /// Method in CSeq.
        cseq: Method,
    },
    /// The error was found in a response. Responses are never answered: drop it
    /// (RFC 4475 § 3.1.2.5, § 3.1.2.19).
    #[error("in response: {0}")]
    InResponse(Box<Error>),
}

impl Error {
    /// The status a server should answer a *request* that failed to parse with, or `None`
    /// when it must be dropped silently (errors in responses, or too little to answer).
    /// An unknown method whose CSeq does not match gets 501, as RFC 4475 § 3.1.2.18
    /// prefers; every other malformed request gets 400, a wrong version 505 and an
    /// oversized message 513.
    ///
    /// Over a stream transport [`Error::BadContentLength`] additionally means the connection
    /// must be closed, since the framing is lost.
    pub fn reply_status(&self) -> Option<StatusCode> {
        match self {
            Error::InResponse(_) | Error::Empty | Error::NotUtf8 { .. } => None,
            Error::UnterminatedHead => None,
            Error::UnsupportedVersion { .. } => Some(StatusCode::VERSION_NOT_SUPPORTED),
            Error::CSeqMismatch {
                request: Method::Extension(_),
                ..
            } => Some(StatusCode::NOT_IMPLEMENTED),
            Error::TooLarge { .. } => Some(StatusCode::MESSAGE_TOO_LARGE),
            _ => Some(StatusCode::BAD_REQUEST),
        }
    }

    /// True when the error came from a response.
    pub fn is_in_response(&self) -> bool {
        matches!(self, Error::InResponse(_))
    }

    /// Shifts offsets of an error found in a sub-slice that starts at `by`.
    pub(crate) fn shifted(self, by: usize) -> Self {
        match self {
            Error::Syntax { what, offset } => Error::Syntax {
                what,
                offset: offset + by,
            },
            Error::UnterminatedQuote { offset } => Error::UnterminatedQuote {
                offset: offset + by,
            },
            other => other,
        }
    }
}
