//! Leaving: abandon, completion, wrap-up, the SLA clock and the single end.
use super::Acd;
use crate::AcdError;
use crate::agent::Phase;
use crate::command::{AcdCommand, EndOutcome, SlaOutcome, SlaRecord, WithdrawReason};
use crate::interaction::{AIdx, Place, duration_ms};
use crate::timer::Timer;
use sb_types::{InteractionId, Timestamp};
use std::time::Duration;

impl Acd {
    pub(super) fn abandon(&mut self, now: Timestamp, id: InteractionId) -> Result<(), AcdError> {
        let i = self
            .interactions
            .get(&id)
            .ok_or(AcdError::UnknownInteraction(id))?;
        match i.place.clone() {
            Place::Connected { .. } => return self.complete(now, id),
            Place::Waiting => self.unlist(id),
            Place::Offered(agents) => self.withdraw(id, &agents, WithdrawReason::Abandoned),
        }
        self.record_sla(now, id, SlaOutcome::Abandoned);
        self.end(id, EndOutcome::Abandoned);
        Ok(())
    }

    /// Withdraws the offers of `id` from `agents`.
    pub(super) fn withdraw(&mut self, id: InteractionId, agents: &[AIdx], reason: WithdrawReason) {
        for &a in agents {
            let Some(agent) = self.agent_mut(a) else {
                continue;
            };
            if agent.take_slot(id).is_none() {
                continue;
            }
            let agent_id = agent.cfg.id;
            self.emit(AcdCommand::OfferWithdrawn {
                interaction: id,
                agent: agent_id,
                reason,
            });
            self.settle_presence(a);
            self.sync_agent(a);
            self.dirty_agents.push_back(a);
        }
    }

    pub(super) fn complete(&mut self, now: Timestamp, id: InteractionId) -> Result<(), AcdError> {
        let i = self
            .interactions
            .get(&id)
            .ok_or(AcdError::UnknownInteraction(id))?;
        let Place::Connected { agent: a, .. } = i.place else {
            return self.abandon(now, id);
        };
        let wrap = self.queue(i.queue).map_or(0, |q| q.cfg.wrap_up_secs);
        let Some(slot) = self.agent_mut(a).and_then(|x| x.slot_mut(id)) else {
            return Err(AcdError::InvalidState {
                interaction: id,
                action: "complete",
            });
        };
        let Phase::Active { since } = slot.phase else {
            return Ok(());
        };
        let talk_ms = duration_ms(now.saturating_since(since));
        if wrap == 0 {
            self.finish(now, id, a, talk_ms, 0);
            return Ok(());
        }
        let until = now + Duration::from_secs(u64::from(wrap));
        slot.phase = Phase::WrapUp {
            since: now,
            until: Some(until),
            talk_ms,
        };
        self.timers.set(until, Timer::WrapUp(id, a));
        self.sync_agent(a);
        Ok(())
    }

    pub(super) fn wrap_up_done(
        &mut self,
        now: Timestamp,
        id: InteractionId,
    ) -> Result<(), AcdError> {
        let i = self
            .interactions
            .get(&id)
            .ok_or(AcdError::UnknownInteraction(id))?;
        let bad = AcdError::InvalidState {
            interaction: id,
            action: "end wrap-up",
        };
        let Place::Connected { agent: a, .. } = i.place else {
            return Err(bad);
        };
        match self.agent(a).and_then(|x| x.slot(id)).map(|s| s.phase) {
            Some(Phase::WrapUp { since, talk_ms, .. }) => {
                let wrap_ms = duration_ms(now.saturating_since(since));
                self.finish(now, id, a, talk_ms, wrap_ms);
                Ok(())
            }
            _ => Err(bad),
        }
    }

    /// The agent is done with the interaction: free the slot and end it.
    pub(super) fn finish(
        &mut self,
        now: Timestamp,
        id: InteractionId,
        a: AIdx,
        talk_ms: u64,
        wrap_ms: u64,
    ) {
        let Some(agent) = self.agent_mut(a) else {
            return;
        };
        agent.take_slot(id);
        agent.idle_since = now;
        let agent_id = agent.cfg.id;
        if let Some(q) = self.interactions.get(&id).map(|i| i.queue)
            && let Some(queue) = self.queue_mut(q)
        {
            queue.record_handle_time(talk_ms.saturating_add(wrap_ms));
        }
        self.settle_presence(a);
        self.sync_agent(a);
        self.dirty_agents.push_back(a);
        let outcome = EndOutcome::Handled {
            agent: agent_id,
            talk_ms,
            wrap_ms,
        };
        self.end(id, outcome);
    }

    /// Stops the SLA clock of an interaction, once.
    pub(super) fn record_sla(&mut self, now: Timestamp, id: InteractionId, outcome: SlaOutcome) {
        let Some(i) = self.interactions.get_mut(&id) else {
            return;
        };
        if i.sla_done {
            return;
        }
        i.sla_done = true;
        let waited_ms = duration_ms(now.saturating_since(i.arrived));
        let q = i.queue;
        let Some(queue) = self.queue_mut(q) else {
            return;
        };
        let within = waited_ms <= u64::from(queue.cfg.service_level_secs) * 1000;
        queue.stats.record(outcome, within);
        let queue = queue.cfg.id;
        self.emit(AcdCommand::SlaRecorded(SlaRecord {
            interaction: id,
            queue,
            outcome,
            waited_ms,
            within_target: within,
        }));
    }

    /// The interaction leaves the ACD.
    pub(super) fn end(&mut self, id: InteractionId, outcome: EndOutcome) {
        if let Some(i) = self.interactions.remove(&id) {
            let queue = self.queue_id(i.queue);
            self.emit(AcdCommand::InteractionEnded {
                interaction: id,
                queue,
                outcome,
            });
        }
    }
}
