//! Multipart bodies (RFC 2046 § 5.1), e.g. SDP + ISUP (RFC 3204) or a MESSAGE with
//! attachments (RFC 4475 § 3.1.1.11).

use bytes::{BufMut, Bytes, BytesMut};

use crate::{Error, HeaderName, MediaType};

/// One body part: its headers (name and value, unfolded) and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Part headers in order (Content-Type, Content-Disposition, …).
    pub headers: Vec<(HeaderName, String)>,
    /// Content bytes, shared with the message body.
    pub body: Bytes,
}

impl Part {
    /// A part with a Content-Type.
    pub fn new(content_type: &MediaType, body: Bytes) -> Self {
        Part {
            headers: vec![(HeaderName::ContentType, content_type.to_string())],
            body,
        }
    }

    /// The part's Content-Type (RFC 2046 default `text/plain` when absent).
    pub fn content_type(&self) -> Result<MediaType, Error> {
        self.headers
            .iter()
            .find(|(n, _)| *n == HeaderName::ContentType)
            .map_or_else(
                || Ok(MediaType::new("text", "plain")),
                |(_, v)| MediaType::parse(v),
            )
    }
}

fn syntax(offset: usize) -> Error {
    Error::Syntax {
        what: "multipart body",
        offset,
    }
}

/// Splits `body` at `--boundary` delimiter lines. The preamble and epilogue are dropped;
/// a missing close delimiter is an error.
pub fn split(body: &Bytes, boundary: &str) -> Result<Vec<Part>, Error> {
    if boundary.is_empty() || boundary.len() > 70 {
        return Err(syntax(0));
    }
    let delimiter = format!("--{boundary}");
    let finder = memchr::memmem::Finder::new(delimiter.as_bytes());
    let mut parts = Vec::new();
    let mut pos = first_delimiter(body, &finder).ok_or_else(|| syntax(0))?;
    loop {
        let after = pos + delimiter.len();
        if body.get(after..after + 2) == Some(b"--") {
            return Ok(parts);
        }
        let content_start = skip_line(body, after).ok_or_else(|| syntax(after))?;
        let next =
            next_delimiter(body, content_start, &finder).ok_or_else(|| syntax(content_start))?;
        parts.push(parse_part(&body.slice(content_start..next.0))?);
        pos = next.1;
    }
}

/// A delimiter at the very start or after a line break.
fn first_delimiter(body: &[u8], finder: &memchr::memmem::Finder<'_>) -> Option<usize> {
    if body.starts_with(finder.needle()) {
        return Some(0);
    }
    next_delimiter(body, 0, finder).map(|(_, at)| at)
}

/// The next `CRLF--boundary`: returns (end of previous content, start of `--boundary`).
fn next_delimiter(
    body: &[u8],
    from: usize,
    finder: &memchr::memmem::Finder<'_>,
) -> Option<(usize, usize)> {
    let mut search = from;
    loop {
        let at = search + finder.find(body.get(search..)?)?;
        if at >= 1 && body.get(at - 1) == Some(&b'\n') {
            let cr = usize::from(at >= 2 && body.get(at - 2) == Some(&b'\r'));
            return Some((at - 1 - cr, at));
        }
        search = at + 1;
    }
}

/// Index after the end of the line containing `pos` (transport padding allowed).
fn skip_line(body: &[u8], pos: usize) -> Option<usize> {
    memchr::memchr(b'\n', body.get(pos..)?).map(|i| pos + i + 1)
}

fn parse_part(raw: &Bytes) -> Result<Part, Error> {
    let (headers_end, content_start) = match crate::frame::find_head_end(raw, 0) {
        Some(found) if !raw.starts_with(b"\r\n") && !raw.starts_with(b"\n") => found,
        _ => (0, skip_line(raw, 0).unwrap_or(raw.len()).min(raw.len())),
    };
    let head = std::str::from_utf8(raw.get(..headers_end).unwrap_or(&[])).map_err(|_| syntax(0))?;
    let mut headers = Vec::new();
    for (a, b) in crate::frame::field_spans(head.as_bytes()) {
        let line = head.get(a..b).unwrap_or("");
        let (name, value) = line.split_once(':').ok_or_else(|| syntax(a))?;
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        headers.push((HeaderName::new(name.trim()), value));
    }
    Ok(Part {
        headers,
        body: raw.slice(content_start.min(raw.len())..),
    })
}

/// Builds a multipart body with CRLF line ends.
pub fn encode(boundary: &str, parts: &[Part]) -> Bytes {
    let mut out = BytesMut::new();
    for part in parts {
        out.put_slice(format!("--{boundary}\r\n").as_bytes());
        for (name, value) in &part.headers {
            out.put_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.put_slice(b"\r\n");
        out.put_slice(&part.body);
        out.put_slice(b"\r\n");
    }
    out.put_slice(format!("--{boundary}--\r\n").as_bytes());
    out.freeze()
}
