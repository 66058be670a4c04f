//! Conversations, their messages and the polled mailboxes' cursors. A fetched batch is one
//! transaction: each email is checked for a duplicate, threaded (by Message-ID, then token) and
//! appended in turn, so that later emails of the batch see the earlier ones, and the cursor is
//! written last. Every change of a conversation reads it in the transaction (locking the row,
//! see `codec::for_update`) and writes it whole.
//! Tokens are inserted with `ON CONFLICT (tenant_id, token) DO NOTHING` and redrawn on a clash,
//! so a clash never aborts the transaction.

use crate::Backend;
use crate::channels;
use crate::codec::{
    Conn, Row, corrupt, db, for_update, found, get, get_json, get_opt_uuid, get_ts, get_u32,
    get_uuid, json, json_texts, key, to_i64, write_err,
};
use sb_store::{
    ChannelConfig, Conversation, ConversationFilter, ConversationMessage, ConversationRepo,
    ConversationState, InboundEmail, MAX_THREAD_REFS, MessageDirection, NewConversationMessage,
    StoreError, StoreResult, StoredInbound, Threading, conversation_limit, conversation_token,
    parse_conversation_token, validate,
};
use sb_types::{
    Channel, ChannelId, ConversationId, ConversationMessageId, QueueId, TenantId, Timestamp, UserId,
};
use serde_json::Value;

macro_rules! conversation_cols {
    () => {
        "id, tenant_id, channel_id, kind, customer, customer_name, subject, token, state, \
         queue_id, agent_id, created_at, updated_at, message_count"
    };
}

macro_rules! message_cols {
    () => {
        "id, conversation_id, tenant_id, channel_id, direction, mailbox_key, message_id, sender, \
         recipients, subject, body_text, raw_file, attachments, too_large, malformed, author, \
         created_at, acknowledged"
    };
}

/// How many tokens are drawn for a new conversation before giving up (each clashes with
/// probability n / 2^40 for a tenant of n conversations).
const TOKEN_ATTEMPTS: usize = 16;

fn conversation_from_row(row: &Row) -> StoreResult<Conversation> {
    let kind: String = get(row, "kind")?;
    let state: String = get(row, "state")?;
    Ok(Conversation {
        id: ConversationId::from_uuid(get_uuid(row, "id")?),
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        channel_id: ChannelId::from_uuid(get_uuid(row, "channel_id")?),
        kind: kind.parse::<Channel>().map_err(|e| corrupt("kind", e))?,
        customer: get(row, "customer")?,
        customer_name: get(row, "customer_name")?,
        subject: get(row, "subject")?,
        token: get(row, "token")?,
        state: ConversationState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        queue_id: get_opt_uuid(row, "queue_id")?.map(QueueId::from_uuid),
        agent_id: get_opt_uuid(row, "agent_id")?.map(UserId::from_uuid),
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
        message_count: get_u32(row, "message_count")?,
    })
}

fn message_from_row(row: &Row) -> StoreResult<ConversationMessage> {
    let direction: String = get(row, "direction")?;
    let recipients = serde_json::from_value(get_json(row, "recipients")?)
        .map_err(|e| corrupt("recipients", e))?;
    Ok(ConversationMessage {
        id: ConversationMessageId::from_uuid(get_uuid(row, "id")?),
        conversation_id: ConversationId::from_uuid(get_uuid(row, "conversation_id")?),
        tenant_id: TenantId::from_uuid(get_uuid(row, "tenant_id")?),
        channel_id: ChannelId::from_uuid(get_uuid(row, "channel_id")?),
        direction: MessageDirection::parse(&direction)
            .ok_or_else(|| corrupt("direction", &direction))?,
        mailbox_key: get(row, "mailbox_key")?,
        message_id: get(row, "message_id")?,
        sender: get(row, "sender")?,
        recipients,
        subject: get(row, "subject")?,
        body_text: get(row, "body_text")?,
        raw_file: get(row, "raw_file")?,
        attachments: get_json(row, "attachments")?,
        too_large: get(row, "too_large")?,
        malformed: get(row, "malformed")?,
        author: get_opt_uuid(row, "author")?.map(UserId::from_uuid),
        created_at: get_ts(row, "created_at")?,
        acknowledged: get(row, "acknowledged")?,
    })
}

