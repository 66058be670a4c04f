//! Connections we open for client transactions (TCP, TLS), off the server loop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use sb_sip_dialog::locate::Transport as LocateTransport;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Which connection a destination needs: transport and address.
pub(crate) type Key = (LocateTransport, SocketAddr);

/// An opened connection, ready to be served.
pub(crate) enum Opened {
    Tcp(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// The outcome of [`connect`], for the server loop.
pub(crate) struct Connected {
    pub key: Key,
    /// The stream and our local address on it, or why it failed.
    pub result: Result<(Opened, SocketAddr), String>,
}

/// Opens a TCP connection to `key.1` (and runs the TLS handshake for TLS, the server name
/// being the IP address), all within `limit`.
pub(crate) async fn connect(
    key: Key,
    tls: Option<Arc<rustls::ClientConfig>>,
    limit: Duration,
) -> Connected {
    let result = match tokio::time::timeout(limit, open(key, tls)).await {
        Ok(r) => r,
        Err(_) => Err(format!("connecting to {} timed out", key.1)),
    };
    Connected { key, result }
}

async fn open(
    (transport, addr): Key,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<(Opened, SocketAddr), String> {
    let tcp = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let local = tcp
        .local_addr()
        .map_err(|e| format!("connection to {addr}: {e}"))?;
    match (transport, tls) {
        (LocateTransport::Tls, Some(config)) => {
            let name = ServerName::IpAddress(addr.ip().into());
            let stream = TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS handshake with {addr} failed: {e}"))?;
            Ok((Opened::Tls(Box::new(stream)), local))
        }
        (LocateTransport::Tls, None) => Err("no TLS client configuration".into()),
        _ => Ok((Opened::Tcp(tcp), local)),
    }
}

/// Our address as seen on the route to `to`, when we listen on an unspecified address: the
/// kernel picks the source address for a connected UDP socket (no packet is sent).
pub(crate) fn local_ip_towards(listen: SocketAddr, to: SocketAddr) -> SocketAddr {
    if !listen.ip().is_unspecified() {
        return listen;
    }
    let any: SocketAddr = if to.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    std::net::UdpSocket::bind(any)
        .and_then(|s| s.connect(to).and_then(|()| s.local_addr()))
        .map(|a| SocketAddr::new(a.ip(), listen.port()))
        .unwrap_or(listen)
}

/// A TLS client configuration for `sip.tls_client` with the outbound policy of DESIGN.md § 7:
/// aws-lc-rs, TLS 1.2 and 1.3, TLS 1.3 AES-GCM suites and the TLS 1.2 ECDHE ECDSA/RSA
/// AES-GCM suites only; servers are verified against `roots`.
pub fn tls_client_config(
    roots: rustls::RootCertStore,
) -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    use rustls::crypto::aws_lc_rs::{self, cipher_suite as cs};
    let mut provider = aws_lc_rs::default_provider();
    provider.cipher_suites = vec![
        cs::TLS13_AES_128_GCM_SHA256,
        cs::TLS13_AES_256_GCM_SHA384,
        cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ];
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
