//! `SipClient`: requests sent as client transactions from the server's sockets to plain
//! UDP and TCP peers written here (no SIP stack on the other side).

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sb_sip::{Message, Request, StatusCode};
use sb_sip_dialog::transaction::TimerConfig;
use sb_sip_transport::{ClientError, Destination, SipConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

/// Short timers: T1 = 50 ms, so timer F is 3.2 s.
fn config() -> SipConfig {
    let mut c = common::config();
    c.timers = TimerConfig {
        t1: Duration::from_millis(50),
        t2: Duration::from_millis(400),
        t4: Duration::from_millis(500),
        ..TimerConfig::default()
    };
    c
}

fn options(call_id: &str) -> Request {
    build("OPTIONS", call_id)
}

fn build(method: &str, call_id: &str) -> Request {
    let raw = format!(
        "{method} sip:carrier@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP placeholder.invalid;branch=x\r\nMax-Forwards: 70\r\n\
         From: <sip:pbx@sb.test>;tag=c1\r\nTo: <sip:carrier@127.0.0.1>\r\n\
         Call-ID: {call_id}\r\nCSeq: 1 {method}\r\n\r\n"
    );
    match sb_sip::parse(raw.into_bytes()) {
        Ok(Message::Request(r)) => r,
        other => panic!("not a request: {other:?}"),
    }
}

fn parse_request(data: &[u8]) -> Request {
    match sb_sip::parse(data.to_vec()) {
        Ok(Message::Request(r)) => r,
        other => panic!("not a request: {other:?}"),
    }
}

/// A UDP peer that ignores the first `drop` requests, then answers each status in turn.
async fn udp_peer(
    drop: usize,
    statuses: Vec<StatusCode>,
) -> (
    SocketAddr,
    tokio::task::JoinHandle<Vec<(SocketAddr, Request)>>,
) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let addr = socket.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let mut seen = Vec::new();
        let mut buf = vec![0u8; 65_535];
        while seen.len() <= drop {
            let (n, from) = socket.recv_from(&mut buf).await.expect("recv");
            seen.push((from, parse_request(&buf[..n])));
        }
        let (from, last) = seen.last().cloned().expect("a request");
        for status in statuses {
            let response = last.make_response(status, Some("uas"));
            socket
                .send_to(&response.to_bytes(), from)
                .await
                .expect("send");
        }
        seen
    });
    (addr, task)
}

#[tokio::test]
async fn options_over_udp_answered_200_is_returned_and_sent_from_the_sip_port() {
    let running = common::start(config()).await;
    let (peer, uas) = udp_peer(0, vec![StatusCode::OK]).await;
    let client = running.server.client();
    let response = client
        .send(options("udp-1"), Destination::udp(peer))
        .await
        .expect("a final response");
    assert_eq!(response.status(), StatusCode::OK);
    let seen = uas.await.expect("peer");
    let (from, request) = &seen[0];
    assert_eq!(*from, running.addr(), "sent from the listening UDP socket");
    let via = request.headers().top_via().expect("via");
    assert_eq!(&*via.transport, "UDP");
    assert_eq!(via.sent_by(), running.addr().to_string());
    assert!(via.has_rfc3261_branch());
    assert_eq!(via.rport(), Some(None));
    assert_eq!(request.headers().content_length().ok(), Some(0));
    running.stop().await;
}

#[tokio::test]
async fn a_peer_that_drops_the_first_two_requests_gets_retransmissions_and_answers() {
    let running = common::start(config()).await;
    let (peer, uas) = udp_peer(2, vec![StatusCode::OK]).await;
    let response = running
        .server
        .client()
        .send(options("udp-2"), Destination::udp(peer))
        .await
        .expect("a final response");
    assert_eq!(response.status(), StatusCode::OK);
    let seen = uas.await.expect("peer");
    assert_eq!(seen.len(), 3);
    let branches: Vec<_> = seen
        .iter()
        .map(|(_, r)| {
            r.headers()
                .top_via()
                .expect("via")
                .branch()
                .map(str::to_owned)
        })
        .collect();
    assert!(
        branches.iter().all(|b| *b == branches[0]),
        "retransmissions of one transaction"
    );
    running.stop().await;
}

