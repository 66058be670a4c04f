//! Read-only views for supervisors, announcements and tests.

use super::Acd;
use crate::agent::Phase;
use crate::command::AgentState;
use crate::interaction::Place;
use crate::queue::QueueStats;
use sb_types::{AgentId, InteractionId, QueueId, Timestamp};
use serde::Serialize;

/// Where a waiting interaction stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    /// 1-based position in its line.
    pub position: u32,
    /// Estimated wait: position × recent average handle time / staffed agents, seconds.
    pub ewt_secs: u64,
}

/// Where an interaction is in the ACD.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum InteractionStatus {
    /// Waiting in a queue (or for one agent).
    Waiting {
        /// Its queue.
        queue: QueueId,
        /// A callback keeping its place.
        callback: bool,
    },
    /// Ringing agents.
    Offered {
        /// The agents rung.
        agents: Vec<AgentId>,
    },
    /// Connected to an agent.
    Connected {
        /// The agent.
        agent: AgentId,
    },
    /// In the agent's wrap-up.
    WrapUp {
        /// The agent.
        agent: AgentId,
    },
}

/// A queue at a glance, as an agent's console shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct QueueGlance {
    /// The queue.
    pub queue: QueueId,
    /// Interactions waiting (not offered).
    pub waiting: u32,
    /// Logged-in agents eligible for it.
    pub staffed: u32,
    /// When the longest-waiting interaction arrived.
    pub oldest: Option<Timestamp>,
}

impl Acd {
    /// The queues agent `id` may serve (by skills and capacity, at any bullseye level) at a
    /// glance, in configuration order; empty for an unknown agent.
    pub fn agent_queues(&self, id: AgentId) -> Vec<QueueGlance> {
        let Some(&a) = self.agent_ix.get(&id) else {
            return Vec::new();
        };
        let glance = |(q, _)| {
            let queue = self.queue(q)?;
            Some(QueueGlance {
                queue: self.queue_id(q),
                waiting: queue.stats.waiting,
                staffed: queue.stats.staffed,
                oldest: queue.oldest,
            })
        };
        self.eligible_queues(a)
            .into_iter()
            .filter_map(glance)
            .collect()
    }

    /// Position and estimated wait of a waiting interaction. Counting is linear in the
    /// position (not on the routing path: announcements and queries only).
    pub fn position(&self, id: InteractionId) -> Option<Position> {
        let i = self.interactions.get(&id)?;
        if i.place != Place::Waiting {
            return None;
        }
        let queue = self.queue(i.queue)?;
        let ahead = match i.direct {
            Some(a) => self.agent(a)?.direct.range(..i.key).count(),
            None => queue.waiting.range(..i.key).count(),
        };
        let position = u32::try_from(ahead).unwrap_or(u32::MAX).saturating_add(1);
        Some(Position {
            position,
            ewt_secs: queue.ewt_ms(position) / 1000,
        })
    }

    /// Where an interaction is, if still in the ACD.
    pub fn interaction_status(&self, id: InteractionId) -> Option<InteractionStatus> {
        let i = self.interactions.get(&id)?;
        Some(match &i.place {
            Place::Waiting => InteractionStatus::Waiting {
                queue: self.queue_id(i.queue),
                callback: i.callback,
            },
            Place::Offered(agents) => InteractionStatus::Offered {
                agents: agents.iter().map(|a| self.agent_id(*a)).collect(),
            },
            Place::Connected { agent, .. } => {
                let wrap = self
                    .agent(*agent)
                    .and_then(|x| x.slot(id))
                    .is_some_and(|s| matches!(s.phase, Phase::WrapUp { .. }));
                let agent = self.agent_id(*agent);
                if wrap {
                    InteractionStatus::WrapUp { agent }
                } else {
                    InteractionStatus::Connected { agent }
                }
            }
        })
    }

    /// The interactions the agent is doing after-contact work for (oldest first).
    pub fn wrap_ups(&self, id: AgentId) -> Vec<InteractionId> {
        let Some(agent) = self.agent_ix.get(&id).and_then(|a| self.agent(*a)) else {
            return Vec::new();
        };
        agent
            .slots
            .iter()
            .filter(|s| matches!(s.phase, crate::agent::Phase::WrapUp { .. }))
            .map(|s| s.interaction)
            .collect()
    }

    /// An agent's visible state.
    pub fn agent_state(&self, id: AgentId) -> Option<AgentState> {
        let a = self.agent_ix.get(&id)?;
        self.agent(*a).map(|x| x.state())
    }

    /// Live counters of a queue.
    pub fn queue_stats(&self, id: QueueId) -> Option<QueueStats> {
        let q = self.queue_ix.get(&id)?;
        self.queue(*q).map(|x| x.stats)
    }

    /// Interactions in the ACD (waiting, offered or with an agent).
    pub fn interaction_count(&self) -> usize {
        self.interactions.len()
    }

    /// Pending deadline entries (including ones already cancelled, dropped when due).
    pub fn timer_count(&self) -> usize {
        self.timers.len()
    }
}
