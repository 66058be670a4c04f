use crate::{StoreResult, validate};
use sb_types::{Channel, TenantId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// The most interactions [`InteractionHistory::contact_history`] returns at once.
pub const MAX_HISTORY_LIMIT: u32 = 200;

/// A requested history length clamped to `1..=`[`MAX_HISTORY_LIMIT`].
pub fn history_limit(requested: u32) -> u32 {
    requested.clamp(1, MAX_HISTORY_LIMIT)
}

/// One interaction with a contact (a call today; emails, chats later), for the contact's history.
///
/// It has two sides written by different tasks: the *call side* (everything but disposition and
/// notes), written by the call task with [`InteractionHistory::record_interaction`], and the
/// *wrap-up* (disposition and notes), written by the agent with
/// [`InteractionHistory::set_interaction_wrap_up`]. Neither write clears the other side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionRecord {
    /// The tenant it happened in.
    pub tenant_id: TenantId,
    /// The interaction's id (a call's id); unique per tenant.
    pub id: String,
    /// The medium.
    pub channel: Channel,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// The customer's address: an E.164 number such as `+442079460123` (or an email address
    /// later).
    pub contact: String,
    /// When it started.
    pub started_at: Timestamp,
    /// When it ended, once it has.
    pub ended_at: Option<Timestamp>,
    /// The queue it waited in, if any.
    pub queue: Option<String>,
    /// The (last) agent who handled it. A plain id, kept when the user is deleted later.
    pub agent: Option<UserId>,
    /// How it ended (`caller_hangup`, `agent_hangup`, `transfer_failed`…).
    pub outcome: Option<String>,
    /// The agent's disposition code.
    pub disposition: Option<String>,
    /// The agent's notes.
    pub notes: Option<String>,
}

impl InteractionRecord {
    /// Checks every field's bounds (see [`validate`]); backends call it before writing.
    pub fn validate(&self) -> StoreResult<()> {
        validate::interaction_id(&self.id)?;
        validate::direction(&self.direction)?;
        validate::contact_address(&self.contact)?;
        if let Some(queue) = &self.queue {
            validate::name("queue", queue)?;
        }
        if let Some(outcome) = &self.outcome {
            validate::code("outcome", outcome)?;
        }
        validate::wrap_up(self.disposition.as_deref(), self.notes.as_deref())
    }
}

/// The history of interactions per contact, which the agent console shows next to a new one.
/// A log like the event log: not part of the tenant document, removed with the tenant.
#[async_trait::async_trait]
pub trait InteractionHistory: Send + Sync {
    /// Records or updates the call side of an interaction (everything but disposition and
    /// notes, which are kept: the record's own disposition and notes are only stored when the
    /// interaction is new). `Invalid` on a field out of bounds (an empty contact included),
    /// `NotFound` when the tenant does not exist.
    async fn record_interaction(&self, record: InteractionRecord) -> StoreResult<()>;
    /// Sets the agent's disposition and notes of interaction `id` (`None` clears one). The call
    /// side may not be recorded yet (the agent can wrap up before the call task writes its
    /// end): then a row is created with what is known (contact empty, started_at = `at`) and
    /// `record_interaction` later fills the call side in, keeping the wrap-up. `Invalid` when
    /// the id is not 1 to 200 characters, the disposition not 1 to 64 or the notes over 4000.
    async fn set_interaction_wrap_up(
        &self,
        tenant: TenantId,
        id: &str,
        disposition: Option<&str>,
        notes: Option<&str>,
        at: Timestamp,
    ) -> StoreResult<()>;
    /// The contact's interactions, newest first (by started_at, then id, both descending), at
    /// most `limit`
    /// (clamped to `1..=`[`MAX_HISTORY_LIMIT`]). Wrap-ups whose call side is not recorded yet
    /// belong to no contact, so an empty contact has no history.
    async fn contact_history(
        &self,
        tenant: TenantId,
        contact: &str,
        limit: u32,
    ) -> StoreResult<Vec<InteractionRecord>>;
}
