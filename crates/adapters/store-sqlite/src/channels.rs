//! Channel accounts (mailboxes, chat widgets, SMS accounts). Deleting one takes its mailbox
//! cursor along but is refused (`Conflict`) while conversations reference it.

use crate::Backend;
use crate::codec::{
    Conn, Row, db, delete_err, found, get, get_json, get_uuid, json, key, touched, write_err,
};
use sb_store::{ChannelConfig, ChannelConfigRepo, StoreResult, validate};
use sb_types::{Channel, ChannelId, TenantId};

macro_rules! cols {
    () => {
        "id, tenant_id, kind, name, settings"
    };
}

fn from_row(row: &Row) -> StoreResult<ChannelConfig> {
    let kind: String = get(row, "kind")?;
    Ok(ChannelConfig {
        id: ChannelId::from_uuid(get_uuid(row, "id")?),
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        kind: kind
            .parse::<Channel>()
            .map_err(|e| crate::codec::corrupt("kind", e))?,
        name: get(row, "name")?,
        settings: get_json(row, "settings")?,
    })
}

fn what(c: &ChannelConfig) -> String {
    format!("{} channel {:?}", c.kind, c.name)
}

pub(crate) async fn insert(c: &mut Conn, ch: &ChannelConfig) -> StoreResult<()> {
    let sql = concat!(
        "INSERT INTO channel_configs (",
        cols!(),
        ") VALUES ($1, $2, $3, $4, $5)"
    );
    sqlx::query(sql)
        .bind(key(ch.id.0))
        .bind(key(ch.tenant_id.0))
        .bind(ch.kind.as_str())
        .bind(&ch.name)
        .bind(json(&ch.settings))
        .execute(c)
        .await
        .map_err(write_err(&what(ch), "tenant"))?;
    Ok(())
}

pub(crate) async fn update(c: &mut Conn, ch: &ChannelConfig) -> StoreResult<()> {
    let sql = "UPDATE channel_configs SET name = $3, settings = $4 \
               WHERE tenant_id = $1 AND id = $2";
    let done = sqlx::query(sql)
        .bind(key(ch.tenant_id.0))
        .bind(key(ch.id.0))
        .bind(&ch.name)
        .bind(json(&ch.settings))
        .execute(c)
        .await
        .map_err(write_err(&what(ch), "tenant"))?;
    touched(done, || format!("channel {}", ch.id))
}

pub(crate) async fn list(c: &mut Conn, tenant: TenantId) -> StoreResult<Vec<ChannelConfig>> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM channel_configs WHERE tenant_id = $1 ORDER BY kind, name"
    );
    let rows = sqlx::query(sql)
        .bind(key(tenant.0))
        .fetch_all(c)
        .await
        .map_err(db)?;
    rows.iter().map(from_row).collect()
}

pub(crate) async fn by_id(
    c: &mut Conn,
    tenant: TenantId,
    id: ChannelId,
) -> StoreResult<ChannelConfig> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM channel_configs WHERE tenant_id = $1 AND id = $2"
    );
    let row = sqlx::query(sql)
        .bind(key(tenant.0))
        .bind(key(id.0))
        .fetch_optional(c)
        .await
        .map_err(db)?;
    from_row(&found(row, || format!("channel {id}"))?)
}

#[async_trait::async_trait]
impl ChannelConfigRepo for Backend {
    async fn create_channel_config(
        &self,
        tenant: TenantId,
        kind: Channel,
        name: &str,
        settings: serde_json::Value,
    ) -> StoreResult<ChannelConfig> {
        validate::name("name", name)?;
        let ch = ChannelConfig {
            id: ChannelId::from_uuid(uuid::Uuid::now_v7()),
            tenant_id: tenant,
            kind,
            name: name.to_owned(),
            settings,
        };
        insert(&mut *self.conn().await?, &ch).await?;
        Ok(ch)
    }

    async fn get_channel_config(
        &self,
        tenant: TenantId,
        id: ChannelId,
    ) -> StoreResult<ChannelConfig> {
        by_id(&mut *self.conn().await?, tenant, id).await
    }

    async fn list_channel_configs(&self, tenant: TenantId) -> StoreResult<Vec<ChannelConfig>> {
        list(&mut *self.conn().await?, tenant).await
    }

    async fn list_all_channel_configs(&self, kind: Channel) -> StoreResult<Vec<ChannelConfig>> {
        let sql = concat!(
            "SELECT ",
            cols!(),
            " FROM channel_configs WHERE kind = $1 ORDER BY tenant_id, name"
        );
        let rows = sqlx::query(sql)
            .bind(kind.as_str())
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.iter().map(from_row).collect()
    }

    async fn update_channel_config(
        &self,
        tenant: TenantId,
        id: ChannelId,
        name: &str,
        settings: serde_json::Value,
    ) -> StoreResult<ChannelConfig> {
        validate::name("name", name)?;
        let mut tx = self.tx().await?;
        let ch = ChannelConfig {
            name: name.to_owned(),
            settings,
            ..by_id(&mut tx, tenant, id).await?
        };
        update(&mut tx, &ch).await?;
        tx.commit().await.map_err(db)?;
        Ok(ch)
    }

    async fn delete_channel_config(&self, tenant: TenantId, id: ChannelId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM channel_configs WHERE tenant_id = $1 AND id = $2")
            .bind(key(tenant.0))
            .bind(key(id.0))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(delete_err(&format!("conversations of channel {id}")))?;
        touched(done, || format!("channel {id}"))
    }
}
