//! `transfer`: to an agent, a queue or an external number. When connected, the `success`
//! transition if any, else the flow ends transferred. Outcomes: `success`, `busy`,
//! `no_answer` (also on timeout); failures take `error`.

use super::{Outcomes, secs, unexpected};
use crate::action::{Named, Target};
use crate::compile::Cx;
use crate::session::{Session, Wait};
use crate::template::Template;
use crate::{Action, Finish, FlowError, Input};
use sb_types::{AgentId, QueueId};
use std::time::Duration;

/// Parameters of `transfer`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "TransferParams")]
pub(crate) struct Params {
    /// Where to transfer.
    to: To,
    /// Seconds to ring.
    #[serde(default = "thirty")]
    timeout_secs: u32,
}

pub(crate) fn thirty() -> u32 {
    30
}

/// A transfer destination.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum To {
    /// An agent by name.
    Agent(String),
    /// A queue by name.
    Queue(String),
    /// An external number, a minijinja template.
    Number(String),
}

enum CTarget {
    Agent(Named<AgentId>),
    Queue(Named<QueueId>),
    Number(Template),
}

pub(crate) struct Op {
    to: CTarget,
    timeout: Duration,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::new(&["success", "busy", "no_answer"], &[])
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let to = match &self.to {
            To::Agent(a) => CTarget::Agent(cx.agent("to/agent", a)?),
            To::Queue(q) => CTarget::Queue(cx.queue("to/queue", q)?),
            To::Number(n) => CTarget::Number(cx.template("to/number", n)?),
        };
        Some(Op {
            to,
            timeout: secs(self.timeout_secs),
        })
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        true
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        let target = match &self.to {
            CTarget::Agent(a) => Target::Agent(a.clone()),
            CTarget::Queue(q) => Target::Queue(q.clone()),
            CTarget::Number(t) => match s.render(t) {
                Ok(n) => Target::Number(n),
                Err(e) => return s.fail(b, e),
            },
        };
        s.wait(
            b,
            Action::Transfer {
                target,
                timeout: self.timeout,
            },
            Wait::Transfer,
            Some(self.timeout),
        );
    }

    pub(crate) fn answer(
        &self,
        s: &mut Session,
        b: usize,
        wait: Wait,
        input: Input,
    ) -> Result<(), FlowError> {
        match input {
            Input::Done if s.has(b, "success") => s.go(b, &["success"]),
            Input::Done => s.finish(Finish::Transferred),
            other => return dial_outcome(s, b, wait, other),
        }
        Ok(())
    }
}

/// The outcomes shared by transfers and dials.
pub(crate) fn dial_outcome(
    s: &mut Session,
    b: usize,
    wait: Wait,
    input: Input,
) -> Result<(), FlowError> {
    match input {
        Input::Busy => s.go(b, &["busy"]),
        Input::NoAnswer | Input::Timeout => s.go(b, &["no_answer"]),
        Input::Failed(reason) => s.fail(b, reason),
        other => return Err(unexpected(wait, &other)),
    }
    Ok(())
}
