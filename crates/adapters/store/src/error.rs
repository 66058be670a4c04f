/// The one error type of the storage port. Backends map their driver errors onto it, so callers
/// decide on these variants alone (which HTTP status, whether to retry) without knowing the
/// backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist, or belongs to another tenant (the two are indistinguishable on
    /// purpose: a tenant cannot probe for another tenant's ids).
    #[error("{what} not found")]
    NotFound {
        /// What was looked up, e.g. `user 0190…` or `tenant "acme"`.
        what: String,
    },
    /// A uniqueness rule was violated (a name already taken, an address owned by a tenant).
    #[error("{what} already exists")]
    Conflict {
        /// The object that already exists.
        what: String,
    },
    /// A value was rejected before anything was written.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field path, e.g. `name` or `users[2].skills[0].skill`.
        field: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The database failed (connection lost, disk full, lock timeout, corrupt row…).
    #[error("storage backend error: {message}")]
    Backend {
        /// The driver's message.
        message: String,
        /// Whether the same call may succeed if retried (connection dropped, busy, serialization
        /// failure), as opposed to a permanent failure (schema mismatch, corrupt data).
        retryable: bool,
    },
}

impl StoreError {
    /// A [`StoreError::NotFound`] for `what`.
    pub fn not_found(what: impl Into<String>) -> Self {
        StoreError::NotFound { what: what.into() }
    }

    /// A [`StoreError::Conflict`] for `what`.
    pub fn conflict(what: impl Into<String>) -> Self {
        StoreError::Conflict { what: what.into() }
    }

    /// A [`StoreError::Invalid`] for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        StoreError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A permanent [`StoreError::Backend`].
    pub fn backend(message: impl Into<String>) -> Self {
        StoreError::Backend {
            message: message.into(),
            retryable: false,
        }
    }

    /// Whether retrying the same call may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            StoreError::Backend {
                retryable: true,
                ..
            }
        )
    }

    /// Prefixes the field path of an [`StoreError::Invalid`] (used to report `users[2].role`).
    pub fn within(self, prefix: &str) -> Self {
        match self {
            StoreError::Invalid { field, reason } => StoreError::Invalid {
                field: format!("{prefix}.{field}"),
                reason,
            },
            other => other,
        }
    }
}

/// Result alias of the storage port.
pub type StoreResult<T> = Result<T, StoreError>;
