//! Live calls and their control from outside the call's task: the API lists a tenant's calls
//! (and an agent's) and sends commands — hang up, hold, resume, send DTMF, recording start,
//! pause, resume and stop — that the call's task carries out and answers.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use sb_types::{AgentId, TenantId, Timestamp};
use serde::Serialize;
use tokio::sync::{mpsc::UnboundedSender, oneshot};

use super::registry::CallInput;

/// What can be asked of a connected call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallCommand {
    /// End the call (both legs).
    Hangup,
    /// The caller hears music on hold; the agent hears silence.
    Hold,
    /// Back to talking.
    Resume,
    /// Send these DTMF digits to the caller's side (RFC 4733, or tones).
    SendDtmf(String),
    /// Start recording (caller left, agent right).
    RecordStart,
    /// Silence the recording (card payments); the span is marked in its metadata.
    RecordPause,
    /// Record again after a pause.
    RecordResume,
    /// Stop recording.
    RecordStop,
    /// Send the customer elsewhere: at once (`consult: false`, the agent's leg is hung up) or
    /// after the agent has spoken with the target while the customer holds.
    Transfer {
        /// Where to.
        to: TransferTo,
        /// Consult (warm transfer) rather than blind.
        consult: bool,
    },
    /// End a consultation by leaving: the customer talks with the consulted party.
    TransferComplete,
    /// End a consultation (or a conference) by dropping the consulted party.
    TransferCancel,
    /// Join the customer, the agent and the consulted party.
    Conference,
    /// Ring the agent's phone again with the call (their console was reloaded and lost its
    /// leg); when it answers, the new leg replaces the lost one.
    Reattach,
    /// Connect the agent's live call to their line (their console was reloaded and opened a
    /// new one): at once, with no INVITE. Refused when they have no free line.
    ReattachLine,
    /// Answer the offer ringing the agent's phone from the console or the API: the phone is
    /// rung again asking it to answer by itself (RFC 5373 `Answer-Mode: Auto`, and
    /// `Call-Info: answer-after=0`, which desk phones and the console's softphone honour).
    /// Refused when nothing rings, and for a phone number (the agent accepts with a key).
    Answer,
    /// The consulted agent answers (`answer: true`) or declines the consultation ringing on
    /// their line.
    Consulted {
        /// Who answers: the consulted agent.
        agent: AgentId,
        /// Answer, or decline.
        answer: bool,
    },
    /// The consulted agent leaves the consultation (hangs up their side on their line).
    ConsultLeave {
        /// The consulted agent.
        agent: AgentId,
    },
    /// Decline the offer ringing on the agent's line (the ACD offers the call to the next
    /// agent). Refused when nothing rings there.
    Reject,
}

/// Where a transfer sends the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferTo {
    /// An agent of the tenant.
    Agent(AgentId),
    /// A queue of the tenant, by name (blind only).
    Queue(String),
    /// A phone number, dialled through the tenant's trunk.
    Number(String),
}

/// A consultation in progress, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsultView {
    /// Who is consulted: the agent's user name, or the number.
    pub to: String,
    /// `agent` or `number`.
    pub kind: &'static str,
    /// `ringing`, `talking` or `conference`.
    pub state: &'static str,
    /// The consulted agent.
    pub agent: Option<AgentId>,
}

/// Why a command was not carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// No live call with this id in the tenant.
    #[error("no live call {0}")]
    NoSuchCall(String),
    /// The call cannot do this now (not connected yet, not recording…).
    #[error("{0}")]
    Refused(String),
}

/// How often a connected call samples its legs' quality for the live views.
pub(crate) const QUALITY_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// One leg's media quality now, sampled every few seconds while the call is connected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveQuality {
    /// `caller` or `agent`.
    pub leg: &'static str,
    /// `good`, `fair` or `poor`, from the recent loss and the jitter.
    pub level: &'static str,
    /// Mean opinion score (E-model) of what we received from this leg so far.
    pub mos: f64,
    /// Loss in the last reporting interval, in percent.
    pub loss_percent: f64,
    /// Interarrival jitter, in ms.
    pub jitter_ms: f64,
    /// Round-trip time, in ms, once RTCP has measured it.
    pub rtt_ms: Option<f64>,
}

