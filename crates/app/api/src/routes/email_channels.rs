//! Email channels: the tenant's mailboxes (POP3, POP3S, IMAP, IMAPS, any port) and their SMTP
//! relays for replies. Admins write them (every problem reported at once; passwords sealed
//! with the node's key before they are stored, never returned); supervisors read them with
//! each poller's status (last success, last error, next poll, messages stored).

use crate::extract::ApiJson;
use crate::{Admin, ApiError, AppState, Supervisor};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sb_store::{ChannelConfig, StoreError};
use sb_types::Channel;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_channels))
        .routes(routes!(put_channel, delete_channel))
}

/// An email channel as the admin pages show it.
#[derive(Serialize, ToSchema)]
struct ChannelView {
    id: Uuid,
    name: String,
    /// The settings, passwords left out.
    #[schema(value_type = Object)]
    settings: serde_json::Value,
    /// The poller's state on this server (none when this server does not poll).
    #[schema(value_type = Object)]
    status: Option<sb_engine::email::ChannelStatus>,
}

fn view(state: &AppState, c: ChannelConfig) -> ChannelView {
    let status = state.email.as_ref().and_then(|d| {
        d.status(c.tenant_id)
            .into_iter()
            .find(|s| s.channel == c.id)
    });
    let settings = sb_email::EmailChannelSettings::from_json(&c.settings)
        .map(|s| s.redacted())
        .unwrap_or_else(|_| serde_json::json!({ "invalid": true }));
    ChannelView {
        id: c.id.as_uuid(),
        name: c.name,
        settings,
        status,
    }
}

/// The tenant's email channels with their pollers' status.
#[utoipa::path(get, path = "/email/channels", tag = "email",
    responses((status = 200, body = [ChannelView]), (status = 401), (status = 403)))]
async fn list_channels(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
) -> Result<Json<Vec<ChannelView>>, ApiError> {
    let all = state.store.list_channel_configs(c.tenant.id).await?;
    let views = all
        .into_iter()
        .filter(|x| x.kind == Channel::Email)
        .map(|x| view(&state, x))
        .collect();
    Ok(Json(views))
}

/// Creates or replaces the channel `name`. A password left out or given as `********` keeps
/// the stored one.
#[utoipa::path(put, path = "/email/channels/{name}", tag = "email",
    params(("name" = String, Path, description = "The channel's name")),
    request_body(content = Object, description = "The channel's settings"),
    responses((status = 200, body = ChannelView), (status = 400), (status = 401), (status = 403)))]
async fn put_channel(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(name): Path<String>,
    ApiJson(mut settings): ApiJson<serde_json::Value>,
) -> Result<Json<ChannelView>, ApiError> {
    let secrets = state.email_secrets.as_ref().ok_or_else(|| {
        ApiError::Conflict("the email channel does not run on this server".into())
    })?;
    let existing = state
        .store
        .list_channel_configs(c.tenant.id)
        .await?
        .into_iter()
        .find(|x| x.kind == Channel::Email && x.name == name);
    if let Some(old) = &existing {
        keep_passwords(&mut settings, &old.settings);
    }
    let sealed = sb_engine::email::channel_settings(&settings, secrets).map_err(|problems| {
        ApiError::Problems(
            problems
                .into_iter()
                .map(|(f, m)| format!("{f}: {m}"))
                .collect(),
        )
    })?;
    let saved = match existing {
        Some(old) => {
            state
                .store
                .update_channel_config(c.tenant.id, old.id, &name, sealed)
                .await?
        }
        None => {
            state
                .store
                .create_channel_config(c.tenant.id, Channel::Email, &name, sealed)
                .await?
        }
    };
    state
        .store
        .append_audit(c.audit(
            "email_channel.put",
            format!("channel:{name}"),
            serde_json::json!({}),
        ))
        .await?;
    Ok(Json(view(&state, saved)))
}

/// Deletes the channel `name` (its mailbox is no longer polled).
#[utoipa::path(delete, path = "/email/channels/{name}", tag = "email",
    params(("name" = String, Path, description = "The channel's name")),
    responses((status = 204), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "Conversations still belong to it")))]
async fn delete_channel(
    State(state): State<AppState>,
    Admin(c): Admin,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    let found = state
        .store
        .list_channel_configs(c.tenant.id)
        .await?
        .into_iter()
        .find(|x| x.kind == Channel::Email && x.name == name)
        .ok_or_else(|| StoreError::not_found(format!("email channel {name:?}")))?;
    state
        .store
        .delete_channel_config(c.tenant.id, found.id)
        .await?;
    state
        .store
        .append_audit(c.audit(
            "email_channel.delete",
            format!("channel:{name}"),
            serde_json::json!({}),
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Copies the stored (sealed) passwords into `new` where it leaves them out or masked.
fn keep_passwords(new: &mut serde_json::Value, old: &serde_json::Value) {
    for pointer in ["/password", "/smtp/password"] {
        let masked = match new.pointer(pointer) {
            None => true,
            Some(v) => v.as_str().is_some_and(|s| s.is_empty() || s == "********"),
        };
        let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
        if masked
            && let Some(stored) = old.pointer(pointer).cloned()
            && let Some(obj) = new.pointer_mut(parent).and_then(|v| v.as_object_mut())
        {
            obj.insert("password".into(), stored);
        }
    }
}
