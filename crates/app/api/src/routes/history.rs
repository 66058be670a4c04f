//! A contact's history: their earlier interactions with the tenant (calls today), newest
//! first, with the agent who handled each and the agent's disposition and notes — what the
//! console shows beside a call, and where an agent calls a contact back from.

use crate::extract::ApiQuery;
use crate::{AnyUser, ApiError, AppState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(contact_history))
}

/// Whose history, and how much of it.
#[derive(Deserialize, IntoParams)]
struct HistoryQuery {
    /// The contact's address: an E.164 number such as `+442079460123`.
    contact: String,
    /// At most this many (1–200, default 20).
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_limit() -> u32 {
    20
}

/// The longest contact address accepted.
const MAX_CONTACT: usize = 320;

/// One earlier interaction.
#[derive(Serialize, ToSchema)]
struct HistoryEntry {
    /// The interaction's id (a call's id).
    id: String,
    /// `voice` (other channels later).
    channel: String,
    /// `inbound` or `outbound`.
    direction: String,
    /// The contact's address.
    contact: String,
    /// When it began, milliseconds since the Unix epoch.
    started_at: i64,
    /// When it ended.
    ended_at: Option<i64>,
    /// The queue it waited in.
    queue: Option<String>,
    /// The (last) agent who handled it: user id and user name.
    agent: Option<Uuid>,
    agent_username: Option<String>,
    /// How it ended (`caller_hangup`, `agent_hangup`…).
    outcome: Option<String>,
    /// The agent's disposition code.
    disposition: Option<String>,
    /// The agent's notes.
    notes: Option<String>,
}

/// A contact's earlier interactions, newest first.
#[utoipa::path(get, path = "/contacts/history", tag = "agents", params(HistoryQuery),
    responses((status = 200, body = [HistoryEntry]), (status = 400), (status = 401)))]
async fn contact_history(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    let contact = q.contact.trim();
    if contact.is_empty() || contact.len() > MAX_CONTACT {
        return Err(ApiError::invalid("contact", "1 to 320 characters"));
    }
    if !(1..=200).contains(&q.limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 200"));
    }
    let records = state
        .store
        .contact_history(c.tenant.id, contact, q.limit)
        .await?;
    let names: HashMap<Uuid, String> = state
        .store
        .list_users(c.tenant.id)
        .await?
        .into_iter()
        .map(|u| (u.id.as_uuid(), u.username))
        .collect();
    let entries = records
        .into_iter()
        .map(|r| {
            let agent = r.agent.map(|a| a.as_uuid());
            HistoryEntry {
                id: r.id,
                channel: r.channel.as_str().to_owned(),
                direction: r.direction,
                contact: r.contact,
                started_at: r.started_at.as_millis(),
                ended_at: r.ended_at.map(|t| t.as_millis()),
                queue: r.queue,
                agent_username: agent.and_then(|a| names.get(&a).cloned()),
                agent,
                outcome: r.outcome,
                disposition: r.disposition,
                notes: r.notes,
            }
        })
        .collect();
    Ok(Json(entries))
}
