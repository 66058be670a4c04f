//! `menu`: a DTMF menu. One transition per offered key, and `no_input` / `no_match` once the
//! retries are spent.

use super::{KEYS, Outcomes, Retry, Say, default_retries, default_timeout_secs, secs, unexpected};
use crate::compile::Cx;
use crate::session::{Session, Wait};
use crate::template::Template;
use crate::{Action, DiagnosticKind, FlowError, Input};
use std::time::Duration;

/// Parameters of `menu`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "MenuParams")]
pub(crate) struct Params {
    /// The menu prompt.
    #[serde(default)]
    say: Option<Say<String>>,
    /// Seconds to wait for a key.
    #[serde(default = "default_timeout_secs")]
    timeout_secs: u32,
    /// Further attempts after a miss.
    #[serde(default = "default_retries")]
    retries: u32,
    /// Played before a retry when nothing was pressed.
    #[serde(default)]
    no_input_say: Option<Say<String>>,
    /// Played before a retry when a key not offered was pressed.
    #[serde(default)]
    no_match_say: Option<Say<String>>,
}

pub(crate) struct Op {
    say: Option<Say<Template>>,
    keys: Vec<char>,
    timeout: Duration,
    retries: u32,
    no_input_say: Option<Say<Template>>,
    no_match_say: Option<Say<Template>>,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        let keys = KEYS.iter().map(|k| (*k).to_owned());
        Outcomes::new(&["no_input", "no_match"], &["no_input", "no_match"]).allow(keys)
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let keys: Vec<char> = KEYS
            .iter()
            .filter(|k| cx.transitions.contains_key(**k))
            .filter_map(|k| k.chars().next())
            .collect();
        if keys.is_empty() {
            cx.report_transitions(
                DiagnosticKind::MissingTransition,
                "a menu needs at least one key transition",
            );
        }
        let say = cx.say_opt("say", &self.say);
        let no_input_say = cx.say_opt("no_input_say", &self.no_input_say);
        let no_match_say = cx.say_opt("no_match_say", &self.no_match_say);
        (!keys.is_empty()).then_some(())?;
        Some(Op {
            say: say?,
            keys,
            timeout: secs(self.timeout_secs),
            retries: self.retries,
            no_input_say: no_input_say?,
            no_match_say: no_match_say?,
        })
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        true
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        self.prompt(s, b, 0);
    }

    fn prompt(&self, s: &mut Session, b: usize, attempt: u32) {
        match s.say_opt(&self.say) {
            Ok(prompt) => {
                let action = Action::Menu {
                    prompt,
                    keys: self.keys.clone(),
                    timeout: self.timeout,
                };
                s.wait(b, action, Wait::Menu { attempt }, None);
            }
            Err(e) => s.fail(b, e),
        }
    }

    fn miss(&self, s: &mut Session, b: usize, attempt: u32, outcome: &str) {
        let reprompt = if outcome == "no_input" {
            &self.no_input_say
        } else {
            &self.no_match_say
        };
        let retry = Retry {
            attempt,
            retries: self.retries,
            reprompt,
        };
        if let Some(next) = retry.miss(s, b, outcome) {
            self.prompt(s, b, next);
        }
    }

    fn pressed(&self, s: &mut Session, b: usize, attempt: u32, digits: &str) {
        match digits.chars().next() {
            Some(key) if self.keys.contains(&key) => s.go(b, &[key.to_string().as_str()]),
            Some(_) => self.miss(s, b, attempt, "no_match"),
            None => self.miss(s, b, attempt, "no_input"),
        }
    }

    pub(crate) fn answer(
        &self,
        s: &mut Session,
        b: usize,
        wait: Wait,
        input: Input,
    ) -> Result<(), FlowError> {
        match (wait, input) {
            (Wait::Menu { attempt }, Input::Digits(d)) => self.pressed(s, b, attempt, &d),
            (Wait::Menu { attempt }, Input::Speech(_)) => self.miss(s, b, attempt, "no_match"),
            (Wait::Menu { attempt }, Input::NoInput | Input::Timeout) => {
                self.miss(s, b, attempt, "no_input")
            }
            (Wait::Reprompt { attempt }, Input::Done) => self.prompt(s, b, attempt),
            (_, Input::Failed(reason)) => s.fail(b, reason),
            (wait, other) => return Err(unexpected(wait, &other)),
        }
        Ok(())
    }
}
