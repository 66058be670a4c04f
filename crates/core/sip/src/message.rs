//! Requests, responses, and their printing.
//!
//! A received message keeps the exact bytes of its start line and of each header line;
//! [`Message::encode`] writes those back, so printing an unmodified message gives the
//! input bytes. Whatever the API changed is printed canonically.

use bytes::Bytes;
use bytestring::ByteString;

use crate::{HeaderName, Headers, MediaType, Method, StatusCode, Uri};

/// A SIP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    method: Method,
    uri: Uri,
    headers: Headers,
    body: Bytes,
    wire: Wire,
}

/// A SIP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: StatusCode,
    reason: ByteString,
    headers: Headers,
    body: Bytes,
    wire: Wire,
}

/// A request or a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

/// What is needed to print a received message back byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Wire {
    /// The received start line with its line end, while unchanged.
    pub(crate) start_line: Option<ByteString>,
    /// The received empty line ending the header section (`\r\n` or `\n`).
    pub(crate) blank: Option<ByteString>,
    /// True for messages built through the API: encoding adds Content-Length if missing.
    pub(crate) built: bool,
}

impl Wire {
    fn built() -> Self {
        Wire {
            start_line: None,
            blank: None,
            built: true,
        }
    }
}

impl Request {
    /// A request with no headers and no body. Encoding adds `Content-Length` if it is
    /// still missing then.
    pub fn new(method: Method, uri: Uri) -> Self {
        let headers = Headers::new();
        Request {
            method,
            uri,
            headers,
            body: Bytes::new(),
            wire: Wire::built(),
        }
    }

    pub(crate) fn received(
        method: Method,
        uri: Uri,
        headers: Headers,
        body: Bytes,
        wire: Wire,
    ) -> Self {
        Request {
            method,
            uri,
            headers,
            body,
            wire,
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The Request-URI.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// Replaces the Request-URI (the start line is then printed canonically).
    pub fn set_uri(&mut self, uri: Uri) {
        self.uri = uri;
        self.wire.start_line = None;
    }

    /// The header fields.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The header fields, to change.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The body (exactly Content-Length bytes for a received message).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Sets the body with its Content-Type (or removes both with `None` and an empty body)
    /// and updates Content-Length.
    pub fn set_body(&mut self, content_type: Option<&MediaType>, body: Bytes) {
        set_body(&mut self.headers, &mut self.body, content_type, body);
    }

    /// Appends the wire form to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match &self.wire.start_line {
            Some(raw) => out.extend_from_slice(raw.as_bytes()),
            None => {
                let line = format!("{} {} SIP/2.0\r\n", self.method, self.uri);
                out.extend_from_slice(line.as_bytes());
            }
        }
        encode_rest(&self.headers, &self.body, &self.wire, out);
    }

    /// The wire form.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = Vec::with_capacity(self.encoded_len_hint());
        self.encode(&mut out);
        out.into()
    }

    fn encoded_len_hint(&self) -> usize {
        256 + self.body.len()
            + self
                .headers
                .iter()
                .map(|h| h.value().len() + 24)
                .sum::<usize>()
    }
}

impl Response {
    /// A response with the canonical reason phrase, no headers and no body.
    pub fn new(status: StatusCode) -> Self {
        let reason = ByteString::from_static(status.reason());
        Response {
            status,
            reason,
            headers: Headers::new(),
            body: Bytes::new(),
            wire: Wire::built(),
        }
    }

    pub(crate) fn received(
        status: StatusCode,
        reason: ByteString,
        headers: Headers,
        body: Bytes,
        wire: Wire,
    ) -> Self {
        Response {
            status,
            reason,
            headers,
            body,
            wire,
        }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The reason phrase as received (may be empty, RFC 4475 § 3.1.1.13).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Sets the reason phrase (the start line is then printed canonically). CR and LF
    /// become spaces.
    pub fn set_reason(&mut self, reason: &str) {
        self.reason = reason.replace(['\r', '\n'], " ").into();
        self.wire.start_line = None;
    }

    /// The header fields.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The header fields, to change.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Sets the body with its Content-Type and updates Content-Length.
    pub fn set_body(&mut self, content_type: Option<&MediaType>, body: Bytes) {
        set_body(&mut self.headers, &mut self.body, content_type, body);
    }

    /// Appends the wire form to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match &self.wire.start_line {
            Some(raw) => out.extend_from_slice(raw.as_bytes()),
            None => {
                let line = format!("SIP/2.0 {} {}\r\n", self.status, self.reason);
                out.extend_from_slice(line.as_bytes());
            }
        }
        encode_rest(&self.headers, &self.body, &self.wire, out);
    }

    /// The wire form.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = Vec::with_capacity(256 + self.body.len() + 32 * self.headers.len());
        self.encode(&mut out);
        out.into()
    }
}

fn set_body(
    headers: &mut Headers,
    slot: &mut Bytes,
    content_type: Option<&MediaType>,
    body: Bytes,
) {
    match content_type {
        Some(ct) => headers.set(HeaderName::ContentType, ct),
        None => {
            headers.remove(HeaderName::ContentType);
        }
    }
    headers.set(HeaderName::ContentLength, body.len());
    *slot = body;
}

fn encode_rest(headers: &Headers, body: &Bytes, wire: &Wire, out: &mut Vec<u8>) {
    for h in headers.iter() {
        h.write(out);
    }
    if wire.built && !headers.contains(HeaderName::ContentLength) {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    match &wire.blank {
        Some(raw) => out.extend_from_slice(raw.as_bytes()),
        None => out.extend_from_slice(b"\r\n"),
    }
    out.extend_from_slice(body);
}

impl Message {
    /// The header fields.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => r.headers(),
            Message::Response(r) => r.headers(),
        }
    }

    /// The header fields, to change.
    pub fn headers_mut(&mut self) -> &mut Headers {
        match self {
            Message::Request(r) => r.headers_mut(),
            Message::Response(r) => r.headers_mut(),
        }
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        match self {
            Message::Request(r) => r.body(),
            Message::Response(r) => r.body(),
        }
    }

    /// The request, if this is one.
    pub fn as_request(&self) -> Option<&Request> {
        match self {
            Message::Request(r) => Some(r),
            Message::Response(_) => None,
        }
    }

    /// The response, if this is one.
    pub fn as_response(&self) -> Option<&Response> {
        match self {
            Message::Response(r) => Some(r),
            Message::Request(_) => None,
        }
    }

    /// Appends the wire form to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Message::Request(r) => r.encode(out),
            Message::Response(r) => r.encode(out),
        }
    }

    /// The wire form.
    pub fn to_bytes(&self) -> Bytes {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}

impl From<Request> for Message {
    fn from(r: Request) -> Self {
        Message::Request(r)
    }
}

impl From<Response> for Message {
    fn from(r: Response) -> Self {
        Message::Response(r)
    }
}
