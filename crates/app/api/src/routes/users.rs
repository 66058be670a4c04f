//! Users of the caller's tenant.

use crate::auth::password::check_strength;
use crate::extract::{ApiJson, parse_id};
use crate::views::UserView;
use crate::{Admin, ApiError, AppState, Supervisor, now};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sb_store::{NewUser, UserProfile, UserSkill};
use sb_types::{Role, SkillId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user, delete_user))
        .routes(routes!(set_password))
        .routes(routes!(set_sip_password, clear_sip_password))
        .routes(routes!(get_skills, set_skills))
}

/// A user to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateUser {
    /// Unique user name (letters, digits, `._-`); agents' SIP user names such as `1001`.
    username: String,
    /// Human name; defaults to the user name.
    #[serde(default)]
    display_name: Option<String>,
    /// `admin`, `supervisor` or `agent`.
    #[schema(value_type = String, example = "agent")]
    role: Role,
    /// Initial password (at least 8 characters); none = cannot log in until one is set.
    #[serde(default)]
    password: Option<String>,
}

/// The editable fields of a user; omitted fields keep their value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateUser {
    /// Human name.
    display_name: Option<String>,
    /// Role.
    #[schema(value_type = Option<String>)]
    role: Option<Role>,
    /// Disable or enable logins.
    disabled: Option<bool>,
}

/// A new password set by an admin.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SetPassword {
    /// The new password (at least 8 characters).
    password: String,
}

/// One skill of an agent.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SkillLevel {
    /// The skill's id.
    skill_id: uuid::Uuid,
    /// 1 (best) … 10.
    proficiency: u8,
}

/// Lists the tenant's users.
#[utoipa::path(get, path = "/users", tag = "users", responses((status = 200, body = [UserView])))]
async fn list_users(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let users = state.store.list_users(c.tenant.id).await?;
    let t = now();
    Ok(Json(users.iter().map(|u| UserView::of(u, t)).collect()))
}

/// Creates a user.
#[utoipa::path(post, path = "/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 400), (status = 409)))]
async fn create_user(
    State(state): State<AppState>,
    Admin(c): Admin,
    ApiJson(req): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let password_hash = match req.password {
        Some(pw) => Some(hash_password(&state, "password", pw).await?),
        None => None,
    };
    let new = NewUser {
        display_name: req.display_name.unwrap_or_else(|| req.username.clone()),
        username: req.username,
        role: req.role,
        password_hash,
        now: now(),
    };
    let user = state.store.create_user(c.tenant.id, new).await?;
    let details = serde_json::json!({ "role": user.role, "username": user.username });
    state
        .store
        .append_audit(c.audit("user.create", format!("user:{}", user.id), details))
        .await?;
    Ok((StatusCode::CREATED, Json(UserView::of(&user, now()))))
}

pub(crate) async fn hash_password(
    state: &AppState,
    field: &str,
    password: String,
) -> Result<String, ApiError> {
    check_strength(&password).map_err(|m| ApiError::invalid(field, m))?;
    let hasher = state.hasher.clone();
    tokio::task::spawn_blocking(move || hasher.hash(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::Internal)
}

/// One user.
#[utoipa::path(get, path = "/users/{id}", tag = "users", responses((status = 200, body = UserView), (status = 404)))]
async fn get_user(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let id: UserId = parse_id("user", &id)?;
    let user = state.store.get_user(c.tenant.id, id).await?;
    Ok(Json(UserView::of(&user, now())))
}

/// Changes a user's name, role or disabled flag.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", request_body = UpdateUser,
    responses((status = 200, body = UserView), (status = 400), (status = 404)))]
async fn update_user(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateUser>,
) -> Result<Json<UserView>, ApiError> {
    let id: UserId = parse_id("user", &id)?;
    let user = state.store.get_user(c.tenant.id, id).await?;
    if id == c.user.id && req.role.is_some_and(|r| r != Role::Admin) {
        return Err(ApiError::invalid("role", "admins cannot demote themselves"));
    }
    let profile = UserProfile {
        display_name: req.display_name.unwrap_or(user.display_name),
        role: req.role.unwrap_or(user.role),
        disabled: req.disabled.unwrap_or(user.disabled),
    };
    let updated = state
        .store
        .update_user(c.tenant.id, id, profile, now())
        .await?;
    if updated.disabled {
        state
            .store
            .delete_sessions_for_user(c.tenant.id, id)
            .await?;
    }
    let details = serde_json::json!({ "role": updated.role, "disabled": updated.disabled, "display_name": updated.display_name });
    state
        .store
        .append_audit(c.audit("user.update", format!("user:{id}"), details))
        .await?;
    Ok(Json(UserView::of(&updated, now())))
}

