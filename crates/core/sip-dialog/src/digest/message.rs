//! The two digest messages: the server's challenge and the client's credentials, with parse and
//! print.

use super::algorithm::Algorithm;
use super::params::{Params, push_quoted, push_token};
use crate::Error;

/// A `WWW-Authenticate` / `Proxy-Authenticate` digest challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The protection space.
    pub realm: String,
    /// The server nonce.
    pub nonce: String,
    /// Opaque data the client must echo.
    pub opaque: Option<String>,
    /// The hash algorithm (absent on the wire means MD5).
    pub algorithm: Algorithm,
    /// Whether `qop="auth"` is offered; `false` is the legacy RFC 2069 mode (MD5 only).
    pub qop_auth: bool,
    /// The previous nonce was good but expired: retry with this one, no need to ask the user.
    pub stale: bool,
}

impl Challenge {
    /// Parses a challenge header value (`Digest realm="…", …`).
    pub fn parse(value: &str) -> Result<Challenge, Error> {
        let p = Params::parse_digest(value)?;
        let qop = p.get("qop");
        let qop_auth =
            qop.is_some_and(|q| q.split(',').any(|q| q.trim().eq_ignore_ascii_case("auth")));
        if let (Some(q), false) = (qop, qop_auth) {
            return Err(Error::UnsupportedQop(q.to_owned()));
        }
        Ok(Challenge {
            realm: p.require("realm")?.to_owned(),
            nonce: p.require("nonce")?.to_owned(),
            opaque: p.get("opaque").map(str::to_owned),
            algorithm: p
                .get("algorithm")
                .map_or(Ok(Algorithm::Md5), Algorithm::parse)?,
            qop_auth,
            stale: p
                .get("stale")
                .is_some_and(|s| s.eq_ignore_ascii_case("true")),
        })
    }

    /// Picks the strongest challenge we can answer among those offered (RFC 8760 § 2.4), skipping
    /// ones that fail to parse.
    pub fn strongest<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Challenge> {
        values
            .into_iter()
            .filter_map(|v| Challenge::parse(v).ok())
            .max_by_key(|c| c.algorithm.strength())
    }
}

impl std::fmt::Display for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::from("Digest ");
        push_quoted(&mut out, "realm", &self.realm);
        push_quoted(&mut out, "nonce", &self.nonce);
        if let Some(o) = &self.opaque {
            push_quoted(&mut out, "opaque", o);
        }
        push_token(&mut out, "algorithm", self.algorithm.name());
        if self.qop_auth {
            push_quoted(&mut out, "qop", "auth");
        }
        if self.stale {
            push_token(&mut out, "stale", "true");
        }
        f.write_str(&out)
    }
}

/// The `qop=auth` part of credentials: nonce-count and client nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QopAuth {
    /// The nonce-count: how many requests the client has sent with this nonce.
    pub nc: u32,
    /// The client nonce.
    pub cnonce: String,
}

/// An `Authorization` / `Proxy-Authorization` digest credentials value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The protection space, echoed from the challenge.
    pub realm: String,
    /// The server nonce, echoed.
    pub nonce: String,
    /// The digest-uri (the Request-URI in SIP).
    pub uri: String,
    /// The response hash, lower-case hex.
    pub response: String,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The opaque value, echoed.
    pub opaque: Option<String>,
    /// `qop=auth` data; `None` for legacy RFC 2069 credentials.
    pub qop: Option<QopAuth>,
}

impl Credentials {
    /// Parses a credentials header value.
    pub fn parse(value: &str) -> Result<Credentials, Error> {
        let p = Params::parse_digest(value)?;
        Ok(Credentials {
            username: p.require("username")?.to_owned(),
            realm: p.require("realm")?.to_owned(),
            nonce: p.require("nonce")?.to_owned(),
            uri: p.require("uri")?.to_owned(),
            response: p.require("response")?.to_ascii_lowercase(),
            algorithm: p
                .get("algorithm")
                .map_or(Ok(Algorithm::Md5), Algorithm::parse)?,
            opaque: p.get("opaque").map(str::to_owned),
            qop: parse_qop(&p)?,
        })
    }
}

