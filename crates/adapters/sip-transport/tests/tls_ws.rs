//! SIP over TLS, WebSocket and secure WebSocket on real sockets: OPTIONS and digest REGISTER
//! on each, the `sip` sub-protocol requirement, WebSocket pings and idle close, bad TLS
//! handshakes closing only their own connection, and the negotiated cipher suites.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use rustls::crypto::aws_lc_rs::{self, cipher_suite as cs};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig, SupportedCipherSuite};
use sb_sip::{HeaderName, Message, ParseConfig, Response};
use sb_sip_dialog::digest::{Challenge, DigestClient};
use sb_sip_dialog::registrar::RegistrarEvent;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

const WAIT: Duration = Duration::from_secs(3);

/// The suites the node serves (DESIGN.md § 7): TLS 1.3 AES-GCM, TLS 1.2 ECDHE-RSA AES-GCM.
fn serving_suites() -> Vec<SupportedCipherSuite> {
    vec![
        cs::TLS13_AES_128_GCM_SHA256,
        cs::TLS13_AES_256_GCM_SHA384,
        cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ]
}

/// A server configuration with a fresh self-signed RSA certificate for `localhost`, and
/// the roots a client needs to trust it.
fn tls_material() -> (Arc<ServerConfig>, RootCertStore) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("RSA key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .expect("params")
        .self_signed(&key)
        .expect("certificate");
    let der = CertificateDer::from(cert.der().to_vec());
    let mut provider = aws_lc_rs::default_provider();
    provider.cipher_suites = serving_suites();
    let server = ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![der.clone()],
            PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server config");
    let mut roots = RootCertStore::empty();
    roots.add(der).expect("root");
    (Arc::new(server), roots)
}

/// A client trusting `roots`, limited to `versions` and (when given) `suites`.
fn client_config(
    roots: &RootCertStore,
    versions: &[&'static rustls::SupportedProtocolVersion],
    suites: Option<Vec<SupportedCipherSuite>>,
) -> Arc<ClientConfig> {
    let mut provider = aws_lc_rs::default_provider();
    if let Some(suites) = suites {
        provider.cipher_suites = suites;
    }
    let config = ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots.clone())
        .with_no_client_auth();
    Arc::new(config)
}

struct Setup {
    server: common::Running,
    client: Arc<ClientConfig>,
    roots: RootCertStore,
}

impl Setup {
    async fn start(tune: impl FnOnce(&mut sb_sip_transport::SipConfig)) -> Setup {
        let (tls, roots) = tls_material();
        let mut config = common::config();
        let any: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        config.tls_listen = Some(any);
        config.ws_listen = Some(any);
        config.wss_listen = Some(any);
        config.tls = Some(tls);
        tune(&mut config);
        let server = common::start(config).await;
        let versions = [&rustls::version::TLS12, &rustls::version::TLS13];
        let client = client_config(&roots, &versions, None);
        Setup {
            server,
            client,
            roots,
        }
    }

    fn tls_addr(&self) -> SocketAddr {
        self.server.server.local_tls_addr().expect("tls listener")
    }

    fn ws_addr(&self) -> SocketAddr {
        self.server.server.local_ws_addr().expect("ws listener")
    }

    fn wss_addr(&self) -> SocketAddr {
        self.server.server.local_wss_addr().expect("wss listener")
    }

    async fn tls(&self, addr: SocketAddr) -> TlsStream<TcpStream> {
        tls_connect(addr, self.client.clone())
            .await
            .expect("TLS handshake")
    }

    async fn link(&self, kind: &str) -> Link {
        match kind {
            "tls" => Link::Tls(Box::new(self.tls(self.tls_addr()).await)),
            "ws" => {
                let tcp = TcpStream::connect(self.ws_addr()).await.expect("connect");
                Link::Ws(Box::new(ws_connect(tcp, "ws").await))
            }
            _ => {
                let tls = self.tls(self.wss_addr()).await;
                Link::Wss(Box::new(ws_connect(tls, "wss").await))
            }
        }
    }
}

