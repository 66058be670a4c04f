//! `http`: makes an HTTP request and maps its JSON answer into attributes by JSON pointer.
//! `http.status` always receives the status. Outcomes: `success` (2xx), `timeout` (falls back
//! to `error`); other statuses, bad JSON and failures take `error`.

use super::{Outcomes, default_timeout_secs, secs, unexpected};
use crate::compile::{Cx, escape};
use crate::session::{Session, Wait};
use crate::template::Template;
use crate::{Action, DiagnosticKind, FlowError, Input, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// Parameters of `http`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "HttpParams")]
pub(crate) struct Params {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    #[serde(default = "get")]
    method: String,
    /// URL, a minijinja template; must render to http:// or https://.
    url: String,
    /// Header name → minijinja template.
    #[serde(default)]
    headers: BTreeMap<String, String>,
    /// Body, a minijinja template.
    #[serde(default)]
    body: Option<String>,
    /// Seconds before giving up.
    #[serde(default = "default_timeout_secs")]
    timeout_secs: u32,
    /// Attribute name → JSON pointer into the answer (`/customer/name`).
    #[serde(default)]
    map: BTreeMap<String, String>,
    /// Attributes of `map` shown in the agent's screen pop.
    #[serde(default)]
    screen_pop: Vec<String>,
}

fn get() -> String {
    "GET".into()
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

pub(crate) struct Op {
    method: String,
    url: Template,
    headers: Vec<(String, Template)>,
    body: Option<Template>,
    timeout: Duration,
    map: Vec<(String, String, bool)>,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::new(&["success", "timeout"], &["success"])
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let method = self.method.to_ascii_uppercase();
        let mut ok = METHODS.contains(&method.as_str());
        if !ok {
            cx.report(
                DiagnosticKind::BadParams,
                "method",
                format!("method is one of {}", METHODS.join(", ")),
            );
        }
        for (attr, pointer) in &self.map {
            if !pointer.is_empty() && !pointer.starts_with('/') {
                let message = format!("{pointer:?} is not a JSON pointer (it starts with /)");
                cx.report(
                    DiagnosticKind::BadParams,
                    &format!("map/{}", escape(attr)),
                    message,
                );
                ok = false;
            }
        }
        let url = cx.template("url", &self.url);
        let headers: Vec<Option<(String, Template)>> = (self.headers.into_iter())
            .map(|(k, v)| {
                Some((
                    k.clone(),
                    cx.template(&format!("headers/{}", escape(&k)), &v)?,
                ))
            })
            .collect();
        let body = cx.template_opt("body", &self.body);
        ok.then_some(())?;
        let pop = self.screen_pop;
        Some(Op {
            method,
            url: url?,
            headers: headers.into_iter().collect::<Option<_>>()?,
            body: body?,
            timeout: secs(self.timeout_secs),
            map: self
                .map
                .into_iter()
                .map(|(a, p)| (a.clone(), p, pop.contains(&a)))
                .collect(),
        })
    }
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        false
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        match self.request(s) {
            Ok(action) => s.wait(b, action, Wait::Http, Some(self.timeout)),
            Err(e) => s.fail(b, e),
        }
    }

    fn request(&self, s: &Session) -> Result<Action, String> {
        let url = s.render(&self.url)?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("URL {url:?} is not http:// or https://"));
        }
        let headers = (self.headers.iter())
            .map(|(k, t)| Ok((k.clone(), s.render(t)?)))
            .collect::<Result<Vec<_>, String>>()?;
        let body = self.body.as_ref().map(|t| s.render(t)).transpose()?;
        Ok(Action::HttpRequest {
            method: self.method.clone(),
            url,
            headers,
            body,
            timeout: self.timeout,
        })
    }

    fn response(&self, s: &mut Session, b: usize, status: u16, body: &str) {
        s.store("http.status", Value::Int(i64::from(status)));
        if !(200..300).contains(&status) {
            return s.fail(b, format!("HTTP status {status}"));
        }
        if self.map.is_empty() {
            return s.go(b, &["success"]);
        }
        if body.len() > s.limits().http_body_len {
            return s.fail(
                b,
                format!("HTTP answer longer than {} bytes", s.limits().http_body_len),
            );
        }
        let json: serde_json::Value = match serde_json::from_str(body) {
            Ok(j) => j,
            Err(e) => return s.fail(b, format!("HTTP answer is not JSON: {e}")),
        };
        for (attr, pointer, pop) in &self.map {
            if let Some(v) = json.pointer(pointer) {
                s.set_attr(attr, Value::from_json(v), *pop);
            }
        }
        s.go(b, &["success"]);
    }

    pub(crate) fn answer(
        &self,
        s: &mut Session,
        b: usize,
        wait: Wait,
        input: Input,
    ) -> Result<(), FlowError> {
        match input {
            Input::Http { status, body } => self.response(s, b, status, &body),
            Input::Timeout => s.go(b, &["timeout"]),
            Input::Failed(reason) => s.fail(b, reason),
            other => return Err(unexpected(wait, &other)),
        }
        Ok(())
    }
}
