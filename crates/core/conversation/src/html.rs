//! The HTML body of an inbound message, made safe to show.
//!
//! What is kept: ammonia's allow-list of formatting tags (no script, no style sheet, no form,
//! no frame, no event handler, no `style` attribute), links with absolute http, https, mailto
//! or tel targets opened in a new tab without a referrer. What is dropped: relative URLs
//! (they would point at our own server), every `data:` URL but inline images, and remote
//! images unless asked for ([`HtmlOptions::remote_images`]). Inline images (`cid:`) become
//! `data:` URLs of the message's own parts when they are PNG, JPEG, GIF or WebP.
//!
//! The page that shows the result adds its own walls (a sandboxed frame, a Content Security
//! Policy that allows no script and no remote load unless asked for): this is one layer.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use mail_parser::{MessageParser, MimeHeaders, PartType};

use crate::guard::guarded;

/// The most bytes of inline images put into one page.
const MAX_INLINE_BYTES: usize = 8 * 1024 * 1024;
/// The most bytes of HTML sanitised from one message (the rest is cut).
pub const MAX_HTML_BYTES: usize = 2 * 1024 * 1024;

/// How the HTML is made safe.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HtmlOptions {
    /// Keep `http(s)` image sources (the reader clicked "load remote images"); otherwise they
    /// are removed and counted.
    pub remote_images: bool,
}

/// A message's HTML body, safe to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafeHtml {
    /// The sanitised HTML fragment (the content of a `<body>`).
    pub html: String,
    /// Remote images removed (0 when [`HtmlOptions::remote_images`] was set).
    pub remote_images_blocked: usize,
    /// Whether the HTML was longer than [`MAX_HTML_BYTES`] and was cut.
    pub truncated: bool,
}

/// The first HTML body of the raw message `raw`, sanitised; `None` when the message does not
/// parse or has no HTML part (a text-only message).
pub fn safe_html(raw: &[u8], options: HtmlOptions) -> Option<SafeHtml> {
    let (html, inline) = guarded(|| html_and_images(raw)).flatten()?;
    let (html, truncated) = match html.len() > MAX_HTML_BYTES {
        true => (cut(&html, MAX_HTML_BYTES), true),
        false => (html.as_str(), false),
    };
    let (html, remote_images_blocked) = sanitize_html(html, inline, options);
    Some(SafeHtml {
        html,
        remote_images_blocked,
        truncated,
    })
}

/// An inline image: its MIME type and bytes.
type Inline = (String, Vec<u8>);

/// The first text/html body part and the message's inline images by Content-ID.
fn html_and_images(raw: &[u8]) -> Option<(String, HashMap<String, Inline>)> {
    let message = MessageParser::default().parse(raw)?;
    let html = message.html_bodies().find_map(|p| match &p.body {
        PartType::Html(h) => Some(h.to_string()),
        _ => None,
    })?;
    let mut inline = HashMap::new();
    let mut total = 0usize;
    for part in message.parts.iter() {
        let (Some(cid), Some(ct)) = (part.content_id(), part.content_type()) else {
            continue;
        };
        let mime =
            format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase();
        let bytes = part.contents();
        if !is_inline_image(&mime) || total + bytes.len() > MAX_INLINE_BYTES {
            continue;
        }
        total += bytes.len();
        let key = cid
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned();
        inline.insert(key, (mime, bytes.to_vec()));
    }
    Some((html, inline))
}

/// Image types a browser shows without running anything (no SVG).
fn is_inline_image(mime: &str) -> bool {
    matches!(
        mime,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// Sanitises an HTML fragment: the cleaned HTML and how many remote images were removed.
/// `inline` maps Content-IDs (without brackets) to the images `cid:` URLs stand for.
pub(crate) fn sanitize_html(
    html: &str,
    inline: HashMap<String, Inline>,
    options: HtmlOptions,
) -> (String, usize) {
    // ammonia keeps the filter for its builder's whole life ('static): both go in by Arc.
    let blocked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&blocked);
    let inline = Arc::new(inline);
    let schemes: HashSet<&str> = ["http", "https", "mailto", "tel", "data", "cid"].into();
    let cleaned = ammonia::Builder::default()
        .url_schemes(schemes)
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank")
        .attribute_filter(move |element, attribute, value| {
            filter(element, attribute, value, &inline, options, &counter)
        })
        .clean(html)
        .to_string();
    (cleaned, blocked.load(Ordering::Relaxed))
}

/// Rewrites or drops one attribute's value (URLs only; other attributes pass).
fn filter<'u>(
    element: &str,
    attribute: &str,
    value: &'u str,
    inline: &HashMap<String, Inline>,
    options: HtmlOptions,
    blocked: &AtomicUsize,
) -> Option<Cow<'u, str>> {
    let url = value.trim();
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    let is_src = element == "img" && attribute == "src";
    match scheme.as_deref() {
        Some("cid") if is_src => {
            let (mime, bytes) = inline.get(url[4..].trim())?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
            Some(Cow::Owned(format!("data:{mime};base64,{b64}")))
        }
        Some("data") if is_src && inline_data_image(url) => Some(Cow::Borrowed(value)),
        Some("http" | "https") if is_src => match options.remote_images {
            true => Some(Cow::Borrowed(value)),
            false => {
                blocked.fetch_add(1, Ordering::Relaxed);
                None
            }
        },
        Some("cid" | "data") => None,
        _ => Some(Cow::Borrowed(value)),
    }
}

