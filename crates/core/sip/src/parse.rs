//! The message parser: limits, datagram parsing, stream framing, validation.

use bytes::Bytes;
use bytestring::ByteString;

use crate::frame::{content_length_value, find_head_end, leading_crlf, scan_content_length};
use crate::headers::Header;
use crate::message::Wire;
use crate::text::{offset_in, share, split_byte, trim};
use crate::{
    CSeq, Error, HeaderName, Headers, Message, Method, Request, Response, StatusCode, Uri,
};

/// Parser configuration: limits enforced on every message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseConfig {
    /// Largest accepted message, header section and body together (default 64 KiB).
    pub max_message_size: usize,
    /// Most header fields (lines) accepted (default 256).
    pub max_headers: usize,
    /// Reject requests without Max-Forwards (default true, RFC 3261 § 8.1.1). Set false to
    /// accept RFC 2543 requests (RFC 4475 § 3.4.1).
    pub require_max_forwards: bool,
}

impl Default for ParseConfig {
    fn default() -> Self {
        ParseConfig {
            max_message_size: 64 * 1024,
            max_headers: 256,
            require_max_forwards: true,
        }
    }
}

/// What the start of a stream buffer holds (see [`ParseConfig::frame`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete message occupies the first `len` bytes: pass them to
    /// [`ParseConfig::parse_stream`].
    Message {
        /// Bytes of the message.
        len: usize,
    },
    /// The first `len` bytes are CR/LF keep-alives (RFC 5626 § 4.4.1: answer a
    /// double-CRLF ping with one CRLF); drop them.
    KeepAlive {
        /// Bytes to drop.
        len: usize,
    },
    /// More bytes are needed.
    Incomplete,
    /// The stream cannot be framed (bad or missing Content-Length, too large): close the
    /// connection after answering if possible.
    Invalid(Error),
}

/// Parses one datagram with the default configuration.
pub fn parse(data: impl Into<Bytes>) -> Result<Message, Error> {
    ParseConfig::default().parse_datagram(data)
}

impl ParseConfig {
    /// Parses a message received as one datagram (UDP). The body is exactly Content-Length
    /// bytes and later octets are discarded (RFC 3261 § 18.3, RFC 4475 § 3.1.1.8); without
    /// Content-Length the body is the rest of the datagram.
    pub fn parse_datagram(&self, data: impl Into<Bytes>) -> Result<Message, Error> {
        let data = data.into();
        self.parse_with(&data, false)
            .map_err(|e| in_response(&data, e))
    }

    /// Parses a message framed by [`ParseConfig::frame`] on a stream (TCP, TLS, WebSocket
    /// frames too): Content-Length is mandatory and the body is exactly that long.
    pub fn parse_stream(&self, data: impl Into<Bytes>) -> Result<Message, Error> {
        let data = data.into();
        self.parse_with(&data, true)
            .map_err(|e| in_response(&data, e))
    }

    /// Tells how many bytes at the start of a stream buffer form the next message.
    pub fn frame(&self, buf: &[u8]) -> Frame {
        let skip = leading_crlf(buf);
        if skip > 0 {
            return Frame::KeepAlive { len: skip };
        }
        let Some((_, body_start)) = find_head_end(buf, 0) else {
            return self.incomplete_or_too_large(buf.len());
        };
        let head = buf.get(..body_start).unwrap_or(&[]);
        let length = match scan_content_length(head) {
            Ok(Some(length)) => length,
            Ok(None) => {
                return Frame::Invalid(Error::MissingHeader {
                    name: HeaderName::ContentLength,
                });
            }
            Err(e) => return Frame::Invalid(e),
        };
        match body_start.checked_add(length) {
            Some(total) if total <= self.max_message_size && total <= buf.len() => {
                Frame::Message { len: total }
            }
            Some(total) if total <= self.max_message_size => Frame::Incomplete,
            _ => Frame::Invalid(self.too_large(usize::MAX)),
        }
    }

