//! Simulation tests of the trunk machines against this crate's own registrar and digest server
//! (the carrier), over printed and re-parsed messages, with a manual clock.

use std::time::Duration;

use proptest::prelude::*;
use sb_sip::{HeaderName, Message, Request, Response, SipUri, StatusCode};
use sb_types::Timestamp;

use super::*;
use crate::digest::{
    Algorithm, AuthAttempt, AuthRole, Credentials, DigestServer, DigestServerConfig, Rejection,
    UserSecret, Verdict,
};
use crate::registrar::{Registrar, RegistrarConfig};
use crate::wire;

const SOURCE: &str = "192.0.2.7";
const REALM: &str = "carrier.example.net";

fn at(secs: u64) -> Timestamp {
    Timestamp::from_secs(1_700_000_000) + Duration::from_secs(secs)
}

fn sip(s: &str) -> SipUri {
    SipUri::parse(s).unwrap()
}

fn reparse_request(r: &Request) -> Request {
    match sb_sip::parse(r.to_bytes()).expect("our request parses") {
        Message::Request(r) => r,
        Message::Response(_) => panic!("not a request"),
    }
}

fn reparse_response(r: &Response) -> Response {
    match sb_sip::parse(r.to_bytes()).expect("the response parses") {
        Message::Response(r) => r,
        Message::Request(_) => panic!("not a response"),
    }
}

/// The carrier: digest authentication then this crate's registrar.
struct Carrier {
    auth: DigestServer,
    registrar: Registrar,
    password: String,
    role: AuthRole,
}

impl Carrier {
    fn new(algorithms: Vec<Algorithm>) -> Self {
        let mut config = DigestServerConfig::new(REALM, b"carrier-secret".to_vec());
        config.algorithms = algorithms;
        config.nonce_ttl = Duration::from_secs(3600);
        Carrier {
            auth: DigestServer::new(config),
            registrar: Registrar::new(RegistrarConfig::default()),
            password: "s3cret".into(),
            role: AuthRole::Server,
        }
    }

    fn answer(&mut self, now: Timestamp, request: &Request) -> Response {
        let req = reparse_request(request);
        let uri = req.uri().to_string();
        let verdict = wire::credentials_of(&req, self.role, REALM).map(|creds| {
            let attempt = AuthAttempt {
                method: "REGISTER",
                source: SOURCE,
                request_uri: &uri,
                credentials: &creds,
            };
            let secret = UserSecret::Password(self.password.clone());
            self.auth.verify(now, attempt, Some(&secret))
        });
        let response = match verdict {
            Some(Verdict::Authorized { .. }) => {
                let register = wire::register_of(&req, None).unwrap();
                match self.registrar.handle_register(now, &register) {
                    Ok(bindings) => wire::register_ok(&req, &bindings, now, "c1"),
                    Err(e) => wire::error_response(&req, &e, "c1"),
                }
            }
            Some(Verdict::Rejected(why)) => {
                wire::challenge(&req, &self.auth.reject(now, SOURCE, why), "c1")
            }
            None => {
                let why = Rejection::NoCredentials;
                wire::challenge(&req, &self.auth.reject(now, SOURCE, why), "c1")
            }
        };
        reparse_response(&response)
    }
}

fn config(seed: u64) -> RegistrationConfig {
    let mut c = RegistrationConfig::new(
        sip("sip:carrier.example.net"),
        sip("sip:trunk1@carrier.example.net"),
        sip("sip:trunk1@192.0.2.7:5060"),
        600,
        seed,
    );
    c.credentials = Some(TrunkCredentials {
        username: "trunk1".into(),
        password: "s3cret".into(),
        realm: Some(REALM.into()),
    });
    c.backoff.jitter_percent = 0;
    c
}

/// Sends every queued REGISTER to the carrier and hands the answers back; returns them.
fn exchange(reg: &mut Registration, carrier: &mut Carrier, now: Timestamp) -> Vec<(Request, u16)> {
    let mut seen = Vec::new();
    while let Some(req) = reg.poll_request() {
        let resp = carrier.answer(now, &req);
        seen.push((req, resp.status().as_u16()));
        reg.handle_response(now, &resp);
    }
    seen
}

fn credentials(req: &Request, name: HeaderName) -> Option<Credentials> {
    req.headers()
        .get(name)
        .map(|v| Credentials::parse(v).expect("credentials parse"))
}

fn cseq(req: &Request) -> u32 {
    req.headers().cseq().unwrap().seq
}

