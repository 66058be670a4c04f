//! Admission control, checked before any port is bound: a limit on open endpoints, and for a
//! new call (its first endpoint) a limit on how late the runtime runs the media tasks
//! ([`crate::lag`]), so calls are refused before the relay's latency degrades the ones up.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::MediaError;
use crate::lag::LagGauge;

/// Counts open endpoints against a limit. Cheap to clone (shared counter).
#[derive(Debug, Clone)]
pub(crate) struct Admission {
    active: Arc<AtomicUsize>,
    limit: usize,
    /// The runtime's lateness p99 and the most a new call is admitted at.
    lag: Option<(LagGauge, Duration)>,
}

/// One admitted endpoint; dropping it frees its place.
#[derive(Debug)]
pub(crate) struct Permit {
    active: Arc<AtomicUsize>,
}

impl Admission {
    /// Admits at most `limit` endpoints at a time; with `lag`, new calls only while the
    /// gauge's p99 is at most the duration.
    pub(crate) fn new(limit: usize, lag: Option<(LagGauge, Duration)>) -> Self {
        Admission {
            active: Arc::new(AtomicUsize::new(0)),
            limit,
            lag,
        }
    }

    /// A permit for an endpoint (the first of its call when `new_call`), or
    /// [`MediaError::AtCapacity`] when `limit` endpoints are open, or
    /// [`MediaError::Overloaded`] for a new call while the runtime runs late.
    pub(crate) fn admit(&self, new_call: bool) -> Result<Permit, MediaError> {
        if let (true, Some((gauge, limit))) = (new_call, &self.lag) {
            let p99 = gauge.p99();
            if p99 > *limit {
                refused("overloaded");
                return Err(MediaError::Overloaded { p99, limit: *limit });
            }
        }
        let limit = self.limit;
        self.active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .map_err(|active| {
                refused("capacity");
                MediaError::AtCapacity { active, limit }
            })?;
        let active = Arc::clone(&self.active);
        Ok(Permit { active })
    }

    /// Endpoints open now.
    pub(crate) fn active(&self) -> usize {
        self.active.load(Ordering::Acquire)
    }
}

/// Counts a refusal in `switchboard_media_refused_total{reason}` (`/metrics`).
fn refused(reason: &'static str) {
    metrics::counter!("switchboard_media_refused_total", "reason" => reason).increment(1);
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.active.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_refuses_past_the_limit_and_frees_on_drop() {
        let admission = Admission::new(2, None);
        let a = admission.admit(false).unwrap();
        let _b = admission.admit(false).unwrap();
        let err = admission.admit(false).unwrap_err();
        assert!(matches!(
            err,
            MediaError::AtCapacity {
                active: 2,
                limit: 2
            }
        ));
        drop(a);
        assert_eq!(admission.active(), 1);
        assert!(admission.admit(false).is_ok());
    }
}
