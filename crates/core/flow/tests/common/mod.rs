//! A scripted host for driving sessions in tests.
#![allow(dead_code)]

use sb_flow::{
    Catalog, Diagnostic, Document, Finish, Input, Limits, Program, Session, Start, Step,
    compile_with_limits,
};
use sb_types::{AgentId, QueueId, SkillId, Timestamp};
use std::sync::Arc;

pub use sb_types;

/// Monday 23 November 2026, 10:00 in Paris.
pub const MONDAY_10H_PARIS: Timestamp = Timestamp::from_millis(1_795_424_400_000);

pub fn catalog() -> Catalog {
    Catalog::default()
        .with_queue("support", QueueId::from_u128(1))
        .with_queue("sales", QueueId::from_u128(2))
        .with_skill("english", SkillId::from_u128(10))
        .with_skill("french", SkillId::from_u128(11))
        .with_agent("alice", AgentId::from_u128(0xa11c))
        .with_prompt("welcome")
        .with_prompt("hold-music")
}

pub fn try_program(doc: serde_json::Value, limits: &Limits) -> Result<Program, Vec<Diagnostic>> {
    let doc: Document = serde_json::from_value(doc).expect("document shape");
    compile_with_limits(&doc, &catalog(), limits)
}

pub fn program(doc: serde_json::Value) -> Arc<Program> {
    program_with(doc, &Limits::default())
}

pub fn program_with(doc: serde_json::Value, limits: &Limits) -> Arc<Program> {
    Arc::new(try_program(doc, limits).unwrap_or_else(|d| panic!("diagnostics: {d:#?}")))
}

/// Diagnostics of a document that must not compile.
pub fn diagnostics(doc: serde_json::Value) -> Vec<Diagnostic> {
    match try_program(doc, &Limits::default()) {
        Ok(_) => panic!("the document compiled"),
        Err(d) => d,
    }
}

/// A host: polls the session and logs what it is asked to do.
pub struct Host {
    pub session: Session,
    pub now: Timestamp,
    pub finish: Option<Finish>,
}

impl Host {
    pub fn new(program: Arc<Program>, start: Start) -> Host {
        let now = start.now;
        Host {
            session: Session::new(program, start),
            now,
            finish: None,
        }
    }

    pub fn start(doc: serde_json::Value) -> Host {
        Host::new(
            program(doc),
            Start::at(MONDAY_10H_PARIS).attr("caller", "+331234"),
        )
    }

    /// Polls until the session waits or ends; one line per action.
    pub fn run(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            match self.session.poll() {
                Step::Do(a) => lines.push(format!("do {a}")),
                Step::Await(a) => lines.push(format!("await {a}")),
                Step::Waiting => return lines,
                Step::Finished(f) => {
                    self.finish = Some(f);
                    return lines;
                }
            }
        }
    }

    /// Answers, then polls.
    pub fn answer(&mut self, input: Input) -> Vec<String> {
        self.session
            .handle(self.now, input)
            .expect("answer accepted");
        self.run()
    }

    /// Lets time pass, fires due timeouts, then polls.
    pub fn advance(&mut self, ms: u64) -> Vec<String> {
        self.now = self.now + std::time::Duration::from_millis(ms);
        self.session.handle_timeout(self.now);
        self.run()
    }

    /// The last block entered.
    pub fn at(&self) -> &str {
        self.session.path().last().map(String::as_str).unwrap_or("")
    }

    pub fn attr(&self, name: &str) -> Option<String> {
        self.session.attributes().get(name).map(|v| v.to_string())
    }
}

/// A one-block flow whose outcomes all lead to distinct `end` blocks named after them.
pub fn single(kind: &str, params: serde_json::Value, outcomes: &[&str]) -> serde_json::Value {
    let mut blocks = vec![serde_json::json!({
        "id": "b",
        "type": kind,
        "params": params,
        "transitions": outcomes.iter().map(|o| (o.to_string(), serde_json::json!(format!("to_{o}")))).collect::<serde_json::Map<_, _>>(),
    })];
    for o in outcomes {
        blocks.push(serde_json::json!({ "id": format!("to_{o}"), "type": "end" }));
    }
    serde_json::json!({ "start": "b", "blocks": blocks })
}