    fn incomplete_or_too_large(&self, seen: usize) -> Frame {
        if seen > self.max_message_size {
            Frame::Invalid(self.too_large(seen))
        } else {
            Frame::Incomplete
        }
    }

    fn too_large(&self, size: usize) -> Error {
        Error::TooLarge {
            size,
            limit: self.max_message_size,
        }
    }

    fn parse_with(&self, data: &Bytes, stream: bool) -> Result<Message, Error> {
        if data.len() > self.max_message_size {
            return Err(self.too_large(data.len()));
        }
        let start = leading_crlf(data);
        if start == data.len() {
            return Err(Error::Empty);
        }
        let lines = scan_head(data, start).ok_or_else(|| Error::UnterminatedHead)?;
        let head = data.slice(start..lines.body_start);
        let text = ByteString::try_from(head).map_err(|e| Error::NotUtf8 {
            offset: start + e.valid_up_to(),
        })?;
        let parsed = self.parse_head(&text, start, &lines)?;
        let body_start = lines.body_start;
        let body = body(data, body_start, &parsed.headers, stream)?;
        parsed.into_message(body, self)
    }
}

/// Wraps errors of a message that starts like a response.
fn in_response(data: &[u8], e: Error) -> Error {
    let start = leading_crlf(data);
    let looks_like_response = data
        .get(start..start + 4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/"));
    if looks_like_response && !e.is_in_response() {
        Error::InResponse(Box::new(e))
    } else {
        e
    }
}

fn body(data: &Bytes, body_start: usize, headers: &Headers, stream: bool) -> Result<Bytes, Error> {
    let available = data.len().saturating_sub(body_start);
    let declared = match declared_length(headers)? {
        Some(n) => n,
        None if stream => {
            return Err(Error::MissingHeader {
                name: HeaderName::ContentLength,
            });
        }
        None => available,
    };
    if declared > available {
        return Err(Error::BodyTruncated {
            declared,
            available,
        });
    }
    Ok(data.slice(body_start..body_start + declared))
}

/// The Content-Length of the parsed fields; several fields must agree.
fn declared_length(headers: &Headers) -> Result<Option<usize>, Error> {
    let mut found = None;
    for h in headers.all(HeaderName::ContentLength) {
        let value = content_length_value(h.value().as_bytes())?;
        if found.is_some_and(|v| v != value) {
            return Err(Error::BadContentLength {
                reason: "given twice with different values",
            });
        }
        found = Some(value);
    }
    Ok(found)
}

/// Where the lines of a header section are, found in one pass over the raw bytes (offsets
/// in the message).
struct Lines {
    /// End of the start line (after its `\n`).
    start_line_end: usize,
    /// Each field: start, and end after the `\n` of its last continuation line.
    fields: Vec<(usize, usize)>,
    /// Start of the empty line ending the section.
    blank_start: usize,
    /// After the empty line: where the body starts.
    body_start: usize,
}

/// Splits the header section starting at `start` into start line, fields (continuation
/// lines included) and the empty line; `None` when no empty line ends it. The same split
/// as `frame::find_head_end` followed by `frame::field_spans`, reading every line once.
fn scan_head(data: &[u8], start: usize) -> Option<Lines> {
    let line_end = |pos: usize| {
        let rest = data.get(pos..)?;
        crate::text::find_byte_in(rest, b'\n').map(|i| pos + i + 1)
    };
    let start_line_end = line_end(start)?;
    let mut fields: Vec<(usize, usize)> = Vec::with_capacity(24);
    let mut pos = start_line_end;
    while let Some(end) = line_end(pos) {
        let line = data.get(pos..end)?;
        if line == b"\r\n" || line == b"\n" {
            return Some(Lines {
                start_line_end,
                fields,
                blank_start: pos,
                body_start: end,
            });
        }
        match fields.last_mut() {
            Some(field) if matches!(line.first(), Some(b' ' | b'\t')) => field.1 = end,
            _ => fields.push((pos, end)),
        }
        pos = end;
    }
    None
}

/// A header section split into start line and fields.
struct Head<'t> {
    text: &'t ByteString,
    /// Offset of `text` in the message.
    base: usize,
    start_line: &'t str,
    headers: Headers,
    blank: ByteString,
}

