//! Configuration: queues, skills, strategies, capacity, timeouts. Serde + JSON Schema, so the
//! store and the import document carry them as JSON.

use crate::AcdError;
use sb_types::{AgentId, Channel, FlowId, QueueId, SkillId, TenantId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Proficiency 1 (best) … 10 (any); requirements accept agents whose level is `<=` the bound.
pub const ANY_PROFICIENCY: u8 = 10;

/// The whole ACD configuration of one tenant.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct AcdConfig {
    /// The tenant this ACD routes for.
    pub tenant: TenantId,
    /// Tenant-wide settings.
    #[serde(default)]
    pub settings: AcdSettings,
    /// The queues.
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
    /// The agents (their skills and capacity; their state is runtime).
    #[serde(default)]
    pub agents: Vec<AgentConfig>,
}

/// Tenant-wide settings.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default)]
pub struct AcdSettings {
    /// How long an agent whose connection is gone stays as they were before being made
    /// unavailable with reason `disconnected`.
    pub connection_grace_secs: u32,
    /// How long after that a still disconnected agent is logged out (no ghost agents).
    pub disconnected_logout_secs: u32,
    /// How long an agent who declined an interaction is not offered it again.
    pub reject_cooldown_secs: u32,
}

impl Default for AcdSettings {
    fn default() -> Self {
        AcdSettings {
            connection_grace_secs: 30,
            disconnected_logout_secs: 900,
            reject_cooldown_secs: 60,
        }
    }
}

/// One queue. Hours of operation are the flow's job, not the queue's.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct QueueConfig {
    /// Queue id.
    pub id: QueueId,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// The channel this queue routes.
    pub channel: Channel,
    /// Initial priority and aging.
    #[serde(default)]
    pub priority: PriorityAging,
    /// Service-level target in seconds (the SLA clock's threshold).
    #[serde(default = "default_service_level")]
    pub service_level_secs: u32,
    /// Maximum number of waiting interactions; beyond it new arrivals overflow.
    #[serde(default)]
    pub max_size: Option<u32>,
    /// Maximum wait in this queue; beyond it the interaction overflows.
    #[serde(default)]
    pub max_wait_secs: Option<u32>,
    /// Where overflowing interactions go (default: rejected back to the flow).
    #[serde(default)]
    pub overflow: OverflowTarget,
    /// Skills required of the agent (all of them). Empty: any agent.
    #[serde(default)]
    pub skills: Vec<SkillRequirement>,
    /// How the proficiency requirement widens with wait time.
    #[serde(default)]
    pub bullseye: Vec<BullseyeStep>,
    /// Agent selection strategy.
    #[serde(default)]
    pub strategy: Strategy,
    /// When set, an interaction with a preferred agent waits this long for that agent only.
    #[serde(default)]
    pub preferred_agent_timeout_secs: Option<u32>,
    /// How long an offer rings before it counts as missed.
    #[serde(default = "default_offer_timeout")]
    pub offer_timeout_secs: u32,
    /// After-contact work limit (0: no wrap-up).
    #[serde(default)]
    pub wrap_up_secs: u32,
    /// Whether interactions transferred or overflowed into this queue keep their arrival time.
    #[serde(default = "default_true")]
    pub keep_arrival_on_transfer: bool,
    /// Messages played while waiting.
    #[serde(default)]
    pub messages: Vec<QueueMessage>,
    /// Position and estimated-wait announcements.
    #[serde(default)]
    pub position_announcement: Option<Repeat>,
    /// Handle time assumed for the estimated wait before any interaction was handled.
    #[serde(default = "default_aht")]
    pub initial_aht_secs: u32,
}

fn default_service_level() -> u32 {
    20
}
fn default_offer_timeout() -> u32 {
    20
}
fn default_aht() -> u32 {
    180
}
fn default_true() -> bool {
    true
}

/// Priority that grows with waiting time: `initial + acceleration × minutes waited`.
///
/// No upper bound on purpose: linear aging with one acceleration per queue keeps the order of
/// a queue independent of time, so a queue stays one sorted index.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(default)]
pub struct PriorityAging {
    /// Priority of a new interaction unless the enqueue names one (higher is served first).
    pub initial: i32,
    /// Points gained per minute of waiting (at most 10,000).
    pub acceleration_per_min: u32,
}

