//! Server-side behaviour: a client and a server talking through credentials, with a manual clock.

use std::time::Duration;

use sb_types::Timestamp;

use super::*;

const URI: &str = "sip:pbx.example.com";
const SRC: &str = "192.0.2.7";

fn server() -> DigestServer {
    DigestServer::new(DigestServerConfig::new("pbx.example.com", b"k3y".to_vec()))
}

fn secret() -> UserSecret {
    UserSecret::Password("s3cret".into())
}

fn answer(
    server: &DigestServer,
    now: Timestamp,
    user: &str,
    password: &str,
    cnonce: &str,
) -> Credentials {
    let challenge = server.challenges(now, SRC, false).remove(0);
    DigestClient::new(user, password)
        .authorize(&challenge, "REGISTER", URI, cnonce)
        .unwrap()
}

fn verify(
    s: &mut DigestServer,
    now: Timestamp,
    c: &Credentials,
    secret: Option<&UserSecret>,
) -> Verdict {
    s.verify(
        now,
        AuthAttempt {
            method: "REGISTER",
            source: SRC,
            request_uri: URI,
            credentials: c,
        },
        secret,
    )
}

fn at(secs: i64) -> Timestamp {
    Timestamp::from_secs(1_700_000_000 + secs)
}

#[test]
fn correct_password_is_authorized_for_every_offered_algorithm() {
    let mut s = server();
    let mut client = DigestClient::new("1001", "s3cret");
    for ch in s.challenges(at(0), SRC, false) {
        let c = client.authorize(&ch, "REGISTER", URI, "cn").unwrap();
        assert_eq!(
            verify(&mut s, at(1), &c, Some(&secret())),
            Verdict::Authorized {
                username: "1001".into()
            }
        );
    }
}

#[test]
fn stored_ha1_authorizes_like_the_password() {
    let mut s = server();
    let c = answer(&s, at(0), "1001", "s3cret", "cn");
    let stored = UserSecret::Ha1(vec![(
        Algorithm::Sha256,
        ha1(Algorithm::Sha256, "1001", s.realm(), "s3cret"),
    )]);
    assert!(matches!(
        verify(&mut s, at(1), &c, Some(&stored)),
        Verdict::Authorized { .. }
    ));
}

#[test]
fn any_of_several_secrets_answers_and_none_other_does() {
    let mut s = server();
    let desk = UserSecret::Ha1(vec![(
        Algorithm::Sha256,
        ha1(Algorithm::Sha256, "1001", s.realm(), "desk-phone"),
    )]);
    let both = UserSecret::AnyOf(vec![desk, UserSecret::Password("console-token".into())]);
    for (password, cnonce) in [("desk-phone", "a"), ("console-token", "b")] {
        let c = answer(&s, at(0), "1001", password, cnonce);
        assert!(
            matches!(
                verify(&mut s, at(1), &c, Some(&both)),
                Verdict::Authorized { .. }
            ),
            "{password}"
        );
    }
    let c = answer(&s, at(0), "1001", "s3cret", "c");
    assert_eq!(
        verify(&mut s, at(1), &c, Some(&both)),
        Verdict::Rejected(Rejection::WrongPassword)
    );
    let empty = UserSecret::AnyOf(Vec::new());
    let c = answer(&s, at(0), "1001", "", "d");
    assert_eq!(
        verify(&mut s, at(1), &c, Some(&empty)),
        Verdict::Rejected(Rejection::WrongPassword)
    );
}

#[test]
fn wrong_password_is_rejected() {
    let mut s = server();
    let c = answer(&s, at(0), "1001", "guess", "cn");
    assert_eq!(
        verify(&mut s, at(1), &c, Some(&secret())),
        Verdict::Rejected(Rejection::WrongPassword)
    );
}

