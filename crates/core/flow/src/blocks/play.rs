//! `play`: plays a prompt or spoken text. Outcome: `success`.

use super::{Outcomes, Say, unexpected};
use crate::compile::Cx;
use crate::session::{Session, Wait};
use crate::template::Template;
use crate::{Action, FlowError, Input};

/// Parameters of `play`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PlayParams")]
pub(crate) struct Params {
    /// What to play.
    say: Say<String>,
}

pub(crate) struct Op {
    say: Say<Template>,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::new(&["success"], &["success"])
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        Some(Op {
            say: cx.say("say", &self.say)?,
        })
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        true
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        match s.say(&self.say) {
            Ok(prompt) => s.wait(b, Action::Play { prompt }, Wait::Play, None),
            Err(e) => s.fail(b, e),
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
            Input::Done => s.go(b, &["success"]),
            Input::Failed(reason) => s.fail(b, reason),
            other => return Err(unexpected(wait, &other)),
        }
        Ok(())
    }
}
