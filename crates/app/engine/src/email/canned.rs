//! Canned responses: a tenant's reusable answers, minijinja templates filled from the
//! conversation before the agent edits and sends them. Pure: no IO, no clock.
//!
//! A template sees six strings, [`CANNED_VARIABLES`] ([`CannedVariables`]), and is plain text
//! (no auto-escaping). It may use `{{ … }}` expressions with the filters `upper`, `lower`,
//! `title`, `capitalize` and `trim`, `{% if %}` tags and comments, never loops, assignments or
//! `*` (see `sb_flow::lint_template`, the rule of every template of the product); rendering burns at most [`CANNED_FUEL`] of minijinja's fuel and gives at
//! most [`MAX_RENDERED_BYTES`]. A variable that is not one of the six is an error, never empty
//! text: [`check_canned_response`] refuses it when an admin saves the response, and rendering
//! (strict undefined) refuses it in one that reached the store another way (an import).

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use sb_store::{CannedResponse, CannedResponseSpec, Conversation};

/// The variables a canned response may use.
pub const CANNED_VARIABLES: [&str; 6] = [
    "customer",
    "customer_name",
    "agent_name",
    "subject",
    "token",
    "queue",
];

/// The minijinja fuel one rendering (subject and body each) may burn: far more than any
/// template within the store's 16 KiB needs, far less than a runaway one would.
pub const CANNED_FUEL: u64 = 50_000;

/// The most bytes a rendered body may have.
pub const MAX_RENDERED_BYTES: usize = 64 * 1024;

/// What a canned response is filled with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CannedVariables {
    /// The customer's address.
    pub customer: String,
    /// The customer's name from the From header of their first message; empty when unknown.
    pub customer_name: String,
    /// The display name of the agent who uses the response.
    pub agent_name: String,
    /// The conversation's subject.
    pub subject: String,
    /// The conversation's token, e.g. `SB-7K3M9Q2T`.
    pub token: String,
    /// The name of the queue the conversation was routed to; empty when none.
    pub queue: String,
}

impl CannedVariables {
    /// The variables of `conversation` answered by `agent_name`, routed to `queue` (by name).
    pub fn of(conversation: &Conversation, agent_name: &str, queue: Option<&str>) -> Self {
        CannedVariables {
            customer: conversation.customer.clone(),
            customer_name: conversation.customer_name.clone(),
            agent_name: agent_name.to_owned(),
            subject: conversation.subject.clone(),
            token: conversation.token.clone(),
            queue: queue.unwrap_or_default().to_owned(),
        }
    }

    fn context(&self) -> Value {
        minijinja::context! {
            customer => self.customer.as_str(),
            customer_name => self.customer_name.as_str(),
            agent_name => self.agent_name.as_str(),
            subject => self.subject.as_str(),
            token => self.token.as_str(),
            queue => self.queue.as_str(),
        }
    }
}

/// A canned response filled for one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedResponse {
    /// The subject to give the reply; `None` when the response has none, or it renders blank.
    pub subject: Option<String>,
    /// The text.
    pub body: String,
}

/// Why a canned response cannot be saved or used. Both name the response and its field
/// (`subject` or `body`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CannedResponseError {
    /// The template does not compile, uses a construct or filter canned responses may not
    /// use, or a variable that is not one of [`CANNED_VARIABLES`]: an admin's input to fix.
    #[error("canned response {name:?}: {field}: {reason}")]
    Template {
        /// The response's name.
        name: String,
        /// `subject` or `body`.
        field: &'static str,
        /// What is wrong, with the line.
        reason: String,
    },
    /// A stored template failed while rendering (out of fuel, too long, a subject with a line
    /// break): the response must be fixed by an admin; retrying will not help.
    #[error("canned response {name:?} cannot be filled in: {field}: {reason}")]
    Render {
        /// The response's name.
        name: String,
        /// `subject` or `body`.
        field: &'static str,
        /// What went wrong.
        reason: String,
    },
}

impl CannedResponseError {
    /// The field at fault: `subject` or `body`.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Template { field, .. } | Self::Render { field, .. } => field,
        }
    }
}

