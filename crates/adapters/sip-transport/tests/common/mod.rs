//! Shared helpers: start a server on 127.0.0.1 port 0, talk to it over UDP from Rust.
#![allow(dead_code)]

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use sb_sip::{HeaderName, Message, Response};
use sb_sip_dialog::digest::{Algorithm, Challenge, DigestClient};
use sb_sip_transport::{RecordingSink, SipConfig, SipDeps, SipServer, StaticCredentials};
use tokio_util::sync::CancellationToken;

pub const REALM: &str = "sb.test";

pub struct Running {
    pub server: SipServer,
    pub cancel: CancellationToken,
    pub sink: Arc<RecordingSink>,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    pub async fn stop(self) {
        self.cancel.cancel();
        tokio::time::timeout(Duration::from_secs(5), self.server.wait())
            .await
            .expect("the server stops within 5 s")
            .expect("cleanly");
    }
}

/// A config for tests: MD5 only (SIPp's `[authentication]` computes MD5 digests).
pub fn config() -> SipConfig {
    let mut c = SipConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        REALM,
        b"test-secret".to_vec(),
    );
    c.algorithms = vec![Algorithm::Md5];
    c
}

pub async fn start(config: SipConfig) -> Running {
    start_with(config, None).await
}

/// Starts a server whose only user is 1001 with password `secret` in [`REALM`].
pub async fn start_with(
    config: SipConfig,
    handler: Option<Arc<dyn sb_sip_transport::RequestHandler>>,
) -> Running {
    start_with_users(config, handler, &[("1001", "secret")]).await
}

/// A blocking UDP client (run it inside `spawn_blocking`).
pub struct Client {
    pub socket: UdpSocket,
    pub server: SocketAddr,
}

impl Client {
    pub fn new(server: SocketAddr) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        Client { socket, server }
    }

    pub fn port(&self) -> u16 {
        self.socket.local_addr().expect("local").port()
    }

    /// Sends `raw` and waits for a response whose Call-ID is `call_id` (retrying a few times).
    pub fn exchange(&self, raw: &str, call_id: &str) -> Option<Response> {
        for _ in 0..5 {
            self.socket
                .send_to(raw.as_bytes(), self.server)
                .expect("send");
            if let Some(r) = self.wait_for(call_id) {
                return Some(r);
            }
        }
        None
    }

    fn wait_for(&self, call_id: &str) -> Option<Response> {
        let mut buf = vec![0u8; 65_535];
        while let Ok(n) = self.socket.recv(&mut buf) {
            if let Ok(Message::Response(r)) = sb_sip::parse(buf[..n].to_vec())
                && r.headers().call_id().ok() == Some(call_id)
                && r.status().is_final()
            {
                return Some(r);
            }
        }
        None
    }

    pub fn options(&self, tag: &str) -> Option<Response> {
        let raw = format!(
            "OPTIONS sip:{REALM} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{tag}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:probe@{REALM}>;tag={tag}\r\nTo: <sip:{REALM}>\r\n\
             Call-ID: {tag}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
            port = self.port()
        );
        self.exchange(&raw, tag)
    }

    fn register_raw(&self, tag: &str, cseq: u32, auth: &str) -> String {
        format!(
            "REGISTER sip:{REALM} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{tag}{cseq}\r\n\
             Max-Forwards: 70\r\nFrom: <sip:1001@{REALM}>;tag={tag}\r\nTo: <sip:1001@{REALM}>\r\n\
             Call-ID: {tag}\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:1001@127.0.0.1:{port}>\r\n\
             Expires: 300\r\n{auth}Content-Length: 0\r\n\r\n",
            port = self.port()
        )
    }

    /// The text of a REGISTER for 1001 from this client (`auth`: an `Authorization: …\r\n`
    /// line or nothing).
    pub fn register_request(&self, tag: &str, cseq: u32, auth: &str) -> String {
        self.register_raw(tag, cseq, auth)
    }

    /// REGISTER, answer the challenge with `password`: the final status.
    pub fn register(&self, tag: &str, password: &str) -> Option<u16> {
        let first = self.exchange(&self.register_raw(tag, 1, ""), tag)?;
        let value = first.headers().get(HeaderName::WwwAuthenticate)?.to_owned();
        let challenge = Challenge::parse(&value).ok()?;
        let creds = DigestClient::new("1001", password)
            .authorize(&challenge, "REGISTER", &format!("sip:{REALM}"), "c0ffee")
            .ok()?;
        let raw = self.register_raw(tag, 2, &format!("Authorization: {creds}\r\n"));
        Some(self.exchange(&raw, tag)?.status().as_u16())
    }
}

/// Starts a server whose credentials are `users` (name, password) in [`REALM`].
pub async fn start_with_users(
    config: SipConfig,
    handler: Option<Arc<dyn sb_sip_transport::RequestHandler>>,
    users: &[(&str, &str)],
) -> Running {
    let sink = Arc::new(RecordingSink::default());
    let credentials = users
        .iter()
        .fold(StaticCredentials::new(), |c, (user, password)| {
            c.with_password(REALM, user, password)
        });
    let deps = SipDeps {
        credentials: Arc::new(credentials),
        bindings: sink.clone(),
        restore: Vec::new(),
        handler,
    };
    let cancel = CancellationToken::new();
    let server = SipServer::start(config, deps, cancel.clone())
        .await
        .expect("server starts");
    Running {
        server,
        cancel,
        sink,
    }
}

/// Whether `program` runs (`program arg`); without it the calling test fails under CI and
/// is skipped elsewhere (printing SKIPPED with `install`).
pub fn tool_available(program: &str, arg: &str, install: &str) -> bool {
    let found = std::process::Command::new(program)
        .arg(arg)
        .stdin(std::process::Stdio::null())
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is required under CI ({install})"
        );
        eprintln!("SKIPPED: {program} not installed ({install})");
    }
    found
}

/// A local port free for both UDP and TCP right now (for tools that need a fixed port).
pub fn free_port() -> u16 {
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind tcp");
        let port = tcp.local_addr().expect("local addr").port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A fresh empty directory under the system temp dir (the caller removes it).
pub fn scratch_dir(prefix: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
