//! Keeping the indexes in step: pools of ready agents, eligible queues, staffing.

use super::Acd;
use crate::AcdError;
use crate::agent::{Agent, PoolRef, bit};
use crate::command::AcdCommand;
use crate::config::{AgentConfig, QueueConfig};
use crate::input::Presence;
use crate::interaction::{AIdx, QIdx, order_rank};
use crate::pool::Pool;
use crate::queue::Queue;
use sb_types::{AgentId, Channel, SkillId, Timestamp};

impl Acd {
    pub(super) fn add_queue_config(&mut self, cfg: QueueConfig) {
        if let Some(&q) = self.queue_ix.get(&cfg.id) {
            if let Some(queue) = self.queue_mut(q) {
                queue.cfg = cfg;
            }
            return;
        }
        let q = QIdx::try_from(self.queues.len()).unwrap_or(QIdx::MAX);
        self.queue_ix.insert(cfg.id, q);
        self.queues.push(Queue::new(cfg));
    }

    pub(super) fn add_agent_config(&mut self, cfg: AgentConfig, now: Timestamp) {
        if let Some(&a) = self.agent_ix.get(&cfg.id) {
            if let Some(agent) = self.agent_mut(a) {
                agent.cfg = cfg;
            }
            return;
        }
        let a = AIdx::try_from(self.agents.len()).unwrap_or(AIdx::MAX);
        self.agent_ix.insert(cfg.id, a);
        self.agents.push(Agent::new(cfg, now));
    }

    /// Rebuilds pools, eligible queues and staffing from scratch (configuration changes).
    pub(super) fn rebuild_indexes(&mut self) {
        self.pools.clear();
        self.pool_ix.clear();
        for q in 0..self.queues.len() {
            let (skill, channel) = match self.queues.get(q) {
                Some(queue) => (queue.primary_skill(), queue.cfg.channel),
                None => continue,
            };
            self.ensure_pool(skill, channel);
        }
        for queue in &mut self.queues {
            queue.stats.staffed = 0;
        }
        for a in 0..self.agents.len() {
            let a = AIdx::try_from(a).unwrap_or(AIdx::MAX);
            self.rebuild_agent(a);
        }
    }

    fn ensure_pool(&mut self, skill: Option<SkillId>, channel: Channel) {
        if !self.pool_ix.contains_key(&(skill, channel)) {
            let p = u32::try_from(self.pools.len()).unwrap_or(u32::MAX);
            self.pool_ix.insert((skill, channel), p);
            self.pools.push(Pool::default());
        }
    }

    fn rebuild_agent(&mut self, a: AIdx) {
        let queues = self.eligible_queues(a);
        let pools = self.pool_refs(a);
        let Some(agent) = self.agent_mut(a) else {
            return;
        };
        agent.indexed = None;
        agent.queues = queues;
        agent.pools = pools;
        let logged_in = agent.logged_in() && !agent.removed;
        if logged_in {
            self.add_staffing(a, 1);
        }
        self.sync_agent(a);
    }

    /// The queues the agent may serve, with the bullseye level each needs (0: at once).
    pub(super) fn eligible_queues(&self, a: AIdx) -> Vec<(QIdx, u8)> {
        let Some(agent) = self.agent(a) else {
            return Vec::new();
        };
        let fits = |queue: &Queue| {
            if agent.cfg.capacity.limit(queue.cfg.channel) == 0 {
                return None;
            }
            let needed = agent.needed_level(&queue.cfg.skills)?;
            queue.wait_for_level(needed).map(|_| needed)
        };
        let mut out = Vec::new();
        for (q, queue) in self.queues.iter().enumerate() {
            if let (Some(needed), Ok(q)) = (fits(queue), QIdx::try_from(q)) {
                out.push((q, needed));
            }
        }
        out
    }

    fn pool_refs(&self, a: AIdx) -> Vec<PoolRef> {
        let Some(agent) = self.agent(a) else {
            return Vec::new();
        };
        let mut refs = Vec::new();
        for channel in Channel::ALL {
            if agent.cfg.capacity.limit(channel) == 0 {
                continue;
            }
            if let Some(&pool) = self.pool_ix.get(&(None, channel)) {
                refs.push(PoolRef {
                    pool,
                    channel,
                    tier: 1,
                });
            }
            for s in &agent.cfg.skills {
                if let Some(&pool) = self.pool_ix.get(&(Some(s.skill), channel)) {
                    refs.push(PoolRef {
                        pool,
                        channel,
                        tier: s.proficiency,
                    });
                }
            }
        }
        refs
    }

    /// Adds `delta` (±1) to the staffing of every queue the agent is eligible for.
    pub(super) fn add_staffing(&mut self, a: AIdx, delta: i32) {
        let Some(agent) = self.agents.get(a as usize) else {
            return;
        };
        for &(q, _) in &agent.queues {
            if let Some(queue) = self.queues.get_mut(q as usize) {
                let s = &mut queue.stats.staffed;
                *s = s.saturating_add_signed(delta);
            }
        }
    }

    /// Puts the agent in (or takes it out of) its pools under its current keys, and tells the
    /// engine if its visible state changed.
    pub(super) fn sync_agent(&mut self, a: AIdx) {
        self.reindex(a);
        let Some(agent) = self.agent_mut(a) else {
            return;
        };
        let shown = (agent.state(), agent.next.clone());
        if shown != agent.shown {
            agent.shown = shown.clone();
            let id = agent.cfg.id;
            self.emit(AcdCommand::AgentStateChanged {
                agent: id,
                state: shown.0,
                next: shown.1,
            });
        }
    }

