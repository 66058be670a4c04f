//! `branch`: takes the transition of the first case whose Rhai condition holds, else
//! `default`. A failing condition takes `error`.

use super::{Outcomes, unexpected};
use crate::compile::Cx;
use crate::expr::Expr;
use crate::session::{Session, Wait};
use crate::{FlowError, Input};

/// Parameters of `branch`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "BranchParams")]
pub(crate) struct Params {
    /// Cases, tried in order.
    cases: Vec<Case>,
}

/// One case.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Case {
    /// Rhai condition on `attrs`.
    when: String,
    /// Transition taken when it holds.
    then: String,
}

pub(crate) struct Op {
    cases: Vec<(Expr, String)>,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        let names = self.cases.iter().map(|c| c.then.clone());
        Outcomes::new(&["default"], &["default"]).require(names)
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let cases: Vec<Option<(Expr, String)>> = (self.cases.into_iter().enumerate())
            .map(|(i, c)| Some((cx.expr(&format!("cases/{i}/when"), &c.when)?, c.then)))
            .collect();
        Some(Op {
            cases: cases.into_iter().collect::<Option<_>>()?,
        })
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        false
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        for (when, then) in &self.cases {
            match s.eval(when) {
                Ok(v) if v.is_truthy() => return s.go(b, &[then.as_str()]),
                Ok(_) => {}
                Err(e) => return s.fail(b, e),
            }
        }
        s.go(b, &["default"]);
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
