//! SIP transactions (RFC 3261 § 17, with the RFC 6026 Accepted states).
//!
//! Four machines — [`ClientInvite`], [`ClientNonInvite`], [`ServerInvite`],
//! [`ServerNonInvite`] — each driven the same way: the transaction user hands in messages
//! (`handle_*`, `send_*`), the driver calls [`handle_timeout`](ClientInvite::handle_timeout) at
//! [`poll_timeout`](ClientInvite::poll_timeout) and forwards [`poll_transmit`](ClientInvite::poll_transmit)
//! to the transport and [`poll_event`](ClientInvite::poll_event) to the transaction user.
//!
//! The machines are generic over the message type through [`TxMessage`]: they only need a
//! status code, and ways to build an ACK and a 100 Trying. [`TxKey`] implements the matching
//! rules of § 17.1.3 and § 17.2.3.

mod client_invite;
mod client_non_invite;
mod key;
mod layer;
mod server_invite;
mod server_non_invite;
#[cfg(test)]
mod tests;
pub(crate) mod timer;

use std::time::Duration;

pub use client_invite::{ClientInvite, ClientInviteState};
pub use client_non_invite::{ClientNonInvite, ClientNonInviteState};
pub use key::TxKey;
pub use layer::{Incoming, Transactions, TxId};
pub use server_invite::{ServerInvite, ServerInviteState};
pub use server_non_invite::{ServerNonInvite, ServerNonInviteState};

/// What a transaction needs from a SIP message.
pub trait TxMessage: Clone {
    /// The status code of a response; `None` for a request.
    fn status(&self) -> Option<u16>;
    /// The request method (`None` for a response).
    fn method(&self) -> Option<&str>;
    /// The CSeq method.
    fn cseq_method(&self) -> Option<String>;
    /// The `branch` parameter of the top Via.
    fn branch(&self) -> Option<String>;
    /// The sent-by (host and port) of the top Via.
    fn sent_by(&self) -> Option<String>;
    /// The ACK an INVITE client transaction sends for a non-2xx final `response` to `self`
    /// (RFC 3261 § 17.1.1.3: same Request-URI, Call-ID, From, CSeq number, top Via and Route;
    /// To from the response).
    fn ack_for(&self, response: &Self) -> Self;
    /// The 100 Trying answering the request `self` (RFC 3261 § 8.2.6).
    fn trying(&self) -> Self;
}

/// A shared message: retransmissions then cost a reference count instead of a deep copy.
impl<T: TxMessage> TxMessage for std::sync::Arc<T> {
    fn status(&self) -> Option<u16> {
        T::status(self)
    }
    fn method(&self) -> Option<&str> {
        T::method(self)
    }
    fn cseq_method(&self) -> Option<String> {
        T::cseq_method(self)
    }
    fn branch(&self) -> Option<String> {
        T::branch(self)
    }
    fn sent_by(&self) -> Option<String> {
        T::sent_by(self)
    }
    fn ack_for(&self, response: &Self) -> Self {
        std::sync::Arc::new(T::ack_for(self, response))
    }
    fn trying(&self) -> Self {
        std::sync::Arc::new(T::trying(self))
    }
}

/// Timer base values (RFC 3261 § 17.1.1.1 and table 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// RTT estimate, 500 ms by default.
    pub t1: Duration,
    /// Longest retransmit interval for non-INVITE requests and INVITE responses, 4 s.
    pub t2: Duration,
    /// Longest time a message stays in the network, 5 s.
    pub t4: Duration,
    /// When a server INVITE transaction sends 100 Trying if the TU has not answered, 200 ms.
    pub trying_delay: Duration,
    /// Timer D: how long an INVITE client waits for final response retransmissions, 32 s.
    pub timer_d: Duration,
    /// Timer C (RFC 3261 § 16.6 step 11, applied to every INVITE client): how long an INVITE
    /// may stay in Proceeding after its last provisional response, 180 s. Then the user is
    /// told to CANCEL, and 64 × T1 later the transaction gives up.
    pub timer_c: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            trying_delay: Duration::from_millis(200),
            timer_d: Duration::from_secs(32),
            timer_c: Duration::from_secs(180),
        }
    }
}

impl TimerConfig {
    /// 64 × T1: timers B, F, H, J, L, M.
    pub fn timeout(&self) -> Duration {
        self.t1.saturating_mul(64)
    }
}

/// What a transaction tells its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxEvent<M> {
    /// A response for the client's user (provisional, final, and 2xx retransmissions in the
    /// Accepted state).
    Response(M),
    /// An ACK that reached a server INVITE transaction in the Accepted state (RFC 6026 § 8.7).
    Ack(M),
    /// No final response (timer B or F) or no ACK (timer H) in time.
    Timeout,
    /// An INVITE stayed in Proceeding for timer C: send a CANCEL. The transaction waits
    /// 64 × T1 more for the final response, then reports [`TxEvent::Timeout`].
    ProceedingTimeout,
    /// The transport failed to send (RFC 3261 § 17.1.4 / § 17.2.4).
    TransportError,
    /// The transaction is over and may be dropped.
    Terminated,
}
