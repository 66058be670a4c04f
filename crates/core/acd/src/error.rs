//! The crate's one error type.

use sb_types::{AgentId, InteractionId, QueueId};

/// Everything the ACD refuses. An error leaves the state unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcdError {
    /// A configuration value is out of bounds.
    #[error("invalid configuration {field}: {reason}")]
    InvalidConfig {
        /// The offending field.
        field: String,
        /// Why it was refused.
        reason: String,
    },
    /// The queue is not configured.
    #[error("unknown queue {0}")]
    UnknownQueue(QueueId),
    /// The agent is not configured.
    #[error("unknown agent {0}")]
    UnknownAgent(AgentId),
    /// The interaction is not (or no longer) in the ACD.
    #[error("unknown interaction {0}")]
    UnknownInteraction(InteractionId),
    /// An interaction with this id is already in the ACD.
    #[error("interaction {0} is already queued")]
    DuplicateInteraction(InteractionId),
    /// The agent holds no pending offer for this interaction (expired, withdrawn or never made).
    #[error("agent {agent} has no pending offer for interaction {interaction}")]
    NoSuchOffer {
        /// The interaction named.
        interaction: InteractionId,
        /// The agent named.
        agent: AgentId,
    },
    /// The input does not apply to the interaction in its current state.
    #[error("interaction {interaction} cannot {action} now")]
    InvalidState {
        /// The interaction named.
        interaction: InteractionId,
        /// What was asked.
        action: &'static str,
    },
    /// A transfer or overflow target serves another channel.
    #[error("queue {queue} does not serve this interaction's channel")]
    ChannelMismatch {
        /// The target queue.
        queue: QueueId,
    },
    /// The agent still has work or is logged in, so it cannot be removed.
    #[error("agent {0} is busy")]
    AgentBusy(AgentId),
    /// A simulation scenario is inconsistent (message says where).
    #[error("scenario: {0}")]
    Scenario(String),
}
