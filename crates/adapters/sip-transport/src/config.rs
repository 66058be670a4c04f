//! Settings of the SIP endpoint and its listeners.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use sb_sip::ParseConfig;
use sb_sip_dialog::digest::{Algorithm, BanPolicy};
use sb_sip_dialog::registrar::RegistrarConfig;
use sb_sip_dialog::transaction::TimerConfig;

use crate::rate::RateLimit;

/// What a banned source (too many failed authentications) gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanAnswer {
    /// Nothing at all: the scanner learns nothing (default).
    Drop,
    /// `403 Forbidden`.
    Forbidden,
}

/// The SIP endpoint's configuration (`sip.*` in the node configuration).
#[derive(Debug, Clone)]
pub struct SipConfig {
    /// `sip.listen`: one address for both UDP and TCP; port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// SIP over TLS (SIPS, usually port 5061); needs `tls`.
    pub tls_listen: Option<SocketAddr>,
    /// SIP over WebSocket (RFC 7118, sub-protocol `sip`), plain.
    pub ws_listen: Option<SocketAddr>,
    /// SIP over secure WebSocket; needs `tls`.
    pub wss_listen: Option<SocketAddr>,
    /// The TLS server settings (certificate, versions, cipher suites) for `tls_listen` and
    /// `wss_listen`, built by the caller.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The TLS client settings (roots, versions, cipher suites) for requests sent over TLS
    /// ([`crate::SipClient`]); without it, TLS destinations are refused with
    /// [`crate::ClientError::Unsupported`]. The server name checked is the destination's IP
    /// address.
    pub tls_client: Option<Arc<rustls::ClientConfig>>,
    /// How often every phone registered over UDP gets a CRLF keep-alive (RFC 5626 § 4.4.1) at
    /// its source address, holding its NAT pinhole open for the calls we send it (DESIGN.md
    /// § 7: 24–29 s); `None`: never.
    pub udp_keepalive: Option<Duration>,
    /// How often a WebSocket connection is pinged (RFC 6455 § 5.5.2) to keep NATs open and
    /// to see that the browser is still there.
    pub ws_ping_interval: Duration,
    /// The default digest realm (the SIP domain); the only one unless `realm_per_domain`.
    pub realm: String,
    /// Multi-tenant realms: a REGISTER is challenged and verified in the realm named by the
    /// first DNS label of its To host ([`crate::realm_of_host`]: `sip:1001@acme.pbx.example.com`
    /// → `acme`); IP literals and the default realm's own name use `realm`.
    pub realm_per_domain: bool,
    /// Key of the stateless nonces; share it between nodes and keep it across restarts.
    pub nonce_secret: Vec<u8>,
    /// Digest algorithms offered, strongest first.
    pub algorithms: Vec<Algorithm>,
    /// Registrar limits.
    pub registrar: RegistrarConfig,
    /// Failed authentications before a ban, and its length.
    pub ban: BanPolicy,
    /// What a banned source gets.
    pub ban_answer: BanAnswer,
    /// Per-source request rate; excess datagrams and messages are dropped unanswered.
    pub rate: RateLimit,
    /// When false, only REGISTER is answered for sources that are neither `trusted` nor
    /// authenticated recently: scanners probing with OPTIONS or INVITE get silence.
    pub answer_unknown_sources: bool,
    /// How long a source that authenticated stays known.
    pub known_source_ttl: Duration,
    /// Networks always treated as known (trunks, the front proxy).
    pub trusted: Vec<IpNet>,
    /// Message size and header limits.
    pub parse: ParseConfig,
    /// Transaction timers (T1, T2, T4…).
    pub timers: TimerConfig,
    /// Most live server transactions; beyond, new requests get 503.
    pub max_transactions: usize,
    /// Most REGISTERs waiting for their credentials lookup; beyond, 503.
    pub max_pending_lookups: usize,
    /// Most open connections (TCP, TLS, WS, WSS together); later ones are refused.
    pub max_connections: usize,
    /// A connection (TCP, TLS, WS, WSS) silent this long is closed (keep-alives and
    /// WebSocket pongs count as traffic).
    pub tcp_idle_timeout: Duration,
}

impl SipConfig {
    /// Defaults for `listen` and `realm` with a given nonce secret.
    pub fn new(listen: SocketAddr, realm: impl Into<String>, nonce_secret: Vec<u8>) -> Self {
        SipConfig {
            listen,
            tls_listen: None,
            ws_listen: None,
            wss_listen: None,
            tls: None,
            tls_client: None,
            ws_ping_interval: Duration::from_secs(25),
            udp_keepalive: Some(Duration::from_secs(25)),
            realm: realm.into(),
            realm_per_domain: false,
            nonce_secret,
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
            registrar: RegistrarConfig::default(),
            ban: BanPolicy::default(),
            ban_answer: BanAnswer::Drop,
            rate: RateLimit::default(),
            answer_unknown_sources: true,
            known_source_ttl: Duration::from_secs(3600),
            trusted: Vec::new(),
            parse: ParseConfig::default(),
            timers: TimerConfig::default(),
            max_transactions: 50_000,
            max_pending_lookups: 1024,
            max_connections: 4096,
            tcp_idle_timeout: Duration::from_secs(300),
        }
    }
}