async fn tls_connect(
    addr: SocketAddr,
    client: Arc<ClientConfig>,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("localhost").expect("name");
    tokio::time::timeout(WAIT, TlsConnector::from(client).connect(name, tcp))
        .await
        .map_err(|_| std::io::Error::other("handshake timed out"))?
}

/// The opening handshake asking for the `sip` sub-protocol; checks the server chose it.
async fn ws_connect<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    scheme: &str,
) -> WebSocketStream<S> {
    let mut request = format!("{scheme}://localhost/")
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("sip"));
    let (ws, response) = tokio_tungstenite::client_async(request, stream)
        .await
        .expect("WebSocket handshake");
    assert_eq!(
        response
            .headers()
            .get("Sec-WebSocket-Protocol")
            .map(|v| v.as_bytes()),
        Some(&b"sip"[..])
    );
    ws
}

/// A SIP client connection over one of the three transports.
enum Link {
    Tls(Box<TlsStream<TcpStream>>),
    Ws(Box<WebSocketStream<TcpStream>>),
    Wss(Box<WebSocketStream<TlsStream<TcpStream>>>),
}

impl Link {
    fn local_port(&self) -> u16 {
        let tcp = match self {
            Link::Tls(s) => s.get_ref().0,
            Link::Ws(ws) => ws.get_ref(),
            Link::Wss(ws) => ws.get_ref().get_ref().0,
        };
        tcp.local_addr().expect("local").port()
    }

    /// The Via transport and sent-by: the socket address over TLS, an RFC 7118 `.invalid`
    /// name over WebSocket.
    fn via(&self) -> String {
        match self {
            Link::Tls(_) => format!("TLS 127.0.0.1:{}", self.local_port()),
            Link::Ws(_) => "WS df7jal23ls0d.invalid".to_owned(),
            Link::Wss(_) => "WSS df7jal23ls0d.invalid".to_owned(),
        }
    }

    fn contact(&self) -> String {
        match self {
            Link::Tls(_) => format!("sips:1001@127.0.0.1:{}", self.local_port()),
            Link::Ws(_) | Link::Wss(_) => "sip:1001@df7jal23ls0d.invalid;transport=ws".to_owned(),
        }
    }

    /// Sends a request, returns the first response.
    async fn exchange(&mut self, raw: &str) -> Response {
        let got = tokio::time::timeout(WAIT, async {
            match self {
                Link::Tls(s) => stream_exchange(s.as_mut(), raw).await,
                Link::Ws(ws) => ws_exchange(ws.as_mut(), raw).await,
                Link::Wss(ws) => ws_exchange(ws.as_mut(), raw).await,
            }
        })
        .await
        .expect("a response in time");
        match got {
            Message::Response(r) => r,
            Message::Request(r) => panic!("a request came back: {r:?}"),
        }
    }
}

async fn stream_exchange<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, raw: &str) -> Message {
    s.write_all(raw.as_bytes()).await.expect("write");
    s.flush().await.expect("flush");
    let parse = ParseConfig::default();
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 8192];
    loop {
        if let sb_sip::Frame::Message { len } = parse.frame(&buf) {
            return parse.parse_stream(buf[..len].to_vec()).expect("a response");
        }
        let n = s.read(&mut chunk).await.expect("read");
        assert!(n > 0, "closed before a response");
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn ws_exchange<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    raw: &str,
) -> Message {
    ws.send(WsMessage::text(raw)).await.expect("send");
    loop {
        match ws.next().await.expect("open").expect("frame") {
            WsMessage::Text(t) => {
                return ParseConfig::default()
                    .parse_datagram(t.as_bytes().to_vec())
                    .expect("a response");
            }
            WsMessage::Binary(_) => panic!("responses come as text frames"),
            _ => continue,
        }
    }
}

