//! The tokio driver: UDP socket, TCP/TLS/WS/WSS listeners and connections (accepted, and
//! opened for client transactions), one timer, the endpoint.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use ipnet::IpNet;
use sb_sip::Response;
use sb_sip_dialog::digest::UserSecret;
use sb_sip_dialog::locate::Transport as LocateTransport;
use sb_sip_dialog::registrar::Binding;
use sb_sip_dialog::transaction::TxId;
use sb_types::Timestamp;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::client::{ClientError, Command, Reply, SipClient};
use crate::config::SipConfig;
use crate::connection::{Connection, Inbound};
use crate::endpoint::{Endpoint, LookupId, Output, Transmit};
use crate::error::Error;
use crate::handler::{BindingSink, RequestHandler, Responder, ServerRequest, SipCredentials};
use crate::listen::{Kind, accept_loop, bind, bind_streams};
use crate::outbound::{Connected, Key, Opened, connect, local_ip_towards};
use crate::peer::{ConnId, Peer, Transport};

/// What the server needs from the rest of the node.
pub struct SipDeps {
    /// Digest secrets.
    pub credentials: Arc<dyn SipCredentials>,
    /// Where binding changes go.
    pub bindings: Arc<dyn BindingSink>,
    /// Bindings from the store, restored at start.
    pub restore: Vec<Binding>,
    /// Takes INVITE and the other methods it lists; `None`: they are refused.
    pub handler: Option<Arc<dyn RequestHandler>>,
}

/// A running SIP endpoint on UDP and TCP, and TLS, WS, WSS when configured.
pub struct SipServer {
    local: SocketAddr,
    tls: Option<SocketAddr>,
    ws: Option<SocketAddr>,
    wss: Option<SocketAddr>,
    commands: mpsc::UnboundedSender<Command>,
    trust: mpsc::UnboundedSender<Vec<IpNet>>,
    task: JoinHandle<()>,
}

/// Sets the networks a running [`SipServer`] trusts besides its configured `trusted` ones:
/// the carriers' trunks, which change at run time. Cheap to clone.
#[derive(Debug, Clone)]
pub struct TrustedSources(mpsc::UnboundedSender<Vec<IpNet>>);

impl TrustedSources {
    /// Replaces the set; false once the server has stopped.
    pub fn set(&self, nets: Vec<IpNet>) -> bool {
        self.0.send(nets).is_ok()
    }
}

impl SipServer {
    /// Binds UDP and TCP on `config.listen` (the same port for both; port 0 picks one), and
    /// the TLS, WS and WSS listeners that are configured, and starts serving until `cancel`
    /// fires.
    pub async fn start(
        config: SipConfig,
        deps: SipDeps,
        cancel: CancellationToken,
    ) -> Result<SipServer, Error> {
        let acceptor = config.tls.clone().map(TlsAcceptor::from);
        for (transport, listen) in [("tls", config.tls_listen), ("wss", config.wss_listen)] {
            if listen.is_some() && acceptor.is_none() {
                return Err(Error::NoTlsConfig { transport });
            }
        }
        let (udp, tcp) = bind(config.listen).await?;
        let local = udp.local_addr()?;
        let (mut listeners, bound) = bind_streams(&config).await?;
        listeners.insert(0, (tcp, Kind::Tcp));
        let handled = deps
            .handler
            .as_ref()
            .map(|h| h.methods())
            .unwrap_or_default();
        let endpoint = Endpoint::new(
            config.clone(),
            deps.restore.clone(),
            handled,
            rand::random(),
        );
        let [tls, ws, wss] = bound;
        let mut driver = Driver::new(config, deps, endpoint, udp, acceptor, cancel);
        driver.local = local;
        driver.local_tls = tls;
        driver.bound = bound;
        let commands = driver.commands.0.clone();
        let trust = driver.trust.0.clone();
        let task = tokio::spawn(driver.run(listeners));
        Ok(SipServer {
            local,
            tls,
            ws,
            wss,
            commands,
            trust,
            task,
        })
    }

    /// A handle that sends requests from this server's sockets as client transactions
    /// (UDP from the listening socket; TCP and TLS over a connection to the destination,
    /// reused while open).
    pub fn client(&self) -> SipClient {
        SipClient::new(self.commands.clone())
    }

    /// A handle that sets the networks trusted at run time (never rate-limited, always
    /// answered): see [`Endpoint::set_trusted_sources`].
    pub fn trusted_sources(&self) -> TrustedSources {
        TrustedSources(self.trust.clone())
    }

    /// The bound address (UDP and TCP share it).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The bound TLS address, when `tls_listen` is set.
    pub fn local_tls_addr(&self) -> Option<SocketAddr> {
        self.tls
    }

    /// The bound WebSocket address, when `ws_listen` is set.
    pub fn local_ws_addr(&self) -> Option<SocketAddr> {
        self.ws
    }