/// A required skill with the worst proficiency accepted.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct SkillRequirement {
    /// The skill.
    pub skill: SkillId,
    /// Agents with a proficiency number `<=` this qualify (1 best … 10 any).
    #[serde(default = "default_any")]
    pub max_proficiency: u8,
}

fn default_any() -> u8 {
    ANY_PROFICIENCY
}

/// One ring of the bullseye: after `after_secs` of waiting, accept proficiency up to
/// `max_proficiency` for every required skill.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct BullseyeStep {
    /// Wait after which the step applies.
    pub after_secs: u32,
    /// Worst proficiency accepted from then on (10: any).
    pub max_proficiency: u8,
}

/// How an agent is chosen among the eligible ones.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The agent idle the longest (default).
    #[default]
    LongestIdle,
    /// The best proficiency in the queue's first skill, then longest idle.
    MostSkilled,
    /// The lowest current load (slots in use / total capacity), then longest idle.
    LeastOccupied,
    /// The agent offered an interaction least recently.
    RoundRobin,
    /// Every eligible agent at once (up to 32); the first to accept gets it (for voice).
    RingAll,
}

/// Where an overflowing interaction goes.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OverflowTarget {
    /// Leave the ACD; the flow decides (busy tone, message, voicemail).
    #[default]
    Reject,
    /// Move to another queue of the same channel.
    Queue {
        /// The target queue.
        queue: QueueId,
    },
    /// Leave the ACD into another flow.
    Flow {
        /// The target flow.
        flow: FlowId,
    },
}

/// A message played while waiting: at `after_secs`, then every `repeat_secs` if set.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct QueueMessage {
    /// The prompt to play (a prompt name the engine resolves).
    pub prompt: String,
    /// When the message first plays.
    pub after_secs: u32,
    /// Repeat period, if any.
    #[serde(default)]
    pub repeat_secs: Option<u32>,
}

/// A repeating schedule: first at `after_secs`, then every `every_secs`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Repeat {
    /// First occurrence.
    pub after_secs: u32,
    /// Period (0: once).
    #[serde(default)]
    pub every_secs: u32,
}

/// One agent's routing profile.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct AgentConfig {
    /// Agent id.
    pub id: AgentId,
    /// Skills with proficiency.
    #[serde(default)]
    pub skills: Vec<AgentSkill>,
    /// How many interactions of which channels at once.
    #[serde(default)]
    pub capacity: CapacityRules,
}

/// A skill an agent has.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct AgentSkill {
    /// The skill.
    pub skill: SkillId,
    /// 1 (best) … 10.
    pub proficiency: u8,
}

/// Multichannel capacity: per-channel limits, a total, and channels that combine with nothing.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(default)]
pub struct CapacityRules {
    /// At most this many voice interactions.
    pub voice: u8,
    /// At most this many emails.
    pub email: u8,
    /// At most this many chats.
    pub chat: u8,
    /// At most this many SMS threads.
    pub sms: u8,
    /// At most this many interactions in total (None: the sum of the limits).
    pub max_total: Option<u8>,
    /// Channels handled alone: offered only to an agent with nothing else, and while one is
    /// held nothing else is offered. Voice by default, so voice preempts nothing.
    pub exclusive: Vec<Channel>,
}

impl Default for CapacityRules {
    fn default() -> Self {
        CapacityRules {
            voice: 1,
            email: 2,
            chat: 3,
            sms: 3,
            max_total: None,
            exclusive: vec![Channel::Voice],
        }
    }
}

impl CapacityRules {
    /// The limit for one channel.
    pub fn limit(&self, channel: Channel) -> u8 {
        match channel {
            Channel::Voice => self.voice,
            Channel::Email => self.email,
            Channel::Chat => self.chat,
            Channel::Sms => self.sms,
        }
    }

    /// The total limit.
    pub fn total(&self) -> u16 {
        let sum = Channel::ALL.iter().map(|c| u16::from(self.limit(*c))).sum();
        self.max_total.map_or(sum, |m| u16::from(m).min(sum))
    }
}

fn invalid(field: &str, reason: &str) -> AcdError {
    AcdError::InvalidConfig {
        field: field.to_owned(),
        reason: reason.to_owned(),
    }
}

fn check_proficiency(field: &str, p: u8) -> Result<(), AcdError> {
    if (1..=ANY_PROFICIENCY).contains(&p) {
        Ok(())
    } else {
        Err(invalid(field, "proficiency must be 1..=10"))
    }
}

