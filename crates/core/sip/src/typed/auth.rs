//! Authorization, Proxy-Authorization, WWW-Authenticate, Proxy-Authenticate (RFC 3261
//! § 20.7, § 20.27, § 20.28, § 20.44; the digest computation lives in sb-sip-dialog).

use std::borrow::Cow;
use std::fmt;

use bytestring::ByteString;

use crate::Error;
use crate::params::{Param, Params};
use crate::text::{is_lws, is_token, offset_in, quoted_len, share, split_commas, trim};

/// A challenge or credentials: `Digest realm="…", nonce="…", …`.
///
/// Values keep their quotes as received; [`Auth::get`] returns them unquoted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Auth {
    /// Scheme, e.g. `Digest` (compare case-insensitively).
    pub scheme: ByteString,
    /// `name=value` pairs in order.
    pub params: Params,
}

fn syntax(offset: usize) -> Error {
    Error::Syntax {
        what: "auth-param",
        offset,
    }
}

impl Auth {
    /// A `Digest` value with no parameters yet.
    pub fn digest() -> Self {
        Auth {
            scheme: ByteString::from_static("Digest"),
            params: Params::new(),
        }
    }

    /// Parses a challenge or credentials value.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_shared(&ByteString::from(s), s)
    }

    pub(crate) fn parse_shared(src: &ByteString, s: &str) -> Result<Self, Error> {
        let s = trim(s);
        let end = s.bytes().position(is_lws).unwrap_or(s.len());
        let (scheme, rest) = s.split_at_checked(end).ok_or_else(|| syntax(0))?;
        if !is_token(scheme) {
            return Err(syntax(0));
        }
        let mut params = Params::new();
        if !trim(rest).is_empty() {
            for item in split_commas(rest)? {
                params.push(auth_param(src, item).map_err(|e| e.shifted(offset_in(s, item)))?);
            }
        }
        Ok(Auth {
            scheme: share(src, scheme),
            params,
        })
    }

    /// True for the Digest scheme.
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("Digest")
    }

    /// A parameter's value, unquoted (`realm`, `nonce`, `uri`, `response`, `qop`, …).
    pub fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        self.params.get_unquoted(name)
    }

    /// Sets a parameter to a quoted string value.
    pub fn set_quoted(&mut self, name: &str, value: &str) {
        self.params.set(name, Some(&crate::text::quote(value)));
    }

    /// Sets a parameter to a token value (`algorithm=MD5`, `nc=00000001`, `qop=auth`).
    pub fn set_token(&mut self, name: &str, value: &str) {
        self.params.set(name, Some(value));
    }
}

fn auth_param(src: &ByteString, item: &str) -> Result<Param, Error> {
    let (name, value) = item.split_once('=').ok_or_else(|| syntax(0))?;
    let (name, value) = (trim(name), trim(value));
    if !is_token(name) || value.is_empty() {
        return Err(syntax(0));
    }
    let valid = if value.starts_with('"') {
        quoted_len(value)? == value.len()
    } else {
        is_token(value) || value.bytes().all(|b| b > b' ' && b != b'"' && b != b',')
    };
    if !valid {
        return Err(syntax(offset_in(item, value)));
    }
    Ok(Param {
        name: share(src, name),
        value: Some(share(src, value)),
    })
}

impl fmt::Display for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        for (i, p) in self.params.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(
                f,
                "{sep}{}={}",
                p.name,
                p.value.as_deref().unwrap_or("\"\"")
            )?;
        }
        Ok(())
    }
}
