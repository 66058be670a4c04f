//! One trunk's carrier-facing machines (registration, OPTIONS pings) without IO: what to send,
//! what came back, and the events worth recording.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use sb_sip::{Host, Request, Response, SipUri};
use sb_sip_dialog::trunk::{
    FailureReason, HealthCheck, HealthConfig, HealthEvent, Registration, RegistrationConfig,
    RegistrationState, TransportFailure, TrunkCredentials,
};
use sb_types::{TenantId, Timestamp, TrunkId};
use serde_json::json;

use super::settings::TrunkPlan;

/// The longest an OPTIONS ping waits for its answer.
const MAX_PING_TIMEOUT: Duration = Duration::from_secs(32);
/// The longest a REGISTER waits for its answer.
const REGISTER_TIMEOUT: Duration = Duration::from_secs(32);

/// What an outgoing request is for, to route its answer back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The trunk's REGISTER.
    Register,
    /// An OPTIONS ping of target `n`.
    Ping(usize),
}

/// A request to send: resolve `destination` (RFC 3263) and send `request` there, giving up
/// after `timeout`.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// What it is for.
    pub purpose: Purpose,
    /// The request.
    pub request: Request,
    /// Where it goes.
    pub destination: SipUri,
    /// How long to wait for the final response.
    pub timeout: Duration,
}

/// Why no final response came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendFailure {
    /// Nothing in time.
    Timeout,
    /// Could not resolve or send.
    Transport,
}

/// A trunk event for the log and the event log.
#[derive(Debug, Clone, PartialEq)]
pub struct TrunkEvent {
    /// Owning tenant.
    pub tenant: TenantId,
    /// The trunk.
    pub trunk: TrunkId,
    /// When.
    pub at: Timestamp,
    /// `trunk.registered`, `trunk.registration_failed`, `trunk.unregistered`, `trunk.up`,
    /// `trunk.down`.
    pub kind: &'static str,
    /// `{"trunk": name, …}` with the reason, target or expiry.
    pub payload: serde_json::Value,
}

/// A trunk's registration and health check.
#[derive(Debug)]
pub struct TrunkMachines {
    tenant: TenantId,
    trunk: TrunkId,
    name: String,
    registration: Option<(Registration, SipUri)>,
    health: Option<HealthCheck>,
    ping_timeout: Duration,
    registered: bool,
    events: VecDeque<TrunkEvent>,
}

impl TrunkMachines {
    /// The machines `plan` asks for, started at `now`. `local` is our SIP address (Contact
    /// and Via when the settings give no contact; an unspecified address becomes loopback).
    pub fn new(
        now: Timestamp,
        tenant: TenantId,
        trunk: TrunkId,
        name: &str,
        plan: &TrunkPlan,
        local: SocketAddr,
        seed: u64,
    ) -> Self {
        let registration = plan.register.as_ref().map(|r| {
            let contact = r
                .contact
                .clone()
                .unwrap_or_else(|| local_uri(local, Some(&r.username)));
            let mut aor = SipUri::new(r.registrar.host.clone());
            aor.secure = r.registrar.secure;
            aor.user = Some(r.username.as_str().into());
            let mut config =
                RegistrationConfig::new(r.registrar.clone(), aor, contact, r.expires, seed);
            config.credentials = r.password.as_ref().map(|p| TrunkCredentials {
                username: r.username.clone(),
                password: p.clone(),
                realm: r.realm.clone(),
            });
            config.response_timeout = REGISTER_TIMEOUT;
            (Registration::new(now, config), r.registrar.clone())
        });
        let mut ping_timeout = MAX_PING_TIMEOUT;
        let health = plan.ping.as_ref().map(|(target, interval)| {
            let mut config = HealthConfig::new(
                local_uri(local, Some("switchboard")),
                local_uri(local, None),
                seed.rotate_left(17) ^ 0x5bd1_e995,
            );
            config.up_interval = *interval;
            config.down_interval = (*interval).min(config.down_interval);
            // A short interval asks for quick detection: wait at most twice the interval
            // (at least 1 s) for each answer.
            ping_timeout = (*interval * 2).clamp(Duration::from_secs(1), MAX_PING_TIMEOUT);
            config.response_timeout = ping_timeout;
            HealthCheck::new(now, config, vec![target.clone()])
        });
        let mut m = TrunkMachines {
            tenant,
            trunk,
            name: name.to_owned(),
            registration,
            health,
            ping_timeout,
            registered: false,
            events: VecDeque::new(),
        };
        m.collect(now);
        m
    }

    /// The trunk.
    pub fn trunk(&self) -> TrunkId {
        self.trunk
    }

    /// The registration's state, when the trunk registers.
    pub fn registration_state(&self) -> Option<RegistrationState> {
        self.registration.as_ref().map(|(r, _)| r.state())
    }

    /// Whether the pinged target answers, when the trunk is pinged.
    pub fn is_up(&self) -> Option<bool> {
        self.health.as_ref().map(|h| h.is_up(0))
    }

    /// The next request to send.
    pub fn poll_outgoing(&mut self) -> Option<Outgoing> {
        if let Some((reg, registrar)) = &mut self.registration
            && let Some(request) = reg.poll_request()
        {
            return Some(Outgoing {
                purpose: Purpose::Register,
                request,
                destination: registrar.clone(),
                timeout: REGISTER_TIMEOUT,
            });
        }
        let health = self.health.as_mut()?;
        let (target, request) = health.poll_request()?;
        let destination = health.target(target)?.clone();
        Some(Outgoing {
            purpose: Purpose::Ping(target),
            request,
            destination,
            timeout: self.ping_timeout,
        })
    }