/// A `data:` URL of an image type a browser shows without running anything.
fn inline_data_image(url: &str) -> bool {
    let head = url[5..].split([';', ',']).next().unwrap_or_default();
    is_inline_image(&head.trim().to_ascii_lowercase())
}

/// `s` cut to at most `max` bytes at a char boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str, remote: bool) -> (String, usize) {
        let options = HtmlOptions {
            remote_images: remote,
        };
        sanitize_html(html, HashMap::new(), options)
    }

    #[test]
    fn scripts_handlers_styles_and_frames_are_removed() {
        let (out, _) = clean(
            "<p onclick=\"x()\" style=\"background:url(http://t.example/p)\">Hi</p>\
             <script>alert(1)</script><style>p{}</style><iframe src=\"https://e.example\"></iframe>\
             <form action=\"https://e.example\"><input></form><a href=\"javascript:alert(1)\">x</a>",
            false,
        );
        assert_eq!(
            out,
            "<p>Hi</p><a target=\"_blank\" rel=\"noopener noreferrer nofollow\">x</a>"
        );
    }

    #[test]
    fn remote_images_are_removed_and_counted_unless_asked_for() {
        let html = "<img src=\"https://t.example/pixel.gif\" alt=\"logo\"><img src=\"http://t.example/b\">";
        let (out, blocked) = clean(html, false);
        assert_eq!(blocked, 2);
        assert!(!out.contains("t.example"), "{out}");
        assert!(out.contains("alt=\"logo\""), "{out}");
        let (out, blocked) = clean(html, true);
        assert_eq!(blocked, 0);
        assert!(out.contains("https://t.example/pixel.gif"), "{out}");
    }

    #[test]
    fn relative_urls_and_data_urls_other_than_images_are_dropped() {
        let (out, _) = clean(
            "<a href=\"/api/v1/me\">me</a><a href=\"data:text/html,<script>1</script>\">d</a>\
             <img src=\"data:image/svg+xml;base64,PHN2Zz4=\"><img src=\"data:image/png;base64,iVBO\">",
            false,
        );
        assert!(!out.contains("/api/v1/me"), "{out}");
        assert!(!out.contains("text/html"), "{out}");
        assert!(!out.contains("svg"), "{out}");
        assert!(out.contains("data:image/png;base64,iVBO"), "{out}");
    }

    #[test]
    fn links_open_in_a_new_tab_without_a_referrer() {
        let (out, _) = clean("<a href=\"https://shop.example/order/1\">order</a>", false);
        assert_eq!(
            out,
            "<a href=\"https://shop.example/order/1\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">order</a>"
        );
    }

    #[test]
    fn an_inline_image_becomes_a_data_url_of_the_messages_own_part() {
        let raw = b"From: a@x.example\r\nTo: b@y.example\r\nSubject: s\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/related; boundary=\"b\"\r\n\r\n--b\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n<p>Logo: <img src=\"cid:logo@x\"> \
<img src=\"cid:missing@x\"></p>\r\n--b\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n\
Content-Transfer-Encoding: base64\r\n\r\niVBORw0K\r\n--b--\r\n";
        let safe = safe_html(raw, HtmlOptions::default()).unwrap();
        assert!(
            safe.html.contains("src=\"data:image/png;base64,iVBORw0K\""),
            "{}",
            safe.html
        );
        assert!(!safe.html.contains("missing"), "{}", safe.html);
        assert_eq!(safe.remote_images_blocked, 0);
    }

    #[test]
    fn a_text_only_message_has_no_html() {
        let raw = b"From: a@x.example\r\nSubject: s\r\n\r\nplain\r\n";
        assert_eq!(safe_html(raw, HtmlOptions::default()), None);
    }

    #[test]
    fn html_longer_than_the_limit_is_cut_and_says_so() {
        let body = "<p>é</p>".repeat(MAX_HTML_BYTES / 8 + 10);
        let raw = format!(
            "From: a@x.example\r\nSubject: s\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/html; charset=utf-8\r\n\r\n{body}\r\n"
        );
        let safe = safe_html(raw.as_bytes(), HtmlOptions::default()).unwrap();
        assert!(safe.truncated);
        assert!(safe.html.len() <= MAX_HTML_BYTES + 64);
    }
}
