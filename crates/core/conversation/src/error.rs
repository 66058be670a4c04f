//! The crate's one error type.

/// Errors from building an outgoing message. Parsing never fails.
///
/// Every variant is a fault in the caller's input: retrying the same [`crate::Outgoing`] gives
/// the same error. `field` names the part of the message at fault (`"from"`, `"to"`, `"cc"`,
/// `"subject"`, `"message_id"`, `"in_reply_to"`, `"references"`, `"attachment"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConversationError {
    /// The message has neither a To nor a Cc recipient.
    #[error("the message has no recipients")]
    NoRecipients,
    /// A header value holds CR, LF or another control character that could start a new header
    /// (or corrupt this one). Refused, never cleaned: it points at a bug or an attack upstream.
    #[error("control character (header injection) refused in {field}")]
    HeaderInjection {
        /// Which field held it.
        field: &'static str,
    },
    /// An address is not a plain `local@domain` addr-spec we are willing to send to.
    #[error("invalid address {address:?} in {field}")]
    InvalidAddress {
        /// Which field held it.
        field: &'static str,
        /// The address as given.
        address: String,
    },
    /// A message id is empty or holds whitespace or angle brackets (ids are given without
    /// brackets).
    #[error("invalid message id {id:?} in {field}")]
    InvalidMessageId {
        /// Which field held it.
        field: &'static str,
        /// The id as given.
        id: String,
    },
    /// The date is outside the years 1970–3000 that a Date header can carry.
    #[error("date {date} is out of range for a Date header")]
    InvalidDate {
        /// The Unix seconds given.
        date: i64,
    },
    /// The MIME writer failed. Writing to memory does not fail, so this is not expected; it is
    /// reported rather than unwrapped.
    #[error("writing the message failed: {reason}")]
    Write {
        /// The writer's message.
        reason: String,
    },
}