#[test]
fn registers_through_a_challenge_with_complete_requests() {
    let mut carrier = Carrier::new(vec![Algorithm::Sha256, Algorithm::Md5]);
    let mut reg = Registration::new(at(0), config(1));
    let seen = exchange(&mut reg, &mut carrier, at(0));
    let statuses: Vec<u16> = seen.iter().map(|s| s.1).collect();
    assert_eq!(statuses, [401, 200]);
    let (first, second) = (&seen[0].0, &seen[1].0);
    for r in [first, second] {
        let h = r.headers();
        assert_eq!(r.uri().to_string(), "sip:carrier.example.net");
        assert_eq!(h.max_forwards().unwrap(), 70);
        assert_eq!(h.call_id().unwrap(), reg.call_id());
        assert_eq!(
            h.to().unwrap().uri.to_string(),
            "sip:trunk1@carrier.example.net"
        );
        assert_eq!(h.expires().unwrap(), 600);
        assert!(h.top_via().unwrap().has_rfc3261_branch());
    }
    assert_eq!((cseq(first), cseq(second)), (1, 2));
    assert_eq!(
        first.headers().from().unwrap().tag(),
        second.headers().from().unwrap().tag()
    );
    assert_ne!(
        first.headers().top_via().unwrap().branch(),
        second.headers().top_via().unwrap().branch()
    );
    assert!(credentials(first, HeaderName::Authorization).is_none());
    let creds = credentials(second, HeaderName::Authorization).unwrap();
    assert_eq!(creds.algorithm, Algorithm::Sha256, "strongest offered");
    assert_eq!(creds.qop.map(|q| q.nc), Some(1));
    assert_eq!(
        reg.state(),
        RegistrationState::Registered { until: at(600) }
    );
    assert_eq!(
        carrier
            .registrar
            .lookup(at(1), "sip:trunk1@carrier.example.net")
            .len(),
        1
    );
}

#[test]
fn md5_sha256_and_sha512_256_challenges_are_all_answered() {
    for alg in [Algorithm::Md5, Algorithm::Sha256, Algorithm::Sha512_256] {
        let mut carrier = Carrier::new(vec![alg]);
        let mut reg = Registration::new(at(0), config(2));
        let seen = exchange(&mut reg, &mut carrier, at(0));
        let creds = credentials(&seen[1].0, HeaderName::Authorization).unwrap();
        assert_eq!(creds.algorithm, alg);
        assert!(
            matches!(reg.state(), RegistrationState::Registered { .. }),
            "{alg:?}: {:?}",
            reg.state()
        );
    }
}

#[test]
fn refresh_is_due_at_expiry_minus_min_of_half_and_a_minute() {
    assert_eq!(registration::refresh_after(3600), Duration::from_secs(3540));
    assert_eq!(registration::refresh_after(120), Duration::from_secs(60));
    assert_eq!(registration::refresh_after(100), Duration::from_secs(50));
    assert_eq!(registration::refresh_after(1), Duration::from_secs(1));
}

#[test]
fn refresh_keeps_call_id_raises_cseq_and_reuses_the_nonce_with_the_next_nonce_count() {
    let mut carrier = Carrier::new(vec![Algorithm::Sha256]);
    let mut reg = Registration::new(at(0), config(3));
    exchange(&mut reg, &mut carrier, at(0));
    assert_eq!(reg.poll_timeout(), Some(at(540)));
    reg.handle_timeout(at(539));
    assert!(
        reg.poll_request().is_none(),
        "nothing before the refresh time"
    );
    reg.handle_timeout(at(540));
    let seen = exchange(&mut reg, &mut carrier, at(540));
    assert_eq!(seen.len(), 1, "pre-emptive credentials: no new challenge");
    let refresh = &seen[0].0;
    assert_eq!(cseq(refresh), 3);
    assert_eq!(refresh.headers().call_id().unwrap(), reg.call_id());
    let creds = credentials(refresh, HeaderName::Authorization).unwrap();
    assert_eq!(creds.qop.map(|q| q.nc), Some(2));
    assert_eq!(
        reg.state(),
        RegistrationState::Registered { until: at(1140) }
    );
    let events: Vec<_> = std::iter::from_fn(|| reg.poll_event()).collect();
    assert_eq!(
        events,
        [
            RegistrationState::Registered { until: at(600) },
            RegistrationState::Registered { until: at(1140) }
        ],
        "no Registering blip during a refresh"
    );
}

