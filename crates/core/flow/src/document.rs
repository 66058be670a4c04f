//! The flow document as stored and edited: JSON with a published schema.

use crate::FlowError;
use std::collections::BTreeMap;

/// A routing flow as an admin draws it: a start block and blocks joined by named transitions.
///
/// Block parameters are kept as raw JSON here and checked by [`crate::compile`], so that one
/// wrong block yields a diagnostic naming it instead of rejecting the whole document.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// The document's version; the store numbers drafts and published versions.
    #[serde(default)]
    pub version: u32,
    /// A human name for the flow.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Id of the block that runs first.
    pub start: String,
    /// Event handlers applying to every block that has none of its own.
    #[serde(default, skip_serializing_if = "Handlers::is_empty")]
    pub on: Handlers,
    /// The blocks, each with a unique id.
    pub blocks: Vec<Block>,
}

/// One step of a flow.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Block {
    /// Unique id within the document, used by transitions.
    pub id: String,
    /// The block type (`play`, `menu`, `enqueue`…).
    #[serde(rename = "type")]
    pub kind: String,
    /// The block type's parameters.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub params: serde_json::Value,
    /// Outcome name (`success`, `error`, `timeout`, a digit…) → id of the next block.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub transitions: BTreeMap<String, String>,
    /// Event handlers while this block runs.
    #[serde(default, skip_serializing_if = "Handlers::is_empty")]
    pub on: Handlers,
}

/// Blocks to jump to when an event interrupts the running block.
#[derive(
    Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Handlers {
    /// Runs when the caller hangs up; blocks that need the caller then end the flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hangup: Option<String>,
    /// Runs when an agent answers the interaction (while queued or transferring).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_answer: Option<String>,
}

impl Handlers {
    fn is_empty(&self) -> bool {
        self.hangup.is_none() && self.agent_answer.is_none()
    }

    /// The handlers as (name, target) pairs.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&'static str, &String)> {
        let h = self.hangup.iter().map(|t| ("hangup", t));
        h.chain(self.agent_answer.iter().map(|t| ("agent_answer", t)))
    }
}

impl Document {
    /// Parses a document from JSON text.
    pub fn from_json(text: &str) -> Result<Document, FlowError> {
        serde_json::from_str(text).map_err(|e| FlowError::MalformedDocument(e.to_string()))
    }

    /// The document as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// The schema of a block is the typed form, one variant per block type.
impl schemars::JsonSchema for Block {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Block".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        crate::blocks::TypedBlock::json_schema(generator)
    }
}
