use crate::fixtures::{assert_conflict, assert_invalid, assert_not_found, at, tenant, user};
use sb_store::{
    ChannelConfig, Conversation, ConversationFilter, ConversationState, InboundEmail,
    MessageDirection, NewConversationMessage, Store, StoredInbound, Threading,
    parse_conversation_token, validate,
};
use sb_types::{
    Channel, ChannelId, ConversationId, ConversationMessageId, QueueId, TenantId, Timestamp, UserId,
};
use serde_json::{Value, json};
use std::collections::HashSet;

const CUSTOMER: &str = "jane@example.com";
const SUPPORT: &str = "support@acme.example";

/// An email account of `tenant` named `name`.
async fn mailbox(s: &dyn Store, tenant: TenantId, name: &str) -> ChannelConfig {
    let settings = json!({"imap": {"host": "imap.acme.example"}});
    s.create_channel_config(tenant, Channel::Email, name, settings)
        .await
        .expect("create channel")
}

/// A fetched email with mailbox key `key` and Message-ID `<id>@mail.example`, sent `secs`
/// seconds after T0, that refers to nothing.
fn email(key: &str, id: &str, secs: i64) -> InboundEmail {
    InboundEmail {
        message: NewConversationMessage {
            direction: MessageDirection::Inbound,
            mailbox_key: Some(key.to_owned()),
            message_id: Some(mid(id)),
            sender: CUSTOMER.to_owned(),
            recipients: vec![SUPPORT.to_owned()],
            subject: format!("Order {id}"),
            body_text: format!("Hello,\r\nabout {id}.\r\n\tJane"),
            raw_file: Some(format!("mail/acme/{id}.eml")),
            attachments: json!([{"name": "invoice.pdf", "bytes": 12345}]),
            too_large: false,
            malformed: false,
            author: None,
            created_at: at(secs),
        },
        thread_refs: Vec::new(),
        token: None,
        customer: CUSTOMER.to_owned(),
        customer_name: "Jane Doe".to_owned(),
        subject: format!("Order {id}"),
    }
}

/// The Message-ID of test message `id`.
fn mid(id: &str) -> String {
    format!("{id}@mail.example")
}

/// `email` replying to the messages `refs` (test ids), most relevant first.
fn reply(key: &str, id: &str, secs: i64, refs: &[&str]) -> InboundEmail {
    let mut e = email(key, id, secs);
    e.thread_refs = refs.iter().map(|r| mid(r)).collect();
    e
}

/// An outbound message (or note) by `author` with Message-ID `<id>@mail.example`.
fn outbound(
    direction: MessageDirection,
    id: &str,
    author: UserId,
    secs: i64,
) -> NewConversationMessage {
    NewConversationMessage {
        direction,
        mailbox_key: None,
        message_id: (direction == MessageDirection::Outbound).then(|| mid(id)),
        sender: SUPPORT.to_owned(),
        recipients: vec![CUSTOMER.to_owned()],
        subject: format!("Re: {id}"),
        body_text: format!("Answer {id}"),
        raw_file: None,
        attachments: json!([]),
        too_large: false,
        malformed: false,
        author: Some(author),
        created_at: at(secs),
    }
}

/// Stores `emails` as one batch at `now` with cursor `{"uid": n}`, panicking on failure.
async fn store(
    s: &dyn Store,
    ch: &ChannelConfig,
    emails: &[InboundEmail],
    uid: u32,
    now: Timestamp,
) -> Vec<StoredInbound> {
    s.store_inbound_emails(ch.tenant_id, ch.id, emails, &json!({"uid": uid}), now)
        .await
        .expect("store inbound emails")
}

/// How each email of a batch was threaded.
fn threading(stored: &[StoredInbound]) -> Vec<Threading> {
    stored.iter().map(|s| s.threading).collect()
}

async fn get(s: &dyn Store, t: TenantId, id: ConversationId) -> Conversation {
    s.get_conversation(t, id).await.expect("get conversation")
}

/// The Message-IDs of a conversation's messages, oldest first.
async fn message_ids(s: &dyn Store, t: TenantId, id: ConversationId) -> Vec<Option<String>> {
    let messages = s.conversation_messages(t, id).await.expect("messages");
    messages.into_iter().map(|m| m.message_id).collect()
}

/// The ids `filter` lists, in order.
async fn listed(s: &dyn Store, t: TenantId, filter: ConversationFilter) -> Vec<ConversationId> {
    let got = s.list_conversations(t, &filter).await.expect("list");
    got.into_iter().map(|c| c.id).collect()
}