fn options(link: &Link, branch: &str) -> String {
    // No Content-Length: optional over WebSocket (RFC 7118 § 5), required over TLS.
    let length = match link {
        Link::Tls(_) => "Content-Length: 0\r\n",
        _ => "",
    };
    format!(
        "OPTIONS sip:{realm} SIP/2.0\r\nVia: SIP/2.0/{via};branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:probe@{realm}>;tag={branch}\r\nTo: <sip:{realm}>\r\n\
         Call-ID: {branch}\r\nCSeq: 1 OPTIONS\r\n{length}\r\n",
        realm = common::REALM,
        via = link.via(),
    )
}

fn register_raw(link: &Link, tag: &str, cseq: u32, auth: &str) -> String {
    format!(
        "REGISTER sip:{realm} SIP/2.0\r\nVia: SIP/2.0/{via};branch=z9hG4bK{tag}{cseq}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:1001@{realm}>;tag={tag}\r\nTo: <sip:1001@{realm}>\r\n\
         Call-ID: {tag}\r\nCSeq: {cseq} REGISTER\r\nContact: <{contact}>\r\n\
         Expires: 300\r\n{auth}Content-Length: 0\r\n\r\n",
        realm = common::REALM,
        via = link.via(),
        contact = link.contact(),
    )
}

/// REGISTER, answer the challenge with `password`: the final status.
async fn register(link: &mut Link, tag: &str, password: &str) -> u16 {
    let first = link.exchange(&register_raw(link, tag, 1, "")).await;
    assert_eq!(first.status().as_u16(), 401);
    let value = first
        .headers()
        .get(HeaderName::WwwAuthenticate)
        .expect("challenge");
    let challenge = Challenge::parse(value).expect("parses");
    let creds = DigestClient::new("1001", password)
        .authorize(
            &challenge,
            "REGISTER",
            &format!("sip:{}", common::REALM),
            "c0ffee",
        )
        .expect("authorize");
    let raw = register_raw(link, tag, 2, &format!("Authorization: {creds}\r\n"));
    link.exchange(&raw).await.status().as_u16()
}

#[tokio::test]
async fn options_over_tls_ws_and_wss_is_answered_200() {
    let setup = Setup::start(|_| {}).await;
    for kind in ["tls", "ws", "wss"] {
        let mut link = setup.link(kind).await;
        for i in 0..2 {
            let raw = options(&link, &format!("{kind}{i}"));
            let answer = link.exchange(&raw).await;
            assert_eq!(answer.status().as_u16(), 200, "{kind}");
            let via = answer.headers().top_via().expect("via");
            assert_eq!(
                via.transport.to_ascii_uppercase(),
                kind.to_ascii_uppercase()
            );
        }
    }
    setup.server.stop().await;
}

#[tokio::test]
async fn digest_register_over_tls_and_wss_binds_with_the_transport_as_source() {
    let setup = Setup::start(|_| {}).await;
    let mut expected = Vec::new();
    for kind in ["tls", "wss", "ws"] {
        let mut link = setup.link(kind).await;
        assert_eq!(
            register(&mut link, &format!("r-{kind}"), "secret").await,
            200,
            "{kind}"
        );
        expected.push(format!("{kind}:127.0.0.1:{}", link.local_port()));
        assert_eq!(
            register(&mut link, &format!("w-{kind}"), "wrong").await,
            401,
            "{kind}"
        );
    }
    let sources: Vec<String> = setup
        .server
        .sink
        .events()
        .into_iter()
        .filter_map(|e| match e {
            RegistrarEvent::Bound(b) => b.source,
            _ => None,
        })
        .collect();
    assert_eq!(sources, expected);
    setup.server.stop().await;
}

#[tokio::test]
async fn a_websocket_handshake_without_the_sip_subprotocol_is_refused() {
    let setup = Setup::start(|_| {}).await;
    for offered in [None, Some("chat, xmpp")] {
        let tcp = TcpStream::connect(setup.ws_addr()).await.expect("connect");
        let mut request = "ws://localhost/".into_client_request().expect("request");
        if let Some(p) = offered {
            let value = HeaderValue::from_str(p).expect("value");
            request
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", value);
        }
        let refused = tokio_tungstenite::client_async(request, tcp).await;
        match refused {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status().as_u16(), 400, "{offered:?}");
            }
            other => panic!(
                "handshake offering {offered:?} not refused: {:?}",
                other.map(|_| ())
            ),
        }
    }
    // The same over WSS, and a proper handshake still works afterwards.
    let tls = setup.tls(setup.wss_addr()).await;
    let request = "wss://localhost/".into_client_request().expect("request");
    let refused = tokio_tungstenite::client_async(request, tls).await;
    assert!(
        matches!(refused, Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status() == 400)
    );
    let mut link = setup.link("ws").await;
    let raw = options(&link, "after");
    assert_eq!(link.exchange(&raw).await.status().as_u16(), 200);
    setup.server.stop().await;
}

