//! Users, with atomic lock-out accounting.

use crate::Backend;
use crate::codec::{
    Conn, Row, db, found, get, get_opt_ts, get_ts, get_u32, get_uuid, key, to_i64, touched,
    write_err,
};
use sb_store::{
    LockoutPolicy, NewUser, StoreResult, Timestamp, User, UserProfile, UserRepo, validate,
};
use sb_types::{Role, TenantId, UserId};

macro_rules! cols {
    () => {
        "id, tenant_id, username, display_name, role, password_hash, disabled, failed_logins, \
         locked_until, created_at, updated_at"
    };
}

fn from_row(row: &Row) -> StoreResult<User> {
    let role: String = get(row, "role")?;
    Ok(User {
        id: UserId::from_uuid(get_uuid(row, "id")?),
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        username: get(row, "username")?,
        display_name: get(row, "display_name")?,
        role: role
            .parse::<Role>()
            .map_err(|e| crate::codec::corrupt("role", e))?,
        password_hash: get(row, "password_hash")?,
        disabled: get(row, "disabled")?,
        failed_logins: get_u32(row, "failed_logins")?,
        locked_until: get_opt_ts(row, "locked_until")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

fn what(id: UserId) -> impl FnOnce() -> String {
    move || format!("user {id}")
}

pub(crate) async fn insert(c: &mut Conn, u: &User) -> StoreResult<()> {
    let sql = concat!(
        "INSERT INTO users (",
        cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    sqlx::query(sql)
        .bind(key(u.id.0))
        .bind(key(u.tenant_id.0))
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(u.role.as_str())
        .bind(&u.password_hash)
        .bind(u.disabled)
        .bind(to_i64(u.failed_logins))
        .bind(u.locked_until.map(Timestamp::as_millis))
        .bind(u.created_at.as_millis())
        .bind(u.updated_at.as_millis())
        .execute(c)
        .await
        .map_err(write_err(&format!("user {:?}", u.username), "tenant"))?;
    Ok(())
}

/// Writes display name, role, disabled flag, password hash and `updated_at`.
pub(crate) async fn update(c: &mut Conn, u: &User) -> StoreResult<()> {
    let sql = "UPDATE users SET display_name = $3, role = $4, disabled = $5, password_hash = $6, \
               updated_at = $7 WHERE tenant_id = $1 AND id = $2";
    let done = sqlx::query(sql)
        .bind(key(u.tenant_id.0))
        .bind(key(u.id.0))
        .bind(&u.display_name)
        .bind(u.role.as_str())
        .bind(u.disabled)
        .bind(&u.password_hash)
        .bind(u.updated_at.as_millis())
        .execute(c)
        .await
        .map_err(db)?;
    touched(done, what(u.id))
}

pub(crate) async fn by_id(c: &mut Conn, tenant: TenantId, id: UserId) -> StoreResult<User> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM users WHERE tenant_id = $1 AND id = $2"
    );
    let row = sqlx::query(sql)
        .bind(key(tenant.0))
        .bind(key(id.0))
        .fetch_optional(c)
        .await
        .map_err(db)?;
    from_row(&found(row, what(id))?)
}

pub(crate) async fn list(c: &mut Conn, tenant: TenantId) -> StoreResult<Vec<User>> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM users WHERE tenant_id = $1 ORDER BY username"
    );
    let rows = sqlx::query(sql)
        .bind(key(tenant.0))
        .fetch_all(c)
        .await
        .map_err(db)?;
    rows.iter().map(from_row).collect()
}

/// Fetches the row an `UPDATE … RETURNING` produced, `NotFound` if it matched none.
async fn returned(
    q: sqlx::query::Query<'static, crate::codec::Db, crate::codec::Args>,
    c: &mut Conn,
    id: UserId,
) -> StoreResult<User> {
    let row = q.fetch_optional(c).await.map_err(db)?;
    from_row(&found(row, what(id))?)
}

