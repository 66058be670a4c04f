//! Short-lived SIP credentials for the agent console's softphone: the browser registers over
//! secure WebSocket with a password that only the console knows, never the user's SIP password.

use crate::auth::secret::random_secret;
use crate::{AnyUser, ApiError, AppState, now};
use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(issue))
}

/// The longest a softphone password lives (shorter when the console session ends sooner).
const MAX_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// Where and how the browser's softphone registers.
#[derive(Serialize, ToSchema)]
struct SoftphoneCredentials {
    /// Digest user name (the agent's own user name).
    username: String,
    /// Digest password, valid until `expires_at` or logout.
    password: String,
    /// Digest realm (the tenant's name).
    realm: String,
    /// The address of record to register, `sip:USER@TENANT`.
    uri: String,
    /// The SIP secure WebSocket address (RFC 7118), on the host the console was reached at.
    ws_url: String,
    /// When the password stops working, milliseconds since the Unix epoch.
    expires_at: i64,
}

/// Issues softphone credentials for the caller (one set per console tab).
#[utoipa::path(post, path = "/me/softphone", tag = "agents",
    responses((status = 200, body = SoftphoneCredentials), (status = 401),
        (status = 400, description = "The request's Host header is not a host name"),
        (status = 503, description = "SIP over secure WebSocket does not run on this server")))]
async fn issue(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<SoftphoneCredentials>, Response> {
    let Some(softphone) = state.softphone.as_ref() else {
        return Err(unavailable());
    };
    let host = request_host(&uri, &headers).map_err(IntoResponse::into_response)?;
    let now = now();
    let lifetime = state.settings.session_ttl.min(MAX_LIFETIME);
    let expires = now + lifetime;
    let password = random_secret();
    let (realm, username) = (&c.tenant.name, &c.user.username);
    softphone
        .passwords
        .issue(realm, username, password.clone(), now, expires);
    Ok(Json(SoftphoneCredentials {
        username: username.clone(),
        password,
        realm: realm.clone(),
        uri: format!("sip:{username}@{realm}"),
        ws_url: format!("wss://{host}:{}", softphone.wss_port),
        expires_at: expires.as_millis(),
    }))
}

fn unavailable() -> Response {
    let body = serde_json::json!({ "error": {
        "code": "softphone_unavailable",
        "message": "SIP over secure WebSocket (sip.wss_listen) does not run on this server",
    }});
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

/// The host name (or address) the request was sent to, without its port: the URI's authority
/// (HTTP/2's `:authority`) or else the `Host` header (HTTP/1.1).
fn request_host(uri: &Uri, headers: &HeaderMap) -> Result<String, ApiError> {
    let bad = || ApiError::invalid("Host", "a host name or address");
    let value = match uri.authority() {
        Some(authority) => authority.as_str(),
        None => headers
            .get(header::HOST)
            .ok_or_else(bad)?
            .to_str()
            .map_err(|_| bad())?,
    };
    // An authority may carry user information; only what follows it names the host.
    let value = value.rsplit('@').next().unwrap_or_default();
    let host = match value.strip_prefix('[') {
        Some(rest) => format!("[{}]", rest.split(']').next().unwrap_or_default()),
        None => value.split(':').next().unwrap_or_default().to_owned(),
    };
    let allowed =
        |ch: char| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | ':' | '[' | ']');
    if host.is_empty() || host == "[]" || host.len() > 253 || !host.chars().all(allowed) {
        return Err(bad());
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(value: &str) -> Result<String, ApiError> {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, value.parse().unwrap());
        request_host(&Uri::from_static("/api/v1/me/softphone"), &h)
    }

    #[test]
    fn the_websocket_host_is_the_one_the_console_was_reached_at_without_its_port() {
        assert_eq!(host("cc.example.com:8443").unwrap(), "cc.example.com");
        assert_eq!(host("127.0.0.1").unwrap(), "127.0.0.1");
        assert_eq!(host("[::1]:8443").unwrap(), "[::1]");
    }

    #[test]
    fn a_host_header_that_is_not_a_host_is_refused() {
        assert!(host("evil.example/path").is_err());
        assert!(host("a b").is_err());
        assert!(host(":8443").is_err());
        assert!(host("[]:1").is_err());
        let path = Uri::from_static("/api/v1/me/softphone");
        assert!(request_host(&path, &HeaderMap::new()).is_err());
    }

    #[test]
    fn over_http2_the_host_comes_from_the_authority() {
        let uri: Uri = "https://cc.example.com:8443/api/v1/me/softphone"
            .parse()
            .unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "other.example".parse().unwrap());
        assert_eq!(request_host(&uri, &h).unwrap(), "cc.example.com");
    }
}