/// Deletes a user with their sessions, tokens, skills and memberships.
#[utoipa::path(delete, path = "/users/{id}", tag = "users", responses((status = 204), (status = 404)))]
async fn delete_user(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: UserId = parse_id("user", &id)?;
    if id == c.user.id {
        return Err(ApiError::invalid("id", "admins cannot delete themselves"));
    }
    let user = state.store.get_user(c.tenant.id, id).await?;
    state.store.delete_user(c.tenant.id, id).await?;
    let details = serde_json::json!({ "username": user.username });
    state
        .store
        .append_audit(c.audit("user.delete", format!("user:{id}"), details))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a user's password (admin reset); ends the user's sessions and clears a lock.
#[utoipa::path(put, path = "/users/{id}/password", tag = "users", request_body = SetPassword,
    responses((status = 204), (status = 400), (status = 404)))]
async fn set_password(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SetPassword>,
) -> Result<StatusCode, ApiError> {
    let id: UserId = parse_id("user", &id)?;
    state.store.get_user(c.tenant.id, id).await?;
    let hash = hash_password(&state, "password", req.password).await?;
    state
        .store
        .set_password_hash(c.tenant.id, id, Some(hash), now())
        .await?;
    state
        .store
        .reset_login_failures(c.tenant.id, id, now())
        .await?;
    state
        .store
        .delete_sessions_for_user(c.tenant.id, id)
        .await?;
    state
        .store
        .append_audit(c.audit(
            "user.password_reset",
            format!("user:{id}"),
            serde_json::json!({}),
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the SIP password the user's phone or softphone registers with (stored as digest HA1
/// values for the tenant's realm, never in clear).
#[utoipa::path(put, path = "/users/{id}/sip-password", tag = "users", request_body = SetPassword,
    responses((status = 204), (status = 400), (status = 404)))]
async fn set_sip_password(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SetPassword>,
) -> Result<StatusCode, ApiError> {
    let id: UserId = parse_id("user", &id)?;
    check_strength(&req.password).map_err(|m| ApiError::invalid("password", m))?;
    sb_engine::sip::set_sip_password(&*state.store, c.tenant.id, id, &req.password, now()).await?;
    let audit = c.audit(
        "user.sip_password_set",
        format!("user:{id}"),
        serde_json::json!({}),
    );
    state.store.append_audit(audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the user's SIP password: the user's phones can no longer register.
#[utoipa::path(delete, path = "/users/{id}/sip-password", tag = "users",
    responses((status = 204), (status = 404)))]
async fn clear_sip_password(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: UserId = parse_id("user", &id)?;
    state.store.get_user(c.tenant.id, id).await?;
    state.store.clear_sip_secret(c.tenant.id, id).await?;
    let audit = c.audit(
        "user.sip_password_clear",
        format!("user:{id}"),
        serde_json::json!({}),
    );
    state.store.append_audit(audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user's skills with proficiency.
#[utoipa::path(get, path = "/users/{id}/skills", tag = "users", responses((status = 200, body = [SkillLevel]), (status = 404)))]
async fn get_skills(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
    Path(id): Path<String>,
) -> Result<Json<Vec<SkillLevel>>, ApiError> {
    let id: UserId = parse_id("user", &id)?;
    state.store.get_user(c.tenant.id, id).await?;
    let skills = state.store.user_skills(c.tenant.id, id).await?;
    Ok(Json(
        skills
            .iter()
            .map(|s| SkillLevel {
                skill_id: s.skill_id.as_uuid(),
                proficiency: s.proficiency,
            })
            .collect(),
    ))
}

/// Replaces a user's skills.
#[utoipa::path(put, path = "/users/{id}/skills", tag = "users", request_body = [SkillLevel],
    responses((status = 204), (status = 400), (status = 404)))]
async fn set_skills(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Vec<SkillLevel>>,
) -> Result<StatusCode, ApiError> {
    let id: UserId = parse_id("user", &id)?;
    state.store.get_user(c.tenant.id, id).await?;
    let skills: Vec<UserSkill> = req
        .iter()
        .map(|s| UserSkill {
            skill_id: SkillId::from_uuid(s.skill_id),
            proficiency: s.proficiency,
        })
        .collect();
    state.store.set_user_skills(c.tenant.id, id, skills).await?;
    let details = serde_json::to_value(&req).unwrap_or_default();
    state
        .store
        .append_audit(c.audit("user.skills", format!("user:{id}"), details))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
