//! Who is calling: the session cookie or bearer token resolved to a user of a tenant, with the
//! role checked and the tenant's IP allowlist enforced. Every protected route takes one of
//! [`AnyUser`], [`Supervisor`] or [`Admin`], so the role check cannot be forgotten.

use crate::auth::secret::{API_TOKEN_PREFIX, hash_secret};
use crate::{ApiError, AppState, now};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use sb_store::{NewAuditEntry, Tenant, User};
use sb_types::Role;
use std::net::{IpAddr, SocketAddr};

/// Name of the console session cookie.
pub const SESSION_COOKIE: &str = "sb_session";

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The caller's tenant; every query is scoped to it.
    pub tenant: Tenant,
    /// The calling user.
    pub user: User,
    /// The client's address.
    pub ip: IpAddr,
}

impl Caller {
    /// An audit entry by this caller.
    pub fn audit(
        &self,
        action: &str,
        target: impl Into<String>,
        details: serde_json::Value,
    ) -> NewAuditEntry {
        NewAuditEntry {
            tenant_id: self.tenant.id,
            at: now(),
            actor: format!("user:{}", self.user.username),
            ip: Some(self.ip.to_string()),
            action: action.to_string(),
            target: target.into(),
            details,
        }
    }
}

/// Any logged-in user of the tenant.
pub struct AnyUser(pub Caller);
/// A supervisor or an admin.
pub struct Supervisor(pub Caller);
/// An admin.
pub struct Admin(pub Caller);

macro_rules! role_extractor {
    ($name:ident, $role:expr) => {
        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;
            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, ApiError> {
                let caller = authenticate(parts, state).await?;
                if !caller.user.role.allows($role) {
                    return Err(ApiError::Forbidden);
                }
                Ok($name(caller))
            }
        }
    };
}

role_extractor!(AnyUser, Role::Agent);
role_extractor!(Supervisor, Role::Supervisor);
role_extractor!(Admin, Role::Admin);

/// The client address, honouring `X-Forwarded-For` only from the trusted proxy.
pub fn client_ip(parts: &Parts, state: &AppState) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    if state.settings.trusted_proxy != Some(peer) {
        return peer;
    }
    forwarded_for(parts).unwrap_or(peer)
}

fn forwarded_for(parts: &Parts) -> Option<IpAddr> {
    let value = parts.headers.get("x-forwarded-for")?.to_str().ok()?;
    value.rsplit(',').next()?.trim().parse().ok()
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
    let ip = client_ip(parts, state);
    let (tenant_id, user_id) = resolve_credentials(parts, state).await?;
    let store = &state.store;
    let user = store
        .get_user(tenant_id, user_id)
        .await
        .map_err(|_| ApiError::Unauthenticated)?;
    if user.disabled {
        return Err(ApiError::Unauthenticated);
    }
    let tenant = store
        .get_tenant(tenant_id)
        .await
        .map_err(|_| ApiError::Unauthenticated)?;
    let caller = Caller { tenant, user, ip };
    enforce_allowlist(
        state,
        &caller.tenant,
        ip,
        &format!("user:{}", caller.user.username),
        parts.uri.path(),
    )
    .await?;
    Ok(caller)
}

async fn resolve_credentials(
    parts: &Parts,
    state: &AppState,
) -> Result<(sb_types::TenantId, sb_types::UserId), ApiError> {
    Presented::of(parts)
        .ok_or(ApiError::Unauthenticated)?
        .resolve(state)
        .await
}

/// The credentials a request presented, kept to check again while a long-lived connection
/// (the console's WebSocket) lasts: logout, expiry or a disabled account end it.
#[derive(Debug, Clone)]
pub enum Presented {
    /// A bearer API token.
    Token(String),
    /// The console session cookie.
    Session(String),
}

impl Presented {
    fn of(parts: &Parts) -> Option<Presented> {
        if let Some(token) = bearer(parts) {
            return Some(Presented::Token(token.to_owned()));
        }
        session_cookie(parts).map(|c| Presented::Session(c.to_owned()))
    }

    /// The tenant and user they stand for now.
    async fn resolve(
        &self,
        state: &AppState,
    ) -> Result<(sb_types::TenantId, sb_types::UserId), ApiError> {
        let unauthenticated = |_| ApiError::Unauthenticated;
        match self {
            Presented::Token(token) => {
                let found = state
                    .store
                    .find_api_token_by_hash(&hash_secret(token), now())
                    .await;
                let token = found.map_err(unauthenticated)?;
                Ok((token.tenant_id, token.user_id))
            }
            Presented::Session(cookie) => {
                let found = state
                    .store
                    .get_valid_session(&hash_secret(cookie), now())
                    .await;
                let session = found.map_err(unauthenticated)?;
                Ok((session.tenant_id, session.user_id))
            }
        }
    }

    /// Whether they still authenticate `caller`'s user, and that user is not disabled.
    pub async fn still_valid(&self, state: &AppState, caller: &Caller) -> bool {
        let (tenant, user) = (caller.tenant.id, caller.user.id);
        if self.resolve(state).await.ok() != Some((tenant, user)) {
            return false;
        }
        matches!(state.store.get_user(tenant, user).await, Ok(u) if !u.disabled)
    }
}

impl FromRequestParts<AppState> for Presented {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        Presented::of(parts).ok_or(ApiError::Unauthenticated)
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    token
        .trim()
        .starts_with(API_TOKEN_PREFIX)
        .then(|| token.trim())
}

/// The value of the session cookie, if the request carries one.
pub fn session_cookie(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

/// Refuses (403) and audits a request from outside the tenant's allowlist.
pub async fn enforce_allowlist(
    state: &AppState,
    tenant: &Tenant,
    ip: IpAddr,
    actor: &str,
    path: &str,
) -> Result<(), ApiError> {
    if tenant.allows_ip(ip) {
        return Ok(());
    }
    let entry = NewAuditEntry {
        tenant_id: tenant.id,
        at: now(),
        actor: actor.to_string(),
        ip: Some(ip.to_string()),
        action: "allowlist.denied".into(),
        target: path.to_string(),
        details: serde_json::json!({ "allowlist": tenant.ip_allowlist }),
    };
    if let Err(e) = state.store.append_audit(entry).await {
        tracing::error!(error = %e, "could not write the allowlist audit entry");
    }
    metrics::counter!("switchboard_http_allowlist_denied_total").increment(1);
    Err(ApiError::AddressNotAllowed)
}
