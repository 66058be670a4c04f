use crate::StoreResult;
use sb_types::{TenantId, Timestamp, UserId};

/// A user's SIP digest secret: the HA1 values `H(username:realm:password)` for each hash
/// family of RFC 8760, never the password itself. The realm is part of the hash, so the
/// secret is only good for the realm it was made for (the tenant's SIP realm).
#[derive(Clone, PartialEq, Eq)]
pub struct SipSecret {
    /// The realm the HA1 values were computed for.
    pub realm: String,
    /// MD5 HA1, lowercase hex.
    pub ha1_md5: String,
    /// SHA-256 HA1, lowercase hex.
    pub ha1_sha256: String,
    /// SHA-512/256 HA1, lowercase hex.
    pub ha1_sha512_256: String,
    /// When it was set.
    pub updated_at: Timestamp,
}

impl std::fmt::Debug for SipSecret {
    /// Never prints the HA1 values: they are password equivalents for their realm.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipSecret")
            .field("realm", &self.realm)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}

/// SIP digest secrets of users (phones and softphones register with them). A user's secret is
/// removed with the user.
#[async_trait::async_trait]
pub trait SipSecretRepo: Send + Sync {
    /// Sets or replaces the user's SIP secret. `NotFound` if the user is not in the tenant.
    async fn set_sip_secret(
        &self,
        tenant: TenantId,
        user: UserId,
        secret: SipSecret,
    ) -> StoreResult<()>;
    /// Removes the user's SIP secret (no error if it had none): the user can no longer register.
    async fn clear_sip_secret(&self, tenant: TenantId, user: UserId) -> StoreResult<()>;
    /// The secret of the enabled user with this user name, `None` when there is no such user,
    /// the user is disabled or has no SIP secret.
    async fn sip_secret_by_username(
        &self,
        tenant: TenantId,
        username: &str,
    ) -> StoreResult<Option<SipSecret>>;
}
