//! The UAS's 2xx retransmissions until the ACK (RFC 3261 § 13.3.1.4): with RFC 6026 the
//! INVITE server transaction no longer does it, the dialog layer does.

use std::collections::VecDeque;

use sb_types::Timestamp;

use crate::transaction::TimerConfig;
use crate::transaction::timer::Retransmit;

/// Whether the ACK came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckWaitState {
    /// Still waiting; the 2xx is retransmitted.
    Waiting,
    /// The ACK arrived.
    Acknowledged,
    /// 64 × T1 passed without ACK: the session should be ended with BYE.
    TimedOut,
}

/// Retransmits a 2xx (T1 doubling up to T2; not on reliable transports) until the ACK
/// arrives, or gives up after 64 × T1.
#[derive(Debug, Clone)]
pub struct AckWait<M> {
    response: M,
    t2: std::time::Duration,
    retransmit: Option<Retransmit>,
    give_up: Timestamp,
    state: AckWaitState,
    transmit: VecDeque<M>,
}

impl<M: Clone> AckWait<M> {
    /// Starts after the 2xx was sent once at `now`.
    pub fn new(now: Timestamp, response: M, reliable: bool, timers: TimerConfig) -> Self {
        AckWait {
            response,
            t2: timers.t2,
            retransmit: (!reliable).then(|| Retransmit::start(now, timers.t1)),
            give_up: now + timers.timeout(),
            state: AckWaitState::Waiting,
            transmit: VecDeque::new(),
        }
    }

    /// Where it stands.
    pub fn state(&self) -> AckWaitState {
        self.state
    }

    /// The ACK arrived.
    pub fn handle_ack(&mut self) {
        if self.state == AckWaitState::Waiting {
            self.state = AckWaitState::Acknowledged;
        }
    }

    /// Retransmits, or gives up.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if self.state != AckWaitState::Waiting {
            return;
        }
        if self.give_up <= now {
            self.state = AckWaitState::TimedOut;
            return;
        }
        if let Some(r) = self.retransmit.filter(|r| r.at <= now) {
            self.transmit.push_back(self.response.clone());
            self.retransmit = Some(r.backoff(now, Some(self.t2)));
        }
    }

    /// The next deadline while waiting.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        if self.state != AckWaitState::Waiting {
            return None;
        }
        Some(
            self.retransmit
                .map_or(self.give_up, |r| r.at.min(self.give_up)),
        )
    }

    /// The next retransmission.
    pub fn poll_transmit(&mut self) -> Option<M> {
        self.transmit.pop_front()
    }
}
