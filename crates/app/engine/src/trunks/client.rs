//! [`TrunkSender`] over the SIP server's client side.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use sb_sip::{Request, Response, SipUri};
use sb_sip_transport::{ClientError, Resolver, SipClient};

use super::machines::SendFailure;
use super::manager::TrunkSender;

/// Resolves with [`Resolver`] and sends with [`SipClient`], trying the located destinations in
/// order while they fail at the transport level.
#[derive(Clone)]
pub struct TransportSender {
    client: SipClient,
    resolver: Resolver,
}

impl std::fmt::Debug for TransportSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportSender").finish_non_exhaustive()
    }
}

impl TransportSender {
    /// Sends through `client`, locating servers with `resolver`.
    pub fn new(client: SipClient, resolver: Resolver) -> Self {
        TransportSender { client, resolver }
    }

    async fn try_all(
        &self,
        request: Request,
        destination: &SipUri,
    ) -> Result<Response, SendFailure> {
        let targets = self.resolver.resolve(destination).await.map_err(|e| {
            tracing::debug!(%destination, error = %e, "could not locate the trunk's server");
            SendFailure::Transport
        })?;
        let mut last = SendFailure::Transport;
        for to in targets {
            match self.client.send(request.clone(), to).await {
                Ok(r) => return Ok(r),
                Err(ClientError::Timeout) => return Err(SendFailure::Timeout),
                Err(e) => {
                    tracing::debug!(%destination, error = %e, "sending to the trunk failed");
                    last = SendFailure::Transport;
                }
            }
        }
        Err(last)
    }
}

#[async_trait::async_trait]
impl TrunkSender for TransportSender {
    async fn send(
        &self,
        request: Request,
        destination: &SipUri,
        timeout: Duration,
    ) -> Result<Response, SendFailure> {
        tokio::time::timeout(timeout, self.try_all(request, destination))
            .await
            .unwrap_or(Err(SendFailure::Timeout))
    }

    async fn local_address(&self, destination: &SipUri, listen: SocketAddr) -> SocketAddr {
        if !listen.ip().is_unspecified() {
            return listen;
        }
        let Ok(targets) = self.resolver.resolve(destination).await else {
            return listen;
        };
        targets
            .first()
            .and_then(|t| route_source(t.addr))
            .map_or(listen, |ip| SocketAddr::new(ip, listen.port()))
    }
}

/// The source address the kernel would use towards `to` (a UDP `connect` sends nothing).
pub(crate) fn route_source(to: SocketAddr) -> Option<IpAddr> {
    let any: SocketAddr = if to.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = std::net::UdpSocket::bind(any).ok()?;
    socket.connect(to).ok()?;
    Some(socket.local_addr().ok()?.ip())
}
