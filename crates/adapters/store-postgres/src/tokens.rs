//! API tokens, stored by the hash of their secret.

use crate::Backend;
use crate::codec::{
    Conn, Row, db, found, get, get_opt_ts, get_ts, get_uuid, key, touched, write_err,
};
use sb_store::{ApiToken, ApiTokenId, ApiTokenRepo, NewApiToken, StoreResult, Timestamp, validate};
use sb_types::{TenantId, UserId};

macro_rules! cols {
    () => {
        "id, tenant_id, user_id, name, token_hash, created_at, expires_at"
    };
}

fn from_row(row: &Row) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: ApiTokenId(get_uuid(row, "id")?),
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        user_id: UserId::from_uuid(get_uuid(row, "user_id")?),
        name: get(row, "name")?,
        token_hash: get(row, "token_hash")?,
        created_at: get_ts(row, "created_at")?,
        expires_at: get_opt_ts(row, "expires_at")?,
    })
}

async fn insert(c: &mut Conn, t: &ApiToken) -> StoreResult<()> {
    let sql = concat!(
        "INSERT INTO api_tokens (",
        cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
    );
    sqlx::query(sql)
        .bind(key(t.id.0))
        .bind(key(t.tenant_id.0))
        .bind(key(t.user_id.0))
        .bind(&t.name)
        .bind(&t.token_hash)
        .bind(t.created_at.as_millis())
        .bind(t.expires_at.map(Timestamp::as_millis))
        .execute(c)
        .await
        .map_err(write_err(
            &format!("API token {:?}", t.name),
            &format!("user {}", t.user_id),
        ))?;
    Ok(())
}

#[async_trait::async_trait]
impl ApiTokenRepo for Backend {
    async fn create_api_token(&self, tenant: TenantId, new: NewApiToken) -> StoreResult<ApiToken> {
        validate::name("name", &new.name)?;
        let t = ApiToken {
            id: ApiTokenId(uuid::Uuid::now_v7()),
            tenant_id: tenant,
            user_id: new.user_id,
            name: new.name,
            token_hash: new.token_hash,
            created_at: new.created_at,
            expires_at: new.expires_at,
        };
        insert(&mut *self.conn().await?, &t).await?;
        Ok(t)
    }

    async fn find_api_token_by_hash(&self, hash: &str, now: Timestamp) -> StoreResult<ApiToken> {
        let sql = concat!(
            "SELECT ",
            cols!(),
            " FROM api_tokens WHERE token_hash = $1 AND (expires_at IS NULL OR expires_at > $2)"
        );
        let row = sqlx::query(sql)
            .bind(hash)
            .bind(now.as_millis())
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        from_row(&found(row, || "API token".to_owned())?)
    }

    async fn list_api_tokens(
        &self,
        tenant: TenantId,
        user: Option<UserId>,
    ) -> StoreResult<Vec<ApiToken>> {
        let sql = concat!(
            "SELECT ",
            cols!(),
            " FROM api_tokens WHERE tenant_id = $1 AND ($2 IS NULL OR user_id = $2) ",
            "ORDER BY created_at, id"
        );
        let rows = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(user.map(|u| key(u.0)))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.iter().map(from_row).collect()
    }

    async fn revoke_api_token(&self, tenant: TenantId, id: ApiTokenId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE tenant_id = $1 AND id = $2")
            .bind(key(tenant.0))
            .bind(key(id.0))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        touched(done, || format!("API token {id}"))
    }
}
