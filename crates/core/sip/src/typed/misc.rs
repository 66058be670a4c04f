//! Small typed headers: CSeq, Content-Type, Event, Replaces, Session-Expires, RAck.

use std::fmt;

use bytestring::ByteString;

use crate::params::{Params, parse_header_params};
use crate::text::{is_lws, is_token, parse_u32, share, trim};
use crate::{Error, Method};

fn syntax(what: &'static str) -> Error {
    Error::Syntax { what, offset: 0 }
}

/// Splits `s` (trimmed) at its first LWS run.
fn split_word(s: &str) -> (&str, &str) {
    let s = trim(s);
    let end = s.bytes().position(is_lws).unwrap_or(s.len());
    let (word, rest) = s.split_at_checked(end).unwrap_or((s, ""));
    (word, trim(rest))
}

/// Splits `s` at its first `;` (the start of header parameters).
fn split_semi(s: &str) -> (&str, &str) {
    let end = s.find(';').unwrap_or(s.len());
    let (head, rest) = s.split_at_checked(end).unwrap_or((s, ""));
    (trim(head), rest)
}

/// `CSeq: 4711 INVITE`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CSeq {
    /// Sequence number, at most 2^31−1 when generated, up to 2^32−1 accepted (RFC 3261 § 8.1.1.5).
    pub seq: u32,
    /// Method.
    pub method: Method,
}

impl CSeq {
    /// Parses `1*DIGIT LWS Method`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_shared(&ByteString::from(s), s)
    }

    pub(crate) fn parse_shared(src: &ByteString, s: &str) -> Result<Self, Error> {
        let (number, method) = split_word(s);
        let seq = parse_u32(number).ok_or_else(|| syntax("CSeq number"))?;
        let method = Method::from_shared(src, method).map_err(|_| syntax("CSeq method"))?;
        Ok(CSeq { seq, method })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// A media type: `application/sdp`, `multipart/mixed;boundary=…` (RFC 3261 § 20.15).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaType {
    /// Type, e.g. `application`.
    pub main: ByteString,
    /// Subtype, e.g. `sdp`.
    pub sub: ByteString,
    /// Parameters (`boundary`, `charset`, …).
    pub params: Params,
}

impl MediaType {
    /// `type/subtype` without parameters.
    pub fn new(main: &str, sub: &str) -> Self {
        MediaType {
            main: main.into(),
            sub: sub.into(),
            params: Params::new(),
        }
    }

    /// Parses `type/subtype *(;param)`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_shared(&ByteString::from(s), s)
    }

    pub(crate) fn parse_shared(src: &ByteString, s: &str) -> Result<Self, Error> {
        let (mtype, rest) = split_semi(s);
        let (main, sub) = mtype.split_once('/').ok_or_else(|| syntax("media-type"))?;
        let (main, sub) = (trim(main), trim(sub));
        if !is_token(main) || !is_token(sub) {
            return Err(syntax("media-type"));
        }
        let (params, rest) = parse_header_params(src, rest, b"")?;
        if !rest.is_empty() {
            return Err(syntax("media-type"));
        }
        Ok(MediaType {
            main: share(src, main),
            sub: share(src, sub),
            params,
        })
    }

    /// True when this is `main/sub` (case-insensitive).
    pub fn is(&self, main: &str, sub: &str) -> bool {
        self.main.eq_ignore_ascii_case(main) && self.sub.eq_ignore_ascii_case(sub)
    }

    /// True for `multipart/*`.
    pub fn is_multipart(&self) -> bool {
        self.main.eq_ignore_ascii_case("multipart")
    }

    /// The `boundary` parameter, unquoted.
    pub fn boundary(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.params.get_unquoted("boundary")
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}{}", self.main, self.sub, self.params)
    }
}

/// A token with parameters: Event (RFC 6665), Subscription-State, Reason-less values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenParams {
    /// The leading token (event package, substate, …).
    pub value: ByteString,
    /// Parameters (`id`, `expires`, `reason`, …).
    pub params: Params,
}