#[test]
fn correct_answer_to_an_expired_nonce_is_stale_and_rechallenged_with_stale_true() {
    let mut s = server();
    let c = answer(&s, at(0), "1001", "s3cret", "cn");
    let v = verify(&mut s, at(301), &c, Some(&secret()));
    assert_eq!(v, Verdict::Rejected(Rejection::Stale));
    assert!(!Rejection::Stale.is_failure());
    let r = s.reject(at(301), SRC, Rejection::Stale);
    assert!(r.challenges.iter().all(|c| c.stale));
    assert_eq!((r.status, r.header), (401, "WWW-Authenticate"));
}

#[test]
fn wrong_answer_to_an_expired_nonce_is_a_failure_not_stale() {
    let mut s = server();
    let c = answer(&s, at(0), "1001", "guess", "cn");
    assert_eq!(
        verify(&mut s, at(301), &c, Some(&secret())),
        Verdict::Rejected(Rejection::WrongPassword)
    );
}

#[test]
fn replayed_nonce_count_is_rejected_and_higher_counts_pass() {
    let mut s = server();
    let ch = s.challenges(at(0), SRC, false).remove(0);
    let mut client = DigestClient::new("1001", "s3cret");
    let first = client.authorize(&ch, "REGISTER", URI, "a").unwrap();
    let second = client.authorize(&ch, "REGISTER", URI, "b").unwrap();
    assert!(matches!(
        verify(&mut s, at(1), &first, Some(&secret())),
        Verdict::Authorized { .. }
    ));
    assert_eq!(
        verify(&mut s, at(2), &first, Some(&secret())),
        Verdict::Rejected(Rejection::Replay)
    );
    assert!(matches!(
        verify(&mut s, at(3), &second, Some(&secret())),
        Verdict::Authorized { .. }
    ));
    assert_eq!(
        verify(&mut s, at(4), &second, Some(&secret())),
        Verdict::Rejected(Rejection::Replay)
    );
}

#[test]
fn replay_state_is_dropped_once_nonces_expire() {
    let mut s = server();
    let c = answer(&s, at(0), "1001", "s3cret", "cn");
    verify(&mut s, at(1), &c, Some(&secret()));
    assert_eq!(s.tracked_nonces(), 1);
    let later = answer(&s, at(1000), "1001", "s3cret", "cn");
    verify(&mut s, at(1000), &later, Some(&secret()));
    assert_eq!(
        s.tracked_nonces(),
        1,
        "the old nonce's entry is gone, the new one is kept"
    );
}

#[test]
fn unknown_user_is_indistinguishable_from_a_wrong_password_on_the_wire() {
    let mut s = server();
    let c = answer(&s, at(0), "9999", "guess", "cn");
    let unknown = verify(&mut s, at(1), &c, None);
    assert_eq!(unknown, Verdict::Rejected(Rejection::UnknownUser));
    let wrong = Rejection::WrongPassword;
    // Two servers in the same state (same nonce serial) answer byte for byte alike.
    let twin = s.clone();
    assert_eq!(
        s.reject(at(1), SRC, Rejection::UnknownUser),
        twin.reject(at(1), SRC, wrong)
    );
    assert!(Rejection::UnknownUser.is_failure() && wrong.is_failure());
}

#[test]
fn unknown_user_is_refused_even_with_a_response_computed_from_the_decoy_inputs() {
    let mut s = server();
    let c = answer(&s, at(0), "9999", "", "cn");
    assert_eq!(
        verify(&mut s, at(1), &c, None),
        Verdict::Rejected(Rejection::UnknownUser)
    );
}

#[test]
fn forged_nonce_wrong_realm_uri_and_opaque_are_rejected() {
    let mut s = server();
    let good = answer(&s, at(0), "1001", "s3cret", "cn");
    let cases = [
        (
            Credentials {
                nonce: "00".repeat(24),
                ..good.clone()
            },
            Rejection::BadNonce,
        ),
        (
            Credentials {
                realm: "other".into(),
                ..good.clone()
            },
            Rejection::WrongRealm,
        ),
        (
            Credentials {
                uri: "sip:elsewhere".into(),
                ..good.clone()
            },
            Rejection::UriMismatch,
        ),
        (
            Credentials {
                opaque: Some("x".into()),
                ..good.clone()
            },
            Rejection::OpaqueMismatch,
        ),
        (
            Credentials {
                algorithm: Algorithm::Sha512_256,
                ..good.clone()
            },
            Rejection::UnsupportedAlgorithm,
        ),
        (
            Credentials {
                qop: None,
                ..good.clone()
            },
            Rejection::LegacyRefused,
        ),
    ];
    for (c, why) in cases {
        assert_eq!(
            verify(&mut s, at(1), &c, Some(&secret())),
            Verdict::Rejected(why)
        );
    }
}

