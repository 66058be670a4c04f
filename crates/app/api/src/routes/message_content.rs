//! What an inbound message holds beyond its text, shown safely:
//! - its HTML body as a page the console shows in a sandboxed frame: made safe by
//!   `sb_conversation::safe_html` (no script, no form, no remote image unless asked), then
//!   walled in by the response's own Content Security Policy, which forbids scripts and every
//!   load but inline images (and remote images when `remote=true`), and sandboxes the page
//!   even when it is opened on its own;
//! - the sender's authentication (SPF, DKIM, DMARC) as the organisation's mail server judged
//!   it, from the `Authentication-Results` header of a server the channel trusts.

use super::conversations::{message_of, raw_bytes};
use crate::extract::ApiQuery;
use crate::{AnyUser, ApiError, AppState};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;
use sb_conversation::{AuthCheck, HtmlOptions, SafeHtml};
use sb_email::EmailChannelSettings;
use sb_store::MessageDirection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

/// The most bytes read of a message for its headers (its `Authentication-Results`).
const HEADER_BYTES: u64 = 256 * 1024;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(message_html))
        .routes(routes!(message_authentication))
}

/// How the page is made.
#[derive(Deserialize, IntoParams)]
struct HtmlQuery {
    /// Load the message's remote images (`true` after the reader's click); default `false`.
    #[serde(default)]
    remote: bool,
}

/// The policy of the page: nothing runs, nothing loads but inline images and, when asked,
/// remote images; links open outside the sandbox.
fn policy(remote: bool) -> &'static str {
    match remote {
        false => {
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'self'; \
             sandbox allow-popups allow-popups-to-escape-sandbox"
        }
        true => {
            "default-src 'none'; style-src 'unsafe-inline'; img-src data: https: http:; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'self'; \
             sandbox allow-popups allow-popups-to-escape-sandbox"
        }
    }
}

/// The message's HTML body, sanitised, as a page for a sandboxed frame (`text/html`). A
/// message without an HTML part gives a page that says so. The header
/// `x-remote-images-blocked` counts the remote images left out.
#[utoipa::path(get, path = "/conversations/{id}/messages/{message}/html", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation"),
        ("message" = Uuid, Path, description = "The message"), HtmlQuery),
    responses((status = 200, content_type = "text/html"), (status = 401), (status = 404)))]
async fn message_html(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path((id, message)): Path<(Uuid, Uuid)>,
    ApiQuery(q): ApiQuery<HtmlQuery>,
) -> Result<Response, ApiError> {
    let m = message_of(&state, &c, id, message).await?;
    let raw = raw_bytes(&state, &m, None).await?;
    let options = HtmlOptions {
        remote_images: q.remote,
    };
    let safe = tokio::task::spawn_blocking(move || sb_conversation::safe_html(&raw, options))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(page(safe.as_ref(), q.remote))
}

fn page(safe: Option<&SafeHtml>, remote: bool) -> Response {
    let body = match safe {
        Some(s) if s.truncated => format!(
            "{}<p class=\"sb-note\">The message was cut: its HTML is longer than {} KiB.</p>",
            s.html,
            sb_conversation::MAX_HTML_BYTES / 1024
        ),
        Some(s) => s.html.clone(),
        None => "<p class=\"sb-note\">This message has no HTML part.</p>".to_owned(),
    };
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <style>body{{font:14px/1.45 system-ui,sans-serif;margin:8px;overflow-wrap:anywhere}}\
         img{{max-width:100%;height:auto}}.sb-note{{color:#555;font-style:italic}}</style>\
         </head><body>{body}</body></html>"
    );
    let mut response = Response::new(Body::from(html));
    let headers = response.headers_mut();
    let fixed = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CONTENT_SECURITY_POLICY, policy(remote)),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "private, no-store"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    let blocked = safe.map_or(0, |s| s.remote_images_blocked);
    headers.insert(
        HeaderName::from_static("x-remote-images-blocked"),
        HeaderValue::from(blocked),
    );
    response
}

/// One check's verdict.
#[derive(Serialize, ToSchema)]
struct CheckView {
    /// `pass`, `fail`, `softfail`, `neutral`, `none`, `temperror`, `permerror`…
    result: String,
    /// The domain checked (SPF: the envelope sender's; DKIM: the signer's; DMARC: the From's).
    domain: Option<String>,
}

/// The sender's authentication as a mail server reported it.
#[derive(Serialize, ToSchema)]
struct AuthenticationView {
    /// The server that reported it (its `authserv-id`).
    server: String,
    /// The server is one the channel trusts (`authserv_ids`): the organisation's own. When
    /// false the channel names none, and the verdicts are what the topmost header says.
    trusted: bool,
    spf: Option<CheckView>,
    dkim: Option<CheckView>,
    dmarc: Option<CheckView>,
}

fn check_view(c: Option<AuthCheck>) -> Option<CheckView> {
    c.map(|c| CheckView {
        result: c.result,
        domain: c.domain,
    })
}

/// The SPF, DKIM and DMARC verdicts on a customer's message, from the `Authentication-Results`
/// header of the organisation's mail server (the channel's `authserv_ids`); `null` when there
/// is none (or the channel trusts servers and none of them wrote one).
#[utoipa::path(get, path = "/conversations/{id}/messages/{message}/authentication", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation"),
        ("message" = Uuid, Path, description = "The message")),
    responses((status = 200, body = Option<AuthenticationView>), (status = 401), (status = 404)))]
async fn message_authentication(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path((id, message)): Path<(Uuid, Uuid)>,
) -> Result<Json<Option<AuthenticationView>>, ApiError> {
    let m = message_of(&state, &c, id, message).await?;
    if m.direction != MessageDirection::Inbound {
        return Ok(Json(None));
    }
    let conversation = state
        .store
        .get_conversation(c.tenant.id, m.conversation_id)
        .await?;
    let config = state
        .store
        .get_channel_config(c.tenant.id, conversation.channel_id)
        .await?;
    let trusted = EmailChannelSettings::from_json(&config.settings)
        .map(|s| s.authserv_ids)
        .unwrap_or_default();
    let raw = raw_bytes(&state, &m, Some(HEADER_BYTES)).await?;
    let found = sb_conversation::authentication_results(&raw, &trusted);
    Ok(Json(found.map(|r| AuthenticationView {
        server: r.authserv_id,
        trusted: r.trusted,
        spf: check_view(r.spf),
        dkim: check_view(r.dkim),
        dmarc: check_view(r.dmarc),
    })))
}
