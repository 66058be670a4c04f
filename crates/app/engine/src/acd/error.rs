//! The live ACD's one error type.

/// Everything the live ACD refuses or fails with.
#[derive(Debug, thiserror::Error)]
pub enum EngineAcdError {
    /// The ACD refused the input and changed nothing: unknown agent, queue or interaction, no
    /// pending offer, an input that does not apply now. The caller's request was wrong (or
    /// late), retrying it unchanged will not help.
    #[error(transparent)]
    Refused(#[from] sb_acd::AcdError),
    /// The tenant's configuration could not be read from the store (the tenant may not exist).
    #[error("reading the ACD configuration: {0}")]
    Store(#[from] sb_store::StoreError),
    /// The stored configuration does not make a valid ACD (the message names what is wrong).
    #[error("invalid ACD configuration: {0}")]
    Config(String),
    /// The runtime is shut down.
    #[error("the ACD is shut down")]
    Stopped,
}
