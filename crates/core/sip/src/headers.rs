//! The ordered header list of a message, keeping each received line's exact bytes.

use std::fmt::Display;

use bytestring::ByteString;

use crate::text::{split_commas, trim};
use crate::typed::name_addr::parse_list;
use crate::typed::via::parse_vias;
use crate::{
    Auth, CSeq, Contacts, Error, HeaderName, MediaType, NameAddr, RAck, Replaces, SessionExpires,
    TokenParams, Via,
};

/// One header field. A received field remembers its exact line (folding, spacing, compact
/// name and line end included) and prints it back unchanged; a field set through the API
/// prints canonically as `Name: value\r\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    name: HeaderName,
    /// The received line(s), or the value of a field set through the API.
    text: ByteString,
    /// Where the value lies in `text`.
    value_at: (usize, usize),
    received: bool,
}

impl Header {
    /// A new field (printed canonically). CR and LF in `value` become spaces, so a value
    /// taken from elsewhere can never inject a header line.
    pub fn new(name: impl Into<HeaderName>, value: impl Into<ByteString>) -> Self {
        let value: ByteString = value.into();
        let text = if value.contains(['\r', '\n']) {
            ByteString::from(value.replace(['\r', '\n'], " "))
        } else {
            value
        };
        let value_at = (0, text.len());
        Header {
            name: name.into(),
            text,
            value_at,
            received: false,
        }
    }

    /// A received field: its whole `line` and where its value lies in it.
    pub(crate) fn received(name: HeaderName, line: ByteString, value_at: (usize, usize)) -> Self {
        Header {
            name,
            text: line,
            value_at,
            received: true,
        }
    }

    /// The name.
    pub fn name(&self) -> &HeaderName {
        &self.name
    }

    /// The value without leading and trailing LWS; a folded value keeps its inner line
    /// breaks (see [`Header::value_unfolded`]).
    pub fn value(&self) -> &str {
        self.text
            .get(self.value_at.0..self.value_at.1)
            .unwrap_or("")
    }

    /// The value's bytes, shared with the message.
    pub fn value_shared(&self) -> ByteString {
        crate::text::share(&self.text, self.value())
    }

