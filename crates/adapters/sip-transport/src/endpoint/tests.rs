//! The endpoint driven with a manual clock and in-memory peers.

use std::net::SocketAddr;

use bytes::Bytes;
use sb_sip::{HeaderName, Message, Method, Response, StatusCode};
use sb_sip_dialog::digest::{BanPolicy, Challenge, DigestClient, UserSecret};
use sb_sip_dialog::registrar::RegistrarEvent;
use sb_types::Timestamp;

use super::{Endpoint, Output};
use crate::config::{BanAnswer, SipConfig};
use crate::peer::{ConnId, Peer, Transport};
use crate::rate::RateLimit;

const PHONE: &str = "192.0.2.10:5060";

fn config() -> SipConfig {
    SipConfig::new(
        "127.0.0.1:5060".parse().expect("addr"),
        "sb.test",
        b"k".to_vec(),
    )
}

fn endpoint(config: SipConfig) -> Endpoint {
    Endpoint::new(config, Vec::new(), Vec::new(), 7)
}

fn at(s: i64) -> Timestamp {
    Timestamp::from_secs(1_000_000 + s)
}

fn udp(addr: &str) -> Peer {
    Peer::udp(addr.parse().expect("addr"))
}

fn request(method: &str, branch: &str, extra: &str) -> String {
    format!(
        "{method} sip:sb.test SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:1001@sb.test>;tag=f{branch}\r\nTo: <sip:1001@sb.test>\r\n\
         Call-ID: call-{branch}\r\nCSeq: 1 {method}\r\n{extra}Content-Length: 0\r\n\r\n"
    )
}

fn register(branch: &str, cseq: u32, auth: Option<String>) -> String {
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    format!(
        "REGISTER sip:sb.test SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:1001@sb.test>;tag=r\r\nTo: <sip:1001@sb.test>\r\n\
         Call-ID: reg-1\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:1001@192.0.2.10:5060>\r\n\
         Expires: 600\r\n{auth}Content-Length: 0\r\n\r\n"
    )
}

/// Drains the outputs: transmitted responses, and lookups answered from `password`.
fn run(ep: &mut Endpoint, now: Timestamp, password: Option<&str>) -> (Vec<Response>, Vec<Output>) {
    let (mut sent, mut other) = (Vec::new(), Vec::new());
    while let Some(out) = ep.poll_output() {
        match out {
            Output::Transmit(t) => match sb_sip::parse(t.data.clone()) {
                Ok(Message::Response(r)) => sent.push(r),
                _ => other.push(Output::Transmit(t)),
            },
            Output::Lookup { id, username, .. } => {
                let secret = password
                    .filter(|_| username == "1001")
                    .map(|p| UserSecret::Password(p.into()));
                ep.handle_secret(now, id, secret);
            }
            o => other.push(o),
        }
    }
    (sent, other)
}

fn send(
    ep: &mut Endpoint,
    now: Timestamp,
    peer: Peer,
    raw: &str,
    pw: Option<&str>,
) -> Vec<Response> {
    ep.handle_packet(now, peer, Bytes::from(raw.to_owned()));
    run(ep, now, pw).0
}

fn statuses(rs: &[Response]) -> Vec<u16> {
    rs.iter().map(|r| r.status().as_u16()).collect()
}

fn md5_challenge(r: &Response) -> Challenge {
    let values: Vec<String> = r
        .headers()
        .all(HeaderName::WwwAuthenticate)
        .map(|h| h.value_unfolded())
        .collect();
    values
        .iter()
        .filter_map(|v| Challenge::parse(v).ok())
        .find(|c| c.algorithm.is_md5())
        .expect("an MD5 challenge")
}

/// REGISTER, challenge, answer with `password`: the final responses.
fn register_with(ep: &mut Endpoint, now: Timestamp, password: &str, round: u32) -> Vec<Response> {
    let first = send(
        ep,
        now,
        udp(PHONE),
        &register(&format!("a{round}"), 2 * round, None),
        None,
    );
    assert_eq!(statuses(&first), [401]);
    answer_challenge(ep, now, udp(PHONE), &first[0], password, round)
}

