//! Email conversations: the list, a thread with its messages, raw messages and attachments,
//! and what agents do — accept or reject an offer, reply or forward (SMTP), write a note, pass to another
//! queue, close. Agents see the conversations of the queues they serve and those they
//! handled; supervisors and admins see every conversation of the tenant.

use crate::extract::{ApiJson, ApiQuery};
use crate::{AnyUser, ApiError, AppState, Caller};
use axum::Json;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use sb_engine::acd::agent_of;
use sb_engine::email::{
    EmailDesk, EmailDeskError, ForwardRequest, OutgoingFile, ReplyRequest, TransferTo,
};
use sb_store::{
    Conversation, ConversationFilter, ConversationMessage, ConversationState, MessageDirection,
};
use sb_types::{ConversationId, ConversationMessageId, QueueId, Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

/// The largest reply request (text and base64 attachments).
const MAX_REPLY_BYTES: usize = 30 * 1024 * 1024;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_conversations))
        .routes(routes!(get_conversation))
        .routes(routes!(raw_message))
        .routes(routes!(attachment))
        .routes(routes!(accept))
        .routes(routes!(reject))
        .routes(routes!(reply))
        .routes(routes!(forward))
        .routes(routes!(note))
        .routes(routes!(transfer))
        .routes(routes!(close))
        .layer(DefaultBodyLimit::max(MAX_REPLY_BYTES))
}

/// Which conversations.
#[derive(Deserialize, IntoParams)]
struct ListQuery {
    /// `open` (default), `closed` or `all`.
    #[serde(default = "default_state")]
    state: String,
    /// At most this many (1–200, default 50), the most recently active first.
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_state() -> String {
    "open".into()
}

fn default_limit() -> u32 {
    50
}

/// A conversation (an email thread with a customer).
#[derive(Serialize, ToSchema)]
struct ConversationView {
    id: Uuid,
    /// The token in its subjects, e.g. `SB-7K3M9Q2T`.
    token: String,
    /// The email channel it came in on.
    channel: Uuid,
    /// The customer's address and name.
    customer: String,
    customer_name: String,
    subject: String,
    /// `open` or `closed`.
    state: String,
    /// The queue it was routed to, and its name.
    queue: Option<Uuid>,
    queue_name: Option<String>,
    /// The agent who handled it last.
    agent: Option<Uuid>,
    /// Milliseconds since the Unix epoch.
    created_at: i64,
    updated_at: i64,
    message_count: u32,
    /// Whether the caller holds it now (taken from an offer, not closed yet).
    held_by_you: bool,
}

/// One message of a conversation.
#[derive(Serialize, ToSchema)]
struct MessageView {
    id: Uuid,
    /// `inbound` (from the customer), `outbound` (a reply) or `note` (internal).
    direction: String,
    sender: String,
    recipients: Vec<String>,
    subject: String,
    /// The text (an HTML-only message converted to text).
    text: String,
    created_at: i64,
    /// Who wrote it (replies and notes).
    author: Option<Uuid>,
    /// `[{index, filename, content_type, size}]`.
    #[schema(value_type = Object)]
    attachments: serde_json::Value,
    /// Cut at the size limit when it was retrieved.
    too_large: bool,
    /// Kept as received though it does not parse as an email.
    malformed: bool,
    /// Where to download the raw message (`message/rfc822`), when kept.
    raw: Option<String>,
}

/// A thread.
#[derive(Serialize, ToSchema)]
struct ThreadView {
    conversation: ConversationView,
    messages: Vec<MessageView>,
}

fn view(c: Conversation, held: bool, queues: &QueueNames) -> ConversationView {
    ConversationView {
        queue_name: c.queue_id.and_then(|q| queues.get(&q).cloned()),
        id: c.id.as_uuid(),
        token: c.token,
        channel: c.channel_id.as_uuid(),
        customer: c.customer,
        customer_name: c.customer_name,
        subject: c.subject,
        state: c.state.as_str().into(),
        queue: c.queue_id.map(|q| q.as_uuid()),
        agent: c.agent_id.map(|u| u.as_uuid()),
        created_at: c.created_at.as_millis(),
        updated_at: c.updated_at.as_millis(),
        message_count: c.message_count,
        held_by_you: held,
    }
}

/// The tenant's queue names by id.
type QueueNames = std::collections::HashMap<QueueId, String>;

async fn queue_names(state: &AppState, c: &Caller) -> Result<QueueNames, ApiError> {
    let queues = state.store.list_queues(c.tenant.id).await?;
    Ok(queues.into_iter().map(|q| (q.id, q.name)).collect())
}

fn message_view(m: ConversationMessage) -> MessageView {
    let raw = m.raw_file.as_ref().map(|_| {
        format!(
            "/api/v1/conversations/{}/messages/{}/raw",
            m.conversation_id.as_uuid(),
            m.id.as_uuid()
        )
    });
    MessageView {
        id: m.id.as_uuid(),
        direction: match m.direction {
            MessageDirection::Inbound => "inbound",
            MessageDirection::Outbound => "outbound",
            MessageDirection::Note => "note",
        }
        .into(),
        sender: m.sender,
        recipients: m.recipients,
        subject: m.subject,
        text: m.body_text,
        created_at: m.created_at.as_millis(),
        author: m.author.map(|u| u.as_uuid()),
        attachments: m.attachments,
        too_large: m.too_large,
        malformed: m.malformed,
        raw,
    }
}

fn desk(state: &AppState) -> Result<&EmailDesk, ApiError> {
    state
        .email
        .as_ref()
        .ok_or_else(|| ApiError::Conflict("the email channel does not run on this server".into()))
}

fn desk_error(e: EmailDeskError) -> ApiError {
    match e {
        EmailDeskError::NotOffered(_) => ApiError::Conflict(e.to_string()),
        EmailDeskError::Invalid(m) => ApiError::invalid("body", m),
        EmailDeskError::Settings(_) => ApiError::Conflict(e.to_string()),
        EmailDeskError::Mail(_) => ApiError::Upstream(e.to_string()),
        EmailDeskError::Store(s) => s.into(),
        EmailDeskError::File(_) | EmailDeskError::Acd(_) => ApiError::Internal(e.to_string()),
    }
}

/// The queues `c` serves, or `None` for supervisors and admins (every queue).
async fn served(state: &AppState, c: &Caller) -> Result<Option<Vec<QueueId>>, ApiError> {
    if c.user.role.allows(Role::Supervisor) {
        return Ok(None);
    }
    let Some(acd) = &state.acd else {
        return Ok(Some(Vec::new()));
    };
    let glances = acd
        .agent_queues(c.tenant.id, agent_of(c.user.id))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Some(glances.into_iter().map(|g| g.queue).collect()))
}

