use crate::StoreResult;
use sb_types::{TenantId, Timestamp};
use serde::{Deserialize, Serialize};

/// A domain event to append to the event log.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The tenant it happened in.
    pub tenant_id: TenantId,
    /// When it happened.
    pub at: Timestamp,
    /// Dotted event type, e.g. `interaction.queued`.
    pub kind: String,
    /// The object it is about, e.g. an interaction id.
    pub subject: String,
    /// Event data.
    pub payload: serde_json::Value,
}

/// An event read back from the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the log: strictly increasing across the whole store, in commit order.
    pub seq: i64,
    /// The tenant it happened in.
    pub tenant_id: TenantId,
    /// When it happened.
    pub at: Timestamp,
    /// Dotted event type.
    pub kind: String,
    /// The object it is about.
    pub subject: String,
    /// Event data.
    pub payload: serde_json::Value,
}

/// An audit entry to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    /// The tenant concerned.
    pub tenant_id: TenantId,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it: a user id, `cli` or `system`.
    pub actor: String,
    /// The client address, when it came from the network.
    pub ip: Option<String>,
    /// Dotted action, e.g. `user.create`, `allowlist.denied`, `tenant.import`.
    pub action: String,
    /// The object acted on.
    pub target: String,
    /// Anything else worth keeping (never secrets).
    pub details: serde_json::Value,
}

/// An audit entry read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Increasing with time of insertion.
    pub id: i64,
    /// The tenant concerned.
    pub tenant_id: TenantId,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it.
    pub actor: String,
    /// The client address.
    pub ip: Option<String>,
    /// Dotted action.
    pub action: String,
    /// The object acted on.
    pub target: String,
    /// Details.
    pub details: serde_json::Value,
}

/// The append-only event log that metrics, reports and live views read.
#[async_trait::async_trait]
pub trait EventLog: Send + Sync {
    /// Appends an event; returns its sequence number.
    async fn append_event(&self, event: NewEvent) -> StoreResult<i64>;
    /// The tenant's events with `seq > after_seq`, oldest first, at most `limit`.
    async fn read_events(
        &self,
        tenant: TenantId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<Event>>;
}

/// The append-only audit log of configuration changes and security decisions.
#[async_trait::async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends an entry; returns its id.
    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<i64>;
    /// The tenant's entries, newest first, at most `limit`, only those with `id < before` when
    /// given (for paging).
    async fn list_audit(
        &self,
        tenant: TenantId,
        limit: u32,
        before: Option<i64>,
    ) -> StoreResult<Vec<AuditEntry>>;
}