fn answer_challenge(
    ep: &mut Endpoint,
    now: Timestamp,
    peer: Peer,
    challenge: &Response,
    password: &str,
    round: u32,
) -> Vec<Response> {
    let mut client = DigestClient::new("1001", password);
    let creds = client
        .authorize(&md5_challenge(challenge), "REGISTER", "sip:sb.test", "cn")
        .expect("authorize");
    let raw = register(&format!("b{round}"), 2 * round + 1, Some(creds.to_string()));
    send(ep, now, peer, &raw, Some("secret"))
}

#[test]
fn options_gets_200_with_allow_accept_and_supported() {
    let mut ep = endpoint(config());
    let got = send(
        &mut ep,
        at(0),
        udp(PHONE),
        &request("OPTIONS", "o1", ""),
        None,
    );
    assert_eq!(statuses(&got), [200]);
    let h = got[0].headers();
    assert_eq!(h.get(HeaderName::Allow), Some("OPTIONS, REGISTER"));
    assert_eq!(h.get(HeaderName::Accept), Some("application/sdp"));
    assert_eq!(h.get(HeaderName::Supported), Some("path"));
    assert!(h.to().expect("to").tag().is_some());
}

#[test]
fn a_retransmitted_options_is_answered_from_the_transaction() {
    let mut ep = endpoint(config());
    let raw = request("OPTIONS", "o2", "");
    let first = send(&mut ep, at(0), udp(PHONE), &raw, None);
    let again = send(&mut ep, at(1), udp(PHONE), &raw, None);
    assert_eq!(
        first[0].to_bytes(),
        again[0].to_bytes(),
        "same To tag, same bytes"
    );
    assert_eq!(ep.transactions(), 1);
    ep.handle_timeout(at(40));
    assert_eq!(ep.transactions(), 0, "timer J ended it");
}

#[test]
fn register_is_challenged_then_bound_and_the_binding_reported() {
    let mut ep = endpoint(config());
    let ok = register_with(&mut ep, at(0), "secret", 1);
    assert_eq!(statuses(&ok), [200]);
    let contact = ok[0].headers().get(HeaderName::Contact).expect("contact");
    assert!(contact.contains("sip:1001@192.0.2.10:5060"), "{contact}");
    assert!(contact.contains("expires=600"), "{contact}");
    let bindings = ep.lookup(at(1), "sip:1001@sb.test");
    assert_eq!(bindings.len(), 1);
    assert_eq!(bindings[0].source.as_deref(), Some("udp:192.0.2.10:5060"));
    ep.handle_timeout(at(601));
    let (_, events) = run(&mut ep, at(601), None);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Output::Binding(RegistrarEvent::Unbound { .. }))),
        "expiry reported: {events:?}"
    );
}

#[test]
fn bound_event_is_emitted_on_success() {
    let mut ep = endpoint(config());
    let first = send(&mut ep, at(0), udp(PHONE), &register("c1", 1, None), None);
    let mut client = DigestClient::new("1001", "secret");
    let creds = client
        .authorize(&md5_challenge(&first[0]), "REGISTER", "sip:sb.test", "cn")
        .expect("authorize");
    ep.handle_packet(
        at(0),
        udp(PHONE),
        Bytes::from(register("c2", 2, Some(creds.to_string()))),
    );
    let (_, events) = run(&mut ep, at(0), Some("secret"));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Output::Binding(RegistrarEvent::Bound(_))))
    );
}

