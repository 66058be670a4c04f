//! URIs: `sip:`/`sips:` (RFC 3261 § 19.1), `tel:` (RFC 3966) and any other absolute URI.
//!
//! Escaped text (`%xx`) is kept as received; [`SipUri::user_decoded`] unescapes, and
//! [`SipUri::equivalent`] compares the RFC 3261 § 19.1.4 way.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use bytestring::ByteString;

use crate::params::{Params, parse_uri_params};
use crate::text::{escapes_valid, find_any, find_byte, percent_decode, share, split_byte};
use crate::{Error, charset};

/// Any URI that can appear in a Request-URI or a name-addr.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Uri {
    /// `sip:` or `sips:`.
    Sip(SipUri),
    /// `tel:` (RFC 3966).
    Tel(TelUri),
    /// Another scheme, kept opaque (RFC 4475 § 3.3.2–3.3.4: the application answers 416).
    Other(OtherUri),
}

/// A `sip:` or `sips:` URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SipUri {
    /// `sips:` when true.
    pub secure: bool,
    /// User part, still escaped.
    pub user: Option<ByteString>,
    /// Password, still escaped.
    pub password: Option<ByteString>,
    /// Host.
    pub host: Host,
    /// Port, when given.
    pub port: Option<u16>,
    /// `;uri-parameters`.
    pub params: Params,
    /// `?headers` (hname=hvalue pairs, still escaped).
    pub headers: Params,
}

/// A `tel:` URI (RFC 3966).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TelUri {
    /// The number with its visual separators, e.g. `+1-201-555-0123`.
    pub number: ByteString,
    /// Parameters (`ext`, `isub`, `phone-context`, …).
    pub params: Params,
}

/// An absolute URI of another scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OtherUri {
    /// The scheme, as received.
    pub scheme: ByteString,
    /// Everything after `scheme:`.
    pub rest: ByteString,
}

/// The host of a SIP URI or Via.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A domain name, as received.
    Domain(ByteString),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address (written `[…]` in URIs, RFC 5118).
    Ipv6(Ipv6Addr),
}

fn syntax(what: &'static str) -> Error {
    Error::Syntax { what, offset: 0 }
}

impl Uri {
    /// Parses a URI (no surrounding `<>` and no LWS).
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_shared(&ByteString::from(s), s)
    }

    pub(crate) fn parse_shared(src: &ByteString, s: &str) -> Result<Self, Error> {
        let (scheme, rest) = split_byte(s, b':').ok_or_else(|| syntax("URI scheme"))?;
        if !is_scheme(scheme) {
            return Err(syntax("URI scheme"));
        }
        if scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips") {
            let secure = scheme.len() == 4;
            return SipUri::parse_rest(src, rest, secure).map(Uri::Sip);
        }
        if scheme.eq_ignore_ascii_case("tel") {
            return TelUri::parse_rest(src, rest).map(Uri::Tel);
        }
        let opaque_ok = !rest.is_empty() && rest.bytes().all(|b| b > b' ' && !b"<>\"".contains(&b));
        if !opaque_ok {
            return Err(syntax("absoluteURI"));
        }
        Ok(Uri::Other(OtherUri {
            scheme: share(src, scheme),
            rest: share(src, rest),
        }))
    }

    /// The SIP URI, if this is one.
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }

    /// The scheme in lower case (`"sip"`, `"sips"`, `"tel"` or the other scheme as received).
    pub fn scheme(&self) -> &str {
        match self {
            Uri::Sip(u) if u.secure => "sips",
            Uri::Sip(_) => "sip",
            Uri::Tel(_) => "tel",
            Uri::Other(o) => &o.scheme,
        }
    }

    /// RFC 3261 § 19.1.4 equivalence for SIP URIs; exact text equality otherwise.
    pub fn equivalent(&self, other: &Uri) -> bool {
        match (self, other) {
            (Uri::Sip(a), Uri::Sip(b)) => a.equivalent(b),
            _ => self.to_string().eq_ignore_ascii_case(&other.to_string()),
        }
    }
}

fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

impl SipUri {
    /// A `sip:` URI for `host` with nothing else set.
    pub fn new(host: Host) -> Self {
        SipUri {
            secure: false,
            user: None,
            password: None,
            host,
            port: None,
            params: Params::new(),
            headers: Params::new(),
        }
    }

