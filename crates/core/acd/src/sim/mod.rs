//! Simulation: drive the real [`crate::Acd`] with a manual clock over a scenario (queues,
//! agents with shifts, arrival streams, handle-time and patience distributions) and report
//! service level, ASA, AHT, abandonment, occupancy and maximum wait.
//!
//! Admins use it to test a routing change before publishing it: the queue configuration is
//! the same [`crate::QueueConfig`] the ACD runs. Formulas are in `docs/acd.md`.

mod arrivals;
mod prng;
mod report;
mod run;
mod scenario;

pub use prng::SplitMix64;
pub use report::{GroupReport, Metrics, QueueReport, Report};
pub use run::run;
pub use scenario::{
    AgentGroup, ArrivalStream, Distribution, Scenario, Shift, SkillNeed, TimedArrival,
};
