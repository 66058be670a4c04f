//! The INVITE client transaction (RFC 3261 § 17.1.1, RFC 6026 § 7.2).

use sb_types::Timestamp;

use super::timer::{Outputs, Retransmit, earliest, fired, linger, retransmit_due};
use super::{TimerConfig, TxEvent, TxMessage};

/// States of [`ClientInvite`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientInviteState {
    /// INVITE sent, nothing heard (timers A and B run).
    Calling,
    /// A provisional response arrived; no retransmissions; timer C runs.
    Proceeding,
    /// A non-2xx final response arrived and was ACKed; absorbing its retransmissions (timer D).
    Completed,
    /// A 2xx arrived; further 2xx go to the user, who ACKs them (timer M).
    Accepted,
    /// Over.
    Terminated,
}

/// An INVITE client transaction.
#[derive(Debug, Clone)]
pub struct ClientInvite<M> {
    request: M,
    ack: Option<M>,
    state: ClientInviteState,
    reliable: bool,
    timers: TimerConfig,
    timer_a: Option<Retransmit>,
    timer_b: Option<Timestamp>,
    timer_c: Option<Timestamp>,
    cancel_asked: bool,
    end: Option<Timestamp>,
    out: Outputs<M>,
}

impl<M: TxMessage> ClientInvite<M> {
    /// Starts the transaction: the INVITE is queued for sending at once.
    pub fn new(now: Timestamp, request: M, reliable: bool, timers: TimerConfig) -> Self {
        let mut out = Outputs::default();
        out.send(request.clone());
        ClientInvite {
            request,
            ack: None,
            state: ClientInviteState::Calling,
            reliable,
            timers,
            timer_a: (!reliable).then(|| Retransmit::start(now, timers.t1)),
            timer_b: Some(now + timers.timeout()),
            timer_c: None,
            cancel_asked: false,
            end: None,
            out,
        }
    }

    /// The current state.
    pub fn state(&self) -> ClientInviteState {
        self.state
    }

    /// The INVITE this transaction sends.
    pub fn request(&self) -> &M {
        &self.request
    }

    /// Whether a CANCEL may be sent now (RFC 3261 § 9.1: only after a provisional response).
    pub fn can_cancel(&self) -> bool {
        self.state == ClientInviteState::Proceeding
    }

    /// A response matched to this transaction arrived.
    pub fn handle_response(&mut self, now: Timestamp, response: M) {
        use ClientInviteState::*;
        let Some(status) = response.status() else {
            return;
        };
        match (self.state, status) {
            (Calling | Proceeding, 100..=199) => self.proceed(now, response),
            (Calling | Proceeding, 200..=299) => self.accept(now, response),
            (Accepted, 200..=299) => self.out.event(TxEvent::Response(response)),
            (Calling | Proceeding, 300..) => self.complete(now, response),
            (Completed, 300..) => self.resend_ack(),
            _ => {}
        }
    }

    /// The transport could not send the request.
    pub fn handle_transport_error(&mut self) {
        if self.state != ClientInviteState::Terminated {
            self.out.event(TxEvent::TransportError);
            self.terminate();
        }
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if retransmit_due(self.timer_a, now) {
            self.out.send(self.request.clone());
            self.timer_a = self.timer_a.map(|a| a.backoff(now, None));
        }
        if fired(&mut self.timer_c, now) {
            self.out.event(TxEvent::ProceedingTimeout);
            self.cancel_asked = true;
            self.timer_b = Some(now + self.timers.timeout());
        }
        if fired(&mut self.timer_b, now) {
            self.out.event(TxEvent::Timeout);
            self.terminate();
        }
        if fired(&mut self.end, now) {
            self.terminate();
        }
    }

    /// The next deadline.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        earliest(&[
            self.timer_a.map(|a| a.at),
            self.timer_b,
            self.timer_c,
            self.end,
        ])
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<M> {
        self.out.transmit.pop_front()
    }

    /// The next event for the user.
    pub fn poll_event(&mut self) -> Option<TxEvent<M>> {
        self.out.events.pop_front()
    }

    fn proceed(&mut self, now: Timestamp, response: M) {
        self.state = ClientInviteState::Proceeding;
        self.timer_a = None;
        if !self.cancel_asked {
            self.timer_b = None;
            self.timer_c = Some(now + self.timers.timer_c);
        }
        self.out.event(TxEvent::Response(response));
    }

    fn accept(&mut self, now: Timestamp, response: M) {
        self.stop_calling();
        self.state = ClientInviteState::Accepted;
        self.end = Some(now + self.timers.timeout());
        self.out.event(TxEvent::Response(response));
    }

    fn complete(&mut self, now: Timestamp, response: M) {
        self.stop_calling();
        let ack = self.request.ack_for(&response);
        self.out.send(ack.clone());
        self.ack = Some(ack);
        self.out.event(TxEvent::Response(response));
        self.state = ClientInviteState::Completed;
        let d = linger(self.reliable, self.timers.timer_d);
        if d.is_zero() {
            self.terminate();
        } else {
            self.end = Some(now + d);
        }
    }

    fn resend_ack(&mut self) {
        if let Some(ack) = &self.ack {
            self.out.send(ack.clone());
        }
    }

    fn stop_calling(&mut self) {
        self.timer_a = None;
        self.timer_b = None;
        self.timer_c = None;
    }

    fn terminate(&mut self) {
        self.state = ClientInviteState::Terminated;
        self.timer_a = None;
        self.timer_b = None;
        self.timer_c = None;
        self.end = None;
        self.out.event(TxEvent::Terminated);
    }
}