#[test]
fn stale_nonce_is_answered_again_without_counting_as_a_failure() {
    let mut carrier = Carrier::new(vec![Algorithm::Sha256]);
    let mut config_short = DigestServerConfig::new(REALM, b"carrier-secret".to_vec());
    config_short.nonce_ttl = Duration::from_secs(300);
    carrier.auth = DigestServer::new(config_short);
    let mut reg = Registration::new(at(0), config(4));
    exchange(&mut reg, &mut carrier, at(0));
    reg.handle_timeout(at(540));
    let seen = exchange(&mut reg, &mut carrier, at(540));
    let statuses: Vec<u16> = seen.iter().map(|s| s.1).collect();
    assert_eq!(statuses, [401, 200], "stale, then accepted");
    let stale_answer = credentials(&seen[1].0, HeaderName::Authorization).unwrap();
    let old = credentials(&seen[0].0, HeaderName::Authorization).unwrap();
    assert_ne!(stale_answer.nonce, old.nonce);
    assert_eq!(stale_answer.qop.map(|q| q.nc), Some(1));
    assert!(matches!(reg.state(), RegistrationState::Registered { .. }));
}

#[test]
fn second_challenge_for_the_same_realm_means_wrong_credentials_and_backs_off() {
    let mut carrier = Carrier::new(vec![Algorithm::Md5]);
    carrier.password = "other".into();
    let mut reg = Registration::new(at(0), config(5));
    let seen = exchange(&mut reg, &mut carrier, at(0));
    assert_eq!(seen.len(), 2, "one retry, no loop");
    assert_eq!(
        reg.state(),
        RegistrationState::Failed {
            reason: FailureReason::WrongCredentials { status: 401 },
            retry_at: at(30)
        }
    );
    assert_eq!(reg.poll_timeout(), Some(at(30)));
}

#[test]
fn proxy_challenges_are_answered_with_proxy_authorization() {
    let mut carrier = Carrier::new(vec![Algorithm::Sha256]);
    let mut config = DigestServerConfig::new(REALM, b"carrier-secret".to_vec());
    config.role = AuthRole::Proxy;
    carrier.auth = DigestServer::new(config);
    carrier.role = AuthRole::Proxy;
    let mut reg = Registration::new(at(0), self::config(6));
    let seen = exchange(&mut reg, &mut carrier, at(0));
    assert_eq!(seen[0].1, 407);
    assert!(credentials(&seen[1].0, HeaderName::ProxyAuthorization).is_some());
    assert!(credentials(&seen[1].0, HeaderName::Authorization).is_none());
    assert!(matches!(reg.state(), RegistrationState::Registered { .. }));
}

#[test]
fn a_challenge_from_another_realm_than_the_pinned_one_is_not_answered() {
    let mut carrier = Carrier::new(vec![Algorithm::Sha256]);
    carrier.auth = DigestServer::new(DigestServerConfig::new("evil.example", b"k".to_vec()));
    let mut reg = Registration::new(at(0), config(7));
    let seen = exchange(&mut reg, &mut carrier, at(0));
    assert_eq!(
        seen.len(),
        1,
        "the password is not offered to another realm"
    );
    assert!(matches!(
        reg.state(),
        RegistrationState::Failed {
            reason: FailureReason::UnanswerableChallenge { status: 401 },
            ..
        }
    ));
}

#[test]
fn a_challenge_without_credentials_configured_fails() {
    let mut carrier = Carrier::new(vec![Algorithm::Sha256]);
    let mut c = config(8);
    c.credentials = None;
    let mut reg = Registration::new(at(0), c);
    exchange(&mut reg, &mut carrier, at(0));
    assert!(matches!(
        reg.state(),
        RegistrationState::Failed {
            reason: FailureReason::NoCredentials { status: 401 },
            ..
        }
    ));
}

#[test]
fn interval_too_brief_retries_once_with_min_expires() {
    let mut carrier = Carrier::new(vec![Algorithm::Sha256]);
    carrier.registrar = Registrar::new(RegistrarConfig {
        min_expires: 1800,
        ..RegistrarConfig::default()
    });
    let mut reg = Registration::new(at(0), config(9));
    let seen = exchange(&mut reg, &mut carrier, at(0));
    let statuses: Vec<u16> = seen.iter().map(|s| s.1).collect();
    assert_eq!(statuses, [401, 423, 200]);
    assert_eq!(seen[2].0.headers().expires().unwrap(), 1800);
    assert_eq!(reg.expires(), 1800);
    assert_eq!(
        reg.state(),
        RegistrationState::Registered { until: at(1800) }
    );
}