/// A first email opens a new conversation: open, of the channel's kind, with the email's
/// customer, name and subject, a generated token and ids, created and updated at `now`, one
/// message; the message reads back whole (by id and in the conversation) and unacknowledged.
pub async fn an_inbound_email_starts_a_conversation_that_reads_back(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let mut e = email("imap:7:1", "m1", 10);
    e.message.recipients = vec![SUPPORT.to_owned(), "sales@acme.example".to_owned()];
    e.customer_name = "Jäne Dœ — 日本".to_owned();
    let stored = store(s, &ch, std::slice::from_ref(&e), 1, at(60)).await;
    assert_eq!(threading(&stored), [Threading::New]);
    let conv = get(s, a.id, stored[0].conversation_id).await;
    let want = Conversation {
        id: stored[0].conversation_id,
        tenant_id: a.id,
        channel_id: ch.id,
        kind: Channel::Email,
        customer: CUSTOMER.to_owned(),
        customer_name: e.customer_name.clone(),
        subject: "Order m1".to_owned(),
        token: conv.token.clone(),
        state: ConversationState::Open,
        queue_id: None,
        agent_id: None,
        created_at: at(60),
        updated_at: at(60),
        message_count: 1,
    };
    assert_eq!(conv, want);
    assert_eq!(
        parse_conversation_token(&conv.token),
        Some(conv.token.clone())
    );
    let messages = s
        .conversation_messages(a.id, conv.id)
        .await
        .expect("messages");
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(Some(m.id), stored[0].message_id);
    assert_eq!(
        (m.conversation_id, m.tenant_id, m.channel_id),
        (conv.id, a.id, ch.id)
    );
    let n = &e.message;
    assert_eq!(m.direction, MessageDirection::Inbound);
    assert_eq!(
        (&m.mailbox_key, &m.message_id),
        (&n.mailbox_key, &n.message_id)
    );
    assert_eq!((&m.sender, &m.recipients), (&n.sender, &n.recipients));
    assert_eq!((&m.subject, &m.body_text), (&n.subject, &n.body_text));
    assert_eq!((&m.raw_file, &m.attachments), (&n.raw_file, &n.attachments));
    assert_eq!((m.too_large, m.malformed, m.author), (false, false, None));
    assert_eq!((m.created_at, m.acknowledged), (at(10), false));
    let one = s
        .get_conversation_message(a.id, m.id)
        .await
        .expect("get message");
    assert_eq!(&one, m);
    for id in [conv.id.as_uuid(), m.id.as_uuid()] {
        assert_eq!(id.get_version_num(), 7, "ids are UUID v7");
    }
}

/// A reply whose `In-Reply-To` names a stored message joins that message's conversation, which
/// stays open and counts it; `updated_at` follows the batch's `now`.
pub async fn replies_thread_by_in_reply_to(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let first = store(s, &ch, &[email("k1", "m1", 10)], 1, at(60)).await;
    let other = store(s, &ch, &[email("k2", "m2", 20)], 2, at(70)).await;
    let second = store(s, &ch, &[reply("k3", "m3", 30, &["m1"])], 3, at(80)).await;
    assert_eq!(threading(&second), [Threading::Appended]);
    let id = first[0].conversation_id;
    assert_eq!(second[0].conversation_id, id);
    assert_ne!(other[0].conversation_id, id);
    let conv = get(s, a.id, id).await;
    assert_eq!((conv.message_count, conv.updated_at), (2, at(80)));
    assert_eq!(
        (conv.created_at, conv.state),
        (at(60), ConversationState::Open)
    );
    assert_eq!(
        message_ids(s, a.id, id).await,
        [Some(mid("m1")), Some(mid("m3"))]
    );
    let third = store(s, &ch, &[reply("k4", "m4", 40, &["m3"])], 4, at(50)).await;
    assert_eq!(
        third[0].conversation_id, id,
        "a reply to the reply joins too"
    );
    assert_eq!(
        get(s, a.id, id).await.updated_at,
        at(80),
        "updated_at never moves backwards"
    );
}

/// Threading by `References`: refs that match nothing (or could match nothing) are skipped,
/// and of several matching refs the earliest in the list wins; a ref may name an outbound
/// message of ours. Refs of another channel match nothing there.
pub async fn replies_thread_by_references_earliest_ref_first(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let sales = mailbox(s, a.id, "sales").await;
    let one = store(s, &ch, &[email("k1", "m1", 10)], 1, at(60)).await[0].conversation_id;
    let two = store(s, &ch, &[email("k2", "m2", 20)], 2, at(60)).await[0].conversation_id;
    let agent = user(s, a.id, "1001").await;
    let ours = outbound(MessageDirection::Outbound, "out1", agent.id, 30);
    s.add_conversation_message(a.id, two, &ours)
        .await
        .expect("outbound");
    let mut refs = reply("k3", "m3", 40, &["nope", "m2", "m1"]);
    refs.thread_refs.insert(0, String::new());
    refs.thread_refs.insert(1, "bad\u{0}ref".to_owned());
    let joined = store(s, &ch, &[refs], 3, at(70)).await;
    assert_eq!(threading(&joined), [Threading::Appended]);
    assert_eq!(joined[0].conversation_id, two);
    let to_ours = store(s, &ch, &[reply("k4", "m4", 50, &["out1", "m1"])], 4, at(70)).await;
    assert_eq!(
        to_ours[0].conversation_id, two,
        "a reply to our outbound message"
    );
    let first = store(s, &ch, &[reply("k5", "m5", 60, &["m1", "m2"])], 5, at(70)).await;
    assert_eq!(first[0].conversation_id, one);
    let elsewhere = store(s, &sales, &[reply("k1", "m6", 70, &["m1"])], 1, at(70)).await;
    assert_eq!(threading(&elsewhere), [Threading::New]);
    assert_ne!(elsewhere[0].conversation_id, one);
}

