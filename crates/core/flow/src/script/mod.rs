//! Flow testing for admins: a test-case file format and a runner that prints a transcript.
//!
//! A case file (YAML, or JSON, which is YAML) holds an optional catalog for compiling the flow
//! and a list of cases. A case gives the start (instant, seed, attributes), the host's answers
//! in order (each optionally checking the action it answers), and expectations on the path of
//! block ids, the way the flow finished, its last action and attributes.
//!
//! ```yaml
//! cases:
//!   - name: press 1 for sales
//!     at: 2026-11-23T10:00:00+01:00
//!     attributes: { caller: "+33123456789" }
//!     steps:
//!       - { expect: play, answer: done }
//!       - { expect: menu, answer: { digits: "1" } }
//!     expect:
//!       path: [hours, welcome, menu, sales]
//!       finish: connected
//! ```

mod runner;
mod transcript;

use crate::{Attributes, Catalog, FlowError, Input};

pub use runner::{run, run_case};
pub use transcript::{CaseReport, Check, Transcript};

/// A test-case file.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// The catalog to compile the flow against (queues, skills, agents, prompts).
    #[serde(default)]
    pub catalog: Option<Catalog>,
    /// The cases.
    pub cases: Vec<Case>,
}

/// One scenario.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case shows.
    pub name: String,
    /// When the interaction arrives, RFC 3339 (`2026-11-23T10:00:00+01:00`); the epoch if absent.
    #[serde(default)]
    pub at: Option<String>,
    /// Seed for `distribute` blocks.
    #[serde(default)]
    pub seed: u64,
    /// Initial attributes.
    #[serde(default)]
    pub attributes: Attributes,
    /// The host's answers, in order.
    #[serde(default)]
    pub steps: Vec<ScriptStep>,
    /// What must hold at the end.
    #[serde(default)]
    pub expect: Expect,
}

/// One answer of the host.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptStep {
    /// The kind of action this answers (`play`, `menu`, `http_request`…), checked if given.
    #[serde(default)]
    pub expect: Option<String>,
    /// Text the action's description must contain (`Welcome`, `queue support`), checked if
    /// given.
    #[serde(default)]
    pub expect_text: Option<String>,
    /// Milliseconds that pass before the answer.
    #[serde(default)]
    pub after_ms: u64,
    /// The answer.
    pub answer: Input,
}

/// Expectations checked when the case ends.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The exact block ids entered, in order.
    #[serde(default)]
    pub path: Option<Vec<String>>,
    /// How the flow finished (`hangup`, `end`, `connected`, `transferred`, `caller_hung_up`,
    /// `callback_accepted`, `error`, `step_budget`).
    #[serde(default)]
    pub finish: Option<String>,
    /// The kind of the last action.
    #[serde(default)]
    pub last_action: Option<String>,
    /// Attributes that must have these values (others may exist).
    #[serde(default)]
    pub attributes: Attributes,
}

/// Parses a case file from YAML or JSON text.
///
/// The YAML is read as plain data first, so answers are written as maps (`{digits: "1"}`) as in
/// JSON, not with YAML tags.
pub fn parse_cases(text: &str) -> Result<CaseFile, FlowError> {
    let data: serde_json::Value =
        serde_yaml_ng::from_str(text).map_err(|e| FlowError::MalformedCases(e.to_string()))?;
    serde_json::from_value(data).map_err(|e| FlowError::MalformedCases(e.to_string()))
}
