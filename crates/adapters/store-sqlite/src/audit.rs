//! The audit log.

use crate::Backend;
use crate::codec::{Conn, Row, db, get, get_json, get_ts, get_uuid, json, key, to_i64, write_err};
use sb_store::{AuditEntry, AuditLog, NewAuditEntry, StoreResult};
use sb_types::TenantId;

fn from_row(row: &Row) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        id: get(row, "id")?,
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        at: get_ts(row, "at")?,
        actor: get(row, "actor")?,
        ip: get(row, "ip")?,
        action: get(row, "action")?,
        target: get(row, "target")?,
        details: get_json(row, "details")?,
    })
}

pub(crate) async fn insert(c: &mut Conn, e: &NewAuditEntry) -> StoreResult<i64> {
    let sql = "INSERT INTO audit_log (tenant_id, at, actor, ip, action, target, details) \
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    let row = sqlx::query(sql)
        .bind(key(e.tenant_id.0))
        .bind(e.at.as_millis())
        .bind(&e.actor)
        .bind(&e.ip)
        .bind(&e.action)
        .bind(&e.target)
        .bind(json(&e.details))
        .fetch_one(c)
        .await
        .map_err(write_err("audit entry", &format!("tenant {}", e.tenant_id)))?;
    get(&row, "id")
}

#[async_trait::async_trait]
impl AuditLog for Backend {
    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<i64> {
        insert(&mut *self.conn().await?, &entry).await
    }

    async fn list_audit(
        &self,
        tenant: TenantId,
        limit: u32,
        before: Option<i64>,
    ) -> StoreResult<Vec<AuditEntry>> {
        let sql = "SELECT id, tenant_id, at, actor, ip, action, target, details FROM audit_log \
                   WHERE tenant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
        let rows = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(before.unwrap_or(i64::MAX))
            .bind(to_i64(limit))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.iter().map(from_row).collect()
    }
}