/// A reply without usable refs joins the conversation whose token its subject holds (read
/// leniently); a token of another channel, or that is no token, starts a new one. Refs win over
/// the token.
pub async fn replies_thread_by_token(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let sales = mailbox(s, a.id, "sales").await;
    let one = store(s, &ch, &[email("k1", "m1", 10)], 1, at(60)).await[0].conversation_id;
    let two = store(s, &ch, &[email("k2", "m2", 20)], 2, at(60)).await[0].conversation_id;
    let token = get(s, a.id, one).await.token;
    let mut by_token = email("k3", "m3", 30);
    by_token.token = Some(token.to_lowercase());
    let mut refs_win = reply("k4", "m4", 40, &["m2"]);
    refs_win.token = Some(token.clone());
    let stored = store(s, &ch, &[by_token, refs_win], 3, at(70)).await;
    assert_eq!(
        threading(&stored),
        [Threading::Appended, Threading::Appended]
    );
    assert_eq!(stored[0].conversation_id, one);
    assert_eq!(stored[1].conversation_id, two);
    let mut other_channel = email("k1", "m5", 50);
    other_channel.token = Some(token.clone());
    let mut not_a_token = email("k5", "m6", 60);
    not_a_token.token = Some("SB-nope".to_owned());
    let elsewhere = store(s, &sales, &[other_channel], 1, at(80)).await;
    let bogus = store(s, &ch, &[not_a_token], 4, at(80)).await;
    assert_eq!(threading(&elsewhere), [Threading::New]);
    assert_eq!(threading(&bogus), [Threading::New]);
    assert_eq!(get(s, a.id, one).await.message_count, 2);
}

/// Emails earlier in a batch count: a reply (by ref or by token) to a message of the same batch
/// joins its conversation.
pub async fn a_reply_in_the_same_batch_joins_its_conversation(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let batch = [
        email("k1", "m1", 10),
        email("k2", "m2", 11),
        reply("k3", "m3", 12, &["m1"]),
        reply("k4", "m4", 13, &["m3"]),
    ];
    let stored = store(s, &ch, &batch, 4, at(60)).await;
    use Threading::{Appended, New};
    assert_eq!(threading(&stored), [New, New, Appended, Appended]);
    let id = stored[0].conversation_id;
    assert_eq!(stored[2].conversation_id, id);
    assert_eq!(stored[3].conversation_id, id);
    assert_eq!(get(s, a.id, id).await.message_count, 3);
    let token = get(s, a.id, stored[1].conversation_id).await.token;
    let mut by_token = email("k6", "m6", 15);
    by_token.token = Some(token);
    let batch = [email("k5", "m5", 14), by_token];
    let stored2 = store(s, &ch, &batch, 6, at(70)).await;
    assert_eq!(threading(&stored2), [New, Appended]);
    assert_eq!(stored2[1].conversation_id, stored[1].conversation_id);
}

/// An email whose mailbox key is stored (in an earlier batch or earlier in the same batch), or
/// an inbound message of the channel with the same non-empty Message-ID, is a `Duplicate`:
/// nothing is written, and it points at the stored copy's conversation. An outbound message
/// with that Message-ID, the same key or Message-ID on another channel, or an empty
/// Message-ID do not make a duplicate.
pub async fn duplicates_by_mailbox_key_and_by_message_id_store_nothing(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let sales = mailbox(s, a.id, "sales").await;
    let first = store(s, &ch, &[email("k1", "m1", 10)], 1, at(60)).await;
    let id = first[0].conversation_id;
    let batch = [
        email("k1", "other", 20),
        email("k2", "m1", 21),
        email("k3", "m3", 22),
        email("k3", "m3-again", 23),
    ];
    let stored = store(s, &ch, &batch, 3, at(70)).await;
    use Threading::{Duplicate, New};
    assert_eq!(threading(&stored), [Duplicate, Duplicate, New, Duplicate]);
    assert_eq!(
        (stored[0].conversation_id, stored[0].message_id),
        (id, None)
    );
    assert_eq!(
        (stored[1].conversation_id, stored[1].message_id),
        (id, None)
    );
    assert_eq!(stored[3].conversation_id, stored[2].conversation_id);
    assert_eq!(stored[3].message_id, None);
    assert_eq!(get(s, a.id, id).await.message_count, 1);
    assert_eq!(get(s, a.id, id).await.updated_at, at(60));

    let agent = user(s, a.id, "1001").await;
    let ours = outbound(MessageDirection::Outbound, "out1", agent.id, 30);
    s.add_conversation_message(a.id, id, &ours)
        .await
        .expect("outbound");
    let echo = store(s, &ch, &[email("k4", "out1", 40)], 4, at(80)).await;
    assert_eq!(threading(&echo), [New], "only inbound copies count");
    let mut no_id = [email("k5", "x", 50), email("k6", "x", 51)];
    for e in &mut no_id {
        e.message.message_id = Some(String::new());
    }
    no_id[1].message.message_id = None;
    assert_eq!(
        threading(&store(s, &ch, &no_id, 6, at(90)).await),
        [New, New]
    );
    let other = store(s, &sales, &[email("k1", "m1", 10)], 1, at(90)).await;
    assert_eq!(threading(&other), [New], "keys and ids are per channel");
    assert_eq!(
        s.unacknowledged_keys(a.id, ch.id).await.expect("keys"),
        ["k1", "k3", "k4", "k5", "k6"]
    );
}