/// A TLS 1.1 ClientHello (record version 3.1, client_version 3.2, one CBC suite).
fn tls11_client_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x02];
    body.extend_from_slice(&[0x5a; 32]); // random
    body.push(0); // no session id
    body.extend_from_slice(&[0x00, 0x02, 0x00, 0x2f]); // TLS_RSA_WITH_AES_128_CBC_SHA
    body.extend_from_slice(&[0x01, 0x00]); // null compression
    let len = u8::try_from(body.len()).expect("short");
    let mut handshake = vec![0x01, 0x00, 0x00, len];
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01, 0x00, len + 4];
    record.extend_from_slice(&handshake);
    record
}

/// Sends `bytes` on a fresh connection and returns what came back before the server
/// closed it (it must close within 3 s).
async fn server_closes_after(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.write_all(bytes).await.expect("write");
    let mut back = Vec::new();
    let read = tokio::time::timeout(WAIT, tcp.read_to_end(&mut back)).await;
    assert!(read.is_ok(), "the server did not close the connection");
    back
}

#[tokio::test]
async fn a_tls_1_1_or_garbage_handshake_closes_only_that_connection() {
    let setup = Setup::start(|_| {}).await;
    let mut established = setup.link("tls").await;
    let raw = options(&established, "before");
    assert_eq!(established.exchange(&raw).await.status().as_u16(), 200);
    for addr in [setup.tls_addr(), setup.wss_addr()] {
        let back = server_closes_after(addr, &tls11_client_hello()).await;
        assert_ne!(
            back.first(),
            Some(&0x16),
            "no ServerHello for TLS 1.1: {back:?}"
        );
        let sip = options(&established, "plain");
        let back = server_closes_after(addr, sip.as_bytes()).await;
        assert_ne!(back.first(), Some(&0x16), "{back:?}");
        server_closes_after(addr, &[0xff; 300]).await;
    }
    let raw = options(&established, "after");
    assert_eq!(established.exchange(&raw).await.status().as_u16(), 200);
    let mut fresh = setup.link("tls").await;
    let raw = options(&fresh, "fresh");
    assert_eq!(fresh.exchange(&raw).await.status().as_u16(), 200);
    setup.server.stop().await;
}

