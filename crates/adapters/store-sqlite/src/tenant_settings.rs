//! The tenant's settings document: one row per tenant that has settings, upserted on set; a
//! tenant without a row reads `{}`.

use crate::Backend;
use crate::codec::{Conn, db, found, get_opt_json, json, key, write_err};
use sb_store::{StoreResult, TenantSettingsRepo, validate};
use sb_types::TenantId;
use serde_json::Value;

/// The settings of an existing tenant (`{}` when it has none); `None` when there is no such
/// tenant.
pub(crate) async fn load(c: &mut Conn, tenant: TenantId) -> StoreResult<Option<Value>> {
    let sql = "SELECT s.settings FROM tenants t \
               LEFT JOIN tenant_settings s ON s.tenant_id = t.id WHERE t.id = $1";
    let row = sqlx::query(sql)
        .bind(key(tenant.0))
        .fetch_optional(c)
        .await
        .map_err(db)?;
    let Some(row) = row else { return Ok(None) };
    let settings = get_opt_json(&row, "settings")?;
    Ok(Some(
        settings.unwrap_or_else(|| Value::Object(serde_json::Map::new())),
    ))
}

/// Inserts or replaces the tenant's settings (checked by the caller). `NotFound` for an unknown
/// tenant.
pub(crate) async fn put(c: &mut Conn, tenant: TenantId, settings: &Value) -> StoreResult<()> {
    let sql = "INSERT INTO tenant_settings (tenant_id, settings) VALUES ($1, $2) \
               ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings";
    sqlx::query(sql)
        .bind(key(tenant.0))
        .bind(json(settings))
        .execute(c)
        .await
        .map_err(write_err("tenant settings", &format!("tenant {tenant}")))?;
    Ok(())
}

#[async_trait::async_trait]
impl TenantSettingsRepo for Backend {
    async fn get_tenant_settings(&self, tenant: TenantId) -> StoreResult<Value> {
        let settings = load(&mut *self.conn().await?, tenant).await?;
        found(settings, || format!("tenant {tenant}"))
    }

    async fn set_tenant_settings(&self, tenant: TenantId, settings: Value) -> StoreResult<()> {
        validate::tenant_settings(&settings)?;
        put(&mut *self.conn().await?, tenant, &settings).await
    }
}