/// The conversation `id` when `c` may see it; otherwise not found.
async fn visible(state: &AppState, c: &Caller, id: Uuid) -> Result<Conversation, ApiError> {
    let conversation = state
        .store
        .get_conversation(c.tenant.id, ConversationId::from_uuid(id))
        .await?;
    let mine = conversation.agent_id == Some(c.user.id);
    match served(state, c).await? {
        Some(queues) if !mine && !conversation.queue_id.is_some_and(|q| queues.contains(&q)) => {
            Err(ApiError::NotFound(format!("conversation {id}")))
        }
        _ => Ok(conversation),
    }
}

/// The conversation `id` when `c` may act on it: supervisors always; an agent who holds it
/// or handled it last.
pub(super) async fn workable(
    state: &AppState,
    c: &Caller,
    id: Uuid,
) -> Result<Conversation, ApiError> {
    let conversation = visible(state, c, id).await?;
    let held = state
        .email
        .as_ref()
        .is_some_and(|d| d.holds(c.tenant.id, agent_of(c.user.id), conversation.id));
    if c.user.role.allows(Role::Supervisor) || held || conversation.agent_id == Some(c.user.id) {
        Ok(conversation)
    } else {
        Err(ApiError::Conflict(
            "accept the conversation before working on it".into(),
        ))
    }
}

fn held(state: &AppState, c: &Caller, id: ConversationId) -> bool {
    state
        .email
        .as_ref()
        .is_some_and(|d| d.holds(c.tenant.id, agent_of(c.user.id), id))
}

/// Conversations, the most recently active first.
#[utoipa::path(get, path = "/conversations", tag = "email", params(ListQuery),
    responses((status = 200, body = [ConversationView]), (status = 400), (status = 401)))]
