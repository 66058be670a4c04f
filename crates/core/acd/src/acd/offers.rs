//! Answers to offers: accept, reject, and the offer timeout (missed).

use super::Acd;
use crate::AcdError;
use crate::agent::Phase;
use crate::command::{SlaOutcome, WithdrawReason};
use crate::input::Presence;
use crate::interaction::{AIdx, Place};
use crate::timer::Timer;
use sb_types::{AgentId, InteractionId, Timestamp};
use std::time::Duration;

/// Reason code given to an agent who let an offer ring out.
pub(super) const MISSED: &str = crate::REASON_MISSED;

impl Acd {
    /// Checks that `agent` holds a pending offer of `id`; returns the agent's index and the
    /// agents rung.
    fn pending(&self, id: InteractionId, agent: AgentId) -> Result<(AIdx, Vec<AIdx>), AcdError> {
        let no = AcdError::NoSuchOffer {
            interaction: id,
            agent,
        };
        let a = self.agent_idx(agent).map_err(|_| no.clone())?;
        let i = self.interactions.get(&id).ok_or_else(|| no.clone())?;
        match &i.place {
            Place::Offered(agents) if agents.contains(&a) => Ok((a, agents.clone())),
            _ => Err(no),
        }
    }

    pub(super) fn accept(
        &mut self,
        now: Timestamp,
        id: InteractionId,
        agent: AgentId,
    ) -> Result<(), AcdError> {
        let (a, rung) = self.pending(id, agent)?;
        let others: Vec<AIdx> = rung.into_iter().filter(|x| *x != a).collect();
        self.withdraw(id, &others, WithdrawReason::AcceptedElsewhere);
        if let Some(slot) = self.agent_mut(a).and_then(|x| x.slot_mut(id)) {
            slot.phase = Phase::Active { since: now };
        }
        if let Some(i) = self.interactions.get_mut(&id) {
            i.place = Place::Connected {
                agent: a,
                since: now,
            };
            i.preferred = None;
        }
        self.record_sla(now, id, SlaOutcome::Answered);
        self.sync_agent(a);
        Ok(())
    }

    pub(super) fn reject(
        &mut self,
        now: Timestamp,
        id: InteractionId,
        agent: AgentId,
    ) -> Result<(), AcdError> {
        let (a, _) = self.pending(id, agent)?;
        let until = now + Duration::from_secs(u64::from(self.settings.reject_cooldown_secs));
        self.timers.set(until, Timer::Exclusion(id, a));
        if let Some(i) = self.interactions.get_mut(&id) {
            i.excluded.push((a, until));
            if i.direct == Some(a) {
                i.direct = None;
            }
            if i.preferred.is_some_and(|(p, _)| p == a) {
                i.preferred = None;
            }
        }
        self.drop_offer(now, id, a, WithdrawReason::AcceptedElsewhere, false);
        Ok(())
    }

    /// An offer rang out.
    pub(super) fn offer_expired(
        &mut self,
        now: Timestamp,
        at: Timestamp,
        id: InteractionId,
        a: AIdx,
    ) {
        let phase = self.agent(a).and_then(|x| x.slot(id)).map(|s| s.phase);
        let Some(Phase::Offered { expires, ring_all }) = phase else {
            return;
        };
        if expires != at {
            return;
        }
        if !ring_all && let Some(agent) = self.agent_mut(a) {
            agent.presence = Presence::Unavailable {
                reason: MISSED.to_owned(),
            };
            agent.next = None;
        }
        self.drop_offer(now, id, a, WithdrawReason::Timeout, true);
    }

    /// Removes agent `a`'s offer of `id`; when no agent rings any more the interaction goes
    /// back to its place. `notify` says whether the engine must be told to stop ringing.
    pub(super) fn drop_offer(
        &mut self,
        now: Timestamp,
        id: InteractionId,
        a: AIdx,
        reason: WithdrawReason,
        notify: bool,
    ) {
        if notify {
            self.withdraw(id, &[a], reason);
        } else if let Some(agent) = self.agent_mut(a) {
            agent.take_slot(id);
            self.settle_presence(a);
            self.sync_agent(a);
            self.dirty_agents.push_back(a);
        }
        let Some(i) = self.interactions.get_mut(&id) else {
            return;
        };
        let Place::Offered(agents) = &mut i.place else {
            return;
        };
        agents.retain(|x| *x != a);
        if agents.is_empty() {
            self.return_to_queue(now, id);
        }
    }
}
