//! The Via header (RFC 3261 § 20.42, § 18.2.1; RFC 3581 rport; RFC 5118 § 4.5).

use std::fmt;

use bytestring::ByteString;

use crate::Error;
use crate::params::{Params, parse_header_params};
use crate::text::{is_lws, is_token, offset_in, share, trim, trim_start};
use crate::uri::{Host, parse_port};

/// The RFC 3261 branch prefix (§ 8.1.1.7).
pub const MAGIC_COOKIE: &str = "z9hG4bK";

/// One Via value: `SIP/2.0/UDP host:port;branch=…;received=…;rport`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Via {
    /// Protocol name and version, normally `SIP` and `2.0`.
    pub protocol: (ByteString, ByteString),
    /// Transport token as received (`UDP`, `TCP`, `TLS`, `WS`, `WSS`, `SCTP`, unknown ones).
    pub transport: ByteString,
    /// sent-by host.
    pub host: Host,
    /// sent-by port.
    pub port: Option<u16>,
    /// Parameters (`branch`, `received`, `rport`, `maddr`, `ttl`, others).
    pub params: Params,
}

fn syntax(offset: usize) -> Error {
    Error::Syntax {
        what: "via-parm",
        offset,
    }
}

impl Via {
    /// A `SIP/2.0/<transport>` Via for `host[:port]` with a branch.
    pub fn new(transport: &str, host: Host, port: Option<u16>, branch: &str) -> Self {
        let mut params = Params::new();
        params.set("branch", Some(branch));
        Via {
            protocol: ("SIP".into(), "2.0".into()),
            transport: transport.into(),
            host,
            port,
            params,
        }
    }

    /// Parses one via-parm.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_shared(&ByteString::from(s), s)
    }

    pub(crate) fn parse_shared(src: &ByteString, s: &str) -> Result<Self, Error> {
        let s = trim(s);
        let (name, rest) = slash_token(s, true).ok_or_else(|| syntax(0))?;
        let (version, rest) = slash_token(rest, true).ok_or_else(|| syntax(offset_in(s, rest)))?;
        let (transport, rest) =
            slash_token(rest, false).ok_or_else(|| syntax(offset_in(s, rest)))?;
        let (host, port, rest) =
            sent_by(src, trim_start(rest)).map_err(|e| e.shifted(offset_in(s, rest)))?;
        let (params, rest) =
            parse_header_params(src, rest, b"").map_err(|e| e.shifted(offset_in(s, rest)))?;
        if !rest.is_empty() {
            return Err(syntax(offset_in(s, rest)));
        }
        let protocol = (share(src, name), share(src, version));
        Ok(Via {
            protocol,
            transport: share(src, transport),
            host,
            port,
            params,
        })
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&str> {
        self.params.get("branch")
    }

    /// True when the branch starts with the RFC 3261 magic cookie and has something after it
    /// (RFC 4475 § 3.2.1: a bare cookie is no transaction identifier).
    pub fn has_rfc3261_branch(&self) -> bool {
        self.branch()
            .is_some_and(|b| b.len() > MAGIC_COOKIE.len() && b.starts_with(MAGIC_COOKIE))
    }

    /// The `received` parameter as a host (IPv6 with or without brackets, RFC 5118 § 4.5).
    pub fn received(&self) -> Option<Host> {
        let value = self.params.get("received")?;
        Host::parse_lenient(&ByteString::from(value), value).ok()
    }

    /// `rport`: `None` when absent, `Some(None)` when present without value (a request
    /// asking for it), `Some(Some(port))` when filled in.
    pub fn rport(&self) -> Option<Option<u16>> {
        let value = self.params.get("rport")?;
        Some(parse_port(value))
    }

    /// Sets `received` and fills `rport` if the request asked for it (RFC 3581 § 4).
    pub fn set_received(&mut self, host: &Host, port: u16) {
        let text = match host {
            Host::Ipv6(a) => a.to_string(),
            other => other.to_string(),
        };
        self.params.set("received", Some(&text));
        if self.params.contains("rport") {
            self.params.set("rport", Some(&port.to_string()));
        }
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&str> {
        self.params.get("maddr")
    }

    /// sent-by as `host` or `host:port`.
    pub fn sent_by(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.to_string(),
        }
    }

    /// True when the transport is reliable (anything but UDP).
    pub fn is_reliable(&self) -> bool {
        !self.transport.eq_ignore_ascii_case("UDP")
    }
}

/// A token followed (when `slash`) by LWS, `/`, LWS.
fn slash_token(s: &str, slash: bool) -> Option<(&str, &str)> {
    let s = trim_start(s);
    let len = s
        .bytes()
        .take_while(|&b| crate::text::is_token_byte(b))
        .count();
    let (token, rest) = s.split_at_checked(len)?;
    if !is_token(token) {
        return None;
    }
    if !slash {
        return rest
            .starts_with(|c: char| c.is_ascii() && is_lws(c as u8))
            .then_some((token, rest));
    }
    Some((token, trim_start(trim_start(rest).strip_prefix('/')?)))
}

/// `sent-by = host [ COLON port ]`, up to parameters.
fn sent_by<'s>(src: &ByteString, s: &'s str) -> Result<(Host, Option<u16>, &'s str), Error> {
    let host_len = if s.starts_with('[') {
        s.find(']').map(|i| i + 1).ok_or_else(|| syntax(0))?
    } else {
        s.bytes()
            .position(|c| c == b':' || c == b';' || is_lws(c))
            .unwrap_or(s.len())
    };
    let (host, rest) = s.split_at_checked(host_len).ok_or_else(|| syntax(0))?;
    let host = Host::parse_shared(src, host)?;
    let rest = trim_start(rest);
    let Some(after) = rest.strip_prefix(':') else {
        return Ok((host, None, rest));
    };
    let after = trim_start(after);
    let digits = after.bytes().take_while(u8::is_ascii_digit).count();
    let (port, rest) = after.split_at_checked(digits).ok_or_else(|| syntax(0))?;
    let port = parse_port(port).ok_or_else(|| syntax(offset_in(s, port)))?;
    Ok((host, Some(port), rest))
}

/// Parses a Via header line (one or more via-parms).
pub(crate) fn parse_vias(src: &ByteString, s: &str) -> Result<Vec<Via>, Error> {
    crate::text::comma_items(s)
        .map(|item| {
            let item = item?;
            Via::parse_shared(src, item).map_err(|e| e.shifted(offset_in(s, item)))
        })
        .collect()
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, version) = &self.protocol;
        write!(f, "{name}/{version}/{} {}", self.transport, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}