impl LiveQuality {
    /// The figures of `leg` from its endpoint's statistics.
    pub fn of(leg: &'static str, s: &sb_media::EndpointStats) -> Self {
        let q = &s.quality;
        let round = |x: f64| (x * 100.0).round() / 100.0;
        let loss = q.interval_loss_percent.max(0.0);
        let level = if loss < 1.0 && q.jitter_ms < 30.0 && q.mos >= 4.0 {
            "good"
        } else if loss < 5.0 && q.jitter_ms < 60.0 && q.mos >= 3.5 {
            "fair"
        } else {
            "poor"
        };
        LiveQuality {
            leg,
            level,
            mos: round(q.mos),
            loss_percent: round(loss),
            jitter_ms: round(q.jitter_ms),
            rtt_ms: q.rtt_ms.map(round),
        }
    }
}

/// A live call as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveCall {
    /// The call's id (the Call-ID of its first leg).
    pub id: String,
    /// `inbound`, `outbound`, or `internal` (a user's phone calling another user).
    pub direction: &'static str,
    /// The tenant's number or the dialled one.
    pub number: String,
    /// Who called.
    pub caller: String,
    /// The agent on the call, once connected.
    pub agent: Option<AgentId>,
    /// `ivr`, `queued`, `ringing`, `connected`, `held`.
    pub state: String,
    /// When the call began.
    pub started_at: Timestamp,
    /// Whether it is being recorded.
    pub recording: bool,
    /// The queue it waited in, once queued.
    pub queue: Option<String>,
    /// When it was queued.
    pub queued_at: Option<Timestamp>,
    /// The agent whose phone rings with it now.
    pub offered_to: Option<AgentId>,
    /// The flow's attributes marked for the agent's screen pop.
    pub screen_pop: BTreeMap<String, String>,
    /// The consultation of a warm transfer, while one runs.
    pub consult: Option<ConsultView>,
    /// Each connected leg's media quality, refreshed every few seconds.
    pub quality: Vec<LiveQuality>,
    /// The last agent who left the call (its contact's history names them).
    #[serde(skip)]
    pub last_agent: Option<AgentId>,
}

impl LiveCall {
    /// A call that has just begun: not queued, offered or recorded.
    pub fn new(id: String, direction: &'static str, state: &str, started_at: Timestamp) -> Self {
        LiveCall {
            id,
            direction,
            number: String::new(),
            caller: String::new(),
            agent: None,
            state: state.to_owned(),
            started_at,
            recording: false,
            queue: None,
            queued_at: None,
            offered_to: None,
            screen_pop: BTreeMap::new(),
            consult: None,
            quality: Vec::new(),
            last_agent: None,
        }
    }
}

struct Entry {
    tenant: TenantId,
    call: LiveCall,
    inputs: UnboundedSender<CallInput>,
}

/// Calls remembered per agent after they left them, for their after-call work.
const HANDLED_KEPT: usize = 32;

/// Per agent, the (tenant, call id) of the last calls they left, newest last.
type Handled = HashMap<AgentId, VecDeque<(TenantId, String)>>;

/// The live calls of the node (cheap to clone).
#[derive(Clone, Default)]
pub struct CallControl {
    calls: Arc<Mutex<HashMap<String, Entry>>>,
    /// The last calls each agent was connected to and left (ended, transferred on), newest
    /// last: their wrap-up may name them.
    handled: Arc<Mutex<Handled>>,
}

impl std::fmt::Debug for CallControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallControl").finish_non_exhaustive()
    }
}

