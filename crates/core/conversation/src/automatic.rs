//! The auto-reply loop guard: was this message sent by a machine, or does it ask not to be
//! answered automatically?

use mail_parser::{Message, MimeHeaders};

/// Whether `message` must never get an automatic answer:
///
/// - `Auto-Submitted` with any value but `no` (RFC 3834: auto-replies, notifications);
/// - `Precedence: bulk`, `junk` or `list`;
/// - a `List-Id` (mailing lists, RFC 2919);
/// - `Return-Path: <>` (bounces and other delivery notifications);
/// - `X-Auto-Response-Suppress` asking to suppress `All`, `OOF` or `AutoReply` (Exchange);
/// - `X-Autoreply` / `X-Autorespond` (older auto-responders);
/// - a `multipart/report` body (delivery and read reports, RFC 6522).
pub(crate) fn is_automatic(message: &Message<'_>) -> bool {
    let raw = |name: &str| raw_values(message, name).into_iter();
    raw("Auto-Submitted").any(|v| !first_word(&v).eq_ignore_ascii_case("no"))
        || raw("Precedence").any(|v| {
            let w = first_word(&v).to_ascii_lowercase();
            matches!(w.as_str(), "bulk" | "junk" | "list")
        })
        || raw("List-Id").next().is_some()
        || raw("Return-Path").any(|v| v.chars().filter(|c| !c.is_whitespace()).eq("<>".chars()))
        || raw("X-Auto-Response-Suppress").any(|v| {
            v.split([',', ' ', '\t', '\r', '\n']).any(|w| {
                ["all", "oof", "autoreply"]
                    .iter()
                    .any(|s| w.eq_ignore_ascii_case(s))
            })
        })
        || raw("X-Autoreply").next().is_some()
        || raw("X-Autorespond").next().is_some()
        || message.root_part().is_content_type("multipart", "report")
}

/// The raw (undecoded) values of every top-level header called `name`.
fn raw_values(message: &Message<'_>, name: &str) -> Vec<String> {
    let bytes = message.raw_message();
    message
        .headers()
        .iter()
        .filter(|h| h.name().eq_ignore_ascii_case(name))
        .map(|h| {
            let range = h.offset_start() as usize..h.offset_end() as usize;
            String::from_utf8_lossy(bytes.get(range).unwrap_or_default()).into_owned()
        })
        .collect()
}

/// The value up to the first `;` or `(` comment, trimmed.
fn first_word(v: &str) -> &str {
    v.split([';', '(']).next().unwrap_or_default().trim()
}
