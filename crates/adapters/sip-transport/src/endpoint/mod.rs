//! The SIP endpoint as a sans-IO state machine: received bytes in, datagrams and events out.
//! It owns the transaction layer, the registrar, the digest server, the failure tracker and
//! the rate limiter; the tokio driver ([`crate::SipServer`]) only moves bytes and time.

mod authorize;
mod client;
#[cfg(test)]
mod client_tests;
mod dispatch;
mod keepalive;
#[cfg(test)]
mod realm_tests;
mod register;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use sb_sip::{Message, Method, Request, Response};
use sb_sip_dialog::digest::{
    Admission, AuthRole, Credentials, DigestServer, DigestServerConfig, FailureTracker, UserSecret,
};
use sb_sip_dialog::registrar::{Binding, Registrar, RegistrarEvent};
use sb_sip_dialog::transaction::{Incoming, Transactions, TxEvent, TxId};
use sb_types::Timestamp;

use crate::config::{BanAnswer, SipConfig};
use crate::peer::{Peer, Transport};
use crate::rate::RateLimiter;
use crate::via;

/// How long a credentials lookup may take before its REGISTER is given up.
const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Names a pending credentials lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LookupId(u64);

/// Bytes to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// UDP, or the TCP connection to write on.
    pub transport: Transport,
    /// Destination (for UDP).
    pub to: SocketAddr,
    /// The bytes.
    pub data: Bytes,
}

/// What the endpoint asks of its driver.
#[derive(Debug, Clone)]
pub enum Output {
    /// Send these bytes.
    Transmit(Transmit),
    /// Look up a user's secret, then call [`Endpoint::handle_secret`].
    Lookup {
        /// Echo it back.
        id: LookupId,
        /// The realm.
        realm: String,
        /// The user name from the credentials.
        username: String,
    },
    /// A registrar change to persist.
    Binding(RegistrarEvent),
    /// A request for the [`crate::RequestHandler`].
    Request(crate::ServerRequest),
    /// An ACK to a 2xx, for the handler.
    Ack(Request, Peer),
    /// A CANCEL matched this INVITE server transaction.
    Cancel(TxId),
    /// A provisional response (101–199) to the client transaction `tx`, before its final one.
    ClientProvisional {
        /// The client transaction.
        tx: TxId,
        /// The provisional response.
        response: Response,
    },
    /// The final response to the client transaction `tx` ([`Endpoint::send_request`]).
    ClientResponse {
        /// The client transaction.
        tx: TxId,
        /// The final response (2xx to an INVITE: the caller sends the ACK).
        response: Response,
    },
    /// The client transaction `tx` ended without a final response.
    ClientFailed {
        /// The client transaction.
        tx: TxId,
        /// Timer B/F ([`crate::ClientError::Timeout`]) or a transport error.
        error: crate::ClientError,
    },
}

struct Pending {
    /// A REGISTER, or a request the handler wants authenticated (407).
    role: AuthRole,
    since: Timestamp,
    realm: String,
    tx: TxId,
    peer: Peer,
    request: Request,
    credentials: Credentials,
}

/// The node's SIP endpoint logic. Drive it with [`Endpoint::handle_packet`],
/// [`Endpoint::handle_secret`], [`Endpoint::respond`] and [`Endpoint::handle_timeout`];
/// drain [`Endpoint::poll_output`] after each call and sleep until [`Endpoint::poll_timeout`].
pub struct Endpoint {
    config: SipConfig,
    /// `Arc`: a retransmitted response costs a reference count, not a deep copy.
    layer: Transactions<Arc<Message>>,
    routes: HashMap<TxId, Peer>,
    /// Client transactions: where they send, whether their user has the outcome.
    clients: HashMap<TxId, client::ClientTx>,
    /// Live client transactions per server address (their responses skip the rate limit).
    servers: HashMap<IpAddr, usize>,
    /// ACKs we sent for 2xx responses, re-sent for each 2xx retransmission.
    acks: HashMap<client::AckKey, client::SentAck>,
    registrar: Registrar,
    /// The default realm's digest server.
    digest: DigestServer,
    /// Other realms' servers (`realm_per_domain`) and the proxy-role ones that authenticate
    /// requests for the handler, kept only while they hold replay state.
    realms: HashMap<(AuthRole, String), DigestServer>,
    /// Settings for the servers of other realms (realm replaced).
    digest_config: DigestServerConfig,
    failures: FailureTracker<IpAddr>,
    rate: RateLimiter,
    /// Networks the application trusts besides `config.trusted` (its carriers' trunks).
    trusted_sources: Vec<ipnet::IpNet>,
    known: HashMap<IpAddr, Timestamp>,
    pending: HashMap<LookupId, Pending>,
    next_lookup: u64,
    handled: Vec<Method>,
    outputs: VecDeque<Output>,
    tag_seed: u64,
    tag_count: u64,
    /// When the phones registered over UDP get their next NAT keep-alive.
    next_keepalive: Timestamp,
}

