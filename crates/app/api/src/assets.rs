//! The web consoles' files ([`sb_web`]) for every path outside the API: an embedded file by
//! its path, otherwise the application's page (the client routes the rest itself).

use crate::ApiError;
use axum::http::{HeaderValue, Method, Uri, header};
use axum::response::{IntoResponse, Response};

/// Only our own origin; the softphone's WebSocket goes to the SIP port, hence `wss:`.
const CSP: &str = "default-src 'self'; connect-src 'self' wss:; media-src 'self' blob:; \
                   img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Answers `GET`/`HEAD` of a console path; anything else under `/api` or another method is 404.
pub(crate) async fn serve(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || !(method == Method::GET || method == Method::HEAD) {
        return ApiError::NotFound("route".into()).into_response();
    }
    let file = match sb_web::file(path) {
        Some(f) => f,
        // A missing hashed asset is a stale page asking for an old build: say so.
        None if path.starts_with("/assets/") => {
            return ApiError::NotFound("file".into()).into_response();
        }
        None => sb_web::index(),
    };
    let cache = match file.immutable {
        true => "public, max-age=31536000, immutable",
        false => "no-cache",
    };
    let mut response = file.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}
