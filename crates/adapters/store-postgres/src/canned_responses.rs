//! Canned responses, by name. Creating and replacing are one upsert on (tenant, name), so two
//! admins saving the same name at once leave one row (the last write), never a conflict.

use crate::Backend;
use crate::codec::{Conn, Row, db, found, get, get_ts, get_uuid, key, touched, write_err};
use sb_store::{
    CannedResponse, CannedResponseRepo, CannedResponseSpec, StoreError, StoreResult, validate,
};
use sb_types::{TenantId, Timestamp};

macro_rules! cols {
    () => {
        "id, tenant_id, name, subject, body, updated_at"
    };
}

fn from_row(row: &Row) -> StoreResult<CannedResponse> {
    Ok(CannedResponse {
        id: get_uuid(row, "id")?,
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        name: get(row, "name")?,
        subject: get(row, "subject")?,
        body: get(row, "body")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

/// What a lookup of `name` reports when it finds nothing.
fn what(name: &str) -> String {
    format!("canned response {name:?}")
}

/// `NotFound` for a name no response can have (checked before it reaches the database).
fn known_shape(name: &str) -> StoreResult<()> {
    validate::canned_name(name).map_err(|_| StoreError::not_found(what(name)))
}

/// Inserts `r`, or replaces the subject, body and time of the tenant's response with its name
/// (whose id is kept); returns the row as stored.
pub(crate) async fn put(c: &mut Conn, r: &CannedResponse) -> StoreResult<CannedResponse> {
    let sql = concat!(
        "INSERT INTO canned_responses (",
        cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, name) DO UPDATE SET ",
        "subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at ",
        "RETURNING ",
        cols!()
    );
    let row = sqlx::query(sql)
        .bind(key(r.id))
        .bind(key(r.tenant_id.0))
        .bind(&r.name)
        .bind(r.subject.as_deref())
        .bind(&r.body)
        .bind(r.updated_at.as_millis())
        .fetch_one(c)
        .await
        .map_err(write_err(
            &what(&r.name),
            &format!("tenant {}", r.tenant_id),
        ))?;
    from_row(&row)
}

pub(crate) async fn list(c: &mut Conn, tenant: TenantId) -> StoreResult<Vec<CannedResponse>> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM canned_responses WHERE tenant_id = $1 ORDER BY name"
    );
    let rows = sqlx::query(sql)
        .bind(key(tenant.0))
        .fetch_all(c)
        .await
        .map_err(db)?;
    rows.iter().map(from_row).collect()
}

#[async_trait::async_trait]
impl CannedResponseRepo for Backend {
    async fn list_canned_responses(&self, tenant: TenantId) -> StoreResult<Vec<CannedResponse>> {
        list(&mut *self.conn().await?, tenant).await
    }

    async fn get_canned_response(
        &self,
        tenant: TenantId,
        name: &str,
    ) -> StoreResult<CannedResponse> {
        known_shape(name)?;
        let sql = concat!(
            "SELECT ",
            cols!(),
            " FROM canned_responses WHERE tenant_id = $1 AND name = $2"
        );
        let row = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(name)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        from_row(&found(row, || what(name))?)
    }

    async fn upsert_canned_response(
        &self,
        tenant: TenantId,
        spec: CannedResponseSpec,
        now: Timestamp,
    ) -> StoreResult<CannedResponse> {
        spec.validate()?;
        let new = CannedResponse {
            id: uuid::Uuid::now_v7(),
            tenant_id: tenant,
            name: spec.name,
            subject: spec.subject,
            body: spec.body,
            updated_at: now,
        };
        put(&mut *self.conn().await?, &new).await
    }

    async fn delete_canned_response(&self, tenant: TenantId, name: &str) -> StoreResult<()> {
        known_shape(name)?;
        let sql = "DELETE FROM canned_responses WHERE tenant_id = $1 AND name = $2";
        let done = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(name)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        touched(done, || what(name))
    }
}
