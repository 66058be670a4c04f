//! Routing flows: the script that runs an interaction from entry to end.
//!
//! Contents:
//! - [`Document`]: the flow as JSON, with a published schema ([`json_schema`]): a start block and
//!   blocks with parameters, named transitions and event handlers.
//! - [`compile`] (and [`compile_json`] from text): document + tenant [`Catalog`] → [`Program`],
//!   or every problem as [`Diagnostic`]s with block id and JSON pointer. [`Limits`] bound what
//!   a program may do.
//! - [`Session`]: the interpreter, one per interaction. [`Session::poll`] yields [`Step`]s
//!   carrying [`Action`]s; the host answers with [`Session::handle`]`(now, `[`Input`]`)`.
//! - [`script`]: test cases for admins and a runner printing a transcript.
//!
//! Design note: the crate is sans IO. The session never reads the clock (the host passes `now`)
//! nor any randomness (the host passes a seed for percentage splits); time zones come from a
//! bundled database. Everything a flow computes is bounded: Rhai expressions by operations, call
//! depth and sizes, minijinja templates by fuel and by a whitelist of constructs, and a session
//! by a step budget, so a hostile document can fail but never hang or exhaust the engine.
//! Each block type lives in its own file under `blocks/`, with its parameters, its compiled
//! form, its outcomes and how it runs.
#![forbid(unsafe_code)]

mod action;
mod blocks;
mod catalog;
mod compile;
mod diagnostic;
mod document;
mod error;
mod expr;
mod hours;
mod limits;
mod program;
pub mod script;
mod session;
mod template;
mod value;

pub use action::{Action, Finish, Input, MessageChannel, Named, Prompt, Step, Target, Treatment};
pub use blocks::plain_address;
pub use catalog::Catalog;
pub use compile::{compile, compile_json, compile_with_limits};
pub use diagnostic::{Diagnostic, DiagnosticKind};
pub use document::{Block, Document, Handlers};
pub use error::FlowError;
pub use limits::Limits;
pub use program::Program;
pub use session::{Session, Start};
pub use template::lint_template;
pub use value::{Attributes, Value};

/// The shared ids and time the API speaks in, re-exported for hosts' convenience.
pub use sb_types::{AgentId, QueueId, SkillId, Timestamp};

/// The JSON Schema of flow documents (draft 2020-12), as published in `flow.schema.json`.
///
/// `params` may be left out of a block whose parameters are all optional.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Document);
    let mut value = serde_json::to_value(&schema).unwrap_or(serde_json::Value::Null);
    let variants = value
        .pointer_mut("/$defs/Block/oneOf")
        .and_then(|v| v.as_array_mut());
    for variant in variants.into_iter().flatten() {
        let params_ref = variant
            .pointer("/properties/params/$ref")
            .and_then(|r| r.as_str());
        let params_def = params_ref
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .map(str::to_owned);
        let all_optional = params_def.is_some_and(|name| {
            let required = schema
                .as_value()
                .pointer(&format!("/$defs/{name}/required"));
            required
                .and_then(|r| r.as_array())
                .is_none_or(|r| r.is_empty())
        });
        if let (true, Some(required)) = (all_optional, variant.get_mut("required")) {
            *required = serde_json::json!(["type"]);
        }
    }
    value
}

#[cfg(test)]
mod tests {
    fn shareable<T: Send + Sync>() {}
    fn movable<T: Send>() {}

    #[test]
    fn programs_are_shared_and_sessions_moved_across_tasks() {
        shareable::<crate::Program>();
        movable::<crate::Session>();
    }
}
