//! What the ACD asks the engine to do or tells it happened.

use crate::config::{OverflowTarget, Strategy};
use crate::input::Presence;
use sb_types::{AgentId, Channel, InteractionId, QueueId, SkillId, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One output of the ACD, taken with [`crate::Acd::poll_command`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AcdCommand {
    /// Offer an interaction to an agent (ring the agent). With `callback` set this is a
    /// callback that is due: the agent accepts, then the engine dials the customer.
    Offer(Offer),
    /// Stop ringing an agent for an interaction.
    OfferWithdrawn {
        /// The interaction.
        interaction: InteractionId,
        /// The agent.
        agent: AgentId,
        /// Why.
        reason: WithdrawReason,
    },
    /// Play a queue message to a waiting customer.
    PlayMessage {
        /// The interaction.
        interaction: InteractionId,
        /// Its queue.
        queue: QueueId,
        /// The prompt.
        prompt: String,
    },
    /// Tell a waiting customer their position and estimated wait.
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
    /// The interaction overflowed its queue. With a queue target it stays in the ACD, in that
    /// queue; otherwise it has left the ACD (an [`AcdCommand::InteractionEnded`] follows).
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
    /// An agent's visible state changed.
    AgentStateChanged {
        /// The agent.
        agent: AgentId,
        /// The new state.
        state: AgentState,
        /// Presence that applies when current work is done, if one was asked for.
        next: Option<Presence>,
    },
    /// The SLA clock stopped for an interaction (exactly once per interaction).
    SlaRecorded(SlaRecord),
    /// The interaction left the ACD (exactly once per interaction).
    InteractionEnded {
        /// The interaction.
        interaction: InteractionId,
        /// The queue it was last in.
        queue: QueueId,
        /// How it ended.
        outcome: EndOutcome,
    },
}

/// An offer of an interaction to an agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    /// The interaction.
    pub interaction: InteractionId,
    /// The agent.
    pub agent: AgentId,
    /// The queue it comes from.
    pub queue: QueueId,
    /// Its channel.
    pub channel: Channel,
    /// A callback that reached the head of the line.
    pub callback: bool,
    /// When the offer counts as missed.
    pub expires_at: Timestamp,
    /// Why this agent and this interaction.
    pub explanation: Explanation,
}

/// Why an offer was withdrawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawReason {
    /// Not answered in time (the agent is made unavailable with reason `missed`, except for
    /// ring-all offers).
    Timeout,
    /// Another agent accepted first (ring all).
    AcceptedElsewhere,
    /// The customer left.
    Abandoned,
    /// The agent's connection was gone past the grace period.
    Disconnected,
    /// The interaction was transferred elsewhere.
    Transferred,
}

/// Why an interaction overflowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverflowReason {
    /// The queue was full.
    MaxSize,
    /// The interaction waited too long.
    MaxWait,
    /// Overflow targets looped; the interaction was rejected.
    Loop,
}

/// The visible state of an agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum AgentState {
    /// Not working.
    LoggedOut,
    /// Ready, nothing in hand.
    Available,
    /// Not ready.
    Unavailable {
        /// Reason code.
        reason: String,
    },
    /// An offer is ringing.
    Reserved,
    /// Handling interactions.
    Working {
        /// How many.
        interactions: u16,
    },
    /// After-contact work.
    WrapUp,
}

/// The SLA clock's result for one interaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaRecord {
    /// The interaction.
    pub interaction: InteractionId,
    /// The queue where the clock stopped.
    pub queue: QueueId,
    /// How it stopped.
    pub outcome: SlaOutcome,
    /// Milliseconds from the clock's start (arrival) to its stop.
    pub waited_ms: u64,
    /// Whether that was within the queue's service-level target.
    pub within_target: bool,
}

/// How the SLA clock stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaOutcome {
    /// An agent accepted.
    Answered,
    /// The customer left.
    Abandoned,
    /// It overflowed out of the ACD.
    Overflowed,
}

/// How an interaction left the ACD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EndOutcome {
    /// Handled by an agent (wrap-up included).
    Handled {
        /// The agent.
        agent: AgentId,
        /// Connected time in ms.
        talk_ms: u64,
        /// Wrap-up time in ms.
        wrap_ms: u64,
    },
    /// The customer left before being connected.
    Abandoned,
    /// Overflowed out of the ACD.
    Overflowed {
        /// Where to.
        target: OverflowTarget,
    },
}

/// Why a routing decision was made. `Display` gives a sentence for supervisors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The strategy of the queue.
    pub strategy: Strategy,
    /// What triggered the decision.
    pub trigger: Trigger,
    /// The skill that decided eligibility, with the agent's level and the bound accepted.
    pub skill: Option<SkillMatch>,
    /// How long the interaction had waited, ms.
    pub waited_ms: u64,
    /// How long the agent had been idle, ms.
    pub idle_ms: u64,
    /// The agent's load (slots in use / capacity) in per mille before the offer.
    pub load_permille: u16,
    /// Effective priority of the interaction (initial + aging), in points.
    pub priority: i64,
    /// Agents (on `Arrival`) or queues (on `AgentFreed`) that were candidates.
    pub candidates: u32,
    /// The interaction was reserved for this agent (preferred agent or direct transfer).
    pub reserved: bool,
}

/// What triggered a routing decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// An interaction looked for an agent (arrival, return, bullseye step, timeout).
    Arrival,
    /// An agent with room looked for an interaction.
    AgentFreed,
}

/// A skill check that passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillMatch {
    /// The skill.
    pub skill: SkillId,
    /// The agent's proficiency.
    pub proficiency: u8,
    /// The worst proficiency accepted at that wait.
    pub allowed: u8,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reserved {
            f.write_str("reserved for this agent, ")?;
        }
        if let Some(s) = &self.skill {
            write!(
                f,
                "skill {} {} ≤ {} required after {} s, ",
                s.skill,
                s.proficiency,
                s.allowed,
                self.waited_ms / 1000
            )?;
        }
        write!(f, "idle {} s, ", self.idle_ms / 1000)?;
        let what = match (self.trigger, self.strategy) {
            (Trigger::AgentFreed, _) => "highest priority (then oldest) among",
            (_, Strategy::LongestIdle) => "longest idle among",
            (_, Strategy::MostSkilled) => "most skilled then longest idle among",
            (_, Strategy::LeastOccupied) => "least occupied among",
            (_, Strategy::RoundRobin) => "next in rotation among",
            (_, Strategy::RingAll) => "rung with all of",
        };
        let unit = match self.trigger {
            Trigger::Arrival => "eligible",
            Trigger::AgentFreed => "queues",
        };
        write!(
            f,
            "{what} {} {unit}, priority {}",
            self.candidates, self.priority
        )
    }
}