impl TokenParams {
    /// Parses `token *(;param)`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_shared(&ByteString::from(s), s)
    }

    pub(crate) fn parse_shared(src: &ByteString, s: &str) -> Result<Self, Error> {
        let (value, rest) = split_semi(s);
        if !is_token(value) {
            return Err(syntax("token"));
        }
        let (params, rest) = parse_header_params(src, rest, b"")?;
        if !rest.is_empty() {
            return Err(syntax("generic-param"));
        }
        Ok(TokenParams {
            value: share(src, value),
            params,
        })
    }
}

impl fmt::Display for TokenParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.value, self.params)
    }
}

/// `Replaces: call-id;to-tag=…;from-tag=…[;early-only]` (RFC 3891).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Replaces {
    /// Call-ID of the dialog to replace.
    pub call_id: ByteString,
    /// Parameters (`to-tag`, `from-tag`, `early-only`).
    pub params: Params,
}

impl Replaces {
    /// Parses a Replaces value.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_shared(&ByteString::from(s), s)
    }

    pub(crate) fn parse_shared(src: &ByteString, s: &str) -> Result<Self, Error> {
        let (call_id, rest) = split_semi(s);
        let (params, rest) = parse_header_params(src, rest, b"")?;
        let complete = params.contains("to-tag") && params.contains("from-tag");
        if call_id.is_empty() || !rest.is_empty() || !complete {
            return Err(syntax("Replaces"));
        }
        Ok(Replaces {
            call_id: share(src, call_id),
            params,
        })
    }

    /// `to-tag`.
    pub fn to_tag(&self) -> &str {
        self.params.get("to-tag").unwrap_or("")
    }

    /// `from-tag`.
    pub fn from_tag(&self) -> &str {
        self.params.get("from-tag").unwrap_or("")
    }

    /// True with `;early-only`.
    pub fn early_only(&self) -> bool {
        self.params.contains("early-only")
    }
}

impl fmt::Display for Replaces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.call_id, self.params)
    }
}

/// `Session-Expires: delta[;refresher=uac|uas]` (RFC 4028).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionExpires {
    /// Interval in seconds.
    pub delta: u32,
    /// Parameters (`refresher`).
    pub params: Params,
}

impl SessionExpires {
    /// Parses a Session-Expires value.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_shared(&ByteString::from(s), s)
    }

    pub(crate) fn parse_shared(src: &ByteString, s: &str) -> Result<Self, Error> {
        let (delta, rest) = split_semi(s);
        let delta = parse_u32(delta).ok_or_else(|| syntax("delta-seconds"))?;
        let (params, rest) = parse_header_params(src, rest, b"")?;
        if !rest.is_empty() {
            return Err(syntax("se-params"));
        }
        Ok(SessionExpires { delta, params })
    }

    /// `refresher` (`uac` or `uas`).
    pub fn refresher(&self) -> Option<&str> {
        self.params.get("refresher")
    }
}

impl fmt::Display for SessionExpires {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.delta, self.params)
    }
}

/// `RAck: rseq cseq method` (RFC 3262).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RAck {
    /// RSeq of the acknowledged provisional response.
    pub rseq: u32,
    /// CSeq number of the INVITE.
    pub cseq: u32,
    /// CSeq method (INVITE).
    pub method: Method,
}

impl RAck {
    /// Parses an RAck value.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_shared(&ByteString::from(s), s)
    }

    pub(crate) fn parse_shared(src: &ByteString, s: &str) -> Result<Self, Error> {
        let (rseq, rest) = split_word(s);
        let rseq = parse_u32(rseq).ok_or_else(|| syntax("RAck"))?;
        let cseq = CSeq::parse_shared(src, rest)?;
        Ok(RAck {
            rseq,
            cseq: cseq.seq,
            method: cseq.method,
        })
    }
}

impl fmt::Display for RAck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.rseq, self.cseq, self.method)
    }
}
