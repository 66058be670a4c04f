//! The scenario document (YAML or JSON).

use crate::AcdError;
use crate::config::{AcdSettings, AgentSkill, CapacityRules, QueueConfig};
use sb_types::{QueueId, SkillId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Everything a simulation needs. Times are seconds from the start of the run.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Scenario {
    /// A name for the report.
    #[serde(default)]
    pub name: String,
    /// Seed of the random generator (same seed, same run).
    #[serde(default)]
    pub seed: u64,
    /// ACD settings.
    #[serde(default)]
    pub settings: AcdSettings,
    /// The queues, exactly as the ACD runs them.
    pub queues: Vec<QueueConfig>,
    /// The staffing plan.
    pub agents: Vec<AgentGroup>,
    /// Arrival streams.
    pub arrivals: Vec<ArrivalStream>,
    /// Stop after this many seconds even if interactions remain (default: last arrival plus
    /// one day).
    #[serde(default)]
    pub max_duration_secs: Option<u64>,
}

/// A group of identical agents.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct AgentGroup {
    /// Group name (for the report).
    pub name: String,
    /// How many agents.
    #[serde(default = "one")]
    pub count: u32,
    /// Their skills.
    #[serde(default)]
    pub skills: Vec<AgentSkill>,
    /// Their capacity.
    #[serde(default)]
    pub capacity: CapacityRules,
    /// When they work (logged in and available); empty means the whole run.
    #[serde(default)]
    pub shifts: Vec<Shift>,
    /// Time to answer an offer.
    #[serde(default = "default_answer")]
    pub answer_delay: Distribution,
    /// After-contact work; none means until the queue's wrap-up limit.
    #[serde(default)]
    pub wrap_up: Option<Distribution>,
}

fn one() -> u32 {
    1
}

fn default_answer() -> Distribution {
    Distribution::Fixed { secs: 2.0 }
}

/// A working period.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Shift {
    /// Login time.
    pub start_secs: u64,
    /// Logout time (after the interaction in hand).
    pub end_secs: u64,
}

/// A stream of arrivals into one queue.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ArrivalStream {
    /// Poisson arrivals at a constant rate between two times.
    Poisson {
        /// Target queue.
        queue: QueueId,
        /// Arrivals per hour.
        rate_per_hour: f64,
        /// Start of the stream.
        #[serde(default)]
        from_secs: u64,
        /// End of the stream.
        until_secs: u64,
        /// Handle (talk) time.
        handle: Distribution,
        /// Patience before abandoning (none: never abandons).
        #[serde(default)]
        patience: Option<Distribution>,
        /// Priority override.
        #[serde(default)]
        priority: Option<i32>,
        /// Extra skills required.
        #[serde(default)]
        skills: Vec<SkillNeed>,
    },
    /// An explicit (recorded) list.
    List {
        /// Target queue.
        queue: QueueId,
        /// The arrivals.
        items: Vec<TimedArrival>,
    },
}

/// An extra skill needed by arrivals of a stream.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct SkillNeed {
    /// The skill.
    pub skill: SkillId,
    /// Worst proficiency accepted.
    #[serde(default = "any")]
    pub max_proficiency: u8,
}

fn any() -> u8 {
    crate::config::ANY_PROFICIENCY
}

/// One recorded arrival.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct TimedArrival {
    /// Arrival time.
    pub at_secs: f64,
    /// Handle (talk) time.
    pub handle_secs: f64,
    /// Patience (none: never abandons).
    #[serde(default)]
    pub patience_secs: Option<f64>,
    /// Priority override.
    #[serde(default)]
    pub priority: Option<i32>,
}

/// A distribution of durations, in seconds.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Distribution {
    /// Always the same.
    Fixed {
        /// The value.
        secs: f64,
    },
    /// Uniform between two values.
    Uniform {
        /// Lower bound.
        min_secs: f64,
        /// Upper bound.
        max_secs: f64,
    },
    /// Exponential with a mean.
    Exponential {
        /// The mean.
        mean_secs: f64,
    },
}

impl Distribution {
    fn valid(&self) -> bool {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        match *self {
            Distribution::Fixed { secs } => ok(secs),
            Distribution::Uniform { min_secs, max_secs } => {
                ok(min_secs) && ok(max_secs) && min_secs <= max_secs
            }
            Distribution::Exponential { mean_secs } => ok(mean_secs),
        }
    }
}

fn bad(what: String) -> AcdError {
    AcdError::Scenario(what)
}

impl Scenario {
    /// Checks references and numbers before running.
    pub fn validate(&self) -> Result<(), AcdError> {
        for q in &self.queues {
            q.validate()?;
        }
        for g in &self.agents {
            let dists = std::iter::once(&g.answer_delay).chain(g.wrap_up.as_ref());
            if dists.into_iter().any(|d| !d.valid()) {
                return Err(bad(format!("agent group {}: invalid distribution", g.name)));
            }
            if g.shifts.iter().any(|s| s.end_secs < s.start_secs) {
                return Err(bad(format!(
                    "agent group {}: shift ends before it starts",
                    g.name
                )));
            }
        }
        self.arrivals.iter().try_for_each(|a| self.check_stream(a))
    }

    fn check_stream(&self, a: &ArrivalStream) -> Result<(), AcdError> {
        let (queue, ok) = match a {
            ArrivalStream::Poisson {
                queue,
                rate_per_hour,
                handle,
                patience,
                ..
            } => {
                let rate_ok =
                    rate_per_hour.is_finite() && *rate_per_hour >= 0.0 && *rate_per_hour <= 1e6;
                (
                    *queue,
                    rate_ok && handle.valid() && patience.as_ref().is_none_or(Distribution::valid),
                )
            }
            ArrivalStream::List { queue, items } => {
                let ok = |x: f64| x.is_finite() && x >= 0.0;
                let items_ok = items
                    .iter()
                    .all(|i| ok(i.at_secs) && ok(i.handle_secs) && i.patience_secs.is_none_or(ok));
                (*queue, items_ok)
            }
        };
        if !self.queues.iter().any(|q| q.id == queue) {
            return Err(bad(format!("arrivals name unknown queue {queue}")));
        }
        if !ok {
            return Err(bad(format!("arrivals for queue {queue}: invalid numbers")));
        }
        Ok(())
    }
}
