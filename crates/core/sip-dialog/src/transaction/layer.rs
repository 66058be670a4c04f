//! The transaction layer: all live transactions of one endpoint, matched by [`TxKey`] and named
//! by a small copyable [`TxId`].

use std::collections::{BTreeSet, HashMap, VecDeque};

use sb_types::Timestamp;

use super::{
    ClientInvite, ClientNonInvite, ServerInvite, ServerNonInvite, TimerConfig, TxEvent, TxKey,
    TxMessage,
};
use crate::Error;

/// A transaction's handle within one [`Transactions`] layer (never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxId(u64);

impl TxId {
    /// The id with this number (hosts' tests and tables keyed by transaction).
    pub fn from_raw(n: u64) -> Self {
        TxId(n)
    }
}

/// One transaction of any kind.
#[derive(Debug, Clone)]
enum Tx<M> {
    Ci(ClientInvite<M>),
    Cn(ClientNonInvite<M>),
    Si(ServerInvite<M>),
    Sn(ServerNonInvite<M>),
}

macro_rules! each {
    ($tx:expr, $t:ident => $e:expr) => {
        match $tx {
            Tx::Ci($t) => $e,
            Tx::Cn($t) => $e,
            Tx::Si($t) => $e,
            Tx::Sn($t) => $e,
        }
    };
}

#[derive(Debug, Clone)]
struct Entry<M> {
    key: TxKey,
    tx: Tx<M>,
    deadline: Option<Timestamp>,
}

/// What became of a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming<M> {
    /// A new request: a server transaction now exists; answer through
    /// [`Transactions::send_response`].
    Request(TxId, M),
    /// A response or retransmission handled by an existing transaction; look at the events.
    Absorbed,
    /// An ACK matching no transaction: the ACK for a 2xx, for the dialog layer.
    Ack(M),
    /// A response matching no transaction (e.g. a 2xx retransmission after the INVITE
    /// transaction ended): for the dialog layer, which re-ACKs 2xx and drops the rest.
    StrayResponse(M),
    /// Unmatchable (no RFC 3261 branch, CSeq or method), or a duplicate branch: drop it.
    Invalid,
    /// A new request while the layer holds its maximum of transactions: answer 503 statelessly
    /// (or drop it) without creating a transaction.
    Overloaded(M),
}

/// All transactions of an endpoint.
#[derive(Debug, Clone)]
pub struct Transactions<M> {
    timers: TimerConfig,
    max_transactions: usize,
    next_id: u64,
    by_key: HashMap<TxKey, TxId>,
    txs: HashMap<TxId, Entry<M>>,
    deadlines: BTreeSet<(Timestamp, TxId)>,
    transmit: VecDeque<(TxId, M)>,
    events: VecDeque<(TxId, TxEvent<M>)>,
}

impl<M: TxMessage> Transactions<M> {
    /// An empty layer without a limit on concurrent transactions.
    pub fn new(timers: TimerConfig) -> Self {
        Transactions::with_limit(timers, usize::MAX)
    }

