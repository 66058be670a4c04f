//! Flows and their versions.

use crate::Backend;
use crate::codec::{
    Conn, Row, db, found, get, get_json, get_opt_ts, get_ts, get_u32, get_uuid, json, key, touched,
    write_err,
};
use sb_store::{
    Flow, FlowRepo, FlowVersion, FlowVersionState, StoreError, StoreResult, Timestamp, validate,
};
use sb_types::{FlowId, TenantId};

macro_rules! cols {
    () => {
        "id, tenant_id, name, published_version, created_at"
    };
}

macro_rules! version_cols {
    () => {
        "flow_id, version, document, state, created_at, published_at"
    };
}

fn from_row(row: &Row) -> StoreResult<Flow> {
    let published: Option<i64> = get(row, "published_version")?;
    Ok(Flow {
        id: FlowId::from_uuid(get_uuid(row, "id")?),
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        name: get(row, "name")?,
        published_version: published
            .map(u32::try_from)
            .transpose()
            .map_err(|e| crate::codec::corrupt("published_version", e))?,
        created_at: get_ts(row, "created_at")?,
    })
}

fn version_from_row(row: &Row) -> StoreResult<FlowVersion> {
    let state: String = get(row, "state")?;
    Ok(FlowVersion {
        flow_id: FlowId::from_uuid(get_uuid(row, "flow_id")?),
        version: get_u32(row, "version")?,
        document: get_json(row, "document")?,
        state: FlowVersionState::parse(&state)
            .ok_or_else(|| crate::codec::corrupt("state", &state))?,
        created_at: get_ts(row, "created_at")?,
        published_at: get_opt_ts(row, "published_at")?,
    })
}

pub(crate) async fn insert(c: &mut Conn, f: &Flow) -> StoreResult<()> {
    sqlx::query(concat!(
        "INSERT INTO flows (",
        cols!(),
        ") VALUES ($1, $2, $3, $4, $5)"
    ))
    .bind(key(f.id.0))
    .bind(key(f.tenant_id.0))
    .bind(&f.name)
    .bind(f.published_version.map(i64::from))
    .bind(f.created_at.as_millis())
    .execute(c)
    .await
    .map_err(write_err(&format!("flow {:?}", f.name), "tenant"))?;
    Ok(())
}

/// Inserts a version, or replaces the one with the same number.
pub(crate) async fn put_version(c: &mut Conn, v: &FlowVersion) -> StoreResult<()> {
    let sql = concat!(
        "INSERT INTO flow_versions (",
        version_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6) ",
        "ON CONFLICT (flow_id, version) DO UPDATE SET document = excluded.document, ",
        "state = excluded.state, published_at = excluded.published_at"
    );
    sqlx::query(sql)
        .bind(key(v.flow_id.0))
        .bind(i64::from(v.version))
        .bind(json(&v.document))
        .bind(v.state.as_str())
        .bind(v.created_at.as_millis())
        .bind(v.published_at.map(Timestamp::as_millis))
        .execute(c)
        .await
        .map_err(write_err("flow version", &format!("flow {}", v.flow_id)))?;
    Ok(())
}

pub(crate) async fn set_published(c: &mut Conn, flow: FlowId, version: u32) -> StoreResult<()> {
    let done = sqlx::query("UPDATE flows SET published_version = $2 WHERE id = $1")
        .bind(key(flow.0))
        .bind(i64::from(version))
        .execute(c)
        .await
        .map_err(db)?;
    touched(done, || format!("flow {flow}"))
}

pub(crate) async fn list(c: &mut Conn, tenant: TenantId) -> StoreResult<Vec<Flow>> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM flows WHERE tenant_id = $1 ORDER BY name"
    );
    let rows = sqlx::query(sql)
        .bind(key(tenant.0))
        .fetch_all(c)
        .await
        .map_err(db)?;
    rows.iter().map(from_row).collect()
}

async fn by_id(c: &mut Conn, tenant: TenantId, id: FlowId) -> StoreResult<Flow> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM flows WHERE tenant_id = $1 AND id = $2"
    );
    let row = sqlx::query(sql)
        .bind(key(tenant.0))
        .bind(key(id.0))
        .fetch_optional(c)
        .await
        .map_err(db)?;
    from_row(&found(row, || format!("flow {id}"))?)
}

/// The newest version of a flow (the caller checked the flow's tenant).
pub(crate) async fn latest(c: &mut Conn, flow: FlowId) -> StoreResult<Option<FlowVersion>> {
    let sql = concat!(
        "SELECT ",
        version_cols!(),
        " FROM flow_versions WHERE flow_id = $1 ORDER BY version DESC LIMIT 1"
    );
    let row = sqlx::query(sql)
        .bind(key(flow.0))
        .fetch_optional(c)
        .await
        .map_err(db)?;
    row.as_ref().map(version_from_row).transpose()
}

