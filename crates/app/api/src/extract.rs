//! Request extractors with errors in the API's JSON shape.

use crate::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use std::str::FromStr;

/// `axum::Json`, but a malformed body answers 400 in our error shape, naming the field.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Query` with our error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let text = rejection.body_text();
        // axum reports the JSON path first ("users[0].role: unknown variant …").
        let detail = text
            .split_once(": ")
            .map_or(text.as_str(), |(_, rest)| rest);
        let field = detail.split_once(": ").map(|(path, _)| path.to_string());
        ApiError::BadRequest {
            field,
            message: format!("invalid JSON body: {detail}"),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest {
            field: None,
            message: rejection.body_text(),
        }
    }
}

/// Parses an id from a path segment; a malformed id is simply not found.
pub fn parse_id<T: FromStr>(kind: &str, text: &str) -> Result<T, ApiError> {
    text.parse()
        .map_err(|_| ApiError::NotFound(format!("{kind} {text:?}")))
}