    /// The value with each fold (CRLF + white space) replaced by one space.
    pub fn value_unfolded(&self) -> String {
        let value = self.value();
        let mut out = String::with_capacity(value.len());
        for (i, line) in value.lines().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(trim(line));
        }
        out
    }

    /// The exact received line, if this field was received and not changed.
    pub fn raw(&self) -> Option<&str> {
        self.received.then_some(&*self.text)
    }

    /// The value parsed by `parse`, errors reported against this field's name (what the
    /// typed accessors of [`Headers`] do once they have found the field).
    pub(crate) fn parse_as<T>(
        &self,
        parse: impl Fn(&ByteString, &str) -> Result<T, Error>,
    ) -> Result<T, Error> {
        parse(self.src(), self.value()).map_err(|e| bad(self.name.clone(), &e))
    }

    /// Checks the grammar of a name-addr value (From, To) without keeping anything.
    pub(crate) fn check_name_addr(&self) -> Result<(), Error> {
        let dry = ByteString::new();
        NameAddr::parse_shared(&dry, self.value())
            .map(drop)
            .map_err(|e| bad(self.name.clone(), &e))
    }

    /// The value as a plain decimal number (up to 2^32−1).
    pub(crate) fn number(&self) -> Result<u32, Error> {
        crate::text::parse_u32(trim(self.value())).ok_or_else(|| Error::BadHeader {
            name: self.name.clone(),
            offset: 0,
            reason: "not a number up to 4294967295",
        })
    }

    /// The text typed parsers share from (the value lies inside it).
    fn src(&self) -> &ByteString {
        &self.text
    }

    /// Appends the field as it goes on the wire.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        if !self.received {
            out.extend_from_slice(self.name.as_str().as_bytes());
            out.extend_from_slice(b": ");
        }
        out.extend_from_slice(self.text.as_bytes());
        if !self.received {
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// The header fields of a message, in order.
///
/// Lookups accept any [`HeaderName`]-convertible name (`"v"`, `"Via"`, `HeaderName::Via`).
/// Typed accessors parse on demand and return [`Error::MissingHeader`] when the header is
/// absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<Header>);

impl Headers {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// No fields, with room for `n`.
    pub fn with_capacity(n: usize) -> Self {
        Headers(Vec::with_capacity(n))
    }

    /// All fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.0.iter()
    }

    /// Number of fields (lines).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is no field.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields called `name`, in order.
    pub fn all(&self, name: impl Into<HeaderName>) -> impl Iterator<Item = &Header> {
        let name = name.into();
        self.0.iter().filter(move |h| h.name == name)
    }

    /// The first field called `name`.
    pub fn first(&self, name: impl Into<HeaderName>) -> Option<&Header> {
        self.all(name).next()
    }

    /// The value of the first field called `name`.
    pub fn get(&self, name: impl Into<HeaderName>) -> Option<&str> {
        self.first(name).map(Header::value)
    }

    /// True when a field called `name` exists.
    pub fn contains(&self, name: impl Into<HeaderName>) -> bool {
        self.first(name).is_some()
    }

    /// Number of fields called `name`.
    pub fn count(&self, name: impl Into<HeaderName>) -> usize {
        self.all(name).count()
    }

    /// Appends a field.
    pub fn push(&mut self, name: impl Into<HeaderName>, value: impl Display) {
        self.0.push(Header::new(name, value.to_string()));
    }

    /// Inserts a field before all others of the same name (or at the end when there is
    /// none), e.g. a new top Via or Record-Route.
    pub fn push_front(&mut self, name: impl Into<HeaderName>, value: impl Display) {
        let name = name.into();
        let at = self
            .0
            .iter()
            .position(|h| h.name == name)
            .unwrap_or(self.0.len());
        self.0.insert(at, Header::new(name, value.to_string()));
    }

    /// Replaces every field called `name` by one field with `value`, at the first one's place.
    pub fn set(&mut self, name: impl Into<HeaderName>, value: impl Display) {
        let name = name.into();
        let at = self.0.iter().position(|h| h.name == name);
        let header = Header::new(name.clone(), value.to_string());
        self.0.retain(|h| h.name != name);
        match at {
            Some(i) => self.0.insert(i.min(self.0.len()), header),
            None => self.0.push(header),
        }
    }

    /// Removes every field called `name`; returns how many were removed.
    pub fn remove(&mut self, name: impl Into<HeaderName>) -> usize {
        let name = name.into();
        let before = self.0.len();
        self.0.retain(|h| h.name != name);
        before - self.0.len()
    }

    /// Removes the first *value* of list header `name` (e.g. the top Via or Route). When
    /// the first line holds several values, the line is rewritten with the others.
    pub fn remove_first_value(&mut self, name: impl Into<HeaderName>) -> Result<(), Error> {
        let name = name.into();
        let at = self.0.iter().position(|h| h.name == name);
        let at = at.ok_or_else(|| Error::MissingHeader { name: name.clone() })?;
        let header = self
            .0
            .get(at)
            .ok_or_else(|| Error::MissingHeader { name: name.clone() })?;
        let items = split_commas(header.value())?;
        let others = items.get(1..).unwrap_or(&[]).join(", ");
        if items.len() <= 1 {
            self.0.remove(at);
        } else if let Some(h) = self.0.get_mut(at) {
            *h = Header::new(name, others);
        }
        Ok(())
    }

    pub(crate) fn push_header(&mut self, header: Header) {
        self.0.push(header);
    }

    fn required(&self, name: HeaderName) -> Result<&Header, Error> {
        self.first(name.clone())
            .ok_or_else(|| Error::MissingHeader { name })
    }

    fn single(&self, name: HeaderName) -> Result<&Header, Error> {
        let mut all = self.all(name.clone());
        let first = all
            .next()
            .ok_or_else(|| Error::MissingHeader { name: name.clone() })?;
        match all.next() {
            Some(_) => Err(Error::DuplicateHeader { name }),
            None => Ok(first),
        }
    }

    fn typed<T>(
        &self,
        name: HeaderName,
        parse: impl Fn(&ByteString, &str) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let h = self.single(name.clone())?;
        parse(h.src(), h.value()).map_err(|e| bad(name, &e))
    }

    fn typed_lists<T>(
        &self,
        name: HeaderName,
        parse: impl Fn(&ByteString, &str) -> Result<Vec<T>, Error>,
    ) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        for h in self.all(name.clone()) {
            out.extend(parse(h.src(), h.value()).map_err(|e| bad(name.clone(), &e))?);
        }
        Ok(out)
    }

    /// Checks the grammar of every Via value without keeping anything.
    pub(crate) fn check_vias(&self) -> Result<(), Error> {
        let dry = ByteString::new();
        for h in self.all(HeaderName::Via) {
            for item in crate::text::comma_items(h.value()) {
                Via::parse_shared(&dry, item?).map_err(|e| bad(HeaderName::Via, &e))?;
            }
        }
        Ok(())
    }

    /// Checks the grammar of every Contact value without keeping anything.
    pub(crate) fn check_contacts(&self) -> Result<(), Error> {
        for h in self.all(HeaderName::Contact) {
            Contacts::check(h.value()).map_err(|e| bad(HeaderName::Contact, &e))?;
        }
        Ok(())
    }

    /// `Call-ID`.
    pub fn call_id(&self) -> Result<&str, Error> {
        let value = self.single(HeaderName::CallId)?.value();
        check_call_id(value)?;
        Ok(value)
    }

    /// `CSeq`.
    pub fn cseq(&self) -> Result<CSeq, Error> {
        self.typed(HeaderName::CSeq, CSeq::parse_shared)
    }

    /// `From`.
    pub fn from(&self) -> Result<NameAddr, Error> {
        self.typed(HeaderName::From, NameAddr::parse_shared)
    }

    /// `To`.
    pub fn to(&self) -> Result<NameAddr, Error> {
        self.typed(HeaderName::To, NameAddr::parse_shared)
    }

    /// Every Via value, top first.
    pub fn vias(&self) -> Result<Vec<Via>, Error> {
        let vias = self.typed_lists(HeaderName::Via, parse_vias)?;
        if vias.is_empty() {
            return Err(Error::MissingHeader {
                name: HeaderName::Via,
            });
        }
        Ok(vias)
    }

    /// The topmost Via value.
    pub fn top_via(&self) -> Result<Via, Error> {
        let h = self.required(HeaderName::Via)?;
        let first = crate::text::split_once_top(h.value(), b',')?.0;
        Via::parse_shared(h.src(), first).map_err(|e| bad(HeaderName::Via, &e))
    }

    /// `Contact`: `*` or the addresses of every Contact line.
    pub fn contacts(&self) -> Result<Contacts, Error> {
        let mut list = Vec::new();
        for h in self.all(HeaderName::Contact) {
            match Contacts::parse_shared(h.src(), h.value())
                .map_err(|e| bad(HeaderName::Contact, &e))?
            {
                Contacts::Star => return Ok(Contacts::Star),
                Contacts::List(more) => list.extend(more),
            }
        }
        if list.is_empty() {
            return Err(Error::MissingHeader {
                name: HeaderName::Contact,
            });
        }
        Ok(Contacts::List(list))
    }

    /// Every Route value in order (empty when absent).
    pub fn routes(&self) -> Result<Vec<NameAddr>, Error> {
        self.typed_lists(HeaderName::Route, parse_list)
    }

    /// Every Record-Route value in order (empty when absent).
    pub fn record_routes(&self) -> Result<Vec<NameAddr>, Error> {
        self.typed_lists(HeaderName::RecordRoute, parse_list)
    }

    /// Every value of a name-addr list header such as Path, Service-Route or
    /// P-Asserted-Identity (empty when absent).
    pub fn name_addrs(&self, name: impl Into<HeaderName>) -> Result<Vec<NameAddr>, Error> {
        self.typed_lists(name.into(), parse_list)
    }

    /// `Refer-To` (RFC 3515).
    pub fn refer_to(&self) -> Result<NameAddr, Error> {
        self.typed(HeaderName::ReferTo, NameAddr::parse_shared)
    }

    /// `Referred-By` (RFC 3892).
    pub fn referred_by(&self) -> Result<NameAddr, Error> {
        self.typed(HeaderName::ReferredBy, NameAddr::parse_shared)
    }

    /// `Max-Forwards`.
    pub fn max_forwards(&self) -> Result<u32, Error> {
        self.number(HeaderName::MaxForwards)
    }

    /// `Expires` (delta seconds).
    pub fn expires(&self) -> Result<u32, Error> {
        self.number(HeaderName::Expires)
    }

    /// `Min-Expires`.
    pub fn min_expires(&self) -> Result<u32, Error> {
        self.number(HeaderName::MinExpires)
    }

    /// `RSeq` (RFC 3262).
    pub fn rseq(&self) -> Result<u32, Error> {
        self.number(HeaderName::RSeq)
    }

    /// `Content-Length` as declared.
    pub fn content_length(&self) -> Result<u32, Error> {
        self.number(HeaderName::ContentLength)
    }

    /// A header whose value is a plain decimal number (up to 2^32−1).
    pub fn number(&self, name: impl Into<HeaderName>) -> Result<u32, Error> {
        let name = name.into();
        self.single(name)?.number()
    }

    /// `Content-Type`.
    pub fn content_type(&self) -> Result<MediaType, Error> {
        self.typed(HeaderName::ContentType, MediaType::parse_shared)
    }

    /// `Authorization` values (one per line).
    pub fn authorizations(&self) -> Result<Vec<Auth>, Error> {
        self.auths(HeaderName::Authorization)
    }

    /// `Proxy-Authorization` values.
    pub fn proxy_authorizations(&self) -> Result<Vec<Auth>, Error> {
        self.auths(HeaderName::ProxyAuthorization)
    }

    /// `WWW-Authenticate` challenges.
    pub fn www_authenticates(&self) -> Result<Vec<Auth>, Error> {
        self.auths(HeaderName::WwwAuthenticate)
    }

    /// `Proxy-Authenticate` challenges.
    pub fn proxy_authenticates(&self) -> Result<Vec<Auth>, Error> {
        self.auths(HeaderName::ProxyAuthenticate)
    }

    fn auths(&self, name: HeaderName) -> Result<Vec<Auth>, Error> {
        self.typed_lists(name, |src, s| Auth::parse_shared(src, s).map(|a| vec![a]))
    }

    /// The tokens of a token-list header such as Allow, Supported, Require, Proxy-Require,
    /// Unsupported or Allow-Events, over all its lines (empty when absent).
    pub fn tokens(&self, name: impl Into<HeaderName>) -> Result<Vec<ByteString>, Error> {
        let name = name.into();
        let mut out = Vec::new();
        for h in self.all(name.clone()) {
            for item in split_commas(h.value())? {
                if item.is_empty() {
                    continue;
                }
                if !crate::text::is_token(item) {
                    return Err(Error::BadHeader {
                        name: name.clone(),
                        offset: 0,
                        reason: "not a token",
                    });
                }
                out.push(crate::text::share(h.src(), item));
            }
        }
        Ok(out)
    }

    /// True when token-list header `name` holds `token` (case-insensitive), e.g.
    /// `has_token("Supported", "100rel")`.
    pub fn has_token(&self, name: impl Into<HeaderName>, token: &str) -> bool {
        self.tokens(name)
            .is_ok_and(|t| t.iter().any(|x| x.eq_ignore_ascii_case(token)))
    }

    /// `Event` (RFC 6665): package and parameters (`id`).
    pub fn event(&self) -> Result<TokenParams, Error> {
        self.typed(HeaderName::Event, TokenParams::parse_shared)
    }

    /// `Subscription-State` (RFC 6665).
    pub fn subscription_state(&self) -> Result<TokenParams, Error> {
        self.typed(HeaderName::SubscriptionState, TokenParams::parse_shared)
    }

    /// `Replaces` (RFC 3891).
    pub fn replaces(&self) -> Result<Replaces, Error> {
        self.typed(HeaderName::Replaces, Replaces::parse_shared)
    }

    /// `Session-Expires` (RFC 4028).
    pub fn session_expires(&self) -> Result<SessionExpires, Error> {
        self.typed(HeaderName::SessionExpires, SessionExpires::parse_shared)
    }

    /// `RAck` (RFC 3262).
    pub fn rack(&self) -> Result<RAck, Error> {
        self.typed(HeaderName::RAck, RAck::parse_shared)
    }
}

/// The Call-ID grammar as checked here: one non-empty word.
pub(crate) fn check_call_id(value: &str) -> Result<(), Error> {
    if value.is_empty() || value.bytes().any(crate::text::is_lws) {
        return Err(Error::BadHeader {
            name: HeaderName::CallId,
            offset: 0,
            reason: "not a word",
        });
    }
    Ok(())
}

/// Wraps a typed-parse error with the header it came from.
fn bad(name: HeaderName, e: &Error) -> Error {
    match e {
        Error::UnterminatedQuote { .. } => e.clone(),
        Error::Syntax { what, offset } => Error::BadHeader {
            name,
            offset: *offset,
            reason: what,
        },
        _ => Error::BadHeader {
            name,
            offset: 0,
            reason: "malformed value",
        },
    }
}
