//! The matching loop. After every input the ACD is *stable*: no ready agent can take any
//! waiting interaction. An input can only break that for the agents and interactions it
//! touched, which are marked dirty; matching only those keeps each decision local.

use super::Acd;
use crate::agent::{Phase, Slot};
use crate::command::{AcdCommand, Explanation, Offer, Trigger};
use crate::config::Strategy;
use crate::interaction::{AIdx, Interaction, OrderKey, Place, QIdx, effective_scaled};
use crate::queue::Entry;
use sb_types::{InteractionId, Timestamp};

/// How many waiting interactions one queue scan looks at before giving up (only interactions
/// with extra skills, exclusions or reservations are ever skipped).
pub(super) const SCAN_LIMIT: usize = 256;

/// A candidate interaction for a freed agent.
struct Pick {
    id: InteractionId,
    eff: i64,
    key: OrderKey,
    reserved: bool,
}

impl Pick {
    /// Smaller is served first: higher effective priority, then earlier arrival and enqueue.
    fn rank(&self) -> (std::cmp::Reverse<i64>, Timestamp, u64) {
        (std::cmp::Reverse(self.eff), self.key.arrived, self.key.seq)
    }
}

impl Acd {
    /// Matches dirty agents, then dirty interactions, until the ACD is stable.
    pub(super) fn route(&mut self, now: Timestamp) {
        loop {
            if let Some(a) = self.dirty_agents.pop_front() {
                while self.route_agent(now, a) {}
            } else if !self.dirty_interactions.is_empty() {
                let mut batch: Vec<_> = self.dirty_interactions.drain(..).collect();
                batch.sort_by_cached_key(|id| self.rank_of(*id, now));
                batch.dedup();
                for id in batch {
                    self.route_interaction(now, id);
                }
            } else {
                break;
            }
        }
    }

    /// Service order of an interaction at `now` (smaller first; gone ones sort first and are
    /// skipped).
    fn rank_of(
        &self,
        id: InteractionId,
        now: Timestamp,
    ) -> Option<(std::cmp::Reverse<i64>, Timestamp, u64)> {
        let i = self.interactions.get(&id)?;
        Some((
            std::cmp::Reverse(self.eff(i, now)),
            i.key.arrived,
            i.key.seq,
        ))
    }

    /// Offers the best waiting interaction to agent `a`; true if one was offered.
    fn route_agent(&mut self, now: Timestamp, a: AIdx) -> bool {
        let Some(agent) = self.agent(a) else {
            return false;
        };
        if agent.ready_mask() == 0 {
            return false;
        }
        let direct = self.best_direct(now, a);
        let (pick, queues) = match direct {
            Some(p) => (Some(p), 0),
            None => self.best_in_queues(now, a),
        };
        let Some(pick) = pick else {
            return false;
        };
        let explanation = self.explain(now, pick.id, a, Trigger::AgentFreed, queues, None);
        let explanation = Explanation {
            reserved: pick.reserved,
            priority: pick.eff / 60_000,
            ..explanation
        };
        let agents = self.ring_group(now, &pick, a);
        self.offer(now, pick.id, &agents, explanation);
        true
    }

    /// The agents to ring for a freed agent's pick: that agent, plus every other eligible
    /// ready agent when the queue rings all.
    fn ring_group(&self, now: Timestamp, pick: &Pick, a: AIdx) -> Vec<AIdx> {
        let ring_all = !pick.reserved
            && self
                .interactions
                .get(&pick.id)
                .and_then(|i| self.queue(i.queue))
                .is_some_and(|q| q.cfg.strategy == Strategy::RingAll);
        let mut agents = vec![a];
        if ring_all && let Some((others, _)) = self.select_agents(now, pick.id) {
            agents.extend(others.into_iter().filter(|x| *x != a));
            agents.truncate(super::select::RING_ALL_MAX);
        }
        agents
    }

    fn best_direct(&self, now: Timestamp, a: AIdx) -> Option<Pick> {
        let agent = self.agent(a)?;
        agent.direct.iter().take(SCAN_LIMIT).find_map(|(key, id)| {
            let i = self.interactions.get(id)?;
            let fits = i.place == Place::Waiting && agent.has_room(i.channel);
            fits.then(|| Pick {
                id: *id,
                eff: self.eff(i, now),
                key: *key,
                reserved: true,
            })
        })
    }