fn plain(reg: &Registration, req: &Request, status: u16, extra: &[(HeaderName, &str)]) -> Response {
    let _ = reg;
    let mut r = req.make_response(StatusCode::new(status).unwrap(), Some("x"));
    for (name, value) in extra {
        r.headers_mut().push(name.clone(), value);
    }
    reparse_response(&r)
}

#[test]
fn a_423_without_a_larger_min_expires_fails() {
    let mut reg = Registration::new(at(0), config(10));
    let req = reg.poll_request().unwrap();
    let resp = plain(&reg, &req, 423, &[(HeaderName::MinExpires, "600")]);
    reg.handle_response(at(1), &resp);
    assert!(reg.poll_request().is_none());
    assert!(matches!(
        reg.state(),
        RegistrationState::Failed {
            reason: FailureReason::IntervalTooBrief,
            ..
        }
    ));
}

#[test]
fn failures_back_off_30_s_doubling_to_10_min_and_success_resets() {
    let mut reg = Registration::new(at(0), config(11));
    let mut now = at(0);
    let mut gaps = Vec::new();
    for i in 0..7 {
        let req = reg.poll_request().expect("an attempt");
        match i % 3 {
            0 => reg.handle_response(now, &plain(&reg, &req, 500, &[])),
            1 => reg.handle_failure(now, TransportFailure::Timeout),
            _ => reg.handle_response(now, &plain(&reg, &req, 603, &[])),
        }
        let RegistrationState::Failed { retry_at, .. } = reg.state() else {
            panic!("failed expected, got {:?}", reg.state())
        };
        gaps.push(retry_at.saturating_since(now).as_secs());
        now = retry_at;
        reg.handle_timeout(now);
        assert_eq!(reg.state(), RegistrationState::Registering);
    }
    assert_eq!(gaps, [30, 60, 120, 240, 480, 600, 600]);
    let req = reg.poll_request().unwrap();
    reg.handle_response(
        now,
        &plain(&reg, &req, 200, &[(HeaderName::Expires, "600")]),
    );
    reg.handle_timeout(now + Duration::from_secs(540));
    let req = reg.poll_request().unwrap();
    reg.handle_response(now, &plain(&reg, &req, 503, &[]));
    assert_eq!(
        reg.bound_until(now),
        Some(now + Duration::from_secs(600)),
        "a failed refresh leaves the old binding in place"
    );
    assert!(
        matches!(reg.state(), RegistrationState::Failed { retry_at, .. } if retry_at == now + Duration::from_secs(30)),
        "the first failure after a success waits 30 s again"
    );
}

#[test]
fn retry_after_of_a_503_is_honoured_when_longer_than_the_back_off() {
    let mut reg = Registration::new(at(0), config(12));
    let req = reg.poll_request().unwrap();
    let resp = plain(
        &reg,
        &req,
        503,
        &[(HeaderName::RetryAfter, "300 (maintenance)")],
    );
    reg.handle_response(at(0), &resp);
    assert!(matches!(
        reg.state(),
        RegistrationState::Failed { reason: FailureReason::Rejected { status: 503 }, retry_at } if retry_at == at(300)
    ));
}

#[test]
fn an_unanswered_register_times_out_at_its_deadline() {
    let mut reg = Registration::new(at(0), config(13));
    reg.poll_request().unwrap();
    assert_eq!(reg.poll_timeout(), Some(at(32)));
    reg.handle_timeout(at(32));
    assert_eq!(
        reg.state(),
        RegistrationState::Failed {
            reason: FailureReason::Timeout,
            retry_at: at(62)
        }
    );
    reg.handle_failure(at(33), TransportFailure::Transport);
    assert!(
        matches!(
            reg.state(),
            RegistrationState::Failed {
                reason: FailureReason::Timeout,
                ..
            }
        ),
        "a failure report without an outstanding request is ignored"
    );
}

#[test]
fn jittered_back_off_is_deterministic_per_seed_and_within_bounds() {
    let run = |seed| {
        let mut c = config(seed);
        c.backoff.jitter_percent = 20;
        let mut reg = Registration::new(at(0), c);
        let mut now = at(0);
        let mut delays = Vec::new();
        for _ in 0..8 {
            reg.poll_request().unwrap();
            reg.handle_failure(now, TransportFailure::Transport);
            let RegistrationState::Failed { retry_at, .. } = reg.state() else {
                panic!()
            };
            delays.push(retry_at.saturating_since(now).as_millis());
            now = retry_at;
            reg.handle_timeout(now);
        }
        delays
    };
    assert_eq!(run(77), run(77));
    let full = [
        30_000u128, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000,
    ];
    for seed in 0..20 {
        for (d, f) in run(seed).iter().zip(full) {
            assert!(*d <= f && *d >= f * 80 / 100, "{d} vs {f}");
        }
    }
    assert_ne!(run(1), run(2));
}