async fn list_conversations(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<ConversationView>>, ApiError> {
    let conversation_state = match q.state.as_str() {
        "all" => None,
        s => Some(
            ConversationState::parse(s)
                .ok_or_else(|| ApiError::invalid("state", "state must be open, closed or all"))?,
        ),
    };
    let queues = served(&state, &c).await?;
    let mut filter = ConversationFilter {
        state: conversation_state,
        queue_ids: queues.clone(),
        agent_id: None,
        limit: q.limit,
    };
    let mut found = state.store.list_conversations(c.tenant.id, &filter).await?;
    if queues.is_some() {
        // An agent also sees what they handled, in whatever queue it is now.
        filter.queue_ids = None;
        filter.agent_id = Some(c.user.id);
        let mine = state.store.list_conversations(c.tenant.id, &filter).await?;
        for m in mine {
            if !found.iter().any(|f| f.id == m.id) {
                found.push(m);
            }
        }
        found.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
        found.truncate(q.limit.clamp(1, 200) as usize);
    }
    let names = queue_names(&state, &c).await?;
    let views = found
        .into_iter()
        .map(|x| {
            let h = held(&state, &c, x.id);
            view(x, h, &names)
        })
        .collect();
    Ok(Json(views))
}

/// A conversation with its messages, oldest first.
#[utoipa::path(get, path = "/conversations/{id}", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation")),
    responses((status = 200, body = ThreadView), (status = 401), (status = 404)))]
async fn get_conversation(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<Uuid>,
) -> Result<Json<ThreadView>, ApiError> {
    let conversation = visible(&state, &c, id).await?;
    let messages = state
        .store
        .conversation_messages(c.tenant.id, conversation.id)
        .await?;
    let h = held(&state, &c, conversation.id);
    let names = queue_names(&state, &c).await?;
    Ok(Json(ThreadView {
        conversation: view(conversation, h, &names),
        messages: messages.into_iter().map(message_view).collect(),
    }))
}

/// The message of `conversation` with id `message`, when `c` may see it.
pub(super) async fn message_of(
    state: &AppState,
    c: &Caller,
    conversation: Uuid,
    message: Uuid,
) -> Result<ConversationMessage, ApiError> {
    let conversation = visible(state, c, conversation).await?;
    let found = state
        .store
        .get_conversation_message(c.tenant.id, ConversationMessageId::from_uuid(message))
        .await?;
    if found.conversation_id != conversation.id {
        return Err(ApiError::NotFound(format!("message {message}")));
    }
    Ok(found)
}

/// The message's raw file, whole or (with `limit`) its first `limit` bytes.
pub(super) async fn raw_bytes(
    state: &AppState,
    m: &ConversationMessage,
    limit: Option<u64>,
) -> Result<Vec<u8>, ApiError> {
    desk(state)?
        .raw_message(m, limit)
        .await
        .map_err(desk_error)?
        .ok_or_else(|| ApiError::NotFound(format!("the raw message {}", m.id.as_uuid())))
}

fn download(bytes: Vec<u8>, content_type: &str, filename: &str) -> Response {
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    let ct = HeaderValue::from_str(content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, ct);
    let disposition = format!("attachment; filename=\"{filename}\"");
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// The message as received or sent, byte for byte (`message/rfc822`, as a download).
#[utoipa::path(get, path = "/conversations/{id}/messages/{message}/raw", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation"),
        ("message" = Uuid, Path, description = "The message")),
    responses((status = 200, content_type = "message/rfc822"), (status = 401), (status = 404)))]
async fn raw_message(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path((id, message)): Path<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let m = message_of(&state, &c, id, message).await?;
    let bytes = raw_bytes(&state, &m, None).await?;
    Ok(download(bytes, "message/rfc822", &format!("{message}.eml")))
}

/// An attachment of a message, served as a download with a safe content type (HTML, SVG and
/// scripts come as `application/octet-stream`).
#[utoipa::path(get, path = "/conversations/{id}/messages/{message}/attachments/{index}", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation"),
        ("message" = Uuid, Path, description = "The message"),
        ("index" = usize, Path, description = "The attachment's index")),
    responses((status = 200), (status = 401), (status = 404)))]
async fn attachment(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path((id, message, index)): Path<(Uuid, Uuid, usize)>,
) -> Result<Response, ApiError> {
    let m = message_of(&state, &c, id, message).await?;
    let raw = raw_bytes(&state, &m, None).await?;
    let (info, bytes) = sb_conversation::attachment(&raw, index)
        .ok_or_else(|| ApiError::NotFound(format!("attachment {index}")))?;
    let ct = sb_conversation::safe_content_type(&info.content_type);
    Ok(download(bytes, ct, &info.filename))
}

