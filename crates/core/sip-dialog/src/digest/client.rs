//! Computing digest responses, and the client side that answers challenges.

use super::algorithm::Algorithm;
use super::message::{Challenge, Credentials, QopAuth};
use crate::Error;

/// HA1 = H(username:realm:password) (RFC 7616 § 3.4.2), before any `-sess` folding.
pub fn ha1(algorithm: Algorithm, username: &str, realm: &str, password: &str) -> String {
    algorithm.hash_joined(&[username, realm, password])
}

/// The expected `response` for credentials, given the user's (non-session) HA1 and the method.
pub fn response(ha1: &str, credentials: &Credentials, method: &str) -> String {
    let alg = credentials.algorithm;
    let ha2 = alg.hash_joined(&[method, &credentials.uri]);
    match &credentials.qop {
        Some(q) => {
            let ha1 = session_ha1(alg, ha1, &credentials.nonce, &q.cnonce);
            let nc = format!("{:08x}", q.nc);
            alg.hash_joined(&[&ha1, &credentials.nonce, &nc, &q.cnonce, "auth", &ha2])
        }
        None => alg.hash_joined(&[ha1, &credentials.nonce, &ha2]),
    }
}

fn session_ha1(alg: Algorithm, ha1: &str, nonce: &str, cnonce: &str) -> String {
    if alg.is_session() {
        alg.hash_joined(&[ha1, nonce, cnonce])
    } else {
        ha1.to_owned()
    }
}

/// A user agent's digest state: answers challenges and counts nonce uses.
#[derive(Debug, Clone)]
pub struct DigestClient {
    username: String,
    password: String,
    nonce: String,
    nc: u32,
}

impl DigestClient {
    /// A client for one account.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        DigestClient {
            username: username.into(),
            password: password.into(),
            nonce: String::new(),
            nc: 0,
        }
    }

    /// Credentials answering `challenge` for a request `method uri`. The caller supplies a fresh
    /// random `cnonce` (this crate has no randomness). The nonce-count increases while the nonce
    /// stays the same.
    pub fn authorize(
        &mut self,
        challenge: &Challenge,
        method: &str,
        uri: &str,
        cnonce: &str,
    ) -> Result<Credentials, Error> {
        if !challenge.qop_auth && !challenge.algorithm.is_md5() {
            return Err(Error::UnsupportedQop(String::new()));
        }
        self.count(&challenge.nonce);
        let mut creds = Credentials {
            username: self.username.clone(),
            realm: challenge.realm.clone(),
            nonce: challenge.nonce.clone(),
            uri: uri.to_owned(),
            response: String::new(),
            algorithm: challenge.algorithm,
            opaque: challenge.opaque.clone(),
            qop: challenge.qop_auth.then(|| QopAuth {
                nc: self.nc,
                cnonce: cnonce.to_owned(),
            }),
        };
        let ha1 = ha1(
            challenge.algorithm,
            &self.username,
            &challenge.realm,
            &self.password,
        );
        creds.response = response(&ha1, &creds, method);
        Ok(creds)
    }

    fn count(&mut self, nonce: &str) {
        if self.nonce == nonce {
            self.nc = self.nc.saturating_add(1);
        } else {
            self.nonce = nonce.to_owned();
            self.nc = 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc7616_challenge(algorithm: Algorithm) -> Challenge {
        Challenge {
            realm: "http-auth@example.org".into(),
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v".into(),
            opaque: Some("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS".into()),
            algorithm,
            qop_auth: true,
            stale: false,
        }
    }

    const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    #[test]
    fn rfc7616_md5_example_gives_the_published_response() {
        let mut c = DigestClient::new("Mufasa", "Circle of Life");
        let ch = rfc7616_challenge(Algorithm::Md5);
        let creds = c
            .authorize(&ch, "GET", "/dir/index.html", RFC7616_CNONCE)
            .unwrap();
        assert_eq!(creds.response, "8ca523f5e9506fed4657c9700eebdbec");
    }

    #[test]
    fn rfc7616_sha256_example_gives_the_published_response() {
        let mut c = DigestClient::new("Mufasa", "Circle of Life");
        let ch = rfc7616_challenge(Algorithm::Sha256);
        let creds = c
            .authorize(&ch, "GET", "/dir/index.html", RFC7616_CNONCE)
            .unwrap();
        assert_eq!(
            creds.response,
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn rfc2617_example_gives_the_published_response() {
        let mut c = DigestClient::new("Mufasa", "Circle Of Life");
        let ch = Challenge {
            realm: "testrealm@host.com".into(),
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093".into(),
            opaque: Some("5ccc069c403ebaf9f0171e9517f40e41".into()),
            algorithm: Algorithm::Md5,
            qop_auth: true,
            stale: false,
        };
        let creds = c
            .authorize(&ch, "GET", "/dir/index.html", "0a4f113b")
            .unwrap();
        assert_eq!(creds.response, "6629fae49393a05397450978507c4ef1");
        assert_eq!(creds.qop.map(|q| q.nc), Some(1));
    }

    #[test]
    fn nonce_count_increases_per_use_and_restarts_with_a_new_nonce() {
        let mut c = DigestClient::new("u", "p");
        let mut ch = rfc7616_challenge(Algorithm::Md5);
        let nc = |cr: Credentials| cr.qop.map(|q| q.nc);
        assert_eq!(
            nc(c.authorize(&ch, "REGISTER", "sip:x", "a").unwrap()),
            Some(1)
        );
        assert_eq!(
            nc(c.authorize(&ch, "REGISTER", "sip:x", "b").unwrap()),
            Some(2)
        );
        ch.nonce = "other".into();
        assert_eq!(
            nc(c.authorize(&ch, "REGISTER", "sip:x", "c").unwrap()),
            Some(1)
        );
    }

    #[test]
    fn legacy_no_qop_is_answered_for_md5_only() {
        let mut c = DigestClient::new("u", "p");
        let mut ch = rfc7616_challenge(Algorithm::Md5);
        ch.qop_auth = false;
        let creds = c.authorize(&ch, "INVITE", "sip:x", "a").unwrap();
        assert!(creds.qop.is_none());
        let ha1 = ha1(Algorithm::Md5, "u", &ch.realm, "p");
        let ha2 = Algorithm::Md5.hash_joined(&["INVITE", "sip:x"]);
        assert_eq!(
            creds.response,
            Algorithm::Md5.hash_joined(&[&ha1, &ch.nonce, &ha2])
        );
        ch.algorithm = Algorithm::Sha256;
        assert!(c.authorize(&ch, "INVITE", "sip:x", "a").is_err());
    }
}
