//! What a test run shows: per case, the actions and answers, the path, the outcome and every
//! check, printable as text ending with `N passed, M failed`.

use crate::Finish;
use std::fmt;

/// The result of running a case file.
#[derive(Clone, Debug, PartialEq)]
pub struct Transcript {
    /// One report per case, in file order.
    pub cases: Vec<CaseReport>,
}

/// The result of one case.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseReport {
    /// The case's name.
    pub name: String,
    /// `-> action` and `<- answer` lines, in order.
    pub lines: Vec<String>,
    /// The block ids entered.
    pub path: Vec<String>,
    /// How the flow ended, if it did.
    pub finish: Option<Finish>,
    /// Every check made.
    pub checks: Vec<Check>,
}

/// One check of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// What was checked (`path`, `finish`, `step`…).
    pub what: &'static str,
    /// Whether it held.
    pub ok: bool,
    /// Expected and actual values.
    pub detail: String,
}

impl CaseReport {
    pub(crate) fn new(name: &str) -> CaseReport {
        CaseReport {
            name: name.to_owned(),
            lines: Vec::new(),
            path: Vec::new(),
            finish: None,
            checks: Vec::new(),
        }
    }

    pub(crate) fn check(&mut self, ok: bool, what: &'static str, detail: String) {
        self.checks.push(Check { what, ok, detail });
    }

    /// Whether every check held.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

impl Transcript {
    /// Whether every case passed.
    pub fn passed(&self) -> bool {
        self.cases.iter().all(CaseReport::passed)
    }

    /// Cases passed and failed.
    pub fn counts(&self) -> (usize, usize) {
        let passed = self.cases.iter().filter(|c| c.passed()).count();
        (passed, self.cases.len() - passed)
    }
}

impl fmt::Display for CaseReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "PASS" } else { "FAIL" };
        writeln!(f, "case {:?}: {verdict}", self.name)?;
        for line in &self.lines {
            writeln!(f, "    {line}")?;
        }
        writeln!(f, "  path: {}", self.path.join(" -> "))?;
        match &self.finish {
            Some(finish) => writeln!(f, "  finish: {}", describe(finish))?,
            None => writeln!(f, "  finish: (not finished)")?,
        }
        for check in &self.checks {
            let mark = if check.ok { "ok  " } else { "FAIL" };
            writeln!(f, "  {mark} {}: {}", check.what, check.detail)?;
        }
        Ok(())
    }
}

fn describe(finish: &Finish) -> String {
    match finish {
        Finish::Error { block, message } => format!("error in {block}: {message}"),
        Finish::StepBudget { block } => format!("step budget exhausted at {block}"),
        Finish::Connected { agent } => format!("connected to {agent}"),
        other => other.kind().to_owned(),
    }
}

impl fmt::Display for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for case in &self.cases {
            writeln!(f, "{case}")?;
        }
        let (passed, failed) = self.counts();
        writeln!(f, "{passed} passed, {failed} failed")
    }
}
