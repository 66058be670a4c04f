//! Teams of the caller's tenant.

use crate::extract::{ApiJson, parse_id};
use crate::views::TeamView;
use crate::{Admin, ApiError, AppState, Supervisor};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sb_types::{TeamId, UserId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team, delete_team))
        .routes(routes!(set_members))
}

/// A team to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateTeam {
    /// Unique name.
    name: String,
    /// Member user ids.
    #[serde(default)]
    members: Vec<uuid::Uuid>,
}

fn user_ids(ids: &[uuid::Uuid]) -> Vec<UserId> {
    ids.iter().map(|u| UserId::from_uuid(*u)).collect()
}

/// Lists the tenant's teams.
#[utoipa::path(get, path = "/teams", tag = "skills", responses((status = 200, body = [TeamView])))]
async fn list_teams(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
) -> Result<Json<Vec<TeamView>>, ApiError> {
    let teams = state.store.list_teams(c.tenant.id).await?;
    Ok(Json(teams.iter().map(TeamView::from).collect()))
}

/// Creates a team.
#[utoipa::path(post, path = "/teams", tag = "skills", request_body = CreateTeam,
    responses((status = 201, body = TeamView), (status = 400), (status = 409)))]
async fn create_team(
    State(state): State<AppState>,
    Admin(c): Admin,
    ApiJson(req): ApiJson<CreateTeam>,
) -> Result<(StatusCode, Json<TeamView>), ApiError> {
    let team = state
        .store
        .create_team(c.tenant.id, &req.name, user_ids(&req.members))
        .await?;
    let details = serde_json::json!({ "name": team.name, "members": req.members });
    state
        .store
        .append_audit(c.audit("team.create", format!("team:{}", team.id), details))
        .await?;
    Ok((StatusCode::CREATED, Json(TeamView::from(&team))))
}

/// One team.
#[utoipa::path(get, path = "/teams/{id}", tag = "skills", responses((status = 200, body = TeamView), (status = 404)))]
async fn get_team(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
    Path(id): Path<String>,
) -> Result<Json<TeamView>, ApiError> {
    let id: TeamId = parse_id("team", &id)?;
    Ok(Json(TeamView::from(
        &state.store.get_team(c.tenant.id, id).await?,
    )))
}

/// Replaces a team's members.
#[utoipa::path(put, path = "/teams/{id}/members", tag = "skills", request_body = [uuid::Uuid],
    responses((status = 200, body = TeamView), (status = 400), (status = 404)))]
async fn set_members(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
    ApiJson(members): ApiJson<Vec<uuid::Uuid>>,
) -> Result<Json<TeamView>, ApiError> {
    let id: TeamId = parse_id("team", &id)?;
    let team = state
        .store
        .set_team_members(c.tenant.id, id, user_ids(&members))
        .await?;
    let details = serde_json::json!({ "members": members });
    state
        .store
        .append_audit(c.audit("team.members", format!("team:{id}"), details))
        .await?;
    Ok(Json(TeamView::from(&team)))
}

/// Deletes a team (its members stay).
#[utoipa::path(delete, path = "/teams/{id}", tag = "skills", responses((status = 204), (status = 404)))]
async fn delete_team(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: TeamId = parse_id("team", &id)?;
    let team = state.store.get_team(c.tenant.id, id).await?;
    state.store.delete_team(c.tenant.id, id).await?;
    let details = serde_json::json!({ "name": team.name });
    state
        .store
        .append_audit(c.audit("team.delete", format!("team:{id}"), details))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
