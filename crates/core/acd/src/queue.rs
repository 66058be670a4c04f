//! A queue as the ACD holds it: configuration, the waiting line, staffing, handle-time average
//! and live SLA counters.

use crate::command::SlaOutcome;
use crate::config::{QueueConfig, SkillRequirement};
use crate::interaction::OrderKey;
use sb_types::{InteractionId, SkillId, Timestamp};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Live counters of one queue (since the ACD started).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    /// Interactions waiting (not offered) now.
    pub waiting: u32,
    /// Logged-in agents eligible for the queue.
    pub staffed: u32,
    /// SLA clocks stopped by an answer.
    pub answered: u64,
    /// … of which within the target.
    pub answered_within_target: u64,
    /// SLA clocks stopped by an abandon.
    pub abandoned: u64,
    /// … of which after the target.
    pub abandoned_after_target: u64,
    /// SLA clocks stopped by an overflow out of the ACD.
    pub overflowed: u64,
    /// … of which after the target.
    pub overflowed_after_target: u64,
    /// Average handle time now used for the estimated wait, ms.
    pub aht_ms: u64,
}

impl QueueStats {
    /// Counts one stopped SLA clock.
    pub(crate) fn record(&mut self, outcome: SlaOutcome, within: bool) {
        let (all, late_or_early) = match outcome {
            SlaOutcome::Answered => (&mut self.answered, &mut self.answered_within_target),
            SlaOutcome::Abandoned => (&mut self.abandoned, &mut self.abandoned_after_target),
            SlaOutcome::Overflowed => (&mut self.overflowed, &mut self.overflowed_after_target),
        };
        *all += 1;
        let counts = if outcome == SlaOutcome::Answered {
            within
        } else {
            !within
        };
        *late_or_early += u64::from(counts);
    }
}

/// A waiting interaction as its queue line holds it: enough to decide for most interactions
/// without looking the interaction up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub id: InteractionId,
    pub entered: Timestamp,
    /// No extra skills, exclusions or reservation: any agent eligible for the queue may
    /// take it once old enough.
    pub plain: bool,
}

/// One queue.
#[derive(Clone, Debug)]
pub(crate) struct Queue {
    pub cfg: QueueConfig,
    /// Waiting interactions in service order.
    pub waiting: BTreeMap<OrderKey, Entry>,
    /// The same, by time of entry (to skip a queue whose oldest entry is too young for an
    /// agent under the bullseye rules).
    pub by_entry: BTreeSet<(Timestamp, u64)>,
    /// Cached first entry of `waiting` and earliest entry time, so a freed agent reads one
    /// struct per queue instead of walking two trees.
    pub head: Option<(OrderKey, Entry)>,
    pub oldest: Option<Timestamp>,
    pub stats: QueueStats,
}

/// Weight of the newest handle time in the moving average (1/8).
const AHT_WEIGHT: u64 = 8;

impl Queue {
    pub fn new(cfg: QueueConfig) -> Self {
        let aht_ms = u64::from(cfg.initial_aht_secs).saturating_mul(1000);
        Queue {
            cfg,
            waiting: BTreeMap::new(),
            by_entry: BTreeSet::new(),
            head: None,
            oldest: None,
            stats: QueueStats {
                aht_ms,
                ..QueueStats::default()
            },
        }
    }

    /// Adds a waiting interaction to the line.
    pub fn insert(&mut self, key: OrderKey, entry: Entry) {
        self.waiting.insert(key, entry);
        self.by_entry.insert((entry.entered, key.seq));
        self.refresh();
    }

    /// Takes an interaction out of the line; false if it was not in it.
    pub fn remove(&mut self, key: &OrderKey) -> bool {
        let Some(entry) = self.waiting.remove(key) else {
            return false;
        };
        self.by_entry.remove(&(entry.entered, key.seq));
        self.refresh();
        true
    }

    /// Recomputes the cached head, oldest entry and waiting count.
    pub fn refresh(&mut self) {
        self.head = self.waiting.first_key_value().map(|(k, e)| (*k, *e));
        self.oldest = self.by_entry.first().map(|(t, _)| *t);
        self.stats.waiting = u32::try_from(self.waiting.len()).unwrap_or(u32::MAX);
    }

    /// The skill whose pool is searched for this queue (None: any agent).
    pub fn primary(&self) -> Option<SkillRequirement> {
        self.cfg.skills.first().copied()
    }

    pub fn primary_skill(&self) -> Option<SkillId> {
        self.primary().map(|r| r.skill)
    }

    pub fn record_handle_time(&mut self, ms: u64) {
        let old = self.stats.aht_ms;
        self.stats.aht_ms = (old.saturating_mul(AHT_WEIGHT - 1).saturating_add(ms)) / AHT_WEIGHT;
    }

    /// Estimated wait for the interaction at 1-based `position`, ms:
    /// `position × AHT / staffed agents` (at least one agent assumed).
    pub fn ewt_ms(&self, position: u32) -> u64 {
        let staffed = u64::from(self.stats.staffed.max(1));
        u64::from(position).saturating_mul(self.stats.aht_ms) / staffed
    }

    /// The step level reached after `waited_ms` (0 if no step yet).
    pub fn step_level(&self, waited_ms: u64) -> u8 {
        self.cfg.allowed_proficiency(0, waited_ms)
    }

    /// The wait (ms) after which the bullseye accepts level `needed` (0: at once).
    pub fn wait_for_level(&self, needed: u8) -> Option<u64> {
        if needed == 0 {
            return Some(0);
        }
        self.cfg
            .bullseye
            .iter()
            .filter(|s| s.max_proficiency >= needed)
            .map(|s| u64::from(s.after_secs) * 1000)
            .min()
    }
}
