/// Errors raised when parsing the shared vocabulary from text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TypesError {
    /// The text is not a valid id of the named kind.
    #[error("invalid {kind} id {value:?}")]
    InvalidId {
        /// Which id type was being parsed (`tenant`, `user`…).
        kind: &'static str,
        /// The rejected text.
        value: String,
    },
    /// The text names no known channel.
    #[error("unknown channel {0:?} (expected voice, email, chat or sms)")]
    UnknownChannel(String),
    /// The text names no known role.
    #[error("unknown role {0:?} (expected admin, supervisor or agent)")]
    UnknownRole(String),
}