#[test]
fn wrong_passwords_get_challenges_until_the_source_is_banned_and_dropped() {
    let mut c = config();
    c.ban = BanPolicy {
        max_failures: 3,
        ..BanPolicy::default()
    };
    let mut ep = endpoint(c);
    assert_eq!(statuses(&register_with(&mut ep, at(0), "wrong", 1)), [401]);
    assert_eq!(statuses(&register_with(&mut ep, at(1), "wrong", 2)), [401]);
    let third = send(&mut ep, at(2), udp(PHONE), &register("x3", 9, None), None);
    let mut client = DigestClient::new("1001", "wrong");
    let creds = client
        .authorize(&md5_challenge(&third[0]), "REGISTER", "sip:sb.test", "cn")
        .expect("authorize");
    let before = ep.transactions();
    let banned = send(
        &mut ep,
        at(2),
        udp(PHONE),
        &register("x4", 10, Some(creds.to_string())),
        Some("secret"),
    );
    assert!(banned.is_empty(), "the ban starts silently: {banned:?}");
    assert_eq!(
        ep.transactions(),
        before,
        "the dropped REGISTER leaves no transaction"
    );
    let later = send(
        &mut ep,
        at(3),
        udp(PHONE),
        &request("OPTIONS", "x5", ""),
        None,
    );
    assert!(later.is_empty(), "a banned source gets nothing");
    let other = send(
        &mut ep,
        at(3),
        udp("192.0.2.99:5060"),
        &request("OPTIONS", "x6", ""),
        None,
    );
    assert_eq!(statuses(&other), [200], "other sources are served");
    let after = send(
        &mut ep,
        at(3 + 900),
        udp(PHONE),
        &request("OPTIONS", "x7", ""),
        None,
    );
    assert_eq!(statuses(&after), [200], "the ban ends");
}

#[test]
fn a_banned_source_gets_403_when_configured() {
    let mut c = config();
    c.ban = BanPolicy {
        max_failures: 1,
        ..BanPolicy::default()
    };
    c.ban_answer = BanAnswer::Forbidden;
    let mut ep = endpoint(c);
    assert_eq!(statuses(&register_with(&mut ep, at(0), "wrong", 1)), [403]);
    let next = send(
        &mut ep,
        at(1),
        udp(PHONE),
        &request("OPTIONS", "f1", ""),
        None,
    );
    assert_eq!(statuses(&next), [403]);
}

#[test]
fn a_user_cannot_register_someone_elses_address() {
    let mut ep = endpoint(config());
    let first = send(&mut ep, at(0), udp(PHONE), &register("e1", 1, None), None);
    let mut client = DigestClient::new("1002", "secret");
    let creds = client
        .authorize(&md5_challenge(&first[0]), "REGISTER", "sip:sb.test", "cn")
        .expect("authorize");
    ep.handle_packet(
        at(0),
        udp(PHONE),
        Bytes::from(register("e2", 2, Some(creds.to_string()))),
    );
    let mut sent = Vec::new();
    while let Some(out) = ep.poll_output() {
        match out {
            Output::Lookup { id, .. } => {
                ep.handle_secret(at(0), id, Some(UserSecret::Password("secret".into())))
            }
            Output::Transmit(t) => sent.push(t.data),
            _ => {}
        }
    }
    assert_eq!(sent.len(), 1);
    assert!(sent[0].starts_with(b"SIP/2.0 403"), "{:?}", sent[0]);
    assert!(ep.lookup(at(0), "sip:1001@sb.test").is_empty());
}

#[test]
fn a_too_short_expiry_gets_423_with_min_expires() {
    let mut ep = endpoint(config());
    let first = send(&mut ep, at(0), udp(PHONE), &register("m1", 1, None), None);
    let mut client = DigestClient::new("1001", "secret");
    let creds = client
        .authorize(&md5_challenge(&first[0]), "REGISTER", "sip:sb.test", "cn")
        .expect("authorize");
    let raw = register("m2", 2, Some(creds.to_string())).replace("Expires: 600", "Expires: 5");
    let got = send(&mut ep, at(0), udp(PHONE), &raw, Some("secret"));
    assert_eq!(statuses(&got), [423]);
    assert_eq!(got[0].headers().get(HeaderName::MinExpires), Some("60"));
}

#[test]
fn unsupported_methods_get_405_with_allow_and_unknown_ones_501() {
    let mut ep = endpoint(config());
    let sub = send(
        &mut ep,
        at(0),
        udp(PHONE),
        &request("SUBSCRIBE", "s1", ""),
        None,
    );
    assert_eq!(statuses(&sub), [405]);
    assert_eq!(
        sub[0].headers().get(HeaderName::Allow),
        Some("OPTIONS, REGISTER")
    );
    let invite = send(
        &mut ep,
        at(0),
        udp(PHONE),
        &request("INVITE", "s2", ""),
        None,
    );
    assert_eq!(statuses(&invite), [405]);
    let odd = send(
        &mut ep,
        at(0),
        udp(PHONE),
        &request("FOOBAR", "s3", ""),
        None,
    );
    assert_eq!(statuses(&odd), [501]);
    let bye = send(&mut ep, at(0), udp(PHONE), &request("BYE", "s4", ""), None);
    assert_eq!(statuses(&bye), [481]);
}

