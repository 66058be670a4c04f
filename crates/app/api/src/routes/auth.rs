//! Login, logout and the current user.

use crate::auth::caller::{SESSION_COOKIE, client_ip, enforce_allowlist, session_cookie};
use crate::auth::password::check_strength;
use crate::auth::secret::{hash_secret, random_secret};
use crate::extract::ApiJson;
use crate::views::{MeView, UserView};
use crate::{AnyUser, ApiError, AppState, now};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use sb_store::{LockoutPolicy, Session, StoreError, User};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
}

/// Credentials for a console login.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    /// The tenant's name (slug).
    tenant: String,
    /// The user name.
    username: String,
    /// The password.
    password: String,
}

/// The request's parts that login needs besides the body.
struct ClientParts {
    ip: std::net::IpAddr,
}

impl FromRequestParts<AppState> for ClientParts {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(ClientParts {
            ip: client_ip(parts, state),
        })
    }
}

/// Logs in with a password; sets the `sb_session` cookie (HttpOnly, Secure, SameSite=Strict).
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = MeView), (status = 401), (status = 403), (status = 423), (status = 429)))]
async fn login(
    State(state): State<AppState>,
    client: ClientParts,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<(HeaderMap, axum::Json<MeView>), ApiError> {
    state
        .login_limiter
        .check(client.ip, std::time::Instant::now())
        .map_err(|secs| ApiError::RateLimited {
            retry_after_secs: secs,
        })?;
    let Ok(tenant) = state.store.get_tenant_by_name(&req.tenant).await else {
        return Err(reject_unknown(&state, &req.password).await);
    };
    let actor = format!(
        "login:{}",
        req.username.chars().take(64).collect::<String>()
    );
    enforce_allowlist(&state, &tenant, client.ip, &actor, "/api/v1/auth/login").await?;
    let user = match state
        .store
        .get_user_by_username(tenant.id, &req.username)
        .await
    {
        Ok(user) => user,
        Err(StoreError::NotFound { .. }) => return Err(reject_unknown(&state, &req.password).await),
        Err(e) => return Err(e.into()),
    };
    let user = check_password(&state, user, &req.password, client.ip).await?;
    let cookie = open_session(&state, &user, client.ip).await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::SET_COOKIE,
        cookie
            .parse()
            .map_err(|_| ApiError::Internal("cookie".into()))?,
    );
    let me = MeView {
        user: UserView::of(&user, now()),
        tenant: tenant.name,
        tenant_display_name: tenant.display_name,
    };
    Ok((headers, axum::Json(me)))
}

async fn reject_unknown(state: &AppState, password: &str) -> ApiError {
    let hasher = state.hasher.clone();
    let password = password.to_string();
    let _ = tokio::task::spawn_blocking(move || hasher.waste(&password)).await;
    metrics::counter!("switchboard_logins_total", "result" => "failed").increment(1);
    ApiError::BadCredentials
}

async fn check_password(
    state: &AppState,
    user: User,
    password: &str,
    ip: std::net::IpAddr,
) -> Result<User, ApiError> {
    let t = now();
    if user.is_locked(t) {
        let until = user.locked_until.unwrap_or(t);
        let secs = until.saturating_since(t).as_secs().max(1);
        return Err(ApiError::Locked {
            retry_after_secs: secs,
        });
    }
    let Some(hash) = user.password_hash.clone().filter(|_| !user.disabled) else {
        return Err(reject_unknown(state, password).await);
    };
    let hasher = state.hasher.clone();
    let pw = password.to_string();
    let ok = tokio::task::spawn_blocking(move || hasher.verify(&pw, &hash))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if ok {
        return Ok(state
            .store
            .reset_login_failures(user.tenant_id, user.id, t)
            .await?);
    }
    Err(record_failure(state, &user, ip).await)
}

async fn record_failure(state: &AppState, user: &User, ip: std::net::IpAddr) -> ApiError {
    metrics::counter!("switchboard_logins_total", "result" => "failed").increment(1);
    let policy = LockoutPolicy {
        lock_after: state.settings.lockout_threshold,
        lock_for: state.settings.lockout_for,
    };
    let t = now();
    match state
        .store
        .record_login_failure(user.tenant_id, user.id, t, policy)
        .await
    {
        Ok(updated) if updated.is_locked(t) => {
            let entry = sb_store::NewAuditEntry {
                tenant_id: user.tenant_id,
                at: t,
                actor: "system".into(),
                ip: Some(ip.to_string()),
                action: "user.locked".into(),
                target: format!("user:{}", user.username),
                details: serde_json::json!({ "failed_logins": state.settings.lockout_threshold }),
            };
            let _ = state.store.append_audit(entry).await;
            ApiError::Locked {
                retry_after_secs: state.settings.lockout_for.as_secs(),
            }
        }
        Ok(_) => ApiError::BadCredentials,
        Err(e) => e.into(),
    }
}

