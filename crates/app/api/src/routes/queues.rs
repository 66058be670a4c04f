//! ACD queues: channel and routing settings (checked by the ACD's own rules).

use crate::extract::{ApiJson, parse_id};
use crate::{Admin, ApiError, AppState, Caller, Supervisor};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sb_store::{Queue, QueueSpec};
use sb_types::{Channel, QueueId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_queues, create_queue))
        .routes(routes!(get_queue, update_queue, delete_queue))
}

/// A queue.
#[derive(Serialize, ToSchema)]
struct QueueView {
    id: uuid::Uuid,
    name: String,
    /// voice, email, chat or sms.
    #[schema(value_type = String)]
    channel: Channel,
    /// Routing settings: service level, strategy, skills (by name), bullseye, overflow…
    #[schema(value_type = Object)]
    settings: serde_json::Value,
}

/// A queue to create or replace.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct QueueBody {
    /// Unique name.
    name: String,
    /// voice, email, chat or sms.
    #[schema(value_type = String)]
    channel: Channel,
    /// Routing settings (see docs/acd.md); skills and overflow targets by name.
    #[serde(default = "empty")]
    #[schema(value_type = Object)]
    settings: serde_json::Value,
}

fn empty() -> serde_json::Value {
    serde_json::json!({})
}

fn view(q: Queue) -> QueueView {
    QueueView {
        id: q.id.as_uuid(),
        name: q.name,
        channel: q.channel,
        settings: q.settings,
    }
}

/// Checks the settings by the ACD's rules, with names resolved in the caller's tenant.
async fn check(
    state: &AppState,
    c: &Caller,
    id: QueueId,
    body: &QueueBody,
) -> Result<(), ApiError> {
    let mut names = sb_engine::known_names(state.store.as_ref(), &c.tenant.name).await?;
    names.queues.entry(body.name.clone()).or_insert(id);
    sb_engine::queue_config(id, &body.name, body.channel, &body.settings, &names)
        .map(|_| ())
        .map_err(|(field, message)| {
            ApiError::invalid(
                format!("settings.{field}")
                    .trim_end_matches('.')
                    .to_string(),
                message,
            )
        })
}

/// Lists the tenant's queues.
#[utoipa::path(get, path = "/queues", tag = "routing", responses((status = 200, body = [QueueView])))]
async fn list_queues(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
) -> Result<Json<Vec<QueueView>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_queues(c.tenant.id)
            .await?
            .into_iter()
            .map(view)
            .collect(),
    ))
}

/// Creates a queue.
#[utoipa::path(post, path = "/queues", tag = "routing", request_body = QueueBody,
    responses((status = 201, body = QueueView), (status = 400), (status = 409)))]
async fn create_queue(
    State(state): State<AppState>,
    Admin(c): Admin,
    ApiJson(req): ApiJson<QueueBody>,
) -> Result<(StatusCode, Json<QueueView>), ApiError> {
    check(&state, &c, QueueId::from_u128(0), &req).await?;
    let queue = state
        .store
        .create_queue(
            c.tenant.id,
            QueueSpec {
                name: req.name,
                channel: req.channel,
                settings: req.settings,
            },
        )
        .await?;
    state
        .store
        .append_audit(c.audit(
            "queue.create",
            format!("queue:{}", queue.id),
            serde_json::json!({"name": queue.name}),
        ))
        .await?;
    Ok((StatusCode::CREATED, Json(view(queue))))
}

/// One queue.
#[utoipa::path(get, path = "/queues/{id}", tag = "routing", responses((status = 200, body = QueueView), (status = 404)))]
async fn get_queue(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
    Path(id): Path<String>,
) -> Result<Json<QueueView>, ApiError> {
    let id: QueueId = parse_id("queue", &id)?;
    Ok(Json(view(state.store.get_queue(c.tenant.id, id).await?)))
}

/// Replaces a queue's name, channel and settings.
#[utoipa::path(put, path = "/queues/{id}", tag = "routing", request_body = QueueBody,
    responses((status = 200, body = QueueView), (status = 400), (status = 404)))]
async fn update_queue(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<QueueBody>,
) -> Result<Json<QueueView>, ApiError> {
    let id: QueueId = parse_id("queue", &id)?;
    state.store.get_queue(c.tenant.id, id).await?;
    check(&state, &c, id, &req).await?;
    let details = serde_json::json!({"name": req.name, "settings": req.settings});
    let queue = state
        .store
        .update_queue(
            c.tenant.id,
            id,
            QueueSpec {
                name: req.name,
                channel: req.channel,
                settings: req.settings,
            },
        )
        .await?;
    state
        .store
        .append_audit(c.audit("queue.update", format!("queue:{id}"), details))
        .await?;
    Ok(Json(view(queue)))
}

/// Deletes a queue.
#[utoipa::path(delete, path = "/queues/{id}", tag = "routing", responses((status = 204), (status = 404)))]
async fn delete_queue(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: QueueId = parse_id("queue", &id)?;
    let queue = state.store.get_queue(c.tenant.id, id).await?;
    state.store.delete_queue(c.tenant.id, id).await?;
    state
        .store
        .append_audit(c.audit(
            "queue.delete",
            format!("queue:{id}"),
            serde_json::json!({"name": queue.name}),
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
