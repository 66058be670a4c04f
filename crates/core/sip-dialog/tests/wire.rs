//! The state machines on real `sb-sip` messages: bytes in, bytes out.

use sb_sip::{HeaderName, Message, Request, StatusCode, Via};
use sb_sip_dialog::dialog::Dialog;
use sb_sip_dialog::digest::{
    AuthAttempt, AuthRole, Challenge, DigestClient, DigestServer, DigestServerConfig, UserSecret,
    Verdict,
};
use sb_sip_dialog::registrar::{Registrar, RegistrarConfig};
use sb_sip_dialog::transaction::{Incoming, TimerConfig, Transactions, TxEvent, TxKey, TxMessage};
use sb_sip_dialog::wire;
use sb_types::Timestamp;

fn parse(text: &str) -> Message {
    sb_sip::parse(text.replace('\n', "\r\n").into_bytes()).expect("valid SIP")
}

fn request(text: &str) -> Request {
    match parse(text) {
        Message::Request(r) => r,
        Message::Response(_) => panic!("not a request"),
    }
}

/// Prints and parses again, as a network would.
fn over_the_wire(m: &Message) -> Message {
    sb_sip::parse(m.to_bytes()).expect("printed SIP parses")
}

const REGISTER: &str = "REGISTER sip:pbx.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKreg1
Max-Forwards: 70
From: <sip:1001@pbx.example.com>;tag=a1
To: <sip:1001@pbx.example.com;transport=udp>
Call-ID: reg-1@192.0.2.7
CSeq: 1 REGISTER
Contact: <sip:1001@192.0.2.7:5060>;expires=120;q=0.5
Path: <sip:edge.example.com;lr>
Content-Length: 0

";

#[test]
fn register_goes_through_digest_and_the_registrar() {
    let now = Timestamp::from_secs(1_700_000_000);
    let mut auth = DigestServer::new(DigestServerConfig::new(
        "pbx.example.com",
        b"secret".to_vec(),
    ));
    let first = request(REGISTER);
    assert!(wire::credentials_of(&first, AuthRole::Server, auth.realm()).is_none());
    let answer = auth.reject(
        now,
        "192.0.2.7",
        sb_sip_dialog::digest::Rejection::NoCredentials,
    );
    let challenge_msg = over_the_wire(&Message::Response(wire::challenge(&first, &answer, "t1")));
    let values: Vec<String> = challenge_msg
        .headers()
        .all(HeaderName::WwwAuthenticate)
        .map(|h| h.value_unfolded())
        .collect();
    assert_eq!(values.len(), 2);
    let chosen =
        Challenge::strongest(values.iter().map(String::as_str)).expect("a usable challenge");

    let creds = DigestClient::new("1001", "pw")
        .authorize(&chosen, "REGISTER", "sip:pbx.example.com", "c1")
        .unwrap();
    let mut second = request(&REGISTER.replace("CSeq: 1", "CSeq: 2"));
    second.headers_mut().push(HeaderName::Authorization, &creds);
    let second = match over_the_wire(&Message::Request(second)) {
        Message::Request(r) => r,
        Message::Response(_) => unreachable!(),
    };
    let got = wire::credentials_of(&second, AuthRole::Server, auth.realm()).expect("credentials");
    let uri = second.uri().to_string();
    let attempt = AuthAttempt {
        method: "REGISTER",
        source: "192.0.2.7",
        request_uri: &uri,
        credentials: &got,
    };
    let verdict = auth.verify(now, attempt, Some(&UserSecret::Password("pw".into())));
    assert_eq!(
        verdict,
        Verdict::Authorized {
            username: "1001".into()
        }
    );

    let mut registrar = Registrar::new(RegistrarConfig::default());
    let reg = wire::register_of(&second, Some("udp:192.0.2.7:5060".into())).unwrap();
    assert_eq!(
        reg.aor, "sip:1001@pbx.example.com",
        "URI parameters are dropped from the AOR"
    );
    let bindings = registrar.handle_register(now, &reg).unwrap();
    let ok = over_the_wire(&Message::Response(wire::register_ok(
        &second, &bindings, now, "t2",
    )));
    let contact = ok.headers().get(HeaderName::Contact).unwrap().to_string();
    assert_eq!(contact, "<sip:1001@192.0.2.7:5060>;expires=120;q=0.500");
    assert_eq!(
        ok.headers().get(HeaderName::Path),
        Some("<sip:edge.example.com;lr>")
    );
    assert_eq!(bindings[0].path, ["<sip:edge.example.com;lr>"]);
}

#[test]
fn too_brief_register_gets_423_with_min_expires() {
    let short = request(&REGISTER.replace("expires=120", "expires=10"));
    let reg = wire::register_of(&short, None).unwrap();
    let err = Registrar::new(RegistrarConfig::default())
        .handle_register(Timestamp::EPOCH, &reg)
        .unwrap_err();
    let resp = over_the_wire(&Message::Response(wire::error_response(&short, &err, "t")));
    assert_eq!(
        resp.as_response().map(|r| r.status()),
        Some(StatusCode::new(423).unwrap())
    );
    assert_eq!(resp.headers().get(HeaderName::MinExpires), Some("60"));
}

