//! `;name=value` parameter lists of URIs and header fields.

use std::borrow::Cow;
use std::fmt;

use bytestring::ByteString;

use crate::Error;
use crate::text::{is_lws, quoted_len, share, trim_start, unquote};

/// One parameter: a name and an optional value. A quoted value keeps its quotes (use
/// [`Params::get_unquoted`] for the content).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    /// Parameter name, as received.
    pub name: ByteString,
    /// Value as received (quotes included), `None` for a flag like `;lr`.
    pub value: Option<ByteString>,
}

/// An ordered parameter list. Names compare case-insensitively (RFC 3261 § 7.3.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Params(Vec<Param>);

impl Params {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `name`: `Some("")` for a flag, `None` when absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.find(name).map(|p| p.value.as_deref().unwrap_or(""))
    }

    /// The value of `name` with quotes and quoted-pairs removed.
    pub fn get_unquoted(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(unquote)
    }

    /// True when `name` is present (with or without value).
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// Sets `name` (replacing an existing one in place, else appending).
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(ByteString::from);
        match self
            .0
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        {
            Some(p) => p.value = value,
            None => self.0.push(Param {
                name: name.into(),
                value,
            }),
        }
    }

    /// Removes every parameter called `name`; true when one was removed.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|p| !p.name.eq_ignore_ascii_case(name));
        before != self.0.len()
    }

    /// The parameters in order.
    pub fn iter(&self) -> impl Iterator<Item = &Param> {
        self.0.iter()
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn find(&self, name: &str) -> Option<&Param> {
        self.0.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    pub(crate) fn push(&mut self, p: Param) {
        self.0.push(p);
    }

    /// Pushes `p` unless `src` is empty, which marks a dry run (see `text::share`).
    fn push_kept(&mut self, src: &ByteString, p: Param) {
        if !src.is_empty() {
            self.0.push(p);
        }
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            write!(f, ";{}", p.name)?;
            if let Some(v) = &p.value {
                write!(f, "={v}")?;
            }
        }
        Ok(())
    }
}

/// Parses header parameters `*( SEMI generic-param )` at the start of `s`, allowing LWS
/// around `;` and `=` (RFC 3261 § 7.3.1, RFC 4475 § 3.1.1.1). Stops at the first character
/// in `stop` outside a value; returns the params and the unparsed rest.
pub(crate) fn parse_header_params<'s>(
    src: &ByteString,
    s: &'s str,
    stop: &[u8],
) -> Result<(Params, &'s str), Error> {
    let mut params = Params::new();
    let mut rest = trim_start(s);
    while let Some(after_semi) = rest.strip_prefix(';') {
        let (param, next) = one_header_param(src, trim_start(after_semi), stop)?;
        params.push_kept(src, param);
        rest = trim_start(next);
    }
    Ok((params, rest))
}

fn one_header_param<'s>(
    src: &ByteString,
    s: &'s str,
    stop: &[u8],
) -> Result<(Param, &'s str), Error> {
    let name_len = s
        .bytes()
        .take_while(|&b| crate::text::is_token_byte(b))
        .count();
    let (name, rest) = s.split_at_checked(name_len).unwrap_or((s, ""));
    if name.is_empty() {
        return Err(Error::Syntax {
            what: "generic-param",
            offset: 0,
        });
    }
    let rest = trim_start(rest);
    let Some(after_eq) = rest.strip_prefix('=') else {
        return Ok((
            Param {
                name: share(src, name),
                value: None,
            },
            rest,
        ));
    };
    let (value, rest) = param_value(trim_start(after_eq), stop)?;
    if value.is_empty() {
        return Err(Error::Syntax {
            what: "gen-value",
            offset: 0,
        });
    }
    let param = Param {
        name: share(src, name),
        value: Some(share(src, value)),
    };
    Ok((param, rest))
}

/// A gen-value: quoted string, or a run of characters up to LWS, `;` or a stop character.
fn param_value<'s>(s: &'s str, stop: &[u8]) -> Result<(&'s str, &'s str), Error> {
    let len = if s.starts_with('"') {
        quoted_len(s)?
    } else {
        s.bytes()
            .take_while(|&b| !is_lws(b) && b != b';' && !stop.contains(&b) && b != b'"')
            .count()
    };
    Ok(s.split_at_checked(len).unwrap_or((s, "")))
}

/// Parses URI parameters: `s` is the text after the first `;`, without LWS.
pub(crate) fn parse_uri_params(src: &ByteString, s: &str) -> Result<Params, Error> {
    let mut params = Params::new();
    for item in crate::text::split_on(s, b';') {
        let (name, value) = match crate::text::split_byte(item, b'=') {
            Some((n, v)) => (n, Some(v)),
            None => (item, None),
        };
        if name.is_empty() || !name.bytes().all(is_param_char) {
            return Err(Error::Syntax {
                what: "uri-parameter",
                offset: 0,
            });
        }
        if value.is_some_and(|v| !v.bytes().all(is_param_char) && !is_ipv6_ref(v)) {
            return Err(Error::Syntax {
                what: "uri-parameter",
                offset: 0,
            });
        }
        let value = value.map(|v| share(src, v));
        params.push_kept(
            src,
            Param {
                name: share(src, name),
                value,
            },
        );
    }
    Ok(params)
}

fn is_ipv6_ref(v: &str) -> bool {
    v.starts_with('[') && v.ends_with(']')
}

/// `paramchar` (RFC 3261 § 25.1), with `%` checked separately by the URI parser.
pub(crate) fn is_param_char(b: u8) -> bool {
    crate::charset::PARAM.has(b)
}