#[tokio::test]
async fn a_401_after_a_provisional_response_is_delivered_as_the_final_response() {
    let running = common::start(config()).await;
    let (peer, _uas) = udp_peer(0, vec![StatusCode::TRYING, StatusCode::UNAUTHORIZED]).await;
    let response = running
        .server
        .client()
        .send(options("udp-3"), Destination::udp(peer))
        .await
        .expect("a final response");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    running.stop().await;
}

#[tokio::test]
async fn nobody_listening_over_udp_fails_within_timer_f() {
    let running = common::start(config()).await;
    let closed = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        s.local_addr().expect("addr")
    };
    let started = Instant::now();
    let outcome = running
        .server
        .client()
        .send(options("udp-4"), Destination::udp(closed))
        .await;
    let took = started.elapsed();
    assert!(
        matches!(
            outcome,
            Err(ClientError::Timeout | ClientError::Transport(_))
        ),
        "{outcome:?}"
    );
    assert!(
        took < Duration::from_millis(3200 + 1500),
        "timer F is 3.2 s, took {took:?}"
    );
    running.stop().await;
}

/// Reads one request (headers and Content-Length body) from a stream.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Request {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = parse_request(&buf[..end + 4]);
            let body = head.headers().content_length().unwrap_or(0) as usize;
            if buf.len() >= end + 4 + body {
                let rest = buf.split_off(end + 4 + body);
                let whole = std::mem::replace(buf, rest);
                return parse_request(&whole);
            }
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "the connection closed");
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::test]
async fn a_tcp_destination_is_answered_on_the_new_connection_which_is_reused() {
    let running = common::start(config()).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let peer = listener.local_addr().expect("addr");
    let uas = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut buf = Vec::new();
        let mut seen = Vec::new();
        for _ in 0..2 {
            let request = read_request(&mut stream, &mut buf).await;
            let ok = request.make_response(StatusCode::OK, Some("tcp"));
            stream.write_all(&ok.to_bytes()).await.expect("write");
            seen.push(request);
        }
        seen
    });
    let client = running.server.client();
    for call in ["tcp-1", "tcp-2"] {
        let response = client
            .send(options(call), Destination::tcp(peer))
            .await
            .expect("a final response");
        assert_eq!(response.status(), StatusCode::OK);
    }
    let seen = tokio::time::timeout(Duration::from_secs(5), uas)
        .await
        .expect("both requests on one connection")
        .expect("peer");
    let via = seen[0].headers().top_via().expect("via");
    assert_eq!(&*via.transport, "TCP");
    assert_eq!(via.port, Some(running.addr().port()), "our listening port");
    running.stop().await;
}

#[tokio::test]
async fn a_refused_tcp_connection_is_a_transport_error() {
    let running = common::start(config()).await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let outcome = running
        .server
        .client()
        .send(options("tcp-3"), Destination::tcp(closed))
        .await;
    assert!(
        matches!(outcome, Err(ClientError::Transport(_))),
        "{outcome:?}"
    );
    running.stop().await;
}

#[tokio::test]
async fn tls_without_a_client_configuration_is_unsupported() {
    let running = common::start(config()).await;
    let to = Destination {
        transport: sb_sip_dialog::locate::Transport::Tls,
        addr: "127.0.0.1:5061".parse().expect("addr"),
    };
    let outcome = running.server.client().send(options("tls-1"), to).await;
    assert!(
        matches!(outcome, Err(ClientError::Unsupported(_))),
        "{outcome:?}"
    );
    running.stop().await;
}

#[tokio::test]
async fn a_request_after_the_server_stopped_fails_with_stopped() {
    let running = common::start(config()).await;
    let client = running.server.client();
    running.stop().await;
    let outcome = client
        .send(
            options("gone"),
            Destination::udp("127.0.0.1:9".parse().expect("addr")),
        )
        .await;
    assert!(matches!(outcome, Err(ClientError::Stopped)), "{outcome:?}");
}