#[test]
fn handler_methods_are_handed_over_and_answered_through_the_transaction() {
    let mut ep = Endpoint::new(config(), Vec::new(), vec![Method::Invite, Method::Bye], 1);
    ep.handle_packet(at(0), udp(PHONE), Bytes::from(request("INVITE", "h1", "")));
    let (sent, other) = run(&mut ep, at(0), None);
    assert!(sent.is_empty());
    let [Output::Request(req)] = other.as_slice() else {
        panic!("expected the INVITE for the handler: {other:?}");
    };
    let busy = req.request.make_response(StatusCode::BUSY_HERE, Some("x"));
    ep.respond(at(0), req.tx, busy);
    assert_eq!(statuses(&run(&mut ep, at(0), None).0), [486]);
    let opts = send(
        &mut ep,
        at(0),
        udp(PHONE),
        &request("OPTIONS", "h2", ""),
        None,
    );
    assert_eq!(
        opts[0].headers().get(HeaderName::Allow),
        Some("OPTIONS, REGISTER, INVITE, BYE, ACK, CANCEL")
    );
}

#[test]
fn a_cancel_without_its_invite_gets_481() {
    let mut ep = endpoint(config());
    let got = send(
        &mut ep,
        at(0),
        udp(PHONE),
        &request("CANCEL", "k1", ""),
        None,
    );
    assert_eq!(statuses(&got), [481]);
}

#[test]
fn malformed_requests_get_400_and_garbage_is_dropped() {
    let mut ep = endpoint(config());
    let bad = request("OPTIONS", "b1", "").replace("Max-Forwards: 70", "Max-Forwards: many");
    assert_eq!(
        statuses(&send(&mut ep, at(0), udp(PHONE), &bad, None)),
        [400]
    );
    let bad_cseq = request("OPTIONS", "b3", "").replace("CSeq: 1 OPTIONS", "CSeq: x OPTIONS");
    ep.handle_packet(at(0), udp(PHONE), Bytes::from(bad_cseq));
    let Some(Output::Transmit(t)) = ep.poll_output() else {
        panic!("no 400")
    };
    assert!(t.data.starts_with(b"SIP/2.0 400 "), "{:?}", t.data);
    let no_via = request("OPTIONS", "b2", "")
        .replace("Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKb2\r\n", "");
    assert!(send(&mut ep, at(0), udp(PHONE), &no_via, None).is_empty());
    ep.handle_packet(at(0), udp(PHONE), Bytes::from_static(b"\x00\xffgarbage"));
    assert!(ep.poll_output().is_none());
}

#[test]
fn responses_follow_rport_to_the_source_port() {
    let mut ep = endpoint(config());
    let raw = request("OPTIONS", "n1", "").replace("5060;branch", "5060;rport;branch");
    ep.handle_packet(at(0), udp("203.0.113.7:40001"), Bytes::from(raw));
    let Some(Output::Transmit(t)) = ep.poll_output() else {
        panic!("no answer")
    };
    assert_eq!(
        t.to,
        "203.0.113.7:40001".parse::<SocketAddr>().expect("addr")
    );
    let text = String::from_utf8_lossy(&t.data).into_owned();
    assert!(
        text.contains("received=203.0.113.7") && text.contains("rport=40001"),
        "{text}"
    );
}

#[test]
fn tcp_requests_are_answered_on_their_connection() {
    let mut ep = endpoint(config());
    let peer = Peer::tcp(ConnId(4), "198.51.100.2:33000".parse().expect("addr"));
    let raw = request("OPTIONS", "t1", "").replace("SIP/2.0/UDP", "SIP/2.0/TCP");
    ep.handle_packet(at(0), peer, Bytes::from(raw));
    let Some(Output::Transmit(t)) = ep.poll_output() else {
        panic!("no answer")
    };
    assert_eq!(t.transport, Transport::Tcp(ConnId(4)));
}