async fn conversation(
    c: &mut Conn,
    tenant: TenantId,
    id: ConversationId,
) -> StoreResult<Conversation> {
    let sql = concat!(
        "SELECT ",
        conversation_cols!(),
        " FROM conversations WHERE tenant_id = $1 AND id = $2"
    );
    one_conversation(c, sql, tenant, id).await
}

/// [`conversation`] for a write transaction that will update it: the row stays locked until the
/// transaction ends.
async fn locked(c: &mut Conn, tenant: TenantId, id: ConversationId) -> StoreResult<Conversation> {
    let sql = concat!(
        "SELECT ",
        conversation_cols!(),
        " FROM conversations WHERE tenant_id = $1 AND id = $2",
        for_update!()
    );
    one_conversation(c, sql, tenant, id).await
}

async fn one_conversation(
    c: &mut Conn,
    sql: &'static str,
    tenant: TenantId,
    id: ConversationId,
) -> StoreResult<Conversation> {
    let row = sqlx::query(sql)
        .bind(key(tenant.0))
        .bind(key(id.0))
        .fetch_optional(c)
        .await
        .map_err(db)?;
    conversation_from_row(&found(row, || format!("conversation {id}"))?)
}

/// Inserts a new conversation; `false` (nothing written) when its token is taken in the tenant.
async fn insert_conversation(c: &mut Conn, conv: &Conversation) -> StoreResult<bool> {
    let sql = concat!(
        "INSERT INTO conversations (",
        conversation_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (tenant_id, token) DO NOTHING"
    );
    let done = sqlx::query(sql)
        .bind(key(conv.id.0))
        .bind(key(conv.tenant_id.0))
        .bind(key(conv.channel_id.0))
        .bind(conv.kind.as_str())
        .bind(&conv.customer)
        .bind(&conv.customer_name)
        .bind(&conv.subject)
        .bind(&conv.token)
        .bind(conv.state.as_str())
        .bind(conv.queue_id.map(|q| key(q.0)))
        .bind(conv.agent_id.map(|u| key(u.0)))
        .bind(conv.created_at.as_millis())
        .bind(conv.updated_at.as_millis())
        .bind(to_i64(conv.message_count))
        .execute(c)
        .await
        .map_err(write_err(
            &format!("conversation {}", conv.id),
            &format!("channel {}", conv.channel_id),
        ))?;
    Ok(done.rows_affected() == 1)
}

/// Writes the mutable columns of a conversation read in the same transaction.
async fn save(c: &mut Conn, conv: &Conversation) -> StoreResult<()> {
    let sql = "UPDATE conversations SET state = $3, queue_id = $4, agent_id = $5, \
               updated_at = $6, message_count = $7 WHERE tenant_id = $1 AND id = $2";
    sqlx::query(sql)
        .bind(key(conv.tenant_id.0))
        .bind(key(conv.id.0))
        .bind(conv.state.as_str())
        .bind(conv.queue_id.map(|q| key(q.0)))
        .bind(conv.agent_id.map(|u| key(u.0)))
        .bind(conv.updated_at.as_millis())
        .bind(to_i64(conv.message_count))
        .execute(c)
        .await
        .map_err(db)?;
    Ok(())
}

