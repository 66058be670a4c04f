//! Queues.

use crate::Backend;
use crate::codec::{Conn, Row, db, found, get, get_json, get_uuid, json, key, touched, write_err};
use sb_store::{Queue, QueueRepo, QueueSpec, StoreResult, validate};
use sb_types::{Channel, QueueId, TenantId};

macro_rules! cols {
    () => {
        "id, tenant_id, name, channel, settings"
    };
}

fn from_row(row: &Row) -> StoreResult<Queue> {
    let channel: String = get(row, "channel")?;
    Ok(Queue {
        id: QueueId::from_uuid(get_uuid(row, "id")?),
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        name: get(row, "name")?,
        channel: channel
            .parse::<Channel>()
            .map_err(|e| crate::codec::corrupt("channel", e))?,
        settings: get_json(row, "settings")?,
    })
}

pub(crate) async fn insert(c: &mut Conn, q: &Queue) -> StoreResult<()> {
    sqlx::query(concat!(
        "INSERT INTO queues (",
        cols!(),
        ") VALUES ($1, $2, $3, $4, $5)"
    ))
    .bind(key(q.id.0))
    .bind(key(q.tenant_id.0))
    .bind(&q.name)
    .bind(q.channel.as_str())
    .bind(json(&q.settings))
    .execute(c)
    .await
    .map_err(write_err(&format!("queue {:?}", q.name), "tenant"))?;
    Ok(())
}

pub(crate) async fn update(c: &mut Conn, q: &Queue) -> StoreResult<()> {
    let sql = "UPDATE queues SET name = $3, channel = $4, settings = $5 \
               WHERE tenant_id = $1 AND id = $2";
    let done = sqlx::query(sql)
        .bind(key(q.tenant_id.0))
        .bind(key(q.id.0))
        .bind(&q.name)
        .bind(q.channel.as_str())
        .bind(json(&q.settings))
        .execute(c)
        .await
        .map_err(write_err(&format!("queue {:?}", q.name), "tenant"))?;
    touched(done, || format!("queue {}", q.id))
}

pub(crate) async fn list(c: &mut Conn, tenant: TenantId) -> StoreResult<Vec<Queue>> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM queues WHERE tenant_id = $1 ORDER BY name"
    );
    let rows = sqlx::query(sql)
        .bind(key(tenant.0))
        .fetch_all(c)
        .await
        .map_err(db)?;
    rows.iter().map(from_row).collect()
}

fn build(tenant: TenantId, id: QueueId, spec: QueueSpec) -> StoreResult<Queue> {
    validate::name("name", &spec.name)?;
    Ok(Queue {
        id,
        tenant_id: tenant,
        name: spec.name,
        channel: spec.channel,
        settings: spec.settings,
    })
}

#[async_trait::async_trait]
impl QueueRepo for Backend {
    async fn create_queue(&self, tenant: TenantId, spec: QueueSpec) -> StoreResult<Queue> {
        let q = build(tenant, QueueId::from_uuid(uuid::Uuid::now_v7()), spec)?;
        insert(&mut *self.conn().await?, &q).await?;
        Ok(q)
    }

    async fn get_queue(&self, tenant: TenantId, id: QueueId) -> StoreResult<Queue> {
        let sql = concat!(
            "SELECT ",
            cols!(),
            " FROM queues WHERE tenant_id = $1 AND id = $2"
        );
        let row = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(id.0))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        from_row(&found(row, || format!("queue {id}"))?)
    }

    async fn get_queue_by_name(&self, tenant: TenantId, name: &str) -> StoreResult<Queue> {
        let sql = concat!(
            "SELECT ",
            cols!(),
            " FROM queues WHERE tenant_id = $1 AND name = $2"
        );
        let row = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(name)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        from_row(&found(row, || format!("queue {name:?}"))?)
    }

    async fn list_queues(&self, tenant: TenantId) -> StoreResult<Vec<Queue>> {
        list(&mut *self.conn().await?, tenant).await
    }

    async fn update_queue(
        &self,
        tenant: TenantId,
        id: QueueId,
        spec: QueueSpec,
    ) -> StoreResult<Queue> {
        let q = build(tenant, id, spec)?;
        update(&mut *self.conn().await?, &q).await?;
        Ok(q)
    }

    async fn delete_queue(&self, tenant: TenantId, id: QueueId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM queues WHERE tenant_id = $1 AND id = $2")
            .bind(key(tenant.0))
            .bind(key(id.0))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        touched(done, || format!("queue {id}"))
    }
}
