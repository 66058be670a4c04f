//! A waiting or connected interaction as the ACD holds it.

use crate::config::SkillRequirement;
use sb_types::{Channel, InteractionId, Timestamp};

/// Index of a queue in the ACD's table.
pub(crate) type QIdx = u32;
/// Index of an agent in the ACD's table.
pub(crate) type AIdx = u32;

/// Position in a queue: ascending is served first. `rank` is minus the time-invariant part of
/// the effective priority (see [`order_rank`]); ties go to the earlier arrival, then to the
/// earlier enqueue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct OrderKey {
    pub rank: i64,
    pub arrived: Timestamp,
    pub seq: u64,
}

/// Effective priority at `now` scaled by 60,000 (points × ms per minute) is
/// `initial × 60000 + acceleration × (now − arrived)`, i.e. `base + acceleration × now` with
/// `base = initial × 60000 − acceleration × arrived`. The order of a queue only depends on
/// `base`, which never changes while the interaction waits.
pub(crate) fn order_rank(initial: i32, acceleration: u32, arrived: Timestamp) -> i64 {
    let base = i64::from(initial)
        .saturating_mul(60_000)
        .saturating_sub(i64::from(acceleration).saturating_mul(arrived.as_millis()));
    base.saturating_neg()
}

/// The scaled effective priority of a key at `now`.
pub(crate) fn effective_scaled(key: &OrderKey, acceleration: u32, now: Timestamp) -> i64 {
    key.rank
        .saturating_neg()
        .saturating_add(i64::from(acceleration).saturating_mul(now.as_millis()))
}

/// Where an interaction is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// In a queue (and/or reserved for an agent), not offered.
    Waiting,
    /// Ringing these agents.
    Offered(Vec<AIdx>),
    /// Connected to an agent (or in that agent's wrap-up).
    Connected { agent: AIdx, since: Timestamp },
}

/// One interaction.
#[derive(Clone, Debug)]
pub(crate) struct Interaction {
    pub id: InteractionId,
    pub queue: QIdx,
    pub channel: Channel,
    pub priority: i32,
    pub skills: Vec<SkillRequirement>,
    pub callback: bool,
    /// Start of the SLA clock and of the queue order.
    pub arrived: Timestamp,
    /// When it entered its current queue (max wait, bullseye, announcements).
    pub entered: Timestamp,
    pub key: OrderKey,
    /// Agents who declined it, each until a time (they are not offered it again before).
    pub excluded: Vec<(AIdx, Timestamp)>,
    /// Reserved for an agent until a deadline (preferred agent).
    pub preferred: Option<(AIdx, Timestamp)>,
    /// Transferred to one agent: waits in that agent's line only.
    pub direct: Option<AIdx>,
    pub place: Place,
    pub sla_done: bool,
    pub next_step_at: Option<Timestamp>,
    pub next_announce_at: Option<Timestamp>,
    pub max_wait_at: Option<Timestamp>,
    pub hops: u8,
}

impl Interaction {
    /// Whether it is reserved for an agent other than `agent` at `now`.
    pub fn reserved_for_other(&self, agent: AIdx, now: Timestamp) -> bool {
        matches!(self.preferred, Some((p, until)) if p != agent && now < until)
    }

    /// Whether `agent` declined it and may not be offered it at `now`.
    pub fn excludes(&self, agent: AIdx, now: Timestamp) -> bool {
        self.excluded
            .iter()
            .any(|(a, until)| *a == agent && now < *until)
    }

    /// Milliseconds waited in the current queue.
    pub fn waited_ms(&self, now: Timestamp) -> u64 {
        duration_ms(now.saturating_since(self.entered))
    }
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn duration_ms(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
