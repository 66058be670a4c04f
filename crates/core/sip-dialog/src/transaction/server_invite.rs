//! The INVITE server transaction (RFC 3261 § 17.2.1, RFC 6026 § 7.1).

use sb_types::Timestamp;

use super::timer::{Outputs, Retransmit, earliest, fired, linger, retransmit_due};
use super::{TimerConfig, TxEvent, TxMessage};
use crate::Error;

/// States of [`ServerInvite`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerInviteState {
    /// INVITE received; the user may send provisional responses.
    Proceeding,
    /// A non-2xx final response was sent; waiting for the ACK (timers G and H).
    Completed,
    /// The ACK arrived; absorbing its retransmissions (timer I).
    Confirmed,
    /// A 2xx was sent; the user retransmits it, ACKs go to the user (timer L).
    Accepted,
    /// Over.
    Terminated,
}

/// An INVITE server transaction.
#[derive(Debug, Clone)]
pub struct ServerInvite<M> {
    request: M,
    state: ServerInviteState,
    reliable: bool,
    timers: TimerConfig,
    last_response: Option<M>,
    trying_at: Option<Timestamp>,
    timer_g: Option<Retransmit>,
    timer_h: Option<Timestamp>,
    end: Option<Timestamp>,
    out: Outputs<M>,
}

impl<M: TxMessage> ServerInvite<M> {
    /// Creates the transaction for a received INVITE. A 100 Trying goes out after
    /// [`TimerConfig::trying_delay`] unless the user responds first.
    pub fn new(now: Timestamp, request: M, reliable: bool, timers: TimerConfig) -> Self {
        ServerInvite {
            request,
            state: ServerInviteState::Proceeding,
            reliable,
            timers,
            last_response: None,
            trying_at: Some(now + timers.trying_delay),
            timer_g: None,
            timer_h: None,
            end: None,
            out: Outputs::default(),
        }
    }

    /// The current state.
    pub fn state(&self) -> ServerInviteState {
        self.state
    }

    /// The INVITE.
    pub fn request(&self) -> &M {
        &self.request
    }

    /// The user sends a response through the transaction.
    pub fn send_response(&mut self, now: Timestamp, response: M) -> Result<(), Error> {
        use ServerInviteState::*;
        let status = response
            .status()
            .ok_or(Error::InvalidState("a request as response"))?;
        match (self.state, status) {
            (Proceeding, 100..=199) => self.provisional(response),
            (Proceeding, 200..=299) => self.accept(now, response),
            (Accepted, 200..=299) => self.out.send(response),
            (Proceeding, 300..) => self.complete(now, response),
            _ => return Err(Error::InvalidState("response")),
        }
        Ok(())
    }

    /// A request matched to this transaction arrived: an INVITE retransmission or an ACK.
    pub fn handle_request(&mut self, now: Timestamp, request: M) {
        use ServerInviteState::*;
        let is_ack = request.method() == Some("ACK");
        match (self.state, is_ack) {
            (Proceeding | Completed, false) => self.resend_last(),
            (Completed, true) => self.confirm(now),
            (Accepted, true) => self.out.event(TxEvent::Ack(request)),
            _ => {}
        }
    }

    /// The transport could not send a response.
    pub fn handle_transport_error(&mut self) {
        if self.state != ServerInviteState::Terminated {
            self.out.event(TxEvent::TransportError);
            self.terminate();
        }
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if fired(&mut self.trying_at, now) {
            self.provisional(self.request.trying());
        }
        if retransmit_due(self.timer_g, now) {
            self.resend_last();
            self.timer_g = self.timer_g.map(|g| g.backoff(now, Some(self.timers.t2)));
        }
        if fired(&mut self.timer_h, now) {
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
            self.trying_at,
            self.timer_g.map(|g| g.at),
            self.timer_h,
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

    fn provisional(&mut self, response: M) {
        self.trying_at = None;
        self.out.send(response.clone());
        self.last_response = Some(response);
    }

    fn accept(&mut self, now: Timestamp, response: M) {
        self.trying_at = None;
        self.out.send(response);
        self.last_response = None;
        self.state = ServerInviteState::Accepted;
        self.end = Some(now + self.timers.timeout());
    }

    fn complete(&mut self, now: Timestamp, response: M) {
        self.provisional(response);
        self.state = ServerInviteState::Completed;
        self.timer_g = (!self.reliable).then(|| Retransmit::start(now, self.timers.t1));
        self.timer_h = Some(now + self.timers.timeout());
    }

    fn confirm(&mut self, now: Timestamp) {
        self.state = ServerInviteState::Confirmed;
        self.timer_g = None;
        self.timer_h = None;
        let d = linger(self.reliable, self.timers.t4);
        if d.is_zero() {
            self.terminate();
        } else {
            self.end = Some(now + d);
        }
    }

    fn resend_last(&mut self) {
        if let Some(r) = &self.last_response {
            self.out.send(r.clone());
        }
    }

    fn terminate(&mut self) {
        self.state = ServerInviteState::Terminated;
        self.trying_at = None;
        self.timer_g = None;
        self.timer_h = None;
        self.end = None;
        self.out.event(TxEvent::Terminated);
    }
}
