//! Canned responses of the email channel: the tenant's reusable answers, whose subject and text
//! are templates filled from the conversation (see `sb_engine::email::render_canned_response`).
//! Every user of the tenant lists them; admins write and delete them (templates checked before
//! anything is stored, every change audited); whoever may reply to a conversation (the agent
//! who holds it or handled it last, supervisors and admins) has one filled in for it, to edit
//! before sending.

use super::conversations::workable;
use crate::extract::ApiJson;
use crate::{Admin, AnyUser, ApiError, AppState, Caller, now};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sb_engine::email::{
    CannedResponseError, CannedVariables, check_canned_response, render_canned_response,
};
use sb_store::{CannedResponse, CannedResponseSpec, StoreError};
use sb_types::QueueId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_canned_responses))
        .routes(routes!(put_canned_response, delete_canned_response))
        .routes(routes!(render))
}

/// A canned response.
#[derive(Serialize, ToSchema)]
struct CannedResponseView {
    /// Its name: 1 to 64 of `a-z`, `0-9`, `-` and `_`.
    name: String,
    /// The subject template; none keeps the conversation's subject.
    subject: Option<String>,
    /// The text template.
    body: String,
    /// When it was last saved, in milliseconds since the Unix epoch.
    updated_at: i64,
}

fn view(r: CannedResponse) -> CannedResponseView {
    CannedResponseView {
        name: r.name,
        subject: r.subject,
        body: r.body,
        updated_at: r.updated_at.as_millis(),
    }
}

/// A canned response's content. Both are minijinja templates over `customer`,
/// `customer_name`, `agent_name`, `subject`, `token` and `queue` (see docs/email.md).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CannedResponseBody {
    /// One line of at most 200 characters; absent (or empty), replies keep the conversation's
    /// subject.
    #[serde(default)]
    subject: Option<String>,
    /// The text, at most 16 KiB.
    body: String,
}

/// A canned response filled in for one conversation.
#[derive(Serialize, ToSchema)]
struct RenderedView {
    /// The subject for the reply; none when the response has none (keep the conversation's).
    subject: Option<String>,
    /// The text to put in the reply.
    body: String,
}

/// The tenant's canned responses, by name.
#[utoipa::path(get, path = "/email/canned-responses", tag = "email",
    responses((status = 200, body = [CannedResponseView]), (status = 401)))]
async fn list_canned_responses(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
) -> Result<Json<Vec<CannedResponseView>>, ApiError> {
    let all = state.store.list_canned_responses(c.tenant.id).await?;
    Ok(Json(all.into_iter().map(view).collect()))
}

/// Creates or replaces the canned response `name`, once its templates compile and use only the
/// known variables (400 naming `name`, `subject` or `body` otherwise).
#[utoipa::path(put, path = "/email/canned-responses/{name}", tag = "email",
    params(("name" = String, Path, description = "The response's name")),
    request_body = CannedResponseBody,
    responses((status = 200, body = CannedResponseView), (status = 400), (status = 401),
        (status = 403)))]
async fn put_canned_response(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<CannedResponseBody>,
) -> Result<Json<CannedResponseView>, ApiError> {
    let spec = CannedResponseSpec {
        name,
        subject: body.subject.filter(|s| !s.is_empty()),
        body: body.body,
    };
    spec.validate()?;
    check_canned_response(&spec).map_err(|e| ApiError::invalid(e.field(), e.to_string()))?;
    let saved = state
        .store
        .upsert_canned_response(c.tenant.id, spec, now())
        .await?;
    state
        .store
        .append_audit(c.audit(
            "canned_response.put",
            format!("canned_response:{}", saved.name),
            serde_json::json!({}),
        ))
        .await?;
    Ok(Json(view(saved)))
}

/// Deletes the canned response `name`.
#[utoipa::path(delete, path = "/email/canned-responses/{name}", tag = "email",
    params(("name" = String, Path, description = "The response's name")),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
async fn delete_canned_response(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .delete_canned_response(c.tenant.id, &name)
        .await?;
    state
        .store
        .append_audit(c.audit(
            "canned_response.delete",
            format!("canned_response:{name}"),
            serde_json::json!({}),
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Fills the canned response `name` in for the conversation: the customer's address and name,
/// the caller's display name, the conversation's subject, token and queue. Nothing is stored
/// or sent; the agent edits the text and replies as usual.
#[utoipa::path(post, path = "/conversations/{id}/canned-responses/{name}/render", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation"),
        ("name" = String, Path, description = "The response's name")),
    responses((status = 200, body = RenderedView), (status = 401), (status = 404),
        (status = 409, description = "Not yours to answer, or the response's template fails")))]
async fn render(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path((id, name)): Path<(Uuid, String)>,
) -> Result<Json<RenderedView>, ApiError> {
    let conversation = workable(&state, &c, id).await?;
    let response = state.store.get_canned_response(c.tenant.id, &name).await?;
    let queue = match conversation.queue_id {
        Some(q) => queue_name(&state, &c, q).await?,
        None => None,
    };
    let agent_name = match c.user.display_name.as_str() {
        "" => c.user.username.as_str(),
        display_name => display_name,
    };
    let variables = CannedVariables::of(&conversation, agent_name, queue.as_deref());
    let filled = render_canned_response(&response, &variables).map_err(render_error)?;
    Ok(Json(RenderedView {
        subject: filled.subject,
        body: filled.body,
    }))
}

/// The name of the queue `id`; none when it was deleted since the conversation was routed.
async fn queue_name(state: &AppState, c: &Caller, id: QueueId) -> Result<Option<String>, ApiError> {
    match state.store.get_queue(c.tenant.id, id).await {
        Ok(queue) => Ok(Some(queue.name)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A stored response that cannot be filled in conflicts with what the request needs; the
/// message names the response and the field an admin has to fix.
fn render_error(e: CannedResponseError) -> ApiError {
    ApiError::Conflict(e.to_string())
}
