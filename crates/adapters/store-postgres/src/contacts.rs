//! Points of contact; (kind, address) is unique across all tenants.

use crate::Backend;
use crate::codec::{Conn, Row, db, found, get, get_json, get_uuid, json, key, touched, write_err};
use sb_store::{
    ContactKind, PointOfContact, PointOfContactRepo, PointOfContactSpec, StoreResult, validate,
};
use sb_types::{PointOfContactId, TenantId};

macro_rules! cols {
    () => {
        "id, tenant_id, kind, address, flow, settings"
    };
}

fn from_row(row: &Row) -> StoreResult<PointOfContact> {
    let kind: String = get(row, "kind")?;
    Ok(PointOfContact {
        id: PointOfContactId::from_uuid(get_uuid(row, "id")?),
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        kind: ContactKind::parse(&kind).ok_or_else(|| crate::codec::corrupt("kind", &kind))?,
        address: get(row, "address")?,
        flow: get(row, "flow")?,
        settings: get_json(row, "settings")?,
    })
}

fn conflict(p: &PointOfContact) -> String {
    format!("{} point of contact {:?}", p.kind.as_str(), p.address)
}

pub(crate) async fn insert(c: &mut Conn, p: &PointOfContact) -> StoreResult<()> {
    let sql = concat!(
        "INSERT INTO points_of_contact (",
        cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6)"
    );
    sqlx::query(sql)
        .bind(key(p.id.0))
        .bind(key(p.tenant_id.0))
        .bind(p.kind.as_str())
        .bind(&p.address)
        .bind(&p.flow)
        .bind(json(&p.settings))
        .execute(c)
        .await
        .map_err(write_err(&conflict(p), "tenant"))?;
    Ok(())
}

pub(crate) async fn update(c: &mut Conn, p: &PointOfContact) -> StoreResult<()> {
    let sql = "UPDATE points_of_contact SET kind = $3, address = $4, flow = $5, settings = $6 \
               WHERE tenant_id = $1 AND id = $2";
    let done = sqlx::query(sql)
        .bind(key(p.tenant_id.0))
        .bind(key(p.id.0))
        .bind(p.kind.as_str())
        .bind(&p.address)
        .bind(&p.flow)
        .bind(json(&p.settings))
        .execute(c)
        .await
        .map_err(write_err(&conflict(p), "tenant"))?;
    touched(done, || format!("point of contact {}", p.id))
}

pub(crate) async fn list(c: &mut Conn, tenant: TenantId) -> StoreResult<Vec<PointOfContact>> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM points_of_contact WHERE tenant_id = $1 ORDER BY kind, address"
    );
    let rows = sqlx::query(sql)
        .bind(key(tenant.0))
        .fetch_all(c)
        .await
        .map_err(db)?;
    rows.iter().map(from_row).collect()
}

fn build(
    tenant: TenantId,
    id: PointOfContactId,
    spec: PointOfContactSpec,
) -> StoreResult<PointOfContact> {
    validate::name("address", &spec.address)?;
    validate::name("flow", &spec.flow)?;
    Ok(PointOfContact {
        id,
        tenant_id: tenant,
        kind: spec.kind,
        address: spec.address,
        flow: spec.flow,
        settings: spec.settings,
    })
}

#[async_trait::async_trait]
impl PointOfContactRepo for Backend {
    async fn create_point_of_contact(
        &self,
        tenant: TenantId,
        spec: PointOfContactSpec,
    ) -> StoreResult<PointOfContact> {
        let id = PointOfContactId::from_uuid(uuid::Uuid::now_v7());
        let p = build(tenant, id, spec)?;
        insert(&mut *self.conn().await?, &p).await?;
        Ok(p)
    }

    async fn get_point_of_contact(
        &self,
        tenant: TenantId,
        id: PointOfContactId,
    ) -> StoreResult<PointOfContact> {
        let sql = concat!(
            "SELECT ",
            cols!(),
            " FROM points_of_contact WHERE tenant_id = $1 AND id = $2"
        );
        let row = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(id.0))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        from_row(&found(row, || format!("point of contact {id}"))?)
    }

    async fn list_points_of_contact(&self, tenant: TenantId) -> StoreResult<Vec<PointOfContact>> {
        list(&mut *self.conn().await?, tenant).await
    }

    async fn update_point_of_contact(
        &self,
        tenant: TenantId,
        id: PointOfContactId,
        spec: PointOfContactSpec,
    ) -> StoreResult<PointOfContact> {
        let p = build(tenant, id, spec)?;
        update(&mut *self.conn().await?, &p).await?;
        Ok(p)
    }

    async fn delete_point_of_contact(
        &self,
        tenant: TenantId,
        id: PointOfContactId,
    ) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM points_of_contact WHERE tenant_id = $1 AND id = $2")
            .bind(key(tenant.0))
            .bind(key(id.0))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        touched(done, || format!("point of contact {id}"))
    }

    async fn find_point_of_contact_by_address(
        &self,
        kind: ContactKind,
        address: &str,
    ) -> StoreResult<PointOfContact> {
        let sql = concat!(
            "SELECT ",
            cols!(),
            " FROM points_of_contact WHERE kind = $1 AND address = $2"
        );
        let row = sqlx::query(sql)
            .bind(kind.as_str())
            .bind(address)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        from_row(&found(row, || {
            format!("{} point of contact {address:?}", kind.as_str())
        })?)
    }
}