impl CallControl {
    /// The tenant's live calls.
    pub fn list(&self, tenant: TenantId) -> Vec<LiveCall> {
        let calls = self.calls.lock().map(|c| {
            c.values()
                .filter(|e| e.tenant == tenant)
                .map(|e| e.call.clone())
                .collect::<Vec<_>>()
        });
        let mut list = calls.unwrap_or_default();
        list.sort_by_key(|c| c.started_at);
        list
    }

    /// The agent's live calls: connected to them, ringing their phone, or consulting them.
    pub fn of_agent(&self, tenant: TenantId, agent: AgentId) -> Vec<LiveCall> {
        let mut list = self.list(tenant);
        list.retain(|c| {
            c.agent == Some(agent)
                || c.offered_to == Some(agent)
                || c.consult.as_ref().and_then(|k| k.agent) == Some(agent)
        });
        list
    }

    /// Whether the agent is on a call now: connected to one, or consulted on one (an offer
    /// would ring a phone that is busy; the ACD does not know about calls the agent placed or
    /// consultations).
    pub fn busy(&self, tenant: TenantId, agent: AgentId) -> bool {
        let Ok(calls) = self.calls.lock() else {
            return false;
        };
        calls.values().any(|e| {
            let c = &e.call;
            e.tenant == tenant
                && (c.agent == Some(agent)
                    || c.consult.as_ref().and_then(|k| k.agent) == Some(agent))
        })
    }

    /// The live call `id` (any tenant: for the call's own task).
    pub(crate) fn get(&self, id: &str) -> Option<LiveCall> {
        let calls = self.calls.lock().ok()?;
        calls.get(id).map(|e| e.call.clone())
    }

    /// Sends `command` to the tenant's call `id` and waits for the call's answer.
    pub async fn command(
        &self,
        tenant: TenantId,
        id: &str,
        command: CallCommand,
    ) -> Result<(), ControlError> {
        let inputs = self
            .calls
            .lock()
            .ok()
            .and_then(|c| {
                c.get(id)
                    .filter(|e| e.tenant == tenant)
                    .map(|e| e.inputs.clone())
            })
            .ok_or_else(|| ControlError::NoSuchCall(id.to_owned()))?;
        let (reply, answer) = oneshot::channel();
        inputs
            .send(CallInput::Control(command, reply))
            .map_err(|_| ControlError::NoSuchCall(id.to_owned()))?;
        answer
            .await
            .map_err(|_| ControlError::NoSuchCall(id.to_owned()))?
            .map_err(ControlError::Refused)
    }

    pub(crate) fn register(
        &self,
        tenant: TenantId,
        call: LiveCall,
        inputs: UnboundedSender<CallInput>,
    ) {
        if let Ok(mut c) = self.calls.lock() {
            c.insert(
                call.id.clone(),
                Entry {
                    tenant,
                    call,
                    inputs,
                },
            );
        }
    }

    pub(crate) fn update(&self, id: &str, change: impl FnOnce(&mut LiveCall)) {
        let mut left = None;
        if let Ok(mut c) = self.calls.lock()
            && let Some(e) = c.get_mut(id)
        {
            let before = e.call.agent;
            change(&mut e.call);
            if before.is_some() && e.call.agent != before {
                left = before.map(|a| (a, e.tenant));
            }
        }
        if let Some((agent, tenant)) = left {
            self.remember(agent, tenant, id);
        }
    }

    pub(crate) fn remove(&self, id: &str) {
        let removed = self.calls.lock().ok().and_then(|mut c| c.remove(id));
        if let Some(e) = removed
            && let Some(agent) = e.call.agent
        {
            self.remember(agent, e.tenant, id);
        }
    }

    /// Whether `agent` of `tenant` is connected to call `id`, or was until it ended or moved on
    /// (one of their last few calls): the calls their after-call work may be about.
    pub fn handled_by(&self, tenant: TenantId, id: &str, agent: AgentId) -> bool {
        let live = self.calls.lock().ok().is_some_and(|c| {
            c.get(id)
                .is_some_and(|e| e.tenant == tenant && e.call.agent == Some(agent))
        });
        live || self.handled.lock().ok().is_some_and(|h| {
            h.get(&agent)
                .is_some_and(|calls| calls.iter().any(|(t, c)| *t == tenant && c == id))
        })
    }

