//! One connection (TCP, TLS, WS, WSS): the handshakes, then frame what is read, write what
//! the endpoint sends, answer keep-alives, close when idle.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use sb_sip::ParseConfig;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::peer::{ConnId, Peer, Transport};
use crate::stream::{PONG, StreamDecoder, StreamItem};

/// The longest a TLS or WebSocket handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A write (a response, a pong, a WebSocket ping) blocked this long by a peer that does not
/// read ends the connection.
pub(crate) const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest a graceful close (TLS close_notify, WebSocket Close) may take.
pub(crate) const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// What connections tell the server task.
pub(crate) enum Inbound {
    /// One framed message.
    Message(Peer, Bytes),
    /// The connection is gone.
    Closed(ConnId),
}

pub(crate) struct Connection {
    pub id: ConnId,
    /// Which transport, with `id`.
    pub transport: Transport,
    pub addr: SocketAddr,
    pub parse: ParseConfig,
    pub idle: Duration,
    pub ws_ping: Duration,
    pub inbound: mpsc::Sender<Inbound>,
    pub outbound: mpsc::Receiver<Bytes>,
    pub cancel: CancellationToken,
}

impl Connection {
    /// Runs the handshakes of the transport (TLS, WebSocket), then the connection, until the
    /// peer closes, the stream breaks, a handshake fails, it idles out or the server stops;
    /// then tells the server. `tls` is there when the transport needs it.
    pub(crate) async fn serve(self, tcp: TcpStream, tls: Option<TlsAcceptor>) {
        let (id, inbound, cancel) = (self.id, self.inbound.clone(), self.cancel.clone());
        match (self.transport, tls) {
            (Transport::Tcp(_), _) => self.run_stream(tcp).await,
            (Transport::Ws(_), _) => {
                let parse = self.parse.clone();
                if let Some(ws) = handshake(&cancel, crate::ws::accept(tcp, &parse)).await {
                    self.run_ws(ws).await;
                }
            }
            (Transport::Tls(_), Some(tls)) => {
                if let Some(stream) = handshake(&cancel, tls.accept(tcp)).await {
                    self.run_stream(stream).await;
                }
            }
            (Transport::Wss(_), Some(tls)) => {
                let parse = self.parse.clone();
                let secured = handshake(&cancel, tls.accept(tcp)).await;
                let ws = match secured {
                    Some(stream) => handshake(&cancel, crate::ws::accept(stream, &parse)).await,
                    None => None,
                };
                if let Some(ws) = ws {
                    self.run_ws(ws).await;
                }
            }
            _ => {}
        }
        let _ = inbound.send(Inbound::Closed(id)).await;
    }

    /// Runs a connection we opened (TCP, or TLS after the client handshake) until it ends,
    /// then tells the server.
    pub(crate) async fn serve_stream<S: AsyncRead + AsyncWrite + Unpin>(self, stream: S) {
        let (id, inbound) = (self.id, self.inbound.clone());
        self.run_stream(stream).await;
        let _ = inbound.send(Inbound::Closed(id)).await;
    }

    /// A byte stream (TCP, TLS): SIP framed by Content-Length, CRLF keep-alives.
    async fn run_stream<S: AsyncRead + AsyncWrite + Unpin>(mut self, mut stream: S) {
        let mut decoder = StreamDecoder::new(self.parse.clone(), format!("c{}", self.id.0));
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let read = tokio::select! {
                _ = self.cancel.cancelled() => break,
                out = self.outbound.recv() => match out {
                    Some(data) if write(&mut stream, &data).await => continue,
                    _ => break,
                },
                r = tokio::time::timeout(self.idle, stream.read(&mut buf)) => r,
            };
            let n = match read {
                Ok(Ok(n)) if n > 0 => n,
                _ => break,
            };
            decoder.push(buf.get(..n).unwrap_or(&[]));
            if !self.drain(&mut decoder, &mut stream).await {
                break;
            }
        }
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, stream.shutdown()).await;
    }

    /// Hands framed messages over; false when the connection must close.
    async fn drain<S: AsyncWrite + Unpin>(
        &self,
        decoder: &mut StreamDecoder,
        stream: &mut S,
    ) -> bool {
        let peer = self.peer();
        while let Some(item) = decoder.next_item() {
            let ok = match item {
                StreamItem::Message(m) => {
                    self.inbound.send(Inbound::Message(peer, m)).await.is_ok()
                }
                StreamItem::Ping => write(stream, PONG).await,
                StreamItem::Fatal { reply } => {
                    if let Some(r) = reply {
                        let _ = write(stream, &r).await;
                    }
                    false
                }
            };
            if !ok {
                return false;
            }
        }
        true
    }

    pub(crate) fn peer(&self) -> Peer {
        Peer {
            transport: self.transport,
            addr: self.addr,
        }
    }
}

/// Writes and flushes (a TLS stream buffers until flushed); false after an error or
/// [`WRITE_TIMEOUT`].
async fn write<S: AsyncWrite + Unpin>(stream: &mut S, data: &[u8]) -> bool {
    let written = async { stream.write_all(data).await.and(stream.flush().await) };
    matches!(
        tokio::time::timeout(WRITE_TIMEOUT, written).await,
        Ok(Ok(()))
    )
}

/// A handshake, given up after [`HANDSHAKE_TIMEOUT`] or when the server stops.
async fn handshake<T, E: std::fmt::Display>(
    cancel: &CancellationToken,
    step: impl Future<Output = Result<T, E>>,
) -> Option<T> {
    let outcome = tokio::select! {
        _ = cancel.cancelled() => return None,
        r = tokio::time::timeout(HANDSHAKE_TIMEOUT, step) => r,
    };
    match outcome {
        Ok(Ok(done)) => Some(done),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "SIP connection handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!("SIP connection handshake timed out");
            None
        }
    }
}