impl Endpoint {
    /// An endpoint with the bindings loaded from the store; `handled` are the methods a
    /// request handler takes; `tag_seed` makes To tags unpredictable (pass randomness).
    pub fn new(
        config: SipConfig,
        bindings: Vec<Binding>,
        handled: Vec<Method>,
        tag_seed: u64,
    ) -> Self {
        let mut digest_config = DigestServerConfig::new(&config.realm, config.nonce_secret.clone());
        digest_config.algorithms = config.algorithms.clone();
        Endpoint {
            layer: Transactions::with_limit(config.timers, config.max_transactions),
            routes: HashMap::new(),
            clients: HashMap::new(),
            servers: HashMap::new(),
            acks: HashMap::new(),
            registrar: Registrar::restore(config.registrar, bindings),
            digest: DigestServer::new(digest_config.clone()),
            realms: HashMap::new(),
            digest_config,
            failures: FailureTracker::new(config.ban),
            rate: RateLimiter::new(config.rate),
            trusted_sources: Vec::new(),
            known: HashMap::new(),
            pending: HashMap::new(),
            next_lookup: 0,
            handled,
            outputs: VecDeque::new(),
            tag_seed,
            tag_count: 0,
            next_keepalive: Timestamp::EPOCH,
            config,
        }
    }

    /// A datagram (UDP), one framed message (TCP, TLS) or one WebSocket message from `peer`.
    pub fn handle_packet(&mut self, now: Timestamp, peer: Peer, data: Bytes) {
        if data.iter().all(|b| matches!(b, b'\r' | b'\n')) {
            return self.keep_alive(peer, &data);
        }
        let ip = peer.addr.ip().to_canonical();
        if !self.is_trusted(ip) && !self.is_awaited_response(ip, &data) && !self.rate.allow(now, ip)
        {
            return;
        }
        let parsed = if peer.is_byte_stream() {
            self.config.parse.parse_stream(data.clone())
        } else {
            self.config.parse.parse_datagram(data.clone())
        };
        match parsed {
            Ok(Message::Request(r)) => self.request(now, peer, r),
            Ok(response) => self.incoming(now, peer, response),
            Err(e) => self.malformed(now, peer, &data, &e),
        }
        self.pump();
    }

    /// The answer to [`Output::Lookup`].
    pub fn handle_secret(&mut self, now: Timestamp, id: LookupId, secret: Option<UserSecret>) {
        if let Some(p) = self.pending.remove(&id) {
            self.verify(now, p, secret);
        }
        self.pump();
    }

    /// Replaces the networks trusted besides the configured ones (the carriers' trunks, which
    /// change at run time): like `config.trusted`, they are never rate-limited and always known.
    pub fn set_trusted_sources(&mut self, nets: Vec<ipnet::IpNet>) {
        self.trusted_sources = nets;
    }

    /// A response from the request handler for its server transaction `tx`.
    pub fn respond(&mut self, now: Timestamp, tx: TxId, response: Response) {
        self.send(now, tx, response);
        self.pump();
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        self.layer.handle_timeout(now);
        self.registrar.handle_timeout(now);
        self.failures.handle_timeout(now);
        self.rate.handle_timeout(now);
        let ttl = self.config.known_source_ttl;
        self.known.retain(|_, at| now.saturating_since(*at) < ttl);
        self.expire_lookups(now);
        self.expire_acks(now);
        self.keep_nat_open(now);
        self.pump();
    }