    fn remember(&self, agent: AgentId, tenant: TenantId, id: &str) {
        if let Ok(mut h) = self.handled.lock() {
            let calls = h.entry(agent).or_default();
            calls.retain(|(_, c)| c != id);
            calls.push_back((tenant, id.to_owned()));
            while calls.len() > HANDLED_KEPT {
                calls.pop_front();
            }
        }
    }
}

/// The answer channel of a command.
pub(crate) type Reply = oneshot::Sender<Result<(), String>>;

/// Answers a command that the call cannot take in its current state.
pub(crate) fn refuse(reply: Reply, why: &str) {
    let _ = reply.send(Err(why.to_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    fn call(id: &str, agent: Option<AgentId>) -> LiveCall {
        let mut call = LiveCall::new(id.into(), "inbound", "connected", Timestamp::from_secs(1));
        call.agent = agent;
        call
    }

    #[tokio::test]
    async fn a_command_reaches_its_call_and_other_tenants_cannot_see_or_control_it() {
        let control = CallControl::default();
        let (a, b) = (TenantId::from_u128(1), TenantId::from_u128(2));
        let agent = AgentId::from_u128(7);
        let (tx, mut rx) = mpsc::unbounded_channel();
        control.register(a, call("c1", Some(agent)), tx.clone());
        assert_eq!(control.of_agent(a, agent).len(), 1);
        let mut ringing = call("c2", None);
        ringing.offered_to = Some(agent);
        control.register(a, ringing, tx);
        assert_eq!(
            control.of_agent(a, agent).len(),
            2,
            "a call ringing the agent is theirs"
        );
        assert!(control.of_agent(a, AgentId::from_u128(8)).is_empty());
        assert!(control.busy(a, agent), "connected to c1");
        assert!(!control.busy(a, AgentId::from_u128(8)));
        assert!(!control.busy(b, agent), "per tenant");
        control.remove("c2");
        assert!(control.list(b).is_empty());
        let answered = tokio::spawn(async move {
            if let Some(CallInput::Control(CallCommand::Hold, reply)) = rx.recv().await {
                let _ = reply.send(Ok(()));
            }
        });
        assert_eq!(control.command(a, "c1", CallCommand::Hold).await, Ok(()));
        answered.await.unwrap();
        assert_eq!(
            control.command(b, "c1", CallCommand::Hangup).await,
            Err(ControlError::NoSuchCall("c1".into()))
        );
        control.remove("c1");
        assert!(control.list(a).is_empty());
    }

    #[test]
    fn an_agents_wrap_up_may_name_only_calls_they_handled() {
        let control = CallControl::default();
        let (a, b) = (TenantId::from_u128(1), TenantId::from_u128(2));
        let (first, second) = (AgentId::from_u128(7), AgentId::from_u128(8));
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        control.register(a, call("c1", Some(first)), tx.clone());
        assert!(control.handled_by(a, "c1", first), "connected now");
        assert!(!control.handled_by(a, "c1", second));
        assert!(!control.handled_by(b, "c1", first), "another tenant's");
        control.update("c1", |c| c.agent = Some(second));
        assert!(
            control.handled_by(a, "c1", first),
            "transferred on: still theirs"
        );
        assert!(control.handled_by(a, "c1", second));
        control.remove("c1");
        assert!(control.handled_by(a, "c1", second), "ended: still theirs");
        assert!(!control.handled_by(a, "c2", first), "never theirs");
        for n in 0..=HANDLED_KEPT {
            control.register(a, call(&format!("x{n}"), Some(first)), tx.clone());
            control.remove(&format!("x{n}"));
        }
        assert!(
            !control.handled_by(a, "c1", first),
            "only the last few are kept"
        );
        assert!(control.handled_by(a, &format!("x{HANDLED_KEPT}"), first));
    }
}