    fn eff(&self, i: &Interaction, now: Timestamp) -> i64 {
        let accel = self
            .queue(i.queue)
            .map_or(0, |q| q.cfg.priority.acceleration_per_min);
        effective_scaled(&i.key, accel, now)
    }

    /// The best interaction across the agent's queues: highest effective priority, then
    /// earliest arrival, then earliest enqueue.
    fn best_in_queues(&self, now: Timestamp, a: AIdx) -> (Option<Pick>, u32) {
        let Some(agent) = self.agent(a) else {
            return (None, 0);
        };
        let mut best: Option<Pick> = None;
        let mut considered = 0;
        for &(q, needed) in &agent.queues {
            let Some(pick) = self.first_servable(now, a, q, needed) else {
                continue;
            };
            considered += 1;
            let better = best.as_ref().is_none_or(|b| pick.rank() < b.rank());
            if better {
                best = Some(pick);
            }
        }
        (best, considered)
    }

    /// The first interaction of queue `q`, in service order, that agent `a` may take now.
    fn first_servable(&self, now: Timestamp, a: AIdx, q: QIdx, needed: u8) -> Option<Pick> {
        let queue = self.queue(q)?;
        if queue.waiting.is_empty() || !self.agent(a)?.has_room(queue.cfg.channel) {
            return None;
        }
        let min_wait = queue.wait_for_level(needed)?;
        let cutoff = now - std::time::Duration::from_millis(min_wait);
        if min_wait > 0 && queue.oldest.is_none_or(|t| t > cutoff) {
            return None;
        }
        let accel = queue.cfg.priority.acceleration_per_min;
        let pick = |key: &OrderKey, e: &Entry| Pick {
            id: e.id,
            eff: effective_scaled(key, accel, now),
            key: *key,
            reserved: false,
        };
        // Fast path: the cached head, when it is plain and old enough, without a tree walk.
        if let Some((key, e)) = &queue.head
            && e.plain
            && e.entered <= cutoff
        {
            return Some(pick(key, e));
        }
        queue.waiting.iter().take(SCAN_LIMIT).find_map(|(key, e)| {
            let ok = e.entered <= cutoff && (e.plain || self.may_take(a, e.id, now));
            ok.then(|| pick(key, e))
        })
    }

    /// The checks a plain queue entry does not need: reservation, exclusion, extra skills.
    fn may_take(&self, a: AIdx, id: InteractionId, now: Timestamp) -> bool {
        self.interactions.get(&id).is_some_and(|i| {
            !i.reserved_for_other(a, now) && !i.excludes(a, now) && self.extras_ok(a, i, now)
        })
    }

    /// Whether agent `a` meets the interaction's own skill requirements at its wait.
    pub(super) fn extras_ok(&self, a: AIdx, i: &Interaction, now: Timestamp) -> bool {
        if i.skills.is_empty() {
            return true;
        }
        let (Some(agent), Some(queue)) = (self.agent(a), self.queue(i.queue)) else {
            return false;
        };
        match agent.needed_level(&i.skills) {
            Some(0) => true,
            Some(n) => queue.step_level(i.waited_ms(now)) >= n,
            None => false,
        }
    }

    /// Looks for agents for a waiting interaction.
    fn route_interaction(&mut self, now: Timestamp, id: InteractionId) {
        let Some(i) = self.interactions.get(&id) else {
            return;
        };
        if i.place != Place::Waiting {
            return;
        }
        if let Some(a) = i
            .direct
            .or(i.preferred.filter(|(_, u)| now < *u).map(|(a, _)| a))
        {
            self.route_reserved(now, id, a);
            return;
        }
        if let Some((agents, explanation)) = self.select_agents(now, id) {
            self.offer(now, id, &agents, explanation);
        }
    }

    fn route_reserved(&mut self, now: Timestamp, id: InteractionId, a: AIdx) {
        let fits = match (self.interactions.get(&id), self.agent(a)) {
            (Some(i), Some(agent)) => agent.routable() && agent.has_room(i.channel),
            _ => false,
        };
        if fits {
            let mut e = self.explain(now, id, a, Trigger::Arrival, 1, None);
            e.reserved = true;
            self.offer(now, id, &[a], e);
        }
    }

