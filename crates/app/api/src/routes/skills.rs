//! Skills of the caller's tenant.

use crate::extract::{ApiJson, parse_id};
use crate::views::SkillView;
use crate::{Admin, AnyUser, ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sb_types::SkillId;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_skills, create_skill))
        .routes(routes!(delete_skill))
}

/// A skill to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateSkill {
    /// Unique name, e.g. `billing`.
    name: String,
}

/// Lists the tenant's skills.
#[utoipa::path(get, path = "/skills", tag = "skills", responses((status = 200, body = [SkillView])))]
async fn list_skills(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
) -> Result<Json<Vec<SkillView>>, ApiError> {
    let skills = state.store.list_skills(c.tenant.id).await?;
    Ok(Json(skills.iter().map(SkillView::from).collect()))
}

/// Creates a skill.
#[utoipa::path(post, path = "/skills", tag = "skills", request_body = CreateSkill,
    responses((status = 201, body = SkillView), (status = 400), (status = 409)))]
async fn create_skill(
    State(state): State<AppState>,
    Admin(c): Admin,
    ApiJson(req): ApiJson<CreateSkill>,
) -> Result<(StatusCode, Json<SkillView>), ApiError> {
    let skill = state.store.create_skill(c.tenant.id, &req.name).await?;
    let details = serde_json::json!({ "name": skill.name });
    state
        .store
        .append_audit(c.audit("skill.create", format!("skill:{}", skill.id), details))
        .await?;
    Ok((StatusCode::CREATED, Json(SkillView::from(&skill))))
}

/// Deletes a skill (and every agent's level in it).
#[utoipa::path(delete, path = "/skills/{id}", tag = "skills", responses((status = 204), (status = 404)))]
async fn delete_skill(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: SkillId = parse_id("skill", &id)?;
    let skill = state.store.get_skill(c.tenant.id, id).await?;
    state.store.delete_skill(c.tenant.id, id).await?;
    let details = serde_json::json!({ "name": skill.name });
    state
        .store
        .append_audit(c.audit("skill.delete", format!("skill:{id}"), details))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