    /// The bound secure WebSocket address, when `wss_listen` is set.
    pub fn local_wss_addr(&self) -> Option<SocketAddr> {
        self.wss
    }

    /// Waits until the server has stopped (after the cancellation token fired).
    pub async fn wait(self) -> Result<(), Error> {
        self.task.await.map_err(|_| Error::TaskFailed)
    }
}

/// The tokio instant of a wall-clock deadline (far away when there is none).
fn instant_of(deadline: Option<Timestamp>) -> tokio::time::Instant {
    let wait = match deadline {
        Some(at) => at.as_millis().saturating_sub(now().as_millis()),
        None => 3_600_000,
    };
    tokio::time::Instant::now() + Duration::from_millis(u64::try_from(wait).unwrap_or(0))
}

fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// Both ends of an unbounded channel the loop sends to itself through spawned tasks.
type Channel<T> = (mpsc::UnboundedSender<T>, mpsc::UnboundedReceiver<T>);

struct Driver {
    config: SipConfig,
    deps: SipDeps,
    endpoint: Endpoint,
    udp: UdpSocket,
    tls: Option<TlsAcceptor>,
    cancel: CancellationToken,
    conns: HashMap<ConnId, mpsc::Sender<Bytes>>,
    next_conn: u64,
    inbound: (mpsc::Sender<Inbound>, mpsc::Receiver<Inbound>),
    secrets: Channel<(LookupId, Option<UserSecret>)>,
    replies: Channel<(TxId, Response)>,
    /// Requests to send (from [`SipClient`]s).
    commands: Channel<Command>,
    /// New sets of run-time trusted networks.
    trust: Channel<Vec<IpNet>>,
    /// The waiting callers of live client transactions.
    waiters: HashMap<TxId, oneshot::Sender<Result<Response, ClientError>>>,
    progress: HashMap<TxId, mpsc::UnboundedSender<Response>>,
    /// Outbound connections being opened, with the requests waiting for them.
    connecting: HashMap<Key, Vec<Command>>,
    connected: Channel<Connected>,
    /// Open outbound connections: the connection and our Via sent-by on it.
    outbound: HashMap<Key, (ConnId, SocketAddr)>,
    /// Open accepted connections by the peer's address: requests to a phone that registered
    /// over TCP, TLS, WS or WSS go back over its own connection (through NAT, and the only
    /// way to reach a browser).
    accepted: HashMap<SocketAddr, (ConnId, Kind)>,
    /// The bound TLS, WS and WSS addresses (our sent-by on accepted connections).
    bound: [Option<SocketAddr>; 3],
    /// The bound UDP/TCP address and the TLS one.
    local: SocketAddr,
    local_tls: Option<SocketAddr>,
}

/// Datagrams read in one go before the loop looks at its other inputs.
const UDP_BATCH: usize = 64;

impl Driver {
    fn new(
        config: SipConfig,
        deps: SipDeps,
        endpoint: Endpoint,
        udp: UdpSocket,
        tls: Option<TlsAcceptor>,
        cancel: CancellationToken,
    ) -> Self {
        Driver {
            config,
            deps,
            endpoint,
            udp,
            tls,
            cancel,
            conns: HashMap::new(),
            next_conn: 0,
            inbound: mpsc::channel(1024),
            secrets: mpsc::unbounded_channel(),
            replies: mpsc::unbounded_channel(),
            commands: mpsc::unbounded_channel(),
            trust: mpsc::unbounded_channel(),
            waiters: HashMap::new(),
            progress: HashMap::new(),
            connecting: HashMap::new(),
            connected: mpsc::unbounded_channel(),
            outbound: HashMap::new(),
            accepted: HashMap::new(),
            bound: [None; 3],
            local: SocketAddr::from(([0, 0, 0, 0], 0)),
            local_tls: None,
        }
    }

    async fn run(mut self, listeners: Vec<(TcpListener, Kind)>) {
        let (accepted_tx, mut accepted) = mpsc::channel(64);
        for (listener, kind) in listeners {
            let (to_loop, cancel) = (accepted_tx.clone(), self.cancel.clone());
            tokio::spawn(accept_loop(listener, kind, to_loop, cancel));
        }
        drop(accepted_tx);
        let mut buf = vec![0u8; 65_535];
        let timer = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(timer);
        let mut armed = None;
        loop {
            let deadline = self.endpoint.poll_timeout();
            if deadline != armed {
                timer.as_mut().reset(instant_of(deadline));
                armed = deadline;
            }
            tokio::select! {
                _ = self.cancel.cancelled() => break,
                r = self.udp.recv_from(&mut buf) => self.datagrams(r, &mut buf),
                Some(i) = self.inbound.1.recv() => self.connection_input(i),
                Some((stream, addr, kind)) = accepted.recv() => self.accept(stream, addr, kind),
                Some((id, s)) = self.secrets.1.recv() => self.endpoint.handle_secret(now(), id, s),
                Some((tx, r)) = self.replies.1.recv() => self.endpoint.respond(now(), tx, r),
                Some(c) = self.commands.1.recv() => self.command(c),
                Some(nets) = self.trust.1.recv() => self.endpoint.set_trusted_sources(nets),
                Some(c) = self.connected.1.recv() => self.connected(c),
                _ = &mut timer, if armed.is_some() => {
                    self.endpoint.handle_timeout(now());
                    armed = None;
                }
            }
            self.outputs().await;
        }
    }

