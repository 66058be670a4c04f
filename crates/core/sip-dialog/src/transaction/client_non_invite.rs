//! The non-INVITE client transaction (RFC 3261 § 17.1.2).

use sb_types::Timestamp;

use super::timer::{Outputs, Retransmit, earliest, fired, linger, retransmit_due};
use super::{TimerConfig, TxEvent, TxMessage};

/// States of [`ClientNonInvite`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientNonInviteState {
    /// Request sent (timers E and F run; E doubles up to T2).
    Trying,
    /// A provisional response arrived (E fires every T2; F still runs).
    Proceeding,
    /// A final response arrived; absorbing retransmissions (timer K).
    Completed,
    /// Over.
    Terminated,
}

/// A non-INVITE client transaction (REGISTER, BYE, OPTIONS, CANCEL, …).
#[derive(Debug, Clone)]
pub struct ClientNonInvite<M> {
    request: M,
    state: ClientNonInviteState,
    reliable: bool,
    timers: TimerConfig,
    timer_e: Option<Retransmit>,
    timer_f: Option<Timestamp>,
    timer_k: Option<Timestamp>,
    out: Outputs<M>,
}

impl<M: TxMessage> ClientNonInvite<M> {
    /// Starts the transaction: the request is queued for sending at once.
    pub fn new(now: Timestamp, request: M, reliable: bool, timers: TimerConfig) -> Self {
        let mut out = Outputs::default();
        out.send(request.clone());
        ClientNonInvite {
            request,
            state: ClientNonInviteState::Trying,
            reliable,
            timers,
            timer_e: (!reliable).then(|| Retransmit::start(now, timers.t1)),
            timer_f: Some(now + timers.timeout()),
            timer_k: None,
            out,
        }
    }

    /// The current state.
    pub fn state(&self) -> ClientNonInviteState {
        self.state
    }

    /// The request this transaction sends.
    pub fn request(&self) -> &M {
        &self.request
    }

    /// A response matched to this transaction arrived.
    pub fn handle_response(&mut self, now: Timestamp, response: M) {
        use ClientNonInviteState::*;
        let Some(status) = response.status() else {
            return;
        };
        match (self.state, status) {
            (Trying | Proceeding, 100..=199) => {
                self.state = Proceeding;
                self.out.event(TxEvent::Response(response));
            }
            (Trying | Proceeding, 200..) => self.complete(now, response),
            _ => {}
        }
    }

    /// The transport could not send the request.
    pub fn handle_transport_error(&mut self) {
        if self.state != ClientNonInviteState::Terminated {
            self.out.event(TxEvent::TransportError);
            self.terminate();
        }
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if retransmit_due(self.timer_e, now) {
            self.out.send(self.request.clone());
            let t2 = self.timers.t2;
            self.timer_e = self.timer_e.map(|e| match self.state {
                ClientNonInviteState::Proceeding => Retransmit {
                    at: now + t2,
                    interval: t2,
                },
                _ => e.backoff(now, Some(t2)),
            });
        }
        if fired(&mut self.timer_f, now) {
            self.out.event(TxEvent::Timeout);
            self.terminate();
        }
        if fired(&mut self.timer_k, now) {
            self.terminate();
        }
    }

    /// The next deadline.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        earliest(&[self.timer_e.map(|e| e.at), self.timer_f, self.timer_k])
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<M> {
        self.out.transmit.pop_front()
    }

    /// The next event for the user.
    pub fn poll_event(&mut self) -> Option<TxEvent<M>> {
        self.out.events.pop_front()
    }

    fn complete(&mut self, now: Timestamp, response: M) {
        self.state = ClientNonInviteState::Completed;
        self.timer_e = None;
        self.timer_f = None;
        self.out.event(TxEvent::Response(response));
        let d = linger(self.reliable, self.timers.t4);
        if d.is_zero() {
            self.terminate();
        } else {
            self.timer_k = Some(now + d);
        }
    }

    fn terminate(&mut self) {
        self.state = ClientNonInviteState::Terminated;
        self.timer_e = None;
        self.timer_f = None;
        self.timer_k = None;
        self.out.event(TxEvent::Terminated);
    }
}