async fn insert_message(c: &mut Conn, m: &ConversationMessage) -> StoreResult<()> {
    let sql = concat!(
        "INSERT INTO conversation_messages (",
        message_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
         $17, $18)"
    );
    let recipients = Value::from(m.recipients.clone());
    let what = format!(
        "message with mailbox key {:?} in channel {}",
        m.mailbox_key.as_deref().unwrap_or_default(),
        m.channel_id
    );
    sqlx::query(sql)
        .bind(key(m.id.0))
        .bind(key(m.conversation_id.0))
        .bind(key(m.tenant_id.0))
        .bind(key(m.channel_id.0))
        .bind(m.direction.as_str())
        .bind(m.mailbox_key.as_deref())
        .bind(m.message_id.as_deref())
        .bind(&m.sender)
        .bind(json(&recipients))
        .bind(&m.subject)
        .bind(&m.body_text)
        .bind(m.raw_file.as_deref())
        .bind(json(&m.attachments))
        .bind(m.too_large)
        .bind(m.malformed)
        .bind(m.author.map(|u| key(u.0)))
        .bind(m.created_at.as_millis())
        .bind(m.acknowledged)
        .execute(c)
        .await
        .map_err(write_err(
            &what,
            &format!("conversation {}", m.conversation_id),
        ))?;
    Ok(())
}

/// Adds `new` to `conv` (read in the same transaction): the message, then the count and
/// `updated_at` (moved to `at`, never backwards).
async fn append(
    c: &mut Conn,
    conv: &mut Conversation,
    new: &NewConversationMessage,
    at: Timestamp,
) -> StoreResult<ConversationMessage> {
    let id = ConversationMessageId::from_uuid(uuid::Uuid::now_v7());
    let m = ConversationMessage::stored(id, conv, new);
    insert_message(c, &m).await?;
    conv.message_count = conv.message_count.saturating_add(1);
    conv.updated_at = conv.updated_at.max(at);
    save(c, conv).await?;
    Ok(m)
}

/// The conversation of the first row of a one-column `conversation_id` query, if any.
async fn first_conversation_id(
    c: &mut Conn,
    q: sqlx::query::Query<'_, crate::codec::Db, crate::codec::Args>,
) -> StoreResult<Option<ConversationId>> {
    let row = q.fetch_optional(c).await.map_err(db)?;
    row.map(|r| get_uuid(&r, "conversation_id").map(ConversationId::from_uuid))
        .transpose()
}

/// The conversation holding an earlier copy of `m`: same mailbox key in the channel, or an
/// inbound message of the channel with the same non-empty Message-ID.
async fn duplicate_of(
    c: &mut Conn,
    tenant: TenantId,
    channel: ChannelId,
    m: &NewConversationMessage,
) -> StoreResult<Option<ConversationId>> {
    let by_key = "SELECT conversation_id FROM conversation_messages \
                  WHERE tenant_id = $1 AND channel_id = $2 AND mailbox_key = $3";
    let q = sqlx::query(by_key)
        .bind(key(tenant.0))
        .bind(key(channel.0))
        .bind(m.mailbox_key.as_deref());
    if let Some(hit) = first_conversation_id(c, q).await? {
        return Ok(Some(hit));
    }
    let Some(message_id) = m.nonempty_message_id() else {
        return Ok(None);
    };
    let by_id = "SELECT conversation_id FROM conversation_messages \
                 WHERE tenant_id = $1 AND channel_id = $2 AND message_id = $3 \
                 AND direction = 'inbound' LIMIT 1";
    let q = sqlx::query(by_id)
        .bind(key(tenant.0))
        .bind(key(channel.0))
        .bind(message_id);
    first_conversation_id(c, q).await
}

/// The conversation of the channel holding a message with the first of `refs` that any holds.
async fn by_thread_refs(
    c: &mut Conn,
    tenant: TenantId,
    channel: ChannelId,
    refs: &[String],
) -> StoreResult<Option<ConversationId>> {
    let sql = "SELECT conversation_id FROM conversation_messages \
               WHERE tenant_id = $1 AND channel_id = $2 AND message_id = $3 \
               ORDER BY created_at, id LIMIT 1";
    let usable = refs
        .iter()
        .take(MAX_THREAD_REFS)
        .filter(|r| validate::message_id("thread_refs", r).is_ok());
    for r in usable {
        let q = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(channel.0))
            .bind(r.as_str());
        if let Some(hit) = first_conversation_id(c, q).await? {
            return Ok(Some(hit));
        }
    }
    Ok(None)
}

