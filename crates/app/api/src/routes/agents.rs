//! Agent states: the caller's own presence for routing, and every agent's state for
//! supervisors. A user's id is its agent id in the ACD (`sb_engine::acd::agent_of`).

use crate::extract::ApiJson;
use crate::{AnyUser, ApiError, AppState, Supervisor};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sb_engine::acd::{
    AcdError, AcdHandle, AgentState, AgentStatus, EngineAcdError, Presence, agent_of,
};
use sb_store::User;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_my_state, set_my_state))
        .routes(routes!(list_agent_states))
        .routes(routes!(directory))
}

/// Longest reason code accepted.
const MAX_REASON: usize = 64;

/// A presence an agent may ask for.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum WantedState {
    /// Ready for offers.
    Available,
    /// Logged in, not ready (a reason is required).
    Unavailable,
    /// Not working.
    LoggedOut,
}

/// The presence to set.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SetState {
    /// `available`, `unavailable` (with a reason) or `logged_out`. While working, the change
    /// applies when the current work is done (see `next`).
    state: WantedState,
    /// Reason code, only with `unavailable`: `lunch`, `break`, `training`… (1 to 64 characters).
    #[serde(default)]
    reason: Option<String>,
}

/// An agent's routing state.
#[derive(Serialize, ToSchema, PartialEq)]
pub(super) struct AgentStateView {
    /// The agent's user id.
    agent: Uuid,
    /// User name (empty for a user deleted since).
    username: String,
    /// Human name.
    display_name: String,
    /// `logged_out`, `available`, `unavailable`, `reserved` (an offer rings), `working` or
    /// `wrap_up`.
    #[schema(example = "available")]
    state: &'static str,
    /// Reason code when unavailable.
    reason: Option<String>,
    /// Interactions in hand when working.
    interactions: Option<u16>,
    /// Presence that applies when the current work is done, if one was asked for.
    next: Option<&'static str>,
    /// Reason code of `next` when it is `unavailable`.
    next_reason: Option<String>,
    /// When the agent entered this state, milliseconds since the Unix epoch.
    since: i64,
}

impl AgentStateView {
    pub(super) fn of(status: &AgentStatus, user: Option<&User>) -> Self {
        let (state, interactions) = match &status.state {
            AgentState::LoggedOut => ("logged_out", None),
            AgentState::Available => ("available", None),
            AgentState::Unavailable { .. } => ("unavailable", None),
            AgentState::Reserved => ("reserved", None),
            AgentState::Working { interactions } => ("working", Some(*interactions)),
            AgentState::WrapUp => ("wrap_up", None),
        };
        let (next, next_reason) = match &status.next {
            None => (None, None),
            Some(Presence::Available) => (Some("available"), None),
            Some(Presence::LoggedOut) => (Some("logged_out"), None),
            Some(Presence::Unavailable { reason }) => (Some("unavailable"), Some(reason.clone())),
        };
        AgentStateView {
            agent: status.agent.as_uuid(),
            username: user.map(|u| u.username.clone()).unwrap_or_default(),
            display_name: user.map(|u| u.display_name.clone()).unwrap_or_default(),
            state,
            reason: status.reason.clone(),
            interactions,
            next,
            next_reason,
            since: status.since.as_millis(),
        }
    }
}

/// What these routes fail with: the API's errors, or no ACD on this node (503).
enum Failure {
    Api(ApiError),
    Unavailable(&'static str),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl From<sb_store::StoreError> for Failure {
    fn from(e: sb_store::StoreError) -> Self {
        Failure::Api(e.into())
    }
}

impl From<EngineAcdError> for Failure {
    fn from(e: EngineAcdError) -> Self {
        match e {
            EngineAcdError::Refused(AcdError::UnknownAgent(_)) => Failure::Api(ApiError::NotFound(
                "routing profile (only agents and supervisors are routed)".into(),
            )),
            EngineAcdError::Refused(other) => Failure::Api(ApiError::Conflict(other.to_string())),
            EngineAcdError::Store(e) => e.into(),
            EngineAcdError::Config(message) => Failure::Api(ApiError::Internal(message)),
            EngineAcdError::Stopped => Failure::Unavailable("routing (the ACD) is shutting down"),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Api(e) => e.into_response(),
            Failure::Unavailable(message) => {
                let body = serde_json::json!({
                    "error": { "code": "acd_unavailable", "message": message }
                });
                (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
            }
        }
    }
}

fn acd(state: &AppState) -> Result<&AcdHandle, Failure> {
    state.acd.as_ref().ok_or(Failure::Unavailable(
        "routing (the ACD) does not run on this server",
    ))
}

fn presence(req: SetState) -> Result<Presence, ApiError> {
    match (req.state, req.reason) {
        (WantedState::Unavailable, Some(reason)) => {
            let ok = (1..=MAX_REASON).contains(&reason.chars().count())
                && !reason.chars().any(char::is_control);
            if !ok {
                return Err(ApiError::invalid("reason", "1 to 64 printable characters"));
            }
            Ok(Presence::Unavailable { reason })
        }
        (WantedState::Unavailable, None) => Err(ApiError::invalid(
            "reason",
            "required when the state is unavailable",
        )),
        (_, Some(_)) => Err(ApiError::invalid(
            "reason",
            "only the unavailable state takes a reason",
        )),
        (WantedState::Available, None) => Ok(Presence::Available),
        (WantedState::LoggedOut, None) => Ok(Presence::LoggedOut),
    }
}

/// The caller's own routing state.
#[utoipa::path(get, path = "/me/state", tag = "agents",
    responses((status = 200, body = AgentStateView),
        (status = 404, description = "The caller is not an agent or supervisor"),
        (status = 503, description = "Routing does not run on this server")))]
