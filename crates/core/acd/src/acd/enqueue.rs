//! Entering a queue: enqueue, deadlines while waiting, return after a failed offer, callbacks.
use super::Acd;
use crate::AcdError;
use crate::command::OverflowReason;
use crate::config::ANY_PROFICIENCY;
use crate::input::Enqueue;
use crate::interaction::{AIdx, Interaction, OrderKey, Place, QIdx, order_rank};
use crate::timer::Timer;
use sb_types::{InteractionId, Timestamp};
use std::time::Duration;

impl Acd {
    pub(super) fn enqueue(&mut self, now: Timestamp, e: Enqueue) -> Result<(), AcdError> {
        if self.interactions.contains_key(&e.interaction) {
            return Err(AcdError::DuplicateInteraction(e.interaction));
        }
        let q = self.queue_idx(e.queue)?;
        if e.skills
            .iter()
            .any(|s| !(1..=ANY_PROFICIENCY).contains(&s.max_proficiency))
        {
            return Err(AcdError::InvalidConfig {
                field: "enqueue.skills.max_proficiency".into(),
                reason: "proficiency must be 1..=10".into(),
            });
        }
        let queue_id = e.queue;
        let i = self
            .new_interaction(now, q, e)
            .ok_or(AcdError::UnknownQueue(queue_id))?;
        let id = i.id;
        self.interactions.insert(id, i);
        self.enter_queue(now, id);
        Ok(())
    }

    fn new_interaction(&mut self, now: Timestamp, q: QIdx, e: Enqueue) -> Option<Interaction> {
        let seq = self.next_seq();
        let cfg = self.queue(q).map(|x| &x.cfg)?;
        let (accel, channel) = (cfg.priority.acceleration_per_min, cfg.channel);
        let arrived = e.arrived_at.unwrap_or(now).min(now);
        let priority = e.priority.unwrap_or(cfg.priority.initial);
        let preferred = self.reservation(now, cfg.preferred_agent_timeout_secs, e.preferred_agent);
        Some(Interaction {
            id: e.interaction,
            queue: q,
            channel,
            priority,
            skills: e.skills,
            callback: e.callback,
            arrived,
            entered: now,
            key: OrderKey {
                rank: order_rank(priority, accel, arrived),
                arrived,
                seq,
            },
            excluded: Vec::new(),
            preferred,
            direct: None,
            place: Place::Waiting,
            sla_done: false,
            next_step_at: None,
            next_announce_at: None,
            max_wait_at: None,
            hops: 0,
        })
    }

    /// The preferred-agent reservation of a new interaction, if the queue has one.
    fn reservation(
        &self,
        now: Timestamp,
        timeout_secs: Option<u32>,
        agent: Option<sb_types::AgentId>,
    ) -> Option<(AIdx, Timestamp)> {
        let a = self.agent_ix.get(&agent?).copied()?;
        Some((a, now + Duration::from_secs(u64::from(timeout_secs?))))
    }

    /// Puts an interaction that just entered its queue (or agent line) in place, or overflows
    /// it if the queue is full.
    pub(super) fn enter_queue(&mut self, now: Timestamp, id: InteractionId) {
        let Some(i) = self.interactions.get(&id) else {
            return;
        };
        let full = i.direct.is_none()
            && self.queue(i.queue).is_some_and(|q| {
                q.cfg
                    .max_size
                    .is_some_and(|m| q.waiting.len() >= m as usize)
            });
        if full {
            self.overflow(now, id, OverflowReason::MaxSize);
            return;
        }
        if let Some((_, until)) = i.preferred {
            self.timers.set(until, Timer::Preferred(id));
        }
        self.set_max_wait(id);
        self.schedule_waiting_timers(now, id);
        self.list(now, id);
    }

    fn set_max_wait(&mut self, id: InteractionId) {
        let Some(i) = self.interactions.get(&id) else {
            return;
        };
        let limit = self.queue(i.queue).and_then(|q| q.cfg.max_wait_secs);
        let at = limit
            .filter(|_| !i.callback)
            .map(|s| i.entered + Duration::from_secs(u64::from(s)));
        if let Some(i) = self.interactions.get_mut(&id) {
            i.max_wait_at = at;
        }
        if let Some(at) = at {
            self.timers.set(at, Timer::MaxWait(id));
        }
    }

    /// Schedules the next bullseye step and announcement after `now`.
    pub(super) fn schedule_waiting_timers(&mut self, now: Timestamp, id: InteractionId) {
        let Some(i) = self.interactions.get(&id) else {
            return;
        };
        let Some(queue) = self.queue(i.queue) else {
            return;
        };
        let waited = i.waited_ms(now);
        let entered = i.entered;
        let step = queue
            .cfg
            .next_step_after(waited)
            .map(|ms| entered + Duration::from_millis(ms));
        let from = if now == entered {
            0
        } else {
            waited.saturating_add(1)
        };
        let announce = (!i.callback)
            .then(|| super::timeouts::next_announcement(&queue.cfg, from))
            .flatten()
            .map(|ms| entered + Duration::from_millis(ms));
        if let Some(i) = self.interactions.get_mut(&id) {
            i.next_step_at = step;
            i.next_announce_at = announce;
        }
        if let Some(at) = step {
            self.timers.set(at, Timer::Step(id));
        }
        if let Some(at) = announce {
            self.timers.set(at, Timer::Announce(id));
        }
    }

    /// An offer failed: the interaction goes back to its place (same order key).
    pub(super) fn return_to_queue(&mut self, now: Timestamp, id: InteractionId) {
        let Some(i) = self.interactions.get(&id) else {
            return;
        };
        if i.max_wait_at.is_some_and(|at| at <= now) {
            if let Some(i) = self.interactions.get_mut(&id) {
                i.place = Place::Waiting;
            }
            self.overflow(now, id, OverflowReason::MaxWait);
            return;
        }
        self.schedule_waiting_timers(now, id);
        self.list(now, id);
    }

    pub(super) fn request_callback(&mut self, id: InteractionId) -> Result<(), AcdError> {
        let i = self
            .interactions
            .get_mut(&id)
            .ok_or(AcdError::UnknownInteraction(id))?;
        if i.place != Place::Waiting {
            return Err(AcdError::InvalidState {
                interaction: id,
                action: "become a callback",
            });
        }
        i.callback = true;
        i.next_announce_at = None;
        i.max_wait_at = None;
        Ok(())
    }
}