/// The conversation of the channel with this token (read leniently), if any.
async fn by_token(
    c: &mut Conn,
    tenant: TenantId,
    channel: ChannelId,
    token: Option<&str>,
) -> StoreResult<Option<Conversation>> {
    let Some(token) = token.and_then(parse_conversation_token) else {
        return Ok(None);
    };
    let sql = concat!(
        "SELECT ",
        conversation_cols!(),
        " FROM conversations WHERE tenant_id = $1 AND channel_id = $2 AND token = $3",
        for_update!()
    );
    let row = sqlx::query(sql)
        .bind(key(tenant.0))
        .bind(key(channel.0))
        .bind(token)
        .fetch_optional(c)
        .await
        .map_err(db)?;
    row.as_ref().map(conversation_from_row).transpose()
}

/// The existing conversation an email belongs to: by its thread refs, then by its token.
async fn thread_of(
    c: &mut Conn,
    tenant: TenantId,
    channel: ChannelId,
    email: &InboundEmail,
) -> StoreResult<Option<Conversation>> {
    if let Some(id) = by_thread_refs(c, tenant, channel, &email.thread_refs).await? {
        return locked(c, tenant, id).await.map(Some);
    }
    by_token(c, tenant, channel, email.token.as_deref()).await
}

/// 40 random bits for a token.
fn random_token_bits() -> [u8; 5] {
    let b = uuid::Uuid::new_v4().into_bytes();
    [b[0], b[1], b[2], b[3], b[4]]
}

/// A new open conversation (no message yet) for `email` on `channel`, with a fresh token.
async fn create(
    c: &mut Conn,
    channel: &ChannelConfig,
    email: &InboundEmail,
    now: Timestamp,
) -> StoreResult<Conversation> {
    for _ in 0..TOKEN_ATTEMPTS {
        let conv = Conversation {
            id: ConversationId::from_uuid(uuid::Uuid::now_v7()),
            tenant_id: channel.tenant_id,
            channel_id: channel.id,
            kind: channel.kind,
            customer: email.customer.clone(),
            customer_name: email.customer_name.clone(),
            subject: email.subject.clone(),
            token: conversation_token(random_token_bits()),
            state: ConversationState::Open,
            queue_id: None,
            agent_id: None,
            created_at: now,
            updated_at: now,
            message_count: 0,
        };
        if insert_conversation(c, &conv).await? {
            return Ok(conv);
        }
    }
    Err(StoreError::Backend {
        message: format!("no free conversation token after {TOKEN_ATTEMPTS} draws"),
        retryable: true,
    })
}

/// Stores one email of a batch (see [`ConversationRepo::store_inbound_emails`]).
async fn store_one(
    c: &mut Conn,
    channel: &ChannelConfig,
    email: &InboundEmail,
    now: Timestamp,
) -> StoreResult<StoredInbound> {
    let (tenant, id) = (channel.tenant_id, channel.id);
    if let Some(conversation_id) = duplicate_of(c, tenant, id, &email.message).await? {
        return Ok(StoredInbound {
            conversation_id,
            message_id: None,
            threading: Threading::Duplicate,
        });
    }
    let (mut conv, threading) = match thread_of(c, tenant, id, email).await? {
        Some(mut conv) if conv.state == ConversationState::Closed => {
            conv.state = ConversationState::Open;
            (conv, Threading::Reopened)
        }
        Some(conv) => (conv, Threading::Appended),
        None => (create(c, channel, email, now).await?, Threading::New),
    };
    let m = append(c, &mut conv, &email.message, now).await?;
    Ok(StoredInbound {
        conversation_id: conv.id,
        message_id: Some(m.id),
        threading,
    })
}

