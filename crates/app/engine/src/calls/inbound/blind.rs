//! Blind transfer: the agent sends the caller to a queue, an agent or a number and their own
//! leg is hung up at once. A call the ACD connected keeps its interaction: the ACD moves it
//! (to the queue, or to the agent's own line, offered when they have room) and the caller
//! waits with music as in the queue. A call without one (a flow's transfer) is queued anew
//! or rung directly.

use std::time::Duration;

use sb_acd::{AcdInput, AgentState, TransferTarget};
use sb_flow::{Named, Session, Treatment};
use sb_sip_dialog::e164::normalize;
use sb_types::{AgentId, InteractionId, QueueId};
use serde_json::json;
use tokio::sync::mpsc::UnboundedReceiver;

use super::transfer::{self, Pending};
use super::{AckWait, AgentLeg, CallerMedia, Inbound, Interrupt, Outcome, Peer, queue};
use crate::acd::InteractionEvent;
use crate::calls::control::TransferTo;
use crate::calls::ring::Ringing;

/// How long an agent or number rung by a blind transfer rings.
const BLIND_RING: Duration = Duration::from_secs(30);
/// How long a caller sent to an agent waits for them to have room (they may be on a break).
const AGENT_WAIT: Duration = Duration::from_secs(120);
/// How long a caller sent to a queue waits at most (its own limits may end it sooner).
const QUEUE_WAIT: Duration = Duration::from_secs(600);

/// Where the caller goes after a blind transfer.
pub(super) enum Blind {
    /// The ACD moved the interaction: wait for its offers, at most `limit`.
    Wait {
        interaction: InteractionId,
        events: UnboundedReceiver<InteractionEvent>,
        limit: Duration,
    },
    /// Queue the call anew (it had no interaction).
    Queue(Named<QueueId>),
    /// Ring this agent directly (the call had no interaction).
    Agent(AgentId),
    /// Dial this number through the trunk.
    Number(String),
    /// A consulted leg still rings: the caller gets it when it answers.
    Ringing {
        ringing: Ringing,
        pending: Pending,
        events: Option<UnboundedReceiver<InteractionEvent>>,
    },
}

impl Inbound {
    /// Checks `to` and moves the ACD interaction of `agent`'s leg there; the error says why
    /// the transfer cannot be done (nothing has changed then).
    pub(super) async fn blind_target(
        &mut self,
        agent: &mut AgentLeg,
        to: TransferTo,
    ) -> Result<Blind, String> {
        let interaction = match agent.peer {
            Peer::Agent { interaction, .. } if agent.interaction_events.is_some() => {
                Some(interaction)
            }
            _ => None,
        };
        let (target, label, limit) = match to {
            TransferTo::Number(number) => {
                self.check_number(&number)?;
                self.log_blind(&agent.label, &number).await;
                return Ok(Blind::Number(number));
            }
            TransferTo::Queue(name) => {
                let queue = self
                    .deps
                    .store
                    .get_queue_by_name(self.tenant, &name)
                    .await
                    .map_err(|_| format!("there is no queue {name:?}"))?;
                let Some(_) = interaction else {
                    self.log_blind(&agent.label, &name).await;
                    return Ok(Blind::Queue(Named { name, id: queue.id }));
                };
                (TransferTarget::Queue { queue: queue.id }, name, QUEUE_WAIT)
            }
            TransferTo::Agent(id) => {
                self.check_reachable(agent, id).await?;
                if interaction.is_none() {
                    self.log_blind(&agent.label, &id.to_string()).await;
                    return Ok(Blind::Agent(id));
                }
                (
                    TransferTarget::Agent { agent: id },
                    id.to_string(),
                    AGENT_WAIT,
                )
            }
        };
        let (Some(interaction), Some(events)) = (interaction, agent.interaction_events.take())
        else {
            return Err("the call has no interaction".into());
        };
        let input = AcdInput::Transfer {
            interaction,
            target,
        };
        if let Err(e) = self.deps.acd.input(self.tenant, input).await {
            agent.interaction_events = Some(events);
            return Err(format!("the transfer was refused: {e}"));
        }
        self.log_blind(&agent.label, &label).await;
        Ok(Blind::Wait {
            interaction,
            events,
            limit,
        })
    }

    async fn log_blind(&self, from: &str, to: &str) {
        self.log
            .record(
                "transferred",
                json!({ "mode": "blind", "from": from, "to": to }),
            )
            .await;
    }

    /// A number the tenant's trunk can dial.
    fn check_number(&self, number: &str) -> Result<(), String> {
        let Some(trunk) = self.deps.trunks.outbound_trunk(self.tenant) else {
            return Err("no trunk places outbound calls".into());
        };
        normalize(number, trunk.plan.national.as_ref())
            .map(|_| ())
            .map_err(|_| format!("{number:?} is not a phone number"))
    }

    /// An agent a call can be sent to: logged in, not the one on it.
    async fn check_reachable(&self, current: &AgentLeg, agent: AgentId) -> Result<(), String> {
        if self.other_agent_state(current, agent).await? == AgentState::LoggedOut {
            return Err("the agent is logged out".into());
        }
        Ok(())
    }

    /// The routing state of `agent`, who must not be the agent on the call already.
    pub(super) async fn other_agent_state(
        &self,
        current: &AgentLeg,
        agent: AgentId,
    ) -> Result<AgentState, String> {
        if matches!(current.peer, Peer::Agent { agent: a, .. } | Peer::DirectAgent(a) if a == agent)
        {
            return Err("this agent is on the call already".into());
        }
        let status = self.deps.acd.agent_status(self.tenant, agent).await;
        status
            .map(|s| s.state)
            .map_err(|e| format!("the agent's state is unknown: {e}"))
    }

    /// The caller goes to the target of a blind transfer; `Connected` when it answers.
    pub(super) async fn blind(
        &mut self,
        session: &mut Session,
        media: &mut CallerMedia,
        acks: &mut AckWait,
        target: Blind,
    ) -> Result<Outcome, Interrupt> {
        self.show(|c| {
            c.state = "queued".into();
            c.agent = None;
            c.consult = None;
        });
        match target {
            Blind::Wait {
                interaction,
                events,
                limit,
            } => {
                let treatment = Treatment::default();
                let until = Some(tokio::time::Instant::now() + limit);
                let waiting = (interaction, events);
                queue::wait_offers(self, session, media, acks, waiting, &treatment, until).await
            }
            Blind::Queue(queue) => {
                let ask = queue::Ask {
                    queue,
                    priority: 0,
                    skills: Vec::new(),
                    treatment: Treatment::default(),
                };
                queue::wait_for_agent(self, session, media, acks, ask).await
            }
            Blind::Agent(agent) => transfer::to_agent(self, media, acks, agent, BLIND_RING).await,
            Blind::Number(n) => transfer::to_number(self, media, acks, &n, BLIND_RING).await,
            Blind::Ringing {
                ringing,
                pending,
                events,
            } => {
                let outcome = transfer::ring_and_bridge(self, media, acks, ringing, pending).await;
                match outcome {
                    Ok(Outcome::Connected(mut leg)) => {
                        leg.interaction_events = events;
                        Ok(Outcome::Connected(leg))
                    }
                    other => other,
                }
            }
        }
    }
}