/// A reply to a closed conversation reopens it (`Reopened`), keeping its last agent and queue;
/// a second reply in the same batch is `Appended`.
pub async fn a_reply_reopens_a_closed_conversation(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let agent = user(s, a.id, "1001").await;
    let id = store(s, &ch, &[email("k1", "m1", 10)], 1, at(60)).await[0].conversation_id;
    let queue = QueueId::from_u128(5);
    s.set_conversation_queue(a.id, id, Some(queue), at(61))
        .await
        .expect("queue");
    s.set_conversation_agent(a.id, id, Some(agent.id), at(62))
        .await
        .expect("agent");
    let closed = s
        .set_conversation_state(a.id, id, ConversationState::Closed, at(63))
        .await
        .expect("close");
    assert_eq!(
        (closed.state, closed.updated_at),
        (ConversationState::Closed, at(63))
    );
    let batch = [
        reply("k2", "m2", 70, &["m1"]),
        reply("k3", "m3", 71, &["m2"]),
    ];
    let stored = store(s, &ch, &batch, 3, at(100)).await;
    assert_eq!(
        threading(&stored),
        [Threading::Reopened, Threading::Appended]
    );
    let conv = get(s, a.id, id).await;
    assert_eq!(conv.state, ConversationState::Open);
    assert_eq!(
        (conv.queue_id, conv.agent_id),
        (Some(queue), Some(agent.id))
    );
    assert_eq!((conv.message_count, conv.updated_at), (3, at(100)));
    s.set_conversation_state(a.id, id, ConversationState::Closed, at(110))
        .await
        .expect("close again");
    let mut by_token = email("k4", "m4", 120);
    by_token.token = Some(conv.token.clone());
    let again = store(s, &ch, &[by_token], 4, at(120)).await;
    assert_eq!(threading(&again), [Threading::Reopened]);
}

/// The cursor is stored with its batch (also with an empty batch), read back as given, replaced
/// by the next, per channel; `None` before the first batch.
pub async fn the_cursor_is_stored_with_its_batch(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let sales = mailbox(s, a.id, "sales").await;
    assert_eq!(s.mailbox_cursor(a.id, ch.id).await.expect("cursor"), None);
    let cursor = json!({"uidvalidity": 7, "uid": 42, "seen": ["a", "b"], "é": null});
    s.store_inbound_emails(a.id, ch.id, &[email("k1", "m1", 10)], &cursor, at(60))
        .await
        .expect("store");
    assert_eq!(
        s.mailbox_cursor(a.id, ch.id).await.expect("cursor"),
        Some(cursor)
    );
    assert_eq!(s.mailbox_cursor(a.id, sales.id).await.expect("other"), None);
    s.store_inbound_emails(a.id, ch.id, &[], &json!("opaque"), at(70))
        .await
        .expect("empty batch");
    assert_eq!(
        s.mailbox_cursor(a.id, ch.id).await.expect("cursor"),
        Some(json!("opaque"))
    );
    store(s, &sales, &[], 9, at(80)).await;
    assert_eq!(
        s.mailbox_cursor(a.id, sales.id).await.expect("cursor"),
        Some(json!({"uid": 9}))
    );
    assert_eq!(
        s.mailbox_cursor(a.id, ch.id).await.expect("cursor"),
        Some(json!("opaque"))
    );
}

/// What a failed batch leaves: the conversations, keys and cursor as they were.
async fn snapshot(
    s: &dyn Store,
    t: TenantId,
    ch: ChannelId,
) -> (Vec<Conversation>, Vec<String>, Option<Value>) {
    let convs = s
        .list_conversations(t, &ConversationFilter::default())
        .await
        .expect("list");
    let keys = s.unacknowledged_keys(t, ch).await.expect("keys");
    (convs, keys, s.mailbox_cursor(t, ch).await.expect("cursor"))
}

