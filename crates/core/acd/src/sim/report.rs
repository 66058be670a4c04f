//! What a simulation reports, and how the figures are accumulated.

use crate::command::{SlaOutcome, SlaRecord};
use sb_types::QueueId;
use serde::Serialize;

/// The result of a simulation run.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    /// Scenario name.
    pub name: String,
    /// All queues together.
    pub total: Metrics,
    /// Per queue (by the queue where the SLA clock stopped).
    pub queues: Vec<QueueReport>,
    /// Per agent group.
    pub groups: Vec<GroupReport>,
    /// Interactions still in the ACD when the run stopped (no agent ever eligible, or the
    /// run hit `max_duration_secs`).
    pub unfinished: u64,
    /// Simulated time, seconds.
    pub simulated_secs: f64,
}

/// Figures of one queue or of all.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Metrics {
    /// Interactions whose SLA clock stopped here: answered + abandoned + overflowed.
    pub offered: u64,
    /// Answered by an agent.
    pub answered: u64,
    /// Answered within the service-level target.
    pub answered_within_target: u64,
    /// Left before an answer.
    pub abandoned: u64,
    /// Abandoned after the target.
    pub abandoned_after_target: u64,
    /// Overflowed out of the ACD.
    pub overflowed: u64,
    /// answered within target / (answered + abandoned after target + overflowed after
    /// target); none when the denominator is zero.
    pub service_level: Option<f64>,
    /// Average speed of answer: total wait of answered / answered, seconds.
    pub asa_secs: Option<f64>,
    /// Average handle time (talk + wrap-up) of handled interactions, seconds.
    pub aht_secs: Option<f64>,
    /// abandoned / offered.
    pub abandonment_rate: Option<f64>,
    /// Longest wait before an answer, abandon or overflow, seconds.
    pub max_wait_secs: f64,
    /// Busy / (busy + idle) of the agents (total only; queues share agents).
    pub occupancy: Option<f64>,
}

/// Figures of one queue.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct QueueReport {
    /// Queue id.
    pub queue: QueueId,
    /// Queue name.
    pub name: String,
    /// Its figures.
    pub metrics: Metrics,
}

/// Figures of one agent group.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GroupReport {
    /// Group name.
    pub name: String,
    /// Interactions handled.
    pub handled: u64,
    /// Busy / (busy + idle).
    pub occupancy: Option<f64>,
}

/// Running sums behind [`Metrics`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Acc {
    pub m: Metrics,
    wait_answered_ms: u64,
    handled: u64,
    handle_ms: u64,
    max_wait_ms: u64,
    overflowed_late: u64,
}

fn ratio(n: f64, d: f64) -> Option<f64> {
    (d > 0.0).then(|| n / d)
}

impl Acc {
    pub fn sla(&mut self, r: &SlaRecord) {
        let m = &mut self.m;
        m.offered += 1;
        match r.outcome {
            SlaOutcome::Answered => {
                m.answered += 1;
                m.answered_within_target += u64::from(r.within_target);
                self.wait_answered_ms += r.waited_ms;
            }
            SlaOutcome::Abandoned => {
                m.abandoned += 1;
                m.abandoned_after_target += u64::from(!r.within_target);
            }
            SlaOutcome::Overflowed => {
                m.overflowed += 1;
                self.overflowed_late += u64::from(!r.within_target);
            }
        }
        self.max_wait_ms = self.max_wait_ms.max(r.waited_ms);
    }

    pub fn handled(&mut self, ms: u64) {
        self.handled += 1;
        self.handle_ms += ms;
    }

    pub fn finish(&self, occupancy: Option<f64>) -> Metrics {
        let m = &self.m;
        let denominator = m.answered + m.abandoned_after_target + self.overflowed_late;
        Metrics {
            service_level: ratio(m.answered_within_target as f64, denominator as f64),
            asa_secs: ratio(self.wait_answered_ms as f64 / 1000.0, m.answered as f64),
            aht_secs: ratio(self.handle_ms as f64 / 1000.0, self.handled as f64),
            abandonment_rate: ratio(m.abandoned as f64, m.offered as f64),
            max_wait_secs: self.max_wait_ms as f64 / 1000.0,
            occupancy,
            ..m.clone()
        }
    }
}
