//! An agent as the ACD holds it: presence, slots (offers, work, wrap-up) and capacity.

use crate::command::AgentState;
use crate::config::AgentConfig;
use crate::input::Presence;
use crate::interaction::{OrderKey, QIdx};
use crate::pool::{PoolIdx, ReadyKeys};
use sb_types::{Channel, InteractionId, Timestamp};
use std::collections::BTreeMap;

/// What a slot of the agent's capacity holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Offered {
        expires: Timestamp,
        ring_all: bool,
    },
    Active {
        since: Timestamp,
    },
    WrapUp {
        since: Timestamp,
        until: Option<Timestamp>,
        talk_ms: u64,
    },
}

/// One unit of capacity in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub interaction: InteractionId,
    pub channel: Channel,
    pub phase: Phase,
    /// Work the agent holds apart from the ACD's interactions: work the ACD did not route
    /// (a call the agent placed, a consultation), or after-contact work that outlives a
    /// transfer of the interaction to someone else. `interaction` is then only a key.
    pub detached: bool,
}

/// A pool the agent belongs to when ready for `channel`, at proficiency `tier`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PoolRef {
    pub pool: PoolIdx,
    pub channel: Channel,
    pub tier: u8,
}

/// One agent.
#[derive(Clone, Debug)]
pub(crate) struct Agent {
    pub cfg: AgentConfig,
    pub removed: bool,
    pub presence: Presence,
    pub next: Option<Presence>,
    pub connected: bool,
    pub grace_until: Option<Timestamp>,
    pub logout_at: Option<Timestamp>,
    pub slots: Vec<Slot>,
    pub idle_since: Timestamp,
    pub rr_seq: u64,
    /// Queues whose skills the agent has (at any level) on a channel it can take, with the
    /// bullseye level the agent needs there (0: accepted at once).
    pub queues: Vec<(QIdx, u8)>,
    pub pools: Vec<PoolRef>,
    /// Channel mask and keys under which the agent is in its pools, if any.
    pub indexed: Option<(u8, ReadyKeys)>,
    /// Interactions waiting for this agent only (transfers, preferred agent).
    pub direct: BTreeMap<OrderKey, InteractionId>,
    pub shown: (AgentState, Option<Presence>),
}

/// Bit of a channel in a channel mask.
pub(crate) fn bit(channel: Channel) -> u8 {
    match channel {
        Channel::Voice => 1,
        Channel::Email => 2,
        Channel::Chat => 4,
        Channel::Sms => 8,
    }
}

impl Agent {
    pub fn new(cfg: AgentConfig, now: Timestamp) -> Self {
        Agent {
            cfg,
            removed: false,
            presence: Presence::LoggedOut,
            next: None,
            connected: true,
            grace_until: None,
            logout_at: None,
            slots: Vec::new(),
            idle_since: now,
            rr_seq: 0,
            queues: Vec::new(),
            pools: Vec::new(),
            indexed: None,
            direct: BTreeMap::new(),
            shown: (AgentState::LoggedOut, None),
        }
    }

    pub fn logged_in(&self) -> bool {
        self.presence != Presence::LoggedOut
    }

    /// Ready for new offers at all (presence, pending presence, connection).
    pub fn routable(&self) -> bool {
        self.presence == Presence::Available
            && matches!(self.next, None | Some(Presence::Available))
            && self.connected
            && !self.removed
    }

    fn count(&self, channel: Channel) -> usize {
        self.slots.iter().filter(|s| s.channel == channel).count()
    }

    fn holds_exclusive(&self) -> bool {
        let ex = &self.cfg.capacity.exclusive;
        self.slots.iter().any(|s| ex.contains(&s.channel))
    }

    /// Whether one more interaction of `channel` fits the capacity rules.
    pub fn has_room(&self, channel: Channel) -> bool {
        let cap = &self.cfg.capacity;
        let used = self.slots.len();
        if self.count(channel) >= usize::from(cap.limit(channel))
            || used >= usize::from(cap.total())
        {
            return false;
        }
        if cap.exclusive.contains(&channel) {
            return used == 0;
        }
        !self.holds_exclusive()
    }

    /// Slots in use per mille of total capacity.
    pub fn load_permille(&self) -> u16 {
        let total = usize::from(self.cfg.capacity.total().max(1));
        u16::try_from(self.slots.len().saturating_mul(1000) / total).unwrap_or(u16::MAX)
    }

    /// Channels on which the agent is ready now, as a mask.
    pub fn ready_mask(&self) -> u8 {
        if !self.routable() {
            return 0;
        }
        Channel::ALL
            .iter()
            .filter(|c| self.has_room(**c))
            .fold(0, |m, c| m | bit(*c))
    }

    pub fn keys(&self) -> ReadyKeys {
        ReadyKeys {
            idle_since: self.idle_since,
            load: self.load_permille(),
            rr: self.rr_seq,
        }
    }

    /// The slot of one of the ACD's interactions (`detached: false`) or of detached work.
    pub fn slot_of(&self, interaction: InteractionId, detached: bool) -> Option<&Slot> {
        self.slots
            .iter()
            .find(|s| s.interaction == interaction && s.detached == detached)
    }

    pub fn slot(&self, interaction: InteractionId) -> Option<&Slot> {
        self.slot_of(interaction, false)
    }

    pub fn slot_mut_of(&mut self, interaction: InteractionId, detached: bool) -> Option<&mut Slot> {
        self.slots
            .iter_mut()
            .find(|s| s.interaction == interaction && s.detached == detached)
    }

    pub fn slot_mut(&mut self, interaction: InteractionId) -> Option<&mut Slot> {
        self.slot_mut_of(interaction, false)
    }

    pub fn take_slot_of(&mut self, interaction: InteractionId, detached: bool) -> Option<Slot> {
        let pos = self
            .slots
            .iter()
            .position(|s| s.interaction == interaction && s.detached == detached)?;
        Some(self.slots.swap_remove(pos))
    }

    pub fn take_slot(&mut self, interaction: InteractionId) -> Option<Slot> {
        self.take_slot_of(interaction, false)
    }

    /// The state shown to supervisors and the agent.
    pub fn state(&self) -> AgentState {
        let phases = || self.slots.iter().map(|s| s.phase);
        if phases().any(|p| matches!(p, Phase::Offered { .. })) {
            return AgentState::Reserved;
        }
        let active = phases()
            .filter(|p| matches!(p, Phase::Active { .. }))
            .count();
        if active > 0 {
            let interactions = u16::try_from(active).unwrap_or(u16::MAX);
            return AgentState::Working { interactions };
        }
        if !self.slots.is_empty() {
            return AgentState::WrapUp;
        }
        match &self.presence {
            Presence::LoggedOut => AgentState::LoggedOut,
            Presence::Available => AgentState::Available,
            Presence::Unavailable { reason } => AgentState::Unavailable {
                reason: reason.clone(),
            },
        }
    }

    /// The worst proficiency among `skills` the agent must be accepted at, or `None` if
    /// the agent lacks one of them. `base` is each requirement's own bound.
    pub fn needed_level<'a, I>(&self, reqs: I) -> Option<u8>
    where
        I: IntoIterator<Item = &'a crate::config::SkillRequirement>,
    {
        let mut needed = 0;
        for r in reqs {
            let p = self.cfg.proficiency(r.skill)?;
            if p > r.max_proficiency {
                needed = needed.max(p);
            }
        }
        Some(needed)
    }
}
