//! The tenant's audit log: every configuration change, who, what, when, from where.

use crate::extract::ApiQuery;
use crate::{Admin, ApiError, AppState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// Paging backwards through the audit log.
#[derive(Deserialize, IntoParams)]
struct AuditQuery {
    /// Entries older than this id (none: the newest).
    before: Option<i64>,
    /// At most this many (1–1000, default 100).
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_limit() -> u32 {
    100
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
struct AuditView {
    id: i64,
    at: i64,
    actor: String,
    ip: Option<String>,
    action: String,
    target: String,
    details: serde_json::Value,
}

/// The newest audit entries first.
#[utoipa::path(get, path = "/audit", tag = "logs", params(AuditQuery), responses((status = 200, body = [AuditView])))]
async fn list_audit(
    State(state): State<AppState>,
    Admin(c): Admin,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    if !(1..=1000).contains(&q.limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 1000"));
    }
    let entries = state
        .store
        .list_audit(c.tenant.id, q.limit, q.before)
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditView {
                id: e.id,
                at: e.at.as_millis(),
                actor: e.actor,
                ip: e.ip,
                action: e.action,
                target: e.target,
                details: e.details,
            })
            .collect(),
    ))
}
