//! Reliable provisional responses (RFC 3262): the UAS sends them one at a time and retransmits
//! until PRACKed; the UAC acknowledges each in order.

use std::collections::VecDeque;

use sb_types::Timestamp;

use crate::Error;
use crate::transaction::TimerConfig;
use crate::transaction::timer::Retransmit;

/// What [`ReliableProvisionals`] tells its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrackEvent {
    /// The provisional with this RSeq was acknowledged.
    Acknowledged(u32),
    /// No PRACK within 64 × T1: reject the INVITE with a 5xx (RFC 3262 § 3).
    Timeout(u32),
}

#[derive(Debug, Clone)]
struct Unacked<M> {
    rseq: u32,
    response: M,
    retransmit: Retransmit,
    give_up: Timestamp,
}

/// The UAS side for one INVITE: numbering, one-at-a-time sending, retransmission.
#[derive(Debug, Clone)]
pub struct ReliableProvisionals<M> {
    timers: TimerConfig,
    invite_cseq: u32,
    next_rseq: u32,
    unacked: Option<Unacked<M>>,
    waiting: VecDeque<(u32, M)>,
    transmit: VecDeque<M>,
    events: VecDeque<PrackEvent>,
}

impl<M: Clone> ReliableProvisionals<M> {
    /// For the INVITE with CSeq `invite_cseq`; `initial_rseq` is random in 1..2^31.
    pub fn new(invite_cseq: u32, initial_rseq: u32, timers: TimerConfig) -> Self {
        ReliableProvisionals {
            timers,
            invite_cseq,
            next_rseq: initial_rseq.clamp(1, 1 << 31),
            unacked: None,
            waiting: VecDeque::new(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Sends a reliable provisional; `build` makes it with the given RSeq. It waits if an
    /// earlier one is not yet acknowledged. Returns the RSeq.
    pub fn send(&mut self, now: Timestamp, build: impl FnOnce(u32) -> M) -> u32 {
        let rseq = self.next_rseq;
        self.next_rseq = self.next_rseq.wrapping_add(1);
        self.waiting.push_back((rseq, build(rseq)));
        self.start_next(now);
        rseq
    }

    /// A PRACK arrived with this RAck.
    pub fn handle_prack(
        &mut self,
        now: Timestamp,
        rseq: u32,
        cseq: u32,
        method: &str,
    ) -> Result<(), Error> {
        let matches = self.unacked.as_ref().is_some_and(|u| u.rseq == rseq)
            && cseq == self.invite_cseq
            && method.eq_ignore_ascii_case("INVITE");
        if !matches {
            return Err(Error::NoMatchingProvisional);
        }
        self.unacked = None;
        self.events.push_back(PrackEvent::Acknowledged(rseq));
        self.start_next(now);
        Ok(())
    }

    /// Whether a reliable provisional is awaiting its PRACK (a 2xx must wait for it when it
    /// carried an offer, RFC 3262 § 3).
    pub fn is_pending(&self) -> bool {
        self.unacked.is_some() || !self.waiting.is_empty()
    }

    /// The final response was sent: stop retransmitting (RFC 3262 § 3).
    pub fn stop(&mut self) {
        self.unacked = None;
        self.waiting.clear();
    }

    /// Retransmits (T1 doubling) or gives up at 64 × T1.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        let Some(u) = &mut self.unacked else { return };
        if u.give_up <= now {
            self.events.push_back(PrackEvent::Timeout(u.rseq));
            self.stop();
            return;
        }
        if u.retransmit.at <= now {
            self.transmit.push_back(u.response.clone());
            u.retransmit = u.retransmit.backoff(now, None);
        }
    }

    /// The next deadline.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.unacked
            .as_ref()
            .map(|u| u.retransmit.at.min(u.give_up))
    }

    /// The next response to send.
    pub fn poll_transmit(&mut self) -> Option<M> {
        self.transmit.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<PrackEvent> {
        self.events.pop_front()
    }

    fn start_next(&mut self, now: Timestamp) {
        if self.unacked.is_some() {
            return;
        }
        let Some((rseq, response)) = self.waiting.pop_front() else {
            return;
        };
        self.transmit.push_back(response.clone());
        self.unacked = Some(Unacked {
            rseq,
            response,
            retransmit: Retransmit::start(now, self.timers.t1),
            give_up: now + self.timers.timeout(),
        });
    }
}

/// The UAC side: which reliable provisionals to PRACK (RFC 3262 § 4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProvisionalTracker {
    last_rseq: Option<u32>,
}

impl ProvisionalTracker {
    /// A reliable provisional with `rseq` arrived: `true` if it is new and in order, so the user
    /// processes it and sends a PRACK with `RAck: rseq cseq INVITE`; `false` for a
    /// retransmission or an out-of-order one (ignored).
    pub fn receive(&mut self, rseq: u32) -> bool {
        let in_order = self
            .last_rseq
            .is_none_or(|last| rseq == last.wrapping_add(1));
        if in_order {
            self.last_rseq = Some(rseq);
        }
        in_order
    }
}
