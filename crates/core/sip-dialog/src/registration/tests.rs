use std::time::Duration;

use sb_types::Timestamp;

use super::*;
use crate::digest::{
    AuthAttempt, DigestServer, DigestServerConfig, Rejection, UserSecret, Verdict,
};

fn at(ms: u64) -> Timestamp {
    Timestamp::from_secs(20_000) + Duration::from_millis(ms)
}

fn config() -> RegistrationConfig {
    RegistrationConfig {
        registrar_uri: "sip:carrier.example.net".into(),
        expires: 600,
        min_retry: Duration::from_secs(30),
        max_retry: Duration::from_secs(600),
        cnonce_seed: [7; 16],
    }
}

fn ok(expires: u32) -> RegisterResponse {
    RegisterResponse {
        status: 200,
        expires: Some(expires),
        ..RegisterResponse::default()
    }
}

fn challenge(server: &DigestServer, now: Timestamp, why: Rejection) -> RegisterResponse {
    let r = server.reject(now, "198.51.100.1", why);
    let challenges = r.challenges.iter().map(ToString::to_string).collect();
    RegisterResponse {
        status: r.status,
        challenges,
        ..RegisterResponse::default()
    }
}

fn server() -> DigestServer {
    DigestServer::new(DigestServerConfig::new(
        "carrier.example.net",
        b"k".to_vec(),
    ))
}

#[test]
fn registers_through_a_challenge_and_the_registrar_accepts_the_credentials() {
    let mut s = server();
    let mut c = RegistrationClient::new(config(), "trunk1", "pw");
    let first = c.poll_request().unwrap();
    assert_eq!(
        (first.cseq, first.expires, first.credentials.is_none()),
        (1, 600, true)
    );
    c.handle_response(at(0), &challenge(&s, at(0), Rejection::NoCredentials));
    let second = c.poll_request().unwrap();
    assert_eq!(second.cseq, 2);
    let creds = second.credentials.unwrap();
    let attempt = AuthAttempt {
        method: "REGISTER",
        source: "198.51.100.1",
        request_uri: "sip:carrier.example.net",
        credentials: &creds,
    };
    let verdict = s.verify(at(10), attempt, Some(&UserSecret::Password("pw".into())));
    assert_eq!(
        verdict,
        Verdict::Authorized {
            username: "trunk1".into()
        }
    );
    c.handle_response(at(20), &ok(600));
    assert_eq!(
        c.state(),
        RegistrationState::Registered { until: at(600_020) }
    );
    assert_eq!(
        c.poll_timeout(),
        Some(at(540_020)),
        "refresh a minute early"
    );
}

#[test]
fn refresh_goes_out_at_its_time_and_short_registrations_refresh_half_way() {
    let mut c = RegistrationClient::new(config(), "u", "p");
    c.poll_request();
    c.handle_response(at(0), &ok(100));
    assert_eq!(c.poll_timeout(), Some(at(50_000)));
    c.handle_timeout(at(49_999));
    assert!(c.poll_request().is_none());
    c.handle_timeout(at(50_000));
    assert_eq!(
        c.poll_request().map(|r| (r.cseq, r.expires)),
        Some((2, 600))
    );
    assert_eq!(c.state(), RegistrationState::Registering);
}

#[test]
fn a_second_challenge_for_the_same_nonce_is_a_wrong_password_and_retries_back_off() {
    let s = server();
    let mut c = RegistrationClient::new(config(), "u", "wrong");
    c.poll_request();
    let ch = challenge(&s, at(0), Rejection::NoCredentials);
    c.handle_response(at(0), &ch);
    assert!(c.poll_request().unwrap().credentials.is_some());
    c.handle_response(at(10), &ch);
    assert!(c.poll_request().is_none(), "no loop on a wrong password");
    let retries: Vec<_> = (0..6)
        .map(|_| {
            let RegistrationState::Failed { retry_at, .. } = c.state() else {
                panic!("failed expected")
            };
            c.handle_timeout(retry_at);
            c.poll_request();
            c.handle_response(
                retry_at,
                &RegisterResponse {
                    status: 403,
                    ..Default::default()
                },
            );
            retry_at
        })
        .collect();
    let gaps: Vec<u64> = retries
        .windows(2)
        .map(|w| w[1].saturating_since(w[0]).as_secs())
        .collect();
    assert_eq!(
        gaps,
        [60, 120, 240, 480, 600],
        "30 s doubling, capped at 600 s"
    );
}

#[test]
fn stale_challenge_is_answered_again_without_failing() {
    let s = server();
    let mut c = RegistrationClient::new(config(), "u", "p");
    c.poll_request();
    let mut ch = challenge(&s, at(0), Rejection::NoCredentials);
    c.handle_response(at(0), &ch);
    c.poll_request();
    ch = challenge(&s, at(0), Rejection::Stale);
    c.handle_response(at(1), &ch);
    assert!(c.poll_request().unwrap().credentials.is_some());
    assert_eq!(c.state(), RegistrationState::Registering);
}

#[test]
fn interval_too_brief_retries_with_min_expires() {
    let mut c = RegistrationClient::new(config(), "u", "p");
    c.poll_request();
    c.handle_response(
        at(0),
        &RegisterResponse {
            status: 423,
            min_expires: Some(1800),
            ..Default::default()
        },
    );
    assert_eq!(c.poll_request().map(|r| r.expires), Some(1800));
    c.handle_response(
        at(0),
        &RegisterResponse {
            status: 423,
            min_expires: Some(900),
            ..Default::default()
        },
    );
    assert!(
        matches!(c.state(), RegistrationState::Failed { status: 423, .. }),
        "no shrinking loop"
    );
}

#[test]
fn timeout_fails_with_408_and_unregister_ends_with_expires_zero() {
    let mut c = RegistrationClient::new(config(), "u", "p");
    c.poll_request();
    c.handle_failure(at(0));
    assert_eq!(
        c.state(),
        RegistrationState::Failed {
            status: 408,
            retry_at: at(30_000)
        }
    );
    c.unregister();
    assert_eq!(c.poll_request().map(|r| r.expires), Some(0));
    assert_eq!(c.poll_timeout(), None);
    c.handle_response(at(1), &ok(0));
    assert_eq!(c.state(), RegistrationState::Unregistered);
    let changes: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
    assert_eq!(changes.last(), Some(&RegistrationState::Unregistered));
}