    fn reindex(&mut self, a: AIdx) {
        let Some(agent) = self.agents.get_mut(a as usize) else {
            return;
        };
        let mask = agent.ready_mask();
        let new = (mask != 0).then(|| (mask, agent.keys()));
        if new == agent.indexed {
            return;
        }
        let old = std::mem::replace(&mut agent.indexed, new);
        for r in &agent.pools {
            let Some(pool) = self.pools.get_mut(r.pool as usize) else {
                continue;
            };
            if let Some((m, k)) = old
                && m & bit(r.channel) != 0
            {
                pool.remove(r.tier, a, k);
            }
            if let Some((m, k)) = new
                && m & bit(r.channel) != 0
            {
                pool.insert(r.tier, a, k);
            }
        }
    }

    pub(super) fn upsert_queue(&mut self, cfg: QueueConfig) -> Result<(), AcdError> {
        cfg.validate()?;
        self.check_overflow(&cfg)?;
        self.check_channel_change(&cfg)?;
        let id = cfg.id;
        self.add_queue_config(cfg);
        let q = self.queue_idx(id)?;
        self.rekey_queue(q);
        self.rebuild_indexes();
        self.mark_all_dirty(q);
        Ok(())
    }

    /// Recomputes the order keys of a queue's waiting line (its aging may have changed).
    fn rekey_queue(&mut self, q: QIdx) {
        let Some(queue) = self.queues.get_mut(q as usize) else {
            return;
        };
        let accel = queue.cfg.priority.acceleration_per_min;
        let old = std::mem::take(&mut queue.waiting);
        for (key, entry) in old {
            let mut new_key = key;
            if let Some(i) = self.interactions.get_mut(&entry.id) {
                new_key.rank = order_rank(i.priority, accel, i.arrived);
                i.key = new_key;
            }
            queue.waiting.insert(new_key, entry);
        }
        queue.refresh();
    }

    fn mark_all_dirty(&mut self, q: QIdx) {
        let agents = (0..self.agents.len()).filter_map(|a| AIdx::try_from(a).ok());
        self.dirty_agents.extend(agents);
        if let Some(queue) = self.queue(q) {
            let ids: Vec<_> = queue.waiting.values().map(|e| e.id).collect();
            self.dirty_interactions.extend(ids);
        }
    }

    /// An overflow queue must be another queue of the same channel (unknown ones are allowed:
    /// they may be published next; until then overflow rejects).
    pub(super) fn check_overflow(&self, cfg: &QueueConfig) -> Result<(), AcdError> {
        let bad = || AcdError::InvalidConfig {
            field: "overflow.queue".into(),
            reason: "must name another queue of the same channel".into(),
        };
        match overflow_queue(cfg) {
            Some(target) if target == cfg.id => Err(bad()),
            Some(target) => match self.queue_ix.get(&target).and_then(|q| self.queue(*q)) {
                Some(t) if t.cfg.channel != cfg.channel => Err(bad()),
                _ => Ok(()),
            },
            None => Ok(()),
        }
    }

    /// A queue's channel may only change while nothing waits in it.
    fn check_channel_change(&self, cfg: &QueueConfig) -> Result<(), AcdError> {
        let queue = self.queue_ix.get(&cfg.id).and_then(|q| self.queue(*q));
        match queue {
            Some(q) if q.cfg.channel != cfg.channel && !q.waiting.is_empty() => {
                Err(AcdError::InvalidConfig {
                    field: "channel".into(),
                    reason: "cannot change while interactions wait in the queue".into(),
                })
            }
            _ => Ok(()),
        }
    }

    pub(super) fn upsert_agent(
        &mut self,
        now: Timestamp,
        cfg: AgentConfig,
    ) -> Result<(), AcdError> {
        cfg.validate()?;
        let id = cfg.id;
        if let Ok(a) = self.agent_idx(id) {
            self.detach(a);
        }
        self.add_agent_config(cfg, now);
        let a = self.agent_idx(id)?;
        self.rebuild_agent(a);
        self.dirty_agents.push_back(a);
        Ok(())
    }

    /// Takes an agent out of every index (before its profile changes).
    fn detach(&mut self, a: AIdx) {
        if let Some(agent) = self.agent_mut(a) {
            let was_in = agent.logged_in() && !agent.removed;
            let saved = agent.presence.clone();
            agent.presence = Presence::LoggedOut;
            self.reindex(a);
            if let Some(agent) = self.agent_mut(a) {
                agent.presence = saved;
            }
            if was_in {
                self.add_staffing(a, -1);
            }
        }
    }

    pub(super) fn remove_agent(&mut self, id: AgentId) -> Result<(), AcdError> {
        let a = self.agent_idx(id)?;
        let busy = self
            .agent(a)
            .is_some_and(|x| x.logged_in() || !x.slots.is_empty() || !x.direct.is_empty());
        if busy {
            return Err(AcdError::AgentBusy(id));
        }
        self.detach(a);
        if let Some(agent) = self.agent_mut(a) {
            agent.removed = true;
        }
        self.agent_ix.remove(&id);
        Ok(())
    }
}

fn overflow_queue(cfg: &QueueConfig) -> Option<sb_types::QueueId> {
    match cfg.overflow {
        crate::config::OverflowTarget::Queue { queue } => Some(queue),
        _ => None,
    }
}
