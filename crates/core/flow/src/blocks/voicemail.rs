//! `voicemail`: plays an optional greeting, then records. The recording id and length go into
//! `voicemail.recording` and `voicemail.duration_ms`. Outcomes: `success`, `no_input` (nothing
//! recorded; falls back to `success`).

use super::{Outcomes, Say, secs, unexpected};
use crate::compile::Cx;
use crate::session::{Session, Wait};
use crate::template::Template;
use crate::{Action, FlowError, Input, Value};
use std::time::Duration;

/// Parameters of `voicemail`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "VoicemailParams")]
pub(crate) struct Params {
    /// Greeting played before the beep.
    #[serde(default)]
    say: Option<Say<String>>,
    /// Longest message in seconds.
    #[serde(default = "two_minutes")]
    max_len_secs: u32,
    /// Beep before recording.
    #[serde(default = "yes")]
    beep: bool,
    /// Seconds of silence that end the message.
    #[serde(default = "five")]
    silence_end_secs: u32,
    /// Whose mailbox (free text for the host: a queue, an agent, a team).
    #[serde(default)]
    mailbox: Option<String>,
}

fn two_minutes() -> u32 {
    120
}

fn yes() -> bool {
    true
}

fn five() -> u32 {
    5
}

pub(crate) struct Op {
    say: Option<Say<Template>>,
    max_len: Duration,
    beep: bool,
    silence_end: Duration,
    mailbox: Option<String>,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::new(&["success", "no_input"], &["success"])
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        Some(Op {
            say: cx.say_opt("say", &self.say)?,
            max_len: secs(self.max_len_secs),
            beep: self.beep,
            silence_end: secs(self.silence_end_secs),
            mailbox: self.mailbox,
        })
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        true
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        match s.say_opt(&self.say) {
            Ok(Some(prompt)) => s.wait(b, Action::Play { prompt }, Wait::Greeting, None),
            Ok(None) => self.record(s, b),
            Err(e) => s.fail(b, e),
        }
    }

    fn record(&self, s: &mut Session, b: usize) {
        let action = Action::Record {
            max_len: self.max_len,
            beep: self.beep,
            silence_end: self.silence_end,
            mailbox: self.mailbox.clone(),
        };
        s.wait(b, action, Wait::Record, None);
    }

    pub(crate) fn answer(
        &self,
        s: &mut Session,
        b: usize,
        wait: Wait,
        input: Input,
    ) -> Result<(), FlowError> {
        match (wait, input) {
            (Wait::Greeting, Input::Done) => self.record(s, b),
            (
                Wait::Record,
                Input::Recorded {
                    recording,
                    duration_ms,
                },
            ) => {
                s.set_attr("voicemail.recording", Value::Str(recording), true);
                let ms = i64::try_from(duration_ms).unwrap_or(i64::MAX);
                s.set_attr("voicemail.duration_ms", Value::Int(ms), false);
                s.go(b, &["success"]);
            }
            (Wait::Record, Input::NoInput | Input::Timeout) => s.go(b, &["no_input", "success"]),
            (_, Input::Failed(reason)) => s.fail(b, reason),
            (wait, other) => return Err(unexpected(wait, &other)),
        }
        Ok(())
    }
}