async fn version(c: &mut Conn, flow: FlowId, version: u32) -> StoreResult<FlowVersion> {
    let sql = concat!(
        "SELECT ",
        version_cols!(),
        " FROM flow_versions WHERE flow_id = $1 AND version = $2"
    );
    let row = sqlx::query(sql)
        .bind(key(flow.0))
        .bind(i64::from(version))
        .fetch_optional(c)
        .await
        .map_err(db)?;
    version_from_row(&found(row, || format!("flow {flow} version {version}"))?)
}

/// The draft that `save_draft` writes: over the latest draft, or as a new version.
fn next_draft(
    flow: FlowId,
    latest: Option<FlowVersion>,
    doc: serde_json::Value,
    now: Timestamp,
) -> FlowVersion {
    let number = match &latest {
        Some(v) if v.state == FlowVersionState::Draft => v.version,
        Some(v) => v.version.saturating_add(1),
        None => 1,
    };
    FlowVersion {
        flow_id: flow,
        version: number,
        document: doc,
        state: FlowVersionState::Draft,
        created_at: now,
        published_at: None,
    }
}

#[async_trait::async_trait]
impl FlowRepo for Backend {
    async fn create_flow(&self, tenant: TenantId, name: &str, now: Timestamp) -> StoreResult<Flow> {
        validate::name("name", name)?;
        let f = Flow {
            id: FlowId::from_uuid(uuid::Uuid::now_v7()),
            tenant_id: tenant,
            name: name.to_owned(),
            published_version: None,
            created_at: now,
        };
        insert(&mut *self.conn().await?, &f).await?;
        Ok(f)
    }

    async fn get_flow(&self, tenant: TenantId, id: FlowId) -> StoreResult<Flow> {
        by_id(&mut *self.conn().await?, tenant, id).await
    }

    async fn get_flow_by_name(&self, tenant: TenantId, name: &str) -> StoreResult<Flow> {
        let sql = concat!(
            "SELECT ",
            cols!(),
            " FROM flows WHERE tenant_id = $1 AND name = $2"
        );
        let row = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(name)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        from_row(&found(row, || format!("flow {name:?}"))?)
    }

    async fn list_flows(&self, tenant: TenantId) -> StoreResult<Vec<Flow>> {
        list(&mut *self.conn().await?, tenant).await
    }

    async fn delete_flow(&self, tenant: TenantId, id: FlowId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM flows WHERE tenant_id = $1 AND id = $2")
            .bind(key(tenant.0))
            .bind(key(id.0))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        touched(done, || format!("flow {id}"))
    }

    async fn save_draft(
        &self,
        tenant: TenantId,
        id: FlowId,
        document: serde_json::Value,
        now: Timestamp,
    ) -> StoreResult<FlowVersion> {
        let mut tx = self.tx().await?;
        by_id(&mut tx, tenant, id).await?;
        let draft = next_draft(id, latest(&mut tx, id).await?, document, now);
        put_version(&mut tx, &draft).await?;
        tx.commit().await.map_err(db)?;
        Ok(draft)
    }

    async fn publish_flow(
        &self,
        tenant: TenantId,
        id: FlowId,
        number: u32,
        now: Timestamp,
    ) -> StoreResult<FlowVersion> {
        let mut tx = self.tx().await?;
        by_id(&mut tx, tenant, id).await?;
        let mut v = version(&mut tx, id, number).await?;
        v.state = FlowVersionState::Published;
        v.published_at = v.published_at.or(Some(now));
        put_version(&mut tx, &v).await?;
        set_published(&mut tx, id, number).await?;
        tx.commit().await.map_err(db)?;
        Ok(v)
    }

    async fn get_published_flow(&self, tenant: TenantId, id: FlowId) -> StoreResult<FlowVersion> {
        let mut c = self.conn().await?;
        let flow = by_id(&mut c, tenant, id).await?;
        let number = flow
            .published_version
            .ok_or_else(|| StoreError::not_found(format!("published version of flow {id}")))?;
        version(&mut c, id, number).await
    }

    async fn get_flow_version(
        &self,
        tenant: TenantId,
        id: FlowId,
        number: u32,
    ) -> StoreResult<FlowVersion> {
        let mut c = self.conn().await?;
        by_id(&mut c, tenant, id).await?;
        version(&mut c, id, number).await
    }

    async fn list_flow_versions(
        &self,
        tenant: TenantId,
        id: FlowId,
    ) -> StoreResult<Vec<FlowVersion>> {
        let mut c = self.conn().await?;
        by_id(&mut c, tenant, id).await?;
        let sql = concat!(
            "SELECT ",
            version_cols!(),
            " FROM flow_versions WHERE flow_id = $1 ORDER BY version"
        );
        let rows = sqlx::query(sql)
            .bind(key(id.0))
            .fetch_all(&mut *c)
            .await
            .map_err(db)?;
        rows.iter().map(version_from_row).collect()
    }
}
