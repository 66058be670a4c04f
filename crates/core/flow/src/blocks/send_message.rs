//! `send_message`: sends a text message or an email. Outcome: `success`.

use super::{Outcomes, unexpected};
use crate::compile::Cx;
use crate::session::{Session, Wait};
use crate::template::Template;
use crate::{Action, DiagnosticKind, FlowError, Input, MessageChannel};

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
    /// Email on calls: the address of the tenant's email channel to send from (default: its
    /// only one). An automatic answer to an email always goes from the mailbox it came to.
    #[serde(default)]
    from: Option<String>,
}

pub(crate) struct Op {
    channel: MessageChannel,
    from: Option<String>,
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
        let from = self.from.map(|f| f.trim().to_owned());
        if let Some(bad) = from.as_deref().filter(|f| !plain_address(f)) {
            cx.report(
                DiagnosticKind::BadParams,
                "from",
                format!("{bad:?} is not an email address"),
            );
            return None;
        }
        if from.is_some() && self.channel == MessageChannel::Sms {
            cx.report(
                DiagnosticKind::BadParams,
                "from",
                "`from` names an email channel; it does not apply to SMS",
            );
            return None;
        }
        Some(Op {
            channel: self.channel,
            from,
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
            from: self.from.clone(),
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

/// Whether `address` is one plain email address: `local@domain` (the domain with a dot), at
/// most 254 characters, without spaces, controls, angle brackets, commas or semicolons. What
/// `send_message`'s `from` must be, and what hosts check a rendered `to` against.
pub fn plain_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    address.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !address
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}