#[test]
fn a_nonce_fetched_from_one_address_is_worthless_from_another_and_not_a_failure() {
    let mut s = server();
    let c = answer(&s, at(0), "1001", "wrong", "cn");
    let attempt = AuthAttempt {
        method: "REGISTER",
        source: "203.0.113.66",
        request_uri: URI,
        credentials: &c,
    };
    assert_eq!(
        s.verify(at(1), attempt, Some(&secret())),
        Verdict::Rejected(Rejection::BadNonce)
    );
    assert!(
        !Rejection::BadNonce.is_failure(),
        "a spoofed source cannot get 203.0.113.66 banned"
    );
}

#[test]
fn legacy_md5_without_qop_is_accepted_when_enabled() {
    let mut config = DigestServerConfig::new("pbx.example.com", b"k3y".to_vec());
    config.allow_legacy = true;
    config.algorithms = vec![Algorithm::Md5];
    let mut s = DigestServer::new(config);
    let mut ch = s.challenges(at(0), SRC, false).remove(0);
    ch.qop_auth = false;
    let c = DigestClient::new("1001", "s3cret")
        .authorize(&ch, "REGISTER", URI, "")
        .unwrap();
    assert!(matches!(
        verify(&mut s, at(1), &c, Some(&secret())),
        Verdict::Authorized { .. }
    ));
}

#[test]
fn proxy_role_answers_407_with_proxy_authenticate() {
    let mut config = DigestServerConfig::new("r", b"k".to_vec());
    config.role = AuthRole::Proxy;
    let r = DigestServer::new(config).reject(at(0), SRC, Rejection::NoCredentials);
    assert_eq!((r.status, r.header), (407, "Proxy-Authenticate"));
    assert_eq!(r.challenges.len(), 2);
}

#[test]
fn challenge_round_trips_through_the_wire_format_and_still_verifies() {
    let mut s = server();
    let wire = s.challenges(at(0), SRC, false).remove(0).to_string();
    let ch = Challenge::parse(&wire).unwrap();
    let c = DigestClient::new("1001", "s3cret")
        .authorize(&ch, "REGISTER", URI, "x")
        .unwrap();
    let c = Credentials::parse(&c.to_string()).unwrap();
    assert!(matches!(
        verify(&mut s, at(1), &c, Some(&secret())),
        Verdict::Authorized { .. }
    ));
}

#[test]
fn sha512_256_response_matches_an_independent_implementation() {
    // Inputs of RFC 7616 § 3.9.2 (without userhash); expected value computed with Python's
    // hashlib `sha512_256`, an implementation independent of ours.
    let ch = Challenge {
        realm: "api@example.org".into(),
        nonce: "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK".into(),
        opaque: Some("HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS".into()),
        algorithm: Algorithm::Sha512_256,
        qop_auth: true,
        stale: false,
    };
    let cnonce = "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v";
    let c = DigestClient::new("J\u{e4}s\u{f8}n Doe", "Secret, or not?").authorize(
        &ch,
        "GET",
        "/doe.json",
        cnonce,
    );
    assert_eq!(
        c.unwrap().response,
        "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5"
    );
}

fn policy() -> BanPolicy {
    BanPolicy {
        max_failures: 3,
        window: Duration::from_secs(60),
        ban: Duration::from_secs(600),
    }
}

