//! `enqueue`: queues the interaction with an in-queue treatment. When an agent answers, the
//! `agent_answer` handler runs, else the `answered` transition, else the flow ends connected.
//! Outcomes: `answered`, `timeout` (needed with `max_wait_secs`), `callback` (with a callback
//! offer; without it an accepted callback ends the flow), `break_out` (with a break-out key).

use super::set_queue::{CPriority, compile_priority, eval_priority};
use super::{KEYS, Outcomes, Priority, secs, unexpected};
use crate::action::{Named, Treatment};
use crate::compile::Cx;
use crate::session::{Session, Wait};
use crate::{Action, DiagnosticKind, Finish, FlowError, Input};

use sb_types::{QueueId, SkillId};

/// Parameters of `enqueue`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "EnqueueParams")]
pub(crate) struct Params {
    /// Queue name; defaults to the one set by `set_queue`.
    #[serde(default)]
    queue: Option<String>,
    /// Priority; defaults to the one set by `set_queue`, else 0.
    #[serde(default)]
    priority: Option<Priority>,
    /// Skill names; default to those set by `set_queue`.
    #[serde(default)]
    skills: Option<Vec<String>>,
    /// What the caller hears while waiting.
    #[serde(default)]
    treatment: TreatmentParams,
    /// Longest wait in seconds before the `timeout` transition.
    #[serde(default)]
    max_wait_secs: Option<u32>,
}

/// In-queue treatment.
#[derive(Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TreatmentParams {
    /// Music on hold, a prompt id.
    #[serde(default)]
    music_on_hold: Option<String>,
    /// Seconds between announcements.
    #[serde(default)]
    announce_every_secs: Option<u32>,
    /// Announce the position in queue.
    #[serde(default)]
    announce_position: bool,
    /// Announce the estimated wait time.
    #[serde(default)]
    announce_ewt: bool,
    /// Offer a callback with the announcements.
    #[serde(default)]
    callback_offer: bool,
    /// A key that leaves the queue.
    #[serde(default)]
    break_out_key: Option<String>,
}

pub(crate) struct Op {
    queue: Option<Named<QueueId>>,
    priority: Option<CPriority>,
    skills: Option<Vec<Named<SkillId>>>,
    treatment: Treatment,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        let mut required = Vec::new();
        let t = &self.treatment;
        for (on, name) in [
            (self.max_wait_secs.is_some(), "timeout"),
            (t.callback_offer, "callback"),
            (t.break_out_key.is_some(), "break_out"),
        ] {
            if on {
                required.push(name.to_owned());
            }
        }
        Outcomes::new(&["answered", "timeout", "callback", "break_out"], &[]).require(required)
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let queue = self.queue.as_ref().map(|q| cx.queue("queue", q));
        let skills = self.skills.as_ref().map(|s| cx.skills("skills", s));
        let priority = compile_priority(cx, &self.priority);
        let treatment = treatment(self.treatment, self.max_wait_secs, cx);
        Some(Op {
            queue: queue.map_or(Some(None), |q| q.map(Some))?,
            priority: priority?,
            skills: skills.map_or(Some(None), |s| s.map(Some))?,
            treatment: treatment?,
        })
    }
}

fn treatment(t: TreatmentParams, max_wait: Option<u32>, cx: &mut Cx<'_, '_>) -> Option<Treatment> {
    let moh = t
        .music_on_hold
        .as_ref()
        .map(|p| cx.prompt("treatment/music_on_hold", p));
    let key = match t.break_out_key.as_deref() {
        None => Some(None),
        Some(k) if KEYS.contains(&k) => Some(k.chars().next()),
        Some(_) => {
            cx.report(
                DiagnosticKind::BadParams,
                "treatment/break_out_key",
                "one key: 0-9, * or #",
            );
            None
        }
    };
    Some(Treatment {
        music_on_hold: moh.map_or(Some(None), |m| m.map(Some))?,
        announce_every: t.announce_every_secs.map(secs),
        announce_position: t.announce_position,
        announce_ewt: t.announce_ewt,
        callback_offer: t.callback_offer,
        break_out_key: key?,
        max_wait: max_wait.map(secs),
    })
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        true
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        let Some(queue) = self.queue.clone().or_else(|| s.routing.queue.clone()) else {
            return s.fail(b, "no queue: name one here or in a set_queue block".into());
        };
        let priority = match self
            .priority
            .as_ref()
            .map(|p| eval_priority(s, p))
            .transpose()
        {
            Ok(p) => p.or(s.routing.priority).unwrap_or(0),
            Err(e) => return s.fail(b, e),
        };
        let skills = self
            .skills
            .clone()
            .unwrap_or_else(|| s.routing.skills.clone());
        s.store("queue", crate::Value::Str(queue.name.clone()));
        let treatment = self.treatment.clone();
        let timeout = treatment.max_wait;
        s.wait(
            b,
            Action::Enqueue {
                queue,
                priority,
                skills,
                treatment,
            },
            Wait::Enqueue,
            timeout,
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
            Input::Timeout => s.go(b, &["timeout"]),
            Input::CallbackAccepted if s.has(b, "callback") => s.go(b, &["callback"]),
            Input::CallbackAccepted => s.finish(Finish::CallbackAccepted),
            Input::BreakOut => s.go(b, &["break_out"]),
            Input::Failed(reason) => s.fail(b, reason),
            other => return Err(unexpected(wait, &other)),
        }
        Ok(())
    }
}
