//! Outgoing email: an [`Outgoing`] to RFC 5322 bytes ready for SMTP.

use std::borrow::Cow;

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use serde::{Deserialize, Serialize};

use crate::address::Mailbox;
use crate::error::ConversationError;
use crate::{body, date, validate};

/// A message to send. Ids are given without angle brackets; time is given, never read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    /// The sender (the channel's address).
    pub from: Mailbox,
    /// Primary recipients.
    pub to: Vec<Mailbox>,
    /// Copy recipients.
    pub cc: Vec<Mailbox>,
    /// The subject (UTF-8; encoded as RFC 2047 when needed).
    pub subject: String,
    /// Our Message-ID, from [`crate::message_id`].
    pub message_id: String,
    /// The parent's Message-ID, from [`crate::references_for_reply`].
    pub in_reply_to: Option<String>,
    /// The References ids, oldest first, from [`crate::references_for_reply`].
    pub references: Vec<String>,
    /// The Date header, Unix seconds (1970–3000).
    pub date: i64,
    /// The text/plain body; line endings are made CRLF.
    pub text: String,
    /// Attachments, in order.
    pub attachments: Vec<OutgoingAttachment>,
    /// An automatic answer: adds `Auto-Submitted: auto-replied` (RFC 3834) and
    /// `X-Auto-Response-Suppress: All`, so other robots do not answer it in turn.
    pub auto_reply: bool,
}

/// A file attached to an [`Outgoing`] message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingAttachment {
    /// The file name; sanitised as in [`crate::sanitize_filename`].
    pub filename: String,
    /// The MIME type (`image/png`); malformed types are sent as `application/octet-stream`.
    pub content_type: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// The message as bytes (CRLF line endings), ready for SMTP `DATA` (before dot-stuffing).
///
/// Refused: no To or Cc recipient ([`ConversationError::NoRecipients`]); CR, LF or another
/// control character in any header value, name or address
/// ([`ConversationError::HeaderInjection`]); an address that is not a plain addr-spec
/// ([`ConversationError::InvalidAddress`]); a malformed id
/// ([`ConversationError::InvalidMessageId`]); a date outside 1970–3000
/// ([`ConversationError::InvalidDate`]). The same input always gives the same bytes.
pub fn build(msg: &Outgoing) -> Result<Vec<u8>, ConversationError> {
    validate::outgoing(msg)?;
    let mut b = MessageBuilder::new().from(address(&msg.from));
    if !msg.to.is_empty() {
        b = b.to(list(&msg.to));
    }
    if !msg.cc.is_empty() {
        b = b.cc(list(&msg.cc));
    }
    b = b
        .subject(msg.subject.as_str())
        .header("Date", Raw::new(date::rfc5322(msg.date)))
        .message_id(msg.message_id.trim());
    if let Some(parent) = &msg.in_reply_to {
        b = b.in_reply_to(parent.trim());
    }
    if !msg.references.is_empty() {
        b = b.references(MessageId::new_list(msg.references.iter().map(|r| r.trim())));
    }
    if msg.auto_reply {
        b = b
            .header("Auto-Submitted", Raw::new("auto-replied"))
            .header("X-Auto-Response-Suppress", Raw::new("All"));
    }
    b.body(body::mime(msg))
        .write_to_vec()
        .map_err(|e| ConversationError::Write {
            reason: e.to_string(),
        })
}

fn address(m: &Mailbox) -> Address<'_> {
    Address::new_address(
        m.name.as_deref().map(Cow::Borrowed),
        Cow::Borrowed(m.address.trim()),
    )
}

fn list(ms: &[Mailbox]) -> Address<'_> {
    Address::new_list(ms.iter().map(address).collect())
}
