//! The non-INVITE server transaction (RFC 3261 § 17.2.2).

use sb_types::Timestamp;

use super::timer::{Outputs, earliest, fired, linger};
use super::{TimerConfig, TxEvent, TxMessage};
use crate::Error;

/// States of [`ServerNonInvite`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerNonInviteState {
    /// Request received, nothing sent; retransmissions are absorbed.
    Trying,
    /// A provisional response was sent; retransmissions get it again.
    Proceeding,
    /// The final response was sent; retransmissions get it again (timer J).
    Completed,
    /// Over.
    Terminated,
}

/// A non-INVITE server transaction.
#[derive(Debug, Clone)]
pub struct ServerNonInvite<M> {
    request: M,
    state: ServerNonInviteState,
    reliable: bool,
    timers: TimerConfig,
    last_response: Option<M>,
    timer_j: Option<Timestamp>,
    out: Outputs<M>,
}

impl<M: TxMessage> ServerNonInvite<M> {
    /// Creates the transaction for a received request.
    pub fn new(request: M, reliable: bool, timers: TimerConfig) -> Self {
        ServerNonInvite {
            request,
            state: ServerNonInviteState::Trying,
            reliable,
            timers,
            last_response: None,
            timer_j: None,
            out: Outputs::default(),
        }
    }

    /// The current state.
    pub fn state(&self) -> ServerNonInviteState {
        self.state
    }

    /// The request.
    pub fn request(&self) -> &M {
        &self.request
    }

    /// The user sends a response through the transaction.
    pub fn send_response(&mut self, now: Timestamp, response: M) -> Result<(), Error> {
        use ServerNonInviteState::*;
        let status = response
            .status()
            .ok_or(Error::InvalidState("a request as response"))?;
        if !matches!(self.state, Trying | Proceeding) {
            return Err(Error::InvalidState("response"));
        }
        self.out.send(response.clone());
        self.last_response = Some(response);
        if status < 200 {
            self.state = Proceeding;
        } else {
            self.complete(now);
        }
        Ok(())
    }

    /// A retransmission of the request arrived.
    pub fn handle_request(&mut self, _now: Timestamp, _request: M) {
        let answered = matches!(
            self.state,
            ServerNonInviteState::Proceeding | ServerNonInviteState::Completed
        );
        if let (true, Some(r)) = (answered, &self.last_response) {
            self.out.send(r.clone());
        }
    }

    /// The transport could not send a response.
    pub fn handle_transport_error(&mut self) {
        if self.state != ServerNonInviteState::Terminated {
            self.out.event(TxEvent::TransportError);
            self.terminate();
        }
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if fired(&mut self.timer_j, now) {
            self.terminate();
        }
    }

    /// The next deadline.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        earliest(&[self.timer_j])
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<M> {
        self.out.transmit.pop_front()
    }

    /// The next event for the user.
    pub fn poll_event(&mut self) -> Option<TxEvent<M>> {
        self.out.events.pop_front()
    }

    fn complete(&mut self, now: Timestamp) {
        self.state = ServerNonInviteState::Completed;
        let d = linger(self.reliable, self.timers.timeout());
        if d.is_zero() {
            self.terminate();
        } else {
            self.timer_j = Some(now + d);
        }
    }

    fn terminate(&mut self) {
        self.state = ServerNonInviteState::Terminated;
        self.timer_j = None;
        self.out.event(TxEvent::Terminated);
    }
}
