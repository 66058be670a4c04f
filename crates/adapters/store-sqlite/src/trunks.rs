//! SIP trunks.

use crate::Backend;
use crate::codec::{Conn, Row, db, found, get, get_json, get_uuid, json, key, touched, write_err};
use sb_store::{StoreResult, Trunk, TrunkRepo, validate};
use sb_types::{TenantId, TrunkId};

fn from_row(row: &Row) -> StoreResult<Trunk> {
    Ok(Trunk {
        id: TrunkId::from_uuid(get_uuid(row, "id")?),
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        name: get(row, "name")?,
        settings: get_json(row, "settings")?,
    })
}

pub(crate) async fn insert(c: &mut Conn, t: &Trunk) -> StoreResult<()> {
    sqlx::query("INSERT INTO trunks (id, tenant_id, name, settings) VALUES ($1, $2, $3, $4)")
        .bind(key(t.id.0))
        .bind(key(t.tenant_id.0))
        .bind(&t.name)
        .bind(json(&t.settings))
        .execute(c)
        .await
        .map_err(write_err(&format!("trunk {:?}", t.name), "tenant"))?;
    Ok(())
}

pub(crate) async fn update(c: &mut Conn, t: &Trunk) -> StoreResult<()> {
    let sql = "UPDATE trunks SET name = $3, settings = $4 WHERE tenant_id = $1 AND id = $2";
    let done = sqlx::query(sql)
        .bind(key(t.tenant_id.0))
        .bind(key(t.id.0))
        .bind(&t.name)
        .bind(json(&t.settings))
        .execute(c)
        .await
        .map_err(write_err(&format!("trunk {:?}", t.name), "tenant"))?;
    touched(done, || format!("trunk {}", t.id))
}

pub(crate) async fn list(c: &mut Conn, tenant: Option<TenantId>) -> StoreResult<Vec<Trunk>> {
    let sql = "SELECT id, tenant_id, name, settings FROM trunks \
               WHERE $1 IS NULL OR tenant_id = $1 ORDER BY tenant_id, name";
    let rows = sqlx::query(sql)
        .bind(tenant.map(|t| key(t.0)))
        .fetch_all(c)
        .await
        .map_err(db)?;
    rows.iter().map(from_row).collect()
}

fn build(
    tenant: TenantId,
    id: TrunkId,
    name: &str,
    settings: serde_json::Value,
) -> StoreResult<Trunk> {
    validate::name("name", name)?;
    Ok(Trunk {
        id,
        tenant_id: tenant,
        name: name.to_owned(),
        settings,
    })
}

#[async_trait::async_trait]
impl TrunkRepo for Backend {
    async fn create_trunk(
        &self,
        tenant: TenantId,
        name: &str,
        settings: serde_json::Value,
    ) -> StoreResult<Trunk> {
        let t = build(
            tenant,
            TrunkId::from_uuid(uuid::Uuid::now_v7()),
            name,
            settings,
        )?;
        insert(&mut *self.conn().await?, &t).await?;
        Ok(t)
    }

    async fn get_trunk(&self, tenant: TenantId, id: TrunkId) -> StoreResult<Trunk> {
        let sql = "SELECT id, tenant_id, name, settings FROM trunks \
                   WHERE tenant_id = $1 AND id = $2";
        let row = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(id.0))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        from_row(&found(row, || format!("trunk {id}"))?)
    }

    async fn list_trunks(&self, tenant: TenantId) -> StoreResult<Vec<Trunk>> {
        list(&mut *self.conn().await?, Some(tenant)).await
    }

    async fn list_all_trunks(&self) -> StoreResult<Vec<Trunk>> {
        list(&mut *self.conn().await?, None).await
    }

    async fn update_trunk(
        &self,
        tenant: TenantId,
        id: TrunkId,
        name: &str,
        settings: serde_json::Value,
    ) -> StoreResult<Trunk> {
        let t = build(tenant, id, name, settings)?;
        update(&mut *self.conn().await?, &t).await?;
        Ok(t)
    }

    async fn delete_trunk(&self, tenant: TenantId, id: TrunkId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM trunks WHERE tenant_id = $1 AND id = $2")
            .bind(key(tenant.0))
            .bind(key(id.0))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        touched(done, || format!("trunk {id}"))
    }
}
