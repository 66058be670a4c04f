//! What the engine tells the ACD.

use crate::config::{AgentConfig, QueueConfig, SkillRequirement};
use sb_types::{AgentId, Channel, InteractionId, QueueId, Timestamp};
use serde::{Deserialize, Serialize};

/// One input to [`crate::Acd::handle`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AcdInput {
    /// A new interaction (or a scheduled callback) enters a queue.
    Enqueue(Enqueue),
    /// An agent asks for a presence state (applies after current work when working).
    SetAgentState {
        /// The agent.
        agent: AgentId,
        /// The state asked for.
        state: Presence,
    },
    /// The agent accepted an offer.
    Accept {
        /// The interaction offered.
        interaction: InteractionId,
        /// The agent accepting.
        agent: AgentId,
    },
    /// The agent declined an offer: the interaction goes back to its place and is not offered
    /// to this agent again.
    Reject {
        /// The interaction offered.
        interaction: InteractionId,
        /// The agent declining.
        agent: AgentId,
    },
    /// The customer left before being connected (if already connected this is a completion).
    Abandon {
        /// The interaction.
        interaction: InteractionId,
    },
    /// The conversation ended; the agent goes to wrap-up if the queue has one.
    Complete {
        /// The interaction.
        interaction: InteractionId,
    },
    /// The agent finished after-contact work.
    WrapUpDone {
        /// The interaction wrapped up (or the work, for after-contact work of detached work).
        interaction: InteractionId,
        /// Whose after-contact work: `None` is the agent connected to the interaction. Name
        /// the agent to end the after-contact work they kept when the interaction was
        /// transferred away from them, or of work given to [`AcdInput::Disengage`].
        #[serde(default)]
        agent: Option<AgentId>,
    },
    /// The agent took on work the ACD did not route: a call they placed, a consultation.
    /// It fills a slot of `channel` (even past the agent's capacity: the agent is busy
    /// whatever the rules say) and shows the agent working until [`AcdInput::Disengage`].
    Engage {
        /// The agent.
        agent: AgentId,
        /// A key of the engine's choice for this work, unique per agent.
        work: InteractionId,
        /// The channel it occupies.
        channel: Channel,
    },
    /// Work given to [`AcdInput::Engage`] ended; the agent does `wrap_up_secs` of
    /// after-contact work for it first (none when 0).
    Disengage {
        /// The agent.
        agent: AgentId,
        /// The work's key.
        work: InteractionId,
        /// After-contact time allowed, in seconds (ended sooner by
        /// [`AcdInput::WrapUpDone`] naming the agent).
        #[serde(default)]
        wrap_up_secs: u32,
    },
    /// The waiting customer asks to be called back: the interaction keeps its place as a
    /// virtual interaction and is offered as a callback when it reaches the head.
    RequestCallback {
        /// The interaction.
        interaction: InteractionId,
    },
    /// Move a waiting or connected interaction to a queue or an agent.
    Transfer {
        /// The interaction.
        interaction: InteractionId,
        /// Where to.
        target: TransferTarget,
    },
    /// The agent's console/phone connection is gone.
    ConnectionLost {
        /// The agent.
        agent: AgentId,
    },
    /// The agent's connection is back.
    ConnectionRestored {
        /// The agent.
        agent: AgentId,
    },
    /// Add or change a queue (publishing a routing change).
    UpsertQueue(QueueConfig),
    /// Add or change an agent's routing profile.
    UpsertAgent(AgentConfig),
    /// Remove a logged-out agent without work.
    RemoveAgent {
        /// The agent.
        agent: AgentId,
    },
    /// Nothing new: only process due timeouts.
    Tick,
}

/// A new interaction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Enqueue {
    /// Its id.
    pub interaction: InteractionId,
    /// The queue.
    pub queue: QueueId,
    /// Priority (default: the queue's initial priority).
    #[serde(default)]
    pub priority: Option<i32>,
    /// Extra skills this interaction needs (e.g. a language), on top of the queue's.
    #[serde(default)]
    pub skills: Vec<SkillRequirement>,
    /// The agent who last served this contact.
    #[serde(default)]
    pub preferred_agent: Option<AgentId>,
    /// When the contact first arrived (default: now); the SLA clock and the queue order start
    /// there.
    #[serde(default)]
    pub arrived_at: Option<Timestamp>,
    /// A scheduled callback rather than a live contact.
    #[serde(default)]
    pub callback: bool,
}

impl Enqueue {
    /// A live interaction with the queue's defaults.
    pub fn new(interaction: InteractionId, queue: QueueId) -> Self {
        Enqueue {
            interaction,
            queue,
            priority: None,
            skills: Vec::new(),
            preferred_agent: None,
            arrived_at: None,
            callback: false,
        }
    }
}

/// A presence state an agent may ask for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Presence {
    /// Not working.
    LoggedOut,
    /// Ready for offers.
    Available,
    /// Logged in, not ready, with a reason code.
    Unavailable {
        /// The reason code (break, lunch, training, missed, disconnected…).
        reason: String,
    },
}

/// Where a transfer goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TransferTarget {
    /// Another queue of the same channel; the target queue's `keep_arrival_on_transfer`
    /// decides whether the original arrival time is kept.
    Queue {
        /// The queue.
        queue: QueueId,
    },
    /// One agent, offered when that agent has room.
    Agent {
        /// The agent.
        agent: AgentId,
    },
}
