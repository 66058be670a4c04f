//! Points of contact: the numbers, addresses and chat windows that start flows.

use crate::extract::{ApiJson, parse_id};
use crate::{Admin, ApiError, AppState, Supervisor};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sb_store::{ContactKind, PointOfContact, PointOfContactSpec};
use sb_types::PointOfContactId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(get_contact, update_contact, delete_contact))
}

/// A point of contact.
#[derive(Serialize, ToSchema)]
struct ContactView {
    id: uuid::Uuid,
    /// phone, email, chat or sms.
    #[schema(value_type = String)]
    kind: ContactKind,
    /// The number (E.164), address or chat key; unique across all tenants.
    address: String,
    /// The flow it starts.
    flow: String,
    #[schema(value_type = Object)]
    settings: serde_json::Value,
}

/// A point of contact to create or replace.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    #[schema(value_type = String)]
    kind: ContactKind,
    address: String,
    /// The name of an existing flow.
    flow: String,
    #[serde(default = "empty")]
    #[schema(value_type = Object)]
    settings: serde_json::Value,
}

fn empty() -> serde_json::Value {
    serde_json::json!({})
}

fn view(p: PointOfContact) -> ContactView {
    ContactView {
        id: p.id.as_uuid(),
        kind: p.kind,
        address: p.address,
        flow: p.flow,
        settings: p.settings,
    }
}

fn spec(b: ContactBody) -> PointOfContactSpec {
    PointOfContactSpec {
        kind: b.kind,
        address: b.address,
        flow: b.flow,
        settings: b.settings,
    }
}

async fn check_flow(
    state: &AppState,
    tenant: sb_types::TenantId,
    flow: &str,
) -> Result<(), ApiError> {
    match state.store.get_flow_by_name(tenant, flow).await {
        Ok(_) => Ok(()),
        Err(sb_store::StoreError::NotFound { .. }) => {
            Err(ApiError::invalid("flow", format!("no flow named {flow:?}")))
        }
        Err(e) => Err(e.into()),
    }
}

/// Lists the tenant's points of contact.
#[utoipa::path(get, path = "/points-of-contact", tag = "routing", responses((status = 200, body = [ContactView])))]
async fn list_contacts(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
) -> Result<Json<Vec<ContactView>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_points_of_contact(c.tenant.id)
            .await?
            .into_iter()
            .map(view)
            .collect(),
    ))
}

/// Creates a point of contact.
#[utoipa::path(post, path = "/points-of-contact", tag = "routing", request_body = ContactBody,
    responses((status = 201, body = ContactView), (status = 400), (status = 409)))]
async fn create_contact(
    State(state): State<AppState>,
    Admin(c): Admin,
    ApiJson(req): ApiJson<ContactBody>,
) -> Result<(StatusCode, Json<ContactView>), ApiError> {
    check_flow(&state, c.tenant.id, &req.flow).await?;
    let poc = state
        .store
        .create_point_of_contact(c.tenant.id, spec(req))
        .await?;
    state
        .store
        .append_audit(c.audit(
            "point_of_contact.create",
            format!("poc:{}", poc.id),
            serde_json::json!({"address": poc.address, "flow": poc.flow}),
        ))
        .await?;
    Ok((StatusCode::CREATED, Json(view(poc))))
}

/// One point of contact.
#[utoipa::path(get, path = "/points-of-contact/{id}", tag = "routing", responses((status = 200, body = ContactView), (status = 404)))]
async fn get_contact(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
    Path(id): Path<String>,
) -> Result<Json<ContactView>, ApiError> {
    let id: PointOfContactId = parse_id("point of contact", &id)?;
    Ok(Json(view(
        state.store.get_point_of_contact(c.tenant.id, id).await?,
    )))
}

/// Replaces a point of contact.
#[utoipa::path(put, path = "/points-of-contact/{id}", tag = "routing", request_body = ContactBody,
    responses((status = 200, body = ContactView), (status = 400), (status = 404)))]
async fn update_contact(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ContactBody>,
) -> Result<Json<ContactView>, ApiError> {
    let id: PointOfContactId = parse_id("point of contact", &id)?;
    state.store.get_point_of_contact(c.tenant.id, id).await?;
    check_flow(&state, c.tenant.id, &req.flow).await?;
    let poc = state
        .store
        .update_point_of_contact(c.tenant.id, id, spec(req))
        .await?;
    state
        .store
        .append_audit(c.audit(
            "point_of_contact.update",
            format!("poc:{id}"),
            serde_json::json!({"address": poc.address, "flow": poc.flow}),
        ))
        .await?;
    Ok(Json(view(poc)))
}

/// Deletes a point of contact.
#[utoipa::path(delete, path = "/points-of-contact/{id}", tag = "routing", responses((status = 204), (status = 404)))]
async fn delete_contact(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: PointOfContactId = parse_id("point of contact", &id)?;
    let poc = state.store.get_point_of_contact(c.tenant.id, id).await?;
    state.store.delete_point_of_contact(c.tenant.id, id).await?;
    state
        .store
        .append_audit(c.audit(
            "point_of_contact.delete",
            format!("poc:{id}"),
            serde_json::json!({"address": poc.address}),
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