#[test]
fn star_with_another_contact_is_refused() {
    let text = REGISTER.replace(
        "Contact: <sip:1001@192.0.2.7:5060>;expires=120;q=0.5",
        "Contact: *\nContact: <sip:x@h>\nExpires: 0",
    );
    let reg = wire::register_of(&request(&text), None).unwrap();
    let err = Registrar::new(RegistrarConfig::default())
        .handle_register(Timestamp::EPOCH, &reg)
        .unwrap_err();
    assert_eq!(err.status(), 400);
}

const INVITE: &str = "INVITE sip:agent@pbx.example.com SIP/2.0
Via: SIP/2.0/UDP carrier.example.net:5060;branch=z9hG4bKinv1
Max-Forwards: 70
From: <sip:+15550100@carrier.example.net>;tag=c1
To: <sip:agent@pbx.example.com>
Call-ID: inv-1@carrier
CSeq: 7 INVITE
Contact: <sip:+15550100@198.51.100.9:5060>
Record-Route: <sip:edge.example.com;lr>
Content-Length: 0

";

#[test]
fn transaction_keys_and_generated_messages_follow_rfc_3261() {
    let invite = parse(INVITE);
    let key = TxKey::server(&invite).unwrap();
    assert_eq!(
        (
            key.branch.as_str(),
            key.sent_by.as_deref(),
            key.method.as_str()
        ),
        ("z9hG4bKinv1", Some("carrier.example.net:5060"), "INVITE")
    );
    let busy = match &invite {
        Message::Request(r) => {
            Message::Response(r.make_response(StatusCode::new(486).unwrap(), Some("srv")))
        }
        Message::Response(_) => unreachable!(),
    };
    let ack = over_the_wire(&invite.ack_for(&busy));
    assert_eq!(
        TxKey::server(&ack),
        Some(key.clone()),
        "the ACK finds the INVITE transaction"
    );
    assert_eq!(ack.headers().to().unwrap().tag(), Some("srv"));
    assert_eq!(ack.headers().cseq().unwrap().to_string(), "7 ACK");
    let trying = over_the_wire(&invite.trying());
    assert_eq!(trying.status(), Some(100));
    assert_eq!(trying.headers().to().unwrap().tag(), None);
    assert_eq!(
        TxKey::client(&trying).map(|k| k.branch),
        Some("z9hG4bKinv1".into())
    );
    let rfc2543 = parse(&INVITE.replace("branch=z9hG4bKinv1", "branch=old"));
    assert_eq!(TxKey::server(&rfc2543), None);
}

#[test]
fn invite_rejection_runs_end_to_end_over_printed_messages() {
    let t0 = Timestamp::from_secs(5_000);
    let mut client: Transactions<Message> = Transactions::new(TimerConfig::default());
    let mut server: Transactions<Message> = Transactions::new(TimerConfig::default());
    client.send_request(t0, parse(INVITE), false).unwrap();
    let (_, sent) = client.poll_transmit().unwrap();
    let Incoming::Request(key, invite) = server.handle_incoming(t0, over_the_wire(&sent), false)
    else {
        panic!("new request expected")
    };
    let busy = invite
        .as_request()
        .unwrap()
        .make_response(StatusCode::new(486).unwrap(), Some("srv"));
    server
        .send_response(t0, key, Message::Response(busy))
        .unwrap();
    let (_, resp) = server.poll_transmit().unwrap();
    assert_eq!(
        client.handle_incoming(t0, over_the_wire(&resp), false),
        Incoming::Absorbed
    );
    let (_, ack) = client.poll_transmit().unwrap();
    assert_eq!(ack.method(), Some("ACK"));
    assert_eq!(
        server.handle_incoming(t0, over_the_wire(&ack), false),
        Incoming::Absorbed
    );
    let events: Vec<_> = std::iter::from_fn(|| client.poll_event())
        .map(|(_, e)| e)
        .collect();
    assert!(matches!(&events[..], [TxEvent::Response(r)] if r.status() == Some(486)));
    assert!(
        server.poll_timeout().is_some(),
        "timer I is running in Confirmed"
    );
}