    fn datagrams(&mut self, first: std::io::Result<(usize, SocketAddr)>, buf: &mut [u8]) {
        let mut next = first;
        for _ in 0..UDP_BATCH {
            let Ok((n, from)) = next else { return };
            let data = Bytes::copy_from_slice(buf.get(..n).unwrap_or(&[]));
            self.endpoint.handle_packet(now(), Peer::udp(from), data);
            next = self.udp.try_recv_from(buf);
        }
    }

    fn connection_input(&mut self, inbound: Inbound) {
        match inbound {
            Inbound::Message(peer, data) => self.endpoint.handle_packet(now(), peer, data),
            Inbound::Closed(id) => {
                self.conns.remove(&id);
                self.outbound.retain(|_, (c, _)| *c != id);
                self.accepted.retain(|_, (c, _)| *c != id);
                self.endpoint.connection_closed(id);
            }
        }
    }

    fn accept(&mut self, stream: TcpStream, addr: SocketAddr, kind: Kind) {
        if self.conns.len() >= self.config.max_connections {
            return;
        }
        let conn = self.register(addr, kind);
        self.accepted.insert(addr, (conn.id, kind));
        tokio::spawn(conn.serve(stream, self.tls.clone()));
    }

    /// A new connection's id, outbound queue and task state.
    fn register(&mut self, addr: SocketAddr, kind: Kind) -> Connection {
        let id = ConnId(self.next_conn);
        self.next_conn += 1;
        let (tx, rx) = mpsc::channel(256);
        self.conns.insert(id, tx);
        Connection {
            id,
            transport: kind.transport(id),
            addr,
            parse: self.config.parse.clone(),
            idle: self.config.tcp_idle_timeout,
            ws_ping: self.config.ws_ping_interval,
            inbound: self.inbound.0.clone(),
            outbound: rx,
            cancel: self.cancel.child_token(),
        }
    }

    /// A request from a [`SipClient`]: over UDP at once, over TCP/TLS on an open connection
    /// or once one is opened.
    fn command(&mut self, command: Command) {
        let to = command.to;
        if to.transport == LocateTransport::Udp {
            let sent_by = local_ip_towards(self.local, to.addr);
            return self.start(command, Peer::udp(to.addr), sent_by);
        }
        if let Some(&(id, kind)) = self.accepted.get(&to.addr) {
            let peer = Peer {
                transport: kind.transport(id),
                addr: to.addr,
            };
            return self.start(command, peer, self.sent_by_on(kind, to.addr));
        }
        let key = (to.transport, to.addr);
        if let Some(&(id, sent_by)) = self.outbound.get(&key) {
            return self.start(command, outbound_peer(key, id), sent_by);
        }
        if let Some(waiting) = self.connecting.get_mut(&key) {
            return waiting.push(command);
        }
        let tls = self.config.tls_client.clone();
        if to.transport == LocateTransport::Tls && tls.is_none() {
            let no_tls = ClientError::Unsupported("TLS without sip.tls_client");
            return command.reply.fail(no_tls);
        }
        if self.conns.len() + self.connecting.len() >= self.config.max_connections {
            let full = ClientError::Transport("too many connections".into());
            return command.reply.fail(full);
        }
        self.connecting.insert(key, vec![command]);
        let back = self.connected.0.clone();
        let limit = self.config.timers.timeout();
        tokio::spawn(async move {
            let _ = back.send(connect(key, tls, limit).await);
        });
    }

    /// Our Via sent-by on an accepted connection of `kind` from `peer`: the listener's port at
    /// our address towards the peer.
    fn sent_by_on(&self, kind: Kind, peer: SocketAddr) -> SocketAddr {
        let [tls, ws, wss] = self.bound;
        let listen = match kind {
            Kind::Tcp => Some(self.local),
            Kind::Tls => tls,
            Kind::Ws => ws,
            Kind::Wss => wss,
        };
        local_ip_towards(listen.unwrap_or(self.local), peer)
    }