#[test]
fn a_udp_crlf_ping_gets_a_pong() {
    let mut ep = endpoint(config());
    ep.handle_packet(at(0), udp(PHONE), Bytes::from_static(b"\r\n\r\n"));
    let Some(Output::Transmit(t)) = ep.poll_output() else {
        panic!("no pong")
    };
    assert_eq!(&t.data[..], b"\r\n");
    ep.handle_packet(at(0), udp(PHONE), Bytes::from_static(b"\r\n"));
    assert!(ep.poll_output().is_none(), "a pong is not answered");
}

/// A source may send a burst of 3 requests, then 1 a second.
fn tight_rate() -> SipConfig {
    let mut c = config();
    c.rate = RateLimit {
        per_second: 1,
        burst: 3,
    };
    c
}

#[test]
fn a_flooding_source_is_cut_off_but_trusted_networks_are_not() {
    let mut c = tight_rate();
    c.trusted = vec!["10.0.0.0/8".parse().expect("net")];
    let mut ep = endpoint(c);
    let answered = (0..10)
        .filter(|i| {
            !send(
                &mut ep,
                at(0),
                udp(PHONE),
                &request("OPTIONS", &format!("r{i}"), ""),
                None,
            )
            .is_empty()
        })
        .count();
    assert_eq!(answered, 3);
    let trusted = (0..10)
        .filter(|i| {
            !send(
                &mut ep,
                at(0),
                udp("10.1.1.1:5060"),
                &request("OPTIONS", &format!("q{i}"), ""),
                None,
            )
            .is_empty()
        })
        .count();
    assert_eq!(trusted, 10);
}

/// Answered OPTIONS out of `n` sent at once from `from`.
fn answered_options(ep: &mut Endpoint, from: &str, n: usize, prefix: &str) -> usize {
    (0..n)
        .filter(|i| {
            let r = request("OPTIONS", &format!("{prefix}{i}"), "");
            !send(ep, at(0), udp(from), &r, None).is_empty()
        })
        .count()
}

#[test]
fn a_trunk_trusted_at_run_time_is_not_rate_limited_until_it_is_removed() {
    let mut ep = endpoint(tight_rate());
    ep.set_trusted_sources(vec!["192.0.2.0/24".parse().expect("net")]);
    assert_eq!(answered_options(&mut ep, PHONE, 10, "a"), 10);
    ep.set_trusted_sources(vec!["198.51.100.7/32".parse().expect("net")]);
    assert_eq!(
        answered_options(&mut ep, PHONE, 10, "b"),
        3,
        "no longer trusted: a full bucket, then silence"
    );
    assert_eq!(answered_options(&mut ep, "198.51.100.7:5060", 10, "c"), 10);
}

#[test]
fn silent_mode_ignores_unknown_sources_until_they_authenticate() {
    let mut c = config();
    c.answer_unknown_sources = false;
    let mut ep = endpoint(c);
    assert!(
        send(
            &mut ep,
            at(0),
            udp(PHONE),
            &request("OPTIONS", "u1", ""),
            None
        )
        .is_empty()
    );
    let bad = request("OPTIONS", "u2", "").replace("CSeq: 1 OPTIONS", "CSeq: x OPTIONS");
    assert!(send(&mut ep, at(0), udp(PHONE), &bad, None).is_empty());
    assert_eq!(statuses(&register_with(&mut ep, at(0), "secret", 1)), [200]);
    let now_known = send(
        &mut ep,
        at(1),
        udp(PHONE),
        &request("OPTIONS", "u3", ""),
        None,
    );
    assert_eq!(statuses(&now_known), [200]);
}