#[test]
fn granted_expiry_is_our_contacts_parameter_else_the_expires_header() {
    let mut reg = Registration::new(at(0), config(14));
    let req = reg.poll_request().unwrap();
    let resp = plain(
        &reg,
        &req,
        200,
        &[
            (HeaderName::Contact, "<sip:other@198.51.100.1>;expires=10"),
            (
                HeaderName::Contact,
                "<sip:trunk1@192.0.2.7:5060>;expires=300",
            ),
            (HeaderName::Expires, "3600"),
        ],
    );
    reg.handle_response(at(0), &resp);
    assert_eq!(
        reg.state(),
        RegistrationState::Registered { until: at(300) }
    );
    reg.handle_timeout(at(240));
    let req = reg.poll_request().unwrap();
    let resp = plain(&reg, &req, 200, &[(HeaderName::Expires, "900")]);
    reg.handle_response(at(240), &resp);
    assert_eq!(
        reg.state(),
        RegistrationState::Registered { until: at(1140) }
    );
}

#[test]
fn a_binding_that_lapses_during_an_unanswered_refresh_goes_back_to_registering() {
    let mut reg = Registration::new(at(0), config(18));
    let req = reg.poll_request().unwrap();
    reg.handle_response(
        at(0),
        &plain(&reg, &req, 200, &[(HeaderName::Expires, "40")]),
    );
    assert_eq!(reg.poll_timeout(), Some(at(20)));
    reg.handle_timeout(at(20));
    assert!(reg.poll_request().is_some(), "the refresh");
    assert_eq!(
        reg.poll_timeout(),
        Some(at(40)),
        "the binding ends before the refresh times out"
    );
    assert_eq!(reg.bound_until(at(39)), Some(at(40)));
    reg.handle_timeout(at(40));
    assert_eq!(reg.state(), RegistrationState::Registering);
    assert_eq!(reg.bound_until(at(40)), None);
    assert_eq!(reg.poll_timeout(), Some(at(52)));
}

#[test]
fn a_2xx_that_drops_our_binding_is_a_failure() {
    let mut reg = Registration::new(at(0), config(15));
    let req = reg.poll_request().unwrap();
    reg.handle_response(
        at(0),
        &plain(&reg, &req, 200, &[(HeaderName::Expires, "0")]),
    );
    assert!(matches!(
        reg.state(),
        RegistrationState::Failed {
            reason: FailureReason::NotBound,
            ..
        }
    ));
}

#[test]
fn stray_and_provisional_responses_are_ignored() {
    let mut reg = Registration::new(at(0), config(16));
    let req = reg.poll_request().unwrap();
    reg.handle_response(at(0), &plain(&reg, &req, 100, &[]));
    let mut other = req.clone();
    other.headers_mut().set(HeaderName::CSeq, "99 REGISTER");
    reg.handle_response(at(0), &plain(&reg, &other, 500, &[]));
    let mut foreign = req.clone();
    foreign
        .headers_mut()
        .set(HeaderName::CallId, "someone-else");
    reg.handle_response(at(0), &plain(&reg, &foreign, 500, &[]));
    assert_eq!(reg.state(), RegistrationState::Registering);
    reg.handle_response(
        at(0),
        &plain(&reg, &req, 200, &[(HeaderName::Expires, "60")]),
    );
    assert_eq!(reg.state(), RegistrationState::Registered { until: at(60) });
    assert_eq!(reg.poll_timeout(), Some(at(30)));
}

#[test]
fn unregister_sends_expires_zero_through_the_challenge_and_stops() {
    let mut carrier = Carrier::new(vec![Algorithm::Sha256]);
    let mut reg = Registration::new(at(0), config(17));
    exchange(&mut reg, &mut carrier, at(0));
    reg.unregister(at(10));
    let seen = exchange(&mut reg, &mut carrier, at(10));
    assert!(
        seen.iter()
            .all(|(r, _)| r.headers().expires().unwrap() == 0)
    );
    assert_eq!(seen.last().map(|s| s.1), Some(200));
    assert_eq!(reg.state(), RegistrationState::Unregistered);
    assert_eq!(reg.poll_timeout(), None);
    assert!(
        carrier
            .registrar
            .lookup(at(11), "sip:trunk1@carrier.example.net")
            .is_empty()
    );
    let events: Vec<_> = std::iter::from_fn(|| reg.poll_event()).collect();
    assert_eq!(
        events[1..],
        [
            RegistrationState::Unregistering,
            RegistrationState::Unregistered
        ]
    );
    reg.register(at(20));
    exchange(&mut reg, &mut carrier, at(20));
    assert!(matches!(reg.state(), RegistrationState::Registered { .. }));
}

