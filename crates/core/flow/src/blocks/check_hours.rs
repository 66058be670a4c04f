//! `check_hours`: branches on hours of operation at the host's `now`. Outcomes: `open`,
//! `closed`, and `holiday` (falls back to `closed`).

use super::{Outcomes, unexpected};
use crate::compile::Cx;
use crate::hours::{self, Hours, Openness};
use crate::session::{Session, Wait};
use crate::{DiagnosticKind, FlowError, Input};
use std::collections::BTreeSet;

/// Parameters of `check_hours`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CheckHoursParams")]
pub(crate) struct Params {
    /// IANA time zone of the schedule (`Europe/Paris`).
    time_zone: String,
    /// Opening ranges.
    weekly: Vec<Range>,
    /// Closed dates, `YYYY-MM-DD` in the schedule's time zone.
    #[serde(default)]
    holidays: Vec<String>,
}

/// Days and a daily opening range.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Range {
    /// The days this range applies to.
    days: Vec<Day>,
    /// Opening time, `HH:MM`.
    open: String,
    /// Closing time, `HH:MM` (up to `24:00`), after `open`.
    close: String,
}

/// A day of the week.
#[derive(Clone, Copy, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

pub(crate) struct Op {
    hours: Hours,
}

impl Params {
    pub(crate) fn outcomes(&self) -> Outcomes {
        Outcomes::new(&["open", "closed", "holiday"], &["open", "closed"])
    }

    pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
        let tz = hours::time_zone(&self.time_zone);
        if tz.is_none() {
            let message = format!("unknown IANA time zone {:?}", self.time_zone);
            cx.report(DiagnosticKind::UnknownTimeZone, "time_zone", message);
        }
        let weekly = weekly(&self.weekly, cx);
        let holidays = holidays(&self.holidays, cx);
        Some(Op {
            hours: Hours::new(tz?, weekly?, holidays?),
        })
    }
}

fn weekly(ranges: &[Range], cx: &mut Cx<'_, '_>) -> Option<[Vec<(u16, u16)>; 7]> {
    let mut week: [Vec<(u16, u16)>; 7] = Default::default();
    let mut ok = true;
    for (i, range) in ranges.iter().enumerate() {
        let (open, close) = (
            hours::parse_clock(&range.open),
            hours::parse_clock(&range.close),
        );
        match (open, close) {
            (Some(o), Some(c)) if o < c => {
                for day in &range.days {
                    if let Some(slot) = week.get_mut(*day as usize) {
                        slot.push((o, c));
                    }
                }
            }
            _ => {
                let message = "open and close are HH:MM with open before close (split ranges that cross midnight)";
                cx.report(DiagnosticKind::BadSchedule, &format!("weekly/{i}"), message);
                ok = false;
            }
        }
    }
    ok.then_some(week)
}

fn holidays(dates: &[String], cx: &mut Cx<'_, '_>) -> Option<BTreeSet<jiff::civil::Date>> {
    let mut out = Some(BTreeSet::new());
    for (i, text) in dates.iter().enumerate() {
        match hours::parse_date(text) {
            Some(d) => {
                out.as_mut().map(|set| set.insert(d));
            }
            None => {
                let message = format!("{text:?} is not a YYYY-MM-DD date");
                cx.report(
                    DiagnosticKind::BadSchedule,
                    &format!("holidays/{i}"),
                    message,
                );
                out = None;
            }
        }
    }
    out
}

impl Op {
    pub(crate) fn needs_caller(&self) -> bool {
        false
    }

    pub(crate) fn enter(&self, s: &mut Session, b: usize) {
        match self.hours.at(s.now()) {
            Some(Openness::Open) => s.go(b, &["open"]),
            Some(Openness::Closed) => s.go(b, &["closed"]),
            Some(Openness::Holiday) => s.go(b, &["holiday", "closed"]),
            None => s.fail(b, "the current time is outside the calendar".into()),
        }
    }

    pub(crate) fn answer(
        &self,
        _: &mut Session,
        _: usize,
        wait: Wait,
        input: Input,
    ) -> Result<(), FlowError> {
        Err(unexpected(wait, &input))
    }
}