#[test]
fn an_unanswered_credentials_lookup_is_given_up_and_its_transaction_freed() {
    let mut ep = endpoint(config());
    let creds = "Digest username=\"1001\", realm=\"sb.test\", nonce=\"00\", uri=\"sip:sb.test\", \
                 response=\"00\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c\"";
    ep.handle_packet(
        at(0),
        udp(PHONE),
        Bytes::from(register("l1", 1, Some(creds.into()))),
    );
    assert!(matches!(ep.poll_output(), Some(Output::Lookup { .. })));
    assert_eq!(ep.transactions(), 1);
    let deadline = ep.poll_timeout().expect("the lookup has a deadline");
    assert_eq!(deadline, at(10));
    ep.handle_timeout(deadline);
    assert_eq!(ep.transactions(), 0);
    assert!(ep.poll_output().is_none(), "nothing is sent");
}

proptest::proptest! {
    /// Whatever arrives, over UDP or TCP, the endpoint neither panics nor leaks a request
    /// without an answer or a transaction.
    #[test]
    fn arbitrary_datagrams_never_panic(
        data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        tcp in proptest::prelude::any::<bool>(),
    ) {
        let mut ep = endpoint(config());
        let peer = if tcp { Peer::tcp(ConnId(1), PHONE.parse().expect("addr")) } else { udp(PHONE) };
        ep.handle_packet(at(0), peer, Bytes::from(data));
        while ep.poll_output().is_some() {}
        ep.handle_timeout(at(100));
    }

    /// Mutated valid requests: any single byte changed still never panics.
    #[test]
    fn mutated_requests_never_panic(pos in 0usize..400, byte in proptest::prelude::any::<u8>()) {
        let mut raw = register("z1", 1, None).into_bytes();
        let at_pos = pos % raw.len();
        raw[at_pos] = byte;
        let mut ep = endpoint(config());
        ep.handle_packet(at(0), udp(PHONE), Bytes::from(raw));
        while ep.poll_output().is_some() {}
    }
}

/// The reference: failures per source in a sliding window, bans, success clearing history.
#[derive(Default)]
struct BanModel {
    failures: std::collections::HashMap<u8, Vec<Timestamp>>,
    banned_until: std::collections::HashMap<u8, Timestamp>,
}

impl BanModel {
    const MAX: usize = 3;
    const WINDOW: std::time::Duration = std::time::Duration::from_secs(60);
    const BAN: std::time::Duration = std::time::Duration::from_secs(900);

    /// The statuses one round (challenge, then answer) should get.
    fn round(&mut self, now: Timestamp, source: u8, correct: bool) -> Vec<u16> {
        if self.banned_until.get(&source).is_some_and(|u| now < *u) {
            return vec![];
        }
        let list = self.failures.entry(source).or_default();
        list.retain(|t| now.saturating_since(*t) < Self::WINDOW);
        if correct {
            list.clear();
            return vec![401, 200];
        }
        list.push(now);
        if list.len() >= Self::MAX {
            list.clear();
            self.banned_until.insert(source, now + Self::BAN);
            return vec![401];
        }
        vec![401, 401]
    }
}

proptest::proptest! {
    /// Random REGISTER rounds from a few sources with right and wrong passwords, at random
    /// times, give exactly the answers of the reference model (challenge, 200, 401, silence).
    #[test]
    fn registrations_and_bans_follow_the_reference_model(
        ops in proptest::collection::vec((0u8..3, proptest::prelude::any::<bool>(), 0i64..40), 1..40),
    ) {
        let mut c = config();
        c.ban = BanPolicy { max_failures: BanModel::MAX, window: BanModel::WINDOW, ban: BanModel::BAN };
        let mut ep = endpoint(c);
        let mut model = BanModel::default();
        let mut now = at(0);
        for (round, (source, correct, gap)) in ops.into_iter().enumerate() {
            // Nonces are (time, source): two challenges in the same millisecond are the same
            // nonce, and a new client restarting at nc=1 would be a replay. Keep time moving.
            now = now + std::time::Duration::from_secs(gap as u64) + std::time::Duration::from_millis(1);
            let peer = udp(&format!("192.0.2.{}:5060", 10 + source));
            let round = u32::try_from(round).expect("small") + 1;
            let first = send(&mut ep, now, peer, &register(&format!("a{round}"), 2 * round, None), None);
            let mut got = statuses(&first);
            if let Some(challenge) = first.first() {
                let password = if correct { "secret" } else { "wrong" };
                got.extend(statuses(&answer_challenge(&mut ep, now, peer, challenge, password, round)));
            }
            proptest::prop_assert_eq!(got, model.round(now, source, correct));
        }
    }
}

