//! `dial`: dials an external number. Outcomes: `success` (answered), `busy`, `no_answer`.

use super::transfer::{dial_outcome, thirty};
use super::{Outcomes, secs};
use crate::compile::Cx;
use crate::session::{Session, Wait};
use crate::template::Template;
use crate::{Action, FlowError, Input};
use std::time::Duration;

/// Parameters of `dial`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "DialParams")]
pub(crate) struct Params {
    /// The number, a minijinja template.
    number: String,
    /// The caller id to present, a minijinja template.
    #[serde(default)]
    caller_id: Option<String>,
    /// Seconds to ring.
    #[serde(default = "thirty")]
    timeout_secs: u32,
}

pub(crate) struct Op {
    number: Template,
    caller_id: Option<Template>,
    timeout: Duration,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::new(&["success", "busy", "no_answer"], &["success"])
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let number = cx.template("number", &self.number);
        let caller_id = cx.template_opt("caller_id", &self.caller_id);
        Some(Op {
            number: number?,
            caller_id: caller_id?,
            timeout: secs(self.timeout_secs),
        })
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        true
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        let number = s.render(&self.number);
        let caller_id = self.caller_id.as_ref().map(|t| s.render(t)).transpose();
        match (number, caller_id) {
            (Ok(number), Ok(caller_id)) => {
                let action = Action::Dial {
                    number,
                    caller_id,
                    timeout: self.timeout,
                };
                s.wait(b, action, Wait::Dial, Some(self.timeout));
            }
            (Err(e), _) | (_, Err(e)) => s.fail(b, e),
        }
    }

    pub(crate) fn answer(
        &self,
        s: &mut Session,
        b: usize,
        wait: Wait,
        input: Input,
    ) -> Result<(), FlowError> {
        match input {
            Input::Done => {
                s.go(b, &["success"]);
                Ok(())
            }
            other => dial_outcome(s, b, wait, other),
        }
    }
}