/// Checks every email (errors under `emails[i].`) and the cursor before anything is written.
fn validate_batch(emails: &[InboundEmail], cursor: &Value) -> StoreResult<()> {
    for (i, email) in emails.iter().enumerate() {
        email
            .validate()
            .map_err(|e| e.within(&format!("emails[{i}]")))?;
    }
    validate::mailbox_cursor(cursor)
}

async fn upsert_cursor(
    c: &mut Conn,
    channel: &ChannelConfig,
    cursor: &Value,
    now: Timestamp,
) -> StoreResult<()> {
    let sql = "INSERT INTO mailbox_cursors (channel_id, tenant_id, cursor, updated_at) \
               VALUES ($1, $2, $3, $4) ON CONFLICT (channel_id) DO UPDATE SET \
               cursor = excluded.cursor, updated_at = excluded.updated_at";
    sqlx::query(sql)
        .bind(key(channel.id.0))
        .bind(key(channel.tenant_id.0))
        .bind(json(cursor))
        .bind(now.as_millis())
        .execute(c)
        .await
        .map_err(write_err(
            &format!("cursor of channel {}", channel.id),
            &format!("channel {}", channel.id),
        ))?;
    Ok(())
}

/// Reads a conversation, applies `change` and, when it changed anything, moves `updated_at`
/// to `now` (never backwards) and writes it, all in one transaction.
async fn change(
    store: &Backend,
    tenant: TenantId,
    id: ConversationId,
    now: Timestamp,
    change: impl FnOnce(&mut Conversation),
) -> StoreResult<Conversation> {
    let mut tx = store.tx().await?;
    let mut conv = locked(&mut tx, tenant, id).await?;
    let before = conv.clone();
    change(&mut conv);
    if conv == before {
        return Ok(conv);
    }
    conv.updated_at = conv.updated_at.max(now);
    save(&mut tx, &conv).await?;
    tx.commit().await.map_err(db)?;
    Ok(conv)
}

/// The queue filter as a JSON array of ids as text (how both backends compare them).
fn queue_filter(queues: Option<&[QueueId]>) -> Option<Value> {
    let ids = queues?.iter().map(|q| Value::String(q.to_string()));
    Some(Value::Array(ids.collect()))
}

#[async_trait::async_trait]
impl ConversationRepo for Backend {
    async fn store_inbound_emails(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        emails: &[InboundEmail],
        cursor: &Value,
        now: Timestamp,
    ) -> StoreResult<Vec<StoredInbound>> {
        validate_batch(emails, cursor)?;
        let mut tx = self.tx().await?;
        let ch = channels::by_id(&mut tx, tenant, channel).await?;
        let mut stored = Vec::with_capacity(emails.len());
        for email in emails {
            stored.push(store_one(&mut tx, &ch, email, now).await?);
        }
        upsert_cursor(&mut tx, &ch, cursor, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn mailbox_cursor(
        &self,
        tenant: TenantId,
        channel: ChannelId,
    ) -> StoreResult<Option<Value>> {
        let sql = "SELECT cursor FROM mailbox_cursors WHERE tenant_id = $1 AND channel_id = $2";
        let row = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(channel.0))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        row.map(|r| get_json(&r, "cursor")).transpose()
    }

    async fn unacknowledged_keys(
        &self,
        tenant: TenantId,
        channel: ChannelId,
    ) -> StoreResult<Vec<String>> {
        let sql = "SELECT mailbox_key FROM conversation_messages \
                   WHERE tenant_id = $1 AND channel_id = $2 \
                   AND mailbox_key IS NOT NULL AND NOT acknowledged \
                   ORDER BY created_at, id";
        let rows = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(channel.0))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.iter().map(|r| get(r, "mailbox_key")).collect()
    }

