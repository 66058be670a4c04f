//! Outgoing requests: [`SipClient`] sends a request as a client transaction from the
//! server's own sockets and waits for its final response.

use std::net::SocketAddr;

use sb_sip::{Request, Response};
use sb_sip_dialog::locate::Transport as LocateTransport;
use tokio::sync::{mpsc, oneshot};

/// Where a request goes: a transport and a socket address (after DNS, see
/// [`crate::Resolver`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Destination {
    /// UDP, TCP or TLS.
    pub transport: LocateTransport,
    /// The server's address.
    pub addr: SocketAddr,
}

impl Destination {
    /// A destination over UDP.
    pub fn udp(addr: SocketAddr) -> Self {
        Destination {
            transport: LocateTransport::Udp,
            addr,
        }
    }

    /// A destination over TCP.
    pub fn tcp(addr: SocketAddr) -> Self {
        Destination {
            transport: LocateTransport::Tcp,
            addr,
        }
    }
}

impl From<sb_sip_dialog::locate::Target> for Destination {
    fn from(t: sb_sip_dialog::locate::Target) -> Self {
        Destination {
            transport: t.transport,
            addr: SocketAddr::new(t.ip, t.port),
        }
    }
}

/// Why [`SipClient::send`] got no final response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// No final response in time (timer B for INVITE, timer F otherwise: 64 × T1).
    #[error("no final response in time")]
    Timeout,
    /// The transport failed: connection refused or broken, TCP/TLS connect failure, a
    /// connection limit, a request that cannot be sent (no top Via possible, bad branch).
    #[error("transport error: {0}")]
    Transport(String),
    /// The server stopped before the transaction ended.
    #[error("the SIP server stopped")]
    Stopped,
    /// The request or destination is not supported (ACK through `send`, CANCEL without
    /// its INVITE's branch, WebSocket, TLS without `sip.tls_client`).
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
}

/// Who waits for what.
pub(crate) enum Reply {
    /// A client transaction's final response.
    Final(oneshot::Sender<Result<Response, ClientError>>),
    /// A client transaction's provisional responses (101–199) as they come, then its final
    /// response.
    Progress(
        mpsc::UnboundedSender<Response>,
        oneshot::Sender<Result<Response, ClientError>>,
    ),
    /// An ACK handed to the socket or connection.
    Sent(oneshot::Sender<Result<(), ClientError>>),
}

impl Reply {
    pub(crate) fn fail(self, error: ClientError) {
        let _ = match self {
            Reply::Final(r) | Reply::Progress(_, r) => r.send(Err(error)).is_ok(),
            Reply::Sent(r) => r.send(Err(error)).is_ok(),
        };
    }
}

/// One request handed to the server task.
pub(crate) struct Command {
    pub request: Request,
    pub to: Destination,
    pub reply: Reply,
}

/// Sends requests from a [`crate::SipServer`]'s sockets; cheap to clone, usable from any
/// task. Get one with [`crate::SipServer::client`].
#[derive(Clone)]
pub struct SipClient {
    commands: mpsc::UnboundedSender<Command>,
}

impl SipClient {
    pub(crate) fn new(commands: mpsc::UnboundedSender<Command>) -> Self {
        SipClient { commands }
    }

    /// Sends `request` (any method except ACK; INVITE allowed) to `to` as a client
    /// transaction (RFC 3261 § 17.1: retransmitted over UDP with T1/T2, timers B/F) and waits
    /// for the final response; provisional responses are skipped.
    ///
    /// The transport rewrites the top Via (sent-by = our listening address for that
    /// transport, the transport's name, `rport`; the branch is kept when it starts with
    /// `z9hG4bK`, else a fresh one is made) and sets Content-Length. When `to` is the address
    /// of a connection the peer opened to us (a phone registered over TCP, TLS, WS or WSS),
    /// the request goes over that connection whatever `to.transport` says; otherwise over TCP
    /// or TLS an open connection to `to` is reused, else one is opened; responses come back on
    /// the connection used.
    ///
    /// A 2xx to an INVITE is delivered as is: the caller (dialog layer) sends the ACK with
    /// [`SipClient::send_ack`]. For a non-2xx final response to an INVITE the transaction
    /// layer sends the ACK itself.
    ///
    /// A CANCEL (RFC 3261 § 9.1) must carry the `z9hG4bK` branch of the INVITE it cancels
    /// (so send INVITEs that may be cancelled with a branch of your own) and go to the same
    /// destination; without such a branch it is refused with [`ClientError::Unsupported`].
    pub async fn send(&self, request: Request, to: Destination) -> Result<Response, ClientError> {
        let (reply, answer) = oneshot::channel();
        let reply = Reply::Final(reply);
        self.commands
            .send(Command { request, to, reply })
            .map_err(|_| ClientError::Stopped)?;
        answer.await.unwrap_or(Err(ClientError::Stopped))
    }

    /// Like [`SipClient::send`], and also hands every provisional response but 100 Trying
    /// (ringing, session progress with early media) to `provisional` as it arrives: what a
    /// B2BUA needs to relay progress of the leg it places.
    pub async fn send_with_progress(
        &self,
        request: Request,
        to: Destination,
        provisional: mpsc::UnboundedSender<Response>,
    ) -> Result<Response, ClientError> {
        let (reply, answer) = oneshot::channel();
        let reply = Reply::Progress(provisional, reply);
        self.commands
            .send(Command { request, to, reply })
            .map_err(|_| ClientError::Stopped)?;
        answer.await.unwrap_or(Err(ClientError::Stopped))
    }

    /// Sends an ACK for a 2xx (RFC 3261 § 13.2.2.4) outside any transaction: the top Via is
    /// rewritten as for [`SipClient::send`] (a `z9hG4bK` branch kept, else a fresh one), over
    /// UDP from the SIP socket, over TCP/TLS on the open connection to `to` (opened if
    /// needed). Resolves once the message is handed to the socket or connection; nothing is
    /// retransmitted (resend it for each 2xx retransmission). Other methods are refused
    /// ([`ClientError::Unsupported`]).
    pub async fn send_ack(&self, ack: Request, to: Destination) -> Result<(), ClientError> {
        let (reply, answer) = oneshot::channel();
        let reply = Reply::Sent(reply);
        self.commands
            .send(Command {
                request: ack,
                to,
                reply,
            })
            .map_err(|_| ClientError::Stopped)?;
        answer.await.unwrap_or(Err(ClientError::Stopped))
    }
}