/// A TLS server for `127.0.0.1` (self-signed) and the roots that trust it.
fn tls_material() -> (std::sync::Arc<rustls::ServerConfig>, rustls::RootCertStore) {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("params")
        .self_signed(&key)
        .expect("certificate");
    let der = CertificateDer::from(cert.der().to_vec());
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let server = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![der.clone()],
            PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server config");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der).expect("root");
    (std::sync::Arc::new(server), roots)
}

#[tokio::test]
async fn a_tls_destination_is_answered_by_another_server_over_a_verified_connection() {
    let (server_tls, roots) = tls_material();
    let mut far = config();
    far.tls = Some(server_tls);
    far.tls_listen = Some("127.0.0.1:0".parse().expect("addr"));
    let far = common::start(far).await;
    let mut near = config();
    near.tls_client = Some(sb_sip_transport::tls_client_config(roots).expect("client config"));
    let near = common::start(near).await;
    let to = Destination {
        transport: sb_sip_dialog::locate::Transport::Tls,
        addr: far.server.local_tls_addr().expect("tls listener"),
    };
    let response = near
        .server
        .client()
        .send(options("tls-2"), to)
        .await
        .expect("a final response");
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the far server answers OPTIONS"
    );
    let via = response.headers().top_via().expect("via");
    assert_eq!(&*via.transport, "TLS");
    near.stop().await;
    far.stop().await;
}

#[tokio::test]
async fn a_tls_server_with_an_untrusted_certificate_is_a_transport_error() {
    let (server_tls, _) = tls_material();
    let (_, other_roots) = tls_material();
    let mut far = config();
    far.tls = Some(server_tls);
    far.tls_listen = Some("127.0.0.1:0".parse().expect("addr"));
    let far = common::start(far).await;
    let mut near = config();
    near.tls_client = Some(sb_sip_transport::tls_client_config(other_roots).expect("config"));
    let near = common::start(near).await;
    let to = Destination {
        transport: sb_sip_dialog::locate::Transport::Tls,
        addr: far.server.local_tls_addr().expect("tls listener"),
    };
    let outcome = near.server.client().send(options("tls-3"), to).await;
    assert!(
        matches!(outcome, Err(ClientError::Transport(_))),
        "{outcome:?}"
    );
    near.stop().await;
    far.stop().await;
}

#[tokio::test]
async fn an_invite_answered_200_is_delivered_and_the_callers_ack_reaches_the_peer() {
    let running = common::start(config()).await;
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let peer = socket.local_addr().expect("addr");
    let uas = tokio::spawn(async move {
        let mut buf = vec![0u8; 65_535];
        let (n, from) = socket.recv_from(&mut buf).await.expect("INVITE");
        let invite = parse_request(&buf[..n]);
        for status in [StatusCode::RINGING, StatusCode::OK] {
            let r = invite.make_response(status, Some("uas"));
            socket.send_to(&r.to_bytes(), from).await.expect("send");
        }
        loop {
            let (n, _) = socket.recv_from(&mut buf).await.expect("ACK");
            let r = parse_request(&buf[..n]);
            if *r.method() == sb_sip::Method::Ack {
                return r;
            }
        }
    });
    let client = running.server.client();
    let ok = client
        .send(build("INVITE", "inv-1"), Destination::udp(peer))
        .await
        .expect("a final response");
    assert_eq!(ok.status(), StatusCode::OK);
    let mut ack = build("ACK", "inv-1");
    ack.headers_mut().set(sb_sip::HeaderName::CSeq, "1 ACK");
    let to_tag = ok.headers().to().expect("To");
    ack.headers_mut().set(sb_sip::HeaderName::To, to_tag);
    client
        .send_ack(ack, Destination::udp(peer))
        .await
        .expect("ACK sent");
    let got = tokio::time::timeout(Duration::from_secs(3), uas)
        .await
        .expect("the ACK arrives")
        .expect("peer");
    assert_eq!(got.headers().call_id().ok(), Some("inv-1"));
    running.stop().await;
}
