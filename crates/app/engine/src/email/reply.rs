//! What agents do with a conversation: reply (built with threading headers, sent through the
//! channel's SMTP relay, then stored with its raw file), write an internal note, close it.
//! Automatic answers from the flow go the same way.
//!
//! A reply threads in the customer's mail client: `In-Reply-To` is the customer's last
//! message, `References` the conversation's message ids in order (the last 20), and the
//! subject carries the conversation's token, so an answer that lost its headers still finds
//! its conversation.

use super::files::write_synced;
use super::ingest::{Prepared, cut};
use super::{EmailDesk, EmailDeskError};
use sb_conversation::{Mailbox, Outgoing, OutgoingAttachment};
use sb_email::{EmailChannelSettings, SmtpSender};
use sb_store::{
    Conversation, ConversationMessage, ConversationState, MessageDirection, NewConversationMessage,
};
use sb_types::{ConversationId, TenantId, UserId};
use std::path::PathBuf;

/// The most recipients a reply may have.
const MAX_RECIPIENTS: usize = 50;
/// The most message ids in `References`.
const MAX_REFERENCES: usize = 20;
/// The most bytes of attachments on one reply.
pub const MAX_ATTACHMENTS_BYTES: usize = 20 * 1024 * 1024;

/// A file attached to a reply.
#[derive(Debug, Clone)]
pub struct OutgoingFile {
    /// Its name.
    pub filename: String,
    /// Its MIME type.
    pub content_type: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// An agent's reply.
#[derive(Debug, Clone, Default)]
pub struct ReplyRequest {
    /// The text.
    pub text: String,
    /// Also to the other recipients of the customer's last message (reply all).
    pub all: bool,
    /// More recipients on copy.
    pub cc: Vec<String>,
    /// Quote the customer's last message under the text.
    pub quote: bool,
    /// Files to attach.
    pub attachments: Vec<OutgoingFile>,
    /// A subject of the agent's own (e.g. a canned response's), at most 200 characters on one
    /// line; none answers under `Re:` of the customer's subject. The token is added either way.
    pub subject: Option<String>,
}

/// The longest subject an agent may give a reply, in characters.
const MAX_SUBJECT_CHARS: usize = 200;

/// A subject for `conversation`'s reply: the agent's own, or `Re:` the customer's.
fn subject_for(chosen: Option<&str>, base: &str, token: &str) -> Result<String, EmailDeskError> {
    match chosen.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(sb_conversation::reply_subject(base, token)),
        Some(s) if s.chars().count() > MAX_SUBJECT_CHARS || s.chars().any(char::is_control) => {
            Err(EmailDeskError::Invalid(format!(
                "the subject must be one line of at most {MAX_SUBJECT_CHARS} characters"
            )))
        }
        Some(s) => Ok(sb_conversation::tagged_subject(s, token)),
    }
}

/// A forward of the customer's last message to someone else (a colleague, a supplier).
#[derive(Debug, Clone, Default)]
pub struct ForwardRequest {
    /// Where to.
    pub to: Vec<String>,
    /// The agent's text above the forwarded message.
    pub text: String,
}

/// An automatic answer the flow asked for.
pub(super) struct AutoAnswer<'a> {
    pub to: &'a str,
    pub subject: Option<&'a str>,
    pub body: &'a str,
}

