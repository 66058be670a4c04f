//! The tenant's known names, against which a document's references are checked.

use sb_types::{AgentId, QueueId, SkillId};
use std::collections::{BTreeMap, BTreeSet};

/// What exists in the tenant: queues, skills and agents by name, and prompt ids.
#[derive(
    Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Queues by name.
    #[serde(default)]
    pub queues: BTreeMap<String, QueueId>,
    /// Skills by name.
    #[serde(default)]
    pub skills: BTreeMap<String, SkillId>,
    /// Agents by name (login).
    #[serde(default)]
    pub agents: BTreeMap<String, AgentId>,
    /// Recorded prompt ids.
    #[serde(default)]
    pub prompts: BTreeSet<String>,
}

impl Catalog {
    /// Adds a queue.
    pub fn with_queue(mut self, name: &str, id: QueueId) -> Self {
        self.queues.insert(name.to_owned(), id);
        self
    }

    /// Adds a skill.
    pub fn with_skill(mut self, name: &str, id: SkillId) -> Self {
        self.skills.insert(name.to_owned(), id);
        self
    }

    /// Adds an agent.
    pub fn with_agent(mut self, name: &str, id: AgentId) -> Self {
        self.agents.insert(name.to_owned(), id);
        self
    }

    /// Adds a prompt id.
    pub fn with_prompt(mut self, id: &str) -> Self {
        self.prompts.insert(id.to_owned());
        self
    }
}
