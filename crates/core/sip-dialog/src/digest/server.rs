//! The server side: challenges, verification, nonce-count replay checks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use sb_types::Timestamp;

use super::algorithm::{Algorithm, constant_time_eq, hmac_sha256};
use super::client::{ha1, response};
use super::message::{Challenge, Credentials};
use super::nonce;

/// Whether we authenticate as the target (401 / WWW-Authenticate) or as a proxy
/// (407 / Proxy-Authenticate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthRole {
    /// A registrar or user agent server: 401, `WWW-Authenticate`, `Authorization`.
    Server,
    /// A proxy: 407, `Proxy-Authenticate`, `Proxy-Authorization`.
    Proxy,
}

/// Digest server settings.
#[derive(Debug, Clone)]
pub struct DigestServerConfig {
    /// The realm (usually the tenant's SIP domain).
    pub realm: String,
    /// The key of the nonce MAC; keep it across restarts and nodes so nonces stay valid.
    pub secret: Vec<u8>,
    /// How long a nonce stays fresh; a correct answer with an older one gets `stale=true`.
    pub nonce_ttl: Duration,
    /// Algorithms offered, one challenge each, in this order (RFC 8760: strongest first).
    pub algorithms: Vec<Algorithm>,
    /// Accept RFC 2069 credentials without qop (MD5 only, no replay protection).
    pub allow_legacy: bool,
    /// 401 or 407.
    pub role: AuthRole,
}

impl DigestServerConfig {
    /// SHA-256 then MD5, five-minute nonces, no legacy mode, 401.
    pub fn new(realm: impl Into<String>, secret: impl Into<Vec<u8>>) -> Self {
        DigestServerConfig {
            realm: realm.into(),
            secret: secret.into(),
            nonce_ttl: Duration::from_secs(300),
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
            allow_legacy: false,
            role: AuthRole::Server,
        }
    }
}

/// What the server knows about a user's password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserSecret {
    /// The password itself.
    Password(String),
    /// Pre-computed HA1 values (`H(user:realm:password)`), per hash family.
    Ha1(Vec<(Algorithm, String)>),
    /// Any one of several secrets answers (a desk phone's password and the agent console's
    /// short-lived softphone passwords of the same user).
    AnyOf(Vec<UserSecret>),
}

impl UserSecret {
    /// Every HA1 that answers for `alg`.
    fn ha1s(&self, alg: Algorithm, user: &str, realm: &str, out: &mut Vec<String>) {
        match self {
            UserSecret::Password(p) => out.push(ha1(alg, user, realm, p)),
            UserSecret::Ha1(list) => out.extend(
                list.iter()
                    .find(|(a, _)| a.strength() == alg.strength() && a.is_md5() == alg.is_md5())
                    .map(|(_, h)| h.to_ascii_lowercase()),
            ),
            UserSecret::AnyOf(all) => {
                for s in all {
                    s.ha1s(alg, user, realm, out);
                }
            }
        }
    }
}

/// One request to check: its method, Request-URI and parsed credentials.
#[derive(Debug, Clone, Copy)]
pub struct AuthAttempt<'a> {
    /// The request method (`REGISTER`, `INVITE`, …).
    pub method: &'a str,
    /// The client's address as the transport saw it (IP, or IP and port): nonces are bound to
    /// it.
    pub source: &'a str,
    /// The Request-URI as received, which the credentials' `uri` must equal.
    pub request_uri: &'a str,
    /// The credentials.
    pub credentials: &'a Credentials,
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The credentials are valid for this user.
    Authorized {
        /// The authenticated user name.
        username: String,
    },
    /// Answer with a challenge ([`DigestServer::reject`]); the reason is for logs and counters,
    /// never for the wire.
    Rejected(Rejection),
}