impl EmailDesk {
    /// Sends the agent's reply and adds it to the conversation; the agent becomes the
    /// conversation's agent.
    pub async fn reply(
        &self,
        tenant: TenantId,
        user: UserId,
        id: ConversationId,
        request: ReplyRequest,
    ) -> Result<ConversationMessage, EmailDeskError> {
        if request.text.trim().is_empty() {
            return Err(EmailDeskError::Invalid("the reply is empty".into()));
        }
        let size: usize = request.attachments.iter().map(|a| a.bytes.len()).sum();
        if size > MAX_ATTACHMENTS_BYTES {
            return Err(EmailDeskError::Invalid(format!(
                "attachments are {size} bytes; at most {MAX_ATTACHMENTS_BYTES}"
            )));
        }
        let store = &self.inner.deps.store;
        let conversation = store.get_conversation(tenant, id).await?;
        let messages = store.conversation_messages(tenant, id).await?;
        let settings = self.settings_of(&conversation).await?;
        let parent = messages
            .iter()
            .rev()
            .find(|m| m.direction == MessageDirection::Inbound);
        let mut cc: Vec<String> = request.cc.clone();
        if request.all
            && let Some(p) = parent
        {
            cc.extend(
                p.recipients
                    .iter()
                    .filter(|r| !r.eq_ignore_ascii_case(&settings.address))
                    .cloned(),
            );
        }
        cc.retain(|a| !a.eq_ignore_ascii_case(&conversation.customer));
        cc.dedup();
        if cc.len() + 1 > MAX_RECIPIENTS {
            return Err(EmailDeskError::Invalid(format!(
                "at most {MAX_RECIPIENTS} recipients"
            )));
        }
        let mut text = request.text.clone();
        if request.quote
            && let Some(p) = parent
        {
            let quoted =
                sb_conversation::quote(&p.sender, p.created_at.as_millis() / 1000, &p.body_text);
            text = format!("{text}\n\n{quoted}");
        }
        let base = parent.map_or(conversation.subject.as_str(), |p| p.subject.as_str());
        let subject = subject_for(request.subject.as_deref(), base, &conversation.token)?;
        let draft = Draft {
            to: vec![conversation.customer.clone()],
            cc,
            subject,
            text,
            attachments: request.attachments,
            auto_reply: false,
        };
        let stored = self
            .send(&conversation, &settings, &messages, draft, Some(user))
            .await?;
        let now = self.inner.now();
        store
            .set_conversation_agent(tenant, id, Some(user), now)
            .await?;
        Ok(stored)
    }

    /// Forwards the customer's last message (its text below the agent's, the original message
    /// attached as `original.eml`) and adds the forward to the conversation. An answer from
    /// the recipient refers to it, so it joins the conversation.
    pub async fn forward(
        &self,
        tenant: TenantId,
        user: UserId,
        id: ConversationId,
        request: ForwardRequest,
    ) -> Result<ConversationMessage, EmailDeskError> {
        let to: Vec<String> = request
            .to
            .iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        if to.is_empty() || to.len() > MAX_RECIPIENTS {
            return Err(EmailDeskError::Invalid(format!(
                "forward to 1 to {MAX_RECIPIENTS} addresses"
            )));
        }
        let store = &self.inner.deps.store;
        let conversation = store.get_conversation(tenant, id).await?;
        let messages = store.conversation_messages(tenant, id).await?;
        let settings = self.settings_of(&conversation).await?;
        let original = messages
            .iter()
            .rev()
            .find(|m| m.direction == MessageDirection::Inbound)
            .ok_or_else(|| {
                EmailDeskError::Invalid("nothing from the customer to forward".into())
            })?;
        let block = sb_conversation::forwarded(
            &original.sender,
            original.created_at.as_millis() / 1000,
            &original.subject,
            &original.body_text,
        );
        let text = format!("{}\n\n{block}", request.text.trim_end());
        let mut attachments = Vec::new();
        if let Some(raw) = self.raw_message(original, None).await? {
            attachments.push(OutgoingFile {
                filename: "original.eml".into(),
                content_type: "message/rfc822".into(),
                bytes: raw,
            });
        }
        let draft = Draft {
            to,
            cc: Vec::new(),
            subject: sb_conversation::forward_subject(&original.subject, &conversation.token),
            text,
            attachments,
            auto_reply: false,
        };
        self.send(&conversation, &settings, &messages, draft, Some(user))
            .await
    }

