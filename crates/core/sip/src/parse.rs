//! The message parser: limits, datagram parsing, stream framing, validation.

use bytes::Bytes;
use bytestring::ByteString;

use crate::frame::{
    content_length_value, field_spans, find_head_end, leading_crlf, scan_content_length,
};
use crate::headers::Header;
use crate::message::Wire;
use crate::text::{offset_in, share, trim};
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
        let (_, body_start) = find_head_end(data, start).ok_or_else(|| Error::UnterminatedHead)?;
        let head = data.slice(start..body_start);
        let text = ByteString::try_from(head).map_err(|e| Error::NotUtf8 {
            offset: start + e.valid_up_to(),
        })?;
        let parsed = self.parse_head(&text, start)?;
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
    fn parse_head<'t>(&self, text: &'t ByteString, base: usize) -> Result<Head<'t>, Error> {
        let first_end = crate::text::find_byte(text, b'\n').map_or(text.len(), |i| i + 1);
        let (start_line, fields) = text
            .split_at_checked(first_end)
            .ok_or_else(|| Error::UnterminatedHead)?;
        let blank_len = if fields.ends_with("\r\n") { 2 } else { 1 };
        let (fields, blank) = fields
            .split_at_checked(fields.len().saturating_sub(blank_len))
            .unwrap_or((fields, ""));
        let mut headers = Headers::with_capacity(16);
        for (a, b) in field_spans(fields.as_bytes()) {
            if headers.len() >= self.max_headers {
                return Err(Error::TooManyHeaders {
                    limit: self.max_headers,
                });
            }
            let line = fields.get(a..b).unwrap_or("");
            let offset = base + offset_in(text, line);
            headers.push_header(field(text, line).ok_or_else(|| Error::BadHeaderLine { offset })?);
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

/// One header field from its raw line(s).
fn field(text: &ByteString, line: &str) -> Option<Header> {
    let name_len = line
        .bytes()
        .take_while(|&b| crate::text::is_token_byte(b))
        .count();
    let (name, rest) = line.split_at_checked(name_len)?;
    let value = rest.trim_start_matches([' ', '\t']).strip_prefix(':')?;
    if name.is_empty() {
        return None;
    }
    let name = HeaderName::from_shared(text, name);
    let value = trim(value);
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
        let mut parts = line.split(' ');
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
        let (version, rest) = line.split_once(' ').ok_or_else(|| Error::BadStartLine {
            offset: self.base,
            reason: "no status code",
        })?;
        self.version(version)?;
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
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
        let offset = self.offset(version);
        let numbers = version
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("SIP/"))
            .and_then(|_| version.get(4..));
        let (major, minor) =
            numbers
                .and_then(|n| n.split_once('.'))
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

/// Headers counted by [`check_counts`]: the first five are mandatory, all must be single
/// (RFC 3261 § 8.1.1, RFC 4475 § 3.3.8).
const COUNTED: [HeaderName; 7] = [
    HeaderName::To,
    HeaderName::From,
    HeaderName::CallId,
    HeaderName::CSeq,
    HeaderName::Via,
    HeaderName::MaxForwards,
    HeaderName::ContentType,
];

fn check_counts(h: &Headers) -> Result<(), Error> {
    let mut counts = [0usize; 7];
    for header in h.iter() {
        let slot = COUNTED.iter().position(|n| n == header.name());
        if let Some(c) = slot.and_then(|i| counts.get_mut(i)) {
            *c += 1;
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
        None => Ok(()),
    }
}

/// Checks done on requests and responses: mandatory and single headers, and the
/// grammar of To, From, CSeq, Via, Contact, Call-ID and Max-Forwards. Returns the CSeq.
fn validate(head: &Head<'_>, request: bool) -> Result<CSeq, Error> {
    let h = &head.headers;
    check_counts(h)?;
    let at = |name: HeaderName| move |e: Error| locate(head, name, e);
    h.call_id().map_err(at(HeaderName::CallId))?;
    let cseq = h.cseq().map_err(at(HeaderName::CSeq))?;
    h.check_name_addr(HeaderName::From)
        .map_err(at(HeaderName::From))?;
    h.check_name_addr(HeaderName::To)
        .map_err(at(HeaderName::To))?;
    h.check_vias().map_err(at(HeaderName::Via))?;
    h.check_contacts().map_err(at(HeaderName::Contact))?;
    if request && h.contains(HeaderName::MaxForwards) {
        h.max_forwards().map_err(at(HeaderName::MaxForwards))?;
    }
    Ok(cseq)
}

fn validate_request(head: &Head<'_>, method: &Method, cfg: &ParseConfig) -> Result<(), Error> {
    let cseq = validate(head, true)?;
    if cfg.require_max_forwards && !head.headers.contains(HeaderName::MaxForwards) {
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
