//! The API's error type and its JSON shape.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Everything a request can fail with. Each variant maps to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; `field` names the part at fault.
    #[error("{message}")]
    BadRequest {
        /// The JSON path or parameter at fault, when there is one.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A document (flow, queue settings) has problems; each names its field.
    #[error("the document has {} problem(s)", .0.len())]
    Problems(Vec<String>),
    /// No valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong user name or password (deliberately not saying which).
    #[error("wrong tenant, user name or password")]
    BadCredentials,
    /// The caller's role may not do this.
    #[error("your role may not do this")]
    Forbidden,
    /// The caller's address is not in the tenant's allowlist.
    #[error("your address is not allowed for this tenant")]
    AddressNotAllowed,
    /// The object does not exist *for this tenant* (another tenant's object is also 404).
    #[error("{0} not found")]
    NotFound(String),
    /// A unique name is taken, or the change conflicts with stored state.
    #[error("{0}")]
    Conflict(String),
    /// The account is locked after too many failed logins.
    #[error("account locked after too many failed logins; try again in {retry_after_secs} s")]
    Locked {
        /// Seconds until the lock ends.
        retry_after_secs: u64,
    },
    /// Too many requests from this address.
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a new attempt is accepted.
        retry_after_secs: u64,
    },
    /// A server of the tenant's (their mail server) refused or could not be reached; the
    /// message says what it answered.
    #[error("{0}")]
    Upstream(String),
    /// The database or another internal part failed; details are logged, not returned.
    #[error("internal error")]
    Internal(String),
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// Machine-readable code such as `not_found`.
    code: &'static str,
    /// Human-readable message.
    message: String,
    /// The field at fault, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// Every problem of an invalid document, each naming its field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<String>,
}

impl ApiError {
    /// A 400 naming the field at fault.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub(crate) fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest { .. } => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Problems(_) => (StatusCode::BAD_REQUEST, "invalid_document"),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::AddressNotAllowed => (StatusCode::FORBIDDEN, "address_not_allowed"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Locked { .. } => (StatusCode::LOCKED, "locked"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Upstream(_) => (StatusCode::BAD_GATEWAY, "upstream"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let field = match &self {
            ApiError::BadRequest { field, .. } => field.clone(),
            _ => None,
        };
        let retry = match &self {
            ApiError::Locked { retry_after_secs } | ApiError::RateLimited { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        };
        let problems = match &self {
            ApiError::Problems(list) => list.clone(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: self.to_string(),
                field,
                problems,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry {
            response.headers_mut().insert("retry-after", secs.into());
        }
        response
    }
}

impl From<sb_store::StoreError> for ApiError {
    fn from(e: sb_store::StoreError) -> Self {
        use sb_store::StoreError as S;
        match e {
            S::NotFound { what } => ApiError::NotFound(what),
            S::Conflict { what } => ApiError::Conflict(format!("{what} already exists")),
            S::Invalid { field, reason } => ApiError::invalid(field, reason),
            other => ApiError::Internal(other.to_string()),
        }
    }
}
