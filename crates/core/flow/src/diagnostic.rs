//! Problems found in a document, each with where it is.

use std::fmt;

/// One problem of a document: which block, which field, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The block concerned, if any.
    pub block: Option<String>,
    /// JSON pointer to the offending field (`/blocks/2/params/say/text`).
    pub path: String,
    /// The class of problem.
    pub kind: DiagnosticKind,
    /// A human explanation.
    pub message: String,
}

/// The classes of problem [`crate::compile`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticKind {
    /// The document has no blocks, or more than the limit.
    BadDocument,
    /// Two blocks share an id.
    DuplicateBlock,
    /// `start` names no block.
    UnknownStart,
    /// The block's `type` is not a known block type.
    UnknownBlockType,
    /// The block's parameters do not fit its type.
    BadParams,
    /// A transition or handler points at a block that does not exist.
    UnknownTarget,
    /// A transition name the block type never takes (often a typo).
    UnknownTransitionName,
    /// A transition the block type needs is missing.
    MissingTransition,
    /// No path from `start` reaches the block.
    Unreachable,
    /// A Rhai expression does not compile.
    BadExpression,
    /// A minijinja template does not compile or uses a forbidden construct.
    BadTemplate,
    /// A queue name the tenant does not have.
    UnknownQueue,
    /// A prompt id the tenant does not have.
    UnknownPrompt,
    /// A skill name the tenant does not have.
    UnknownSkill,
    /// An agent name the tenant does not have.
    UnknownAgent,
    /// An IANA time zone name that does not exist.
    UnknownTimeZone,
    /// Hours of operation that do not parse or make no sense.
    BadSchedule,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "the document"
        } else {
            &self.path
        };
        match &self.block {
            Some(b) => write!(f, "block {b:?} at {path}: {}", self.message),
            None => write!(f, "{path}: {}", self.message),
        }
    }
}
