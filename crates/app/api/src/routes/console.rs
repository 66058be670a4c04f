//! The agent console's live connection, `GET /api/v1/me/console` (WebSocket).
//!
//! The server sends a `snapshot` (the agent's state, live calls, reason codes, a notice, the
//! agent's queues with their waiting counts and longest wait, a voicemail message offered to
//! the agent and those they hold) on connect and whenever it changes, and a `ping` every 5 s; the console answers each ping.
//! The connection *is* the agent's presence: when the agent's last console connection goes
//! (closed, or silent for 15 s) the ACD is told, and after its grace time makes the agent
//! unavailable (`disconnected`); the agent is told why on coming back. Logout, the session's
//! expiry or a disabled account close the connection (1008) at the next ping.

use super::agents::AgentStateView;
use super::calls::CallView;
use crate::auth::Presented;
use crate::{AnyUser, AppState, Caller};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::response::Response;
use sb_engine::Dispositions;
use sb_engine::acd::{AgentState, REASON_DISCONNECTED, agent_of};
use sb_types::{AgentId, QueueId, TenantId};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior, interval};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(console))
}

/// How often the snapshot is compared with the last one sent.
const REFRESH: Duration = Duration::from_millis(500);
/// How often the server pings.
const PING: Duration = Duration::from_secs(5);
/// Silence after which the console counts as gone.
const SILENCE: Duration = Duration::from_secs(15);
/// Largest message accepted from the console.
const MAX_MESSAGE: usize = 4096;
/// How long the tenant's reason codes are kept before they are read again.
const REASONS_TTL: Duration = Duration::from_secs(30);

/// Open console connections per agent, so that only the last one closing counts as gone.
#[derive(Clone, Default)]
pub(crate) struct Consoles(Arc<Mutex<HashMap<(TenantId, AgentId), usize>>>);

impl Consoles {
    /// Counts a connection in; true when it is the agent's first.
    fn open(&self, key: (TenantId, AgentId)) -> bool {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let n = map.entry(key).or_default();
        *n += 1;
        *n == 1
    }

    /// Counts a connection out; true when it was the agent's last.
    fn close(&self, key: (TenantId, AgentId)) -> bool {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(n) = map.get_mut(&key) else {
            return true;
        };
        *n = n.saturating_sub(1);
        if *n == 0 {
            map.remove(&key);
            return true;
        }
        false
    }
}

/// What the console shows; sent whenever it differs from the last one sent.
#[derive(Serialize, PartialEq)]
struct Snapshot {
    /// Always `snapshot`.
    #[serde(rename = "type")]
    kind: &'static str,
    agent: Option<AgentStateView>,
    calls: Vec<CallView>,
    reason_codes: Vec<String>,
    notice: Option<String>,
    /// The queues the agent serves.
    queues: Vec<QueueGlanceView>,
    /// A voicemail message offered to the agent now (accept or reject it with
    /// `POST /voicemails/{id}/accept` or `/reject`).
    voicemail_offer: Option<sb_engine::voicemails::VoicemailOffer>,
    /// The voicemail messages the agent has taken and not closed yet, oldest first.
    voicemails_held: Vec<String>,
    /// Conversations (email) offered to the agent now.
    email_offers: Vec<sb_engine::email::EmailOffer>,
    /// Conversations the agent has taken and not closed or passed on.
    emails_held: Vec<sb_types::ConversationId>,
}

/// One of the agent's queues at a glance.
#[derive(Serialize, PartialEq)]
struct QueueGlanceView {
    name: String,
    /// Interactions waiting (not offered).
    waiting: u32,
    /// Logged-in agents eligible for it.
    staffed: u32,
    /// When the longest-waiting one arrived, milliseconds since the Unix epoch.
    oldest_at: Option<i64>,
    /// What agents record after its calls.
    dispositions: Dispositions,
    /// The CRM page for its calls (`{caller}`, `{number}`, `{queue}`, `{call}` to fill in).
    screen_pop_url: Option<String>,
    /// How long after-call work lasts before the agent is made ready again (0: none).
    wrap_up_secs: u32,
}

/// Queue names and dispositions by id, re-read from the store only when an unknown queue shows
/// up.
#[derive(Default)]
struct QueueNames(HashMap<QueueId, QueueInfo>);

/// What the console needs of a queue's stored settings.
#[derive(Clone)]
struct QueueInfo {
    name: String,
    dispositions: Dispositions,
    screen_pop_url: Option<String>,
    wrap_up_secs: u32,
}

