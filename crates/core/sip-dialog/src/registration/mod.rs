//! The user agent side of registration: register, answer digest challenges, honour 423, refresh
//! before expiry, back off after failures, unregister. For SIP trunks that want a REGISTER and
//! for the simulated phones of the test harness.
//!
//! The machine decides *what* to send ([`RegisterSpec`]: CSeq, Expires, credentials); the caller
//! builds the REGISTER (same Call-ID and From tag throughout, a fresh branch each time), runs it
//! through a client transaction, and reports the outcome with
//! [`RegistrationClient::handle_response`] or [`RegistrationClient::handle_failure`].

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::Duration;

use sb_types::Timestamp;
use sha2::{Digest as _, Sha256};

use crate::digest::{Challenge, Credentials, DigestClient};

/// Settings of one registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationConfig {
    /// The Request-URI (the registrar's domain), also the digest-uri.
    pub registrar_uri: String,
    /// The expiry asked for, in seconds.
    pub expires: u32,
    /// The first retry delay after a failure; it doubles up to `max_retry`.
    pub min_retry: Duration,
    /// The longest retry delay.
    pub max_retry: Duration,
    /// Seed for client nonces (random bytes from the caller; this crate has no randomness).
    pub cnonce_seed: [u8; 16],
}

/// What the caller sends next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterSpec {
    /// The CSeq number.
    pub cseq: u32,
    /// The Expires value (0 to unregister).
    pub expires: u32,
    /// Credentials for `Authorization` (or `Proxy-Authorization` when `proxy` is set).
    pub credentials: Option<Credentials>,
    /// Whether the credentials answer a 407.
    pub proxy: bool,
}

/// The parts of a REGISTER response the machine needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegisterResponse {
    /// The status code.
    pub status: u16,
    /// The expiry the registrar granted for our contact (its `expires` parameter or Expires).
    pub expires: Option<u32>,
    /// Min-Expires of a 423.
    pub min_expires: Option<u32>,
    /// The WWW-/Proxy-Authenticate values of a 401/407.
    pub challenges: Vec<String>,
}

/// Where the registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationState {
    /// A REGISTER is outstanding.
    Registering,
    /// Registered until the given time (a refresh is scheduled before it).
    Registered {
        /// When the binding lapses.
        until: Timestamp,
    },
    /// The last attempt failed; retrying at the given time.
    Failed {
        /// The status code (408 for a transaction timeout).
        status: u16,
        /// When the next attempt goes out.
        retry_at: Timestamp,
    },
    /// An unregistration is outstanding.
    Unregistering,
    /// Not registered, and not trying.
    Unregistered,
}

/// One registration's state machine.
#[derive(Debug, Clone)]
pub struct RegistrationClient {
    config: RegistrationConfig,
    digest: DigestClient,
    state: RegistrationState,
    cseq: u32,
    expires: u32,
    answered_nonce: Option<String>,
    failures: u32,
    next_attempt: Option<Timestamp>,
    outbox: VecDeque<RegisterSpec>,
    changes: VecDeque<RegistrationState>,
}

impl RegistrationClient {
    /// A registration for the account; the first REGISTER is ready at once.
    pub fn new(config: RegistrationConfig, username: &str, password: &str) -> Self {
        let expires = config.expires;
        let mut r = RegistrationClient {
            config,
            digest: DigestClient::new(username, password),
            state: RegistrationState::Registering,
            cseq: 0,
            expires,
            answered_nonce: None,
            failures: 0,
            next_attempt: None,
            outbox: VecDeque::new(),
            changes: VecDeque::new(),
        };
        r.send(None, false);
        r
    }

    /// The current state.
    pub fn state(&self) -> RegistrationState {
        self.state
    }

    /// Removes the binding (REGISTER with Expires: 0) and stops refreshing.
    pub fn unregister(&mut self) {
        self.next_attempt = None;
        self.expires = 0;
        self.answered_nonce = None;
        self.set_state(RegistrationState::Unregistering);
        self.send(None, false);
    }