/// A batch with one invalid email (or an invalid cursor) is `Invalid` on that email's field
/// path and stores nothing: no email of the batch, not even the cursor. The bounds themselves
/// are accepted.
pub async fn a_batch_with_one_invalid_email_stores_nothing(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let first = store(s, &ch, &[email("k1", "m1", 10)], 1, at(60)).await;
    let before = snapshot(s, a.id, ch.id).await;
    let (aid, cid) = (a.id, ch.id);
    let try_batch = |f: fn(&mut InboundEmail)| {
        let mut bad = reply("k3", "m3", 30, &["m1"]);
        f(&mut bad);
        let batch = vec![reply("k2", "m2", 20, &["m1"]), bad, email("k4", "m4", 40)];
        async move {
            s.store_inbound_emails(aid, cid, &batch, &json!({"uid": 4}), at(90))
                .await
        }
    };
    assert_invalid(
        try_batch(|e| e.message.body_text = "b".repeat(validate::MAX_BODY_TEXT_BYTES + 1)).await,
        "emails[1].message.body_text",
    );
    assert_invalid(
        try_batch(|e| e.message.body_text = "a\u{0}b".into()).await,
        "emails[1].message.body_text",
    );
    assert_invalid(
        try_batch(|e| e.message.mailbox_key = None).await,
        "emails[1].message.mailbox_key",
    );
    assert_invalid(
        try_batch(|e| e.message.mailbox_key = Some("k".repeat(301))).await,
        "emails[1].message.mailbox_key",
    );
    assert_invalid(
        try_batch(|e| e.message.direction = MessageDirection::Outbound).await,
        "emails[1].message.mailbox_key",
    );
    assert_invalid(
        try_batch(|e| e.message.subject = "a\nb".into()).await,
        "emails[1].message.subject",
    );
    assert_invalid(
        try_batch(|e| e.message.sender = "x".repeat(321)).await,
        "emails[1].message.sender",
    );
    assert_invalid(
        try_batch(|e| e.message.recipients.push(String::new())).await,
        "emails[1].message.recipients[1]",
    );
    assert_invalid(
        try_batch(|e| e.message.raw_file = Some("../etc/passwd".into())).await,
        "emails[1].message.raw_file",
    );
    assert_invalid(
        try_batch(|e| e.message.attachments = json!({"not": "a list"})).await,
        "emails[1].message.attachments",
    );
    assert_invalid(
        try_batch(|e| e.message.message_id = Some("m".repeat(999))).await,
        "emails[1].message.message_id",
    );
    assert_invalid(
        try_batch(|e| e.customer.clear()).await,
        "emails[1].customer",
    );
    assert_invalid(
        try_batch(|e| e.customer_name = "n".repeat(201)).await,
        "emails[1].customer_name",
    );
    assert_invalid(
        try_batch(|e| e.subject = "s".repeat(999)).await,
        "emails[1].subject",
    );
    let huge = json!({"seen": "x".repeat(validate::MAX_METADATA_BYTES)});
    let r = s
        .store_inbound_emails(a.id, ch.id, &[email("k2", "m2", 20)], &huge, at(90))
        .await;
    assert_invalid(r, "cursor");
    let nul = s
        .store_inbound_emails(
            a.id,
            ch.id,
            &[email("k2", "m2", 20)],
            &json!({"k": "\u{0}"}),
            at(90),
        )
        .await;
    assert_invalid(nul, "cursor");
    assert_eq!(snapshot(s, a.id, ch.id).await, before, "nothing stored");
    assert_eq!(
        get(s, a.id, first[0].conversation_id).await.message_count,
        1
    );

    let at_bounds = try_batch(|e| {
        e.message.body_text = "b".repeat(validate::MAX_BODY_TEXT_BYTES);
        e.message.mailbox_key = Some("é".repeat(300));
        e.message.subject = "é".repeat(998);
        e.message.message_id = Some("m".repeat(998));
        e.customer_name = "n".repeat(200);
        e.subject = " ".repeat(998);
    })
    .await
    .expect("at the bounds");
    assert_eq!(threading(&at_bounds).len(), 3);
    let m = at_bounds[1].message_id.expect("stored");
    let stored = s.get_conversation_message(a.id, m).await.expect("message");
    assert_eq!(stored.body_text.len(), validate::MAX_BODY_TEXT_BYTES);
    assert_eq!(
        s.mailbox_cursor(a.id, ch.id).await.expect("cursor"),
        Some(json!({"uid": 4}))
    );
}

/// Stored inbound messages wait for acknowledgement, oldest first, per channel; marking some
/// (unknown and odd keys ignored) leaves the others; another tenant can neither see nor mark
/// them; outbound messages and notes have no key.
pub async fn acknowledgements_are_tracked_per_channel(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let ch = mailbox(s, a.id, "support").await;
    let sales = mailbox(s, a.id, "sales").await;
    let batch = [
        email("k3", "m3", 30),
        email("k1", "m1", 10),
        email("k2", "m2", 20),
    ];
    let stored = store(s, &ch, &batch, 3, at(60)).await;
    store(s, &sales, &[email("k1", "s1", 5)], 1, at(60)).await;
    let agent = user(s, a.id, "1001").await;
    let note = outbound(MessageDirection::Note, "n1", agent.id, 40);
    s.add_conversation_message(a.id, stored[0].conversation_id, &note)
        .await
        .expect("note");
    assert_eq!(
        s.unacknowledged_keys(a.id, ch.id).await.expect("keys"),
        ["k1", "k2", "k3"]
    );
    let odd = [
        "k2".to_owned(),
        "unknown".to_owned(),
        String::new(),
        "a\u{0}".to_owned(),
    ];
    s.mark_acknowledged(b.id, ch.id, &odd)
        .await
        .expect("other tenant: ignored");
    assert!(
        s.unacknowledged_keys(b.id, ch.id)
            .await
            .expect("keys")
            .is_empty()
    );
    assert_eq!(
        s.unacknowledged_keys(a.id, ch.id).await.expect("keys"),
        ["k1", "k2", "k3"]
    );
    s.mark_acknowledged(a.id, ch.id, &odd).await.expect("mark");
    assert_eq!(
        s.unacknowledged_keys(a.id, ch.id).await.expect("keys"),
        ["k1", "k3"]
    );
    s.mark_acknowledged(a.id, ch.id, &["k1".to_owned(), "k2".to_owned()])
        .await
        .expect("mark again");
    s.mark_acknowledged(a.id, ch.id, &[])
        .await
        .expect("nothing");
    assert_eq!(
        s.unacknowledged_keys(a.id, ch.id).await.expect("keys"),
        ["k3"]
    );
    assert_eq!(
        s.unacknowledged_keys(a.id, sales.id).await.expect("keys"),
        ["k1"]
    );
    let m = stored[1].message_id.expect("stored");
    assert!(
        s.get_conversation_message(a.id, m)
            .await
            .expect("get")
            .acknowledged
    );
    let again = store(s, &ch, &[email("k1", "m1", 10)], 4, at(70)).await;
    assert_eq!(
        threading(&again),
        [Threading::Duplicate],
        "acknowledged is still stored"
    );
}

