use crate::StoreResult;
use sb_types::TenantId;

/// The tenant's settings document: a JSON object of the app's keys (reason codes…).
///
/// Kept apart from the tenant's row, so [`crate::Tenant`] and [`crate::TenantUpdate`] do not
/// change when the app adds a key. The store only checks the shape (an object, at most
/// [`crate::validate::MAX_SETTINGS_BYTES`] serialized, no NUL character: see
/// [`crate::validate::tenant_settings`]); the app gives the keys their meaning. Part of the tenant
/// document (`tenant.settings`), removed with the tenant.
#[async_trait::async_trait]
pub trait TenantSettingsRepo: Send + Sync {
    /// The tenant's settings; `{}` when none were ever set. `NotFound` for an unknown tenant.
    async fn get_tenant_settings(&self, tenant: TenantId) -> StoreResult<serde_json::Value>;
    /// Replaces the tenant's settings (an object, at most 64 KiB serialized, no NUL character:
    /// else `Invalid { field: "settings", .. }`). `NotFound` for an unknown tenant.
    async fn set_tenant_settings(
        &self,
        tenant: TenantId,
        settings: serde_json::Value,
    ) -> StoreResult<()>;
}