    /// Adds an internal note (never sent).
    pub async fn note(
        &self,
        tenant: TenantId,
        user: UserId,
        id: ConversationId,
        text: &str,
    ) -> Result<ConversationMessage, EmailDeskError> {
        if text.trim().is_empty() {
            return Err(EmailDeskError::Invalid("the note is empty".into()));
        }
        let store = &self.inner.deps.store;
        let conversation = store.get_conversation(tenant, id).await?;
        let message = NewConversationMessage {
            direction: MessageDirection::Note,
            mailbox_key: None,
            message_id: None,
            sender: String::new(),
            recipients: Vec::new(),
            subject: conversation.subject.clone(),
            body_text: cut(text, 64 * 1024),
            raw_file: None,
            attachments: serde_json::json!([]),
            too_large: false,
            malformed: false,
            author: Some(user),
            created_at: self.inner.now(),
        };
        Ok(store.add_conversation_message(tenant, id, &message).await?)
    }

    /// Closes the conversation: it leaves the ACD (the agent who held it goes to its
    /// queue's after-contact work). A later message from the customer reopens it.
    pub async fn close(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> Result<Conversation, EmailDeskError> {
        let now = self.inner.now();
        let closed = self
            .inner
            .deps
            .store
            .set_conversation_state(tenant, id, ConversationState::Closed, now)
            .await?;
        self.leave_acd(tenant, id).await;
        Ok(closed)
    }

    /// Sends the flow's automatic answer to a new message.
    pub(super) async fn auto_answer(
        &self,
        conversation: &Conversation,
        settings: &EmailChannelSettings,
        message: &Prepared,
        answer: AutoAnswer<'_>,
    ) -> Result<ConversationMessage, EmailDeskError> {
        let store = &self.inner.deps.store;
        let messages = store
            .conversation_messages(conversation.tenant_id, conversation.id)
            .await?;
        let subject = match answer.subject {
            Some(s) => sb_conversation::reply_subject(s, &conversation.token),
            None => sb_conversation::reply_subject(&message.parsed.subject, &conversation.token),
        };
        let to = match answer.to.trim() {
            "" => conversation.customer.clone(),
            t => t.to_owned(),
        };
        let draft = Draft {
            to: vec![to],
            cc: Vec::new(),
            subject,
            text: answer.body.to_owned(),
            attachments: Vec::new(),
            auto_reply: true,
        };
        self.send(conversation, settings, &messages, draft, None)
            .await
    }

    async fn settings_of(
        &self,
        conversation: &Conversation,
    ) -> Result<EmailChannelSettings, EmailDeskError> {
        let config = self
            .inner
            .deps
            .store
            .get_channel_config(conversation.tenant_id, conversation.channel_id)
            .await?;
        EmailChannelSettings::from_json(&config.settings).map_err(|ps| {
            let text: Vec<String> = ps
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect();
            EmailDeskError::Settings(text.join("; "))
        })
    }

    /// Builds, sends, files and stores one outgoing message of the conversation.
    async fn send(
        &self,
        conversation: &Conversation,
        settings: &EmailChannelSettings,
        earlier: &[ConversationMessage],
        draft: Draft,
        author: Option<UserId>,
    ) -> Result<ConversationMessage, EmailDeskError> {
        let deps = &self.inner.deps;
        let now = self.inner.now();
        let (unique, message_id) = new_message_id(&settings.address);
        let ids: Vec<String> = earlier
            .iter()
            .filter_map(|m| m.message_id.clone())
            .collect();
        let in_reply_to = earlier
            .iter()
            .rev()
            .filter(|m| m.direction == MessageDirection::Inbound)
            .find_map(|m| m.message_id.clone());
        let references = ids[ids.len().saturating_sub(MAX_REFERENCES)..].to_vec();
        let outgoing = Outgoing {
            from: Mailbox {
                name: settings.display_name.clone(),
                address: settings.address.clone(),
            },
            to: draft.to.iter().map(|a| mailbox(a)).collect(),
            cc: draft.cc.iter().map(|a| mailbox(a)).collect(),
            subject: draft.subject.clone(),
            message_id: message_id.clone(),
            in_reply_to,
            references,
            date: now.as_millis() / 1000,
            text: draft.text.clone(),
            attachments: draft
                .attachments
                .iter()
                .map(|a| OutgoingAttachment {
                    filename: a.filename.clone(),
                    content_type: a.content_type.clone(),
                    bytes: a.bytes.clone(),
                })
                .collect(),
            auto_reply: draft.auto_reply,
        };
        let recipients: Vec<String> = draft.to.iter().chain(&draft.cc).cloned().collect();
        let sent = Sent {
            tenant: conversation.tenant_id,
            channel: conversation.channel_id,
            unique: &unique,
        };
        let relative = self.deliver(settings, &recipients, &outgoing, sent).await?;
        let attachments: Vec<serde_json::Value> = draft
            .attachments
            .iter()
            .enumerate()
            .map(|(i, a)| {
                serde_json::json!({
                    "index": i, "filename": a.filename,
                    "content_type": a.content_type, "size": a.bytes.len(),
                })
            })
            .collect();
        let message = NewConversationMessage {
            direction: MessageDirection::Outbound,
            mailbox_key: None,
            message_id: Some(message_id),
            sender: settings.address.clone(),
            recipients,
            subject: draft.subject,
            body_text: cut(&draft.text, 512 * 1024),
            raw_file: Some(relative.to_string_lossy().into_owned()),
            attachments: serde_json::Value::Array(attachments),
            too_large: false,
            malformed: false,
            author,
            created_at: now,
        };
        Ok(deps
            .store
            .add_conversation_message(conversation.tenant_id, conversation.id, &message)
            .await?)
    }
}

/// What is sent, before the headers the desk adds.
struct Draft {
    to: Vec<String>,
    cc: Vec<String>,
    subject: String,
    text: String,
    attachments: Vec<OutgoingFile>,
    auto_reply: bool,
}

/// A fresh Message-ID in the domain of `address`, and its unique part (which names the copy).
pub(super) fn new_message_id(address: &str) -> (String, String) {
    let domain = address
        .rsplit_once('@')
        .map_or("switchboard.invalid", |(_, d)| d);
    let unique = uuid::Uuid::now_v7().simple().to_string();
    let message_id = sb_conversation::message_id(&unique, domain);
    (unique, message_id)
}

/// Where the copy of a sent message goes: `<tenant>/<channel>/sent/<unique>.eml`.
pub(super) struct Sent<'a> {
    pub tenant: TenantId,
    pub channel: sb_types::ChannelId,
    pub unique: &'a str,
}