/// Why credentials were refused. Only [`Rejection::Stale`] changes what is sent back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The request had no credentials for our realm.
    NoCredentials,
    /// Correct answer to an expired nonce of ours: re-challenge with `stale=true`.
    Stale,
    /// The user does not exist.
    UnknownUser,
    /// The response hash is wrong.
    WrongPassword,
    /// The nonce-count was already used with this nonce.
    Replay,
    /// The nonce is not one we issued for this realm.
    BadNonce,
    /// The credentials are for another realm.
    WrongRealm,
    /// The algorithm is not one we offer.
    UnsupportedAlgorithm,
    /// The digest-uri differs from the Request-URI.
    UriMismatch,
    /// The opaque value is not ours.
    OpaqueMismatch,
    /// Credentials without qop while legacy mode is off.
    LegacyRefused,
}

impl Rejection {
    /// Whether this counts as a failed guess for rate limiting. A missing or stale answer does
    /// not, nor does a nonce that is not ours for this address: that is what a spoofed source
    /// or a client whose address changed sends, and counting it would let anyone get another
    /// address banned.
    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            Rejection::NoCredentials | Rejection::Stale | Rejection::BadNonce
        )
    }
}

/// The challenge response to send: status code, header name and one value per algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeResponse {
    /// 401 or 407.
    pub status: u16,
    /// `WWW-Authenticate` or `Proxy-Authenticate`.
    pub header: &'static str,
    /// The header values, strongest algorithm first.
    pub challenges: Vec<Challenge>,
}

/// A digest authenticating server for one realm.
///
/// Nonces are stateless (see the `nonce` module); the only state is the highest nonce-count seen
/// per nonce, kept until the nonce expires, so that a captured request cannot be replayed.
#[derive(Debug, Clone)]
pub struct DigestServer {
    config: DigestServerConfig,
    opaque: String,
    seen: HashMap<String, (Timestamp, u32)>,
    next_prune: Timestamp,
    serial: Serial,
}

/// The count of nonces issued, so that two issued in the same millisecond differ. Atomic only
/// because challenges are made through `&self`; no thread ever shares a server.
#[derive(Debug, Default)]
struct Serial(AtomicU32);

impl Serial {
    fn next(&self) -> u32 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}

impl Clone for Serial {
    fn clone(&self) -> Self {
        Serial(AtomicU32::new(self.0.load(Ordering::Relaxed)))
    }
}

impl DigestServer {
    /// A server with these settings.
    pub fn new(config: DigestServerConfig) -> Self {
        let opaque = hmac_sha256(&config.secret, &[b"opaque", config.realm.as_bytes()]);
        let opaque = hex::encode(opaque.get(..12).unwrap_or(&[]));
        DigestServer {
            config,
            opaque,
            seen: HashMap::new(),
            next_prune: Timestamp::EPOCH,
            serial: Serial::default(),
        }
    }

    /// The realm.
    pub fn realm(&self) -> &str {
        &self.config.realm
    }

    /// The challenge response for a refused (or credential-less) request. It depends on nothing
    /// but the time, the nonce serial and whether the nonce was stale, so an unknown user and a
    /// wrong password get answers of the same shape.
    pub fn reject(&self, now: Timestamp, source: &str, why: Rejection) -> ChallengeResponse {
        let (status, header) = match self.config.role {
            AuthRole::Server => (401, "WWW-Authenticate"),
            AuthRole::Proxy => (407, "Proxy-Authenticate"),
        };
        ChallengeResponse {
            status,
            header,
            challenges: self.challenges(now, source, why == Rejection::Stale),
        }
    }

    /// Fresh challenges for a client at `source`, one per configured algorithm.
    pub fn challenges(&self, now: Timestamp, source: &str, stale: bool) -> Vec<Challenge> {
        let serial = self.serial.next();
        let nonce = nonce::issue(&self.config.secret, &self.config.realm, source, now, serial);
        let offer = |algorithm| Challenge {
            realm: self.config.realm.clone(),
            nonce: nonce.clone(),
            opaque: Some(self.opaque.clone()),
            algorithm,
            qop_auth: true,
            stale,
        };
        self.config.algorithms.iter().copied().map(offer).collect()
    }

