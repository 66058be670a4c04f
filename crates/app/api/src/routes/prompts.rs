//! Recorded prompts: the tenant's uploads (WAV or MP3, converted to 8 kHz mono when stored) and
//! the built-in ones (`default:…`), which flows play with `say: { prompt: <id> }`. A prompt a
//! published flow plays cannot be deleted.

use crate::{Admin, ApiError, AppState, Caller, Supervisor};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use sb_engine::prompts::{MAX_UPLOAD_BYTES, PromptError, PromptLibrary, default_ids, flow_prompts};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_prompts))
        .routes(routes!(upload_prompt, delete_prompt))
        .routes(routes!(prompt_audio))
        // Room for the largest upload (the decoder refuses anything over it with a clear error).
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 1))
}

/// A prompt.
#[derive(Serialize, ToSchema)]
struct PromptView {
    /// What flows name it by: the upload's name, or `default:<name>` for a built-in one.
    id: String,
    /// Shipped with Switchboard (cannot be replaced or deleted).
    built_in: bool,
    /// Length in milliseconds (uploads).
    duration_ms: Option<u64>,
    /// Size of the stored 8 kHz WAV (uploads).
    bytes: Option<u64>,
}

fn library(state: &AppState) -> Result<&PromptLibrary, ApiError> {
    state
        .prompts
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("prompts (no voice on this server)".into()))
}

fn prompt_error(e: PromptError) -> ApiError {
    match e {
        PromptError::UnknownPrompt { id } => ApiError::NotFound(format!("prompt {id:?}")),
        PromptError::BadName { .. } => ApiError::invalid("name", e.to_string()),
        PromptError::BadAudio { .. }
        | PromptError::TooLarge { .. }
        | PromptError::TooLong { .. } => ApiError::invalid("body", e.to_string()),
        other => ApiError::Internal(other.to_string()),
    }
}

/// The built-in prompts and the tenant's uploads.
#[utoipa::path(get, path = "/prompts", tag = "flows",
    responses((status = 200, body = [PromptView]), (status = 401), (status = 403)))]
async fn list_prompts(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
) -> Result<Json<Vec<PromptView>>, ApiError> {
    let uploads = library(&state)?
        .list(c.tenant.id)
        .await
        .map_err(prompt_error)?;
    let built_in = default_ids().map(|id| PromptView {
        id,
        built_in: true,
        duration_ms: None,
        bytes: None,
    });
    let uploaded = uploads.into_iter().map(|p| PromptView {
        id: p.id,
        built_in: false,
        duration_ms: Some(p.duration_ms),
        bytes: Some(p.bytes),
    });
    Ok(Json(built_in.chain(uploaded).collect()))
}

/// Stores (or replaces) the tenant's prompt `name` from a WAV or MP3 body (at most 20 MiB and
/// 10 minutes); flows play it as `say: { prompt: <name> }`.
#[utoipa::path(put, path = "/prompts/{id}", tag = "flows",
    params(("id" = String, Path, description = "1 to 64 of a-z 0-9 _ -")),
    request_body(content = Vec<u8>, content_type = "audio/wav", description = "WAV or MP3"),
    responses((status = 200, body = PromptView), (status = 400), (status = 401), (status = 403)))]
async fn upload_prompt(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Json<PromptView>, ApiError> {
    if name.starts_with("default:") {
        return Err(ApiError::invalid(
            "name",
            "built-in prompts cannot be replaced",
        ));
    }
    let info = library(&state)?
        .store_upload(c.tenant.id, &name, &body)
        .await
        .map_err(prompt_error)?;
    let details = serde_json::json!({ "duration_ms": info.duration_ms, "bytes": info.bytes });
    state
        .store
        .append_audit(c.audit("prompt.upload", format!("prompt:{name}"), details))
        .await?;
    Ok(Json(PromptView {
        id: info.id,
        built_in: false,
        duration_ms: Some(info.duration_ms),
        bytes: Some(info.bytes),
    }))
}

/// Deletes the tenant's prompt `name`; 409 while a published flow plays it.
#[utoipa::path(delete, path = "/prompts/{id}", tag = "flows",
    params(("id" = String, Path, description = "The upload's name")),
    responses((status = 204), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "A published flow plays it")))]
async fn delete_prompt(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    let lib = library(&state)?;
    if let Some(flow) = published_user(&state, &c, &name).await? {
        return Err(ApiError::Conflict(format!(
            "prompt {name:?} is played by the published flow {flow:?}"
        )));
    }
    lib.delete(c.tenant.id, &name).await.map_err(prompt_error)?;
    state
        .store
        .append_audit(c.audit(
            "prompt.delete",
            format!("prompt:{name}"),
            serde_json::json!({}),
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The name of a flow whose published version plays prompt `id`, if any.
async fn published_user(
    state: &AppState,
    c: &Caller,
    id: &str,
) -> Result<Option<String>, ApiError> {
    for flow in state.store.list_flows(c.tenant.id).await? {
        if flow.published_version.is_none() {
            continue;
        }
        let version = state.store.get_published_flow(c.tenant.id, flow.id).await?;
        let Ok(doc) = serde_json::from_value::<sb_flow::Document>(version.document) else {
            continue;
        };
        if flow_prompts(&doc).ids.contains(id) {
            return Ok(Some(flow.name));
        }
    }
    Ok(None)
}

/// The prompt's audio as stored: 8 kHz mono WAV.
#[utoipa::path(get, path = "/prompts/{id}/audio", tag = "flows",
    params(("id" = String, Path, description = "The prompt's id")),
    responses((status = 200, content_type = "audio/wav"), (status = 401), (status = 403), (status = 404)))]
async fn prompt_audio(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let wav = library(&state)?
        .wav(c.tenant.id, &name)
        .await
        .map_err(prompt_error)?;
    let mut response = Response::new(Body::from(wav));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    Ok(response)
}

/// Every prompt id the tenant's flows may play (built-in and uploaded); just the built-in ones
/// on a server without voice.
pub(super) async fn tenant_prompt_ids(
    state: &AppState,
    c: &Caller,
) -> Result<Vec<String>, ApiError> {
    match &state.prompts {
        Some(lib) => lib.ids(c.tenant.id).await.map_err(prompt_error),
        None => Ok(default_ids().collect()),
    }
}
