//! One TCP connection: frame what is read, write what the endpoint sends, answer pings.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use sb_sip::ParseConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::peer::{ConnId, Peer};
use crate::stream::{PONG, StreamDecoder, StreamItem};

/// What connections tell the server task.
pub(crate) enum Inbound {
    /// One framed message.
    Message(Peer, Bytes),
    /// The connection is gone.
    Closed(ConnId),
}

pub(crate) struct Connection {
    pub id: ConnId,
    pub addr: SocketAddr,
    pub parse: ParseConfig,
    pub idle: Duration,
    pub inbound: mpsc::Sender<Inbound>,
    pub outbound: mpsc::Receiver<Bytes>,
    pub cancel: CancellationToken,
}

impl Connection {
    /// Runs until the peer closes, the stream breaks, it idles out or the server stops.
    pub(crate) async fn run(mut self, mut stream: TcpStream) {
        let mut decoder = StreamDecoder::new(self.parse.clone(), format!("c{}", self.id.0));
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let read = tokio::select! {
                _ = self.cancel.cancelled() => break,
                out = self.outbound.recv() => match out {
                    Some(data) if stream.write_all(&data).await.is_ok() => continue,
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
        let _ = stream.shutdown().await;
        let _ = self.inbound.send(Inbound::Closed(self.id)).await;
    }

    /// Hands framed messages over; false when the connection must close.
    async fn drain(&self, decoder: &mut StreamDecoder, stream: &mut TcpStream) -> bool {
        let peer = Peer::tcp(self.id, self.addr);
        while let Some(item) = decoder.next_item() {
            let ok = match item {
                StreamItem::Message(m) => {
                    self.inbound.send(Inbound::Message(peer, m)).await.is_ok()
                }
                StreamItem::Ping => stream.write_all(PONG).await.is_ok(),
                StreamItem::Fatal { reply } => {
                    if let Some(r) = reply {
                        let _ = stream.write_all(&r).await;
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
}
