//! Per-source failure tracking: N failed authentications within a window ban the source for a
//! while (rate limiting against password guessing such as `svcrack`).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::Duration;

use sb_types::Timestamp;

/// When a source gets banned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BanPolicy {
    /// Failures within `window` that trigger a ban.
    pub max_failures: usize,
    /// The sliding window failures are counted in.
    pub window: Duration,
    /// How long a ban lasts.
    pub ban: Duration,
}

impl Default for BanPolicy {
    /// Five failures in a minute ban for fifteen minutes.
    fn default() -> Self {
        BanPolicy {
            max_failures: 5,
            window: Duration::from_secs(60),
            ban: Duration::from_secs(900),
        }
    }
}

/// Whether a source may be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Process the request.
    Allowed,
    /// Drop it (or answer 403) until the given time.
    Banned {
        /// When the ban ends.
        until: Timestamp,
    },
}

#[derive(Debug, Clone, Default)]
struct Entry {
    failures: VecDeque<Timestamp>,
    banned_until: Option<Timestamp>,
}

/// Failure counts and bans per source key (an IP address, or IP and user name).
///
/// Pure: time is passed in. Entries with neither a recent failure nor a ban are dropped by
/// [`FailureTracker::handle_timeout`], whose next deadline is [`FailureTracker::poll_timeout`].
#[derive(Debug, Clone)]
pub struct FailureTracker<K> {
    policy: BanPolicy,
    entries: HashMap<K, Entry>,
}

impl<K: Hash + Eq + Clone> FailureTracker<K> {
    /// An empty tracker.
    pub fn new(policy: BanPolicy) -> Self {
        FailureTracker {
            policy,
            entries: HashMap::new(),
        }
    }

    /// Whether `source` may be served at `now`.
    pub fn check(&self, now: Timestamp, source: &K) -> Admission {
        match self.entries.get(source).and_then(|e| e.banned_until) {
            Some(until) if now < until => Admission::Banned { until },
            _ => Admission::Allowed,
        }
    }

    /// Records a failed authentication; returns the admission that now applies.
    pub fn record_failure(&mut self, now: Timestamp, source: &K) -> Admission {
        let policy = self.policy;
        let entry = self.entries.entry(source.clone()).or_default();
        forget_old(entry, now, policy.window);
        entry.failures.push_back(now);
        if entry.failures.len() >= policy.max_failures.max(1) {
            entry.failures.clear();
            entry.banned_until = Some(now + policy.ban);
        }
        self.check(now, source)
    }

    /// Records a success: the source's failure history is forgotten (a ban stays).
    pub fn record_success(&mut self, source: &K) {
        if let Some(e) = self.entries.get_mut(source) {
            e.failures.clear();
        }
    }

    /// The next time an entry can be dropped.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.entries
            .values()
            .filter_map(|e| self.entry_deadline(e))
            .min()
    }

    /// Drops entries whose failures and ban are over.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        let window = self.policy.window;
        self.entries.retain(|_, e| {
            forget_old(e, now, window);
            e.banned_until = e.banned_until.filter(|u| now < *u);
            !e.failures.is_empty() || e.banned_until.is_some()
        });
    }

    /// How many sources are tracked.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no source is tracked.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn entry_deadline(&self, e: &Entry) -> Option<Timestamp> {
        let failures_end = e.failures.back().map(|t| *t + self.policy.window);
        failures_end.max(e.banned_until)
    }
}

fn forget_old(entry: &mut Entry, now: Timestamp, window: Duration) {
    while entry
        .failures
        .front()
        .is_some_and(|t| now.saturating_since(*t) >= window)
    {
        entry.failures.pop_front();
    }
}
