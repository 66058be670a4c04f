//! `loop`: counts passes in an attribute. Takes `body` while the count is below `times`
//! (the attribute then holds the pass number, from 1), then resets it to 0 and takes `done`.

use super::{Outcomes, unexpected};
use crate::compile::Cx;
use crate::session::{Session, Wait};
use crate::{FlowError, Input, Value};

/// Parameters of `loop`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "LoopParams")]
pub(crate) struct Params {
    /// Attribute holding the count.
    counter: String,
    /// Passes through `body`.
    times: u32,
}

pub(crate) struct Op {
    counter: String,
    times: i64,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::new(&["body", "done"], &["body", "done"])
    }

    pub(crate) fn compile(self, _: &mut Cx<'_, '_>) -> Option<Op> {
        Some(Op {
            counter: self.counter,
            times: i64::from(self.times),
        })
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        false
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        let count = match s.attr(&self.counter) {
            Some(Value::Int(n)) => *n,
            _ => 0,
        };
        if count < self.times {
            s.store(&self.counter, Value::Int(count.saturating_add(1)));
            s.go(b, &["body"]);
        } else {
            s.store(&self.counter, Value::Int(0));
            s.go(b, &["done"]);
        }
    }

    pub(crate) fn answer(
        &self,
        _: &mut Session,
        _: usize,
        wait: Wait,
        input: Input,
    ) -> Result<(), FlowError> {
        Err(unexpected(wait, &input))
    }
}
