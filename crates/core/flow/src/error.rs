//! The crate's one error type.

/// What can go wrong when using the flow library outside of a flow's own logic.
///
/// Problems *inside* a flow (a failing expression, an HTTP error) are not errors of the API:
/// they take the block's `error` transition. Problems of a document are [`crate::Diagnostic`]s.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum FlowError {
    /// The flow document is not valid JSON or does not have the document's shape.
    #[error("flow document is malformed: {0}")]
    MalformedDocument(String),
    /// A test-case file is not valid YAML/JSON or does not have the case-file shape.
    #[error("test-case file is malformed: {0}")]
    MalformedCases(String),
    /// The host answered while the session was not waiting for an answer.
    #[error("the session is not waiting for an answer (got {got})")]
    NotWaiting {
        /// The kind of the rejected input.
        got: &'static str,
    },
    /// The host's answer does not fit the action the session is waiting on; the session keeps
    /// waiting.
    #[error("the session waits on {waiting} and cannot take {got}")]
    UnexpectedInput {
        /// The kind of action being waited on.
        waiting: &'static str,
        /// The kind of the rejected input.
        got: &'static str,
    },
}