/// Checks the templates of a response an admin is saving: they compile, use only what canned
/// responses may, name only [`CANNED_VARIABLES`], and render with sample values.
pub fn check_canned_response(spec: &CannedResponseSpec) -> Result<(), CannedResponseError> {
    let template = |(field, reason)| CannedResponseError::Template {
        name: spec.name.clone(),
        field,
        reason,
    };
    let templates = [
        ("subject", spec.subject.as_deref()),
        ("body", Some(&spec.body)),
    ];
    for (field, source) in templates {
        if let Some(source) = source {
            unknown_variables(&spec.name, source).map_err(|reason| template((field, reason)))?;
        }
    }
    let sample = CannedVariables {
        customer: "jane@example.com".into(),
        customer_name: "Jane Doe".into(),
        agent_name: "Sam Agent".into(),
        subject: "Order 1234".into(),
        token: "SB-7K3M9Q2T".into(),
        queue: "support".into(),
    };
    let parts = (spec.subject.as_deref(), spec.body.as_str());
    render(&spec.name, parts, &sample)
        .map(|_| ())
        .map_err(template)
}

/// Fills `response` for one conversation.
pub fn render_canned_response(
    response: &CannedResponse,
    variables: &CannedVariables,
) -> Result<RenderedResponse, CannedResponseError> {
    let parts = (response.subject.as_deref(), response.body.as_str());
    render(&response.name, parts, variables).map_err(|(field, reason)| {
        CannedResponseError::Render {
            name: response.name.clone(),
            field,
            reason,
        }
    })
}

/// Fills the (subject, body) templates of the response `name`; an error names its field.
fn render(
    name: &str,
    (subject, body): (Option<&str>, &str),
    variables: &CannedVariables,
) -> Result<RenderedResponse, (&'static str, String)> {
    let body = fill(name, body, variables).map_err(|reason| ("body", reason))?;
    let Some(subject) = subject else {
        return Ok(RenderedResponse {
            subject: None,
            body,
        });
    };
    let subject = fill(name, subject, variables).map_err(|reason| ("subject", reason))?;
    if subject.chars().any(char::is_control) {
        return Err((
            "subject",
            "renders a line break or another control character".into(),
        ));
    }
    let subject = (!subject.trim().is_empty()).then_some(subject);
    Ok(RenderedResponse { subject, body })
}

/// The environment canned responses render in: no globals, five filters, strict undefined,
/// no escaping, fuelled.
fn environment<'s>() -> Environment<'s> {
    let mut env = Environment::empty();
    env.set_fuel(Some(CANNED_FUEL));
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_recursion_limit(16);
    env.add_filter("upper", minijinja::filters::upper);
    env.add_filter("lower", minijinja::filters::lower);
    env.add_filter("title", minijinja::filters::title);
    env.add_filter("capitalize", minijinja::filters::capitalize);
    env.add_filter("trim", minijinja::filters::trim);
    env
}

/// Renders `source` with `variables` once it passes the lint, at most [`MAX_RENDERED_BYTES`].
fn fill(name: &str, source: &str, variables: &CannedVariables) -> Result<String, String> {
    sb_flow::lint_template(source)?;
    let env = environment();
    let template = env
        .template_from_named_str(name, source)
        .map_err(|e| e.to_string())?;
    let text = template
        .render(variables.context())
        .map_err(|e| e.to_string())?;
    if text.len() > MAX_RENDERED_BYTES {
        return Err(format!(
            "renders {} bytes, at most {MAX_RENDERED_BYTES}",
            text.len()
        ));
    }
    Ok(text)
}

/// Refuses a variable that is not one of [`CANNED_VARIABLES`], naming it (once `source`
/// passes the lint).
fn unknown_variables(name: &str, source: &str) -> Result<(), String> {
    sb_flow::lint_template(source)?;
    let env = environment();
    let template = env
        .template_from_named_str(name, source)
        .map_err(|e| e.to_string())?;
    let mut unknown: Vec<String> = template
        .undeclared_variables(false)
        .into_iter()
        .filter(|v| !CANNED_VARIABLES.contains(&v.as_str()))
        .collect();
    unknown.sort();
    match unknown.first() {
        None => Ok(()),
        Some(first) => Err(format!(
            "unknown variable `{first}` (known: {})",
            CANNED_VARIABLES.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests;
