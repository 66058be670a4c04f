//! `collect`: collects digits into an attribute. Outcomes: `success`, `no_input`, and
//! `no_match` when the entry is too short or fails the `valid` expression.

use super::{Outcomes, Retry, Say, default_timeout_secs, secs, unexpected};
use crate::compile::Cx;
use crate::expr::Expr;
use crate::session::{Session, Wait};
use crate::template::Template;
use crate::{Action, DiagnosticKind, FlowError, Input, Value};
use std::time::Duration;

/// Parameters of `collect`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CollectParams")]
pub(crate) struct Params {
    /// The prompt asking for the digits.
    #[serde(default)]
    say: Option<Say<String>>,
    /// Attribute that receives the digits.
    into: String,
    /// Fewest digits accepted.
    #[serde(default = "one")]
    min_digits: u8,
    /// Most digits collected (1 to 64).
    max_digits: u8,
    /// Key ending the entry early (`#` by default; empty for none).
    #[serde(default = "hash")]
    terminator: String,
    /// Seconds to wait for input.
    #[serde(default = "default_timeout_secs")]
    timeout_secs: u32,
    /// Further attempts after a miss.
    #[serde(default)]
    retries: u32,
    /// Rhai condition on `attrs` (with the digits already stored) that the entry must meet.
    #[serde(default)]
    valid: Option<String>,
    /// Played before a retry.
    #[serde(default)]
    retry_say: Option<Say<String>>,
    /// Show the digits in the agent's screen pop.
    #[serde(default)]
    screen_pop: bool,
}

fn one() -> u8 {
    1
}

fn hash() -> String {
    "#".into()
}

pub(crate) struct Op {
    say: Option<Say<Template>>,
    into: String,
    min: u8,
    max: u8,
    terminator: Option<char>,
    timeout: Duration,
    retries: u32,
    valid: Option<Expr>,
    retry_say: Option<Say<Template>>,
    screen_pop: bool,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::new(
            &["success", "no_input", "no_match"],
            &["success", "no_input"],
        )
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let mut ok = true;
        if self.max_digits == 0 || self.max_digits > 64 || self.min_digits > self.max_digits {
            cx.report(
                DiagnosticKind::BadParams,
                "max_digits",
                "need 1 <= min_digits <= max_digits <= 64",
            );
            ok = false;
        }
        let terminator = match self.terminator.as_str() {
            "" => None,
            t if t.len() == 1 && super::KEYS.contains(&t) => t.chars().next(),
            _ => {
                cx.report(
                    DiagnosticKind::BadParams,
                    "terminator",
                    "the terminator is one key: 0-9, * or #",
                );
                ok = false;
                None
            }
        };
        let valid = self.valid.as_ref().map(|v| cx.expr("valid", v));
        let say = cx.say_opt("say", &self.say);
        let retry_say = cx.say_opt("retry_say", &self.retry_say);
        ok.then_some(())?;
        Some(Op {
            say: say?,
            into: self.into,
            min: self.min_digits,
            max: self.max_digits,
            terminator,
            timeout: secs(self.timeout_secs),
            retries: self.retries,
            valid: valid.map_or(Some(None), |v| v.map(Some))?,
            retry_say: retry_say?,
            screen_pop: self.screen_pop,
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
                let action = Action::Collect {
                    prompt,
                    max_digits: self.max,
                    terminator: self.terminator,
                    timeout: self.timeout,
                    speech: Vec::new(),
                };
                s.wait(b, action, Wait::Collect { attempt }, None);
            }
            Err(e) => s.fail(b, e),
        }
    }

    fn miss(&self, s: &mut Session, b: usize, attempt: u32, outcome: &str) {
        let retry = Retry {
            attempt,
            retries: self.retries,
            reprompt: &self.retry_say,
        };
        if let Some(next) = retry.miss(s, b, outcome) {
            self.prompt(s, b, next);
        }
    }

    fn entered(&self, s: &mut Session, b: usize, attempt: u32, raw: &str) {
        let digits: String = raw
            .chars()
            .take_while(|c| Some(*c) != self.terminator)
            .filter(|c| c.is_ascii_digit() || *c == '*' || *c == '#')
            .take(usize::from(self.max))
            .collect();
        if digits.is_empty() {
            return self.miss(s, b, attempt, "no_input");
        }
        if digits.len() < usize::from(self.min) {
            return self.miss(s, b, attempt, "no_match");
        }
        s.set_attr(&self.into, Value::Str(digits), self.screen_pop);
        match self.valid.as_ref().map(|v| s.eval(v)) {
            None => s.go(b, &["success"]),
            Some(Ok(v)) if v.is_truthy() => s.go(b, &["success"]),
            Some(Ok(_)) => self.miss(s, b, attempt, "no_match"),
            Some(Err(e)) => s.fail(b, e),
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
            (Wait::Collect { attempt }, Input::Digits(d)) => self.entered(s, b, attempt, &d),
            (Wait::Collect { attempt }, Input::Speech(_)) => self.miss(s, b, attempt, "no_match"),
            (Wait::Collect { attempt }, Input::NoInput | Input::Timeout) => {
                self.miss(s, b, attempt, "no_input")
            }
            (Wait::Reprompt { attempt }, Input::Done) => self.prompt(s, b, attempt),
            (_, Input::Failed(reason)) => s.fail(b, reason),
            (wait, other) => return Err(unexpected(wait, &other)),
        }
        Ok(())
    }
}
