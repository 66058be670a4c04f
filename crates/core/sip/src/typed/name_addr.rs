//! `name-addr` / `addr-spec` values: From, To, Contact, Route, Record-Route, Refer-To, …

use std::borrow::Cow;
use std::fmt;

use bytestring::ByteString;

use crate::params::{Params, parse_header_params};
use crate::text::{is_token, offset_in, quote, quoted_len, share, trim, trim_start, unquote};
use crate::{Error, Uri};

/// An address: optional display name, URI, header parameters (`tag`, `expires`, `q`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NameAddr {
    /// Display name as received: a quoted string (quotes kept) or a run of tokens.
    pub display: Option<ByteString>,
    /// The address.
    pub uri: Uri,
    /// Header parameters after the address.
    pub params: Params,
}

/// The value of the Contact header: `*` or addresses (RFC 3261 § 20.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contacts {
    /// `Contact: *` (only valid in a REGISTER with `Expires: 0`).
    Star,
    /// One or more addresses, in order.
    List(Vec<NameAddr>),
}

fn syntax(what: &'static str, offset: usize) -> Error {
    Error::Syntax { what, offset }
}

impl NameAddr {
    /// An address with no display name and no parameters.
    pub fn new(uri: Uri) -> Self {
        NameAddr {
            display: None,
            uri,
            params: Params::new(),
        }
    }

    /// Sets the display name (quoted as needed).
    pub fn with_display(mut self, name: &str) -> Self {
        self.display = Some(quote(name).into());
        self
    }

    /// Parses one name-addr or addr-spec with its parameters.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_shared(&ByteString::from(s), s)
    }

    pub(crate) fn parse_shared(src: &ByteString, s: &str) -> Result<Self, Error> {
        let s = trim(s);
        let (display, after_display) = split_display(s)?;
        let (uri_text, rest) = match after_display.strip_prefix('<') {
            Some(inner) => {
                let end = crate::text::find_byte(inner, b'>')
                    .ok_or_else(|| syntax("name-addr", offset_in(s, inner)))?;
                (
                    inner.get(..end).unwrap_or(""),
                    inner.get(end + 1..).unwrap_or(""),
                )
            }
            None if display.is_some() => return Err(syntax("name-addr", 0)),
            None => split_addr_spec(after_display)?,
        };
        let uri =
            Uri::parse_shared(src, uri_text).map_err(|e| e.shifted(offset_in(s, uri_text)))?;
        let (params, rest) =
            parse_header_params(src, rest, b"").map_err(|e| e.shifted(offset_in(s, rest)))?;
        if !rest.is_empty() {
            return Err(syntax("header parameters", offset_in(s, rest)));
        }
        let display = display.map(|d| share(src, d));
        Ok(NameAddr {
            display,
            uri,
            params,
        })
    }

    /// The display name with quotes and escapes removed.
    pub fn display_name(&self) -> Option<Cow<'_, str>> {
        self.display.as_deref().map(unquote)
    }

    /// The `tag` parameter (From/To).
    pub fn tag(&self) -> Option<&str> {
        self.params.get("tag")
    }

    /// Sets the `tag` parameter.
    pub fn set_tag(&mut self, tag: &str) {
        self.params.set("tag", Some(tag));
    }

    /// The `expires` parameter of a Contact, when it is a valid number.
    pub fn expires(&self) -> Option<u32> {
        self.params.get("expires").and_then(crate::text::parse_u32)
    }

    /// The `q` parameter of a Contact in thousandths (`q=0.5` → 500), when valid.
    pub fn q_millis(&self) -> Option<u16> {
        parse_qvalue(self.params.get("q")?)
    }
}

/// Splits an optional display name off the front of `s`; returns it and the rest,
/// which starts with `<` when there was a display name.
fn split_display(s: &str) -> Result<(Option<&str>, &str), Error> {
    if s.starts_with('"') {
        let len = quoted_len(s)?;
        let (display, rest) = s.split_at_checked(len).unwrap_or((s, ""));
        return Ok((Some(display), trim_start(rest)));
    }
    let Some(lt) = crate::text::find_byte(s, b'<') else {
        return Ok((None, s));
    };
    let (before, rest) = s.split_at_checked(lt).unwrap_or((s, ""));
    let display = trim(before);
    if display.is_empty() {
        return Ok((None, rest));
    }
    if !display
        .split(|c: char| c.is_ascii() && crate::text::is_lws(c as u8))
        .all(|w| w.is_empty() || is_token(w))
    {
        return Err(syntax("display-name", 0));
    }
    Ok((Some(display), rest))
}

/// An addr-spec without `<>` ends at the first `;` (header parameters follow) or LWS.
/// A URI with `?`, `;` or `,` must be enclosed in `<>` (RFC 3261 § 20; RFC 4475 § 3.1.2.13).
fn split_addr_spec(s: &str) -> Result<(&str, &str), Error> {
    let end = s
        .bytes()
        .position(|c| c == b';' || crate::text::is_lws(c))
        .unwrap_or(s.len());
    let (uri, rest) = s.split_at_checked(end).unwrap_or((s, ""));
    if uri.contains(['?', ',', '<', '>', '"']) {
        return Err(syntax("addr-spec", 0));
    }
    Ok((uri, rest))
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
pub(crate) fn parse_qvalue(s: &str) -> Option<u16> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

impl Contacts {
    /// Parses a Contact value (one header line).
    pub(crate) fn parse_shared(src: &ByteString, s: &str) -> Result<Self, Error> {
        if trim(s) == "*" {
            return Ok(Contacts::Star);
        }
        parse_list(src, s).map(Contacts::List)
    }

    /// Checks the grammar of a Contact value without keeping anything (and without the
    /// list allocation of a dry-run `parse_shared`): the same verdict and error.
    pub(crate) fn check(s: &str) -> Result<(), Error> {
        if trim(s) == "*" {
            return Ok(());
        }
        let dry = ByteString::new();
        for item in crate::text::comma_items(s) {
            parse_item(&dry, s, item?)?;
        }
        Ok(())
    }

    /// The addresses (empty for `*`).
    pub fn addresses(&self) -> &[NameAddr] {
        match self {
            Contacts::Star => &[],
            Contacts::List(v) => v,
        }
    }
}

/// Parses a comma-separated list of name-addrs; empty elements are errors.
pub(crate) fn parse_list(src: &ByteString, s: &str) -> Result<Vec<NameAddr>, Error> {
    crate::text::comma_items(s)
        .map(|item| parse_item(src, s, item?))
        .collect()
}

/// One element of the list `s`; empty elements are errors.
fn parse_item(src: &ByteString, s: &str, item: &str) -> Result<NameAddr, Error> {
    if item.is_empty() {
        return Err(syntax("name-addr", offset_in(s, item)));
    }
    NameAddr::parse_shared(src, item).map_err(|e| e.shifted(offset_in(s, item)))
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            write!(f, "{d} ")?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

impl fmt::Display for Contacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contacts::Star => f.write_str("*"),
            Contacts::List(list) => write_list(f, list),
        }
    }
}

/// Writes `a, b, c`.
pub(crate) fn write_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}
