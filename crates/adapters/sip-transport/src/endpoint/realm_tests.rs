//! Per-tenant realms (`realm_per_domain`): the To host picks the realm of the challenge, of
//! the credentials lookup and of the verification.

use bytes::Bytes;
use sb_sip::{HeaderName, Message, Response};
use sb_sip_dialog::digest::{Challenge, DigestClient, UserSecret};
use sb_types::Timestamp;

use super::{Endpoint, Output};
use crate::config::SipConfig;
use crate::peer::Peer;

const DEFAULT: &str = "sb.test";

fn endpoint(per_domain: bool) -> Endpoint {
    let mut c = SipConfig::new(
        "127.0.0.1:5060".parse().expect("addr"),
        DEFAULT,
        b"k".to_vec(),
    );
    c.realm_per_domain = per_domain;
    Endpoint::new(c, Vec::new(), Vec::new(), 7)
}

/// Each round a second later: nonces are per (time, source), and a repeated nonce with
/// `nc=1` would be a replay.
fn at(round: u32) -> Timestamp {
    Timestamp::from_secs(1_000_000 + i64::from(round))
}

fn peer() -> Peer {
    Peer::udp("192.0.2.10:5060".parse().expect("addr"))
}

/// The passwords of user 1001 in each realm.
fn password_of(realm: &str) -> Option<&'static str> {
    match realm {
        "acme" => Some("acme-pw"),
        "beta" => Some("beta-pw"),
        DEFAULT => Some("default-pw"),
        _ => None,
    }
}

fn register(host: &str, branch: &str, cseq: u32, auth: Option<&str>) -> String {
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    format!(
        "REGISTER sip:{host} SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:1001@{host}>;tag=r\r\nTo: <sip:1001@{host}>\r\n\
         Call-ID: reg-{host}\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:1001@192.0.2.10:5060>\r\n\
         Expires: 600\r\n{auth}Content-Length: 0\r\n\r\n"
    )
}

/// Sends `raw`; answers lookups from [`password_of`]; returns the responses and the realms
/// the lookups asked for.
fn send(ep: &mut Endpoint, now: Timestamp, raw: &str) -> (Vec<Response>, Vec<String>) {
    ep.handle_packet(now, peer(), Bytes::from(raw.to_owned()));
    let (mut sent, mut realms) = (Vec::new(), Vec::new());
    while let Some(out) = ep.poll_output() {
        match out {
            Output::Transmit(t) => {
                if let Ok(Message::Response(r)) = sb_sip::parse(t.data) {
                    sent.push(r);
                }
            }
            Output::Lookup {
                id,
                realm,
                username,
            } => {
                let secret = password_of(&realm)
                    .filter(|_| username == "1001")
                    .map(|p| UserSecret::Password(p.into()));
                realms.push(realm);
                ep.handle_secret(now, id, secret);
            }
            _ => {}
        }
    }
    (sent, realms)
}

fn challenge_of(r: &Response) -> Challenge {
    let value = r
        .headers()
        .get(HeaderName::WwwAuthenticate)
        .expect("a challenge");
    Challenge::parse(value).expect("parses")
}

/// Challenge on `host`, answer with `password`: the final status, the challenge's realm and
/// the realms looked up.
fn register_at(
    ep: &mut Endpoint,
    host: &str,
    password: &str,
    round: u32,
) -> (u16, String, Vec<String>) {
    let (first, _) = send(
        ep,
        at(round),
        &register(host, &format!("a{round}"), 1, None),
    );
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].status().as_u16(), 401);
    let challenge = challenge_of(&first[0]);
    let creds = DigestClient::new("1001", password)
        .authorize(&challenge, "REGISTER", &format!("sip:{host}"), "cn")
        .expect("authorize");
    let raw = register(host, &format!("b{round}"), 2, Some(&creds.to_string()));
    let (last, realms) = send(ep, at(round), &raw);
    (last[0].status().as_u16(), challenge.realm, realms)
}

#[test]
fn each_tenant_domain_is_its_own_realm_with_its_own_password() {
    let mut ep = endpoint(true);
    let (status, realm, looked_up) = register_at(&mut ep, "acme.pbx.example.com", "acme-pw", 1);
    assert_eq!((status, realm.as_str()), (200, "acme"));
    assert_eq!(looked_up, ["acme"]);
    let (status, realm, _) = register_at(&mut ep, "beta.pbx.example.com", "beta-pw", 2);
    assert_eq!((status, realm.as_str()), (200, "beta"));
    let (status, _, _) = register_at(&mut ep, "beta.pbx.example.com", "acme-pw", 3);
    assert_eq!(status, 401, "acme's password does not open beta");
    let (status, realm, _) = register_at(&mut ep, "acme", "acme-pw", 4);
    assert_eq!(
        (status, realm.as_str()),
        (200, "acme"),
        "a bare label is a realm"
    );
}

