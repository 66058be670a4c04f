//! Routing flows: drafts, published versions, rollback, and a dry run against test cases.

use crate::extract::{ApiJson, parse_id};
use crate::{Admin, ApiError, AppState, Caller, Supervisor, now};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sb_store::{Flow, FlowVersion};
use sb_types::FlowId;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_flows, create_flow))
        .routes(routes!(get_flow, delete_flow))
        .routes(routes!(get_version))
        .routes(routes!(save_draft))
        .routes(routes!(publish))
        .routes(routes!(dry_run))
}

/// A flow and its published version.
#[derive(Serialize, ToSchema)]
struct FlowView {
    id: uuid::Uuid,
    name: String,
    /// The version new interactions run; earlier ones stay available for rollback.
    published_version: Option<u32>,
    created_at: i64,
}

/// One version of a flow.
#[derive(Serialize, ToSchema)]
struct VersionView {
    version: u32,
    /// `draft` or `published`.
    state: String,
    created_at: i64,
    published_at: Option<i64>,
    /// The flow document (see `flow.schema.json`).
    #[schema(value_type = Object)]
    document: serde_json::Value,
}

/// A flow with all its versions.
#[derive(Serialize, ToSchema)]
struct FlowDetail {
    #[serde(flatten)]
    flow: FlowView,
    versions: Vec<VersionView>,
}

fn flow_view(f: &Flow) -> FlowView {
    FlowView {
        id: f.id.as_uuid(),
        name: f.name.clone(),
        published_version: f.published_version,
        created_at: f.created_at.as_millis(),
    }
}

fn version_view(v: FlowVersion) -> VersionView {
    VersionView {
        version: v.version,
        state: v.state.as_str().into(),
        created_at: v.created_at.as_millis(),
        published_at: v.published_at.map(|t| t.as_millis()),
        document: v.document,
    }
}

/// A new flow and its first draft.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateFlow {
    /// Unique name.
    name: String,
    /// The flow document.
    #[schema(value_type = Object)]
    document: serde_json::Value,
}

/// A draft document.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Draft {
    /// The flow document.
    #[schema(value_type = Object)]
    document: serde_json::Value,
}

/// Which version to publish (a newer draft, or an older version to roll back to).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Publish {
    /// The version number.
    version: u32,
}

/// A flow and test cases to run it against, without saving anything.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DryRun {
    /// The flow document.
    #[schema(value_type = Object)]
    document: serde_json::Value,
    /// Test cases in the format of `switchboard flow test` (the catalog is the tenant's).
    #[schema(value_type = Object)]
    cases: serde_json::Value,
}

/// What a dry run did.
#[derive(Serialize, ToSchema)]
struct DryRunResult {
    passed: usize,
    failed: usize,
    /// The path each case took and each expectation's verdict, as text.
    transcript: String,
}

/// Compiles `document` against the caller's tenant; every problem names its block and field.
async fn compile(
    state: &AppState,
    c: &Caller,
    document: &serde_json::Value,
) -> Result<Arc<sb_flow::Program>, ApiError> {
    let doc: sb_flow::Document = serde_json::from_value(document.clone())
        .map_err(|e| ApiError::Problems(vec![format!("document: {e}")]))?;
    let mut names = sb_engine::known_names(state.store.as_ref(), &c.tenant.name).await?;
    names.prompts = super::prompts::tenant_prompt_ids(state, c).await?;
    let catalog = sb_engine::flow_catalog(&names);
    sb_flow::compile(&doc, &catalog)
        .map(Arc::new)
        .map_err(|diags| ApiError::Problems(diags.iter().map(ToString::to_string).collect()))
}

/// Lists the tenant's flows.
#[utoipa::path(get, path = "/flows", tag = "flows", responses((status = 200, body = [FlowView])))]
async fn list_flows(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
) -> Result<Json<Vec<FlowView>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_flows(c.tenant.id)
            .await?
            .iter()
            .map(flow_view)
            .collect(),
    ))
}

/// Creates a flow with its document as draft version 1 (checked first).
#[utoipa::path(post, path = "/flows", tag = "flows", request_body = CreateFlow,
    responses((status = 201, body = FlowView), (status = 400), (status = 409)))]
async fn create_flow(
    State(state): State<AppState>,
    Admin(c): Admin,
    ApiJson(req): ApiJson<CreateFlow>,
) -> Result<(StatusCode, Json<FlowView>), ApiError> {
    compile(&state, &c, &req.document).await?;
    let flow = state
        .store
        .create_flow(c.tenant.id, &req.name, now())
        .await?;
    state
        .store
        .save_draft(c.tenant.id, flow.id, req.document, now())
        .await?;
    state
        .store
        .append_audit(c.audit(
            "flow.create",
            format!("flow:{}", flow.id),
            serde_json::json!({"name": flow.name}),
        ))
        .await?;
    Ok((StatusCode::CREATED, Json(flow_view(&flow))))
}