/// Another tenant's conversations, messages and channels are `NotFound` (to read, list messages
/// of, add to, route, assign, close, or store mail into) or empty (lists, cursors, keys).
pub async fn conversations_are_per_tenant(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let ch = mailbox(s, a.id, "support").await;
    let theirs = mailbox(s, b.id, "support").await;
    let stored = store(s, &ch, &[email("k1", "m1", 10)], 1, at(60)).await;
    let (id, m) = (
        stored[0].conversation_id,
        stored[0].message_id.expect("stored"),
    );
    assert_not_found(s.get_conversation(b.id, id).await);
    assert_not_found(s.conversation_messages(b.id, id).await);
    assert_not_found(s.get_conversation_message(b.id, m).await);
    let agent = user(s, b.id, "1001").await;
    let note = outbound(MessageDirection::Note, "n1", agent.id, 20);
    assert_not_found(s.add_conversation_message(b.id, id, &note).await);
    assert_not_found(s.set_conversation_queue(b.id, id, None, at(70)).await);
    assert_not_found(
        s.set_conversation_agent(b.id, id, Some(agent.id), at(70))
            .await,
    );
    let closed = ConversationState::Closed;
    assert_not_found(s.set_conversation_state(b.id, id, closed, at(70)).await);
    let into_theirs = s
        .store_inbound_emails(
            a.id,
            theirs.id,
            &[email("k9", "m9", 10)],
            &json!({}),
            at(70),
        )
        .await;
    assert_not_found(into_theirs);
    assert_not_found(
        s.store_inbound_emails(b.id, ch.id, &[], &json!({}), at(70))
            .await,
    );
    assert!(
        listed(s, b.id, ConversationFilter::default())
            .await
            .is_empty()
    );
    assert_eq!(s.mailbox_cursor(b.id, ch.id).await.expect("cursor"), None);
    assert_eq!(
        s.mailbox_cursor(a.id, theirs.id).await.expect("cursor"),
        None
    );
    assert!(
        s.unacknowledged_keys(b.id, ch.id)
            .await
            .expect("keys")
            .is_empty()
    );
    let conv = get(s, a.id, id).await;
    assert_eq!(
        (conv.message_count, conv.state),
        (1, ConversationState::Open)
    );
    let ghost = ConversationId::from_u128(1);
    assert_not_found(s.get_conversation(a.id, ghost).await);
    assert_not_found(s.conversation_messages(a.id, ghost).await);
    assert_not_found(s.add_conversation_message(a.id, ghost, &note).await);
    assert_not_found(
        s.get_conversation_message(a.id, ConversationMessageId::from_u128(1))
            .await,
    );
    assert_not_found(
        s.store_inbound_emails(a.id, ChannelId::from_u128(1), &[], &json!({}), at(70))
            .await,
    );
    // Tokens are per tenant: another tenant's token threads nothing here.
    let mut by_token = email("k1", "m2", 30);
    by_token.token = Some(conv.token.clone());
    let elsewhere = store(s, &theirs, &[by_token], 1, at(80)).await;
    assert_eq!(threading(&elsewhere), [Threading::New]);
}

/// The list: most recently updated first (ties by id, descending), filtered by state, queues
/// (any of them; an empty list gives nothing) and agent, together; `limit` clamped to 1..=200.
pub async fn conversations_list_by_filter_most_recently_updated_first(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let mut ids = Vec::new();
    for (n, secs) in [(1, 30), (2, 10), (3, 20), (4, 20)] {
        let key = format!("k{n}");
        let stored = store(s, &ch, &[email(&key, &key, secs)], n, at(secs)).await;
        ids.push(stored[0].conversation_id);
    }
    let (q1, q2) = (QueueId::from_u128(1), QueueId::from_u128(2));
    let agent = UserId::from_u128(7);
    s.set_conversation_queue(a.id, ids[0], Some(q1), at(5))
        .await
        .expect("q");
    s.set_conversation_queue(a.id, ids[1], Some(q2), at(5))
        .await
        .expect("q");
    s.set_conversation_queue(a.id, ids[2], Some(q1), at(5))
        .await
        .expect("q");
    s.set_conversation_agent(a.id, ids[2], Some(agent), at(5))
        .await
        .expect("agent");
    s.set_conversation_state(a.id, ids[3], ConversationState::Closed, at(5))
        .await
        .expect("close");
    let tie = if ids[2].as_uuid() > ids[3].as_uuid() {
        [ids[2], ids[3]]
    } else {
        [ids[3], ids[2]]
    };
    let all = [ids[0], tie[0], tie[1], ids[1]];
    let f = ConversationFilter::default;
    assert_eq!(listed(s, a.id, f()).await, all);
    assert_eq!(
        listed(s, a.id, ConversationFilter { limit: 2, ..f() }).await,
        all[..2]
    );
    assert_eq!(
        listed(s, a.id, ConversationFilter { limit: 0, ..f() }).await,
        all[..1]
    );
    let open = Some(ConversationState::Open);
    let closed = Some(ConversationState::Closed);
    let open_ids: Vec<_> = all.iter().copied().filter(|i| *i != ids[3]).collect();
    assert_eq!(
        listed(s, a.id, ConversationFilter { state: open, ..f() }).await,
        open_ids
    );
    assert_eq!(
        listed(
            s,
            a.id,
            ConversationFilter {
                state: closed,
                ..f()
            }
        )
        .await,
        [ids[3]]
    );
    let in_q1 = ConversationFilter {
        queue_ids: Some(vec![q1]),
        ..f()
    };
    assert_eq!(listed(s, a.id, in_q1).await, [ids[0], ids[2]]);
    let in_both = ConversationFilter {
        queue_ids: Some(vec![q2, q1, QueueId::from_u128(9)]),
        ..f()
    };
    assert_eq!(listed(s, a.id, in_both).await, [ids[0], ids[2], ids[1]]);
    assert!(
        listed(
            s,
            a.id,
            ConversationFilter {
                queue_ids: Some(vec![]),
                ..f()
            }
        )
        .await
        .is_empty()
    );
    let mine = ConversationFilter {
        agent_id: Some(agent),
        ..f()
    };
    assert_eq!(listed(s, a.id, mine).await, [ids[2]]);
    let mine_closed = ConversationFilter {
        agent_id: Some(agent),
        state: closed,
        ..f()
    };
    assert!(listed(s, a.id, mine_closed).await.is_empty());
    let mine_in_q2 = ConversationFilter {
        agent_id: Some(agent),
        queue_ids: Some(vec![q2]),
        ..f()
    };
    assert!(listed(s, a.id, mine_in_q2).await.is_empty());

    let batch: Vec<InboundEmail> = (0..205)
        .map(|n| email(&format!("bulk{n}"), &format!("bulk{n}"), 100))
        .collect();
    store(s, &ch, &batch, 300, at(100)).await;
    let most = listed(
        s,
        a.id,
        ConversationFilter {
            limit: u32::MAX,
            ..f()
        },
    )
    .await;
    assert_eq!(most.len(), 200);
    assert!(
        !most.contains(&ids[0]),
        "the least recently updated are cut"
    );
}