async fn get_my_state(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
) -> Result<Json<AgentStateView>, Failure> {
    let status = acd(&state)?
        .agent_status(c.tenant.id, agent_of(c.user.id))
        .await?;
    Ok(Json(AgentStateView::of(&status, Some(&c.user))))
}

/// Sets the caller's own presence: available, unavailable with a reason, or logged out.
#[utoipa::path(put, path = "/me/state", tag = "agents", request_body = SetState,
    responses((status = 200, body = AgentStateView), (status = 400),
        (status = 404, description = "The caller is not an agent or supervisor"),
        (status = 503, description = "Routing does not run on this server")))]
async fn set_my_state(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    ApiJson(req): ApiJson<SetState>,
) -> Result<Json<AgentStateView>, Failure> {
    let acd = acd(&state)?;
    let wanted = presence(req)?;
    if let Presence::Unavailable { reason } = &wanted {
        let doc = state.store.get_tenant_settings(c.tenant.id).await?;
        let settings = sb_engine::TenantSettings::from_stored(&doc);
        if !settings.allows_reason(reason) {
            let codes = settings.reason_codes.join(", ");
            return Err(
                ApiError::invalid("reason", format!("one of the tenant's codes: {codes}")).into(),
            );
        }
    }
    let status = acd
        .set_agent_state(c.tenant.id, agent_of(c.user.id), wanted)
        .await?;
    Ok(Json(AgentStateView::of(&status, Some(&c.user))))
}

/// A queue calls can be transferred to.
#[derive(Serialize, ToSchema, PartialEq)]
struct QueueEntry {
    /// Its name.
    name: String,
}

/// Who and where an agent can transfer a call to.
#[derive(Serialize, ToSchema, PartialEq)]
struct Directory {
    /// The tenant's other agents with their states, by user name.
    agents: Vec<AgentStateView>,
    /// The tenant's voice queues, by name.
    queues: Vec<QueueEntry>,
    /// The tenant's email queues, by name (where a conversation can be passed).
    email_queues: Vec<QueueEntry>,
}

/// The transfer directory: the tenant's other agents and their states, its voice queues and
/// its email queues.
#[utoipa::path(get, path = "/me/directory", tag = "agents",
    responses((status = 200, body = Directory),
        (status = 503, description = "Routing does not run on this server")))]
async fn directory(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
) -> Result<Json<Directory>, Failure> {
    let me = agent_of(c.user.id);
    let mut agents = agent_views(&state, &c).await?;
    agents.retain(|a| a.agent != me.as_uuid() && !a.username.is_empty());
    let mut all = state.store.list_queues(c.tenant.id).await?;
    all.sort_by(|a, b| a.name.cmp(&b.name));
    let of = |channel: sb_types::Channel| -> Vec<QueueEntry> {
        all.iter()
            .filter(|q| q.channel == channel)
            .map(|q| QueueEntry {
                name: q.name.clone(),
            })
            .collect()
    };
    let (queues, email_queues) = (of(sb_types::Channel::Voice), of(sb_types::Channel::Email));
    Ok(Json(Directory {
        agents,
        queues,
        email_queues,
    }))
}

/// Every agent's routing state, by user name.
#[utoipa::path(get, path = "/agents/states", tag = "agents",
    responses((status = 200, body = [AgentStateView]),
        (status = 503, description = "Routing does not run on this server")))]
async fn list_agent_states(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
) -> Result<Json<Vec<AgentStateView>>, Failure> {
    Ok(Json(agent_views(&state, &c).await?))
}

/// Every agent's routing state with their user's names, by user name (a user deleted since
/// has an empty one).
async fn agent_views(state: &AppState, c: &crate::Caller) -> Result<Vec<AgentStateView>, Failure> {
    let statuses = acd(state)?.agents(c.tenant.id).await?;
    let users: HashMap<Uuid, User> = state
        .store
        .list_users(c.tenant.id)
        .await?
        .into_iter()
        .map(|u| (u.id.as_uuid(), u))
        .collect();
    let mut views: Vec<AgentStateView> = statuses
        .iter()
        .map(|s| AgentStateView::of(s, users.get(&s.agent.as_uuid())))
        .collect();
    views.sort_by(|a, b| a.username.cmp(&b.username));
    Ok(views)
}