    /// An empty layer that refuses new server transactions beyond `max_transactions`
    /// ([`Incoming::Overloaded`]), so that a request flood cannot exhaust memory.
    pub fn with_limit(timers: TimerConfig, max_transactions: usize) -> Self {
        Transactions {
            timers,
            max_transactions,
            next_id: 0,
            by_key: HashMap::new(),
            txs: HashMap::new(),
            deadlines: BTreeSet::new(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Starts a client transaction for a request the user built (with a fresh branch). The ACK
    /// for a 2xx is not a transaction: the user sends it directly (refused here).
    pub fn send_request(
        &mut self,
        now: Timestamp,
        request: M,
        reliable: bool,
    ) -> Result<TxId, Error> {
        if request.status().is_some() {
            return Err(Error::InvalidState(
                "a response cannot start a client transaction",
            ));
        }
        if request.method() == Some("ACK") {
            return Err(Error::InvalidState(
                "ACK outside a transaction: send it directly",
            ));
        }
        let key =
            TxKey::client(&request).ok_or(Error::InvalidState("request without branch or CSeq"))?;
        if self.by_key.contains_key(&key) {
            return Err(Error::InvalidState(
                "request with the branch of a live transaction",
            ));
        }
        let tx = if request.method() == Some("INVITE") {
            Tx::Ci(ClientInvite::new(now, request, reliable, self.timers))
        } else {
            Tx::Cn(ClientNonInvite::new(now, request, reliable, self.timers))
        };
        Ok(self.insert(key, tx))
    }

    /// Routes a received message. `reliable` tells whether it came over a reliable transport.
    pub fn handle_incoming(&mut self, now: Timestamp, message: M, reliable: bool) -> Incoming<M> {
        if message.status().is_some() {
            return self.response(now, message);
        }
        let Some(key) = TxKey::server(&message) else {
            return Incoming::Invalid;
        };
        let is_ack = message.method() == Some("ACK");
        let Some(&id) = self.by_key.get(&key) else {
            return if is_ack {
                Incoming::Ack(message)
            } else {
                self.new_server(now, key, message, reliable)
            };
        };
        match self.txs.get_mut(&id).map(|e| &mut e.tx) {
            Some(Tx::Si(t)) => t.handle_request(now, message),
            Some(Tx::Sn(t)) => t.handle_request(now, message),
            _ => return Incoming::Invalid,
        }
        self.collect(id);
        Incoming::Absorbed
    }

    /// Sends the user's response through the server transaction `id`.
    pub fn send_response(&mut self, now: Timestamp, id: TxId, response: M) -> Result<(), Error> {
        match self.txs.get_mut(&id).map(|e| &mut e.tx) {
            Some(Tx::Si(t)) => t.send_response(now, response)?,
            Some(Tx::Sn(t)) => t.send_response(now, response)?,
            _ => return Err(Error::InvalidState("response without server transaction")),
        }
        self.collect(id);
        Ok(())
    }

    /// The transport failed for transaction `id`.
    pub fn handle_transport_error(&mut self, id: TxId) {
        if let Some(e) = self.txs.get_mut(&id) {
            each!(&mut e.tx, t => t.handle_transport_error());
            self.collect(id);
        }
    }

    /// Runs every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        while self.deadlines.first().is_some_and(|(at, _)| *at <= now) {
            let Some((_, id)) = self.deadlines.pop_first() else {
                break;
            };
            if let Some(e) = self.txs.get_mut(&id) {
                e.deadline = None;
                each!(&mut e.tx, t => t.handle_timeout(now));
            }
            self.collect(id);
        }
    }

    /// The earliest deadline of all transactions.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// The next message to send, with its transaction (the driver picks the destination: the
    /// request's target, or the response's Via).
    pub fn poll_transmit(&mut self) -> Option<(TxId, M)> {
        self.transmit.pop_front()
    }

    /// The next event for the user.
    pub fn poll_event(&mut self) -> Option<(TxId, TxEvent<M>)> {
        self.events.pop_front()
    }

    /// The matching key of a live transaction.
    pub fn key(&self, id: TxId) -> Option<&TxKey> {
        self.txs.get(&id).map(|e| &e.key)
    }

    /// The live transaction with this key.
    pub fn find(&self, key: &TxKey) -> Option<TxId> {
        self.by_key.get(key).copied()
    }

    /// For a received CANCEL's server transaction, the INVITE server transaction it targets
    /// (RFC 3261 § 9.2); `None` means answer the CANCEL with 481.
    pub fn cancel_target(&self, cancel: TxId) -> Option<TxId> {
        self.find(&self.key(cancel)?.cancelled()?)
    }

    /// Whether the INVITE client transaction `id` may be cancelled now.
    pub fn can_cancel(&self, id: TxId) -> bool {
        matches!(self.txs.get(&id).map(|e| &e.tx), Some(Tx::Ci(t)) if t.can_cancel())
    }

    /// Whether the transaction is live.
    pub fn contains(&self, id: TxId) -> bool {
        self.txs.contains_key(&id)
    }

    /// How many transactions are live.
    pub fn len(&self) -> usize {
        self.txs.len()
    }

    /// Whether no transaction is live.
    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    fn response(&mut self, now: Timestamp, response: M) -> Incoming<M> {
        let Some(id) = TxKey::client(&response).and_then(|k| self.find(&k)) else {
            return Incoming::StrayResponse(response);
        };
        match self.txs.get_mut(&id).map(|e| &mut e.tx) {
            Some(Tx::Ci(t)) => t.handle_response(now, response),
            Some(Tx::Cn(t)) => t.handle_response(now, response),
            _ => return Incoming::StrayResponse(response),
        }
        self.collect(id);
        Incoming::Absorbed
    }

    fn new_server(
        &mut self,
        now: Timestamp,
        key: TxKey,
        request: M,
        reliable: bool,
    ) -> Incoming<M> {
        if self.txs.len() >= self.max_transactions {
            return Incoming::Overloaded(request);
        }
        let tx = if key.method == "INVITE" {
            Tx::Si(ServerInvite::new(
                now,
                request.clone(),
                reliable,
                self.timers,
            ))
        } else {
            Tx::Sn(ServerNonInvite::new(request.clone(), reliable, self.timers))
        };
        Incoming::Request(self.insert(key, tx), request)
    }

    fn insert(&mut self, key: TxKey, tx: Tx<M>) -> TxId {
        let id = TxId(self.next_id);
        self.next_id += 1;
        self.by_key.insert(key.clone(), id);
        self.txs.insert(
            id,
            Entry {
                key,
                tx,
                deadline: None,
            },
        );
        self.collect(id);
        id
    }

    /// Moves a transaction's outputs to the layer's queues, re-files its deadline, and drops it
    /// once terminated.
    fn collect(&mut self, id: TxId) {
        let Some(e) = self.txs.get_mut(&id) else {
            return;
        };
        while let Some(m) = each!(&mut e.tx, t => t.poll_transmit()) {
            self.transmit.push_back((id, m));
        }
        let mut over = false;
        while let Some(ev) = each!(&mut e.tx, t => t.poll_event()) {
            over |= matches!(ev, TxEvent::Terminated);
            self.events.push_back((id, ev));
        }
        let next = if over {
            None
        } else {
            each!(&e.tx, t => t.poll_timeout())
        };
        if let Some(old) = std::mem::replace(&mut e.deadline, next) {
            self.deadlines.remove(&(old, id));
        }
        if let Some(at) = next {
            self.deadlines.insert((at, id));
        }
        if over && let Some(e) = self.txs.remove(&id) {
            self.by_key.remove(&e.key);
        }
    }
}
