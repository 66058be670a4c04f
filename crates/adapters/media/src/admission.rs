//! Admission control: a limit on open endpoints, checked before any port is bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::MediaError;

/// Counts open endpoints against a limit. Cheap to clone (shared counter).
#[derive(Debug, Clone)]
pub(crate) struct Admission {
    active: Arc<AtomicUsize>,
    limit: usize,
}

/// One admitted endpoint; dropping it frees its place.
#[derive(Debug)]
pub(crate) struct Permit {
    active: Arc<AtomicUsize>,
}

impl Admission {
    /// Admits at most `limit` endpoints at a time.
    pub(crate) fn new(limit: usize) -> Self {
        Admission {
            active: Arc::new(AtomicUsize::new(0)),
            limit,
        }
    }

    /// A permit, or [`MediaError::AtCapacity`] when `limit` endpoints are open.
    pub(crate) fn admit(&self) -> Result<Permit, MediaError> {
        let limit = self.limit;
        self.active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .map_err(|active| MediaError::AtCapacity { active, limit })?;
        let active = Arc::clone(&self.active);
        Ok(Permit { active })
    }

    /// Endpoints open now.
    pub(crate) fn active(&self) -> usize {
        self.active.load(Ordering::Acquire)
    }
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
        let admission = Admission::new(2);
        let a = admission.admit().unwrap();
        let _b = admission.admit().unwrap();
        let err = admission.admit().unwrap_err();
        assert!(matches!(
            err,
            MediaError::AtCapacity {
                active: 2,
                limit: 2
            }
        ));
        drop(a);
        assert_eq!(admission.active(), 1);
        assert!(admission.admit().is_ok());
    }
}
