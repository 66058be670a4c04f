//! Attachments of inbound mail: what they are, their bytes, and how they may be served.

use mail_parser::{MessagePart, MimeHeaders, PartType};
use serde::{Deserialize, Serialize};

use crate::guard::guarded;

/// Longest file name kept, in bytes (the extension is kept when cutting).
const MAX_FILENAME_BYTES: usize = 150;

/// One attachment of an inbound message (inline images and attached messages included).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AttachmentInfo {
    /// Position among the message's attachments: the argument to [`attachment`].
    pub index: usize,
    /// Sanitised file name, safe in a Content-Disposition header and on a file system
    /// (see [`sanitize_filename`]).
    pub filename: String,
    /// The declared MIME type, lower case, without parameters (`application/octet-stream` when
    /// missing or malformed). Not safe to serve as is: see [`safe_content_type`].
    pub content_type: String,
    /// Decoded size in bytes (for text parts: of the UTF-8 text).
    pub size: usize,
}

/// The decoded bytes of attachment `index` of the raw message `raw`, for download; `None` when
/// the message does not parse or has no such attachment. Text attachments come back as UTF-8
/// (their charset decoded); attached messages as their raw bytes.
pub fn attachment(raw: &[u8], index: usize) -> Option<(AttachmentInfo, Vec<u8>)> {
    let pos = u32::try_from(index).ok()?;
    guarded(|| {
        let message = mail_parser::MessageParser::default().parse(raw)?;
        let part = message.attachment(pos)?;
        Some((info(part, index), part.contents().to_vec()))
    })
    .flatten()
}

/// The description of one attachment part.
pub(crate) fn info(part: &MessagePart<'_>, index: usize) -> AttachmentInfo {
    AttachmentInfo {
        index,
        filename: sanitize_filename(part.attachment_name().unwrap_or_default(), index),
        content_type: content_type(part),
        size: part.contents().len(),
    }
}

fn content_type(part: &MessagePart<'_>) -> String {
    let declared = part.content_type().map(|ct| match ct.subtype() {
        Some(sub) => format!("{}/{sub}", ct.ctype()),
        None => ct.ctype().to_owned(),
    });
    match declared {
        Some(ct) if is_mime_type(&ct) => ct.to_ascii_lowercase(),
        _ if matches!(part.body, PartType::Text(_)) => "text/plain".to_owned(),
        _ if matches!(part.body, PartType::Html(_)) => "text/html".to_owned(),
        _ if matches!(part.body, PartType::Message(_)) => "message/rfc822".to_owned(),
        _ => "application/octet-stream".to_owned(),
    }
}

/// `type/subtype` made of RFC 2045 token characters.
pub(crate) fn is_mime_type(s: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
    };
    s.split_once('/')
        .is_some_and(|(t, sub)| token(t) && token(sub))
}

/// The Content-Type to serve an attachment with. Only types a browser shows without running
/// anything are kept: PNG, JPEG, GIF and WebP images, PDF, and plain text (served as UTF-8, as
/// [`attachment`] returns it). Everything else (HTML, SVG, scripts, unknown) becomes
/// `application/octet-stream`, which browsers only download.
pub fn safe_content_type(ct: &str) -> &'static str {
    let essence = ct.split(';').next().unwrap_or_default().trim();
    let lower = essence.to_ascii_lowercase();
    match lower.as_str() {
        "image/png" => "image/png",
        "image/jpeg" | "image/jpg" | "image/pjpeg" => "image/jpeg",
        "image/gif" => "image/gif",
        "image/webp" => "image/webp",
        "application/pdf" => "application/pdf",
        "text/plain" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A file name safe for a Content-Disposition header and a file system.
///
/// Only the last path component is kept (`../../etc/passwd` → `passwd`); control, bidi-override
/// and quote characters are dropped; characters with a meaning in headers or on Windows
/// (`\ / : * ? < > | ;`) become `_`; leading dots and surrounding spaces and dots are trimmed;
/// the name is cut to 150 bytes keeping its extension. When nothing is left the name is
/// `attachment-<index>`. Non-ASCII letters are kept (the HTTP layer encodes them, RFC 6266).
pub fn sanitize_filename(name: &str, index: usize) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|&c| !c.is_control() && !is_bidi_control(c) && !matches!(c, '"' | '\'' | '`'))
        .map(|c| {
            if matches!(c, ':' | '*' | '?' | '<' | '>' | '|' | ';') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned
        .trim_matches(|c: char| c.is_whitespace() || c == '.')
        .to_owned();
    let cut = shorten(trimmed);
    if cut.is_empty() {
        format!("attachment-{index}")
    } else {
        cut
    }
}

/// Directional formatting characters, which can make `exe.pdf` display as `fdp.exe`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Cut to [`MAX_FILENAME_BYTES`], keeping a short extension.
fn shorten(name: String) -> String {
    if name.len() <= MAX_FILENAME_BYTES {
        return name;
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| !e.is_empty() && e.len() <= 10)
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    let mut stem = name;
    crate::text::truncate(&mut stem, MAX_FILENAME_BYTES - ext.len());
    let mut out = stem.trim_end_matches(['.', ' ']).to_owned();
    out.push_str(&ext);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_components_are_dropped() {
        assert_eq!(sanitize_filename("../../etc/passwd", 0), "passwd");
        assert_eq!(
            sanitize_filename("C:\\Users\\x\\report.pdf", 0),
            "report.pdf"
        );
    }

    #[test]
    fn quotes_controls_and_bidi_are_removed() {
        assert_eq!(
            sanitize_filename("a\"b'c\r\nd\u{0}\u{202e}fdp.exe", 1),
            "abcdfdp.exe"
        );
        assert_eq!(sanitize_filename("x:y;z?.txt", 1), "x_y_z_.txt");
    }

    #[test]
    fn empty_and_dot_names_fall_back_to_the_index() {
        for n in ["", "  ", "..", "/", "dir/", "\u{202e}"] {
            assert_eq!(sanitize_filename(n, 3), "attachment-3", "{n:?}");
        }
        assert_eq!(sanitize_filename(".bashrc", 0), "bashrc");
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension() {
        let long = format!("{}.pdf", "é".repeat(200));
        let cut = sanitize_filename(&long, 0);
        assert!(cut.len() <= MAX_FILENAME_BYTES, "{}", cut.len());
        assert!(cut.ends_with("é.pdf"));
    }

    #[test]
    fn only_inert_types_are_served_as_themselves() {
        assert_eq!(safe_content_type("IMAGE/PNG"), "image/png");
        assert_eq!(safe_content_type("image/jpeg; name=x"), "image/jpeg");
        assert_eq!(safe_content_type("application/pdf"), "application/pdf");
        assert_eq!(
            safe_content_type("text/plain; charset=latin1"),
            "text/plain; charset=utf-8"
        );
        for t in [
            "text/html",
            "image/svg+xml",
            "application/javascript",
            "text/javascript",
            "application/xhtml+xml",
            "text/xml",
            "",
            "garbage",
        ] {
            assert_eq!(safe_content_type(t), "application/octet-stream", "{t}");
        }
    }
}