    /// The next deadline.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        [
            self.layer.poll_timeout(),
            self.registrar.poll_timeout(),
            self.failures.poll_timeout(),
            self.rate.poll_timeout(),
            self.keepalive_deadline(),
            self.pending
                .values()
                .map(|p| p.since + LOOKUP_TIMEOUT)
                .min(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The next thing to do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Live server transactions (metrics, tests).
    pub fn transactions(&self) -> usize {
        self.layer.len()
    }

    /// The live bindings of an address of record (`sip:user@domain`).
    pub fn lookup(&self, now: Timestamp, aor: &str) -> Vec<Binding> {
        self.registrar.lookup(now, aor)
    }

    /// Lookups the store never answered: the REGISTER is dropped (the phone retries).
    fn expire_lookups(&mut self, now: Timestamp) {
        let late: Vec<LookupId> = self
            .pending
            .iter()
            .filter(|(_, p)| now.saturating_since(p.since) >= LOOKUP_TIMEOUT)
            .map(|(id, _)| *id)
            .collect();
        for id in late {
            if let Some(p) = self.pending.remove(&id) {
                self.layer.handle_transport_error(p.tx);
            }
        }
    }

    fn keep_alive(&mut self, peer: Peer, data: &[u8]) {
        if peer.transport == Transport::Udp && data.windows(4).any(|w| w == b"\r\n\r\n") {
            self.transmit(
                peer.transport,
                peer.addr,
                Bytes::from_static(crate::stream::PONG),
            );
        }
    }

    fn request(&mut self, now: Timestamp, peer: Peer, mut request: Request) {
        let ip = peer.addr.ip().to_canonical();
        let silent = !self.config.answer_unknown_sources && !self.is_known(now, ip);
        if silent && *request.method() != Method::Register {
            return;
        }
        if let Admission::Banned { .. } = self.failures.check(now, &ip) {
            return self.banned(peer, &request);
        }
        if via::stamp_request(&mut request, peer.addr).is_err() {
            return;
        }
        self.incoming(now, peer, Message::Request(request));
    }

    fn incoming(&mut self, now: Timestamp, peer: Peer, message: Message) {
        let message = Arc::new(message);
        match self.layer.handle_incoming(now, message, peer.is_reliable()) {
            Incoming::Request(id, request) => {
                self.routes.insert(id, peer);
                self.dispatch(now, id, peer, &request);
            }
            Incoming::Ack(ack) => {
                if let Message::Request(ack) = Arc::unwrap_or_clone(ack) {
                    self.outputs.push_back(Output::Ack(ack, peer));
                }
            }
            Incoming::Overloaded(request) => {
                if let Some(r) = request.as_request() {
                    let busy = r.make_response(sb_sip::StatusCode::SERVICE_UNAVAILABLE, None);
                    self.stateless(peer, &busy);
                }
            }
            _ => {}
        }
    }

    fn banned(&mut self, peer: Peer, request: &Request) {
        if self.config.ban_answer == BanAnswer::Forbidden && *request.method() != Method::Ack {
            let tag = self.tag();
            let forbidden = request.make_response(sb_sip::StatusCode::FORBIDDEN, Some(&tag));
            self.stateless(peer, &forbidden);
        }
    }

    fn malformed(&mut self, now: Timestamp, peer: Peer, data: &[u8], error: &sb_sip::Error) {
        let ip = peer.addr.ip().to_canonical();
        if !self.config.answer_unknown_sources && !self.is_known(now, ip) {
            return;
        }
        let tag = self.tag();
        if let Some(reply) = Response::for_rejected(data, error, Some(&tag)) {
            self.stateless(peer, &reply);
        }
    }

    /// Sends a response outside any transaction, along its top Via.
    fn stateless(&mut self, peer: Peer, response: &Response) {
        let to = self.destination(peer, response);
        self.transmit(peer.transport, to, response.to_bytes());
    }

    fn destination(&self, peer: Peer, response: &Response) -> SocketAddr {
        match peer.transport {
            Transport::Tcp(_) | Transport::Tls(_) | Transport::Ws(_) | Transport::Wss(_) => {
                peer.addr
            }
            Transport::Udp => response
                .headers()
                .top_via()
                .ok()
                .and_then(|v| via::response_destination(&v))
                .unwrap_or(peer.addr),
        }
    }

    fn send(&mut self, now: Timestamp, tx: TxId, response: Response) {
        let _ = self
            .layer
            .send_response(now, tx, Arc::new(Message::Response(response)));
    }

    fn transmit(&mut self, transport: Transport, to: SocketAddr, data: Bytes) {
        self.outputs.push_back(Output::Transmit(Transmit {
            transport,
            to,
            data,
        }));
    }

    /// Moves what the cores produced into the output queue.
    fn pump(&mut self) {
        while let Some((id, message)) = self.layer.poll_transmit() {
            if let Some(peer) = self.client_route(id) {
                self.transmit(peer.transport, peer.addr, message.to_bytes());
                continue;
            }
            let (Some(&peer), Message::Response(r)) = (self.routes.get(&id), &*message) else {
                continue;
            };
            let to = self.destination(peer, r);
            self.transmit(peer.transport, to, message.to_bytes());
        }
        while let Some((id, event)) = self.layer.poll_event() {
            if self.clients.contains_key(&id) {
                self.client_event(id, event);
            } else if let TxEvent::Terminated = event {
                self.routes.remove(&id);
            }
        }
        while let Some(event) = self.registrar.poll_event() {
            self.outputs.push_back(Output::Binding(event));
        }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        let nets = self.config.trusted.iter().chain(&self.trusted_sources);
        nets.into_iter().any(|net| net.contains(&ip))
    }

    fn is_known(&self, now: Timestamp, ip: IpAddr) -> bool {
        let ttl = self.config.known_source_ttl;
        self.is_trusted(ip)
            || self
                .known
                .get(&ip)
                .is_some_and(|at| now.saturating_since(*at) < ttl)
    }

    /// A fresh To tag: a SplitMix64 step over the seed and a counter.
    fn tag(&mut self) -> String {
        self.tag_count = self.tag_count.wrapping_add(1);
        let mut z = self
            .tag_seed
            .wrapping_add(self.tag_count.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        format!("{:x}", z ^ (z >> 31))
    }
}
