//! The connection under both protocols: TCP, optionally wrapped in TLS.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::ClientConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::{EmailError, ServerSettings, tls};

/// A TCP stream, plain or after a TLS handshake.
pub enum MailStream {
    /// Not encrypted (yet).
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
}

impl std::fmt::Debug for MailStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Plain(_) => "MailStream::Plain",
            Self::Tls(_) => "MailStream::Tls",
        })
    }
}

impl MailStream {
    /// Opens the TCP connection to the configured host and port.
    pub(crate) async fn connect(server: &ServerSettings) -> Result<Self, EmailError> {
        Self::connect_to(&server.host, server.port, server.timeout).await
    }

    /// Opens a TCP connection to `host:port`, waiting at most `timeout`.
    pub(crate) async fn connect_to(
        host: &str,
        port: u16,
        timeout: Duration,
    ) -> Result<Self, EmailError> {
        let tcp = within(timeout, "connecting", TcpStream::connect((host, port)))
            .await?
            .map_err(|source| EmailError::Connect {
                host: host.to_owned(),
                port,
                source,
            })?;
        // Best effort: lower latency for the small command/response exchanges.
        let _ = tcp.set_nodelay(true);
        Ok(Self::Plain(tcp))
    }

    /// Runs the TLS handshake over a plain stream (implicit TLS or after STLS/STARTTLS).
    pub(crate) async fn upgrade(self, server: &ServerSettings) -> Result<Self, EmailError> {
        let config = tls::client_config(&server.tls)?;
        self.upgrade_with(config, &server.host, server.timeout)
            .await
    }

    /// Runs the TLS handshake with `config`, checking the certificate against `host`.
    pub(crate) async fn upgrade_with(
        self,
        config: Arc<ClientConfig>,
        host: &str,
        timeout: Duration,
    ) -> Result<Self, EmailError> {
        let tcp = match self {
            Self::Plain(tcp) => tcp,
            Self::Tls(_) => return Err(EmailError::protocol("TLS requested twice")),
        };
        let name = tls::server_name(host)?;
        let handshake = TlsConnector::from(config).connect(name, tcp);
        match within(timeout, "the TLS handshake", handshake).await? {
            Ok(tls) => Ok(Self::Tls(Box::new(tls))),
            Err(e) => Err(tls_error(host, &e)),
        }
    }

    /// The server's address.
    pub(crate) fn peer_addr(&self) -> io::Result<std::net::SocketAddr> {
        match self {
            Self::Plain(tcp) => tcp.peer_addr(),
            Self::Tls(tls) => tls.get_ref().0.peer_addr(),
        }
    }
}

fn tls_error(host: &str, e: &io::Error) -> EmailError {
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let certificate = matches!(
        rustls_error,
        Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
    );
    EmailError::Tls {
        host: host.to_owned(),
        detail: e.to_string(),
        certificate,
    }
}

/// Awaits `fut` for at most `limit`.
pub(crate) async fn within<F: Future>(
    limit: Duration,
    during: &'static str,
    fut: F,
) -> Result<F::Output, EmailError> {
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| EmailError::Timeout { during })
}

impl AsyncRead for MailStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