#[test]
fn dialog_from_a_received_invite_builds_a_bye_that_parses() {
    let invite = request(INVITE);
    let seed = wire::uas_seed(&invite, "srv").unwrap();
    let mut dialog = Dialog::uas(seed, true, 100);
    let head = dialog.next_request("BYE");
    let via = Via::parse("SIP/2.0/UDP pbx.example.com:5060;branch=z9hG4bKbye1").unwrap();
    let bye = over_the_wire(&Message::Request(wire::request_of(&head, via).unwrap()));
    let bye = bye.as_request().unwrap();
    assert_eq!(bye.uri().to_string(), "sip:+15550100@198.51.100.9:5060");
    assert_eq!(
        bye.headers().get(HeaderName::Route),
        Some("<sip:edge.example.com;lr>")
    );
    assert_eq!(bye.headers().from().unwrap().tag(), Some("srv"));
    assert_eq!(bye.headers().to().unwrap().tag(), Some("c1"));
    assert_eq!(bye.headers().cseq().unwrap().to_string(), "101 BYE");
}

#[test]
fn dialog_from_the_uac_side_reverses_the_record_route() {
    let invite = request(INVITE);
    let mut ok = invite.make_response(StatusCode::OK, Some("srv"));
    ok.headers_mut()
        .push(HeaderName::Contact, "<sip:agent@10.0.0.5>");
    ok.headers_mut()
        .push(HeaderName::RecordRoute, "<sip:inner.example.com;lr>");
    let seed = wire::uac_seed(&invite, &ok).unwrap();
    let dialog = Dialog::uac(seed, true);
    assert_eq!(
        dialog.route_set(),
        ["<sip:inner.example.com;lr>", "<sip:edge.example.com;lr>"]
    );
    assert_eq!(dialog.remote_target(), "sip:agent@10.0.0.5");
}

#[test]
fn aor_is_canonical_whatever_the_to_uri_looks_like() {
    let to = |uri: &str| sb_sip::Uri::parse(uri).expect("uri");
    let plain = wire::canonical_aor(&to("sip:1001@pbx.example.com"));
    assert_eq!(plain, "sip:1001@pbx.example.com");
    for variant in [
        "sip:%31001@PBX.example.com",
        "sip:1001@pbx.example.com;transport=tcp;user=phone",
        "sip:1001@pbx.example.com?Subject=x",
    ] {
        assert_eq!(wire::canonical_aor(&to(variant)), plain, "{variant}");
    }
    assert_eq!(
        wire::canonical_aor(&to("sips:1001@pbx.example.com:5061")),
        "sips:1001@pbx.example.com:5061"
    );
}

#[test]
fn registration_client_and_registrar_agree_over_the_wire() {
    use sb_sip_dialog::registration::{RegistrationClient, RegistrationConfig, RegistrationState};
    let now = Timestamp::from_secs(1_700_000_000);
    let mut auth = DigestServer::new(DigestServerConfig::new("pbx.example.com", b"s".to_vec()));
    let mut registrar = Registrar::new(RegistrarConfig::default());
    let config = RegistrationConfig {
        registrar_uri: "sip:pbx.example.com".into(),
        expires: 120,
        min_retry: std::time::Duration::from_secs(30),
        max_retry: std::time::Duration::from_secs(600),
        cnonce_seed: [1; 16],
    };
    let mut phone = RegistrationClient::new(config, "1001", "pw");
    for _ in 0..2 {
        let spec = phone.poll_request().expect("a REGISTER to send");
        let text = REGISTER
            .replace("CSeq: 1", &format!("CSeq: {}", spec.cseq))
            .replace(";expires=120;q=0.5", &format!(";expires={}", spec.expires));
        let mut req = request(&text);
        if let Some(c) = &spec.credentials {
            req.headers_mut().push(HeaderName::Authorization, c);
        }
        let req = match over_the_wire(&Message::Request(req)) {
            Message::Request(r) => r,
            Message::Response(_) => unreachable!(),
        };
        let uri = req.uri().to_string();
        let verdict =
            wire::credentials_of(&req, AuthRole::Server, "pbx.example.com").map(|creds| {
                let attempt = AuthAttempt {
                    method: "REGISTER",
                    source: "192.0.2.7",
                    request_uri: &uri,
                    credentials: &creds,
                };
                auth.verify(now, attempt, Some(&UserSecret::Password("pw".into())))
            });
        let response = match verdict {
            Some(Verdict::Authorized { .. }) => {
                let bindings = registrar
                    .handle_register(now, &wire::register_of(&req, None).unwrap())
                    .unwrap();
                wire::register_ok(&req, &bindings, now, "t")
            }
            _ => {
                let why = sb_sip_dialog::digest::Rejection::NoCredentials;
                wire::challenge(&req, &auth.reject(now, "192.0.2.7", why), "t")
            }
        };
        let response = over_the_wire(&Message::Response(response));
        let response = response.as_response().expect("response");
        phone.handle_response(
            now,
            &wire::register_response_of(response, "sip:1001@192.0.2.7:5060"),
        );
    }
    assert_eq!(
        phone.state(),
        RegistrationState::Registered {
            until: now + std::time::Duration::from_secs(120)
        }
    );
    assert_eq!(registrar.lookup(now, "sip:1001@pbx.example.com").len(), 1);
}