    /// Takes the interaction out of its line and rings `agents`.
    pub(super) fn offer(
        &mut self,
        now: Timestamp,
        id: InteractionId,
        agents: &[AIdx],
        e: Explanation,
    ) {
        self.unlist(id);
        let Some(i) = self.interactions.get_mut(&id) else {
            return;
        };
        i.place = Place::Offered(agents.to_vec());
        let (q, direct) = (i.queue, i.direct);
        let Some(queue) = self.queue(q) else {
            return;
        };
        let ring_all = queue.cfg.strategy == Strategy::RingAll && direct.is_none();
        let expires = now + std::time::Duration::from_secs(u64::from(queue.cfg.offer_timeout_secs));
        let Some(template) = self.offer_template(id, expires, e) else {
            return;
        };
        for &a in agents {
            self.ring(a, &template, ring_all);
        }
    }

    /// The offer of `id` with its agent left to fill in.
    fn offer_template(
        &self,
        id: InteractionId,
        expires: Timestamp,
        e: Explanation,
    ) -> Option<Offer> {
        let i = self.interactions.get(&id)?;
        Some(Offer {
            interaction: id,
            agent: sb_types::AgentId::from_u128(0),
            queue: self.queue_id(i.queue),
            channel: i.channel,
            callback: i.callback,
            expires_at: expires,
            explanation: e,
        })
    }

    /// Rings agent `a`: takes a slot, arms the offer timeout, tells the engine.
    fn ring(&mut self, a: AIdx, template: &Offer, ring_all: bool) {
        self.rr_seq += 1;
        let rr = self.rr_seq;
        let Some(agent) = self.agent_mut(a) else {
            return;
        };
        agent.rr_seq = rr;
        let (id, expires) = (template.interaction, template.expires_at);
        agent.slots.push(Slot {
            interaction: id,
            channel: template.channel,
            phase: Phase::Offered { expires, ring_all },
            detached: false,
        });
        let offer = Offer {
            agent: agent.cfg.id,
            ..template.clone()
        };
        self.timers.set(expires, crate::timer::Timer::Offer(id, a));
        self.emit(AcdCommand::Offer(offer));
        self.sync_agent(a);
    }

    /// Removes a waiting interaction from its queue line and from any agent's direct line.
    pub(super) fn unlist(&mut self, id: InteractionId) {
        let Some(i) = self.interactions.get(&id) else {
            return;
        };
        let (key, q) = (i.key, i.queue);
        let owners = [i.direct, i.preferred.map(|(a, _)| a)];
        if let Some(queue) = self.queues.get_mut(q as usize) {
            queue.remove(&key);
        }
        for a in owners.into_iter().flatten() {
            if let Some(agent) = self.agents.get_mut(a as usize) {
                agent.direct.remove(&key);
            }
        }
    }

    /// Puts a waiting interaction in its lines (queue, or the agent it is reserved for).
    pub(super) fn list(&mut self, now: Timestamp, id: InteractionId) {
        let Some(i) = self.interactions.get_mut(&id) else {
            return;
        };
        i.place = Place::Waiting;
        i.excluded.retain(|(_, until)| now < *until);
        if i.preferred.is_some_and(|(_, until)| now >= until) {
            i.preferred = None;
        }
        let (key, q, entered, direct) = (i.key, i.queue, i.entered, i.direct);
        let plain = i.skills.is_empty() && i.excluded.is_empty() && i.preferred.is_none();
        let entry = Entry { id, entered, plain };
        if let Some((a, _)) = i.preferred
            && let Some(agent) = self.agents.get_mut(a as usize)
        {
            agent.direct.insert(key, id);
        }
        if let Some(a) = direct {
            if let Some(agent) = self.agents.get_mut(a as usize) {
                agent.direct.insert(key, id);
            }
        } else if let Some(queue) = self.queues.get_mut(q as usize) {
            queue.insert(key, entry);
        }
        self.dirty_interactions.push_back(id);
    }
}
