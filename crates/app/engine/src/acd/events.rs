//! What the live ACD tells interaction owners and agent-state readers.

use sb_acd::{
    AgentState, EndOutcome, Offer, OverflowReason, OverflowTarget, Presence, WithdrawReason,
};
use sb_types::{AgentId, InteractionId, QueueId, Timestamp};
use serde::Serialize;

/// An agent's state as the ACD shows it, with when it began.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgentStatus {
    /// The agent (the user's id: see [`super::agent_of`]).
    pub agent: AgentId,
    /// The visible state.
    pub state: AgentState,
    /// When the agent entered this state (the tenant task's start for agents never changed).
    pub since: Timestamp,
    /// The reason code when unavailable.
    pub reason: Option<String>,
    /// Presence asked for during work, applied when the work is done.
    pub next: Option<Presence>,
}

impl AgentStatus {
    /// A logged-out agent since `now`.
    pub(super) fn logged_out(agent: AgentId, now: Timestamp) -> Self {
        AgentStatus {
            agent,
            state: AgentState::LoggedOut,
            since: now,
            reason: None,
            next: None,
        }
    }

    /// Takes a new state at `now`; `since` moves only when the state itself changes.
    pub(super) fn update(&mut self, state: AgentState, next: Option<Presence>, now: Timestamp) {
        if self.state != state {
            self.reason = match &state {
                AgentState::Unavailable { reason } => Some(reason.clone()),
                _ => None,
            };
            self.state = state;
            self.since = now;
        }
        self.next = next;
    }
}

/// What the owner of an interaction (the task holding the customer's call) is told.
#[derive(Clone, Debug, PartialEq)]
pub enum InteractionEvent {
    /// Ring this agent (the offer says until when, and why this agent).
    Offered {
        /// The agent.
        agent: AgentId,
        /// The ACD's offer.
        offer: Offer,
    },
    /// Stop ringing this agent.
    OfferWithdrawn {
        /// The interaction.
        interaction: InteractionId,
        /// The agent.
        agent: AgentId,
        /// Why.
        reason: WithdrawReason,
    },
    /// Play a queue message to the waiting customer.
    PlayMessage {
        /// The interaction.
        interaction: InteractionId,
        /// Its queue.
        queue: QueueId,
        /// The prompt name.
        prompt: String,
    },
    /// Tell the waiting customer their position and estimated wait.
    AnnouncePosition {
        /// The interaction.
        interaction: InteractionId,
        /// Its queue.
        queue: QueueId,
        /// 1-based position.
        position: u32,
        /// Estimated wait in seconds.
        ewt_secs: u64,
    },
    /// The interaction overflowed its queue: with a queue target it waits there now,
    /// otherwise [`InteractionEvent::Ended`] follows and the owner takes it (flow, rejection).
    Overflow {
        /// The interaction.
        interaction: InteractionId,
        /// The queue it left.
        from: QueueId,
        /// Where it goes.
        target: OverflowTarget,
        /// Why.
        reason: OverflowReason,
    },
    /// The interaction left the ACD; no event follows.
    Ended {
        /// The interaction.
        interaction: InteractionId,
        /// The queue it was last in.
        queue: QueueId,
        /// How it ended.
        outcome: EndOutcome,
    },
}

impl InteractionEvent {
    /// The interaction this event is about.
    pub fn interaction(&self) -> InteractionId {
        match self {
            InteractionEvent::Offered { offer, .. } => offer.interaction,
            InteractionEvent::OfferWithdrawn { interaction, .. }
            | InteractionEvent::PlayMessage { interaction, .. }
            | InteractionEvent::AnnouncePosition { interaction, .. }
            | InteractionEvent::Overflow { interaction, .. }
            | InteractionEvent::Ended { interaction, .. } => *interaction,
        }
    }
}