fn parse_qop(p: &Params) -> Result<Option<QopAuth>, Error> {
    let Some(qop) = p.get("qop") else {
        return Ok(None);
    };
    if !qop.eq_ignore_ascii_case("auth") {
        return Err(Error::UnsupportedQop(qop.to_owned()));
    }
    let nc = p.require("nc")?;
    if nc.len() != 8 {
        return Err(Error::InvalidNonceCount);
    }
    let nc = u32::from_str_radix(nc, 16).map_err(|_| Error::InvalidNonceCount)?;
    let cnonce = p.require("cnonce")?.to_owned();
    Ok(Some(QopAuth { nc, cnonce }))
}

impl std::fmt::Display for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::from("Digest ");
        push_quoted(&mut out, "username", &self.username);
        push_quoted(&mut out, "realm", &self.realm);
        push_quoted(&mut out, "nonce", &self.nonce);
        push_quoted(&mut out, "uri", &self.uri);
        push_quoted(&mut out, "response", &self.response);
        push_token(&mut out, "algorithm", self.algorithm.name());
        if let Some(o) = &self.opaque {
            push_quoted(&mut out, "opaque", o);
        }
        if let Some(q) = &self.qop {
            push_token(&mut out, "qop", "auth");
            push_token(&mut out, "nc", &format!("{:08x}", q.nc));
            push_quoted(&mut out, "cnonce", &q.cnonce);
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_prints_and_parses_back() {
        let c = Challenge {
            realm: "sb".into(),
            nonce: "n1".into(),
            opaque: Some("o".into()),
            algorithm: Algorithm::Sha256,
            qop_auth: true,
            stale: true,
        };
        assert_eq!(
            c.to_string(),
            r#"Digest realm="sb", nonce="n1", opaque="o", algorithm=SHA-256, qop="auth", stale=true"#
        );
        assert_eq!(Challenge::parse(&c.to_string()), Ok(c));
    }

    #[test]
    fn challenge_without_algorithm_means_md5_and_auth_int_only_is_refused() {
        let c = Challenge::parse(r#"Digest realm="r", nonce="n", qop="auth-int,auth""#).unwrap();
        assert_eq!(c.algorithm, Algorithm::Md5);
        assert!(c.qop_auth);
        let e = Challenge::parse(r#"Digest realm="r", nonce="n", qop="auth-int""#);
        assert_eq!(e, Err(Error::UnsupportedQop("auth-int".into())));
    }

    #[test]
    fn strongest_challenge_is_chosen_among_several() {
        let md5 = r#"Digest realm="r", nonce="n", qop="auth""#;
        let sha = r#"Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth""#;
        let bad = r#"Digest realm="r", nonce="n", algorithm=SHA-1"#;
        let c = Challenge::strongest([md5, bad, sha]).unwrap();
        assert_eq!(c.algorithm, Algorithm::Sha256);
    }

    #[test]
    fn credentials_print_and_parse_back() {
        let c = Credentials {
            username: "1001".into(),
            realm: "sb".into(),
            nonce: "n".into(),
            uri: "sip:sb.example".into(),
            response: "abcdef".into(),
            algorithm: Algorithm::Md5,
            opaque: None,
            qop: Some(QopAuth {
                nc: 26,
                cnonce: "c".into(),
            }),
        };
        let s = c.to_string();
        assert!(s.contains("nc=0000001a"), "{s}");
        assert_eq!(Credentials::parse(&s), Ok(c));
    }

    #[test]
    fn credentials_with_bad_nonce_count_are_refused() {
        let base = r#"Digest username="u", realm="r", nonce="n", uri="sip:x", response="aa", qop=auth, cnonce="c""#;
        assert_eq!(
            Credentials::parse(&format!("{base}, nc=1")),
            Err(Error::InvalidNonceCount)
        );
        assert_eq!(
            Credentials::parse(&format!("{base}, nc=0000000g")),
            Err(Error::InvalidNonceCount)
        );
        assert_eq!(Credentials::parse(base), Err(Error::MissingParam("nc")));
    }
}
