//! Retrieved messages made ready to store: the raw MIME written to a file and synced first
//! (DESIGN § 6: a file is written before its row commits), the message parsed and normalised.
//! A message that does not parse, or was cut at the size limit, is kept as it is and flagged:
//! it never blocks the mailbox.

use super::EmailDeps;
use super::files;
use sb_conversation::ParsedEmail;
use sb_email::Fetched;
use sb_store::{InboundEmail, MessageDirection, NewConversationMessage};
use sb_types::{ChannelId, TenantId};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// The longest subject, address or name kept (longer ones are cut at a character boundary).
const MAX_LINE: usize = 300;
/// The longest body text kept in the database (the raw file keeps everything).
const MAX_BODY: usize = 512 * 1024;

/// One message ready for the store, with what routing reads of it.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    /// What the store takes.
    pub email: InboundEmail,
    /// The parsed message.
    pub parsed: ParsedEmail,
}

/// Writes each message's raw file and builds its store record.
pub(super) async fn prepare(
    deps: &EmailDeps,
    tenant: TenantId,
    channel: ChannelId,
    fetched: Vec<Fetched>,
) -> std::io::Result<Vec<Prepared>> {
    let dir = deps.mail_dir.clone();
    let now = (deps.clock)();
    tokio::task::spawn_blocking(move || {
        let relative: Vec<PathBuf> = fetched
            .iter()
            .map(|f| raw_path(tenant, channel, &f.key.to_string()))
            .collect();
        let files: Vec<(PathBuf, &[u8])> = fetched
            .iter()
            .zip(&relative)
            .map(|(f, r)| (dir.join(r), f.raw.as_slice()))
            .collect();
        files::write_batch(&files)?;
        Ok(fetched
            .iter()
            .zip(relative)
            .map(|(f, r)| prepare_one(f, r, now))
            .collect())
    })
    .await
    .map_err(std::io::Error::other)?
}

/// The store record of a message whose file is written at `relative`.
fn prepare_one(fetched: &Fetched, relative: PathBuf, now: sb_types::Timestamp) -> Prepared {
    let key = fetched.key.to_string();
    let parsed = sb_conversation::parse(&fetched.raw);
    let customer = parsed.reply_to.as_ref().or(parsed.from.as_ref());
    let recipients = parsed
        .to
        .iter()
        .chain(&parsed.cc)
        .map(|m| line(&m.address))
        .filter(|a| !a.is_empty())
        .take(100)
        .collect();
    let mut attachments = serde_json::to_value(&parsed.attachments).unwrap_or_default();
    if attachments.to_string().len() > MAX_ATTACHMENT_LIST {
        attachments = serde_json::json!([]);
    }
    let message = NewConversationMessage {
        direction: MessageDirection::Inbound,
        mailbox_key: Some(key),
        message_id: parsed.message_id.as_deref().map(line),
        sender: parsed
            .from
            .as_ref()
            .map(|m| line(&m.address))
            .unwrap_or_default(),
        recipients,
        subject: line(&parsed.subject),
        body_text: cut(&parsed.text.replace('\0', ""), MAX_BODY),
        raw_file: Some(relative.to_string_lossy().into_owned()),
        attachments,
        too_large: fetched.too_large,
        malformed: parsed.malformed,
        author: None,
        created_at: now,
    };
    let customer_address = customer.map(|m| line(&m.address)).unwrap_or_default();
    let mut email = InboundEmail {
        thread_refs: parsed.thread_refs().iter().map(|r| line(r)).collect(),
        token: sb_conversation::find_token(&parsed.subject),
        customer: match customer_address.is_empty() {
            true => UNKNOWN_SENDER.to_owned(),
            false => customer_address,
        },
        customer_name: customer
            .and_then(|m| m.name.as_deref())
            .map(line)
            .unwrap_or_default(),
        subject: line(&parsed.subject),
        message,
    };
    if let Err(e) = email.validate() {
        // Never block the mailbox: keep the raw file and a record of the bare minimum.
        tracing::warn!(error = %e, "a retrieved message is stored with its fields left out");
        minimal(&mut email);
    }
    Prepared { email, parsed }
}

/// The sender of a message with no usable address.
const UNKNOWN_SENDER: &str = "unknown-sender@invalid";
/// The longest attachment list kept in the database (the raw file keeps the attachments).
const MAX_ATTACHMENT_LIST: usize = 32 * 1024;

/// `email` stripped to what always validates, flagged malformed.
fn minimal(email: &mut InboundEmail) {
    let m = &mut email.message;
    m.message_id = None;
    m.sender = String::new();
    m.recipients = Vec::new();
    m.subject = String::new();
    m.attachments = serde_json::json!([]);
    m.malformed = true;
    email.thread_refs = Vec::new();
    email.customer = UNKNOWN_SENDER.to_owned();
    email.customer_name = String::new();
    email.subject = String::new();
}

/// One header value made storable: control characters dropped, at most [`MAX_LINE`] bytes.
fn line(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).collect();
    cut(clean.trim(), MAX_LINE)
}

/// `<tenant>/<channel>/<sha256 of the key>.eml`: the server's key may hold any character.
pub(super) fn raw_path(tenant: TenantId, channel: ChannelId, key: &str) -> PathBuf {
    let digest = Sha256::digest(key.as_bytes());
    PathBuf::from(tenant.to_string())
        .join(channel.to_string())
        .join(format!("{}.eml", hex_of(&digest)))
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `s` cut to at most `max` bytes at a character boundary.
pub(super) fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_files_are_named_by_a_hash_of_the_key_so_any_key_is_a_safe_name() {
        let (t, c) = (TenantId::from_u128(1), ChannelId::from_u128(2));
        let p = raw_path(t, c, "pop3:../../etc/passwd");
        assert_eq!(p.components().count(), 3);
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(name.ends_with(".eml") && !name.contains(".."), "{name}");
        assert_ne!(p, raw_path(t, c, "pop3:other"));
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        assert_eq!(cut("héllo", 2), "h");
        assert_eq!(cut("héllo", 3), "hé");
        assert_eq!(cut("abc", 10), "abc");
    }
}
