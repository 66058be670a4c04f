//! `set_queue`: sets the queue, skills and priority that later `enqueue` blocks use.
//! Outcome: `success`.

use super::{Outcomes, Priority, unexpected};
use crate::action::Named;
use crate::compile::Cx;
use crate::expr::Expr;
use crate::session::{Session, Wait};
use crate::{FlowError, Input, Value};
use sb_types::{QueueId, SkillId};

/// Parameters of `set_queue`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SetQueueParams")]
pub(crate) struct Params {
    /// Queue name.
    #[serde(default)]
    queue: Option<String>,
    /// Skill names an agent needs (replaces earlier ones).
    #[serde(default)]
    skills: Option<Vec<String>>,
    /// Priority in queue (higher first): a number or a Rhai expression.
    #[serde(default)]
    priority: Option<Priority>,
}

/// A compiled priority.
pub(crate) enum CPriority {
    Fixed(i64),
    Expr(Expr),
}

pub(crate) fn compile_priority(
    cx: &mut Cx<'_, '_>,
    p: &Option<Priority>,
) -> Option<Option<CPriority>> {
    match p {
        None => Some(None),
        Some(Priority::Fixed(n)) => Some(Some(CPriority::Fixed(*n))),
        Some(Priority::Expr(e)) => cx.expr("priority", e).map(|e| Some(CPriority::Expr(e))),
    }
}

/// Evaluates a priority; expressions must give a whole number.
pub(crate) fn eval_priority(s: &Session, p: &CPriority) -> Result<i64, String> {
    match p {
        CPriority::Fixed(n) => Ok(*n),
        CPriority::Expr(e) => match s.eval(e)? {
            Value::Int(n) => Ok(n),
            other => Err(format!("priority must be a whole number, got {other}")),
        },
    }
}

pub(crate) struct Op {
    queue: Option<Named<QueueId>>,
    skills: Option<Vec<Named<SkillId>>>,
    priority: Option<CPriority>,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::new(&["success"], &["success"])
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let queue = self.queue.as_ref().map(|q| cx.queue("queue", q));
        let skills = self.skills.as_ref().map(|s| cx.skills("skills", s));
        let priority = compile_priority(cx, &self.priority);
        Some(Op {
            queue: queue.map_or(Some(None), |q| q.map(Some))?,
            skills: skills.map_or(Some(None), |s| s.map(Some))?,
            priority: priority?,
        })
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        false
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        let priority = self
            .priority
            .as_ref()
            .map(|p| eval_priority(s, p))
            .transpose();
        let priority = match priority {
            Ok(p) => p,
            Err(e) => return s.fail(b, e),
        };
        if let Some(q) = &self.queue {
            s.store("queue", Value::Str(q.name.clone()));
            s.routing.queue = Some(q.clone());
        }
        if let Some(skills) = &self.skills {
            s.routing.skills = skills.clone();
        }
        if priority.is_some() {
            s.routing.priority = priority;
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