    /// Checks credentials. `secret` is the user's stored secret, `None` for an unknown user (the
    /// same hashing work is done either way).
    pub fn verify(
        &mut self,
        now: Timestamp,
        attempt: AuthAttempt<'_>,
        secret: Option<&UserSecret>,
    ) -> Verdict {
        self.prune(now);
        match self.check(now, attempt, secret) {
            Ok(()) => Verdict::Authorized {
                username: attempt.credentials.username.clone(),
            },
            Err(why) => Verdict::Rejected(why),
        }
    }

    fn check(
        &mut self,
        now: Timestamp,
        a: AuthAttempt<'_>,
        secret: Option<&UserSecret>,
    ) -> Result<(), Rejection> {
        let c = a.credentials;
        let issued = self.check_envelope(a)?;
        // Every candidate is compared, so the time taken does not tell which one matched.
        let correct = self
            .expected_responses(a, secret)
            .iter()
            .fold(false, |any, e| {
                constant_time_eq(e.as_bytes(), c.response.as_bytes()) | any
            });
        match (secret, correct) {
            (None, _) => return Err(Rejection::UnknownUser),
            (Some(_), false) => return Err(Rejection::WrongPassword),
            _ => {}
        }
        if now.saturating_since(issued) > self.config.nonce_ttl {
            return Err(Rejection::Stale);
        }
        self.check_count(c, issued)
    }

    /// Checks everything except the hash; returns when the nonce was issued.
    fn check_envelope(&self, a: AuthAttempt<'_>) -> Result<Timestamp, Rejection> {
        let c = a.credentials;
        if c.realm != self.config.realm {
            return Err(Rejection::WrongRealm);
        }
        if !self.config.algorithms.contains(&c.algorithm) {
            return Err(Rejection::UnsupportedAlgorithm);
        }
        if c.opaque.as_deref().is_some_and(|o| o != self.opaque) {
            return Err(Rejection::OpaqueMismatch);
        }
        if c.qop.is_none() && !(self.config.allow_legacy && c.algorithm.is_md5()) {
            return Err(Rejection::LegacyRefused);
        }
        if c.uri != a.request_uri {
            return Err(Rejection::UriMismatch);
        }
        nonce::issued_at(&self.config.secret, &self.config.realm, a.source, &c.nonce)
            .ok_or(Rejection::BadNonce)
    }

    fn expected_responses(&self, a: AuthAttempt<'_>, secret: Option<&UserSecret>) -> Vec<String> {
        let (c, realm) = (a.credentials, &self.config.realm);
        let mut ha1s = Vec::new();
        if let Some(s) = secret {
            s.ha1s(c.algorithm, &c.username, realm, &mut ha1s);
        }
        if ha1s.is_empty() {
            ha1s.push(self.decoy_ha1(c.algorithm, &c.username));
        }
        ha1s.iter().map(|h| response(h, c, a.method)).collect()
    }

    /// An HA1 nobody can know, computed with the same work as a real one.
    fn decoy_ha1(&self, alg: Algorithm, user: &str) -> String {
        let decoy = hex::encode(hmac_sha256(
            &self.config.secret,
            &[b"decoy", user.as_bytes()],
        ));
        ha1(alg, user, &self.config.realm, &decoy)
    }

    fn check_count(&mut self, c: &Credentials, issued: Timestamp) -> Result<(), Rejection> {
        let Some(q) = &c.qop else { return Ok(()) };
        let entry = self.seen.entry(c.nonce.clone()).or_insert((issued, 0));
        if q.nc <= entry.1 {
            return Err(Rejection::Replay);
        }
        entry.1 = q.nc;
        Ok(())
    }

    fn prune(&mut self, now: Timestamp) {
        if now < self.next_prune {
            return;
        }
        let ttl = self.config.nonce_ttl;
        self.seen
            .retain(|_, (issued, _)| now.saturating_since(*issued) <= ttl);
        self.next_prune = now + ttl;
    }

    /// How many nonces have replay state (for metrics and tests).
    pub fn tracked_nonces(&self) -> usize {
        self.seen.len()
    }
}
