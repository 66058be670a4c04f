//! The client side of the endpoint with a manual clock: retransmissions, timers, responses.

use std::net::SocketAddr;

use sb_sip::{Message, Request, StatusCode};
use sb_sip_dialog::transaction::TxId;
use sb_types::Timestamp;

use super::{Endpoint, Output};
use crate::client::ClientError;
use crate::config::SipConfig;
use crate::peer::{ConnId, Peer};

const CARRIER: &str = "192.0.2.50:5060";
const US: &str = "198.51.100.7:5060";

fn endpoint() -> Endpoint {
    let config = SipConfig::new(US.parse().expect("addr"), "sb.test", b"k".to_vec());
    Endpoint::new(config, Vec::new(), Vec::new(), 11)
}

fn ms(n: i64) -> Timestamp {
    Timestamp::from_millis(1_000_000_000 + n)
}

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("addr")
}

fn request(method: &str, via: &str) -> Request {
    let via = if via.is_empty() {
        "Via: SIP/2.0/UDP placeholder.invalid;branch=x\r\n"
    } else {
        via
    };
    let raw = format!(
        "{method} sip:+15551230000@carrier.test SIP/2.0\r\n{via}Max-Forwards: 70\r\n\
         From: <sip:pbx@sb.test>;tag=a1\r\nTo: <sip:+15551230000@carrier.test>\r\n\
         Call-ID: out-1\r\nCSeq: 1 {method}\r\n\r\n"
    );
    match sb_sip::parse(raw.into_bytes()) {
        Ok(Message::Request(r)) => r,
        other => panic!("not a request: {other:?}"),
    }
}

/// Everything the endpoint produced: requests sent (with their destination) and the rest.
fn drain(ep: &mut Endpoint) -> (Vec<(SocketAddr, Request)>, Vec<Output>) {
    let (mut sent, mut other) = (Vec::new(), Vec::new());
    while let Some(out) = ep.poll_output() {
        match out {
            Output::Transmit(t) => match sb_sip::parse(t.data.clone()) {
                Ok(Message::Request(r)) => sent.push((t.to, r)),
                _ => other.push(Output::Transmit(t)),
            },
            o => other.push(o),
        }
    }
    (sent, other)
}

/// Starts `method` over UDP at `ms(0)`; the request as sent.
fn start(ep: &mut Endpoint, method: &str) -> (TxId, Request) {
    let tx = ep
        .send_request(
            ms(0),
            request(method, ""),
            Peer::udp(addr(CARRIER)),
            addr(US),
        )
        .expect("started");
    let (sent, other) = drain(ep);
    assert!(other.is_empty(), "{other:?}");
    let [(to, r)] = <[_; 1]>::try_from(sent).expect("one request sent");
    assert_eq!(to, addr(CARRIER));
    (tx, r)
}

fn answer(ep: &mut Endpoint, now: Timestamp, sent: &Request, status: StatusCode) {
    let response = sent.make_response(status, Some("b7"));
    ep.handle_packet(now, Peer::udp(addr(CARRIER)), response.to_bytes());
}

/// Runs the timers every 10 ms from `from` to `to`; the times requests were (re)sent.
fn tick(ep: &mut Endpoint, from: i64, to: i64) -> (Vec<i64>, Vec<Output>) {
    let (mut times, mut other) = (Vec::new(), Vec::new());
    let mut t = from;
    while t <= to {
        ep.handle_timeout(ms(t));
        let (sent, rest) = drain(ep);
        times.extend(sent.iter().map(|_| t));
        other.extend(rest);
        t += 10;
    }
    (times, other)
}

#[test]
fn udp_requests_are_retransmitted_doubling_from_t1_up_to_t2() {
    let mut ep = endpoint();
    start(&mut ep, "OPTIONS");
    let (times, other) = tick(&mut ep, 10, 20_000);
    // T1 = 500 ms: resent at 0.5, 1.5, 3.5, 7.5 s, then every T2 = 4 s.
    assert_eq!(times, [500, 1500, 3500, 7500, 11_500, 15_500, 19_500]);
    assert!(other.is_empty(), "{other:?}");
}

#[test]
fn no_final_response_fails_with_timeout_at_timer_f() {
    let mut ep = endpoint();
    let (tx, _) = start(&mut ep, "OPTIONS");
    let (_, before) = tick(&mut ep, 10, 31_990);
    assert!(before.is_empty(), "{before:?}");
    ep.handle_timeout(ms(32_000));
    let (_, after) = drain(&mut ep);
    assert!(
        matches!(after.as_slice(), [Output::ClientFailed { tx: t, error: ClientError::Timeout }] if *t == tx),
        "{after:?}"
    );
    assert_eq!(ep.client_transactions(), 0);
}