/// A flow with its versions.
#[utoipa::path(get, path = "/flows/{id}", tag = "flows", responses((status = 200, body = FlowDetail), (status = 404)))]
async fn get_flow(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
    Path(id): Path<String>,
) -> Result<Json<FlowDetail>, ApiError> {
    let id: FlowId = parse_id("flow", &id)?;
    let flow = state.store.get_flow(c.tenant.id, id).await?;
    let versions = state.store.list_flow_versions(c.tenant.id, id).await?;
    Ok(Json(FlowDetail {
        flow: flow_view(&flow),
        versions: versions.into_iter().map(version_view).collect(),
    }))
}

/// One version of a flow.
#[utoipa::path(get, path = "/flows/{id}/versions/{version}", tag = "flows", responses((status = 200, body = VersionView), (status = 404)))]
async fn get_version(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
    Path((id, version)): Path<(String, u32)>,
) -> Result<Json<VersionView>, ApiError> {
    let id: FlowId = parse_id("flow", &id)?;
    Ok(Json(version_view(
        state
            .store
            .get_flow_version(c.tenant.id, id, version)
            .await?,
    )))
}

/// Saves a new draft version (checked first); the published version does not change.
#[utoipa::path(put, path = "/flows/{id}/draft", tag = "flows", request_body = Draft,
    responses((status = 200, body = VersionView), (status = 400), (status = 404)))]
async fn save_draft(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Draft>,
) -> Result<Json<VersionView>, ApiError> {
    let id: FlowId = parse_id("flow", &id)?;
    state.store.get_flow(c.tenant.id, id).await?;
    compile(&state, &c, &req.document).await?;
    let version = state
        .store
        .save_draft(c.tenant.id, id, req.document, now())
        .await?;
    state
        .store
        .append_audit(c.audit(
            "flow.draft",
            format!("flow:{id}"),
            serde_json::json!({"version": version.version}),
        ))
        .await?;
    Ok(Json(version_view(version)))
}

/// Publishes a version: a newer draft, or an older version to roll back to. New interactions
/// run it; interactions already in the flow keep the version they started with.
#[utoipa::path(post, path = "/flows/{id}/publish", tag = "flows", request_body = Publish,
    responses((status = 200, body = VersionView), (status = 400), (status = 404)))]
async fn publish(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Publish>,
) -> Result<Json<VersionView>, ApiError> {
    let id: FlowId = parse_id("flow", &id)?;
    let candidate = state
        .store
        .get_flow_version(c.tenant.id, id, req.version)
        .await?;
    compile(&state, &c, &candidate.document).await?;
    let version = state
        .store
        .publish_flow(c.tenant.id, id, req.version, now())
        .await?;
    state
        .store
        .append_audit(c.audit(
            "flow.publish",
            format!("flow:{id}"),
            serde_json::json!({"version": req.version}),
        ))
        .await?;
    Ok(Json(version_view(version)))
}

/// Deletes a flow with all its versions, unless a point of contact still starts it.
#[utoipa::path(delete, path = "/flows/{id}", tag = "flows", responses((status = 204), (status = 404), (status = 409)))]
async fn delete_flow(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: FlowId = parse_id("flow", &id)?;
    let flow = state.store.get_flow(c.tenant.id, id).await?;
    let used = state
        .store
        .list_points_of_contact(c.tenant.id)
        .await?
        .into_iter()
        .find(|p| p.flow == flow.name);
    if let Some(poc) = used {
        return Err(ApiError::Conflict(format!(
            "flow {:?} is started by point of contact {}",
            flow.name, poc.address
        )));
    }
    state.store.delete_flow(c.tenant.id, id).await?;
    state
        .store
        .append_audit(c.audit(
            "flow.delete",
            format!("flow:{id}"),
            serde_json::json!({"name": flow.name}),
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs a flow against test cases without saving or publishing anything.
#[utoipa::path(post, path = "/flows/dry-run", tag = "flows", request_body = DryRun,
    responses((status = 200, body = DryRunResult), (status = 400)))]
async fn dry_run(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
    ApiJson(req): ApiJson<DryRun>,
) -> Result<Json<DryRunResult>, ApiError> {
    let program = compile(&state, &c, &req.document).await?;
    let cases: sb_flow::script::CaseFile =
        serde_json::from_value(req.cases).map_err(|e| ApiError::invalid("cases", e.to_string()))?;
    let transcript = sb_flow::script::run(&program, &cases);
    let (passed, failed) = transcript.counts();
    Ok(Json(DryRunResult {
        passed,
        failed,
        transcript: transcript.to_string(),
    }))
}
