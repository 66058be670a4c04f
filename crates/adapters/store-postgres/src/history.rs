//! The history of interactions per contact. Both writes are upserts on (tenant_id, id) that
//! leave the other side's columns alone: the call side keeps the wrap-up, the wrap-up keeps the
//! call side.

use crate::Backend;
use crate::codec::{
    Row, db, get, get_opt_ts, get_opt_uuid, get_ts, get_uuid, key, to_i64, write_err,
};
use sb_store::{InteractionHistory, InteractionRecord, StoreResult, history_limit, validate};
use sb_types::{Channel, TenantId, Timestamp, UserId};

macro_rules! cols {
    () => {
        "tenant_id, id, channel, direction, contact, started_at, ended_at, queue, agent, \
         outcome, disposition, notes"
    };
}

fn from_row(row: &Row) -> StoreResult<InteractionRecord> {
    let channel: String = get(row, "channel")?;
    Ok(InteractionRecord {
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        id: get(row, "id")?,
        channel: channel
            .parse::<Channel>()
            .map_err(|e| crate::codec::corrupt("channel", e))?,
        direction: get(row, "direction")?,
        contact: get(row, "contact")?,
        started_at: get_ts(row, "started_at")?,
        ended_at: get_opt_ts(row, "ended_at")?,
        queue: get(row, "queue")?,
        agent: get_opt_uuid(row, "agent")?.map(UserId::from_uuid),
        outcome: get(row, "outcome")?,
        disposition: get(row, "disposition")?,
        notes: get(row, "notes")?,
    })
}

fn what(tenant: TenantId, id: &str) -> (String, String) {
    (format!("interaction {id:?}"), format!("tenant {tenant}"))
}

#[async_trait::async_trait]
impl InteractionHistory for Backend {
    async fn record_interaction(&self, r: InteractionRecord) -> StoreResult<()> {
        r.validate()?;
        let sql = concat!(
            "INSERT INTO interaction_history (",
            cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (tenant_id, id) DO UPDATE SET channel = excluded.channel, \
             direction = excluded.direction, contact = excluded.contact, \
             started_at = excluded.started_at, ended_at = excluded.ended_at, \
             queue = excluded.queue, agent = excluded.agent, outcome = excluded.outcome"
        );
        let (it, tenant) = what(r.tenant_id, &r.id);
        sqlx::query(sql)
            .bind(key(r.tenant_id.0))
            .bind(&r.id)
            .bind(r.channel.as_str())
            .bind(&r.direction)
            .bind(&r.contact)
            .bind(r.started_at.as_millis())
            .bind(r.ended_at.map(Timestamp::as_millis))
            .bind(&r.queue)
            .bind(r.agent.map(|a| key(a.0)))
            .bind(&r.outcome)
            .bind(&r.disposition)
            .bind(&r.notes)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(write_err(&it, &tenant))?;
        Ok(())
    }

    async fn set_interaction_wrap_up(
        &self,
        tenant: TenantId,
        id: &str,
        disposition: Option<&str>,
        notes: Option<&str>,
        at: Timestamp,
    ) -> StoreResult<()> {
        validate::interaction_id(id)?;
        validate::wrap_up(disposition, notes)?;
        let sql = "INSERT INTO interaction_history (tenant_id, id, channel, direction, contact, \
                   started_at, disposition, notes) VALUES ($1, $2, '', '', '', $3, $4, $5) \
                   ON CONFLICT (tenant_id, id) DO UPDATE SET \
                   disposition = excluded.disposition, notes = excluded.notes";
        let (it, owner) = what(tenant, id);
        sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(id)
            .bind(at.as_millis())
            .bind(disposition)
            .bind(notes)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(write_err(&it, &owner))?;
        Ok(())
    }

    async fn contact_history(
        &self,
        tenant: TenantId,
        contact: &str,
        limit: u32,
    ) -> StoreResult<Vec<InteractionRecord>> {
        if contact.is_empty() {
            return Ok(Vec::new());
        }
        let sql = concat!(
            "SELECT ",
            cols!(),
            " FROM interaction_history WHERE tenant_id = $1 AND contact = $2 \
             ORDER BY started_at DESC, id DESC LIMIT $3"
        );
        let rows = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(contact)
            .bind(to_i64(history_limit(limit)))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.iter().map(from_row).collect()
    }
}
