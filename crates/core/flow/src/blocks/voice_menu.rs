//! `voice_menu`: a menu by spoken words. Each choice is a transition named in `choices`, taken
//! when the speech sidecar recognises one of its words; key transitions work as in `menu`.

use super::{KEYS, Outcomes, Retry, Say, default_retries, default_timeout_secs, secs, unexpected};
use crate::compile::Cx;
use crate::session::{Session, Wait};
use crate::template::Template;
use crate::{Action, DiagnosticKind, FlowError, Input};
use std::collections::BTreeMap;
use std::time::Duration;

/// Parameters of `voice_menu`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "VoiceMenuParams")]
pub(crate) struct Params {
    /// The menu prompt.
    #[serde(default)]
    say: Option<Say<String>>,
    /// Transition name → the words that choose it.
    choices: BTreeMap<String, Vec<String>>,
    /// Seconds to wait for an answer.
    #[serde(default = "default_timeout_secs")]
    timeout_secs: u32,
    /// Further attempts after a miss.
    #[serde(default = "default_retries")]
    retries: u32,
    /// Played before a retry when nothing was heard.
    #[serde(default)]
    no_input_say: Option<Say<String>>,
    /// Played before a retry when no choice was recognised.
    #[serde(default)]
    no_match_say: Option<Say<String>>,
}

pub(crate) struct Op {
    say: Option<Say<Template>>,
    choices: Vec<(String, Vec<String>)>,
    words: Vec<String>,
    timeout: Duration,
    retries: u32,
    no_input_say: Option<Say<Template>>,
    no_match_say: Option<Say<Template>>,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        let keys = KEYS.iter().map(|k| (*k).to_owned());
        Outcomes::new(&["no_input", "no_match"], &["no_input", "no_match"])
            .allow(keys)
            .require(self.choices.keys().cloned())
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let mut ok = !self.choices.is_empty();
        if !ok {
            cx.report(
                DiagnosticKind::BadParams,
                "choices",
                "a voice menu needs at least one choice",
            );
        }
        for (name, words) in &self.choices {
            if words.iter().all(|w| w.trim().is_empty()) {
                let field = format!("choices/{}", crate::compile::escape(name));
                cx.report(
                    DiagnosticKind::BadParams,
                    &field,
                    "a choice needs at least one word",
                );
                ok = false;
            }
        }
        let say = cx.say_opt("say", &self.say);
        let no_input_say = cx.say_opt("no_input_say", &self.no_input_say);
        let no_match_say = cx.say_opt("no_match_say", &self.no_match_say);
        ok.then_some(())?;
        let choices: Vec<(String, Vec<String>)> = self.choices.into_iter().collect();
        let words = choices
            .iter()
            .flat_map(|(_, w)| w.iter().map(|w| w.trim().to_owned()))
            .collect();
        Some(Op {
            say: say?,
            choices,
            words,
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
                let action = Action::Collect {
                    prompt,
                    max_digits: 1,
                    terminator: None,
                    timeout: self.timeout,
                    speech: self.words.clone(),
                };
                s.wait(b, action, Wait::Collect { attempt }, None);
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

    fn heard(&self, s: &mut Session, b: usize, attempt: u32, word: &str) {
        let word = word.trim();
        let choice = self
            .choices
            .iter()
            .find(|(_, words)| words.iter().any(|w| w.trim().eq_ignore_ascii_case(word)));
        match choice {
            Some((name, _)) => s.go(b, &[name.as_str()]),
            None => self.miss(s, b, attempt, "no_match"),
        }
    }

    fn pressed(&self, s: &mut Session, b: usize, attempt: u32, digits: &str) {
        match digits.chars().next().map(String::from) {
            Some(key) if s.has(b, &key) => s.go(b, &[key.as_str()]),
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
            (Wait::Collect { attempt }, Input::Speech(w)) => self.heard(s, b, attempt, &w),
            (Wait::Collect { attempt }, Input::Digits(d)) => self.pressed(s, b, attempt, &d),
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