impl ParseConfig {
    fn parse_head<'t>(
        &self,
        text: &'t ByteString,
        base: usize,
        lines: &Lines,
    ) -> Result<Head<'t>, Error> {
        let local = |at: usize| at.saturating_sub(base);
        let start_line = text.get(..local(lines.start_line_end)).unwrap_or("");
        let blank = text.get(local(lines.blank_start)..).unwrap_or("");
        let mut headers = Headers::with_capacity(lines.fields.len());
        for &(a, b) in &lines.fields {
            if headers.len() >= self.max_headers {
                return Err(Error::TooManyHeaders {
                    limit: self.max_headers,
                });
            }
            let line = text.get(local(a)..local(b)).unwrap_or("");
            headers
                .push_header(field(text, line).ok_or_else(|| Error::BadHeaderLine { offset: a })?);
        }
        Ok(Head {
            text,
            base,
            start_line,
            headers,
            blank: share(text, blank),
        })
    }
}

/// One header field from its raw line(s): `token *(SP / HTAB) ":" value`. The colon is
/// found first (a name holds no colon), then the name before it is checked.
fn field(text: &ByteString, line: &str) -> Option<Header> {
    let colon = crate::text::find_byte(line, b':')?;
    let (before, after) = (line.get(..colon)?, line.get(colon + 1..)?);
    let name = match before.as_bytes().last() {
        Some(b' ' | b'\t') => before.trim_end_matches([' ', '\t']),
        _ => before,
    };
    let name = HeaderName::from_shared_token(text, name)?;
    let value = trim(after);
    let start = offset_in(line, value);
    Some(Header::received(
        name,
        share(text, line),
        (start, start + value.len()),
    ))
}

impl Head<'_> {
    fn offset(&self, part: &str) -> usize {
        self.base + offset_in(self.text, part)
    }

    fn into_message(self, body: Bytes, cfg: &ParseConfig) -> Result<Message, Error> {
        let line = self.start_line.trim_end_matches(['\r', '\n']);
        let wire = Wire {
            start_line: Some(share(self.text, self.start_line)),
            blank: Some(self.blank.clone()),
            built: false,
        };
        if line
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("SIP/"))
        {
            let (status, reason) = self.status_line(line)?;
            validate(&self, false)?;
            return Ok(Message::Response(Response::received(
                status,
                reason,
                self.headers,
                body,
                wire,
            )));
        }
        let (method, uri) = self.request_line(line)?;
        validate_request(&self, &method, cfg)?;
        Ok(Message::Request(Request::received(
            method,
            uri,
            self.headers,
            body,
            wire,
        )))
    }

    fn request_line(&self, line: &str) -> Result<(Method, Uri), Error> {
        let bad = |part: &str, reason| Error::BadStartLine {
            offset: self.offset(part),
            reason,
        };
        let mut parts = crate::text::split_on(line, b' ');
        let (Some(method), Some(uri), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad(line, "not Method SP Request-URI SP SIP-Version"));
        };
        let method =
            Method::from_shared(self.text, method).map_err(|_| bad(method, "bad method"))?;
        let parsed = Uri::parse_shared(self.text, uri).map_err(|_| bad(uri, "bad Request-URI"))?;
        if parsed.as_sip().is_some_and(|u| !u.headers.is_empty()) {
            return Err(bad(uri, "headers in Request-URI"));
        }
        self.version(version)?;
        Ok((method, parsed))
    }

    fn status_line(&self, line: &str) -> Result<(StatusCode, ByteString), Error> {
        let (version, rest) = split_byte(line, b' ').ok_or_else(|| Error::BadStartLine {
            offset: self.base,
            reason: "no status code",
        })?;
        self.version(version)?;
        let (code, reason) = split_byte(rest, b' ').unwrap_or((rest, ""));
        let bad_code = Error::BadStatusCode {
            offset: self.offset(code),
        };
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad_code);
        }
        let status = code
            .parse()
            .ok()
            .and_then(StatusCode::new)
            .ok_or_else(|| bad_code.clone())?;
        if reason.chars().any(|c| c.is_control() && c != '\t') {
            return Err(Error::BadStartLine {
                offset: self.offset(reason),
                reason: "control character in reason phrase",
            });
        }
        Ok((status, share(self.text, reason)))
    }

    fn version(&self, version: &str) -> Result<(), Error> {
        if version == "SIP/2.0" {
            return Ok(());
        }
        let offset = self.offset(version);
        let numbers = version
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("SIP/"))
            .and_then(|_| version.get(4..));
        let (major, minor) =
            numbers
                .and_then(|n| split_byte(n, b'.'))
                .ok_or_else(|| Error::BadStartLine {
                    offset,
                    reason: "bad SIP-Version",
                })?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(major) || !digits(minor) {
            return Err(Error::BadStartLine {
                offset,
                reason: "bad SIP-Version",
            });
        }
        if major != "2" || minor != "0" {
            return Err(Error::UnsupportedVersion { offset });
        }
        Ok(())
    }
}