/// Agents add outbound messages and notes: stored whole with their author, counted, moving
/// `updated_at` to the message's time (never backwards), never reopening a closed conversation;
/// a mailbox key is for inbound messages only, and an inbound one already stored is `Conflict`.
/// A customer's reply to our message threads by its Message-ID.
pub async fn agents_add_outbound_messages_and_notes(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let agent = user(s, a.id, "1001").await;
    let id = store(s, &ch, &[email("k1", "m1", 10)], 1, at(60)).await[0].conversation_id;
    let out = outbound(MessageDirection::Outbound, "out1", agent.id, 100);
    let sent = s
        .add_conversation_message(a.id, id, &out)
        .await
        .expect("outbound");
    assert_eq!(
        (sent.conversation_id, sent.tenant_id, sent.channel_id),
        (id, a.id, ch.id)
    );
    assert_eq!(
        (sent.direction, sent.author, sent.acknowledged),
        (out.direction, Some(agent.id), false)
    );
    assert_eq!(
        (&sent.message_id, &sent.recipients),
        (&out.message_id, &out.recipients)
    );
    assert_eq!(
        s.get_conversation_message(a.id, sent.id)
            .await
            .expect("get"),
        sent
    );
    let note = outbound(MessageDirection::Note, "n1", agent.id, 90);
    let noted = s
        .add_conversation_message(a.id, id, &note)
        .await
        .expect("note");
    assert_eq!(
        (noted.direction, noted.message_id),
        (MessageDirection::Note, None)
    );
    let conv = get(s, a.id, id).await;
    assert_eq!((conv.message_count, conv.updated_at), (3, at(100)));
    let messages = s.conversation_messages(a.id, id).await.expect("messages");
    let order: Vec<_> = messages.iter().map(|m| m.direction).collect();
    use MessageDirection::{Inbound, Note, Outbound};
    assert_eq!(
        order,
        [Inbound, Note, Outbound],
        "oldest first by created_at"
    );
    assert_eq!(messages[2], sent);

    s.set_conversation_state(a.id, id, ConversationState::Closed, at(110))
        .await
        .expect("close");
    let late = outbound(MessageDirection::Note, "n2", agent.id, 120);
    s.add_conversation_message(a.id, id, &late)
        .await
        .expect("note on closed");
    let conv = get(s, a.id, id).await;
    assert_eq!(
        (conv.state, conv.updated_at),
        (ConversationState::Closed, at(120))
    );

    let mut keyed = outbound(MessageDirection::Outbound, "out2", agent.id, 130);
    keyed.mailbox_key = Some("k9".to_owned());
    assert_invalid(
        s.add_conversation_message(a.id, id, &keyed).await,
        "mailbox_key",
    );
    let inbound = email("k1", "m9", 140).message;
    assert_conflict(s.add_conversation_message(a.id, id, &inbound).await);
    let mut bad = outbound(MessageDirection::Outbound, "out3", agent.id, 130);
    bad.body_text = "x".repeat(validate::MAX_BODY_TEXT_BYTES + 1);
    assert_invalid(
        s.add_conversation_message(a.id, id, &bad).await,
        "body_text",
    );
    assert_eq!(get(s, a.id, id).await.message_count, 4);

    let answer = store(s, &ch, &[reply("k2", "m2", 200, &["out1"])], 2, at(200)).await;
    assert_eq!(threading(&answer), [Threading::Reopened]);
    assert_eq!(answer[0].conversation_id, id);
}