// ---- health checks ----

fn health(seed: u64) -> HealthCheck {
    let config = HealthConfig::new(
        sip("sip:ping@pbx.example.com"),
        sip("sip:192.0.2.7:5060"),
        seed,
    );
    HealthCheck::new(
        at(0),
        config,
        vec![
            sip("sip:198.51.100.1:5060"),
            sip("sip:198.51.100.2:5060;transport=tcp"),
        ],
    )
}

fn answer_all(
    h: &mut HealthCheck,
    now: Timestamp,
    status: impl Fn(usize) -> Option<u16>,
) -> Vec<(usize, Request)> {
    let sent: Vec<_> = std::iter::from_fn(|| h.poll_request()).collect();
    for (i, req) in &sent {
        let req = reparse_request(req);
        match status(*i) {
            Some(s) => {
                let resp = req.make_response(StatusCode::new(s).unwrap(), Some("t"));
                h.handle_response(now, &reparse_response(&resp));
            }
            None => h.handle_failure(now, *i),
        }
    }
    sent
}

#[test]
fn probes_go_out_at_once_then_every_30_s_with_rising_cseq_and_fresh_branches() {
    let mut h = health(1);
    let first = answer_all(&mut h, at(0), |_| Some(200));
    assert_eq!(first.len(), 2);
    let req = &first[1].1;
    assert_eq!(req.method().as_str(), "OPTIONS");
    assert_eq!(req.uri().to_string(), "sip:198.51.100.2:5060;transport=tcp");
    assert_eq!(req.headers().max_forwards().unwrap(), 70);
    assert_eq!(req.headers().top_via().unwrap().transport, "UDP");
    assert_eq!(h.poll_timeout(), Some(at(30)));
    h.handle_timeout(at(30));
    let second = answer_all(&mut h, at(30), |_| Some(200));
    for i in 0..2 {
        let (a, b) = (&first[i].1, &second[i].1);
        assert_eq!(
            a.headers().call_id().unwrap(),
            b.headers().call_id().unwrap()
        );
        assert_eq!(cseq(a) + 1, cseq(b));
        assert_ne!(
            a.headers().top_via().unwrap().branch(),
            b.headers().top_via().unwrap().branch()
        );
    }
    assert_ne!(
        first[0].1.headers().call_id().unwrap(),
        first[1].1.headers().call_id().unwrap()
    );
    assert!(h.poll_event().is_none());
}

#[test]
fn three_failures_mark_a_target_down_and_probing_speeds_up() {
    let mut h = health(2);
    let mut now = at(0);
    for round in 0..3 {
        answer_all(&mut h, now, |i| if i == 0 { Some(503) } else { Some(200) });
        assert_eq!(h.is_up(0), round < 2);
        now = h.poll_timeout().unwrap();
        h.handle_timeout(now);
    }
    assert_eq!(h.poll_event(), Some(HealthEvent::Down { target: 0 }));
    assert_eq!(h.poll_event(), None);
    assert!(h.is_up(1));
    let sent: Vec<_> = std::iter::from_fn(|| h.poll_request()).collect();
    assert_eq!(sent.len(), 1, "the down target is probed sooner: {sent:?}");
    assert_eq!(now, at(70), "probes at 0, 30, 60 then 10 s later");
}

#[test]
fn two_successes_bring_a_down_target_back_up() {
    let mut h = health(3);
    let mut now = at(0);
    let outcomes = [None, None, None, Some(200), Some(404), Some(200)];
    let mut seen = Vec::new();
    for outcome in outcomes {
        answer_all(&mut h, now, |_| outcome);
        while let Some(e) = h.poll_event() {
            seen.push((now, e));
        }
        now = h.poll_timeout().unwrap();
        h.handle_timeout(now);
    }
    let t0: Vec<_> = seen
        .iter()
        .filter(|(_, e)| {
            matches!(
                e,
                HealthEvent::Up { target: 0 } | HealthEvent::Down { target: 0 }
            )
        })
        .collect();
    assert_eq!(
        t0,
        [
            &(at(60), HealthEvent::Down { target: 0 }),
            &(at(80), HealthEvent::Up { target: 0 })
        ]
    );
}

