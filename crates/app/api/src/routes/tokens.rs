//! Bearer API tokens for automation.

use crate::auth::secret::{API_TOKEN_PREFIX, hash_secret, random_secret};
use crate::extract::{ApiJson, parse_id};
use crate::{Admin, ApiError, AppState, now};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sb_store::{ApiToken, ApiTokenId, NewApiToken};
use sb_types::UserId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// A token to issue.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateToken {
    /// What the token is for.
    name: String,
    /// The user the token acts as; defaults to the caller.
    #[serde(default)]
    user_id: Option<uuid::Uuid>,
    /// Lifetime in days; none = until revoked.
    #[serde(default)]
    expires_in_days: Option<u32>,
}

/// A token as listed (never the secret).
#[derive(Serialize, ToSchema)]
struct TokenView {
    id: uuid::Uuid,
    name: String,
    user_id: uuid::Uuid,
    created_at: i64,
    expires_at: Option<i64>,
}

/// A newly issued token: the secret is shown this once.
#[derive(Serialize, ToSchema)]
struct IssuedToken {
    #[serde(flatten)]
    token: TokenView,
    /// Send as `Authorization: Bearer <token>`.
    secret: String,
}

fn view(t: &ApiToken) -> TokenView {
    TokenView {
        id: t.id.0,
        name: t.name.clone(),
        user_id: t.user_id.as_uuid(),
        created_at: t.created_at.as_millis(),
        expires_at: t.expires_at.map(|e| e.as_millis()),
    }
}

/// Lists the tenant's API tokens.
#[utoipa::path(get, path = "/tokens", tag = "tenant", responses((status = 200, body = [TokenView])))]
async fn list_tokens(
    State(state): State<AppState>,
    Admin(c): Admin,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let tokens = state.store.list_api_tokens(c.tenant.id, None).await?;
    Ok(Json(tokens.iter().map(view).collect()))
}

/// Issues a token acting as a user of the tenant.
#[utoipa::path(post, path = "/tokens", tag = "tenant", request_body = CreateToken,
    responses((status = 201, body = IssuedToken), (status = 400), (status = 404)))]
async fn create_token(
    State(state): State<AppState>,
    Admin(c): Admin,
    ApiJson(req): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    let user = req.user_id.map_or(c.user.id, UserId::from_uuid);
    state.store.get_user(c.tenant.id, user).await?;
    let (token, secret) = issue(&state, c.tenant.id, user, &req.name, req.expires_in_days).await?;
    let details = serde_json::json!({ "name": token.name, "user_id": user });
    state
        .store
        .append_audit(c.audit("token.create", format!("token:{}", token.id), details))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedToken {
            token: view(&token),
            secret,
        }),
    ))
}

/// Issues a token; returns the record and the secret (shown once). Used by the CLI too.
pub async fn issue(
    state: &AppState,
    tenant: sb_types::TenantId,
    user: UserId,
    name: &str,
    expires_in_days: Option<u32>,
) -> Result<(ApiToken, String), ApiError> {
    if name.trim().is_empty() || name.len() > 100 {
        return Err(ApiError::invalid("name", "must be 1 to 100 characters"));
    }
    let secret = format!("{API_TOKEN_PREFIX}{}", random_secret());
    let t = now();
    let expires_at =
        expires_in_days.map(|d| t + std::time::Duration::from_secs(u64::from(d) * 86_400));
    let new = NewApiToken {
        user_id: user,
        name: name.to_string(),
        token_hash: hash_secret(&secret),
        created_at: t,
        expires_at,
    };
    let token = state.store.create_api_token(tenant, new).await?;
    Ok((token, secret))
}

/// Revokes a token.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tenant", responses((status = 204), (status = 404)))]
async fn revoke_token(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: uuid::Uuid = parse_id("token", &id)?;
    state
        .store
        .revoke_api_token(c.tenant.id, ApiTokenId(id))
        .await?;
    state
        .store
        .append_audit(c.audit("token.revoke", format!("token:{id}"), serde_json::json!({})))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
