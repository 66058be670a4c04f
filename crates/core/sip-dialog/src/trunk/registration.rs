//! Registering a trunk to its carrier (RFC 3261 § 10.2, digest per RFC 7616 / RFC 8760).

use std::collections::VecDeque;
use std::time::Duration;

use sb_sip::{HeaderName, Method, Request, Response, SipUri, Uri};
use sb_types::Timestamp;

use super::request::{Skeleton, answers, build};
use crate::digest::{Challenge, DigestClient};
use crate::rng::SplitMix;

/// How many `stale=true` challenges in a row are answered before giving up.
const MAX_STALE: u8 = 3;

/// The trunk's account at the carrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkCredentials {
    /// The digest user name.
    pub username: String,
    /// The password.
    pub password: String,
    /// Answer only challenges of this realm (the carrier's); `None` answers any realm.
    pub realm: Option<String>,
}

/// Retry delays after failures: `first`, doubling, capped at `max`, each shortened by a random
/// 0..=`jitter_percent` % so that many trunks failing together do not retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first delay (30 s).
    pub first: Duration,
    /// The longest delay (10 min).
    pub max: Duration,
    /// Up to this share of a delay is taken off at random (10 %; 0 for exact delays).
    pub jitter_percent: u8,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_secs(30),
            max: Duration::from_secs(600),
            jitter_percent: 10,
        }
    }
}

impl Backoff {
    /// The delay after `failures` earlier consecutive failures, with `draw` in
    /// `0..=jitter_percent` taken off in percent.
    pub fn delay(&self, failures: u32, draw: u64) -> Duration {
        let full = self
            .first
            .saturating_mul(1u32 << failures.min(20))
            .min(self.max);
        let percent = draw.min(u64::from(self.jitter_percent.min(100)));
        let cut = full.as_millis().saturating_mul(u128::from(percent)) / 100;
        full.saturating_sub(Duration::from_millis(u64::try_from(cut).unwrap_or(0)))
    }
}

/// Settings of one trunk registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationConfig {
    /// The Request-URI: the carrier's registrar (`sip:carrier.example.net`); also the
    /// digest-uri.
    pub registrar: SipUri,
    /// The address of record (From and To).
    pub aor: SipUri,
    /// Our contact; the Via sent-by and transport come from it too.
    pub contact: SipUri,
    /// The account, when the carrier challenges.
    pub credentials: Option<TrunkCredentials>,
    /// The expiry asked for, in seconds.
    pub expires: u32,
    /// Retry delays after failures.
    pub backoff: Backoff,
    /// A REGISTER without a final response after this long fails as a timeout (a backstop:
    /// the transaction layer normally reports its timer F, 32 s, through
    /// [`Registration::handle_failure`] first).
    pub response_timeout: Duration,
    /// Random bytes from the caller: Call-ID, tag, branches, client nonces and jitter come
    /// from it (this crate has no randomness of its own).
    pub seed: u64,
}

impl RegistrationConfig {
    /// A configuration with the default back-off and a 32 s response timeout, no credentials.
    pub fn new(registrar: SipUri, aor: SipUri, contact: SipUri, expires: u32, seed: u64) -> Self {
        RegistrationConfig {
            registrar,
            aor,
            contact,
            credentials: None,
            expires,
            backoff: Backoff::default(),
            response_timeout: Duration::from_secs(32),
            seed,
        }
    }
}

/// Why the last attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureReason {
    /// A final response other than 2xx, 401/407 or a usable 423.
    Rejected {
        /// Its status code.
        status: u16,
    },
    /// Our credentials were challenged again (same realm, not stale): wrong user or password.
    WrongCredentials {
        /// 401 or 407.
        status: u16,
    },
    /// Challenged but no credentials are configured.
    NoCredentials {
        /// 401 or 407.
        status: u16,
    },
    /// No challenge we can answer: unknown algorithm, `auth-int` only, another realm than the
    /// pinned one, or too many stale nonces in a row.
    UnanswerableChallenge {
        /// 401 or 407.
        status: u16,
    },
    /// 423 without a Min-Expires above what we asked.
    IntervalTooBrief,
    /// A 2xx that does not keep our binding (expiry 0).
    NotBound,
    /// No final response in time.
    Timeout,
    /// The transport could not send the request (connection refused, unreachable, TLS).
    Transport,
}