    /// The final response to the last REGISTER.
    pub fn handle_response(&mut self, now: Timestamp, response: &RegisterResponse) {
        match response.status {
            200..=299 => self.succeeded(now, response.expires),
            401 | 407 => self.challenged(now, response),
            423 => self.too_brief(now, response.min_expires),
            status => self.failed(now, status),
        }
    }

    /// The REGISTER transaction timed out or the transport failed.
    pub fn handle_failure(&mut self, now: Timestamp) {
        self.failed(now, 408);
    }

    /// Sends the refresh or the retry that is due.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if self.next_attempt.is_some_and(|t| t <= now) {
            self.next_attempt = None;
            self.answered_nonce = None;
            self.set_state(RegistrationState::Registering);
            self.send(None, false);
        }
    }

    /// When the next refresh or retry is due.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.next_attempt
    }

    /// The next REGISTER to send.
    pub fn poll_request(&mut self) -> Option<RegisterSpec> {
        self.outbox.pop_front()
    }

    /// The next state change, for the user.
    pub fn poll_event(&mut self) -> Option<RegistrationState> {
        self.changes.pop_front()
    }

    fn succeeded(&mut self, now: Timestamp, granted: Option<u32>) {
        self.failures = 0;
        self.answered_nonce = None;
        let granted = granted.unwrap_or(self.expires);
        if self.expires == 0 || granted == 0 {
            self.next_attempt = None;
            self.set_state(RegistrationState::Unregistered);
            return;
        }
        let until = now + secs(granted);
        self.next_attempt = Some(now + refresh_after(granted));
        self.set_state(RegistrationState::Registered { until });
    }

    /// Answers a challenge once per nonce; a second challenge for the same nonce (not stale)
    /// means the password is wrong.
    fn challenged(&mut self, now: Timestamp, response: &RegisterResponse) {
        let Some(challenge) = Challenge::strongest(response.challenges.iter().map(String::as_str))
        else {
            return self.failed(now, response.status);
        };
        let repeated = self.answered_nonce.as_deref() == Some(challenge.nonce.as_str());
        if repeated && !challenge.stale {
            return self.failed(now, response.status);
        }
        let cnonce = self.cnonce();
        let uri = self.config.registrar_uri.clone();
        match self.digest.authorize(&challenge, "REGISTER", &uri, &cnonce) {
            Ok(credentials) => {
                self.answered_nonce = Some(challenge.nonce);
                self.send(Some(credentials), response.status == 407);
            }
            Err(_) => self.failed(now, response.status),
        }
    }

    fn too_brief(&mut self, now: Timestamp, min_expires: Option<u32>) {
        match min_expires.filter(|m| *m > self.expires) {
            Some(m) => {
                self.expires = m;
                self.send(None, false);
            }
            None => self.failed(now, 423),
        }
    }

    fn failed(&mut self, now: Timestamp, status: u16) {
        self.answered_nonce = None;
        if self.expires == 0 {
            self.next_attempt = None;
            self.set_state(RegistrationState::Unregistered);
            return;
        }
        let delay = self
            .config
            .min_retry
            .saturating_mul(1 << self.failures.min(16))
            .min(self.config.max_retry);
        self.failures = self.failures.saturating_add(1);
        let retry_at = now + delay;
        self.next_attempt = Some(retry_at);
        self.set_state(RegistrationState::Failed { status, retry_at });
    }

    fn send(&mut self, credentials: Option<Credentials>, proxy: bool) {
        self.cseq = self.cseq.wrapping_add(1);
        self.outbox.push_back(RegisterSpec {
            cseq: self.cseq,
            expires: self.expires,
            credentials,
            proxy,
        });
    }

    fn cnonce(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.config.cnonce_seed);
        h.update(self.cseq.to_be_bytes());
        hex::encode(h.finalize().get(..12).unwrap_or(&[]))
    }

    fn set_state(&mut self, state: RegistrationState) {
        if self.state != state {
            self.state = state;
            self.changes.push_back(state);
        }
    }
}

fn secs(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
}

/// Refresh well before expiry: half-way for short registrations, a minute early otherwise.
fn refresh_after(granted: u32) -> Duration {
    if granted > 120 {
        secs(granted - 60)
    } else {
        secs(granted / 2)
    }
}
