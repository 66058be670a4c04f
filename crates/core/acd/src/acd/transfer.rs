//! Moving: transfers to queues or agents, and overflow.
use super::Acd;
use crate::AcdError;
use crate::command::{AcdCommand, EndOutcome, OverflowReason, SlaOutcome, WithdrawReason};
use crate::config::OverflowTarget;
use crate::input::TransferTarget;
use crate::interaction::{AIdx, Place, QIdx, order_rank};
use sb_types::{InteractionId, Timestamp};

/// Overflows after which an interaction is rejected (targets that loop).
const MAX_HOPS: u8 = 8;

impl Acd {
    pub(super) fn transfer(
        &mut self,
        now: Timestamp,
        id: InteractionId,
        target: TransferTarget,
    ) -> Result<(), AcdError> {
        let i = self
            .interactions
            .get(&id)
            .ok_or(AcdError::UnknownInteraction(id))?;
        let dest = match target {
            TransferTarget::Queue { queue } => {
                let q = self.queue_idx(queue)?;
                if self.queue(q).is_some_and(|x| x.cfg.channel != i.channel) {
                    return Err(AcdError::ChannelMismatch { queue });
                }
                Ok(q)
            }
            TransferTarget::Agent { agent } => Err(self.agent_idx(agent)?),
        };
        self.detach_interaction(now, id);
        match dest {
            Ok(q) => self.move_to_queue(now, id, q),
            Err(a) => {
                if let Some(i) = self.interactions.get_mut(&id) {
                    i.direct = Some(a);
                    i.preferred = None;
                    i.entered = now;
                    i.excluded.clear();
                    i.hops = 0;
                }
                self.enter_queue(now, id);
            }
        }
        Ok(())
    }

    /// Takes an interaction away from wherever it is (line, offers, connected agent).
    fn detach_interaction(&mut self, now: Timestamp, id: InteractionId) {
        let Some(i) = self.interactions.get(&id) else {
            return;
        };
        match i.place.clone() {
            Place::Waiting => self.unlist(id),
            Place::Offered(agents) => self.withdraw(id, &agents, WithdrawReason::Transferred),
            Place::Connected { agent, .. } => self.release_agent(now, id, agent),
        }
    }

    /// The agent who had the interaction keeps its after-contact work (the wrap-up time
    /// of the queue it was in), detached from it.
    fn release_agent(&mut self, now: Timestamp, id: InteractionId, a: AIdx) {
        let wrap = self
            .interactions
            .get(&id)
            .and_then(|i| self.queue(i.queue))
            .map_or(0, |q| q.cfg.wrap_up_secs);
        self.keep_wrap_up(now, id, a, wrap);
    }

    /// Moves an (unlisted) interaction into queue `q` and lists it.
    fn move_to_queue(&mut self, now: Timestamp, id: InteractionId, q: QIdx) {
        let (keep, accel) = self.queue(q).map_or((true, 0), |x| {
            (
                x.cfg.keep_arrival_on_transfer,
                x.cfg.priority.acceleration_per_min,
            )
        });
        let seq = self.next_seq();
        let Some(i) = self.interactions.get_mut(&id) else {
            return;
        };
        i.queue = q;
        i.direct = None;
        i.preferred = None;
        i.entered = now;
        i.excluded.clear();
        i.place = Place::Waiting;
        if !keep {
            i.arrived = now;
            i.key.seq = seq;
        }
        i.key.arrived = i.arrived;
        i.key.rank = order_rank(i.priority, accel, i.arrived);
        self.enter_queue(now, id);
    }

    /// The interaction overflows its queue (it is not listed on return).
    pub(super) fn overflow(&mut self, now: Timestamp, id: InteractionId, reason: OverflowReason) {
        let Some(i) = self.interactions.get_mut(&id) else {
            return;
        };
        i.hops = i.hops.saturating_add(1);
        let (hops, channel, q) = (i.hops, i.channel, i.queue);
        let (target, reason, next_q) = self.overflow_target(q, channel, hops, reason);
        let from = self.queue_id(q);
        self.unlist(id);
        self.emit(AcdCommand::Overflow {
            interaction: id,
            from,
            target,
            reason,
        });
        match next_q {
            Some(t) => self.move_to_queue(now, id, t),
            None => {
                self.record_sla(now, id, SlaOutcome::Overflowed);
                self.end(id, EndOutcome::Overflowed { target });
            }
        }
    }

    /// Where an overflow from queue `q` goes: the target, the reason, and the queue to move
    /// to when the target is a usable queue (same channel, not past the hop limit).
    fn overflow_target(
        &self,
        q: QIdx,
        channel: sb_types::Channel,
        hops: u8,
        reason: OverflowReason,
    ) -> (OverflowTarget, OverflowReason, Option<QIdx>) {
        if hops > MAX_HOPS {
            return (OverflowTarget::Reject, OverflowReason::Loop, None);
        }
        let target = self
            .queue(q)
            .map_or(OverflowTarget::Reject, |x| x.cfg.overflow);
        let next_q = match target {
            OverflowTarget::Queue { queue } => self.queue_ix.get(&queue).copied(),
            _ => None,
        }
        .filter(|t| self.queue(*t).is_some_and(|x| x.cfg.channel == channel));
        match next_q {
            Some(t) => (target, reason, Some(t)),
            None => (non_queue(target), reason, None),
        }
    }
}

/// A queue target that cannot be used falls back to rejection.
fn non_queue(target: OverflowTarget) -> OverflowTarget {
    match target {
        OverflowTarget::Queue { .. } => OverflowTarget::Reject,
        other => other,
    }
}