/// Where the registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationState {
    /// Registering, and not registered now.
    Registering,
    /// Registered until the given time; refreshes keep this state while they run.
    Registered {
        /// When the binding lapses unless refreshed.
        until: Timestamp,
    },
    /// The last attempt failed; the next goes out at `retry_at`.
    Failed {
        /// Why.
        reason: FailureReason,
        /// When the next attempt goes out.
        retry_at: Timestamp,
    },
    /// The REGISTER with Expires: 0 is outstanding.
    Unregistering,
    /// Not registered and not trying.
    Unregistered,
}

/// How a REGISTER failed below SIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// The client transaction timed out (timer F).
    Timeout,
    /// The transport reported an error.
    Transport,
}

#[derive(Debug, Clone)]
struct Outstanding {
    cseq: u32,
    deadline: Timestamp,
}

/// A challenge we answer on every request (pre-emptively after the first time).
#[derive(Debug, Clone)]
struct Answering {
    proxy: bool,
    challenge: Challenge,
}

/// One trunk's registration machine.
#[derive(Debug, Clone)]
pub struct Registration {
    config: RegistrationConfig,
    rng: SplitMix,
    digest: Option<DigestClient>,
    call_id: String,
    from_tag: String,
    cseq: u32,
    expires: u32,
    unregistering: bool,
    state: RegistrationState,
    /// Challenges answered on each request, at most one per (proxy, realm).
    answering: Vec<Answering>,
    /// (proxy, realm) challenged within the current attempt.
    challenged: Vec<(bool, String)>,
    stale_in_a_row: u8,
    failures: u32,
    /// The end of the last binding the carrier granted (kept through failed refreshes).
    bound_until: Option<Timestamp>,
    outstanding: Option<Outstanding>,
    next_attempt: Option<Timestamp>,
    outbox: VecDeque<Request>,
    events: VecDeque<RegistrationState>,
}

impl Registration {
    /// A registration; the first REGISTER is ready at once ([`Registration::poll_request`]).
    pub fn new(now: Timestamp, config: RegistrationConfig) -> Self {
        let mut rng = SplitMix::new(config.seed);
        let call_id = format!("{}{}", rng.token(), rng.token());
        let from_tag = rng.token();
        let digest = config
            .credentials
            .as_ref()
            .map(|c| DigestClient::new(&c.username, &c.password));
        let mut r = Registration {
            expires: config.expires,
            config,
            rng,
            digest,
            call_id,
            from_tag,
            cseq: 0,
            unregistering: false,
            state: RegistrationState::Registering,
            answering: Vec::new(),
            challenged: Vec::new(),
            stale_in_a_row: 0,
            failures: 0,
            bound_until: None,
            outstanding: None,
            next_attempt: None,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
        };
        r.send(now);
        r
    }

    /// The current state.
    pub fn state(&self) -> RegistrationState {
        self.state
    }

    /// The Call-ID used by every REGISTER of this registration.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// When the carrier's last granted binding ends, if it has not ended by `now`: a trunk whose
    /// refresh failed may still receive calls until then.
    pub fn bound_until(&self, now: Timestamp) -> Option<Timestamp> {
        self.bound_until.filter(|u| *u > now)
    }

    /// The expiry currently asked for (raised by a 423).
    pub fn expires(&self) -> u32 {
        self.expires
    }

    /// Removes the binding: a REGISTER with Expires: 0 goes out at once; no refresh follows.
    pub fn unregister(&mut self, now: Timestamp) {
        self.unregistering = true;
        self.next_attempt = None;
        self.challenged.clear();
        self.set_state(RegistrationState::Unregistering);
        self.send(now);
    }

    /// Registers again after [`Registration::unregister`] (or at once after a failure).
    pub fn register(&mut self, now: Timestamp) {
        self.unregistering = false;
        self.failures = 0;
        self.next_attempt = None;
        self.challenged.clear();
        if !matches!(self.state, RegistrationState::Registered { .. }) {
            self.set_state(RegistrationState::Registering);
        }
        self.send(now);
    }

