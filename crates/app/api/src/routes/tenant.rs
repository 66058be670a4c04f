//! The caller's tenant: its name, IP allowlist and settings (the agents' reason codes, whether
//! every call is recorded, after-contact work of calls agents place).

use crate::extract::ApiJson;
use crate::views::TenantView;
use crate::{Admin, AnyUser, ApiError, AppState};
use axum::Json;
use axum::extract::State;
use sb_store::TenantUpdate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_tenant, update_tenant))
        .routes(routes!(get_settings, put_settings))
}

/// The tenant's settings.
#[derive(Serialize, ToSchema)]
struct SettingsView {
    /// The codes agents choose from when they go unavailable, in the order shown (1 to 32 of
    /// `a-z 0-9 _ -`, at most 32 characters each; `disconnected` and `missed` are the
    /// system's own).
    reason_codes: Vec<String>,
    /// Every call with an agent is recorded (inbound and outbound), whatever its queue says.
    record_calls: bool,
    /// Seconds of after-contact work after a call an agent placed (0 to 3600; 0: none).
    /// The agent takes no offer meanwhile and ends it sooner with `POST /me/wrap-up`.
    outbound_wrap_up_secs: u32,
}

impl From<sb_engine::TenantSettings> for SettingsView {
    fn from(s: sb_engine::TenantSettings) -> Self {
        SettingsView {
            reason_codes: s.reason_codes,
            record_calls: s.record_calls,
            outbound_wrap_up_secs: s.outbound_wrap_up_secs,
        }
    }
}

/// Settings to change; omitted ones keep their value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SettingsChange {
    /// See [`SettingsView`].
    reason_codes: Option<Vec<String>>,
    /// See [`SettingsView`].
    record_calls: Option<bool>,
    /// See [`SettingsView`].
    outbound_wrap_up_secs: Option<u32>,
}

/// The tenant's settings (the defaults until an admin sets them).
#[utoipa::path(get, path = "/tenant/settings", tag = "tenant",
    responses((status = 200, body = SettingsView)))]
async fn get_settings(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
) -> Result<Json<SettingsView>, ApiError> {
    let doc = state.store.get_tenant_settings(c.tenant.id).await?;
    Ok(Json(sb_engine::TenantSettings::from_stored(&doc).into()))
}

/// Changes the tenant's settings (those given; the others are kept).
#[utoipa::path(put, path = "/tenant/settings", tag = "tenant", request_body = SettingsChange,
    responses((status = 200, body = SettingsView), (status = 400)))]
async fn put_settings(
    State(state): State<AppState>,
    Admin(c): Admin,
    ApiJson(req): ApiJson<SettingsChange>,
) -> Result<Json<SettingsView>, ApiError> {
    let stored = state.store.get_tenant_settings(c.tenant.id).await?;
    let mut doc = sb_engine::TenantSettings::from_stored(&stored).to_value();
    if let Some(codes) = req.reason_codes {
        doc["reason_codes"] = serde_json::json!(codes);
    }
    if let Some(record) = req.record_calls {
        doc["record_calls"] = serde_json::json!(record);
    }
    if let Some(secs) = req.outbound_wrap_up_secs {
        doc["outbound_wrap_up_secs"] = serde_json::json!(secs);
    }
    let settings = sb_engine::TenantSettings::parse(&doc)
        .map_err(|(field, why)| ApiError::invalid(field, why))?;
    state
        .store
        .set_tenant_settings(c.tenant.id, settings.to_value())
        .await?;
    let target = format!("tenant:{}", c.tenant.name);
    state
        .store
        .append_audit(c.audit("tenant.settings", target, settings.to_value()))
        .await?;
    Ok(Json(settings.into()))
}

/// The editable settings of a tenant; omitted fields keep their value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateTenant {
    /// Human name.
    display_name: Option<String>,
    /// CIDRs allowed to use the consoles and the API (empty list: all).
    ip_allowlist: Option<Vec<String>>,
}

/// The caller's tenant.
#[utoipa::path(get, path = "/tenant", tag = "tenant", responses((status = 200, body = TenantView)))]
async fn get_tenant(AnyUser(c): AnyUser) -> Json<TenantView> {
    Json(TenantView::from(&c.tenant))
}

/// Changes the tenant's display name or allowlist. A new allowlist must include the caller's
/// own address, so that an admin cannot lock themself out by mistake.
#[utoipa::path(patch, path = "/tenant", tag = "tenant", request_body = UpdateTenant,
    responses((status = 200, body = TenantView), (status = 400)))]
async fn update_tenant(
    State(state): State<AppState>,
    Admin(c): Admin,
    ApiJson(req): ApiJson<UpdateTenant>,
) -> Result<Json<TenantView>, ApiError> {
    let allowlist = match req.ip_allowlist {
        Some(list) => parse_allowlist(&list)?,
        None => c.tenant.ip_allowlist.clone(),
    };
    if !allowlist.is_empty() && !allowlist.iter().any(|n| n.contains(&c.ip)) {
        return Err(ApiError::invalid(
            "ip_allowlist",
            format!("must include your own address {}", c.ip),
        ));
    }
    let update = TenantUpdate {
        display_name: req
            .display_name
            .unwrap_or_else(|| c.tenant.display_name.clone()),
        cluster: c.tenant.cluster.clone(),
        ip_allowlist: allowlist,
    };
    let tenant = state.store.update_tenant(c.tenant.id, update).await?;
    let details = serde_json::json!({ "display_name": tenant.display_name, "ip_allowlist": tenant.ip_allowlist });
    state
        .store
        .append_audit(c.audit("tenant.update", format!("tenant:{}", tenant.name), details))
        .await?;
    Ok(Json(TenantView::from(&tenant)))
}

fn parse_allowlist(list: &[String]) -> Result<Vec<ipnet::IpNet>, ApiError> {
    list.iter()
        .enumerate()
        .map(|(i, text)| {
            let text = text.trim();
            text.parse::<ipnet::IpNet>()
                .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    ApiError::invalid(
                        format!("ip_allowlist[{i}]"),
                        format!("{text:?} is not a CIDR such as 10.0.0.0/8"),
                    )
                })
        })
        .collect()
}