/// The headers counted by [`check_counts`], in its slot order: the first five are
/// mandatory, all must be single except Via (RFC 3261 § 8.1.1, RFC 4475 § 3.3.8).
const COUNTED: [HeaderName; 7] = [
    HeaderName::To,
    HeaderName::From,
    HeaderName::CallId,
    HeaderName::CSeq,
    HeaderName::Via,
    HeaderName::MaxForwards,
    HeaderName::ContentType,
];

fn counted_slot(name: &HeaderName) -> Option<usize> {
    match name {
        HeaderName::To => Some(0),
        HeaderName::From => Some(1),
        HeaderName::CallId => Some(2),
        HeaderName::CSeq => Some(3),
        HeaderName::Via => Some(4),
        HeaderName::MaxForwards => Some(5),
        HeaderName::ContentType => Some(6),
        _ => None,
    }
}

/// The first field of each counted header, once the counts are right.
struct Counted<'h> {
    first: [Option<&'h Header>; 7],
}

impl<'h> Counted<'h> {
    /// The first field in `slot`; only empty for the optional ones (Max-Forwards,
    /// Content-Type), since [`check_counts`] refused a message missing a mandatory one.
    fn get(&self, slot: usize, name: HeaderName) -> Result<&'h Header, Error> {
        self.first
            .get(slot)
            .copied()
            .flatten()
            .ok_or(Error::MissingHeader { name })
    }
}

fn check_counts(h: &Headers) -> Result<Counted<'_>, Error> {
    let mut counts = [0usize; 7];
    let mut first: [Option<&Header>; 7] = [None; 7];
    for header in h.iter() {
        let Some(slot) = counted_slot(header.name()) else {
            continue;
        };
        if let (Some(c), Some(f)) = (counts.get_mut(slot), first.get_mut(slot)) {
            *c += 1;
            f.get_or_insert(header);
        }
    }
    let named = |i: usize| COUNTED.get(i).cloned().unwrap_or(HeaderName::Via);
    if let Some(i) = counts.iter().take(5).position(|&c| c == 0) {
        return Err(Error::MissingHeader { name: named(i) });
    }
    match counts
        .iter()
        .enumerate()
        .position(|(i, &c)| i != 4 && c > 1)
    {
        Some(i) => Err(Error::DuplicateHeader { name: named(i) }),
        None => Ok(Counted { first }),
    }
}