impl EmailDesk {
    /// Builds `outgoing`, sends it from the channel's address to `recipients` through the
    /// channel's SMTP server, and keeps a synced copy; the copy's path under the mail folder.
    pub(super) async fn deliver(
        &self,
        settings: &EmailChannelSettings,
        recipients: &[String],
        outgoing: &Outgoing,
        sent: Sent<'_>,
    ) -> Result<PathBuf, EmailDeskError> {
        let deps = &self.inner.deps;
        let raw =
            sb_conversation::build(outgoing).map_err(|e| EmailDeskError::Invalid(e.to_string()))?;
        let smtp = settings.smtp(&deps.secrets)?;
        super::guard::reachable(deps, (smtp.host.as_str(), smtp.port)).await?;
        SmtpSender::new(smtp)?
            .send(&settings.address, recipients, &raw)
            .await?;
        let relative = PathBuf::from(sent.tenant.to_string())
            .join(sent.channel.to_string())
            .join("sent")
            .join(format!("{}.eml", sent.unique));
        let path = deps.mail_dir.join(&relative);
        tokio::task::spawn_blocking(move || write_synced(&path, &raw))
            .await
            .map_err(std::io::Error::other)??;
        Ok(relative)
    }
}

fn mailbox(address: &str) -> Mailbox {
    Mailbox {
        name: None,
        address: address.trim().to_owned(),
    }
}
