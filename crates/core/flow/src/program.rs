//! A compiled flow: blocks indexed, expressions and templates compiled, names resolved.

use crate::blocks::Op;
use crate::expr::Expr;
use crate::template::{Template, Templates};
use crate::{Attributes, Limits, Value};
use std::collections::BTreeMap;
use std::fmt;

/// A flow ready to run. Share it between sessions with an `Arc`.
pub struct Program {
    pub(crate) name: String,
    pub(crate) version: u32,
    pub(crate) start: usize,
    pub(crate) blocks: Vec<CompiledBlock>,
    pub(crate) on: Handlers,
    pub(crate) engine: rhai::Engine,
    pub(crate) templates: Templates,
    pub(crate) limits: Limits,
}

/// One block, its transitions resolved to block indexes.
pub(crate) struct CompiledBlock {
    pub(crate) id: String,
    pub(crate) op: Op,
    pub(crate) transitions: BTreeMap<String, usize>,
    pub(crate) on: Handlers,
}

/// Event handlers resolved to block indexes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Handlers {
    pub(crate) hangup: Option<usize>,
    pub(crate) agent_answer: Option<usize>,
}

impl Program {
    /// The document's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The document's version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The block ids, in document order.
    pub fn block_ids(&self) -> impl Iterator<Item = &str> {
        self.blocks.iter().map(|b| b.id.as_str())
    }

    /// The limits the program runs under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub(crate) fn eval(&self, expr: &Expr, attrs: &Attributes) -> Result<Value, String> {
        expr.eval(&self.engine, attrs)
    }

    pub(crate) fn render(&self, template: &Template, attrs: &Attributes) -> Result<String, String> {
        self.templates.render(template, attrs)
    }
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Program")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("blocks", &self.blocks.len())
            .finish_non_exhaustive()
    }
}
