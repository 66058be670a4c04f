//! Agent presence: states asked for, states that apply after work, and presence bound to a
//! live connection.

use super::Acd;
use crate::AcdError;
use crate::agent::Phase;
use crate::command::WithdrawReason;
use crate::input::Presence;
use crate::interaction::AIdx;
use crate::timer::Timer;
use sb_types::{AgentId, Timestamp};
use std::time::Duration;

/// Reason code given to an agent whose connection stayed gone past the grace period.
pub(super) const DISCONNECTED: &str = crate::REASON_DISCONNECTED;

impl Acd {
    pub(super) fn set_presence(
        &mut self,
        now: Timestamp,
        agent: AgentId,
        state: Presence,
    ) -> Result<(), AcdError> {
        let a = self.agent_idx(agent)?;
        let Some(x) = self.agent_mut(a) else {
            return Err(AcdError::UnknownAgent(agent));
        };
        x.connected = true;
        x.grace_until = None;
        x.logout_at = None;
        if state == Presence::Available || x.slots.is_empty() {
            x.next = None;
            self.apply_presence(now, a, state);
        } else {
            x.next = Some(state);
        }
        self.sync_agent(a);
        self.dirty_agents.push_back(a);
        Ok(())
    }

    /// Sets the presence now, keeping staffing counts and the idle clock right.
    fn apply_presence(&mut self, now: Timestamp, a: AIdx, state: Presence) {
        let Some(x) = self.agent_mut(a) else {
            return;
        };
        let was_in = x.logged_in();
        if state == Presence::Available && x.presence != Presence::Available {
            x.idle_since = now;
        }
        x.presence = state;
        let is_in = x.logged_in();
        if was_in != is_in {
            self.add_staffing(a, if is_in { 1 } else { -1 });
        }
    }

    /// Applies the presence asked for during work once the agent has no work left.
    pub(super) fn settle_presence(&mut self, a: AIdx) {
        let Some(x) = self.agent_mut(a) else {
            return;
        };
        if !x.slots.is_empty() {
            return;
        }
        if let Some(next) = x.next.take() {
            let now = x.idle_since;
            self.apply_presence(now, a, next);
        }
    }

    pub(super) fn connection_lost(
        &mut self,
        now: Timestamp,
        agent: AgentId,
    ) -> Result<(), AcdError> {
        let a = self.agent_idx(agent)?;
        let grace = Duration::from_secs(u64::from(self.settings.connection_grace_secs));
        if let Some(x) = self.agent_mut(a)
            && x.connected
        {
            x.connected = false;
            x.grace_until = Some(now + grace);
            self.timers.set(now + grace, Timer::Grace(a));
        }
        self.sync_agent(a);
        Ok(())
    }

    pub(super) fn connection_restored(&mut self, agent: AgentId) -> Result<(), AcdError> {
        let a = self.agent_idx(agent)?;
        if let Some(x) = self.agent_mut(a) {
            x.connected = true;
            x.grace_until = None;
            x.logout_at = None;
        }
        self.sync_agent(a);
        self.dirty_agents.push_back(a);
        Ok(())
    }

    /// The grace period ran out: withdraw offers, make the agent unavailable.
    pub(super) fn grace_expired(&mut self, now: Timestamp, at: Timestamp, a: AIdx) {
        let logout_after = u64::from(self.settings.disconnected_logout_secs);
        let Some(x) = self.agent_mut(a) else {
            return;
        };
        if x.connected || x.grace_until != Some(at) {
            return;
        }
        x.grace_until = None;
        let offered: Vec<_> = x
            .slots
            .iter()
            .filter(|s| matches!(s.phase, Phase::Offered { .. }))
            .map(|s| s.interaction)
            .collect();
        if x.logged_in() {
            x.next = None;
            let reason = DISCONNECTED.to_owned();
            x.presence = Presence::Unavailable { reason };
            let logout = at + Duration::from_secs(logout_after);
            x.logout_at = Some(logout);
            self.timers.set(logout, Timer::Logout(a));
        }
        for id in offered {
            self.drop_offer(now, id, a, WithdrawReason::Disconnected, true);
        }
        self.sync_agent(a);
    }

    /// Still disconnected long after the grace period: log the agent out (after any work).
    pub(super) fn logout_expired(&mut self, now: Timestamp, at: Timestamp, a: AIdx) {
        let Some(x) = self.agent_mut(a) else {
            return;
        };
        if x.connected || x.logout_at != Some(at) {
            return;
        }
        x.logout_at = None;
        if x.slots.is_empty() {
            self.apply_presence(now, a, Presence::LoggedOut);
        } else {
            x.next = Some(Presence::LoggedOut);
        }
        self.sync_agent(a);
    }
}
