//! `set_attributes`: evaluates Rhai expressions in order and stores their values. Outcome:
//! `success`; a failing expression takes `error` (earlier assignments stay).

use super::{Outcomes, unexpected};
use crate::compile::Cx;
use crate::expr::Expr;
use crate::session::{Session, Wait};
use crate::{FlowError, Input};

/// Parameters of `set_attributes`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SetAttributesParams")]
pub(crate) struct Params {
    /// Assignments, run in order; each sees the ones before.
    set: Vec<Assignment>,
}

/// One assignment.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Assignment {
    /// Attribute name.
    name: String,
    /// Rhai expression giving a string, number or boolean.
    value: String,
    /// Show the attribute in the agent's screen pop.
    #[serde(default)]
    screen_pop: bool,
}

pub(crate) struct Op {
    set: Vec<(String, Expr, bool)>,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::new(&["success"], &["success"])
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let compiled: Vec<Option<(String, Expr, bool)>> = (self.set.into_iter().enumerate())
            .map(|(i, a)| {
                let e = cx.expr(&format!("set/{i}/value"), &a.value)?;
                Some((a.name, e, a.screen_pop))
            })
            .collect();
        Some(Op {
            set: compiled.into_iter().collect::<Option<_>>()?,
        })
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        false
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        for (name, expr, pop) in &self.set {
            match s.eval(expr) {
                Ok(v) => s.set_attr(name, v, *pop),
                Err(e) => return s.fail(b, format!("{name}: {e}")),
            }
        }
        s.go(b, &["success"]);
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
