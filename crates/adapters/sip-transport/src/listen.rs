//! The listening sockets: UDP and TCP on one port, the TLS, WS and WSS listeners, and the
//! accept loops that hand connections to the server task.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::SipConfig;
use crate::error::Error;
use crate::peer::{ConnId, Transport};

/// The kind of a stream listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Tcp,
    Tls,
    Ws,
    Wss,
}

impl Kind {
    pub(crate) fn transport(self, id: ConnId) -> Transport {
        match self {
            Kind::Tcp => Transport::Tcp(id),
            Kind::Tls => Transport::Tls(id),
            Kind::Ws => Transport::Ws(id),
            Kind::Wss => Transport::Wss(id),
        }
    }
}

/// Accepted connections on their way to the loop.
pub(crate) type Accepted = (TcpStream, SocketAddr, Kind);

/// Binds the TLS, WS and WSS listeners that are configured: the listeners, and the bound
/// addresses of TLS, WS and WSS (`None` when not configured).
pub(crate) async fn bind_streams(
    config: &SipConfig,
) -> Result<(Vec<(TcpListener, Kind)>, [Option<SocketAddr>; 3]), Error> {
    let mut listeners = Vec::new();
    let mut bound = [None; 3];
    let wanted = [
        ("tls", config.tls_listen, Kind::Tls),
        ("ws", config.ws_listen, Kind::Ws),
        ("wss", config.wss_listen, Kind::Wss),
    ];
    for ((transport, listen, kind), slot) in wanted.into_iter().zip(&mut bound) {
        let Some(addr) = listen else { continue };
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind {
                transport,
                addr,
                source,
            })?;
        *slot = Some(listener.local_addr()?);
        listeners.push((listener, kind));
    }
    Ok((listeners, bound))
}

pub(crate) async fn bind(listen: SocketAddr) -> Result<(UdpSocket, TcpListener), Error> {
    let mut last = None;
    for _ in 0..16 {
        let udp = UdpSocket::bind(listen)
            .await
            .map_err(|source| Error::Bind {
                transport: "udp",
                addr: listen,
                source,
            })?;
        let port = udp.local_addr()?.port();
        match TcpListener::bind(SocketAddr::new(listen.ip(), port)).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if listen.port() == 0 => last = Some(e),
            Err(source) => return Err(bind_error(listen, source)),
        }
    }
    let source = last.unwrap_or_else(|| std::io::Error::other("no free port"));
    Err(bind_error(listen, source))
}

fn bind_error(addr: SocketAddr, source: std::io::Error) -> Error {
    Error::Bind {
        transport: "tcp",
        addr,
        source,
    }
}

/// Accepts connections for the loop; after an error (out of file descriptors) it pauses
/// 100 ms instead of spinning.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    kind: Kind,
    to_loop: mpsc::Sender<Accepted>,
    cancel: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            _ = cancel.cancelled() => return,
            r = listener.accept() => r,
        };
        match accepted {
            Ok((stream, addr)) => {
                if to_loop.send((stream, addr, kind)).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, ?kind, "SIP accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}