#[test]
fn repeated_failures_within_the_window_ban_the_source_until_the_ban_ends() {
    let mut t = FailureTracker::new(policy());
    assert_eq!(t.record_failure(at(0), &"10.0.0.9"), Admission::Allowed);
    assert_eq!(t.record_failure(at(10), &"10.0.0.9"), Admission::Allowed);
    assert_eq!(
        t.record_failure(at(20), &"10.0.0.9"),
        Admission::Banned { until: at(620) }
    );
    assert_eq!(
        t.check(at(619), &"10.0.0.9"),
        Admission::Banned { until: at(620) }
    );
    assert_eq!(t.check(at(620), &"10.0.0.9"), Admission::Allowed);
    assert_eq!(
        t.check(at(30), &"10.0.0.10"),
        Admission::Allowed,
        "other sources are unaffected"
    );
}

#[test]
fn failures_spread_wider_than_the_window_never_ban() {
    let mut t = FailureTracker::new(policy());
    for i in 0..10 {
        assert_eq!(t.record_failure(at(i * 31), &1u32), Admission::Allowed);
    }
}

#[test]
fn success_clears_the_failure_history() {
    let mut t = FailureTracker::new(policy());
    t.record_failure(at(0), &1u32);
    t.record_failure(at(1), &1u32);
    t.record_success(&1u32);
    assert_eq!(t.record_failure(at(2), &1u32), Admission::Allowed);
}

#[test]
fn entries_are_dropped_at_their_deadline() {
    let mut t = FailureTracker::new(policy());
    t.record_failure(at(0), &1u32);
    for i in 0..3 {
        t.record_failure(at(i), &2u32);
    }
    assert_eq!(t.poll_timeout(), Some(at(60)));
    t.handle_timeout(at(60));
    assert_eq!(t.len(), 1, "the banned source stays");
    assert_eq!(t.poll_timeout(), Some(at(602)));
    t.handle_timeout(at(602));
    assert!(t.is_empty());
}

mod tracker_model {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Fail(u8, u64),
        Success(u8),
        Tick(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..3, 0u64..40_000).prop_map(|(k, dt)| Op::Fail(k, dt)),
            1 => (0u8..3).prop_map(Op::Success),
            2 => (0u64..700_000).prop_map(Op::Tick),
        ]
    }

    /// Every failure ever, never pruned: the ban decision recomputed from the whole history.
    #[derive(Default)]
    struct Model {
        history: HashMap<u8, (Vec<Timestamp>, Option<Timestamp>)>,
    }

    impl Model {
        fn fail(&mut self, now: Timestamp, key: u8, p: &BanPolicy) {
            let (failures, ban) = self.history.entry(key).or_default();
            failures.retain(|t| now.saturating_since(*t) < p.window);
            failures.push(now);
            if failures.len() >= p.max_failures {
                failures.clear();
                *ban = Some(now + p.ban);
            }
        }

        fn banned(&self, now: Timestamp, key: u8) -> bool {
            self.history
                .get(&key)
                .and_then(|e| e.1)
                .is_some_and(|u| now < u)
        }
    }

    proptest! {
        #[test]
        fn pruning_never_changes_who_is_banned(ops in proptest::collection::vec(op(), 1..80)) {
            let p = policy();
            let mut t = FailureTracker::new(p);
            let mut m = Model::default();
            let mut now = at(0);
            for op in ops {
                match op {
                    Op::Fail(k, dt) => {
                        now = now + Duration::from_millis(dt);
                        let got = t.record_failure(now, &k);
                        m.fail(now, k, &p);
                        prop_assert_eq!(got != Admission::Allowed, m.banned(now, k));
                    }
                    Op::Success(k) => {
                        t.record_success(&k);
                        if let Some(e) = m.history.get_mut(&k) {
                            e.0.clear();
                        }
                    }
                    Op::Tick(dt) => {
                        now = now + Duration::from_millis(dt);
                        if t.poll_timeout().is_some_and(|d| d <= now) {
                            t.handle_timeout(now);
                        }
                    }
                }
                for k in 0..3 {
                    prop_assert_eq!(t.check(now, &k) != Admission::Allowed, m.banned(now, k));
                }
                prop_assert!(t.len() <= 3);
            }
        }
    }
}
