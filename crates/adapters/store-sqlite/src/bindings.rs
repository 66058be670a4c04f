//! SIP registrar bindings.

use crate::Backend;
use crate::codec::{
    Row, db, get, get_json, get_ts, get_u32, get_uuid, json, key, to_i64, write_err,
};
use sb_store::{Binding, BindingRepo, StoreResult, Timestamp, validate};
use sb_types::TenantId;

fn from_row(row: &Row) -> StoreResult<Binding> {
    let path = get_json(row, "path")?;
    Ok(Binding {
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        aor: get(row, "aor")?,
        contact: get(row, "contact")?,
        expires_at: get_ts(row, "expires_at")?,
        call_id: get(row, "call_id")?,
        cseq: get_u32(row, "cseq")?,
        path: serde_json::from_value(path).map_err(|e| crate::codec::corrupt("path", e))?,
        source: get(row, "source")?,
    })
}

#[async_trait::async_trait]
impl BindingRepo for Backend {
    async fn put_binding(&self, b: Binding) -> StoreResult<()> {
        validate::name("aor", &b.aor)?;
        validate::name("contact", &b.contact)?;
        let sql = "INSERT INTO bindings (tenant_id, aor, contact, expires_at, call_id, cseq, \
                   path, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                   ON CONFLICT (tenant_id, aor, contact) DO UPDATE SET \
                   expires_at = excluded.expires_at, call_id = excluded.call_id, \
                   cseq = excluded.cseq, path = excluded.path, source = excluded.source";
        sqlx::query(sql)
            .bind(key(b.tenant_id.0))
            .bind(&b.aor)
            .bind(&b.contact)
            .bind(b.expires_at.as_millis())
            .bind(&b.call_id)
            .bind(to_i64(b.cseq))
            .bind(json(&serde_json::Value::from(b.path.clone())))
            .bind(&b.source)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(write_err("binding", &format!("tenant {}", b.tenant_id)))?;
        Ok(())
    }

    async fn remove_binding(&self, tenant: TenantId, aor: &str, contact: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM bindings WHERE tenant_id = $1 AND aor = $2 AND contact = $3")
            .bind(key(tenant.0))
            .bind(aor)
            .bind(contact)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn remove_bindings(&self, tenant: TenantId, aor: &str) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM bindings WHERE tenant_id = $1 AND aor = $2")
            .bind(key(tenant.0))
            .bind(aor)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }

    async fn list_live_bindings(
        &self,
        tenant: TenantId,
        aor: &str,
        now: Timestamp,
    ) -> StoreResult<Vec<Binding>> {
        let sql = "SELECT tenant_id, aor, contact, expires_at, call_id, cseq, path, source \
                   FROM bindings WHERE tenant_id = $1 AND aor = $2 AND expires_at > $3 \
                   ORDER BY contact";
        let rows = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(aor)
            .bind(now.as_millis())
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.iter().map(from_row).collect()
    }

    async fn list_live_bindings_of_user(
        &self,
        tenant: TenantId,
        user: &str,
        now: Timestamp,
    ) -> StoreResult<Vec<Binding>> {
        let sql = "SELECT tenant_id, aor, contact, expires_at, call_id, cseq, path, source \
                   FROM bindings WHERE tenant_id = $1 AND expires_at > $2 \
                   AND (aor LIKE $3 ESCAPE '\\' OR aor LIKE $4 ESCAPE '\\') \
                   ORDER BY aor, contact";
        let pattern = sb_store::like_escaped(user);
        let rows = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(now.as_millis())
            .bind(format!("sip:{pattern}@%"))
            .bind(format!("sips:{pattern}@%"))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        let bindings: Vec<Binding> = rows.iter().map(from_row).collect::<StoreResult<_>>()?;
        // LIKE ignores case in SQLite; user parts are case-sensitive (RFC 3261 § 19.1.4).
        let exact = |b: &Binding| sb_store::aor_has_user(&b.aor, user);
        Ok(bindings.into_iter().filter(exact).collect())
    }

    async fn list_all_live_bindings(&self, now: Timestamp) -> StoreResult<Vec<Binding>> {
        let sql = "SELECT tenant_id, aor, contact, expires_at, call_id, cseq, path, source \
                   FROM bindings WHERE expires_at > $1 ORDER BY tenant_id, aor, contact";
        let rows = sqlx::query(sql)
            .bind(now.as_millis())
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.iter().map(from_row).collect()
    }

    async fn purge_expired_bindings(&self, now: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM bindings WHERE expires_at <= $1")
            .bind(now.as_millis())
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }
}