    async fn mark_acknowledged(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        keys: &[String],
    ) -> StoreResult<()> {
        let usable = keys.iter().filter(|k| validate::mailbox_key(k).is_ok());
        let keys = Value::Array(usable.map(|k| Value::String(k.clone())).collect());
        let sql = concat!(
            "UPDATE conversation_messages SET acknowledged = $3 \
             WHERE tenant_id = $1 AND channel_id = $2 AND NOT acknowledged \
             AND mailbox_key IN (SELECT value FROM ",
            json_texts!(),
            "($4))"
        );
        sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(channel.0))
            .bind(true)
            .bind(json(&keys))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn add_conversation_message(
        &self,
        tenant: TenantId,
        conversation_id: ConversationId,
        message: &NewConversationMessage,
    ) -> StoreResult<ConversationMessage> {
        message.validate()?;
        let mut tx = self.tx().await?;
        let mut conv = locked(&mut tx, tenant, conversation_id).await?;
        let m = append(&mut tx, &mut conv, message, message.created_at).await?;
        tx.commit().await.map_err(db)?;
        Ok(m)
    }

    async fn get_conversation(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> StoreResult<Conversation> {
        conversation(&mut *self.conn().await?, tenant, id).await
    }

    async fn list_conversations(
        &self,
        tenant: TenantId,
        filter: &ConversationFilter,
    ) -> StoreResult<Vec<Conversation>> {
        let sql = concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE tenant_id = $1 \
             AND ($2 IS NULL OR state = $2) \
             AND ($3 IS NULL OR CAST(queue_id AS TEXT) IN (SELECT value FROM ",
            json_texts!(),
            "($3))) AND ($4 IS NULL OR agent_id = $4) \
             ORDER BY updated_at DESC, id DESC LIMIT $5"
        );
        let rows = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(filter.state.map(ConversationState::as_str))
            .bind(queue_filter(filter.queue_ids.as_deref()).as_ref().map(json))
            .bind(filter.agent_id.map(|u| key(u.0)))
            .bind(to_i64(conversation_limit(filter.limit)))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        rows.iter().map(conversation_from_row).collect()
    }

    async fn conversation_messages(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> StoreResult<Vec<ConversationMessage>> {
        let sql = concat!(
            "SELECT ",
            message_cols!(),
            " FROM conversation_messages WHERE tenant_id = $1 AND conversation_id = $2 \
             ORDER BY created_at, id"
        );
        let mut c = self.conn().await?;
        let rows = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(id.0))
            .fetch_all(&mut *c)
            .await
            .map_err(db)?;
        if rows.is_empty() {
            conversation(&mut c, tenant, id).await?;
        }
        rows.iter().map(message_from_row).collect()
    }

    async fn get_conversation_message(
        &self,
        tenant: TenantId,
        id: ConversationMessageId,
    ) -> StoreResult<ConversationMessage> {
        let sql = concat!(
            "SELECT ",
            message_cols!(),
            " FROM conversation_messages WHERE tenant_id = $1 AND id = $2"
        );
        let row = sqlx::query(sql)
            .bind(key(tenant.0))
            .bind(key(id.0))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        message_from_row(&found(row, || format!("conversation message {id}"))?)
    }

    async fn set_conversation_queue(
        &self,
        tenant: TenantId,
        id: ConversationId,
        queue: Option<QueueId>,
        now: Timestamp,
    ) -> StoreResult<Conversation> {
        change(self, tenant, id, now, |c| c.queue_id = queue).await
    }

    async fn set_conversation_agent(
        &self,
        tenant: TenantId,
        id: ConversationId,
        agent: Option<UserId>,
        now: Timestamp,
    ) -> StoreResult<Conversation> {
        change(self, tenant, id, now, |c| c.agent_id = agent).await
    }

    async fn set_conversation_state(
        &self,
        tenant: TenantId,
        id: ConversationId,
        state: ConversationState,
        now: Timestamp,
    ) -> StoreResult<Conversation> {
        change(self, tenant, id, now, |c| c.state = state).await
    }
}
