//! `send_message`: sends a text message or an email. Outcome: `success`.

use super::{Outcomes, unexpected};
use crate::compile::Cx;
use crate::session::{Session, Wait};
use crate::template::Template;
use crate::{Action, FlowError, Input, MessageChannel};

/// Parameters of `send_message`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SendMessageParams")]
pub(crate) struct Params {
    /// `sms` or `email`.
    channel: MessageChannel,
    /// Recipient, a minijinja template.
    to: String,
    /// Subject (email), a minijinja template.
    #[serde(default)]
    subject: Option<String>,
    /// Body, a minijinja template.
    body: String,
}

pub(crate) struct Op {
    channel: MessageChannel,
    to: Template,
    subject: Option<Template>,
    body: Template,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::new(&["success"], &["success"])
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let to = cx.template("to", &self.to);
        let subject = cx.template_opt("subject", &self.subject);
        let body = cx.template("body", &self.body);
        Some(Op {
            channel: self.channel,
            to: to?,
            subject: subject?,
            body: body?,
        })
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        false
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        match self.message(s) {
            Ok(action) => s.wait(b, action, Wait::Message, None),
            Err(e) => s.fail(b, e),
        }
    }

    fn message(&self, s: &Session) -> Result<Action, String> {
        Ok(Action::SendMessage {
            channel: self.channel,
            to: s.render(&self.to)?,
            subject: self.subject.as_ref().map(|t| s.render(t)).transpose()?,
            body: s.render(&self.body)?,
        })
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
