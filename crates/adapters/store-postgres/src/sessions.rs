//! Console sessions, stored by the hash of their token.

use crate::Backend;
use crate::codec::{Conn, Row, db, found, get, get_ts, get_uuid, key, write_err};
use sb_store::{Session, SessionRepo, StoreResult, Timestamp};
use sb_types::{TenantId, UserId};

fn from_row(row: &Row) -> StoreResult<Session> {
    Ok(Session {
        id: get(row, "id")?,
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        user_id: UserId::from_uuid(get_uuid(row, "user_id")?),
        created_at: get_ts(row, "created_at")?,
        expires_at: get_ts(row, "expires_at")?,
        ip: get(row, "ip")?,
    })
}

async fn insert(c: &mut Conn, s: &Session) -> StoreResult<()> {
    let sql = "INSERT INTO sessions (id, tenant_id, user_id, created_at, expires_at, ip) \
               VALUES ($1, $2, $3, $4, $5, $6)";
    sqlx::query(sql)
        .bind(&s.id)
        .bind(key(s.tenant_id.0))
        .bind(key(s.user_id.0))
        .bind(s.created_at.as_millis())
        .bind(s.expires_at.as_millis())
        .bind(&s.ip)
        .execute(c)
        .await
        .map_err(write_err("session", &format!("user {}", s.user_id)))?;
    Ok(())
}

#[async_trait::async_trait]
impl SessionRepo for Backend {
    async fn create_session(&self, session: Session) -> StoreResult<()> {
        insert(&mut *self.conn().await?, &session).await
    }

    async fn get_valid_session(&self, id_hash: &str, now: Timestamp) -> StoreResult<Session> {
        let sql = "SELECT id, tenant_id, user_id, created_at, expires_at, ip FROM sessions \
                   WHERE id = $1 AND expires_at > $2";
        let row = sqlx::query(sql)
            .bind(id_hash)
            .bind(now.as_millis())
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        from_row(&found(row, || "session".to_owned())?)
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id_hash)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn delete_sessions_for_user(&self, tenant: TenantId, user: UserId) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2")
            .bind(key(tenant.0))
            .bind(key(user.0))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }

    async fn purge_expired_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now.as_millis())
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }
}