async fn open_session(
    state: &AppState,
    user: &User,
    ip: std::net::IpAddr,
) -> Result<String, ApiError> {
    let secret = random_secret();
    let t = now();
    let session = Session {
        id: hash_secret(&secret),
        tenant_id: user.tenant_id,
        user_id: user.id,
        created_at: t,
        expires_at: t + state.settings.session_ttl,
        ip: Some(ip.to_string()),
    };
    state.store.create_session(session).await?;
    let payload =
        serde_json::json!({ "username": user.username, "role": user.role, "ip": ip.to_string() });
    append_event(state, user, "user.login", payload).await;
    metrics::counter!("switchboard_logins_total", "result" => "ok").increment(1);
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = state.settings.session_ttl.as_secs();
    Ok(format!(
        "{SESSION_COOKIE}={secret}; HttpOnly{secure}; SameSite=Strict; Path=/; Max-Age={max_age}"
    ))
}

/// Appends a presence event; a failure is logged, never fails the login itself.
async fn append_event(state: &AppState, user: &User, kind: &str, payload: serde_json::Value) {
    let event = sb_store::NewEvent {
        tenant_id: user.tenant_id,
        at: now(),
        kind: kind.to_string(),
        subject: format!("user:{}", user.id),
        payload,
    };
    if let Err(e) = state.store.append_event(event).await {
        tracing::error!(error = %e, kind, "could not append event");
    }
}

/// The session cookie of the request, for logout.
struct SessionCookie(Option<String>);

impl FromRequestParts<AppState> for SessionCookie {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        Ok(SessionCookie(session_cookie(parts).map(str::to_string)))
    }
}

/// Ends the console session and clears the cookie.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
    SessionCookie(cookie): SessionCookie,
) -> Result<(StatusCode, HeaderMap), ApiError> {
    if let Some(secret) = cookie {
        state
            .store
            .delete_session(&hash_secret(&secret))
            .await
            .or_else(ignore_not_found)?;
    }
    if let Some(softphone) = &state.softphone {
        softphone
            .passwords
            .revoke(&caller.tenant.name, &caller.user.username);
    }
    let agent = sb_engine::acd::agent_of(caller.user.id);
    let softphone = sb_engine::devices::Device::Registered;
    if let Err(e) = state
        .devices
        .choose(caller.tenant.id, agent, softphone)
        .await
    {
        tracing::warn!(error = %e, "the agent's device choice was not cleared at logout");
    }
    let payload = serde_json::json!({ "username": caller.user.username });
    append_event(&state, &caller.user, "user.logout", payload).await;
    let mut headers = HeaderMap::new();
    let clear = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    headers.insert(
        header::SET_COOKIE,
        clear
            .parse()
            .map_err(|_| ApiError::Internal("cookie".into()))?,
    );
    Ok((StatusCode::NO_CONTENT, headers))
}

fn ignore_not_found(e: StoreError) -> Result<(), StoreError> {
    match e {
        StoreError::NotFound { .. } => Ok(()),
        other => Err(other),
    }
}

/// The calling user and their tenant.
#[utoipa::path(get, path = "/me", tag = "auth", responses((status = 200, body = MeView), (status = 401)))]
async fn me(AnyUser(caller): AnyUser) -> axum::Json<MeView> {
    axum::Json(MeView {
        user: UserView::of(&caller.user, now()),
        tenant: caller.tenant.name.clone(),
        tenant_display_name: caller.tenant.display_name.clone(),
    })
}

/// A password change by the user themself.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ChangePassword {
    /// The current password.
    current_password: String,
    /// The new password (at least 8 characters).
    new_password: String,
}

/// Changes the caller's own password; other sessions of the user are ended.
#[utoipa::path(put, path = "/me/password", tag = "auth", request_body = ChangePassword,
    responses((status = 204), (status = 400), (status = 401)))]
async fn change_password(
    State(state): State<AppState>,
    AnyUser(caller): AnyUser,
    ApiJson(req): ApiJson<ChangePassword>,
) -> Result<StatusCode, ApiError> {
    check_strength(&req.new_password).map_err(|m| ApiError::invalid("new_password", m))?;
    let hash = caller.user.password_hash.clone().unwrap_or_default();
    let hasher = state.hasher.clone();
    let (current, new) = (req.current_password, req.new_password);
    let new_hash = tokio::task::spawn_blocking(move || {
        if hasher.verify(&current, &hash) {
            hasher.hash(&new).map(Some)
        } else {
            Ok(None)
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(ApiError::Internal)?;
    let Some(new_hash) = new_hash else {
        return Err(ApiError::invalid("current_password", "is wrong"));
    };
    let (tenant, user) = (caller.tenant.id, caller.user.id);
    state
        .store
        .set_password_hash(tenant, user, Some(new_hash), now())
        .await?;
    state
        .store
        .append_audit(caller.audit(
            "user.password_changed",
            format!("user:{}", caller.user.username),
            serde_json::json!({}),
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
