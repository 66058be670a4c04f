//! Choosing agents for an interaction, per strategy, from the ready pools.

use super::Acd;
use super::route::SCAN_LIMIT;
use crate::command::{Explanation, SkillMatch, Trigger};
use crate::config::Strategy;
use crate::interaction::{AIdx, Interaction, duration_ms};
use crate::pool::{Merge, Tier};
use crate::queue::Queue;
use sb_types::{InteractionId, Timestamp};

/// At most this many agents are rung at once by ring all.
pub(super) const RING_ALL_MAX: usize = 32;

impl Acd {
    /// The agents to offer a waiting interaction to, with the reason.
    pub(super) fn select_agents(
        &self,
        now: Timestamp,
        id: InteractionId,
    ) -> Option<(Vec<AIdx>, Explanation)> {
        let i = self.interactions.get(&id)?;
        let queue = self.queue(i.queue)?;
        let pool = self
            .pool_ix
            .get(&(queue.primary_skill(), queue.cfg.channel))
            .and_then(|p| self.pools.get(*p as usize))?;
        let waited = i.waited_ms(now);
        let max_tier = queue.primary().map_or(1, |r| {
            queue.cfg.allowed_proficiency(r.max_proficiency, waited)
        });
        let tiers = pool.upto(max_tier);
        let ok = |a: &AIdx| self.qualifies(*a, queue, i, waited, now);
        let agents = pick(queue.cfg.strategy, tiers, ok);
        let first = *agents.first()?;
        let count = u32::try_from(pool.count(max_tier)).unwrap_or(u32::MAX);
        let e = self.explain(now, id, first, Trigger::Arrival, count, Some(max_tier));
        Some((agents, e))
    }

    /// Whether agent `a` may take interaction `i` of `queue` after `waited` ms.
    fn qualifies(
        &self,
        a: AIdx,
        queue: &Queue,
        i: &Interaction,
        waited: u64,
        now: Timestamp,
    ) -> bool {
        let Some(agent) = self.agent(a) else {
            return false;
        };
        let level = queue.step_level(waited);
        let skills_ok = agent
            .needed_level(&queue.cfg.skills)
            .is_some_and(|n| n <= level);
        skills_ok && !i.excludes(a, now) && self.extras_ok(a, i, now)
    }

    /// Builds the explanation of offering `id` to `a`.
    pub(super) fn explain(
        &self,
        now: Timestamp,
        id: InteractionId,
        a: AIdx,
        trigger: Trigger,
        candidates: u32,
        allowed: Option<u8>,
    ) -> Explanation {
        let i = self.interactions.get(&id);
        let queue = i.and_then(|i| self.queue(i.queue));
        let agent = self.agent(a);
        let waited = i.map_or(0, |i| i.waited_ms(now));
        let skill = queue.and_then(|q| q.primary()).and_then(|r| {
            let proficiency = agent?.cfg.proficiency(r.skill)?;
            let allowed = allowed.unwrap_or_else(|| {
                queue.map_or(r.max_proficiency, |q| {
                    q.cfg.allowed_proficiency(r.max_proficiency, waited)
                })
            });
            Some(SkillMatch {
                skill: r.skill,
                proficiency,
                allowed,
            })
        });
        Explanation {
            strategy: queue.map_or(Strategy::LongestIdle, |q| q.cfg.strategy),
            trigger,
            skill,
            waited_ms: waited,
            idle_ms: agent.map_or(0, |x| duration_ms(now.saturating_since(x.idle_since))),
            load_permille: agent.map_or(0, |x| x.load_permille()),
            priority: i.map_or(0, |i| self.effective(i, now)),
            candidates,
            reserved: false,
        }
    }

    /// Effective priority in points.
    pub(super) fn effective(&self, i: &Interaction, now: Timestamp) -> i64 {
        let accel = self
            .queue(i.queue)
            .map_or(0, |q| q.cfg.priority.acceleration_per_min);
        crate::interaction::effective_scaled(&i.key, accel, now) / 60_000
    }
}

/// Applies a strategy to the ready tiers (best proficiency first).
fn pick(strategy: Strategy, tiers: &[Tier], ok: impl Fn(&AIdx) -> bool) -> Vec<AIdx> {
    let one = |it: &mut dyn Iterator<Item = AIdx>| it.take(SCAN_LIMIT).find(|a| ok(a));
    let found = match strategy {
        Strategy::LongestIdle => one(&mut Merge::new(tiers.iter().map(|t| &t.idle)).map(|k| k.1)),
        Strategy::MostSkilled => one(&mut tiers.iter().flat_map(|t| t.idle.iter().map(|k| k.1))),
        Strategy::LeastOccupied => one(&mut Merge::new(tiers.iter().map(|t| &t.load)).map(|k| k.2)),
        Strategy::RoundRobin => one(&mut Merge::new(tiers.iter().map(|t| &t.rr)).map(|k| k.1)),
        Strategy::RingAll => {
            let all = Merge::new(tiers.iter().map(|t| &t.idle)).map(|k| k.1);
            return all
                .take(SCAN_LIMIT)
                .filter(|a| ok(a))
                .take(RING_ALL_MAX)
                .collect();
        }
    };
    found.into_iter().collect()
}