    /// A response to a REGISTER. Responses to anything but the outstanding request (other
    /// Call-ID or CSeq) and provisional responses are ignored.
    pub fn handle_response(&mut self, now: Timestamp, response: &Response) {
        let Some(out) = &self.outstanding else {
            return;
        };
        let status = response.status().as_u16();
        if status < 200 || !answers(response, &self.call_id, out.cseq) {
            return;
        }
        self.outstanding = None;
        match status {
            200..=299 => self.succeeded(now, response),
            401 | 407 => self.challenged(now, response, status),
            423 => match response.headers().min_expires().ok() {
                Some(m) if m > self.expires && !self.unregistering => {
                    self.expires = m;
                    self.send(now);
                }
                _ => self.fail(now, FailureReason::IntervalTooBrief, None),
            },
            _ => {
                let retry_after = retry_after(response);
                self.fail(now, FailureReason::Rejected { status }, retry_after);
            }
        }
    }

    /// The outstanding REGISTER's transaction timed out or its transport failed.
    pub fn handle_failure(&mut self, now: Timestamp, failure: TransportFailure) {
        if self.outstanding.take().is_some() {
            let reason = match failure {
                TransportFailure::Timeout => FailureReason::Timeout,
                TransportFailure::Transport => FailureReason::Transport,
            };
            self.fail(now, reason, None);
        }
    }

