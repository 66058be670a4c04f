//! Runs cases against a program, as a host would, and checks the expectations.

use super::transcript::{CaseReport, Transcript};
use super::{Case, CaseFile, ScriptStep};
use crate::{Action, Finish, Program, Session, Start, Step};
use sb_types::Timestamp;
use std::sync::Arc;
use std::time::Duration;

/// Runs every case of the file.
pub fn run(program: &Arc<Program>, file: &CaseFile) -> Transcript {
    Transcript {
        cases: file.cases.iter().map(|c| run_case(program, c)).collect(),
    }
}

/// Runs one case.
pub fn run_case(program: &Arc<Program>, case: &Case) -> CaseReport {
    let mut report = CaseReport::new(&case.name);
    let Some(now) = start_time(case, &mut report) else {
        return report;
    };
    let start = Start {
        now,
        seed: case.seed,
        attributes: case.attributes.clone(),
    };
    let mut run = Run {
        session: Session::new(Arc::clone(program), start),
        clock: now,
        last: None,
    };
    let mut answers = case.steps.iter();
    let finish = run.drive(&mut answers, &mut report);
    let left = answers.count();
    if left > 0 {
        report.check(false, "script", format!("{left} answer(s) left unused"));
    }
    report.path = run.session.path().to_vec();
    check_expectations(case, &run, finish.as_ref(), &mut report);
    report.finish = finish;
    report
}

fn start_time(case: &Case, report: &mut CaseReport) -> Option<Timestamp> {
    let Some(text) = &case.at else {
        return Some(Timestamp::EPOCH);
    };
    match text.parse::<jiff::Timestamp>() {
        Ok(t) => Some(Timestamp::from_millis(t.as_millisecond())),
        Err(e) => {
            report.check(
                false,
                "at",
                format!("{text:?} is not an RFC 3339 instant: {e}"),
            );
            None
        }
    }
}

struct Run {
    session: Session,
    clock: Timestamp,
    last: Option<&'static str>,
}

impl Run {
    /// Polls and answers until the flow ends or the script runs dry.
    fn drive<'a>(
        &mut self,
        answers: &mut impl Iterator<Item = &'a ScriptStep>,
        report: &mut CaseReport,
    ) -> Option<Finish> {
        let limit = self.session.max_polls();
        for _ in 0..limit {
            let awaited = match self.session.poll() {
                Step::Finished(f) => return Some(f),
                Step::Do(action) => {
                    self.record(&action, report);
                    continue;
                }
                Step::Await(action) => {
                    self.record(&action, report);
                    Some(action)
                }
                Step::Waiting => None,
            };
            let Some(step) = answers.next() else {
                let what = self.last.unwrap_or("an answer");
                report.check(
                    false,
                    "script",
                    format!("the flow waits on {what} but no answer is left"),
                );
                return None;
            };
            self.answer(awaited.as_ref(), step, report);
        }
        report.check(false, "script", "the flow did not end".to_owned());
        None
    }

    fn record(&mut self, action: &Action, report: &mut CaseReport) {
        report.lines.push(format!("-> {action}"));
        self.last = Some(action.kind());
    }

    fn answer(&mut self, awaited: Option<&Action>, step: &ScriptStep, report: &mut CaseReport) {
        if let (Some(kind), Some(action)) = (&step.expect, awaited) {
            let ok = kind == action.kind();
            report.check(
                ok,
                "step",
                format!("expected {kind}, got {}", action.kind()),
            );
        }
        if let (Some(text), Some(action)) = (&step.expect_text, awaited) {
            let shown = action.to_string();
            report.check(
                shown.contains(text.as_str()),
                "step",
                format!("{shown:?} should contain {text:?}"),
            );
        }
        self.clock = self.clock + Duration::from_millis(step.after_ms);
        let shown = serde_json::to_string(&step.answer).unwrap_or_default();
        report.lines.push(format!("<- {shown}"));
        if let Err(e) = self.session.handle(self.clock, step.answer.clone()) {
            report.check(false, "step", format!("answer refused: {e}"));
        }
    }
}

fn check_expectations(case: &Case, run: &Run, finish: Option<&Finish>, report: &mut CaseReport) {
    let expect = &case.expect;
    if let Some(path) = &expect.path {
        let got = run.session.path();
        report.check(
            got == path.as_slice(),
            "path",
            format!("expected {path:?}, got {got:?}"),
        );
    }
    if let Some(kind) = &expect.finish {
        let got = finish.map_or("(not finished)", Finish::kind);
        report.check(kind == got, "finish", format!("expected {kind}, got {got}"));
    }
    if let Some(kind) = &expect.last_action {
        let got = run.last.unwrap_or("(none)");
        report.check(
            kind == got,
            "last_action",
            format!("expected {kind}, got {got}"),
        );
    }
    for (name, want) in &expect.attributes {
        let got = run.session.attributes().get(name);
        let detail = format!(
            "{name}: expected {want}, got {}",
            got.map_or("(unset)".into(), |v| v.to_string())
        );
        report.check(got == Some(want), "attribute", detail);
    }
}
