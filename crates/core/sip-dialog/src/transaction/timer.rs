//! Timer and output plumbing shared by the four transaction machines.

use std::collections::VecDeque;
use std::time::Duration;

use sb_types::Timestamp;

use super::TxEvent;

/// A retransmission timer: fires at `at`, then waits `interval` (which the machine may grow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Retransmit {
    pub(crate) at: Timestamp,
    pub(crate) interval: Duration,
}

impl Retransmit {
    pub(crate) fn start(now: Timestamp, interval: Duration) -> Self {
        Retransmit {
            at: now + interval,
            interval,
        }
    }

    /// The next firing after this one, with the interval doubled up to `cap`.
    pub(crate) fn backoff(self, now: Timestamp, cap: Option<Duration>) -> Self {
        let doubled = self.interval.saturating_mul(2);
        let interval = cap.map_or(doubled, |cap| doubled.min(cap));
        Retransmit {
            at: now + interval,
            interval,
        }
    }
}

/// Whether the one-shot timer has fired; clears it if so.
pub(crate) fn fired(timer: &mut Option<Timestamp>, now: Timestamp) -> bool {
    let due = timer.is_some_and(|at| at <= now);
    if due {
        *timer = None;
    }
    due
}

/// Whether the retransmission timer is due (it stays armed: the caller reschedules it).
pub(crate) fn retransmit_due(timer: Option<Retransmit>, now: Timestamp) -> bool {
    timer.is_some_and(|r| r.at <= now)
}

/// The earliest of some optional deadlines.
pub(crate) fn earliest(deadlines: &[Option<Timestamp>]) -> Option<Timestamp> {
    deadlines.iter().flatten().min().copied()
}

/// How long a completed state lingers: `d` on unreliable transports, zero on reliable ones.
pub(crate) fn linger(reliable: bool, d: Duration) -> Duration {
    if reliable { Duration::ZERO } else { d }
}

/// Queued transmissions and events.
#[derive(Debug, Clone)]
pub(crate) struct Outputs<M> {
    pub(crate) transmit: VecDeque<M>,
    pub(crate) events: VecDeque<TxEvent<M>>,
}

impl<M> Default for Outputs<M> {
    fn default() -> Self {
        Outputs {
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        }
    }
}

impl<M> Outputs<M> {
    pub(crate) fn send(&mut self, m: M) {
        self.transmit.push_back(m);
    }

    pub(crate) fn event(&mut self, e: TxEvent<M>) {
        self.events.push_back(e);
    }
}
