//! The driver over real sockets: TCP framing and keep-alives, UDP errors, shutdown.

mod common;

use std::time::Duration;

use std::sync::Arc;

use sb_sip::{Method, StatusCode};
use sb_sip_transport::{RequestHandler, Responder, ServerRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

fn options(transport: &str, branch: &str) -> String {
    format!(
        "OPTIONS sip:sb.test SIP/2.0\r\nVia: SIP/2.0/{transport} 127.0.0.1:9;branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:a@sb.test>;tag=1\r\nTo: <sip:sb.test>\r\nCall-ID: {branch}\r\n\
         CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    )
}

/// Reads until `count` occurrences of `needle` were seen (or 3 s passed).
async fn read_until(stream: &mut TcpStream, needle: &str, count: usize) -> String {
    let mut text = String::new();
    let mut buf = vec![0u8; 8192];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while text.matches(needle).count() < count {
        let read = tokio::time::timeout_at(deadline, stream.read(&mut buf)).await;
        match read {
            Ok(Ok(n)) if n > 0 => text.push_str(&String::from_utf8_lossy(&buf[..n])),
            _ => break,
        }
    }
    text
}

#[tokio::test]
async fn tcp_carries_pipelined_requests_and_answers_pings_on_the_same_connection() {
    let server = common::start(common::config()).await;
    let mut tcp = TcpStream::connect(server.addr()).await.expect("connect");
    let two = format!("{}{}", options("TCP", "p1"), options("TCP", "p2"));
    tcp.write_all(two.as_bytes()).await.expect("write");
    let answers = read_until(&mut tcp, "SIP/2.0 200 OK", 2).await;
    assert_eq!(answers.matches("SIP/2.0 200 OK").count(), 2, "{answers}");
    tcp.write_all(b"\r\n\r\n").await.expect("ping");
    let mut pong = [0u8; 2];
    tokio::time::timeout(Duration::from_secs(3), tcp.read_exact(&mut pong))
        .await
        .expect("pong in time")
        .expect("pong");
    assert_eq!(&pong, b"\r\n");
    server.stop().await;
}

#[tokio::test]
async fn tcp_without_content_length_gets_400_and_is_closed() {
    let server = common::start(common::config()).await;
    let mut tcp = TcpStream::connect(server.addr()).await.expect("connect");
    let raw = options("TCP", "n1").replace("Content-Length: 0\r\n", "");
    tcp.write_all(raw.as_bytes()).await.expect("write");
    let mut all = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), tcp.read_to_end(&mut all))
        .await
        .expect("closed in time")
        .expect("read");
    assert!(
        all.starts_with(b"SIP/2.0 400 "),
        "{}",
        String::from_utf8_lossy(&all)
    );
    server.stop().await;
}

#[tokio::test]
async fn udp_malformed_request_gets_400_and_the_server_keeps_serving() {
    let server = common::start(common::config()).await;
    let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let port = udp.local_addr().expect("local").port();
    let bad = options("UDP", "m1")
        .replace("127.0.0.1:9", &format!("127.0.0.1:{port}"))
        .replace("Max-Forwards: 70", "Max-Forwards: seventy");
    udp.send_to(bad.as_bytes(), server.addr())
        .await
        .expect("send");
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(3), udp.recv(&mut buf))
        .await
        .expect("answer in time")
        .expect("recv");
    assert!(buf[..n].starts_with(b"SIP/2.0 400 "));
    let good = options("UDP", "m2").replace("127.0.0.1:9", &format!("127.0.0.1:{port}"));
    udp.send_to(good.as_bytes(), server.addr())
        .await
        .expect("send");
    let n = tokio::time::timeout(Duration::from_secs(3), udp.recv(&mut buf))
        .await
        .expect("answer in time")
        .expect("recv");
    assert!(buf[..n].starts_with(b"SIP/2.0 200 "));
    server.stop().await;
}

#[tokio::test]
async fn cancelling_stops_the_server_and_closes_connections() {
    let server = common::start(common::config()).await;
    let mut tcp = TcpStream::connect(server.addr()).await.expect("connect");
    tcp.write_all(options("TCP", "c1").as_bytes())
        .await
        .expect("write");
    read_until(&mut tcp, "SIP/2.0 200 OK", 1).await;
    let addr = server.addr();
    server.stop().await;
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(3), tcp.read_to_end(&mut rest)).await;
    assert!(
        matches!(closed, Ok(Ok(0))),
        "the connection was closed: {closed:?}"
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "nothing listens any more"
    );
}

/// Answers every INVITE from another task: 180 at once, 486 a little later.
struct Busy;

impl RequestHandler for Busy {
    fn methods(&self) -> Vec<Method> {
        vec![Method::Invite]
    }

    fn on_request(&self, request: ServerRequest, responder: Responder) {
        tokio::spawn(async move {
            let ringing = request
                .request
                .make_response(StatusCode::RINGING, Some("h1"));
            responder.respond(ringing);
            tokio::time::sleep(Duration::from_millis(50)).await;
            responder.respond(
                request
                    .request
                    .make_response(StatusCode::BUSY_HERE, Some("h1")),
            );
        });
    }
}

#[tokio::test]
async fn an_invite_is_handed_to_the_handler_and_its_answers_go_out_on_the_transaction() {
    let server = common::start_with(common::config(), Some(Arc::new(Busy))).await;
    let mut tcp = TcpStream::connect(server.addr()).await.expect("connect");
    let invite = options("TCP", "i1").replace("OPTIONS", "INVITE");
    tcp.write_all(invite.as_bytes()).await.expect("write");
    let got = read_until(&mut tcp, "SIP/2.0 486", 1).await;
    let ringing = got.find("SIP/2.0 180").expect("180 first");
    let busy = got.find("SIP/2.0 486").expect("then 486");
    assert!(ringing < busy, "{got}");
    server.stop().await;
}