    /// Parses `sip:…` or `sips:…`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        match Uri::parse(s)? {
            Uri::Sip(u) => Ok(u),
            _ => Err(syntax("SIP-URI")),
        }
    }

    fn parse_rest(src: &ByteString, rest: &str, secure: bool) -> Result<Self, Error> {
        let (userinfo, hostpart) = match split_byte(rest, b'@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let mut uri = SipUri::new(Host::Domain(ByteString::new()));
        uri.secure = secure;
        if let Some(userinfo) = userinfo {
            uri.set_userinfo(src, userinfo)?;
        }
        let (host, port, tail) = parse_hostport(src, hostpart)?;
        (uri.host, uri.port) = (host, port);
        let (params, headers) = match split_byte(tail, b'?') {
            Some((p, h)) => (p, Some(h)),
            None => (tail, None),
        };
        if let Some(p) = params.strip_prefix(';') {
            uri.params = checked_params(src, p)?;
        } else if !params.is_empty() {
            return Err(syntax("hostport"));
        }
        if let Some(h) = headers {
            uri.headers = parse_uri_headers(src, h)?;
        }
        Ok(uri)
    }

    fn set_userinfo(&mut self, src: &ByteString, userinfo: &str) -> Result<(), Error> {
        let (user, password) = match split_byte(userinfo, b':') {
            Some((u, p)) => (u, Some(p)),
            None => (userinfo, None),
        };
        if user.is_empty() || !charset::USER.all_escaped(user) {
            return Err(syntax("user"));
        }
        if let Some(p) = password {
            if !charset::PASSWORD.all_escaped(p) {
                return Err(syntax("password"));
            }
            self.password = Some(share(src, p));
        }
        self.user = Some(share(src, user));
        Ok(())
    }

    /// The user part with `%xx` escapes decoded (may hold any byte, even NUL).
    pub fn user_decoded(&self) -> Option<Vec<u8>> {
        self.user.as_deref().and_then(percent_decode)
    }

    /// The `transport` parameter, lower-cased.
    pub fn transport(&self) -> Option<String> {
        self.params.get("transport").map(str::to_ascii_lowercase)
    }

    /// True when the URI carries `;lr` (loose routing, RFC 3261 § 16.12).
    pub fn is_loose_route(&self) -> bool {
        self.params.contains("lr")
    }

    /// RFC 3261 § 19.1.4: same scheme, user and password (after unescaping), host (case
    /// insensitive), port; `user`, `ttl`, `method`, `maddr` and `transport` must agree when
    /// either has them, other parameters when both have them; headers must all agree.
    pub fn equivalent(&self, other: &SipUri) -> bool {
        self.secure == other.secure
            && self.user_decoded() == other.user_decoded()
            && self.password.as_deref().and_then(percent_decode)
                == other.password.as_deref().and_then(percent_decode)
            && host_eq(&self.host, &other.host)
            && self.port == other.port
            && params_equivalent(&self.params, &other.params)
            && headers_equivalent(&self.headers, &other.headers)
    }
}

fn host_eq(a: &Host, b: &Host) -> bool {
    match (a, b) {
        (Host::Domain(x), Host::Domain(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

const STRICT_PARAMS: [&str; 5] = ["user", "ttl", "method", "maddr", "transport"];

fn params_equivalent(a: &Params, b: &Params) -> bool {
    let strict_ok = STRICT_PARAMS.iter().all(|n| param_eq(a.get(n), b.get(n)));
    let common_ok = a.iter().all(|p| match b.get(&p.name) {
        Some(v) => param_eq(Some(p.value.as_deref().unwrap_or("")), Some(v)),
        None => true,
    });
    strict_ok && common_ok
}

fn param_eq(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => percent_decode(x)
            .zip(percent_decode(y))
            .is_some_and(|(x, y)| x.eq_ignore_ascii_case(&y)),
        (None, None) => true,
        _ => false,
    }
}

fn headers_equivalent(a: &Params, b: &Params) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|p| param_eq(p.value.as_deref(), b.get(&p.name)))
}

fn checked_params(src: &ByteString, s: &str) -> Result<Params, Error> {
    if !escapes_valid(s) {
        return Err(syntax("uri-parameter"));
    }
    parse_uri_params(src, s)
}

fn parse_uri_headers(src: &ByteString, s: &str) -> Result<Params, Error> {
    let mut headers = Params::new();
    for item in crate::text::split_on(s, b'&') {
        let (name, value) = item.split_once('=').ok_or_else(|| syntax("header"))?;
        let ok = |t: &str| charset::URI_HEADER.all_escaped(t);
        if name.is_empty() || !ok(name) || !ok(value) {
            return Err(syntax("header"));
        }
        let value = Some(share(src, value));
        headers.push(crate::params::Param {
            name: share(src, name),
            value,
        });
    }
    Ok(headers)
}

/// Parses `host [":" port]` at the start of `s`; returns the rest (params, headers).
pub(crate) fn parse_hostport<'s>(
    src: &ByteString,
    s: &'s str,
) -> Result<(Host, Option<u16>, &'s str), Error> {
    let (host, rest) = if s.starts_with('[') {
        let end = find_byte(s, b']').ok_or_else(|| syntax("IPv6reference"))?;
        s.split_at_checked(end + 1)
            .ok_or_else(|| syntax("IPv6reference"))?
    } else {
        let end = find_any(s, b":;?").unwrap_or(s.len());
        s.split_at_checked(end).ok_or_else(|| syntax("host"))?
    };
    let host = Host::parse_shared(src, host)?;
    let Some(after_colon) = rest.strip_prefix(':') else {
        return Ok((host, None, rest));
    };
    let end = find_any(after_colon, b";?").unwrap_or(after_colon.len());
    let (port, rest) = after_colon
        .split_at_checked(end)
        .ok_or_else(|| syntax("port"))?;
    let port = parse_port(port).ok_or_else(|| syntax("port"))?;
    Ok((host, Some(port), rest))
}