/// Takes the conversation offered to the caller: it is theirs until they close it or pass
/// it on.
#[utoipa::path(post, path = "/conversations/{id}/accept", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation")),
    responses((status = 204), (status = 401), (status = 404),
        (status = 409, description = "Not offered to you (any more)")))]
async fn accept(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    answer_offer(&state, &c, id, true).await
}

/// Declines the conversation offered to the caller: it goes to the next agent.
#[utoipa::path(post, path = "/conversations/{id}/reject", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation")),
    responses((status = 204), (status = 401), (status = 404),
        (status = 409, description = "Not offered to you (any more)")))]
async fn reject(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    answer_offer(&state, &c, id, false).await
}

/// Takes (`take`) or declines the conversation `id` offered to the caller.
async fn answer_offer(
    state: &AppState,
    c: &Caller,
    id: Uuid,
    take: bool,
) -> Result<StatusCode, ApiError> {
    let conversation = visible(state, c, id).await?;
    let desk = desk(state)?;
    let answered = match take {
        true => desk.accept(c.tenant.id, c.user.id, conversation.id).await,
        false => desk.reject(c.tenant.id, c.user.id, conversation.id).await,
    };
    answered.map_err(desk_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A file attached to a reply.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct FileBody {
    filename: String,
    #[serde(default = "octet_stream")]
    content_type: String,
    /// The content in base64.
    content_base64: String,
}

fn octet_stream() -> String {
    "application/octet-stream".into()
}

/// A reply to the customer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReplyBody {
    text: String,
    /// Also to the other recipients of the customer's last message.
    #[serde(default)]
    all: bool,
    /// More recipients on copy.
    #[serde(default)]
    cc: Vec<String>,
    /// Quote the customer's last message under the text.
    #[serde(default)]
    quote: bool,
    #[serde(default)]
    attachments: Vec<FileBody>,
    /// A subject of the agent's own (e.g. from a canned response), one line of at most 200
    /// characters; absent, the reply is `Re:` the customer's subject. The conversation's token
    /// is added either way.
    #[serde(default)]
    subject: Option<String>,
}

/// Sends a reply to the customer through the channel's SMTP relay (threaded: `In-Reply-To`,
/// `References`, the conversation's token in the subject) and adds it to the conversation.
#[utoipa::path(post, path = "/conversations/{id}/reply", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation")),
    request_body = ReplyBody,
    responses((status = 200, body = MessageView), (status = 400), (status = 401), (status = 404),
        (status = 409, description = "Not yours to answer"),
        (status = 502, description = "The mail server refused it or is unreachable")))]
async fn reply(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> Result<Json<MessageView>, ApiError> {
    let conversation = workable(&state, &c, id).await?;
    let mut attachments = Vec::new();
    for (i, f) in body.attachments.into_iter().enumerate() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(f.content_base64.trim())
            .map_err(|_| ApiError::invalid(format!("attachments[{i}]"), "not base64"))?;
        attachments.push(OutgoingFile {
            filename: f.filename,
            content_type: f.content_type,
            bytes,
        });
    }
    let request = ReplyRequest {
        text: body.text,
        all: body.all,
        cc: body.cc,
        quote: body.quote,
        attachments,
        subject: body.subject,
    };
    let sent = desk(&state)?
        .reply(c.tenant.id, c.user.id, conversation.id, request)
        .await;
    audited_send(&state, &c, "conversation.reply", id, sent).await
}

/// A message sent to the outside (reply, forward): its audit entry, then its view.
async fn audited_send(
    state: &AppState,
    c: &Caller,
    action: &str,
    id: Uuid,
    sent: Result<ConversationMessage, EmailDeskError>,
) -> Result<Json<MessageView>, ApiError> {
    let sent = sent.map_err(desk_error)?;
    let details = serde_json::json!({ "message": sent.id.as_uuid() });
    let entry = c.audit(action, format!("conversation:{id}"), details);
    state.store.append_audit(entry).await?;
    Ok(Json(message_view(sent)))
}

/// A forward of the customer's last message.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ForwardBody {
    /// Where to (a colleague, a supplier).
    to: Vec<String>,
    /// The text above the forwarded message.
    #[serde(default)]
    text: String,
}