/// A queue's after-call work limit, as its settings give it to the ACD (absent: none).
fn wrap_up_secs(settings: &serde_json::Value) -> u32 {
    settings
        .get("wrap_up_secs")
        .and_then(serde_json::Value::as_u64)
        .map_or(0, |s| u32::try_from(s).unwrap_or(u32::MAX))
}

impl QueueNames {
    async fn glance(&mut self, state: &AppState, c: &Caller) -> Vec<QueueGlanceView> {
        let Some(acd) = &state.acd else {
            return Vec::new();
        };
        let agent = agent_of(c.user.id);
        let Ok(list) = acd.agent_queues(c.tenant.id, agent).await else {
            return Vec::new();
        };
        if list.iter().any(|g| !self.0.contains_key(&g.queue))
            && let Ok(queues) = state.store.list_queues(c.tenant.id).await
        {
            let info = |q: sb_store::Queue| {
                let info = QueueInfo {
                    dispositions: sb_engine::queue_dispositions(&q.settings),
                    screen_pop_url: sb_engine::queue_screen_pop_url(&q.settings),
                    wrap_up_secs: wrap_up_secs(&q.settings),
                    name: q.name,
                };
                (q.id, info)
            };
            self.0 = queues.into_iter().map(info).collect();
        }
        let view = |g: &sb_engine::acd::QueueGlance| {
            let info = self.0.get(&g.queue)?.clone();
            Some(QueueGlanceView {
                name: info.name,
                waiting: g.waiting,
                staffed: g.staffed,
                oldest_at: g.oldest.map(|t| t.as_millis()),
                dispositions: info.dispositions,
                screen_pop_url: info.screen_pop_url,
                wrap_up_secs: info.wrap_up_secs,
            })
        };
        list.iter().filter_map(view).collect()
    }
}

/// The tenant's reason codes, re-read every [`REASONS_TTL`] so that an admin's change reaches
/// the open consoles.
#[derive(Default)]
struct ReasonCodes {
    codes: Vec<String>,
    read_at: Option<Instant>,
}

impl ReasonCodes {
    async fn get(&mut self, state: &AppState, c: &Caller) -> Vec<String> {
        if self.read_at.is_none_or(|at| at.elapsed() > REASONS_TTL) {
            let stored = state.store.get_tenant_settings(c.tenant.id).await;
            let settings = match stored {
                Ok(doc) => sb_engine::TenantSettings::from_stored(&doc),
                Err(e) => {
                    tracing::warn!(error = %e, "tenant settings unreadable: default reason codes");
                    sb_engine::TenantSettings::default()
                }
            };
            self.codes = settings.reason_codes;
            self.read_at = Some(Instant::now());
        }
        self.codes.clone()
    }
}

/// Whether a message from the console is a call-control command.
fn is_command(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("type").and_then(|t| t.as_str()) == Some("command"))
}

const PING_MESSAGE: &str = r#"{"type":"ping"}"#;

/// The agent console's live connection (WebSocket): snapshots of the agent's state and calls,
/// pings every 5 s that the console answers with `{"type":"pong"}`. Closing it (or 15 s of
/// silence) starts the grace time after which the agent is made unavailable.
#[utoipa::path(get, path = "/me/console", tag = "agents",
    responses((status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, description = "Not a WebSocket upgrade"), (status = 401)))]
async fn console(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    presented: Presented,
    ws: WebSocketUpgrade,
) -> Response {
    ws.max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| run(state, c, presented, socket))
}

