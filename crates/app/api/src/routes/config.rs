//! The tenant's whole configuration as one document (the same as `switchboard import/export`).

use crate::extract::{ApiJson, ApiQuery};
use crate::{Admin, ApiError, AppState, now};
use axum::Json;
use axum::extract::State;
use sb_store::{ExportOptions, ImportSummary, TenantDocument};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(import))
}

/// Export options.
#[derive(Deserialize, IntoParams)]
struct ExportQuery {
    /// Include password hashes (to move users between installations).
    #[serde(default)]
    include_password_hashes: bool,
}

/// The tenant's configuration document (see `switchboard schema`).
#[utoipa::path(get, path = "/config/export", tag = "tenant", params(ExportQuery),
    responses((status = 200, description = "The tenant document", body = Object)))]
async fn export(
    State(state): State<AppState>,
    Admin(c): Admin,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Json<TenantDocument>, ApiError> {
    let options = ExportOptions {
        include_password_hashes: q.include_password_hashes,
    };
    Ok(Json(
        state
            .store
            .export_tenant_document(c.tenant.id, options)
            .await?,
    ))
}

/// Imports a document into the caller's tenant: validated first, applied in one transaction,
/// idempotent. The document must name the caller's tenant.
#[utoipa::path(post, path = "/config/import", tag = "tenant", request_body(content = Object, description = "A tenant document"),
    responses((status = 200, description = "What changed", body = Object), (status = 400), (status = 403)))]
async fn import(
    State(state): State<AppState>,
    Admin(c): Admin,
    ApiJson(mut doc): ApiJson<TenantDocument>,
) -> Result<Json<ImportSummary>, ApiError> {
    if doc.tenant.name != c.tenant.name {
        return Err(ApiError::Forbidden);
    }
    let mut known = sb_engine::known_names(state.store.as_ref(), &c.tenant.name).await?;
    known.prompts = super::prompts::tenant_prompt_ids(&state, &c).await?;
    if let Some(p) = sb_engine::validate_document(&doc, known).into_iter().next() {
        return Err(ApiError::invalid(p.field, p.message));
    }
    if let Some(secrets) = &state.email_secrets {
        sb_engine::seal_channel_passwords(&mut doc, secrets);
    }
    let actor = format!("user:{}", c.user.username);
    let summary = state
        .store
        .import_tenant_document(&doc, &actor, now())
        .await?;
    Ok(Json(summary))
}