#[test]
fn an_ip_literal_or_the_default_domain_uses_the_default_realm() {
    let mut ep = endpoint(true);
    for (round, host) in [(1, "127.0.0.1"), (2, "[::1]"), (3, DEFAULT)] {
        let (status, realm, looked_up) = register_at(&mut ep, host, "default-pw", round);
        assert_eq!((status, realm.as_str()), (200, DEFAULT), "{host}");
        assert_eq!(looked_up, [DEFAULT]);
    }
}

#[test]
fn without_realm_per_domain_every_host_uses_the_default_realm() {
    let mut ep = endpoint(false);
    let (status, realm, _) = register_at(&mut ep, "acme.pbx.example.com", "default-pw", 1);
    assert_eq!((status, realm.as_str()), (200, DEFAULT));
}

#[test]
fn credentials_for_one_realm_are_not_accepted_in_another() {
    let mut ep = endpoint(true);
    let (first, _) = send(&mut ep, at(0), &register("acme.example.com", "x1", 1, None));
    let creds = DigestClient::new("1001", "acme-pw")
        .authorize(
            &challenge_of(&first[0]),
            "REGISTER",
            "sip:beta.example.com",
            "cn",
        )
        .expect("authorize");
    let raw = register("beta.example.com", "x2", 2, Some(&creds.to_string()));
    let (answer, looked_up) = send(&mut ep, at(0), &raw);
    assert_eq!(answer[0].status().as_u16(), 401);
    assert_eq!(challenge_of(&answer[0]).realm, "beta");
    assert!(
        looked_up.is_empty(),
        "no lookup for foreign-realm credentials"
    );
}

#[test]
fn realms_named_by_scanners_leave_no_state_behind() {
    let mut ep = endpoint(true);
    for i in 0..50 {
        let host = format!("scan{i}.example.com");
        let (answer, _) = send(&mut ep, at(0), &register(&host, &format!("s{i}"), 1, None));
        assert_eq!(challenge_of(&answer[0]).realm, format!("scan{i}"));
    }
    assert!(ep.realms.is_empty());
    let (status, _, _) = register_at(&mut ep, "acme.example.com", "acme-pw", 1);
    assert_eq!(status, 200);
    assert_eq!(
        ep.realms.len(),
        1,
        "acme keeps its nonce counts against replays"
    );
}

/// The challenge algorithms a REGISTER from `peer` gets, in order.
fn challenge_algorithms(peer: Peer) -> Vec<sb_sip_dialog::digest::Algorithm> {
    use sb_sip_dialog::digest::Algorithm;
    let mut c = SipConfig::new(
        "127.0.0.1:5060".parse().expect("addr"),
        DEFAULT,
        b"k".to_vec(),
    );
    c.algorithms = vec![Algorithm::Md5, Algorithm::Sha256];
    let mut ep = Endpoint::new(c, Vec::new(), Vec::new(), 7);
    let raw = register(DEFAULT, "ws1", 1, None);
    ep.handle_packet(at(0), peer, Bytes::from(raw));
    let mut algorithms = Vec::new();
    while let Some(out) = ep.poll_output() {
        if let Output::Transmit(t) = out
            && let Ok(Message::Response(r)) = sb_sip::parse(t.data)
        {
            for h in r.headers().all(HeaderName::WwwAuthenticate) {
                algorithms.push(Challenge::parse(h.value()).expect("parses").algorithm);
            }
        }
    }
    algorithms
}

#[test]
fn browsers_over_websocket_read_the_md5_challenge_last_and_others_keep_the_configured_order() {
    use crate::peer::{ConnId, Transport};
    use sb_sip_dialog::digest::Algorithm;
    let addr = "192.0.2.10:50123".parse().expect("addr");
    let ws = Peer {
        transport: Transport::Wss(ConnId(3)),
        addr,
    };
    assert_eq!(
        challenge_algorithms(ws),
        [Algorithm::Sha256, Algorithm::Md5],
        "JsSIP keeps the last challenge header and speaks MD5 only"
    );
    assert_eq!(
        challenge_algorithms(peer()),
        [Algorithm::Md5, Algorithm::Sha256],
        "phones over UDP get the configured order"
    );
}
