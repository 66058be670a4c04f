//! Building a response from a request (RFC 3261 § 8.2.6).

use crate::{Error, HeaderName, Method, Request, Response, StatusCode};

impl Request {
    /// A response to this request (RFC 3261 § 8.2.6.2): copies every Via (in order),
    /// From, Call-ID and CSeq; copies To and adds `to_tag` when the To has no tag yet and
    /// the status is not 100; copies Timestamp into a 100 (§ 8.2.6.1); copies
    /// Record-Route into a 101–299 answer to a dialog-creating request (§ 12.1.1).
    /// Content-Length is added when encoded.
    pub fn make_response(&self, status: StatusCode, to_tag: Option<&str>) -> Response {
        let mut response = Response::new(status);
        let out = response.headers_mut();
        let copy = [
            HeaderName::Via,
            HeaderName::From,
            HeaderName::To,
            HeaderName::CallId,
            HeaderName::CSeq,
        ];
        for h in self.headers().iter().filter(|h| copy.contains(h.name())) {
            out.push(h.name().clone(), h.value_unfolded());
        }
        if let (Some(tag), Ok(mut to)) = (to_tag, self.headers().to())
            && to.tag().is_none()
            && status != StatusCode::TRYING
        {
            to.set_tag(tag);
            out.set(HeaderName::To, to);
        }
        if status == StatusCode::TRYING {
            self.copy_all(HeaderName::Timestamp, out);
        }
        let dialog_forming =
            (101..300).contains(&status.as_u16()) && self.method().creates_dialog();
        if dialog_forming && *self.method() != Method::Cancel {
            self.copy_all(HeaderName::RecordRoute, out);
        }
        response
    }

    fn copy_all(&self, name: HeaderName, out: &mut crate::Headers) {
        for h in self.headers().all(name) {
            out.push(h.name().clone(), h.value_unfolded());
        }
    }
}

/// Headers a response copies from its request (RFC 3261 § 8.2.6.2).
const COPIED: [HeaderName; 5] = [
    HeaderName::Via,
    HeaderName::From,
    HeaderName::To,
    HeaderName::CallId,
    HeaderName::CSeq,
];

impl Response {
    /// The answer to a request that failed to parse with `error` (RFC 3261 § 8.2,
    /// RFC 4475: "respond with 400"): the status of [`Error::reply_status`] with the Via,
    /// From, To, Call-ID and CSeq lines salvaged from the raw bytes, and `to_tag` added to a
    /// To without a tag. `None` when nothing is to be answered (a response, an error that
    /// is dropped) or when the request has no usable Via to send the answer back along.
    pub fn for_rejected(raw: &[u8], error: &Error, to_tag: Option<&str>) -> Option<Response> {
        let status = error.reply_status()?;
        let fields = salvage_fields(raw)?;
        if !fields.iter().any(|(name, _)| *name == HeaderName::Via) {
            return None;
        }
        let mut response = Response::new(status);
        for (name, value) in fields {
            response.headers_mut().push(name, value);
        }
        if let (Some(tag), Ok(mut to)) = (to_tag, response.headers().to())
            && to.tag().is_none()
        {
            to.set_tag(tag);
            response.headers_mut().set(HeaderName::To, to);
        }
        Some(response)
    }
}

/// The copied fields of a raw request, unfolded; `None` when it starts like a response.
fn salvage_fields(raw: &[u8]) -> Option<Vec<(HeaderName, String)>> {
    let start = crate::frame::leading_crlf(raw);
    let head = raw.get(start..)?;
    if head.len() < 4 || head.get(..4)?.eq_ignore_ascii_case(b"SIP/") {
        return None;
    }
    let head_end = crate::frame::find_head_end(head, 0).map_or(head.len(), |(blank, _)| blank);
    let head = head.get(..head_end)?;
    let first_line = memchr::memchr(b'\n', head).map_or(head.len(), |i| i + 1);
    let fields = head.get(first_line..)?;
    let mut out = Vec::new();
    for (a, b) in crate::frame::field_spans(fields) {
        let Some(line) = fields.get(a..b).and_then(|l| std::str::from_utf8(l).ok()) else {
            continue;
        };
        let Some((name, value)) = crate::text::split_byte(line, b':') else {
            continue;
        };
        let name = HeaderName::new(name.trim_end_matches([' ', '\t']));
        if COPIED.contains(&name) {
            out.push((name, value.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
    }
    Some(out)
}