pub(crate) fn parse_port(s: &str) -> Option<u16> {
    crate::text::parse_u32(s).and_then(|p| u16::try_from(p).ok())
}

impl Host {
    /// Parses a hostname, IPv4 address or `[IPv6]` reference.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Host::parse_shared(&ByteString::from(s), s)
    }

    pub(crate) fn parse_shared(src: &ByteString, s: &str) -> Result<Self, Error> {
        if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            return inner
                .parse()
                .map(Host::Ipv6)
                .map_err(|_| syntax("IPv6reference"));
        }
        if let Some(v4) = parse_ipv4(s) {
            return Ok(Host::Ipv4(v4));
        }
        let ok = charset::HOST.all(s);
        if s.is_empty() || !ok || s.starts_with('.') {
            return Err(syntax("host"));
        }
        Ok(Host::Domain(share(src, s)))
    }

    /// Parses a host that may be an IPv6 address without brackets (Via `received`,
    /// RFC 5118 § 4.5).
    pub(crate) fn parse_lenient(src: &ByteString, s: &str) -> Result<Self, Error> {
        match s.parse::<Ipv6Addr>() {
            Ok(v6) => Ok(Host::Ipv6(v6)),
            Err(_) => Host::parse_shared(src, s),
        }
    }
}

/// A dotted-quad IPv4 address as `Ipv4Addr::from_str` accepts it (four decimal octets of
/// one to three digits, no leading zero, at most 255), without its general-purpose parser.
fn parse_ipv4(s: &str) -> Option<Ipv4Addr> {
    if !s.bytes().next_back().is_some_and(|b| b.is_ascii_digit()) || s.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut parts = crate::text::split_on(s, b'.');
    for slot in &mut octets {
        let part = parts.next()?;
        let leading_zero = part.len() > 1 && part.starts_with('0');
        if part.is_empty() || part.len() > 3 || leading_zero {
            return None;
        }
        *slot = u8::try_from(crate::text::parse_u32(part)?).ok()?;
    }
    parts.next().is_none().then_some(Ipv4Addr::from(octets))
}

impl TelUri {
    fn parse_rest(src: &ByteString, rest: &str) -> Result<Self, Error> {
        let (number, params) = match rest.split_once(';') {
            Some((n, p)) => (n, Some(p)),
            None => (rest, None),
        };
        let ok = number
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"*#+-.()".contains(&b));
        if number.is_empty() || !ok {
            return Err(syntax("telephone-subscriber"));
        }
        let params = params.map_or(Ok(Params::new()), |p| checked_params(src, p))?;
        Ok(TelUri {
            number: share(src, number),
            params,
        })
    }

    /// True for a global number (`+` followed by digits).
    pub fn is_global(&self) -> bool {
        self.number.starts_with('+')
    }

    /// The digits (and `*#` and letters of a local number) without visual separators.
    pub fn digits(&self) -> String {
        self.number
            .chars()
            .filter(|c| !"-.()".contains(*c))
            .collect()
    }
}

impl FromStr for Uri {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Uri::parse(s)
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uri::Sip(u) => u.fmt(f),
            Uri::Tel(t) => write!(f, "tel:{}{}", t.number, t.params),
            Uri::Other(o) => write!(f, "{}:{}", o.scheme, o.rest),
        }
    }
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.secure { "sips:" } else { "sip:" })?;
        if let Some(user) = &self.user {
            f.write_str(user)?;
            if let Some(pw) = &self.password {
                write!(f, ":{pw}")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        write!(f, "{}", self.params)?;
        for (i, h) in self.headers.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            write!(f, "{sep}{}={}", h.name, h.value.as_deref().unwrap_or(""))?;
        }
        Ok(())
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::Ipv4(a) => write!(f, "{a}"),
            Host::Ipv6(a) => write!(f, "[{a}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_hosts_are_read_exactly_as_the_standard_parser_reads_them() {
        let alphabet = ['0', '1', '2', '5', '9', '.', 'a'];
        let mut inputs = vec![
            "255.255.255.255".to_string(),
            "256.1.1.1".into(),
            "001.2.3.4".into(),
            "1.2.3.04".into(),
            "1.2.3.4.".into(),
            "1..2.3".into(),
            "+1.2.3.4".into(),
            "1.2.3.4 ".into(),
            "203.0.113.10".into(),
            "0.0.0.0".into(),
            "1234.1.1.1".into(),
        ];
        let mut frontier = vec![String::new()];
        for _ in 0..7 {
            let next: Vec<String> = frontier
                .iter()
                .flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}")))
                .collect();
            inputs.extend(next.iter().cloned());
            frontier = next;
        }
        for input in &inputs {
            for s in [
                input.clone(),
                format!("{input}.1.2"),
                format!("1.{input}.3"),
            ] {
                assert_eq!(parse_ipv4(&s), s.parse::<Ipv4Addr>().ok(), "{s}");
            }
        }
    }
}
