//! Deadlines firing: offers ringing out, wrap-up limits, bullseye steps, maximum wait,
//! announcements, preferred-agent reservations, connection grace.

use super::Acd;
use crate::agent::Phase;
use crate::command::{AcdCommand, OverflowReason};
use crate::config::QueueConfig;
use crate::interaction::{Place, duration_ms};
use crate::timer::Timer;
use sb_types::{InteractionId, Timestamp};
use std::time::Duration;

/// The first occurrence at or after `t` of a schedule starting at `first`, repeating every
/// `every` (0: once). All in ms.
fn next_at_or_after(first: u64, every: u64, t: u64) -> Option<u64> {
    if t <= first {
        return Some(first);
    }
    if every == 0 {
        return None;
    }
    let periods = (t - first).div_ceil(every);
    first.checked_add(periods.checked_mul(every)?)
}

fn schedules(cfg: &QueueConfig) -> impl Iterator<Item = (u64, u64, Option<&str>)> {
    let messages = cfg.messages.iter().map(|m| {
        let every = u64::from(m.repeat_secs.unwrap_or(0)) * 1000;
        (
            u64::from(m.after_secs) * 1000,
            every,
            Some(m.prompt.as_str()),
        )
    });
    let position = cfg.position_announcement.map(|r| {
        (
            u64::from(r.after_secs) * 1000,
            u64::from(r.every_secs) * 1000,
            None,
        )
    });
    messages.chain(position)
}

/// The next announcement (message or position) at or after `from` ms of waiting.
pub(super) fn next_announcement(cfg: &QueueConfig, from: u64) -> Option<u64> {
    schedules(cfg)
        .filter_map(|(first, every, _)| next_at_or_after(first, every, from))
        .min()
}

/// What plays at exactly `offset` ms of waiting: prompts, and `None` for the position.
fn due_at(cfg: &QueueConfig, offset: u64) -> Vec<Option<String>> {
    schedules(cfg)
        .filter(|(first, every, _)| next_at_or_after(*first, *every, offset) == Some(offset))
        .map(|(_, _, prompt)| prompt.map(str::to_owned))
        .collect()
}

impl Acd {
    pub(super) fn fire(&mut self, at: Timestamp, now: Timestamp, timer: Timer) {
        match timer {
            Timer::Offer(id, a) => self.offer_expired(now, at, id, a),
            Timer::WrapUp(id, a) => self.wrap_up_expired(at, id, a),
            Timer::Step(id) => self.step_reached(at, id),
            Timer::MaxWait(id) => self.max_wait_reached(at, id),
            Timer::Announce(id) => self.announce(at, now, id),
            Timer::Preferred(id) => self.preferred_expired(at, id),
            // The agent may take the interaction again: let the agent pick, by priority.
            Timer::Exclusion(_, a) => self.dirty_agents.push_back(a),
            Timer::Grace(a) => self.grace_expired(now, at, a),
            Timer::Logout(a) => self.logout_expired(now, at, a),
        }
    }

    fn wrap_up_expired(&mut self, at: Timestamp, id: InteractionId, a: u32) {
        let phase = self.agent(a).and_then(|x| x.slot(id)).map(|s| s.phase);
        if let Some(Phase::WrapUp {
            since,
            until: Some(until),
            talk_ms,
        }) = phase
            && until == at
        {
            self.finish(at, id, a, talk_ms, duration_ms(at.saturating_since(since)));
            return;
        }
        self.detached_wrap_up_expired(at, id, a);
    }

    fn waiting_with(
        &self,
        id: InteractionId,
        pick: impl Fn(&crate::interaction::Interaction) -> Option<Timestamp>,
        at: Timestamp,
    ) -> bool {
        self.interactions
            .get(&id)
            .is_some_and(|i| i.place == Place::Waiting && pick(i) == Some(at))
    }

    fn step_reached(&mut self, at: Timestamp, id: InteractionId) {
        if !self.waiting_with(id, |i| i.next_step_at, at) {
            return;
        }
        let Some(i) = self.interactions.get(&id) else {
            return;
        };
        let next = self
            .queue(i.queue)
            .and_then(|q| q.cfg.next_step_after(i.waited_ms(at)))
            .map(|ms| i.entered + Duration::from_millis(ms));
        if let Some(i) = self.interactions.get_mut(&id) {
            i.next_step_at = next;
        }
        if let Some(next) = next {
            self.timers.set(next, Timer::Step(id));
        }
        self.dirty_interactions.push_back(id);
    }

    fn max_wait_reached(&mut self, at: Timestamp, id: InteractionId) {
        if self.waiting_with(id, |i| i.max_wait_at, at) {
            self.overflow(at, id, OverflowReason::MaxWait);
        }
    }

    fn preferred_expired(&mut self, at: Timestamp, id: InteractionId) {
        let Some(i) = self.interactions.get_mut(&id) else {
            return;
        };
        let Some((a, until)) = i.preferred else {
            return;
        };
        if until != at {
            return;
        }
        i.preferred = None;
        let (key, waiting) = (i.key, i.place == Place::Waiting);
        if let Some(agent) = self.agent_mut(a) {
            agent.direct.remove(&key);
        }
        if waiting {
            self.dirty_interactions.push_back(id);
        }
    }

    fn announce(&mut self, at: Timestamp, now: Timestamp, id: InteractionId) {
        if !self.waiting_with(id, |i| i.next_announce_at, at) {
            return;
        }
        let Some(i) = self.interactions.get(&id) else {
            return;
        };
        let Some(queue) = self.queue(i.queue) else {
            return;
        };
        let offset = i.waited_ms(at);
        let entered = i.entered;
        let due = due_at(&queue.cfg, offset);
        let from = offset.max(i.waited_ms(now)).saturating_add(1);
        let next =
            next_announcement(&queue.cfg, from).map(|ms| entered + Duration::from_millis(ms));
        let queue_id = queue.cfg.id;
        let position = self.position(id);
        for prompt in due {
            let command = match (prompt, position) {
                (Some(prompt), _) => AcdCommand::PlayMessage {
                    interaction: id,
                    queue: queue_id,
                    prompt,
                },
                (None, Some(p)) => AcdCommand::AnnouncePosition {
                    interaction: id,
                    queue: queue_id,
                    position: p.position,
                    ewt_secs: p.ewt_secs,
                },
                (None, None) => continue,
            };
            self.emit(command);
        }
        if let Some(i) = self.interactions.get_mut(&id) {
            i.next_announce_at = next;
        }
        if let Some(next) = next {
            self.timers.set(next, Timer::Announce(id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::next_at_or_after;

    #[test]
    fn schedule_occurrences_repeat_from_the_first() {
        assert_eq!(next_at_or_after(30, 60, 0), Some(30));
        assert_eq!(next_at_or_after(30, 60, 31), Some(90));
        assert_eq!(next_at_or_after(30, 60, 90), Some(90));
        assert_eq!(next_at_or_after(30, 0, 31), None);
    }
}
