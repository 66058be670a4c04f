//! The event log. SQLite has one writer at a time, so seq order is commit order; appends go
//! through the group-commit writer (`group_commit`).

use crate::Backend;
use crate::codec::{Conn, Row, db, get, get_json, get_ts, get_uuid, json, key, to_i64, write_err};
use sb_store::{Event, EventLog, NewEvent, StoreResult};
use sb_types::TenantId;

fn from_row(row: &Row) -> StoreResult<Event> {
    Ok(Event {
        seq: get(row, "seq")?,
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        at: get_ts(row, "at")?,
        kind: get(row, "kind")?,
        subject: get(row, "subject")?,
        payload: get_json(row, "payload")?,
    })
}

pub(crate) async fn insert(c: &mut Conn, e: &NewEvent) -> StoreResult<i64> {
    let sql = "INSERT INTO events (tenant_id, at, kind, subject, payload) \
               VALUES ($1, $2, $3, $4, $5) RETURNING seq";
    let row = sqlx::query(sql)
        .bind(key(e.tenant_id.0))
        .bind(e.at.as_millis())
        .bind(&e.kind)
        .bind(&e.subject)
        .bind(json(&e.payload))
        .fetch_one(c)
        .await
        .map_err(write_err("event", &format!("tenant {}", e.tenant_id)))?;
    get(&row, "seq")
}

#[async_trait::async_trait]
impl EventLog for Backend {
    async fn append_event(&self, event: NewEvent) -> StoreResult<i64> {
        // One writer task commits the appends waiting together (`group_commit`).
        self.events.append(event).await
    }

    async fn read_events(
        &self,
        tenant: TenantId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<Event>> {
        let sql = "SELECT seq, tenant_id, at, kind, subject, payload FROM events \
                   WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
        let rows = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(after_seq)
            .bind(to_i64(limit))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.iter().map(from_row).collect()
    }
}