#[test]
fn final_statuses_count_as_alive_except_408_and_5xx() {
    for (status, outcome) in [
        (200, ProbeOutcome::Alive),
        (404, ProbeOutcome::Alive),
        (405, ProbeOutcome::Alive),
        (407, ProbeOutcome::Alive),
        (486, ProbeOutcome::Alive),
        (603, ProbeOutcome::Alive),
        (408, ProbeOutcome::Failed),
        (500, ProbeOutcome::Failed),
        (503, ProbeOutcome::Failed),
        (599, ProbeOutcome::Failed),
    ] {
        assert_eq!(ProbeOutcome::of_status(status), outcome, "{status}");
    }
}

#[test]
fn an_unanswered_probe_fails_at_its_deadline_and_late_answers_are_ignored() {
    let mut h = health(4);
    let sent: Vec<_> = std::iter::from_fn(|| h.poll_request()).collect();
    assert_eq!(h.poll_timeout(), Some(at(32)));
    h.handle_timeout(at(32));
    assert_eq!(h.poll_timeout(), Some(at(62)));
    let late = sent[0].1.make_response(StatusCode::OK, Some("t"));
    h.handle_response(at(33), &late);
    assert_eq!(
        h.poll_timeout(),
        Some(at(62)),
        "no probe outstanding: ignored"
    );
}

/// Operations on one target for the reference model.
#[derive(Debug, Clone)]
enum Op {
    Respond(u16),
    Fail,
    Silence,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        prop::sample::select(vec![100u16, 200, 404, 408, 486, 500, 503, 603]).prop_map(Op::Respond),
        Just(Op::Fail),
        Just(Op::Silence),
    ]
}

proptest! {
    /// The health check against a plain model: consecutive counters, N = 3, M = 2, up first;
    /// the next probe is due one interval (30 s up, 10 s down) after each outcome.
    #[test]
    fn health_check_agrees_with_a_counter_model(ops in prop::collection::vec(op(), 1..60)) {
        let config = HealthConfig::new(sip("sip:ping@pbx.example.com"), sip("sip:192.0.2.7"), 9);
        let mut h = HealthCheck::new(at(0), config, vec![sip("sip:198.51.100.1")]);
        let (mut up, mut fails, mut oks) = (true, 0u32, 0u32);
        let mut now = at(0);
        for op in ops {
            let (_, req) = h.poll_request().expect("a probe is out");
            let outcome = match op {
                Op::Respond(s) => {
                    let resp = req.make_response(StatusCode::new(s).unwrap(), Some("t"));
                    h.handle_response(now, &resp);
                    (s >= 200).then_some(matches!(s, 200..=407 | 409..=499 | 600..))
                }
                Op::Fail => {
                    h.handle_failure(now, 0);
                    Some(false)
                }
                Op::Silence => {
                    now = h.poll_timeout().unwrap();
                    h.handle_timeout(now);
                    Some(false)
                }
            };
            let Some(alive) = outcome else {
                // A provisional response changes nothing; the probe stays out until it times out.
                now = h.poll_timeout().unwrap();
                h.handle_timeout(now);
                prop_assert!(h.poll_request().is_none());
                fails += 1;
                oks = 0;
                if up && fails >= 3 { up = false; prop_assert_eq!(h.poll_event(), Some(HealthEvent::Down { target: 0 })); }
                let interval = if up { 30 } else { 10 };
                prop_assert_eq!(h.poll_timeout(), Some(now + Duration::from_secs(interval)));
                now = h.poll_timeout().unwrap();
                h.handle_timeout(now);
                prop_assert_eq!(h.is_up(0), up);
                continue;
            };
            let was_up = up;
            if alive {
                fails = 0;
                oks += 1;
                if !up && oks >= 2 { up = true; }
            } else {
                oks = 0;
                fails += 1;
                if up && fails >= 3 { up = false; }
            }
            prop_assert_eq!(h.is_up(0), up);
            let expected = match (was_up, up) {
                (true, false) => Some(HealthEvent::Down { target: 0 }),
                (false, true) => Some(HealthEvent::Up { target: 0 }),
                _ => None,
            };
            prop_assert_eq!(h.poll_event(), expected);
            let interval = if up { 30 } else { 10 };
            prop_assert_eq!(h.poll_timeout(), Some(now + Duration::from_secs(interval)));
            now = h.poll_timeout().unwrap();
            h.handle_timeout(now);
        }
    }
}

/// What the carrier (or the network) does next, for the registration property test.
#[derive(Debug, Clone)]
enum RegOp {
    Status(u16),
    Challenge { proxy: bool, nonce: u8, stale: bool },
    TooBrief(u32),
    Failure(bool),
    Timeout,
    Unregister,
    Register,
}