#[async_trait::async_trait]
impl UserRepo for Backend {
    async fn create_user(&self, tenant: TenantId, new: NewUser) -> StoreResult<User> {
        validate::username(&new.username)?;
        validate::display_name(&new.display_name)?;
        let u = User {
            id: UserId::from_uuid(uuid::Uuid::now_v7()),
            tenant_id: tenant,
            username: new.username,
            display_name: new.display_name,
            role: new.role,
            password_hash: new.password_hash,
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            created_at: new.now,
            updated_at: new.now,
        };
        insert(&mut *self.conn().await?, &u).await?;
        Ok(u)
    }

    async fn get_user(&self, tenant: TenantId, id: UserId) -> StoreResult<User> {
        by_id(&mut *self.conn().await?, tenant, id).await
    }

    async fn get_user_by_username(&self, tenant: TenantId, username: &str) -> StoreResult<User> {
        let sql = concat!(
            "SELECT ",
            cols!(),
            " FROM users WHERE tenant_id = $1 AND username = $2"
        );
        let row = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(username)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        from_row(&found(row, || format!("user {username:?}"))?)
    }

    async fn list_users(&self, tenant: TenantId) -> StoreResult<Vec<User>> {
        list(&mut *self.conn().await?, tenant).await
    }

    async fn update_user(
        &self,
        tenant: TenantId,
        id: UserId,
        profile: UserProfile,
        now: Timestamp,
    ) -> StoreResult<User> {
        validate::display_name(&profile.display_name)?;
        let sql = concat!(
            "UPDATE users SET display_name = $3, role = $4, disabled = $5, updated_at = $6 ",
            "WHERE tenant_id = $1 AND id = $2 RETURNING ",
            cols!()
        );
        let q = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(id.0))
            .bind(profile.display_name)
            .bind(profile.role.as_str())
            .bind(profile.disabled)
            .bind(now.as_millis());
        returned(q, &mut *self.conn().await?, id).await
    }

    async fn set_password_hash(
        &self,
        tenant: TenantId,
        id: UserId,
        hash: Option<String>,
        now: Timestamp,
    ) -> StoreResult<User> {
        let sql = concat!(
            "UPDATE users SET password_hash = $3, updated_at = $4 ",
            "WHERE tenant_id = $1 AND id = $2 RETURNING ",
            cols!()
        );
        let q = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(id.0))
            .bind(hash)
            .bind(now.as_millis());
        returned(q, &mut *self.conn().await?, id).await
    }

    async fn record_login_failure(
        &self,
        tenant: TenantId,
        id: UserId,
        now: Timestamp,
        policy: LockoutPolicy,
    ) -> StoreResult<User> {
        // Every right-hand side sees the row's old values, so this is one atomic step.
        let sql = concat!(
            "UPDATE users SET ",
            "locked_until = CASE WHEN $3 > 0 AND failed_logins + 1 >= $3 ",
            "THEN $4 ELSE locked_until END, ",
            "failed_logins = CASE WHEN $3 > 0 AND failed_logins + 1 >= $3 ",
            "THEN 0 ELSE failed_logins + 1 END, ",
            "updated_at = $5 ",
            "WHERE tenant_id = $1 AND id = $2 RETURNING ",
            cols!()
        );
        let q = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(id.0))
            .bind(to_i64(policy.lock_after))
            .bind((now + policy.lock_for).as_millis())
            .bind(now.as_millis());
        returned(q, &mut *self.conn().await?, id).await
    }

    async fn reset_login_failures(
        &self,
        tenant: TenantId,
        id: UserId,
        now: Timestamp,
    ) -> StoreResult<User> {
        let sql = concat!(
            "UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = $3 ",
            "WHERE tenant_id = $1 AND id = $2 RETURNING ",
            cols!()
        );
        let q = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(id.0))
            .bind(now.as_millis());
        returned(q, &mut *self.conn().await?, id).await
    }

    async fn delete_user(&self, tenant: TenantId, id: UserId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM users WHERE tenant_id = $1 AND id = $2")
            .bind(key(tenant.0))
            .bind(key(id.0))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        touched(done, what(id))
    }
}
