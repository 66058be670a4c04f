//! Voicemail messages left by callers in a flow's `voicemail` block: the list, the audio
//! (WAV) and closing a message once it has been dealt with (called back, noted). Agents see
//! the messages of their queues' mailboxes; supervisors and admins see every mailbox. A
//! message in a voice queue's mailbox is also offered to the queue's agents like a call:
//! they accept or reject the offer here, and closing it ends their work on it.

use crate::extract::ApiQuery;
use crate::{AnyUser, ApiError, AppState, Caller};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use sb_engine::acd::agent_of;
use sb_store::{MAX_VOICEMAIL_LIMIT, Voicemail, VoicemailState};
use sb_types::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_voicemails))
        .routes(routes!(voicemail_audio))
        .routes(routes!(close_voicemail))
        .routes(routes!(accept_voicemail))
        .routes(routes!(reject_voicemail))
}

/// Which messages.
#[derive(Deserialize, IntoParams)]
struct ListQuery {
    /// `new` (default), `done` or `all`.
    #[serde(default = "default_state")]
    state: String,
    /// Only this mailbox.
    mailbox: Option<String>,
    /// At most this many (1–200, default 50).
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_state() -> String {
    "new".into()
}

fn default_limit() -> u32 {
    50
}

/// A voicemail message.
#[derive(Serialize, ToSchema)]
struct VoicemailView {
    id: String,
    /// The call that left it.
    call: String,
    /// Whose mailbox: a queue's name, or the flow's own name for it.
    mailbox: String,
    /// The caller's number (empty when withheld).
    caller: String,
    /// The number they dialled.
    called: String,
    /// Length in milliseconds.
    duration_ms: u64,
    /// When it was left, milliseconds since the Unix epoch.
    received_at: i64,
    /// `new` or `done`.
    state: String,
    /// Who closed it, and when.
    handled_by: Option<Uuid>,
    handled_at: Option<i64>,
    /// Where to fetch the audio (WAV).
    audio: String,
}

fn view(v: Voicemail) -> VoicemailView {
    VoicemailView {
        audio: format!("/api/v1/voicemails/{}/audio", v.id),
        call: v.message.call_id,
        mailbox: v.message.mailbox,
        caller: v.message.caller,
        called: v.message.called,
        duration_ms: v.message.duration_ms,
        received_at: v.message.received_at.as_millis(),
        state: match v.state {
            VoicemailState::New => "new",
            VoicemailState::Done => "done",
        }
        .into(),
        handled_by: v.handled_by.map(|u| u.as_uuid()),
        handled_at: v.handled_at.map(|t| t.as_millis()),
        id: v.id,
    }
}

/// The mailboxes `c` may read: `None` for every one (supervisors and admins), else the names
/// of the queues the agent serves.
async fn mailboxes(state: &AppState, c: &Caller) -> Result<Option<Vec<String>>, ApiError> {
    if c.user.role.allows(Role::Supervisor) {
        return Ok(None);
    }
    let Some(acd) = &state.acd else {
        return Ok(Some(Vec::new()));
    };
    let served = acd
        .agent_queues(c.tenant.id, agent_of(c.user.id))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let queues = state.store.list_queues(c.tenant.id).await?;
    let names = queues
        .into_iter()
        .filter(|q| served.iter().any(|g| g.queue == q.id))
        .map(|q| q.name)
        .collect();
    Ok(Some(names))
}

/// The message `id` when `c` may read it; otherwise not found (as if it did not exist).
async fn readable(state: &AppState, c: &Caller, id: &str) -> Result<Voicemail, ApiError> {
    let message = state.store.voicemail(c.tenant.id, id).await?;
    match mailboxes(state, c).await? {
        Some(own) if !own.contains(&message.message.mailbox) => {
            Err(ApiError::NotFound(format!("voicemail {id:?}")))
        }
        _ => Ok(message),
    }
}

/// Voicemail messages, newest first.
#[utoipa::path(get, path = "/voicemails", tag = "calls", params(ListQuery),
    responses((status = 200, body = [VoicemailView]), (status = 400), (status = 401)))]