fn reg_op() -> impl Strategy<Value = RegOp> {
    prop_oneof![
        prop::sample::select(vec![100u16, 180, 200, 403, 404, 408, 480, 500, 503, 603])
            .prop_map(RegOp::Status),
        (any::<bool>(), 0u8..3, any::<bool>()).prop_map(|(proxy, nonce, stale)| {
            RegOp::Challenge {
                proxy,
                nonce,
                stale,
            }
        }),
        (0u32..4000).prop_map(RegOp::TooBrief),
        any::<bool>().prop_map(RegOp::Failure),
        Just(RegOp::Timeout),
        Just(RegOp::Unregister),
        Just(RegOp::Register),
    ]
}

proptest! {
    /// Whatever the carrier answers: one Call-ID and From tag, strictly rising CSeq, a fresh
    /// branch per request, requests that parse, Expires 0 exactly while unregistering, at most
    /// one request queued at a time, and always a deadline unless unregistered.
    #[test]
    fn registration_keeps_its_invariants_under_any_answers(
        ops in prop::collection::vec(reg_op(), 1..80),
        seed in any::<u64>(),
    ) {
        let mut reg = Registration::new(at(0), config(seed));
        let mut now = at(0);
        let mut last: Option<Request> = None;
        let (mut last_cseq, mut tag) = (0u32, None::<String>);
        let mut branches = std::collections::BTreeSet::new();
        for op in ops {
            let queued: Vec<Request> = std::iter::from_fn(|| reg.poll_request()).collect();
            prop_assert!(queued.len() <= 1, "{} requests queued", queued.len());
            if let Some(req) = queued.into_iter().next() {
                let req = reparse_request(&req);
                let h = req.headers();
                prop_assert_eq!(h.call_id().unwrap(), reg.call_id());
                prop_assert!(cseq(&req) > last_cseq);
                last_cseq = cseq(&req);
                let t = h.from().unwrap().tag().map(str::to_owned);
                prop_assert!(tag.is_none() || tag == t);
                tag = t;
                prop_assert!(branches.insert(h.top_via().unwrap().branch().unwrap().to_owned()));
                let unregistering = reg.state() == RegistrationState::Unregistering;
                prop_assert_eq!(h.expires().unwrap() == 0, unregistering);
                last = Some(req);
            }
            if reg.state() != RegistrationState::Unregistered {
                prop_assert!(reg.poll_timeout().is_some(), "stuck in {:?}", reg.state());
            }
            let Some(req) = last.clone() else { continue };
            match op {
                RegOp::Status(s) => {
                    let extra: &[(HeaderName, &str)] =
                        if s == 200 { &[(HeaderName::Expires, "300")] } else { &[] };
                    reg.handle_response(now, &plain(&reg, &req, s, extra));
                }
                RegOp::Challenge { proxy, nonce, stale } => {
                    let value = format!(
                        "Digest realm=\"{REALM}\", nonce=\"n{nonce}\", qop=\"auth\", \
                         algorithm=SHA-256{}",
                        if stale { ", stale=true" } else { "" }
                    );
                    let (status, header) = if proxy {
                        (407, HeaderName::ProxyAuthenticate)
                    } else {
                        (401, HeaderName::WwwAuthenticate)
                    };
                    reg.handle_response(now, &plain(&reg, &req, status, &[(header, &value)]));
                }
                RegOp::TooBrief(m) => {
                    let m = m.to_string();
                    reg.handle_response(now, &plain(&reg, &req, 423, &[(HeaderName::MinExpires, &m)]));
                }
                RegOp::Failure(timeout) => {
                    let f = if timeout { TransportFailure::Timeout } else { TransportFailure::Transport };
                    reg.handle_failure(now, f);
                }
                RegOp::Timeout => {
                    if let Some(t) = reg.poll_timeout() {
                        prop_assert!(t >= now);
                        now = t;
                        reg.handle_timeout(now);
                    }
                }
                RegOp::Unregister => reg.unregister(now),
                RegOp::Register => reg.register(now),
            }
            if let RegistrationState::Registered { until } = reg.state() {
                prop_assert!(until > now);
                prop_assert!(reg.poll_timeout().is_some_and(|t| t < until));
            }
            if let RegistrationState::Failed { retry_at, .. } = reg.state() {
                prop_assert!(retry_at > now && retry_at <= now + Duration::from_secs(3600));
            }
        }
    }
}
