//! `distribute`: splits traffic by percentage. The draw comes from the host's seed, so the same
//! seed takes the same branches; nothing random is read inside.

use super::{Outcomes, unexpected};
use crate::compile::Cx;
use crate::session::{Session, Wait};
use crate::{DiagnosticKind, FlowError, Input};
use std::collections::BTreeMap;

/// Parameters of `distribute`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "DistributeParams")]
pub(crate) struct Params {
    /// Transition name → percentage; the percentages add up to 100.
    weights: BTreeMap<String, u8>,
}

pub(crate) struct Op {
    weights: Vec<(String, u64)>,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::default().require(self.weights.keys().cloned())
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let total: u64 = self.weights.values().map(|w| u64::from(*w)).sum();
        if total != 100 {
            cx.report(
                DiagnosticKind::BadParams,
                "weights",
                format!("percentages add up to {total}, not 100"),
            );
            return None;
        }
        Some(Op {
            weights: self
                .weights
                .into_iter()
                .map(|(k, w)| (k, u64::from(w)))
                .collect(),
        })
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        false
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        let draw = s.draw_percent();
        let mut acc = 0;
        for (name, weight) in &self.weights {
            acc += weight;
            if draw < acc {
                return s.go(b, &[name.as_str()]);
            }
        }
        s.fail(b, "percentages do not cover the draw".into());
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