async fn list_voicemails(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<VoicemailView>>, ApiError> {
    let wanted = match q.state.as_str() {
        "new" => Some(VoicemailState::New),
        "done" => Some(VoicemailState::Done),
        "all" => None,
        _ => return Err(ApiError::invalid("state", "new, done or all")),
    };
    if !(1..=MAX_VOICEMAIL_LIMIT).contains(&q.limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 200"));
    }
    let mut boxes = mailboxes(&state, &c).await?;
    if let Some(one) = q.mailbox {
        boxes = match boxes {
            Some(own) if !own.contains(&one) => Some(Vec::new()),
            _ => Some(vec![one]),
        };
    }
    let list = state
        .store
        .voicemails(c.tenant.id, boxes.as_deref(), wanted, q.limit)
        .await?;
    Ok(Json(list.into_iter().map(view).collect()))
}

/// The message's audio: 8 kHz mono WAV.
#[utoipa::path(get, path = "/voicemails/{id}/audio", tag = "calls",
    params(("id" = String, Path, description = "The message's id")),
    responses((status = 200, content_type = "audio/wav"), (status = 401), (status = 404)))]
async fn voicemail_audio(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let message = readable(&state, &c, &id).await?;
    let gone = || ApiError::NotFound(format!("voicemail audio {id:?}"));
    let dir = state.recordings.as_ref().ok_or_else(gone)?;
    let path = dir.join(&message.message.file);
    let bytes = tokio::fs::read(&path).await.map_err(|e| {
        tracing::warn!(path = %path.display(), error = %e, "voicemail audio unreadable");
        gone()
    })?;
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// Marks the message dealt with (by the caller of this route).
#[utoipa::path(post, path = "/voicemails/{id}/close", tag = "calls",
    params(("id" = String, Path, description = "The message's id")),
    responses((status = 200, body = VoicemailView), (status = 401), (status = 404),
        (status = 409, description = "Closed already")))]
async fn close_voicemail(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<String>,
) -> Result<Json<VoicemailView>, ApiError> {
    readable(&state, &c, &id).await?;
    let closed = state
        .store
        .close_voicemail(c.tenant.id, &id, c.user.id, crate::now())
        .await?;
    state
        .store
        .append_audit(c.audit(
            "voicemail.close",
            format!("voicemail:{id}"),
            serde_json::json!({}),
        ))
        .await?;
    if let Some(desk) = &state.voicemails {
        desk.closed(c.tenant.id, &id).await;
    }
    Ok(Json(view(closed)))
}

/// What the desk says, as the API answers it.
fn desk_error(e: sb_engine::voicemails::DeskError) -> ApiError {
    use sb_engine::voicemails::DeskError;
    match e {
        DeskError::NotOffered(_) => ApiError::Conflict(e.to_string()),
        DeskError::Acd(_) | DeskError::Store(_) => ApiError::Internal(e.to_string()),
    }
}

fn desk(state: &AppState) -> Result<&sb_engine::voicemails::VoicemailDesk, ApiError> {
    state
        .voicemails
        .as_ref()
        .ok_or_else(|| ApiError::Conflict("voicemail routing does not run on this server".into()))
}

/// Takes the message offered to the caller: it is theirs until they close it.
#[utoipa::path(post, path = "/voicemails/{id}/accept", tag = "calls",
    params(("id" = String, Path, description = "The message's id")),
    responses((status = 204), (status = 401), (status = 404),
        (status = 409, description = "Not offered to you (any more)")))]
async fn accept_voicemail(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    answer_offer(&state, &c, &id, true).await
}

/// Declines the message offered to the caller: it goes back to its place in the queue.
#[utoipa::path(post, path = "/voicemails/{id}/reject", tag = "calls",
    params(("id" = String, Path, description = "The message's id")),
    responses((status = 204), (status = 401), (status = 404),
        (status = 409, description = "Not offered to you (any more)")))]
async fn reject_voicemail(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    answer_offer(&state, &c, &id, false).await
}

/// Takes (`take`) or declines the message `id` offered to the caller.
async fn answer_offer(
    state: &AppState,
    c: &Caller,
    id: &str,
    take: bool,
) -> Result<axum::http::StatusCode, ApiError> {
    readable(state, c, id).await?;
    let (desk, agent) = (desk(state)?, agent_of(c.user.id));
    let answered = match take {
        true => desk.accept(c.tenant.id, agent, id).await,
        false => desk.reject(c.tenant.id, agent, id).await,
    };
    answered.map_err(desk_error)?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