impl QueueConfig {
    /// A queue with defaults for everything but id and channel.
    pub fn new(id: QueueId, channel: Channel) -> Self {
        QueueConfig {
            id,
            name: String::new(),
            channel,
            priority: PriorityAging::default(),
            service_level_secs: default_service_level(),
            max_size: None,
            max_wait_secs: None,
            overflow: OverflowTarget::Reject,
            skills: Vec::new(),
            bullseye: Vec::new(),
            strategy: Strategy::LongestIdle,
            preferred_agent_timeout_secs: None,
            offer_timeout_secs: default_offer_timeout(),
            wrap_up_secs: 0,
            keep_arrival_on_transfer: true,
            messages: Vec::new(),
            position_announcement: None,
            initial_aht_secs: default_aht(),
        }
    }

    /// Checks bounds the routing relies on.
    pub fn validate(&self) -> Result<(), AcdError> {
        if self.priority.acceleration_per_min > 10_000 {
            return Err(invalid("priority.acceleration_per_min", "at most 10000"));
        }
        for r in &self.skills {
            check_proficiency("skills.max_proficiency", r.max_proficiency)?;
        }
        for s in &self.bullseye {
            check_proficiency("bullseye.max_proficiency", s.max_proficiency)?;
        }
        if self.offer_timeout_secs == 0 {
            return Err(invalid("offer_timeout_secs", "must be positive"));
        }
        if self.messages.iter().any(|m| m.repeat_secs == Some(0)) {
            return Err(invalid("messages.repeat_secs", "must be positive"));
        }
        Ok(())
    }

    /// The worst proficiency accepted for `base` after `waited_ms`.
    pub fn allowed_proficiency(&self, base: u8, waited_ms: u64) -> u8 {
        self.bullseye
            .iter()
            .filter(|s| u64::from(s.after_secs) * 1000 <= waited_ms)
            .map(|s| s.max_proficiency)
            .fold(base, u8::max)
    }

    /// The next bullseye step strictly after `waited_ms`, in ms of wait.
    pub fn next_step_after(&self, waited_ms: u64) -> Option<u64> {
        self.bullseye
            .iter()
            .map(|s| u64::from(s.after_secs) * 1000)
            .filter(|at| *at > waited_ms)
            .min()
    }
}

impl AgentConfig {
    /// An agent with no skills and the default capacity.
    pub fn new(id: AgentId) -> Self {
        AgentConfig {
            id,
            skills: Vec::new(),
            capacity: CapacityRules::default(),
        }
    }

    /// Adds a skill (builder style).
    pub fn with_skill(mut self, skill: SkillId, proficiency: u8) -> Self {
        self.skills.push(AgentSkill { skill, proficiency });
        self
    }

    /// Checks proficiencies.
    pub fn validate(&self) -> Result<(), AcdError> {
        for s in &self.skills {
            check_proficiency("agent.skills.proficiency", s.proficiency)?;
        }
        Ok(())
    }

    /// This agent's proficiency in `skill`, if any.
    pub fn proficiency(&self, skill: SkillId) -> Option<u8> {
        self.skills
            .iter()
            .find(|s| s.skill == skill)
            .map(|s| s.proficiency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue_with_steps() -> QueueConfig {
        let mut q = QueueConfig::new(QueueId::from_u128(1), Channel::Voice);
        q.bullseye = vec![
            BullseyeStep {
                after_secs: 90,
                max_proficiency: 10,
            },
            BullseyeStep {
                after_secs: 30,
                max_proficiency: 5,
            },
        ];
        q
    }

    #[test]
    fn bullseye_steps_widen_in_order_of_wait_whatever_their_listing() {
        let q = queue_with_steps();
        assert_eq!(q.allowed_proficiency(2, 29_999), 2);
        assert_eq!(q.allowed_proficiency(2, 30_000), 5);
        assert_eq!(q.allowed_proficiency(7, 30_000), 7);
        assert_eq!(q.allowed_proficiency(2, 90_000), 10);
        assert_eq!(q.next_step_after(0), Some(30_000));
        assert_eq!(q.next_step_after(30_000), Some(90_000));
        assert_eq!(q.next_step_after(90_000), None);
    }

    #[test]
    fn capacity_total_is_the_sum_unless_capped() {
        let mut c = CapacityRules::default();
        assert_eq!(c.total(), 9);
        c.max_total = Some(4);
        assert_eq!(c.total(), 4);
        c.max_total = Some(200);
        assert_eq!(c.total(), 9);
    }
}
