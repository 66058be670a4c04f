//! `hangup`: hangs the interaction up and ends the flow.

use super::{Outcomes, unexpected};
use crate::compile::Cx;
use crate::session::{Session, Wait};
use crate::{Action, Finish, FlowError, Input};

/// Parameters of `hangup`: none.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "HangupParams")]
pub(crate) struct Params {}

pub(crate) struct Op;

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::default()
    }

    pub(crate) fn compile(self, _: &mut Cx<'_, '_>) -> Option<Op> {
        Some(Op)
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        false
    }

    pub(crate) fn enter(&self, s: &mut Session, _: usize) {
        s.emit(Action::Hangup);
        s.finish(Finish::Hangup);
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
