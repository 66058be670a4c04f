//! Detached work: slots the agent holds apart from the ACD's interactions.
//!
//! Work the ACD did not route (a call the agent placed, a consultation) still fills the
//! agent's capacity, or the ACD would ring a phone that is busy. After-contact work outlives
//! a transfer: the interaction goes on elsewhere while the agent who handed it over finishes
//! their notes.

use super::Acd;
use crate::AcdError;
use crate::agent::{Phase, Slot};
use crate::interaction::{AIdx, duration_ms};
use crate::timer::Timer;
use sb_types::{AgentId, Channel, InteractionId, Timestamp};
use std::time::Duration;

impl Acd {
    pub(super) fn engage(
        &mut self,
        now: Timestamp,
        agent: AgentId,
        work: InteractionId,
        channel: Channel,
    ) -> Result<(), AcdError> {
        let a = self.agent_idx(agent)?;
        let Some(x) = self.agent_mut(a) else {
            return Err(AcdError::UnknownAgent(agent));
        };
        if x.slot_of(work, true).is_none() {
            x.slots.push(Slot {
                interaction: work,
                channel,
                phase: Phase::Active { since: now },
                detached: true,
            });
        }
        self.sync_agent(a);
        Ok(())
    }

    pub(super) fn disengage(
        &mut self,
        now: Timestamp,
        agent: AgentId,
        work: InteractionId,
        wrap_up_secs: u32,
    ) -> Result<(), AcdError> {
        let a = self.agent_idx(agent)?;
        let phase = self
            .agent(a)
            .and_then(|x| x.slot_of(work, true))
            .map(|s| s.phase);
        let Some(Phase::Active { since }) = phase else {
            return Err(AcdError::InvalidState {
                interaction: work,
                action: "disengage",
            });
        };
        let talk_ms = duration_ms(now.saturating_since(since));
        self.detached_wrap_up(now, a, work, wrap_up_secs, talk_ms);
        Ok(())
    }

    /// Puts the agent's detached slot `work` in after-contact work for `secs`, or frees it.
    fn detached_wrap_up(
        &mut self,
        now: Timestamp,
        a: AIdx,
        work: InteractionId,
        secs: u32,
        talk_ms: u64,
    ) {
        if secs == 0 {
            self.free_detached(now, a, work);
            return;
        }
        let Some(slot) = self.agent_mut(a).and_then(|x| x.slot_mut_of(work, true)) else {
            return;
        };
        let until = now + Duration::from_secs(u64::from(secs));
        slot.phase = Phase::WrapUp {
            since: now,
            until: Some(until),
            talk_ms,
        };
        self.timers.set(until, Timer::WrapUp(work, a));
        self.sync_agent(a);
    }

    /// The interaction connected to agent `a` leaves them (transfer): they keep its
    /// after-contact work, with the wrap-up time of the queue it was answered in.
    pub(super) fn keep_wrap_up(
        &mut self,
        now: Timestamp,
        id: InteractionId,
        a: AIdx,
        wrap_secs: u32,
    ) {
        let Some(slot) = self.agent_mut(a).and_then(|x| x.slot_mut(id)) else {
            return;
        };
        slot.detached = true;
        match slot.phase {
            Phase::Active { since } => {
                let talk_ms = duration_ms(now.saturating_since(since));
                self.detached_wrap_up(now, a, id, wrap_secs, talk_ms);
            }
            // Its timer is armed already and finds the slot detached.
            Phase::WrapUp { .. } => self.sync_agent(a),
            Phase::Offered { .. } => self.free_detached(now, a, id),
        }
    }

    /// `WrapUpDone` naming the agent: their detached after-contact work for `id`, else the
    /// interaction's own.
    pub(super) fn agent_wrap_up_done(
        &mut self,
        now: Timestamp,
        id: InteractionId,
        agent: AgentId,
    ) -> Result<(), AcdError> {
        let a = self.agent_idx(agent)?;
        let phase = self
            .agent(a)
            .and_then(|x| x.slot_of(id, true))
            .map(|s| s.phase);
        if let Some(Phase::WrapUp { .. }) = phase {
            self.free_detached(now, a, id);
            return Ok(());
        }
        let theirs = self
            .agent(a)
            .and_then(|x| x.slot(id))
            .is_some_and(|s| matches!(s.phase, Phase::WrapUp { .. }));
        if !theirs {
            return Err(AcdError::InvalidState {
                interaction: id,
                action: "end wrap-up",
            });
        }
        self.wrap_up_done(now, id)
    }

    /// The detached after-contact work `id` of agent `a` ran out at `at`, if it still waits.
    pub(super) fn detached_wrap_up_expired(&mut self, at: Timestamp, id: InteractionId, a: AIdx) {
        let phase = self
            .agent(a)
            .and_then(|x| x.slot_of(id, true))
            .map(|s| s.phase);
        if let Some(Phase::WrapUp {
            until: Some(until), ..
        }) = phase
            && until == at
        {
            self.free_detached(at, a, id);
        }
    }

    fn free_detached(&mut self, now: Timestamp, a: AIdx, work: InteractionId) {
        let Some(agent) = self.agent_mut(a) else {
            return;
        };
        if agent.take_slot_of(work, true).is_none() {
            return;
        }
        agent.idle_since = now;
        self.settle_presence(a);
        self.sync_agent(a);
        self.dirty_agents.push_back(a);
    }
}
