//! Inbound email: raw RFC 5322 bytes to a [`ParsedEmail`].

use mail_parser::{HeaderValue, Message, MessageParser, PartType};
use serde::{Deserialize, Serialize};

use crate::address::{self, Mailbox};
use crate::attachment::{self, AttachmentInfo};
use crate::guard::guarded;
use crate::thread::{self, ThreadHeaders};
use crate::{automatic, text};

/// The body text kept from one message, in bytes (longer text is cut, see
/// [`ParsedEmail::text_truncated`]).
pub const MAX_TEXT_BYTES: usize = 256 * 1024;

/// An inbound message, normalised for storage and display.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedEmail {
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To ids without brackets.
    pub in_reply_to: Vec<String>,
    /// References ids without brackets, in header order (oldest first).
    pub references: Vec<String>,
    /// The first From mailbox.
    pub from: Option<Mailbox>,
    /// The first Reply-To mailbox.
    pub reply_to: Option<Mailbox>,
    /// Every To mailbox (all To headers, groups flattened).
    pub to: Vec<Mailbox>,
    /// Every Cc mailbox.
    pub cc: Vec<Mailbox>,
    /// The subject, decoded (RFC 2047) and trimmed; `""` when missing.
    pub subject: String,
    /// The Date header in Unix seconds; `None` when missing or invalid.
    pub date: Option<i64>,
    /// The text/plain body (parts joined by a blank line); when there is only HTML, the HTML
    /// converted to text. At most [`MAX_TEXT_BYTES`], cut at a char boundary.
    pub text: String,
    /// Whether `text` was cut.
    pub text_truncated: bool,
    /// Whether the message has an HTML body.
    pub has_html: bool,
    /// The attachments, in order; fetch one with [`crate::attachment`].
    pub attachments: Vec<AttachmentInfo>,
    /// An auto-reply loop guard: the message was sent by a machine (auto-reply, bounce,
    /// mailing list…) or asks not to be answered automatically. Never auto-answer it.
    pub automatic: bool,
    /// The bytes are not a message mail-parser understands, or it has no From.
    pub malformed: bool,
}

impl ParsedEmail {
    /// The ids this message points at, for finding its conversation: In-Reply-To first, then
    /// References from the newest (last) to the oldest; deduplicated, at most
    /// [`crate::MAX_THREAD_REFS`].
    pub fn thread_refs(&self) -> Vec<String> {
        thread::thread_refs(&self.in_reply_to, &self.references)
    }

    /// This message's threading headers, for [`crate::references_for_reply`] when answering it.
    pub fn thread_headers(&self) -> ThreadHeaders<'_> {
        ThreadHeaders {
            message_id: self.message_id.as_deref(),
            in_reply_to: &self.in_reply_to,
            references: &self.references,
        }
    }

    /// The mailbox an answer goes to: Reply-To when present, else From.
    pub fn reply_address(&self) -> Option<&Mailbox> {
        self.reply_to.as_ref().or(self.from.as_ref())
    }
}

/// Parses raw RFC 5322 bytes. Never fails: input that does not parse gives empty fields and
/// `malformed = true`.
///
/// A panic inside the MIME parser (a bug there, on crafted input) is caught and also gives a
/// malformed result.
pub fn parse(raw: &[u8]) -> ParsedEmail {
    guarded(|| {
        MessageParser::default()
            .parse(raw)
            .map(|m| from_message(&m))
    })
    .flatten()
    .unwrap_or_else(|| ParsedEmail {
        malformed: true,
        ..ParsedEmail::default()
    })
}

fn from_message(m: &Message<'_>) -> ParsedEmail {
    let from = first(address::from_parsed(
        m.from().into_iter().flat_map(|a| a.iter()),
    ));
    let (text, text_truncated) = body_text(m);
    ParsedEmail {
        message_id: ids(m.header(mail_parser::HeaderName::MessageId))
            .into_iter()
            .next(),
        in_reply_to: ids(Some(m.in_reply_to())),
        references: ids(Some(m.references())),
        malformed: from.is_none(),
        from,
        reply_to: first(address::from_parsed(
            m.reply_to().into_iter().flat_map(|a| a.iter()),
        )),
        to: address::from_parsed(m.all_to().flat_map(|a| a.iter())),
        cc: address::from_parsed(m.all_cc().flat_map(|a| a.iter())),
        subject: m.subject().map(text::one_line).unwrap_or_default(),
        date: m.date().filter(|d| d.is_valid()).map(|d| d.to_timestamp()),
        text,
        text_truncated,
        has_html: m.html_bodies().any(|p| matches!(p.body, PartType::Html(_))),
        attachments: m
            .attachments()
            .enumerate()
            .map(|(i, p)| attachment::info(p, i))
            .collect(),
        automatic: automatic::is_automatic(m),
    }
}

fn first(mut v: Vec<Mailbox>) -> Option<Mailbox> {
    (!v.is_empty()).then(|| v.swap_remove(0))
}

/// Message ids from an id header, without brackets or whitespace, empties dropped.
fn ids(value: Option<&HeaderValue<'_>>) -> Vec<String> {
    let clean = |s: &str| {
        s.trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim()
            .to_owned()
    };
    let all: Vec<String> = match value {
        Some(HeaderValue::Text(t)) => vec![clean(t)],
        Some(HeaderValue::TextList(list)) => list.iter().map(|t| clean(t)).collect(),
        _ => Vec::new(),
    };
    all.into_iter().filter(|id| !id.is_empty()).collect()
}

/// The text bodies joined (HTML converted when it is the only body), capped.
fn body_text(m: &Message<'_>) -> (String, bool) {
    let mut out = String::new();
    for i in 0..m.text_body_count() {
        if out.len() > MAX_TEXT_BYTES {
            break;
        }
        if let Some(part) = m.body_text(i) {
            let part = part.trim_end();
            if !part.is_empty() {
                if !out.is_empty() {
                    out.push_str("\n\n");
                }
                out.push_str(part);
            }
        }
    }
    let cut = text::truncate(&mut out, MAX_TEXT_BYTES);
    (out, cut)
}
