//! Where the caller takes calls: their registered phone (the console's softphone or a SIP
//! phone), their desk phone (a SIP phone, never the browser; answered from the console with
//! the call's `answer` action), or a phone number that is dialled through the tenant's trunk
//! for each offer (the agent answers and presses 1 to accept). Kept for the login on this node.
//! The view also says whether the agent's persistent line is open (`line`).

use crate::extract::ApiJson;
use crate::{AnyUser, ApiError, AppState};
use axum::Json;
use axum::extract::State;
use sb_engine::acd::agent_of;
use sb_engine::devices::Device;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_device, put_device))
}

/// Where calls ring.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum DeviceKind {
    /// The registered phone: the console's softphone, or a SIP phone.
    Softphone,
    /// A phone number dialled through the tenant's trunk.
    Pstn,
    /// The SIP phone registered with the user's SIP credentials, never the console's softphone.
    Desk,
}

/// The agent's persistent line (a call from their phone to `*line` that stays up).
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum LineKind {
    /// The console's softphone (WebRTC).
    Softphone,
    /// A SIP phone.
    Phone,
}

/// The caller's device.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct DeviceView {
    /// `softphone`, `desk` or `pstn`.
    kind: DeviceKind,
    /// With `pstn`: the number (`+` and digits; national numbers follow the trunk's rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    /// Read only: the agent's line, when one is open on this node. Offers ring on it (answered
    /// with the call's `answer` action or 1 pressed on the phone, declined with `reject`) and
    /// connect at once.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    line: Option<LineKind>,
}

impl From<Device> for DeviceView {
    fn from(d: Device) -> Self {
        match d {
            Device::Registered => DeviceView {
                kind: DeviceKind::Softphone,
                number: None,
                line: None,
            },
            Device::Pstn(number) => DeviceView {
                kind: DeviceKind::Pstn,
                number: Some(number),
                line: None,
            },
            Device::Desk => DeviceView {
                kind: DeviceKind::Desk,
                number: None,
                line: None,
            },
        }
    }
}

/// Where the caller's calls ring now.
#[utoipa::path(get, path = "/me/device", tag = "agents",
    responses((status = 200, body = DeviceView), (status = 401)))]
async fn get_device(State(state): State<AppState>, AnyUser(c): AnyUser) -> Json<DeviceView> {
    let agent = agent_of(c.user.id);
    let device = state.devices.get(c.tenant.id, agent);
    Json(with_line(&state, c.tenant.id, agent, device))
}

/// The device's view with the agent's line, if one is open.
fn with_line(
    state: &AppState,
    tenant: sb_types::TenantId,
    agent: sb_types::AgentId,
    device: Device,
) -> DeviceView {
    let line = state.lines.open(tenant, agent).map(|webrtc| match webrtc {
        true => LineKind::Softphone,
        false => LineKind::Phone,
    });
    DeviceView {
        line,
        ..DeviceView::from(device)
    }
}

/// Chooses where the caller's calls ring: `{"kind": "softphone"}`, `{"kind": "desk"}` or
/// `{"kind": "pstn", "number": "+44 20 7946 0000"}`.
#[utoipa::path(put, path = "/me/device", tag = "agents", request_body = DeviceView,
    responses((status = 200, body = DeviceView), (status = 400), (status = 401)))]
async fn put_device(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    ApiJson(req): ApiJson<DeviceView>,
) -> Result<Json<DeviceView>, ApiError> {
    let device = match (req.kind, req.number) {
        (DeviceKind::Softphone, None) => Device::Registered,
        (DeviceKind::Desk, None) => Device::Desk,
        (DeviceKind::Softphone | DeviceKind::Desk, Some(_)) => {
            return Err(ApiError::invalid(
                "number",
                "only a pstn device has a number",
            ));
        }
        (DeviceKind::Pstn, Some(n)) => Device::Pstn(phone_number(&n)?),
        (DeviceKind::Pstn, None) => {
            return Err(ApiError::invalid("number", "required for a pstn device"));
        }
    };
    let agent = agent_of(c.user.id);
    state
        .devices
        .choose(c.tenant.id, agent, device.clone())
        .await?;
    Ok(Json(with_line(&state, c.tenant.id, agent, device)))
}

/// `+44 (20) 7946-0000` → `+442079460000`; the error says what a number looks like.
fn phone_number(text: &str) -> Result<String, ApiError> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    if !(3..=20).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::invalid(
            "number",
            "a phone number: an optional + and 3 to 20 digits",
        ));
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_cleaned_and_anything_else_refused() {
        assert_eq!(phone_number("+44 (20) 7946-0000").unwrap(), "+442079460000");
        assert_eq!(phone_number("020 7946 0000").unwrap(), "02079460000");
        for bad in [
            "",
            "+",
            "12",
            "sip:1001@x",
            "+44 20 7946 000a",
            "1234567890123456789012",
        ] {
            assert!(phone_number(bad).is_err(), "{bad:?}");
        }
    }
}