#[tokio::test]
async fn tls_clients_get_only_the_allowed_aes_gcm_suites() {
    let setup = Setup::start(|_| {}).await;
    let allowed = serving_suites();
    // A TLS 1.2 client offering everything aws-lc-rs has (CHACHA20, ECDSA suites too).
    let tls12 = client_config(&setup.roots, &[&rustls::version::TLS12], None);
    let stream = tls_connect(setup.tls_addr(), tls12)
        .await
        .expect("TLS 1.2 handshake");
    let conn = stream.get_ref().1;
    assert_eq!(
        conn.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
    let suite = conn.negotiated_cipher_suite().expect("a suite");
    assert!(allowed.contains(&suite), "{suite:?}");
    // TLS 1.3 by default: AES-GCM.
    let stream = setup.tls(setup.tls_addr()).await;
    let conn = stream.get_ref().1;
    assert_eq!(
        conn.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    let suite = conn.negotiated_cipher_suite().expect("a suite");
    assert!(allowed.contains(&suite), "{suite:?}");
    // A TLS 1.2 client with only CHACHA20-POLY1305 gets no connection.
    let chacha = vec![cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256];
    let refused = client_config(&setup.roots, &[&rustls::version::TLS12], Some(chacha));
    assert!(tls_connect(setup.tls_addr(), refused).await.is_err());
    setup.server.stop().await;
}

#[tokio::test]
async fn websocket_connections_are_pinged_and_closed_when_silent() {
    let setup = Setup::start(|c| {
        c.ws_ping_interval = Duration::from_millis(100);
        c.tcp_idle_timeout = Duration::from_millis(600);
    })
    .await;
    let tcp = TcpStream::connect(setup.ws_addr()).await.expect("connect");
    let mut ws = ws_connect(tcp, "ws").await;
    // Silent: no reads, so no pongs go back.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (mut pings, mut closed) = (0, false);
    while let Ok(Some(frame)) = tokio::time::timeout(WAIT, ws.next()).await {
        match frame {
            Ok(WsMessage::Ping(_)) => pings += 1,
            Ok(WsMessage::Close(_)) | Err(_) => {
                closed = true;
                break;
            }
            Ok(_) => {}
        }
    }
    assert!(pings >= 2, "pings every 100 ms: {pings}");
    assert!(closed, "closed after the idle timeout");
    setup.server.stop().await;
}

#[tokio::test]
async fn a_websocket_that_answers_pings_stays_open() {
    let setup = Setup::start(|c| {
        c.ws_ping_interval = Duration::from_millis(100);
        c.tcp_idle_timeout = Duration::from_millis(600);
    })
    .await;
    let mut link = setup.link("ws").await;
    let Link::Ws(ws) = &mut link else {
        unreachable!()
    };
    // Reading answers the pings (tungstenite queues the pong and flushes it).
    let until = tokio::time::Instant::now() + Duration::from_millis(1500);
    while let Ok(Some(frame)) = tokio::time::timeout_at(until, ws.next()).await {
        assert!(matches!(frame, Ok(WsMessage::Ping(_))), "{frame:?}");
    }
    let raw = options(&link, "alive");
    assert_eq!(link.exchange(&raw).await.status().as_u16(), 200);
    setup.server.stop().await;
}

#[tokio::test]
async fn a_tls_listener_without_a_tls_configuration_is_refused_at_start() {
    for wss in [false, true] {
        let mut config = common::config();
        let any = Some("127.0.0.1:0".parse().expect("addr"));
        if wss {
            config.wss_listen = any;
        } else {
            config.tls_listen = any;
        }
        let deps = sb_sip_transport::SipDeps {
            credentials: Arc::new(sb_sip_transport::StaticCredentials::new()),
            bindings: Arc::new(sb_sip_transport::RecordingSink::default()),
            restore: Vec::new(),
            handler: None,
        };
        let cancel = tokio_util::sync::CancellationToken::new();
        let started = sb_sip_transport::SipServer::start(config, deps, cancel).await;
        let expected = if wss { "wss" } else { "tls" };
        assert!(
            matches!(started, Err(sb_sip_transport::Error::NoTlsConfig { transport }) if transport == expected),
            "{wss}"
        );
    }
}

#[tokio::test]
async fn websocket_binary_messages_are_sip_too_and_oversized_ones_close_the_connection() {
    let setup = Setup::start(|_| {}).await;
    let mut link = setup.link("ws").await;
    let raw = options(&link, "bin");
    let Link::Ws(ws) = &mut link else {
        unreachable!()
    };
    ws.send(WsMessage::binary(raw.into_bytes()))
        .await
        .expect("send");
    let answer = loop {
        match tokio::time::timeout(WAIT, ws.next()).await {
            Ok(Some(Ok(WsMessage::Text(t)))) => break t,
            Ok(Some(Ok(_))) => continue,
            other => panic!("no answer: {other:?}"),
        }
    };
    assert!(answer.starts_with("SIP/2.0 200 "), "{answer}");
    // One byte over the 64 KiB message limit.
    let big = format!("{}{}", options(&link, "big"), "x".repeat(64 * 1024));
    let Link::Ws(ws) = &mut link else {
        unreachable!()
    };
    let _ = ws.send(WsMessage::text(big)).await;
    let end = loop {
        match tokio::time::timeout(WAIT, ws.next()).await {
            Ok(Some(Ok(WsMessage::Text(t)))) => panic!("the oversized message was answered: {t}"),
            Ok(Some(Ok(WsMessage::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => break true,
            Ok(Some(Ok(_))) => continue,
            Err(_) => break false,
        }
    };
    assert!(end, "the connection was closed");
    setup.server.stop().await;
}

/// The next SIP request the server sends on `link` (answered 200), as text.
async fn serve_one(link: &mut Link) -> sb_sip::Request {
    let got = tokio::time::timeout(WAIT, async {
        match link {
            Link::Tls(s) => read_message(s.as_mut()).await,
            Link::Ws(ws) => next_ws_message(ws.as_mut()).await,
            Link::Wss(ws) => next_ws_message(ws.as_mut()).await,
        }
    })
    .await
    .expect("a request in time");
    let Message::Request(request) = got else {
        panic!("a response came instead of a request");
    };
    let ok = request.make_response(sb_sip::StatusCode::OK, Some("phone"));
    let raw = String::from_utf8(ok.to_bytes().to_vec()).expect("utf-8");
    match link {
        Link::Tls(s) => s.write_all(raw.as_bytes()).await.expect("write"),
        Link::Ws(ws) => ws.send(WsMessage::text(raw)).await.expect("send"),
        Link::Wss(ws) => ws.send(WsMessage::text(raw)).await.expect("send"),
    }
    request
}

async fn read_message<S: AsyncRead + Unpin>(s: &mut S) -> Message {
    let parse = ParseConfig::default();
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 8192];
    loop {
        if let sb_sip::Frame::Message { len } = parse.frame(&buf) {
            return parse.parse_stream(buf[..len].to_vec()).expect("a message");
        }
        let n = s.read(&mut chunk).await.expect("read");
        assert!(n > 0, "closed before a message");
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn next_ws_message<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
) -> Message {
    loop {
        let frame = ws.next().await.expect("open").expect("frame");
        if let WsMessage::Text(t) = frame {
            return ParseConfig::default()
                .parse_datagram(t.as_bytes().to_vec())
                .expect("a message");
        }
    }
}

#[tokio::test]
async fn requests_to_a_phone_connected_over_tls_ws_or_wss_go_back_over_its_own_connection() {
    let setup = Setup::start(|_| {}).await;
    let client = setup.server.server.client();
    for kind in ["tls", "ws", "wss"] {
        let mut link = setup.link(kind).await;
        // The server knows the connection once it has carried a request.
        let hello = options(&link, &format!("hello{kind}"));
        assert_eq!(link.exchange(&hello).await.status().as_u16(), 200);
        let phone = SocketAddr::from(([127, 0, 0, 1], link.local_port()));
        let raw = format!(
            "OPTIONS sip:1001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP x.invalid;branch=z9hG4bKq{kind}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:pbx@{realm}>;tag=s1\r\nTo: <sip:1001@{realm}>\r\n\
             Call-ID: back-{kind}\r\nCSeq: 1 OPTIONS\r\n\r\n",
            realm = common::REALM
        );
        let Ok(Message::Request(request)) = sb_sip::parse(raw.into_bytes()) else {
            panic!("test request");
        };
        // The destination names TLS (the registrar's record of a WSS source): the open
        // connection is used whatever it is, and no new connection is tried.
        let to = sb_sip_transport::Destination {
            transport: sb_sip_dialog::locate::Transport::Tls,
            addr: phone,
        };
        let sent = tokio::spawn({
            let client = client.clone();
            async move { client.send(request, to).await }
        });
        let seen = serve_one(&mut link).await;
        let via = seen.headers().top_via().expect("via");
        assert_eq!(
            via.transport.to_ascii_uppercase(),
            kind.to_ascii_uppercase()
        );
        let answer = sent.await.expect("task").expect("answered");
        assert_eq!(answer.status().as_u16(), 200, "{kind}");
    }
    setup.server.stop().await;
}
