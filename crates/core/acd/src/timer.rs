//! Deadlines. A min-heap with lazy cancellation: each entry names what it is for, and is
//! checked against the current state when it fires, so cancelling is just forgetting.

use crate::interaction::AIdx;
use sb_types::{InteractionId, Timestamp};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What a deadline is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    Offer(InteractionId, AIdx),
    WrapUp(InteractionId, AIdx),
    Step(InteractionId),
    MaxWait(InteractionId),
    Announce(InteractionId),
    Preferred(InteractionId),
    Exclusion(InteractionId, AIdx),
    Grace(AIdx),
    Logout(AIdx),
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Timestamp, Timer)>>,
}

impl Timers {
    pub fn set(&mut self, at: Timestamp, timer: Timer) {
        self.heap.push(Reverse((at, timer)));
    }

    pub fn next(&self) -> Option<Timestamp> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Takes the earliest entry due at `now`.
    pub fn pop_due(&mut self, now: Timestamp) -> Option<(Timestamp, Timer)> {
        if self.next()? > now {
            return None;
        }
        self.heap.pop().map(|Reverse(e)| e)
    }

    /// Takes the next entry if it is due exactly at `at`.
    pub fn pop_at(&mut self, at: Timestamp) -> Option<(Timestamp, Timer)> {
        if self.next()? != at {
            return None;
        }
        self.heap.pop().map(|Reverse(e)| e)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }
}
