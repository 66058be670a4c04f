//! Parse and print `Digest k=v, k="v"` parameter lists (RFC 7235 § 2.1, RFC 3261 § 25.1).

use crate::Error;

/// A parsed `Digest` parameter list: lower-cased names with unquoted values, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Params(pub(crate) Vec<(String, String)>);

impl Params {
    /// Parses the value of an (Proxy-)Authorization or (Proxy-/WWW-)Authenticate header.
    pub(crate) fn parse_digest(input: &str) -> Result<Params, Error> {
        let input = input.trim_start();
        let (scheme, rest) = input
            .split_once(|c: char| c.is_ascii_whitespace())
            .unwrap_or((input, ""));
        if !scheme.eq_ignore_ascii_case("digest") {
            return Err(Error::NotDigest);
        }
        let mut cursor = Cursor { rest };
        let mut out = Vec::new();
        loop {
            cursor.skip_ws();
            if cursor.rest.is_empty() {
                break;
            }
            out.push(cursor.param()?);
            cursor.skip_ws();
            if !cursor.eat(',') && !cursor.rest.is_empty() {
                return Err(malformed("expected `,` between parameters"));
            }
        }
        Ok(Params(out))
    }

    /// The value of parameter `name` (lower case), if present.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of a parameter that must be present.
    pub(crate) fn require(&self, name: &'static str) -> Result<&str, Error> {
        self.get(name).ok_or(Error::MissingParam(name))
    }
}

fn malformed(reason: &'static str) -> Error {
    Error::MalformedAuthParams { reason }
}

struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    fn skip_ws(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(r) => {
                self.rest = r;
                true
            }
            None => false,
        }
    }

    fn token(&mut self) -> &str {
        let end = self
            .rest
            .find(|c: char| !is_token_char(c))
            .unwrap_or(self.rest.len());
        let (tok, rest) = self.rest.split_at(end);
        self.rest = rest;
        tok
    }

    fn param(&mut self) -> Result<(String, String), Error> {
        let name = self.token().to_ascii_lowercase();
        if name.is_empty() {
            return Err(malformed("expected a parameter name"));
        }
        self.skip_ws();
        if !self.eat('=') {
            return Err(malformed("expected `=` after a parameter name"));
        }
        self.skip_ws();
        let value = if self.eat('"') {
            self.quoted()?
        } else {
            self.token().to_owned()
        };
        Ok((name, value))
    }

    fn quoted(&mut self) -> Result<String, Error> {
        let mut value = String::new();
        let mut chars = self.rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = self.rest.get(i + 1..).unwrap_or("");
                    return Ok(value);
                }
                '\\' => value.push(chars.next().ok_or(malformed("dangling `\\`"))?.1),
                _ => value.push(c),
            }
        }
        Err(malformed("unterminated quoted string"))
    }
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c)
}

/// Appends `, name="value"` (or the first parameter without the comma), escaping the value.
pub(crate) fn push_quoted(out: &mut String, name: &str, value: &str) {
    push_name(out, name);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// Appends `, name=value` for token values.
pub(crate) fn push_token(out: &mut String, name: &str, value: &str) {
    push_name(out, name);
    out.push_str(value);
}

fn push_name(out: &mut String, name: &str) {
    if !out.ends_with("Digest ") {
        out.push_str(", ");
    }
    out.push_str(name);
    out.push('=');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_and_token_values_are_unquoted_and_names_lower_cased() {
        let p =
            Params::parse_digest(r#"Digest Realm="a\"b", nonce="x,y" ,algorithm=MD5,qop="auth""#)
                .unwrap();
        assert_eq!(p.get("realm"), Some("a\"b"));
        assert_eq!(p.get("nonce"), Some("x,y"));
        assert_eq!(p.get("algorithm"), Some("MD5"));
        assert_eq!(p.get("qop"), Some("auth"));
    }

    #[test]
    fn other_schemes_and_broken_lists_are_rejected() {
        assert_eq!(Params::parse_digest("Basic abc"), Err(Error::NotDigest));
        assert!(Params::parse_digest(r#"Digest realm="open"#).is_err());
        assert!(Params::parse_digest("Digest realm").is_err());
        assert!(Params::parse_digest("Digest realm=a nonce=b").is_err());
        assert!(Params::parse_digest("Digest =a").is_err());
        assert!(Params::parse_digest("Digest a=\"\\").is_err());
    }

    #[test]
    fn printed_values_are_escaped_and_parse_back() {
        let mut out = String::from("Digest ");
        push_quoted(&mut out, "realm", r#"we"ird\"#);
        push_token(&mut out, "algorithm", "MD5");
        assert_eq!(out, r#"Digest realm="we\"ird\\", algorithm=MD5"#);
        let p = Params::parse_digest(&out).unwrap();
        assert_eq!(p.get("realm"), Some(r#"we"ird\"#));
    }
}
