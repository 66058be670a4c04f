//! Tenants.

use crate::Backend;
use crate::codec::{Conn, Row, db, found, get, get_json, get_ts, get_uuid, json, key, write_err};
use sb_store::{NewTenant, StoreError, StoreResult, Tenant, TenantRepo, TenantUpdate, validate};
use sb_types::TenantId;

macro_rules! cols {
    () => {
        "id, name, display_name, cluster, ip_allowlist, created_at"
    };
}

fn from_row(row: &Row) -> StoreResult<Tenant> {
    let allowlist = get_json(row, "ip_allowlist")?;
    Ok(Tenant {
        id: TenantId::from_uuid(get_uuid(row, "id")?),
        name: get(row, "name")?,
        display_name: get(row, "display_name")?,
        cluster: get(row, "cluster")?,
        ip_allowlist: serde_json::from_value(allowlist)
            .map_err(|e| crate::codec::corrupt("ip_allowlist", e))?,
        created_at: get_ts(row, "created_at")?,
    })
}

fn allowlist_json(t: &Tenant) -> serde_json::Value {
    let nets: Vec<String> = t.ip_allowlist.iter().map(ToString::to_string).collect();
    serde_json::Value::from(nets)
}

fn check(name: &str, display_name: &str, cluster: &str) -> StoreResult<()> {
    validate::tenant_name(name)?;
    validate::display_name(display_name)?;
    validate::name("cluster", cluster)
}

pub(crate) async fn insert(c: &mut Conn, t: &Tenant) -> StoreResult<()> {
    sqlx::query(concat!(
        "INSERT INTO tenants (",
        cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(key(t.id.0))
    .bind(&t.name)
    .bind(&t.display_name)
    .bind(&t.cluster)
    .bind(json(&allowlist_json(t)))
    .bind(t.created_at.as_millis())
    .execute(c)
    .await
    .map_err(write_err(&format!("tenant {:?}", t.name), "tenant"))?;
    Ok(())
}

pub(crate) async fn update(c: &mut Conn, t: &Tenant) -> StoreResult<()> {
    let sql = "UPDATE tenants SET display_name = $2, cluster = $3, ip_allowlist = $4 WHERE id = $1";
    let done = sqlx::query(sql)
        .bind(key(t.id.0))
        .bind(&t.display_name)
        .bind(&t.cluster)
        .bind(json(&allowlist_json(t)))
        .execute(c)
        .await
        .map_err(db)?;
    crate::codec::touched(done, || format!("tenant {}", t.id))
}

pub(crate) async fn by_id(c: &mut Conn, id: TenantId) -> StoreResult<Tenant> {
    let row = sqlx::query(concat!("SELECT ", cols!(), " FROM tenants WHERE id = $1"))
        .bind(key(id.0))
        .fetch_optional(c)
        .await
        .map_err(db)?;
    from_row(&found(row, || format!("tenant {id}"))?)
}

pub(crate) async fn by_name(c: &mut Conn, name: &str) -> StoreResult<Option<Tenant>> {
    let row = sqlx::query(concat!("SELECT ", cols!(), " FROM tenants WHERE name = $1"))
        .bind(name)
        .fetch_optional(c)
        .await
        .map_err(db)?;
    row.as_ref().map(from_row).transpose()
}

#[async_trait::async_trait]
impl TenantRepo for Backend {
    async fn create_tenant(&self, new: NewTenant) -> StoreResult<Tenant> {
        check(&new.name, &new.display_name, &new.cluster)?;
        let t = Tenant {
            id: TenantId::from_uuid(uuid::Uuid::now_v7()),
            name: new.name,
            display_name: new.display_name,
            cluster: new.cluster,
            ip_allowlist: new.ip_allowlist,
            created_at: new.created_at,
        };
        insert(&mut *self.conn().await?, &t).await?;
        Ok(t)
    }

    async fn get_tenant(&self, id: TenantId) -> StoreResult<Tenant> {
        by_id(&mut *self.conn().await?, id).await
    }

    async fn get_tenant_by_name(&self, name: &str) -> StoreResult<Tenant> {
        let t = by_name(&mut *self.conn().await?, name).await?;
        t.ok_or_else(|| StoreError::not_found(format!("tenant {name:?}")))
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        let rows = sqlx::query(concat!("SELECT ", cols!(), " FROM tenants ORDER BY name"))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.iter().map(from_row).collect()
    }

    async fn update_tenant(&self, id: TenantId, update: TenantUpdate) -> StoreResult<Tenant> {
        validate::display_name(&update.display_name)?;
        validate::name("cluster", &update.cluster)?;
        let mut tx = self.tx().await?;
        let mut t = by_id(&mut tx, id).await?;
        t.display_name = update.display_name;
        t.cluster = update.cluster;
        t.ip_allowlist = update.ip_allowlist;
        self::update(&mut tx, &t).await?;
        tx.commit().await.map_err(db)?;
        Ok(t)
    }
}
