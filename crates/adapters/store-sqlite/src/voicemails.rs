//! Voicemail messages. Closing is one conditional UPDATE (`state = 'new'`), so of two users
//! closing the same message at once exactly one wins; the other reads the row to tell "absent"
//! from "already closed".

use crate::Backend;
use crate::codec::{
    Conn, Row, db, found, get, get_opt_ts, get_opt_uuid, get_ts, get_u64, get_uuid, json,
    json_texts, key, to_i64, to_i64_saturating, write_err,
};
use sb_store::{
    NewVoicemail, StoreError, StoreResult, Voicemail, VoicemailRepo, VoicemailState, validate,
    voicemail_limit,
};
use sb_types::{TenantId, Timestamp, UserId};
use serde_json::Value;

macro_rules! cols {
    () => {
        "id, tenant_id, call_id, mailbox, caller, called, file, duration_ms, bytes, received_at, \
         state, handled_by, handled_at"
    };
}

fn from_row(row: &Row) -> StoreResult<Voicemail> {
    let state: String = get(row, "state")?;
    Ok(Voicemail {
        id: get_uuid(row, "id")?.to_string(),
        message: NewVoicemail {
            tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
            call_id: get(row, "call_id")?,
            mailbox: get(row, "mailbox")?,
            caller: get(row, "caller")?,
            called: get(row, "called")?,
            file: get(row, "file")?,
            duration_ms: get_u64(row, "duration_ms")?,
            bytes: get_u64(row, "bytes")?,
            received_at: get_ts(row, "received_at")?,
        },
        state: VoicemailState::parse(&state)
            .ok_or_else(|| crate::codec::corrupt("state", &state))?,
        handled_by: get_opt_uuid(row, "handled_by")?.map(UserId::from_uuid),
        handled_at: get_opt_ts(row, "handled_at")?,
    })
}

/// What a lookup of `id` reports when it finds nothing.
fn what(id: &str) -> String {
    format!("voicemail {id:?}")
}

/// The stored key of a message id; `NotFound` when it is not a uuid (no message has it).
fn parse_id(id: &str) -> StoreResult<uuid::Uuid> {
    uuid::Uuid::parse_str(id).map_err(|_| StoreError::not_found(what(id)))
}

async fn insert(c: &mut Conn, id: uuid::Uuid, v: &Voicemail) -> StoreResult<()> {
    let m = &v.message;
    let sql = concat!(
        "INSERT INTO voicemails (",
        cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    );
    sqlx::query(sql)
        .bind(key(id))
        .bind(key(m.tenant_id.0))
        .bind(&m.call_id)
        .bind(&m.mailbox)
        .bind(&m.caller)
        .bind(&m.called)
        .bind(&m.file)
        .bind(to_i64_saturating(m.duration_ms))
        .bind(to_i64_saturating(m.bytes))
        .bind(m.received_at.as_millis())
        .bind(v.state.as_str())
        .bind(v.handled_by.map(|u| key(u.0)))
        .bind(v.handled_at.map(Timestamp::as_millis))
        .execute(c)
        .await
        .map_err(write_err(
            &format!("voicemail {}", v.id),
            &format!("tenant {}", m.tenant_id),
        ))?;
    Ok(())
}

async fn by_id(c: &mut Conn, tenant: TenantId, id: &str) -> StoreResult<Voicemail> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM voicemails WHERE tenant_id = $1 AND id = $2"
    );
    let row = sqlx::query(sql)
        .bind(key(tenant.0))
        .bind(key(parse_id(id)?))
        .fetch_optional(c)
        .await
        .map_err(db)?;
    from_row(&found(row, || what(id))?)
}

/// The mailbox filter as a JSON array; names no message can have are left out (PostgreSQL's
/// jsonb refuses a NUL, which no stored mailbox holds anyway).
fn mailbox_filter(mailboxes: Option<&[String]>) -> Option<Value> {
    let names = mailboxes?
        .iter()
        .filter(|m| validate::mailbox(m).is_ok())
        .map(|m| Value::String(m.clone()));
    Some(Value::Array(names.collect()))
}

#[async_trait::async_trait]
impl VoicemailRepo for Backend {
    async fn add_voicemail(&self, new: NewVoicemail) -> StoreResult<Voicemail> {
        new.validate()?;
        let id = uuid::Uuid::now_v7();
        let v = Voicemail {
            id: id.to_string(),
            message: new,
            state: VoicemailState::New,
            handled_by: None,
            handled_at: None,
        };
        insert(&mut *self.conn().await?, id, &v).await?;
        Ok(v)
    }

    async fn voicemails(
        &self,
        tenant: TenantId,
        mailboxes: Option<&[String]>,
        state: Option<VoicemailState>,
        limit: u32,
    ) -> StoreResult<Vec<Voicemail>> {
        let sql = concat!(
            "SELECT ",
            cols!(),
            " FROM voicemails WHERE tenant_id = $1 \
             AND ($2 IS NULL OR mailbox IN (SELECT value FROM ",
            json_texts!(),
            "($2))) AND ($3 IS NULL OR state = $3) \
             ORDER BY received_at DESC, id DESC LIMIT $4"
        );
        let rows = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(mailbox_filter(mailboxes).as_ref().map(json))
            .bind(state.map(VoicemailState::as_str))
            .bind(to_i64(voicemail_limit(limit)))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.iter().map(from_row).collect()
    }

    async fn voicemail(&self, tenant: TenantId, id: &str) -> StoreResult<Voicemail> {
        by_id(&mut *self.conn().await?, tenant, id).await
    }

    async fn close_voicemail(
        &self,
        tenant: TenantId,
        id: &str,
        by: UserId,
        at: Timestamp,
    ) -> StoreResult<Voicemail> {
        let sql = concat!(
            "UPDATE voicemails SET state = 'done', handled_by = $3, handled_at = $4 ",
            "WHERE tenant_id = $1 AND id = $2 AND state = 'new' RETURNING ",
            cols!()
        );
        let mut c = self.conn().await?;
        let row = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(parse_id(id)?))
            .bind(key(by.0))
            .bind(at.as_millis())
            .fetch_optional(&mut *c)
            .await
            .map_err(db)?;
        if let Some(row) = row {
            return from_row(&row);
        }
        let closed = by_id(&mut c, tenant, id).await?;
        let closer = closed
            .handled_by
            .map_or_else(|| "an unknown user".to_owned(), |u| format!("user {u}"));
        Err(StoreError::conflict(format!(
            "voicemail {id:?} closed by {closer}"
        )))
    }
}