async fn run(state: AppState, c: Caller, presented: Presented, mut socket: WebSocket) {
    let key = (c.tenant.id, agent_of(c.user.id));
    let first = state.consoles.open(key);
    let mut notice = None;
    if let Some(acd) = &state.acd {
        if let Ok(status) = acd.agent_status(key.0, key.1).await {
            notice = disconnected_notice(&status.state);
        }
        if first {
            // Agents only: an admin's console has no routing profile to restore.
            let _ = acd.connection_restored(key.0, key.1).await;
        }
    }
    let mut refresh = interval(REFRESH);
    let mut ping = interval(PING);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_sent: Option<Snapshot> = None;
    let mut names = QueueNames::default();
    let mut reasons = ReasonCodes::default();
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            _ = refresh.tick() => {
                if heard.elapsed() > SILENCE {
                    break;
                }
                let caches = (&mut names, &mut reasons);
                let now = snapshot(&state, &c, notice.clone(), caches).await;
                if last_sent.as_ref() != Some(&now) {
                    let Ok(text) = serde_json::to_string(&now) else {
                        break;
                    };
                    if send(&mut socket, text).await.is_err() {
                        break;
                    }
                    last_sent = Some(now);
                }
            }
            _ = ping.tick() => {
                // Logout, expiry or a disabled account end the connection (policy violation).
                if !presented.still_valid(&state, &c).await {
                    let close = CloseFrame { code: close_code::POLICY, reason: "session ended".into() };
                    let _ = socket.send(Message::Close(Some(close))).await;
                    break;
                }
                if send(&mut socket, PING_MESSAGE.to_owned()).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(Message::Text(text))) if is_command(&text) => {
                    heard = Instant::now();
                    let msg: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                    let result = super::calls::ws_command(&state, &c, &msg).await;
                    if send(&mut socket, result.to_string()).await.is_err() {
                        break;
                    }
                }
                Some(Ok(_)) => {
                    heard = Instant::now();
                    // The notice is shown once the agent has chosen a state again.
                    if notice.is_some() && !still_disconnected(&state, key).await {
                        notice = None;
                    }
                }
            },
        }
    }
    if state.consoles.close(key)
        && let Some(acd) = &state.acd
    {
        let _ = acd.connection_lost(key.0, key.1).await;
    }
}

async fn send(socket: &mut WebSocket, text: String) -> Result<(), ()> {
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|_| ())
}

async fn snapshot(
    state: &AppState,
    c: &Caller,
    notice: Option<String>,
    (names, reasons): (&mut QueueNames, &mut ReasonCodes),
) -> Snapshot {
    let agent = match &state.acd {
        Some(acd) => acd
            .agent_status(c.tenant.id, agent_of(c.user.id))
            .await
            .ok()
            .map(|s| AgentStateView::of(&s, Some(&c.user))),
        None => None,
    };
    let calls = match &state.calls {
        Some(control) => control
            .of_agent(c.tenant.id, agent_of(c.user.id))
            .into_iter()
            .map(CallView::from)
            .collect(),
        None => Vec::new(),
    };
    let me = (c.tenant.id, agent_of(c.user.id));
    let (voicemail_offer, voicemails_held) = match &state.voicemails {
        Some(desk) => (desk.offer_for(me.0, me.1), desk.held_by(me.0, me.1)),
        None => (None, Vec::new()),
    };
    let (email_offers, emails_held) = match &state.email {
        Some(desk) => (desk.offers_for(me.0, me.1), desk.held_by(me.0, me.1)),
        None => (Vec::new(), Vec::new()),
    };
    Snapshot {
        kind: "snapshot",
        email_offers,
        emails_held,
        agent,
        calls,
        voicemail_offer,
        voicemails_held,
        reason_codes: reasons.get(state, c).await,
        notice,
        queues: names.glance(state, c).await,
    }
}

async fn still_disconnected(state: &AppState, key: (TenantId, AgentId)) -> bool {
    let Some(acd) = &state.acd else {
        return false;
    };
    match acd.agent_status(key.0, key.1).await {
        Ok(status) => disconnected_notice(&status.state).is_some(),
        Err(_) => false,
    }
}

fn disconnected_notice(state: &AgentState) -> Option<String> {
    match state {
        AgentState::Unavailable { reason } if reason == REASON_DISCONNECTED => Some(
            "You were made unavailable because your console lost its connection. \
             Choose Available when you are ready."
                .into(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_console_of_an_agent_closing_counts_as_gone() {
        let consoles = Consoles::default();
        let key = (TenantId::from_u128(1), AgentId::from_u128(2));
        assert!(consoles.open(key), "first tab");
        assert!(!consoles.open(key), "second tab");
        assert!(!consoles.close(key));
        assert!(consoles.close(key), "last tab");
        assert!(consoles.open(key), "first again");
    }

    #[test]
    fn the_notice_explains_a_disconnection_only() {
        let gone = AgentState::Unavailable {
            reason: "disconnected".into(),
        };
        assert!(disconnected_notice(&gone).is_some());
        let lunch = AgentState::Unavailable {
            reason: "lunch".into(),
        };
        assert!(disconnected_notice(&lunch).is_none());
        assert!(disconnected_notice(&AgentState::Available).is_none());
    }
}
