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
    /// The tenant's bindings alive at `now` whose AOR is `sip:` or `sips:` with user part
    /// `user` (any host: a phone registers to a domain or to an address), by AOR and contact.
    async fn list_live_bindings_of_user(
        &self,
        tenant: TenantId,
        user: &str,
        now: Timestamp,
    ) -> StoreResult<Vec<Binding>>;
    /// Every tenant's bindings still alive at `now` (the registrar reloads them at start).
    async fn list_all_live_bindings(&self, now: Timestamp) -> StoreResult<Vec<Binding>>;
    /// Deletes bindings expired at `now`; returns how many.
    async fn purge_expired_bindings(&self, now: Timestamp) -> StoreResult<u64>;
}

/// `text` as a literal in a `LIKE … ESCAPE '\'` pattern: `\`, `%` and `_` escaped.
pub fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whether `aor` is `sip:USER@…` or `sips:USER@…` with exactly this user part.
pub fn aor_has_user(aor: &str, user: &str) -> bool {
    let rest = aor
        .strip_prefix("sip:")
        .or_else(|| aor.strip_prefix("sips:"));
    rest.and_then(|r| r.strip_prefix(user))
        .is_some_and(|r| r.starts_with('@'))
}

#[cfg(test)]
mod tests {
    use super::{aor_has_user, like_escaped};

    #[test]
    fn like_patterns_match_the_user_literally() {
        assert_eq!(like_escaped("a_b%c\\d"), "a\\_b\\%c\\\\d");
        assert_eq!(like_escaped("1001"), "1001");
    }

    #[test]
    fn an_aor_names_its_user_exactly() {
        assert!(aor_has_user("sip:1001@acme.example", "1001"));
        assert!(aor_has_user("sips:1001@10.0.0.1:5061", "1001"));
        assert!(!aor_has_user("sip:10011@acme.example", "1001"));
        assert!(!aor_has_user("sip:Alice@acme.example", "alice"));
        assert!(!aor_has_user("tel:1001", "1001"));
    }
}