#[test]
fn bindings_from_the_store_are_restored_and_expire() {
    let mut ep = endpoint(config());
    register_with(&mut ep, at(0), "secret", 1);
    let saved: Vec<_> = ep.lookup(at(0), "sip:1001@sb.test");
    assert_eq!(saved.len(), 1);
    let mut quiet = config();
    quiet.udp_keepalive = None;
    let mut restarted = Endpoint::new(quiet, saved.clone(), Vec::new(), 9);
    assert_eq!(restarted.lookup(at(10), "sip:1001@sb.test"), saved);
    assert_eq!(restarted.poll_timeout(), Some(saved[0].expires_at));
    restarted.handle_timeout(saved[0].expires_at);
    assert!(restarted.lookup(at(700), "sip:1001@sb.test").is_empty());
}

/// The INVITE the handler asked to authenticate: handed to `authenticate` as the driver does.
fn invite_for_auth(ep: &mut Endpoint, branch: &str, auth: &str) -> (Vec<Response>, Vec<Output>) {
    let raw = request("INVITE", branch, auth);
    ep.handle_packet(at(0), udp(PHONE), Bytes::from(raw));
    let (_, handed) = run(ep, at(0), None);
    let [Output::Request(req)] = handed.as_slice() else {
        panic!("the INVITE first comes out unauthenticated: {handed:?}");
    };
    assert_eq!(req.user, None);
    ep.authenticate(at(0), req.clone());
    run(ep, at(0), Some("secret"))
}

#[test]
fn an_invite_the_handler_wants_authenticated_gets_407_then_comes_out_with_its_user() {
    let mut ep = Endpoint::new(config(), Vec::new(), vec![Method::Invite], 3);
    let (sent, other) = invite_for_auth(&mut ep, "i1", "");
    assert_eq!(statuses(&sent), [407], "{other:?}");
    let challenge = sent[0]
        .headers()
        .all(HeaderName::ProxyAuthenticate)
        .filter_map(|h| Challenge::parse(&h.value_unfolded()).ok())
        .find(|c| c.algorithm.is_md5())
        .expect("an MD5 proxy challenge");
    let mut client = DigestClient::new("1001", "secret");
    let creds = client
        .authorize(&challenge, "INVITE", "sip:sb.test", "cn")
        .expect("authorize");
    let header = format!("Proxy-Authorization: {creds}\r\n");
    let (sent, other) = invite_for_auth(&mut ep, "i2", &header);
    assert!(sent.is_empty(), "no response from the endpoint: {sent:?}");
    let [Output::Request(req)] = other.as_slice() else {
        panic!("the authenticated INVITE for the handler: {other:?}");
    };
    let user = req.user.as_ref().expect("authenticated user");
    assert_eq!(
        (user.realm.as_str(), user.username.as_str()),
        ("sb.test", "1001")
    );
}

#[test]
fn an_invite_with_a_wrong_password_is_challenged_again_and_never_handed_over() {
    let mut ep = Endpoint::new(config(), Vec::new(), vec![Method::Invite], 3);
    let (sent, _) = invite_for_auth(&mut ep, "w1", "");
    let challenge = sent[0]
        .headers()
        .all(HeaderName::ProxyAuthenticate)
        .filter_map(|h| Challenge::parse(&h.value_unfolded()).ok())
        .find(|c| c.algorithm.is_md5())
        .expect("an MD5 proxy challenge");
    let creds = DigestClient::new("1001", "guess")
        .authorize(&challenge, "INVITE", "sip:sb.test", "cn")
        .expect("authorize");
    let header = format!("Proxy-Authorization: {creds}\r\n");
    let (sent, other) = invite_for_auth(&mut ep, "w2", &header);
    assert_eq!(statuses(&sent), [407]);
    assert!(
        !other.iter().any(|o| matches!(o, Output::Request(_))),
        "{other:?}"
    );
}
