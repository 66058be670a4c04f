//! Users' SIP digest secrets (HA1 values).

use crate::Backend;
use crate::codec::{Row, db, get, get_ts, key, touched};
use sb_store::{SipSecret, SipSecretRepo, StoreResult, validate};
use sb_types::{TenantId, UserId};

fn from_row(row: &Row) -> StoreResult<SipSecret> {
    Ok(SipSecret {
        realm: get(row, "realm")?,
        ha1_md5: get(row, "ha1_md5")?,
        ha1_sha256: get(row, "ha1_sha256")?,
        ha1_sha512_256: get(row, "ha1_sha512_256")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

#[async_trait::async_trait]
impl SipSecretRepo for Backend {
    async fn set_sip_secret(
        &self,
        tenant: TenantId,
        user: UserId,
        s: SipSecret,
    ) -> StoreResult<()> {
        validate::name("realm", &s.realm)?;
        let sql = "INSERT INTO sip_secrets (user_id, tenant_id, realm, ha1_md5, ha1_sha256, \
                   ha1_sha512_256, updated_at) \
                   SELECT id, tenant_id, $3, $4, $5, $6, $7 FROM users \
                   WHERE tenant_id = $1 AND id = $2 \
                   ON CONFLICT (user_id) DO UPDATE SET realm = excluded.realm, \
                   ha1_md5 = excluded.ha1_md5, ha1_sha256 = excluded.ha1_sha256, \
                   ha1_sha512_256 = excluded.ha1_sha512_256, updated_at = excluded.updated_at";
        let done = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(user.0))
            .bind(&s.realm)
            .bind(&s.ha1_md5)
            .bind(&s.ha1_sha256)
            .bind(&s.ha1_sha512_256)
            .bind(s.updated_at.as_millis())
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        touched(done, || format!("user {user}"))
    }

    async fn clear_sip_secret(&self, tenant: TenantId, user: UserId) -> StoreResult<()> {
        sqlx::query("DELETE FROM sip_secrets WHERE tenant_id = $1 AND user_id = $2")
            .bind(key(tenant.0))
            .bind(key(user.0))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn sip_secret_by_username(
        &self,
        tenant: TenantId,
        username: &str,
    ) -> StoreResult<Option<SipSecret>> {
        let sql = "SELECT s.realm, s.ha1_md5, s.ha1_sha256, s.ha1_sha512_256, s.updated_at \
                   FROM sip_secrets s JOIN users u ON u.id = s.user_id \
                   WHERE u.tenant_id = $1 AND u.username = $2 AND NOT u.disabled";
        let row = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(username)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        row.as_ref().map(from_row).transpose()
    }
}