/// Forwards the customer's last message (attached as `original.eml`, its text below yours)
/// through the channel's relay; an answer from the recipient joins the conversation.
#[utoipa::path(post, path = "/conversations/{id}/forward", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation")),
    request_body = ForwardBody,
    responses((status = 200, body = MessageView), (status = 400), (status = 401), (status = 404),
        (status = 409, description = "Not yours to forward"),
        (status = 502, description = "The mail server refused it or is unreachable")))]
async fn forward(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<ForwardBody>,
) -> Result<Json<MessageView>, ApiError> {
    let conversation = workable(&state, &c, id).await?;
    let request = ForwardRequest {
        to: body.to,
        text: body.text,
    };
    let sent = desk(&state)?
        .forward(c.tenant.id, c.user.id, conversation.id, request)
        .await;
    audited_send(&state, &c, "conversation.forward", id, sent).await
}

/// An internal note.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    text: String,
}

/// Adds an internal note to the conversation (never sent to the customer).
#[utoipa::path(post, path = "/conversations/{id}/notes", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation")),
    request_body = NoteBody,
    responses((status = 200, body = MessageView), (status = 400), (status = 401), (status = 404)))]
async fn note(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<NoteBody>,
) -> Result<Json<MessageView>, ApiError> {
    let conversation = visible(&state, &c, id).await?;
    let added = desk(&state)?
        .note(c.tenant.id, c.user.id, conversation.id, &body.text)
        .await
        .map_err(desk_error)?;
    Ok(Json(message_view(added)))
}

/// Where to pass the conversation: exactly one of `queue` or `agent`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TransferBody {
    /// An email queue's name: the conversation waits there for any agent.
    #[serde(default)]
    queue: Option<String>,
    /// An agent's user id: the conversation is offered to that agent (who must be logged in)
    /// when they have room; if they refuse it, it waits in its queue.
    #[serde(default)]
    agent: Option<Uuid>,
}

/// Passes the conversation to another email queue or to one agent; the agent who had it goes
/// to after-contact work.
#[utoipa::path(post, path = "/conversations/{id}/transfer", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation")),
    request_body = TransferBody,
    responses((status = 200, body = ConversationView),
        (status = 400, description = "Not exactly one target, not an email queue, or the agent is logged out or has it already"),
        (status = 401), (status = 404), (status = 409)))]
async fn transfer(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<TransferBody>,
) -> Result<Json<ConversationView>, ApiError> {
    let conversation = workable(&state, &c, id).await?;
    let (to, detail) = match (body.queue, body.agent) {
        (Some(name), None) => {
            let queue = state.store.get_queue_by_name(c.tenant.id, &name).await?;
            (
                TransferTo::Queue(queue.id),
                serde_json::json!({ "queue": name }),
            )
        }
        (None, Some(agent)) => (
            TransferTo::Agent(UserId::from_uuid(agent)),
            serde_json::json!({ "agent": agent }),
        ),
        _ => return Err(ApiError::invalid("queue", "exactly one of queue or agent")),
    };
    let moved = desk(&state)?
        .transfer(c.tenant.id, conversation.id, to)
        .await
        .map_err(desk_error)?;
    state
        .store
        .append_audit(c.audit(
            "conversation.transfer",
            format!("conversation:{id}"),
            detail,
        ))
        .await?;
    let names = queue_names(&state, &c).await?;
    Ok(Json(view(moved, false, &names)))
}

/// Closes the conversation; the agent goes to the queue's after-contact work. A new message
/// from the customer reopens it.
#[utoipa::path(post, path = "/conversations/{id}/close", tag = "email",
    params(("id" = Uuid, Path, description = "The conversation")),
    responses((status = 200, body = ConversationView), (status = 401), (status = 404),
        (status = 409)))]
async fn close(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<Uuid>,
) -> Result<Json<ConversationView>, ApiError> {
    let conversation = workable(&state, &c, id).await?;
    let closed = desk(&state)?
        .close(c.tenant.id, conversation.id)
        .await
        .map_err(desk_error)?;
    state
        .store
        .append_audit(c.audit(
            "conversation.close",
            format!("conversation:{id}"),
            serde_json::json!({}),
        ))
        .await?;
    let names = queue_names(&state, &c).await?;
    Ok(Json(view(closed, false, &names)))
}
