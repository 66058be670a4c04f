//! The MIME body of an outgoing message, with a boundary derived from its Message-ID.
//!
//! mail-builder would make up a boundary from the clock and a hash seed; we always give one, so
//! building stays pure and repeatable.

use std::borrow::Cow;

use mail_builder::headers::content_type::ContentType;
use mail_builder::mime::{BodyPart, MimePart};

use crate::attachment::{is_mime_type, sanitize_filename};
use crate::build::{Outgoing, OutgoingAttachment};
use crate::text::crlf;

/// The body: the text part alone, or `multipart/mixed` with the text and the attachments.
pub(crate) fn mime(msg: &Outgoing) -> MimePart<'_> {
    let text = crlf(&msg.text);
    let boundary =
        (!msg.attachments.is_empty()).then(|| boundary(&msg.message_id, &text, &msg.attachments));
    let text_part = MimePart::new(
        ContentType::new("text/plain").attribute("charset", "utf-8"),
        BodyPart::Text(Cow::Owned(text)),
    );
    let Some(boundary) = boundary else {
        return text_part;
    };
    let mut parts = Vec::with_capacity(msg.attachments.len() + 1);
    parts.push(text_part);
    parts.extend(
        msg.attachments
            .iter()
            .enumerate()
            .map(|(i, a)| attachment_part(i, a)),
    );
    MimePart::new(
        ContentType::new("multipart/mixed").attribute("boundary", boundary),
        BodyPart::Multipart(parts),
    )
}

fn attachment_part(index: usize, a: &OutgoingAttachment) -> MimePart<'_> {
    let essence = a.content_type.split(';').next().unwrap_or_default().trim();
    let mut ct = if is_mime_type(essence) {
        ContentType::new(essence.to_ascii_lowercase())
    } else {
        ContentType::new("application/octet-stream")
    };
    if ct.is_text() && std::str::from_utf8(&a.bytes).is_ok() {
        ct = ct.attribute("charset", "utf-8");
    }
    MimePart::new(ct, BodyPart::Binary(Cow::Borrowed(&a.bytes)))
        .attachment(sanitize_filename(&a.filename, index))
}

/// `=_sb_<hash of the message id>_<n>`, with the smallest `n` that appears in no part's
/// content. Quoted-printable and base64 output can never contain `=_`, and content sent as is
/// was checked, so the boundary cannot occur inside a part.
fn boundary(message_id: &str, text: &str, attachments: &[OutgoingAttachment]) -> String {
    let hash = fnv1a(message_id.as_bytes());
    let mut n = 0u64;
    loop {
        let candidate = format!("=_sb_{hash:016x}_{n}");
        let needle = candidate.as_bytes();
        let clash = contains(text.as_bytes(), needle)
            || attachments.iter().any(|a| contains(&a.bytes, needle));
        if !clash {
            return candidate;
        }
        n += 1;
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// 64-bit FNV-1a: a fixed, seedless hash.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_avoids_content_that_contains_it() {
        let first = boundary("id@x", "", &[]);
        let text = format!("look: {first}");
        let second = boundary("id@x", &text, &[]);
        assert_ne!(first, second);
        assert!(!text.contains(&second));
        assert_eq!(boundary("id@x", "", &[]), first, "repeatable");
    }
}
