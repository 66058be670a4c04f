//! ACD: queues, skills, agent states, strategies, capacity, SLA clock.
//!
//! One routing brain for every channel. [`Acd`] is a pure state machine owned by one task:
//! the engine feeds it [`AcdInput`]s with the time (`Acd::handle(now, input)`), calls
//! [`Acd::handle_timeout`] at [`Acd::poll_timeout`], and drains [`AcdCommand`]s with
//! [`Acd::poll_command`]. It persists nothing; the engine persists inputs and outputs.
//!
//! # Design note
//!
//! * **Stable state.** After each call no ready agent can take any waiting interaction. An
//!   input can only break that for what it touched (the arriving interaction, the freed
//!   agent, the interaction whose bullseye step was reached…), so only those are matched:
//!   an arrival looks for an agent, a freed agent looks for an interaction.
//! * **Indexes, not scans.** Ready agents sit in pools per (skill, channel), split by
//!   proficiency tier and sorted by idle time, load and last offer, so every strategy reads
//!   the front of sorted sets. A queue keeps its waiting line sorted by a key that does not
//!   change while waiting: with linear priority aging, `initial + acceleration × wait` orders
//!   the same at any time within a queue. A freed agent compares the heads of its queues.
//! * **Lazy timers.** Deadlines sit in one heap and are checked against the state when they
//!   fire, so cancelling is forgetting.
//! * **Detached work.** What the ACD did not route still fills an agent's capacity: calls
//!   the agent placed and consultations ([`AcdInput::Engage`] / [`AcdInput::Disengage`]),
//!   and the after-contact work an agent keeps when the interaction is transferred away.
//! * **SLA clock.** Starts at arrival (kept across transfers when configured), stops once at
//!   answer, abandon or overflow out of the ACD ([`AcdCommand::SlaRecorded`]).
//!
//! Modules: [`config`] (serde + JSON Schema), the inputs and commands, [`sim`] (drive the real
//! ACD with a scenario and a manual clock).
#![forbid(unsafe_code)]

mod acd;
mod agent;
mod command;
pub mod config;
mod error;
mod input;
mod interaction;
mod pool;
mod queue;
pub mod sim;
mod timer;

pub use acd::{Acd, InteractionStatus, Position, QueueGlance};
pub use command::{
    AcdCommand, AgentState, EndOutcome, Explanation, Offer, OverflowReason, SkillMatch, SlaOutcome,
    SlaRecord, Trigger, WithdrawReason,
};
pub use config::{
    AcdConfig, AcdSettings, AgentConfig, AgentSkill, BullseyeStep, CapacityRules, OverflowTarget,
    PriorityAging, QueueConfig, QueueMessage, Repeat, SkillRequirement, Strategy,
};
pub use error::AcdError;
pub use input::{AcdInput, Enqueue, Presence, TransferTarget};
pub use queue::QueueStats;

/// Reason code of an agent who let an offer ring out.
pub const REASON_MISSED: &str = "missed";
/// Reason code of an agent whose connection stayed gone past the grace period.
pub const REASON_DISCONNECTED: &str = "disconnected";
