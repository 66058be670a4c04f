//! The HTTPS listener: TLS handshake, HTTP/1.1 and HTTP/2, client address, graceful shutdown.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` is cancelled, then lets open connections
/// finish for up to `grace`. With `tls = None` it serves plain HTTP (behind a TLS proxy).
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    router: Router,
    shutdown: CancellationToken,
    grace: Duration,
) {
    let graceful = GracefulShutdown::new();
    let acceptor = tls.map(TlsAcceptor::from);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => { tracing::warn!(error = %e, "accept failed"); continue; }
            },
            () = shutdown.cancelled() => break,
        };
        let _ = tcp.set_nodelay(true);
        spawn_connection(tcp, peer, acceptor.clone(), router.clone(), &graceful);
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all HTTP connections closed"),
        () = tokio::time::sleep(grace) => tracing::warn!("HTTP connections still open after grace period"),
    }
}

fn spawn_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    acceptor: Option<TlsAcceptor>,
    router: Router,
    graceful: &GracefulShutdown,
) {
    let watcher = graceful.watcher();
    let service = router.map_request(move |mut req: axum::extract::Request<_>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req
    });
    let service = TowerToHyperService::new(service);
    tokio::spawn(async move {
        let builder = Builder::new(TokioExecutor::new());
        let result = match acceptor {
            Some(acceptor) => {
                let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
                {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => return tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => return tracing::debug!(%peer, "TLS handshake timed out"),
                };
                let conn = builder.serve_connection_with_upgrades(TokioIo::new(tls), service);
                watcher.watch(conn).await
            }
            None => {
                let conn = builder.serve_connection_with_upgrades(TokioIo::new(tcp), service);
                watcher.watch(conn).await
            }
        };
        if let Err(e) = result {
            tracing::debug!(%peer, error = %e, "HTTP connection ended with an error");
        }
    });
}