    /// An outbound connection opened (or failed): serve it and send what waited for it.
    fn connected(&mut self, done: Connected) {
        let waiting = self.connecting.remove(&done.key).unwrap_or_default();
        let (stream, local) = match done.result {
            Ok(opened) => opened,
            Err(e) => {
                for c in waiting {
                    c.reply.fail(ClientError::Transport(e.clone()));
                }
                return;
            }
        };
        let (transport, addr) = done.key;
        let port = match transport {
            LocateTransport::Tls => self.local_tls.map_or(local.port(), |a| a.port()),
            _ => self.local.port(),
        };
        let sent_by = SocketAddr::new(local.ip(), port);
        let kind = match stream {
            Opened::Tcp(_) => Kind::Tcp,
            Opened::Tls(_) => Kind::Tls,
        };
        let conn = self.register(addr, kind);
        let id = conn.id;
        match stream {
            Opened::Tcp(s) => tokio::spawn(conn.serve_stream(s)),
            Opened::Tls(s) => tokio::spawn(conn.serve_stream(s)),
        };
        self.outbound.insert(done.key, (id, sent_by));
        for c in waiting {
            self.start(c, outbound_peer(done.key, id), sent_by);
        }
    }

    fn start(&mut self, command: Command, peer: Peer, sent_by: SocketAddr) {
        let (reply, progress) = match command.reply {
            Reply::Final(reply) => (reply, None),
            Reply::Progress(progress, reply) => (reply, Some(progress)),
            Reply::Sent(reply) => {
                let sent = self
                    .endpoint
                    .send_ack(now(), command.request, peer, sent_by);
                let _ = reply.send(sent);
                return;
            }
        };
        match self
            .endpoint
            .send_request(now(), command.request, peer, sent_by)
        {
            Ok(tx) => {
                self.waiters.insert(tx, reply);
                if let Some(p) = progress {
                    self.progress.insert(tx, p);
                }
            }
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }

    fn client_outcome(&mut self, tx: TxId, outcome: Result<Response, ClientError>) {
        self.progress.remove(&tx);
        if let Some(waiter) = self.waiters.remove(&tx) {
            let _ = waiter.send(outcome);
        }
    }

    async fn outputs(&mut self) {
        while let Some(output) = self.endpoint.poll_output() {
            match output {
                Output::Transmit(t) => self.transmit(t).await,
                Output::Lookup {
                    id,
                    realm,
                    username,
                } => self.lookup(id, realm, username),
                Output::Binding(event) => self.deps.bindings.binding_changed(event),
                Output::Request(request) => self.hand_over(request),
                Output::Ack(ack, peer) => self
                    .deps
                    .handler
                    .iter()
                    .for_each(|h| h.on_ack(ack.clone(), peer)),
                Output::Cancel(tx) => self.deps.handler.iter().for_each(|h| h.on_cancel(tx)),
                Output::ClientProvisional { tx, response } => {
                    if let Some(p) = self.progress.get(&tx) {
                        let _ = p.send(response);
                    }
                }
                Output::ClientResponse { tx, response } => self.client_outcome(tx, Ok(response)),
                Output::ClientFailed { tx, error } => self.client_outcome(tx, Err(error)),
            }
        }
    }

    /// A request for the handler: authenticated first when the handler wants it.
    fn hand_over(&mut self, request: ServerRequest) {
        let Some(h) = &self.deps.handler else {
            return;
        };
        if request.user.is_none() && h.requires_auth(&request) {
            return self.endpoint.authenticate(now(), request);
        }
        let responder = Responder::new(request.tx, self.replies.0.clone());
        h.on_request(request, responder);
    }

    async fn transmit(&mut self, t: Transmit) {
        match t.transport {
            Transport::Udp => {
                // Usually the socket is writable: skip the future machinery.
                let sent = match self.udp.try_send_to(&t.data, t.to) {
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        self.udp.send_to(&t.data, t.to).await
                    }
                    other => other,
                };
                if let Err(e) = sent {
                    tracing::debug!(to = %t.to, error = %e, "SIP UDP send failed");
                }
            }
            Transport::Tcp(id) | Transport::Tls(id) | Transport::Ws(id) | Transport::Wss(id) => {
                if let Some(conn) = self.conns.get(&id) {
                    let _ = conn.try_send(t.data);
                }
            }
        }
    }

    fn lookup(&self, id: LookupId, realm: String, username: String) {
        let credentials = self.deps.credentials.clone();
        let back = self.secrets.0.clone();
        tokio::spawn(async move {
            let secret = credentials.secret(&realm, &username).await;
            let _ = back.send((id, secret));
        });
    }
}

/// The peer of an outbound connection.
fn outbound_peer((transport, addr): Key, id: ConnId) -> Peer {
    let transport = match transport {
        LocateTransport::Tls => Transport::Tls(id),
        _ => Transport::Tcp(id),
    };
    Peer { transport, addr }
}