/// Routing, assignment and state: each returns the conversation as stored, moves `updated_at`
/// to `now` (never backwards) when it changes something, and changes nothing otherwise
/// (closing a closed conversation is `Ok`).
pub async fn routing_assignment_and_state_change_only_what_they_set(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let id = store(s, &ch, &[email("k1", "m1", 10)], 1, at(60)).await[0].conversation_id;
    let q = QueueId::from_u128(3);
    let agent = UserId::from_u128(4);
    let routed = s
        .set_conversation_queue(a.id, id, Some(q), at(70))
        .await
        .expect("queue");
    assert_eq!(
        (routed.queue_id, routed.agent_id, routed.updated_at),
        (Some(q), None, at(70))
    );
    assert_eq!(get(s, a.id, id).await, routed);
    let same = s
        .set_conversation_queue(a.id, id, Some(q), at(80))
        .await
        .expect("same");
    assert_eq!(same, routed, "unchanged: updated_at kept");
    let assigned = s
        .set_conversation_agent(a.id, id, Some(agent), at(75))
        .await
        .expect("agent");
    assert_eq!(
        (assigned.agent_id, assigned.queue_id, assigned.updated_at),
        (Some(agent), Some(q), at(75))
    );
    let back = s
        .set_conversation_agent(a.id, id, None, at(50))
        .await
        .expect("clear");
    assert_eq!(
        (back.agent_id, back.updated_at),
        (None, at(75)),
        "never backwards"
    );
    let closed = ConversationState::Closed;
    let c1 = s
        .set_conversation_state(a.id, id, closed, at(90))
        .await
        .expect("close");
    assert_eq!((c1.state, c1.updated_at), (closed, at(90)));
    let c2 = s
        .set_conversation_state(a.id, id, closed, at(95))
        .await
        .expect("close twice");
    assert_eq!(c2, c1);
    let open = ConversationState::Open;
    let reopened = s
        .set_conversation_state(a.id, id, open, at(99))
        .await
        .expect("reopen");
    assert_eq!((reopened.state, reopened.updated_at), (open, at(99)));
    let cleared = s
        .set_conversation_queue(a.id, id, None, at(100))
        .await
        .expect("clear queue");
    assert_eq!(cleared.queue_id, None);
    assert_eq!(get(s, a.id, id).await, cleared);
    assert_eq!(cleared.message_count, 1);
}

/// Every new conversation gets its own well-formed token (`SB-` and 8 Crockford base32
/// characters, canonical), unique in the tenant.
pub async fn tokens_are_unique_and_well_formed(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let batch: Vec<InboundEmail> = (0..100)
        .map(|n| email(&format!("k{n}"), &format!("m{n}"), n))
        .collect();
    let stored = store(s, &ch, &batch, 100, at(200)).await;
    let mut tokens = HashSet::new();
    for st in &stored {
        assert_eq!(st.threading, Threading::New);
        let token = get(s, a.id, st.conversation_id).await.token;
        assert_eq!(
            parse_conversation_token(&token).as_deref(),
            Some(token.as_str())
        );
        let digits = token.strip_prefix("SB-").expect("prefix");
        assert!(
            digits.len() == 8
                && digits.bytes().all(
                    |b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b))
                ),
            "{token}"
        );
        assert!(tokens.insert(token.clone()), "duplicate token {token}");
    }
}

/// A channel account holding conversations cannot be deleted (`Conflict`, everything kept);
/// one without can, taking its cursor along.
pub async fn a_channel_with_conversations_cannot_be_deleted(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let empty = mailbox(s, a.id, "sales").await;
    let id = store(s, &ch, &[email("k1", "m1", 10)], 1, at(60)).await[0].conversation_id;
    store(s, &empty, &[], 1, at(60)).await;
    assert_conflict(s.delete_channel_config(a.id, ch.id).await);
    assert_eq!(s.get_channel_config(a.id, ch.id).await.expect("kept"), ch);
    assert_eq!(get(s, a.id, id).await.message_count, 1);
    assert!(
        s.mailbox_cursor(a.id, ch.id)
            .await
            .expect("cursor")
            .is_some()
    );
    s.delete_channel_config(a.id, empty.id)
        .await
        .expect("delete");
    assert_eq!(
        s.mailbox_cursor(a.id, empty.id).await.expect("cursor"),
        None
    );
    let again = mailbox(s, a.id, "sales").await;
    assert_eq!(
        s.mailbox_cursor(a.id, again.id).await.expect("cursor"),
        None
    );
}

/// Messages added at once to one conversation (agents' notes and fetched replies) are all
/// stored and counted: no update is lost.
pub async fn concurrent_messages_on_one_conversation_are_all_counted(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ch = mailbox(s, a.id, "support").await;
    let agent = UserId::from_u128(7);
    let id = store(s, &ch, &[email("k0", "m0", 10)], 0, at(60)).await[0].conversation_id;
    let notes = (1..=8).map(|n| {
        let note = outbound(MessageDirection::Note, &format!("n{n}"), agent, 100 + n);
        async move {
            s.add_conversation_message(a.id, id, &note)
                .await
                .map(|_| ())
        }
    });
    let replies = (1..=4).map(|n| {
        let r = reply(&format!("k{n}"), &format!("m{n}"), 200, &["m0"]);
        let ch = ch.clone();
        async move {
            s.store_inbound_emails(a.id, ch.id, &[r], &json!({"uid": n}), at(300))
                .await
                .map(|_| ())
        }
    });
    let (notes, replies) = futures::future::join(
        futures::future::join_all(notes),
        futures::future::join_all(replies),
    )
    .await;
    for r in notes.iter().chain(&replies) {
        assert!(r.is_ok(), "{r:?}");
    }
    let messages = s.conversation_messages(a.id, id).await.expect("messages");
    assert_eq!(messages.len(), 1 + 8 + 4);
    let conv = get(s, a.id, id).await;
    assert_eq!(conv.message_count as usize, messages.len());
    assert_eq!(conv.updated_at, at(300).max(at(108)));
}
