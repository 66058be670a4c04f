//! The tenant's event log.

use crate::extract::ApiQuery;
use crate::{ApiError, AppState, Supervisor};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_events))
}

/// Paging through the log.
#[derive(Deserialize, IntoParams)]
struct EventQuery {
    /// Return events with a sequence number above this (0: from the start).
    #[serde(default)]
    after: i64,
    /// At most this many (1–1000, default 100).
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_limit() -> u32 {
    100
}

/// One event.
#[derive(Serialize, ToSchema)]
struct EventView {
    seq: i64,
    at: i64,
    kind: String,
    subject: String,
    payload: serde_json::Value,
}

/// Events of the tenant in order, after a sequence number.
#[utoipa::path(get, path = "/events", tag = "logs", params(EventQuery), responses((status = 200, body = [EventView])))]
async fn list_events(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> Result<Json<Vec<EventView>>, ApiError> {
    if !(1..=1000).contains(&q.limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 1000"));
    }
    let events = state
        .store
        .read_events(c.tenant.id, q.after, q.limit)
        .await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| EventView {
                seq: e.seq,
                at: e.at.as_millis(),
                kind: e.kind,
                subject: e.subject,
                payload: e.payload,
            })
            .collect(),
    ))
}
