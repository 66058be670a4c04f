use crate::StoreResult;
use sb_types::{TenantId, Timestamp};
use serde::{Deserialize, Serialize};

/// A SIP registrar binding: one contact of an address of record, until it expires. The
/// registrar's rules (Call-ID/CSeq ordering, expiry bounds) live in `sip-dialog`; the store only
/// keeps the result so that every node of a cluster can find a registered phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// The tenant the registering user belongs to.
    pub tenant_id: TenantId,
    /// The address of record, e.g. `sip:1001@acme.example`.
    pub aor: String,
    /// The Contact URI, unique per AOR.
    pub contact: String,
    /// The binding is dead from this time on.
    pub expires_at: Timestamp,
    /// Call-ID of the REGISTER that created or refreshed it.
    pub call_id: String,
    /// Its CSeq number.
    pub cseq: u32,
    /// Path header values (RFC 3327), in order.
    pub path: Vec<String>,
    /// Where the REGISTER came from (transport and address, e.g. `udp:192.0.2.4:5060`), to
    /// reach phones behind NAT.
    pub source: String,
}

/// SIP registrar bindings.
#[async_trait::async_trait]
pub trait BindingRepo: Send + Sync {
    /// Creates or replaces the binding of (tenant, aor, contact).
    async fn put_binding(&self, binding: Binding) -> StoreResult<()>;
    /// Removes one contact of an AOR (no error if absent).
    async fn remove_binding(&self, tenant: TenantId, aor: &str, contact: &str) -> StoreResult<()>;
    /// Removes every contact of an AOR (`Contact: *`); returns how many there were.
    async fn remove_bindings(&self, tenant: TenantId, aor: &str) -> StoreResult<u64>;
    /// The AOR's bindings still alive at `now`, by contact.
    async fn list_live_bindings(
        &self,
        tenant: TenantId,
        aor: &str,
        now: Timestamp,
    ) -> StoreResult<Vec<Binding>>;
    /// Every tenant's bindings still alive at `now` (the registrar reloads them at start).
    async fn list_all_live_bindings(&self, now: Timestamp) -> StoreResult<Vec<Binding>>;
    /// Deletes bindings expired at `now`; returns how many.
    async fn purge_expired_bindings(&self, now: Timestamp) -> StoreResult<u64>;
}
