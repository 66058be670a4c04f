//! The live ACD: one tokio task per tenant owning that tenant's [`sb_acd::Acd`].
//!
//! - [`AcdRuntime::start`] gives an [`AcdHandle`], cheap to clone, for the API (agent states)
//!   and call control (enqueue, accept, complete…). A tenant's task starts on first use with
//!   the configuration read from the store ([`AcdHandle::reload`] re-reads it).
//! - An interaction's owner (a call task) passes a channel with [`AcdHandle::enqueue`] and
//!   receives its [`InteractionEvent`]s there: offers, withdrawals, messages, overflow, end.
//! - What has no owner — agent state changes, SLA records, ends, offers and arrivals — is
//!   appended to the store's event log (`agent.state_changed`, `interaction.sla`,
//!   `interaction.ended`, `interaction.offered`, `interaction.queued`,
//!   `interaction.overflowed`), which reports and the supervisor view read.
//! - Work the ACD did not route (calls agents place, consultations) keeps the agent busy
//!   through an [`Engagement`], released when the work ends.
//!
//! Design note: the task loop is the sans-IO drive of DESIGN.md § 4 — wait for an input or the
//! ACD's next deadline, feed it with the time, drain its commands. The core has no lock around
//! it: only its task touches it, and questions (an agent's state) are messages too. An owner
//! that goes away (its receiver dropped) abandons a waiting interaction and completes a
//! connected one, so no agent stays reserved or working for a call that is gone.

mod engagement;
mod error;
mod events;
mod handle;
mod load;
mod log;
pub(crate) mod owner;
mod task;

pub use engagement::Engagement;
pub use error::EngineAcdError;
pub use events::{AgentStatus, InteractionEvent};
pub use handle::AcdHandle;
pub use load::{agent_of, load_config};
/// The core's types this handle speaks, for callers that do not depend on `sb-acd`.
pub use sb_acd::{AcdError, AgentState, Enqueue, Presence, QueueGlance, REASON_DISCONNECTED};

use sb_store::Store;
use sb_types::Timestamp;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Starts the live ACD.
pub struct AcdRuntime;

impl AcdRuntime {
    /// The runtime over `store`, reading time from `clock`, until `shutdown` is cancelled. Must
    /// be called inside a tokio runtime (it spawns the event-log writer).
    pub fn start(
        store: Arc<dyn Store>,
        clock: fn() -> Timestamp,
        shutdown: CancellationToken,
    ) -> AcdHandle {
        AcdHandle::new(store, clock, shutdown)
    }
}