    /// The outcome of a request from [`TrunkMachines::poll_outgoing`].
    pub fn handle_result(
        &mut self,
        now: Timestamp,
        purpose: Purpose,
        result: Result<Response, SendFailure>,
    ) {
        match (purpose, result) {
            (Purpose::Register, Ok(r)) => {
                if let Some((reg, _)) = &mut self.registration {
                    reg.handle_response(now, &r);
                }
            }
            (Purpose::Register, Err(f)) => {
                if let Some((reg, _)) = &mut self.registration {
                    let f = match f {
                        SendFailure::Timeout => TransportFailure::Timeout,
                        SendFailure::Transport => TransportFailure::Transport,
                    };
                    reg.handle_failure(now, f);
                }
            }
            (Purpose::Ping(_), Ok(r)) => {
                if let Some(h) = &mut self.health {
                    h.handle_response(now, &r);
                }
            }
            (Purpose::Ping(target), Err(_)) => {
                if let Some(h) = &mut self.health {
                    h.handle_failure(now, target);
                }
            }
        }
        self.collect(now);
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if let Some((reg, _)) = &mut self.registration {
            reg.handle_timeout(now);
        }
        if let Some(h) = &mut self.health {
            h.handle_timeout(now);
        }
        self.collect(now);
    }

    /// The earliest timer.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let reg = self
            .registration
            .as_ref()
            .and_then(|(r, _)| r.poll_timeout());
        let health = self.health.as_ref().and_then(HealthCheck::poll_timeout);
        match (reg, health) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Removes the registration (Expires: 0); pings stop being meaningful afterwards.
    pub fn unregister(&mut self, now: Timestamp) {
        if let Some((reg, _)) = &mut self.registration {
            reg.unregister(now);
        }
        self.collect(now);
    }

    /// The next event to record.
    pub fn poll_event(&mut self) -> Option<TrunkEvent> {
        self.events.pop_front()
    }

    fn collect(&mut self, now: Timestamp) {
        let name = self.name.clone();
        if let Some((reg, _)) = &mut self.registration {
            while let Some(state) = reg.poll_event() {
                let event = match state {
                    RegistrationState::Registered { until } => {
                        let first = !self.registered;
                        self.registered = true;
                        first.then(|| {
                            (
                                "trunk.registered",
                                json!({ "trunk": name, "until": until.as_millis() }),
                            )
                        })
                    }
                    RegistrationState::Failed { reason, retry_at } => {
                        self.registered = false;
                        Some((
                            "trunk.registration_failed",
                            json!({
                                "trunk": name,
                                "reason": describe(reason),
                                "retry_at": retry_at.as_millis(),
                            }),
                        ))
                    }
                    RegistrationState::Unregistered => {
                        self.registered = false;
                        Some(("trunk.unregistered", json!({ "trunk": name })))
                    }
                    RegistrationState::Registering | RegistrationState::Unregistering => None,
                };
                if let Some((kind, payload)) = event {
                    self.events.push_back(TrunkEvent {
                        tenant: self.tenant,
                        trunk: self.trunk,
                        at: now,
                        kind,
                        payload,
                    });
                }
            }
        }
        if let Some(h) = &mut self.health {
            while let Some(e) = h.poll_event() {
                let (kind, target) = match e {
                    HealthEvent::Up { target } => ("trunk.up", target),
                    HealthEvent::Down { target } => ("trunk.down", target),
                };
                let uri = h.target(target).map(|u| u.to_string()).unwrap_or_default();
                let reason = if kind == "trunk.down" {
                    "OPTIONS pings fail"
                } else {
                    "OPTIONS pings answered"
                };
                self.events.push_back(TrunkEvent {
                    tenant: self.tenant,
                    trunk: self.trunk,
                    at: now,
                    kind,
                    payload: json!({ "trunk": name, "target": uri, "reason": reason }),
                });
            }
        }
    }
}

/// Why a registration failed, in words for the log and the event.
fn describe(reason: FailureReason) -> String {
    match reason {
        FailureReason::Rejected { status } => format!("rejected with {status}"),
        FailureReason::WrongCredentials { status } => {
            format!("wrong user name or password (challenged again with {status})")
        }
        FailureReason::NoCredentials { status } => {
            format!("challenged ({status}) but no password is configured")
        }
        FailureReason::UnanswerableChallenge { status } => {
            format!("challenge ({status}) cannot be answered (realm, algorithm or qop)")
        }
        FailureReason::IntervalTooBrief => "423 Interval Too Brief".to_owned(),
        FailureReason::NotBound => "the registrar did not keep the binding".to_owned(),
        FailureReason::Timeout => "no answer from the registrar".to_owned(),
        FailureReason::Transport => "could not reach the registrar".to_owned(),
    }
}

fn local_uri(local: SocketAddr, user: Option<&str>) -> SipUri {
    let host = match local.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => {
            Host::Ipv4(std::net::Ipv4Addr::LOCALHOST)
        }
        std::net::IpAddr::V4(v4) => Host::Ipv4(v4),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => {
            Host::Ipv6(std::net::Ipv6Addr::LOCALHOST)
        }
        std::net::IpAddr::V6(v6) => Host::Ipv6(v6),
    };
    let mut uri = SipUri::new(host);
    uri.port = Some(local.port());
    uri.user = user.map(Into::into);
    uri
}