#[test]
fn the_final_response_is_delivered_once_after_provisional_ones_and_stops_retransmissions() {
    let mut ep = endpoint();
    let (tx, sent) = start(&mut ep, "OPTIONS");
    answer(&mut ep, ms(100), &sent, StatusCode::TRYING);
    assert!(drain(&mut ep).1.is_empty(), "100 Trying is absorbed");
    answer(&mut ep, ms(200), &sent, StatusCode::UNAUTHORIZED);
    let (_, out) = drain(&mut ep);
    assert!(
        matches!(out.as_slice(), [Output::ClientResponse { tx: t, response }]
            if *t == tx && response.status() == StatusCode::UNAUTHORIZED),
        "{out:?}"
    );
    answer(&mut ep, ms(300), &sent, StatusCode::UNAUTHORIZED);
    let (times, other) = tick(&mut ep, 310, 40_000);
    assert!(
        times.is_empty(),
        "no retransmission after the final response"
    );
    assert!(
        other.is_empty(),
        "a retransmitted final response is absorbed: {other:?}"
    );
    assert_eq!(ep.client_transactions(), 0, "timer K ended the transaction");
}

#[test]
fn ringing_and_session_progress_come_out_before_the_final_response() {
    let mut ep = endpoint();
    let (tx, sent) = start(&mut ep, "INVITE");
    answer(&mut ep, ms(50), &sent, StatusCode::TRYING);
    answer(&mut ep, ms(100), &sent, StatusCode::RINGING);
    answer(&mut ep, ms(150), &sent, StatusCode::SESSION_PROGRESS);
    let (_, out) = drain(&mut ep);
    let statuses: Vec<u16> = out
        .iter()
        .map(|o| match o {
            Output::ClientProvisional { tx: t, response } if *t == tx => response.status().as_u16(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(statuses, [180, 183]);
    answer(&mut ep, ms(200), &sent, StatusCode::BUSY_HERE);
    answer(&mut ep, ms(250), &sent, StatusCode::RINGING);
    let (_, out) = drain(&mut ep);
    assert!(
        matches!(out.as_slice(), [Output::ClientResponse { response, .. }]
            if response.status() == StatusCode::BUSY_HERE),
        "the final response, and no provisional after it: {out:?}"
    );
}

#[test]
fn a_non_2xx_to_an_invite_is_acked_by_the_transaction_and_delivered() {
    let mut ep = endpoint();
    let (tx, sent) = start(&mut ep, "INVITE");
    answer(&mut ep, ms(50), &sent, StatusCode::RINGING);
    answer(&mut ep, ms(80), &sent, StatusCode::BUSY_HERE);
    let (acks, out) = drain(&mut ep);
    assert_eq!(acks.len(), 1);
    assert_eq!(*acks[0].1.method(), sb_sip::Method::Ack);
    assert_eq!(acks[0].0, addr(CARRIER));
    assert!(
        matches!(out.as_slice(), [Output::ClientProvisional { .. }, Output::ClientResponse { tx: t, response }]
            if *t == tx && response.status() == StatusCode::BUSY_HERE),
        "{out:?}"
    );
}

#[test]
fn a_2xx_to_an_invite_is_delivered_once_and_left_for_the_caller_to_ack() {
    let mut ep = endpoint();
    let (tx, sent) = start(&mut ep, "INVITE");
    answer(&mut ep, ms(80), &sent, StatusCode::OK);
    let (acks, out) = drain(&mut ep);
    assert!(acks.is_empty(), "the transaction does not ACK a 2xx");
    assert!(
        matches!(out.as_slice(), [Output::ClientResponse { tx: t, response }]
            if *t == tx && response.status() == StatusCode::OK),
        "{out:?}"
    );
    answer(&mut ep, ms(600), &sent, StatusCode::OK);
    assert!(
        drain(&mut ep).1.is_empty(),
        "2xx retransmissions are not delivered again"
    );
}

#[test]
fn the_top_via_gets_our_sent_by_rport_and_keeps_an_rfc3261_branch() {
    let mut ep = endpoint();
    let via = "Via: SIP/2.0/TCP 10.0.0.1:9999;branch=z9hG4bKmine\r\n";
    ep.send_request(
        ms(0),
        request("OPTIONS", via),
        Peer::udp(addr(CARRIER)),
        addr(US),
    )
    .expect("started");
    let (sent, _) = drain(&mut ep);
    let r = &sent[0].1;
    let top = r.headers().top_via().expect("via");
    assert_eq!(&*top.transport, "UDP");
    assert_eq!(top.sent_by(), US);
    assert_eq!(top.branch(), Some("z9hG4bKmine"));
    assert_eq!(top.rport(), Some(None));
    assert_eq!(r.headers().count(sb_sip::HeaderName::Via), 1);
    assert_eq!(r.headers().content_length().ok(), Some(0));
}

#[test]
fn a_request_without_an_rfc3261_branch_gets_a_fresh_one_per_transaction() {
    let mut ep = endpoint();
    let old = "Via: SIP/2.0/UDP 10.0.0.1;branch=old\r\n";
    let (_, first) = start(&mut ep, "OPTIONS");
    ep.send_request(
        ms(1),
        request("OPTIONS", old),
        Peer::udp(addr(CARRIER)),
        addr(US),
    )
    .expect("started");
    let second = drain(&mut ep).0.remove(0).1;
    let (a, b) = (first.headers().top_via(), second.headers().top_via());
    let (a, b) = (a.expect("via"), b.expect("via"));
    assert!(a.has_rfc3261_branch() && b.has_rfc3261_branch());
    assert_ne!(a.branch(), b.branch());
}

#[test]
fn over_tcp_nothing_is_retransmitted_and_a_closed_connection_fails_the_transaction() {
    let mut ep = endpoint();
    let peer = Peer::tcp(ConnId(4), addr(CARRIER));
    let tx = ep
        .send_request(ms(0), request("OPTIONS", ""), peer, addr(US))
        .expect("started");
    let (sent, _) = drain(&mut ep);
    assert_eq!(sent.len(), 1);
    let via = sent[0].1.headers().top_via().expect("via");
    assert_eq!(&*via.transport, "TCP");
    let (times, _) = tick(&mut ep, 10, 5_000);
    assert!(
        times.is_empty(),
        "no retransmission over a reliable transport"
    );
    ep.connection_closed(ConnId(3));
    assert!(drain(&mut ep).1.is_empty(), "another connection");
    ep.connection_closed(ConnId(4));
    let (_, out) = drain(&mut ep);
    assert!(
        matches!(out.as_slice(), [Output::ClientFailed { tx: t, error: ClientError::Transport(_) }] if *t == tx),
        "{out:?}"
    );
}

#[test]
fn ack_and_a_cancel_without_an_rfc3261_branch_are_refused() {
    let mut ep = endpoint();
    for method in ["ACK", "CANCEL"] {
        let r = ep.send_request(
            ms(0),
            request(method, ""),
            Peer::udp(addr(CARRIER)),
            addr(US),
        );
        assert!(
            matches!(r, Err(ClientError::Unsupported(_))),
            "{method}: {r:?}"
        );
    }
    assert_eq!(ep.client_transactions(), 0);
    assert!(ep.poll_output().is_none());
}

#[test]
fn a_request_over_websocket_names_ws_in_its_via_and_goes_out_on_the_connection() {
    let mut ep = endpoint();
    let ws = Peer {
        transport: crate::peer::Transport::Wss(ConnId(1)),
        addr: addr(CARRIER),
    };
    ep.send_request(ms(0), request("OPTIONS", ""), ws, addr(US))
        .expect("sent");
    let (sent, _) = drain(&mut ep);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let via = sent[0].1.headers().top_via().expect("via");
    assert_eq!(&*via.transport, "WSS");
    assert_eq!(sent[0].0, addr(CARRIER));
}

#[test]
fn a_response_to_our_request_is_not_handed_to_the_server_side() {
    let mut ep = endpoint();
    let (_, sent) = start(&mut ep, "OPTIONS");
    let mut stray = sent.make_response(StatusCode::OK, Some("z"));
    stray.headers_mut().set(
        sb_sip::HeaderName::Via,
        "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKother",
    );
    ep.handle_packet(ms(10), Peer::udp(addr(CARRIER)), stray.to_bytes());
    let (sent_again, out) = drain(&mut ep);
    assert!(
        sent_again.is_empty() && out.is_empty(),
        "a stray response is dropped"
    );
}

#[test]
fn responses_from_a_server_we_await_skip_the_rate_limit_that_still_stops_its_requests() {
    let mut config = SipConfig::new(US.parse().expect("addr"), "sb.test", b"k".to_vec());
    config.rate = crate::rate::RateLimit {
        per_second: 1,
        burst: 1,
    };
    let mut ep = Endpoint::new(config, Vec::new(), Vec::new(), 3);
    let mut sent = Vec::new();
    for i in 0..5 {
        let tx = ep
            .send_request(
                ms(0),
                request("OPTIONS", ""),
                Peer::udp(addr(CARRIER)),
                addr(US),
            )
            .expect("started");
        let (mut out, _) = drain(&mut ep);
        sent.push((tx, out.remove(0).1));
        assert_eq!(ep.client_transactions(), i + 1);
    }
    for (_, r) in &sent {
        answer(&mut ep, ms(10), r, StatusCode::OK);
    }
    let (_, out) = drain(&mut ep);
    let delivered = out
        .iter()
        .filter(|o| matches!(o, Output::ClientResponse { .. }))
        .count();
    assert_eq!(delivered, 5, "every response gets through");
    let probe = |branch: &str| {
        format!(
            "OPTIONS sip:sb.test SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.50:5060;branch=z9hG4bK{branch}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:c@carrier.test>;tag=p\r\nTo: <sip:sb.test>\r\n\
             Call-ID: probe-{branch}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let mut answered = 0;
    for i in 0..4 {
        ep.handle_packet(
            ms(20),
            Peer::udp(addr(CARRIER)),
            probe(&i.to_string()).into(),
        );
        while let Some(o) = ep.poll_output() {
            answered += usize::from(matches!(o, Output::Transmit(_)));
        }
    }
    assert_eq!(answered, 1, "the server's own requests are still limited");
}

#[test]
fn a_cancel_with_the_invites_branch_runs_beside_it_and_the_487_is_acked() {
    let mut ep = endpoint();
    let via = "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKinv1\r\n";
    let carrier = Peer::udp(addr(CARRIER));
    let invite = ep
        .send_request(ms(0), request("INVITE", via), carrier, addr(US))
        .expect("INVITE");
    let sent_invite = drain(&mut ep).0.remove(0).1;
    answer(&mut ep, ms(20), &sent_invite, StatusCode::RINGING);
    let cancel = ep
        .send_request(ms(30), request("CANCEL", via), carrier, addr(US))
        .expect("CANCEL");
    assert_ne!(invite, cancel);
    let sent_cancel = drain(&mut ep).0.remove(0).1;
    let branch = |r: &Request| {
        r.headers()
            .top_via()
            .expect("via")
            .branch()
            .map(str::to_owned)
    };
    assert_eq!(branch(&sent_cancel), branch(&sent_invite));
    answer(&mut ep, ms(40), &sent_cancel, StatusCode::OK);
    answer(
        &mut ep,
        ms(50),
        &sent_invite,
        StatusCode::REQUEST_TERMINATED,
    );
    let (acks, out) = drain(&mut ep);
    assert_eq!(acks.len(), 1, "the 487 is ACKed");
    let finals: Vec<(TxId, u16)> = out
        .iter()
        .filter_map(|o| match o {
            Output::ClientResponse { tx, response } => Some((*tx, response.status().as_u16())),
            _ => None,
        })
        .collect();
    assert_eq!(finals, [(cancel, 200), (invite, 487)]);
}

#[test]
fn an_ack_for_a_2xx_is_sent_without_a_transaction_and_other_methods_are_not() {
    let mut ep = endpoint();
    let carrier = Peer::udp(addr(CARRIER));
    ep.send_ack(ms(0), request("ACK", ""), carrier, addr(US))
        .expect("sent");
    let (sent, _) = drain(&mut ep);
    assert_eq!(sent.len(), 1);
    assert_eq!(*sent[0].1.method(), sb_sip::Method::Ack);
    assert!(
        sent[0]
            .1
            .headers()
            .top_via()
            .expect("via")
            .has_rfc3261_branch()
    );
    assert_eq!(ep.client_transactions(), 0);
    assert_eq!(ep.poll_timeout(), None, "nothing to retransmit");
    let r = ep.send_ack(ms(0), request("OPTIONS", ""), carrier, addr(US));
    assert!(matches!(r, Err(ClientError::Unsupported(_))), "{r:?}");
}

#[test]
fn each_2xx_retransmission_gets_the_callers_ack_again() {
    let mut ep = endpoint();
    let carrier = Peer::udp(addr(CARRIER));
    let (_, invite) = start(&mut ep, "INVITE");
    answer(&mut ep, ms(50), &invite, StatusCode::OK);
    assert_eq!(drain(&mut ep).1.len(), 1, "the 200 delivered");
    let mut ack = request("ACK", "");
    ack.headers_mut().set(sb_sip::HeaderName::CSeq, "1 ACK");
    ep.send_ack(ms(60), ack, carrier, addr(US)).expect("sent");
    let first = drain(&mut ep).0;
    assert_eq!(first.len(), 1);
    answer(&mut ep, ms(550), &invite, StatusCode::OK);
    let (again, out) = drain(&mut ep);
    assert!(out.is_empty(), "not delivered twice: {out:?}");
    assert_eq!(again.len(), 1, "the ACK is re-sent");
    assert_eq!(again[0].1.to_bytes(), first[0].1.to_bytes());
}