    /// Fails a REGISTER left unanswered past its deadline; sends the refresh or retry due;
    /// notices a binding that lapsed while its refresh is still unanswered (→ `Registering`).
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if let RegistrationState::Registered { until } = self.state
            && until <= now
        {
            self.set_state(RegistrationState::Registering);
        }
        if self.outstanding.as_ref().is_some_and(|o| o.deadline <= now) {
            self.outstanding = None;
            self.fail(now, FailureReason::Timeout, None);
        }
        if self.next_attempt.is_some_and(|t| t <= now) {
            self.next_attempt = None;
            self.challenged.clear();
            if matches!(self.state, RegistrationState::Failed { .. }) {
                self.set_state(RegistrationState::Registering);
            }
            self.send(now);
        }
    }

    /// The next deadline: a refresh, a retry, the outstanding request's timeout, or the end of
    /// the current binding.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let lapse = match self.state {
            RegistrationState::Registered { until } => Some(until),
            _ => None,
        };
        [
            self.outstanding.as_ref().map(|o| o.deadline),
            self.next_attempt,
            lapse,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The next REGISTER to send (complete; the transport may rewrite the Via sent-by).
    pub fn poll_request(&mut self) -> Option<Request> {
        self.outbox.pop_front()
    }

    /// The next state change, for logs and for marking the trunk.
    pub fn poll_event(&mut self) -> Option<RegistrationState> {
        self.events.pop_front()
    }

    fn succeeded(&mut self, now: Timestamp, response: &Response) {
        self.challenged.clear();
        self.stale_in_a_row = 0;
        if self.unregistering {
            self.next_attempt = None;
            self.bound_until = None;
            return self.set_state(RegistrationState::Unregistered);
        }
        let granted = granted_expiry(response, &self.config.contact).unwrap_or(self.expires);
        if granted == 0 {
            self.bound_until = None;
            return self.fail(now, FailureReason::NotBound, None);
        }
        self.failures = 0;
        self.bound_until = Some(now + secs(granted));
        self.next_attempt = Some(now + refresh_after(granted));
        self.set_state(RegistrationState::Registered {
            until: now + secs(granted),
        });
    }

    fn challenged(&mut self, now: Timestamp, response: &Response, status: u16) {
        let proxy = status == 407;
        if self.digest.is_none() {
            return self.fail(now, FailureReason::NoCredentials { status }, None);
        }
        let header = if proxy {
            HeaderName::ProxyAuthenticate
        } else {
            HeaderName::WwwAuthenticate
        };
        let pinned = self
            .config
            .credentials
            .as_ref()
            .and_then(|c| c.realm.as_deref());
        let chosen = response
            .headers()
            .all(header)
            .filter_map(|v| Challenge::parse(&v.value_unfolded()).ok())
            .filter(|c| pinned.is_none_or(|p| p == c.realm))
            .filter(|c| c.qop_auth || c.algorithm.is_md5())
            .max_by_key(|c| c.algorithm.strength());
        let Some(challenge) = chosen else {
            return self.fail(now, FailureReason::UnanswerableChallenge { status }, None);
        };
        let key = (proxy, challenge.realm.clone());
        if challenge.stale {
            self.stale_in_a_row = self.stale_in_a_row.saturating_add(1);
            if self.stale_in_a_row > MAX_STALE {
                return self.fail(now, FailureReason::UnanswerableChallenge { status }, None);
            }
        } else if self.challenged.contains(&key) {
            return self.fail(now, FailureReason::WrongCredentials { status }, None);
        } else {
            self.stale_in_a_row = 0;
        }
        self.challenged.push(key);
        self.answering
            .retain(|a| a.proxy != proxy || a.challenge.realm != challenge.realm);
        self.answering.push(Answering { proxy, challenge });
        self.send(now);
    }

    fn fail(&mut self, now: Timestamp, reason: FailureReason, retry_after: Option<Duration>) {
        self.challenged.clear();
        self.answering.clear();
        self.stale_in_a_row = 0;
        if self.unregistering {
            self.next_attempt = None;
            return self.set_state(RegistrationState::Unregistered);
        }
        let draw = self
            .rng
            .up_to(u64::from(self.config.backoff.jitter_percent));
        let mut delay = self.config.backoff.delay(self.failures, draw);
        if let Some(wanted) = retry_after {
            delay = delay.max(wanted.min(Duration::from_secs(3600)));
        }
        self.failures = self.failures.saturating_add(1);
        let retry_at = now + delay;
        self.next_attempt = Some(retry_at);
        self.set_state(RegistrationState::Failed { reason, retry_at });
    }

    fn send(&mut self, now: Timestamp) {
        self.cseq = self.cseq.wrapping_add(1);
        let mut request = build(
            &Skeleton {
                method: Method::Register,
                request_uri: &self.config.registrar,
                from: &self.config.aor,
                from_tag: &self.from_tag,
                to: &self.config.aor,
                call_id: &self.call_id,
                cseq: self.cseq,
                local: &self.config.contact,
            },
            &mut self.rng,
        );
        let expires = if self.unregistering { 0 } else { self.expires };
        let h = request.headers_mut();
        h.push(HeaderName::Contact, format!("<{}>", self.config.contact));
        h.push(HeaderName::Expires, expires);
        let uri = self.config.registrar.to_string();
        if let Some(digest) = self.digest.as_mut() {
            for a in &self.answering {
                let cnonce = self.rng.token();
                if let Ok(creds) = digest.authorize(&a.challenge, "REGISTER", &uri, &cnonce) {
                    let name = if a.proxy {
                        HeaderName::ProxyAuthorization
                    } else {
                        HeaderName::Authorization
                    };
                    h.push(name, creds);
                }
            }
        }
        self.outstanding = Some(Outstanding {
            cseq: self.cseq,
            deadline: now + self.config.response_timeout,
        });
        self.outbox.push_back(request);
    }

    fn set_state(&mut self, state: RegistrationState) {
        if self.state != state {
            self.state = state;
            self.events.push_back(state);
        }
    }
}

/// The expiry granted to `contact`: its Contact's `expires` parameter, else the Expires header.
fn granted_expiry(response: &Response, contact: &SipUri) -> Option<u32> {
    let h = response.headers();
    let ours = Uri::Sip(contact.clone());
    let from_contact = h.contacts().ok().and_then(|c| {
        c.addresses()
            .iter()
            .find(|a| a.uri.equivalent(&ours))
            .and_then(sb_sip::NameAddr::expires)
    });
    from_contact.or_else(|| h.expires().ok())
}

/// Retry-After seconds (RFC 3261 § 20.33), ignoring a comment and parameters.
fn retry_after(response: &Response) -> Option<Duration> {
    let v = response.headers().get(HeaderName::RetryAfter)?;
    let digits: String = v.trim().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().map(Duration::from_secs)
}

fn secs(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
}

/// Refresh at `expiry − min(expiry / 2, 60 s)`: a minute early for expiries of two minutes and
/// more, half-way for shorter ones.
pub(crate) fn refresh_after(granted: u32) -> Duration {
    secs(granted - (granted / 2).min(60))
}