/// Checks done on requests and responses: mandatory and single headers, and the
/// grammar of To, From, CSeq, Via, Contact, Call-ID and Max-Forwards. Returns the CSeq
/// and whether Max-Forwards is present. (The same checks as the typed accessors, on the
/// fields found while counting.)
fn validate(head: &Head<'_>, request: bool) -> Result<(CSeq, bool), Error> {
    let h = &head.headers;
    let counted = check_counts(h)?;
    let at = |name: HeaderName| move |e: Error| locate(head, name, e);
    let call_id = counted.get(2, HeaderName::CallId)?;
    crate::headers::check_call_id(call_id.value()).map_err(at(HeaderName::CallId))?;
    let cseq = counted
        .get(3, HeaderName::CSeq)?
        .parse_as(CSeq::parse_shared)
        .map_err(at(HeaderName::CSeq))?;
    counted
        .get(1, HeaderName::From)?
        .check_name_addr()
        .map_err(at(HeaderName::From))?;
    counted
        .get(0, HeaderName::To)?
        .check_name_addr()
        .map_err(at(HeaderName::To))?;
    h.check_vias().map_err(at(HeaderName::Via))?;
    h.check_contacts().map_err(at(HeaderName::Contact))?;
    let max_forwards = counted.first.get(5).copied().flatten();
    if let (true, Some(mf)) = (request, max_forwards) {
        mf.number().map_err(at(HeaderName::MaxForwards))?;
    }
    Ok((cseq, max_forwards.is_some()))
}

fn validate_request(head: &Head<'_>, method: &Method, cfg: &ParseConfig) -> Result<(), Error> {
    let (cseq, has_max_forwards) = validate(head, true)?;
    if cfg.require_max_forwards && !has_max_forwards {
        return Err(Error::MissingHeader {
            name: HeaderName::MaxForwards,
        });
    }
    if &cseq.method != method {
        return Err(Error::CSeqMismatch {
            request: method.clone(),
            cseq: cseq.method,
        });
    }
    Ok(())
}

/// Turns an error's offset within a header value into an offset in the message.
fn locate(head: &Head<'_>, name: HeaderName, e: Error) -> Error {
    let value_offset = head.headers.get(name).map_or(head.base, |v| head.offset(v));
    match e {
        Error::BadHeader {
            name,
            offset,
            reason,
        } => Error::BadHeader {
            name,
            offset: value_offset + offset,
            reason,
        },
        Error::UnterminatedQuote { offset } => Error::UnterminatedQuote {
            offset: value_offset + offset,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::field_spans;

    /// Start line end, field spans, empty line start, body start.
    type Split = (usize, Vec<(usize, usize)>, usize, usize);

    /// The two-pass split `scan_head` replaces: head end, then fields of what lies between
    /// the start line and the empty line.
    fn two_pass(data: &[u8], start: usize) -> Option<Split> {
        let (blank_start, body_start) = find_head_end(data, start)?;
        let first_end = start + data.get(start..)?.iter().position(|&b| b == b'\n')? + 1;
        let fields = data.get(first_end..blank_start)?;
        let spans = field_spans(fields)
            .map(|(a, b)| (first_end + a, first_end + b))
            .collect();
        Some((first_end, spans, blank_start, body_start))
    }

    #[test]
    fn one_pass_head_scan_splits_like_the_two_pass_one() {
        let cases: [&[u8]; 9] = [
            b"INVITE x SIP/2.0\r\nVia: a\r\nTo: b\r\n\r\nbody",
            b"INVITE x SIP/2.0\nVia: a\nTo: b\n\nbody\n\n",
            b"A\r\nSubject: one\r\n two\r\n\tthree\r\nB: c\r\n\r\n",
            b"A\r\n leading fold\r\nB: c\r\n\r\n",
            b"A\r\n\r\n",
            b"A\r\nB: c\r\n\nrest",
            b"A\r\nB: c\r\n",
            b"no line end at all",
            b"\r\n\r\nA\r\nB: c\r\n\r\n",
        ];
        let long = format!("A\r\nX: {}\r\n {}\r\n\r\n", "y".repeat(200), "z".repeat(70));
        for data in cases.iter().copied().chain([long.as_bytes()]) {
            let start = crate::frame::leading_crlf(data);
            let one = scan_head(data, start)
                .map(|l| (l.start_line_end, l.fields, l.blank_start, l.body_start));
            assert_eq!(
                one,
                two_pass(data, start),
                "{:?}",
                String::from_utf8_lossy(data)
            );
        }
    }
}
