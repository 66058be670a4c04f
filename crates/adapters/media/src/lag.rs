//! How late the runtime runs the media tasks: a probe task asks to wake every [`TICK`] and
//! records how late it woke. Relayed packets wait the same way for their call's task, so the
//! probe's p99 over the last [`WINDOW`] is the relay's added latency p99 (to a tick), measured
//! without touching the packet path. Admission control refuses new calls while it is above
//! the configured limit (`MediaConfig::admission_lag`).
//!
//! [`LagWindow`] is the sans-IO part (samples in, p99 out); [`spawn_probe`] is its driver,
//! which also publishes the p99 as the `switchboard_media_lag_p99_seconds` gauge (`/metrics`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The probe's period.
pub(crate) const TICK: Duration = Duration::from_millis(10);
/// The span the p99 covers.
pub(crate) const WINDOW: Duration = Duration::from_secs(5);

/// The last `capacity` lateness samples, in microseconds.
#[derive(Debug, Clone)]
pub(crate) struct LagWindow {
    samples: Vec<u64>,
    next: usize,
    capacity: usize,
    scratch: Vec<u64>,
}

impl LagWindow {
    /// A window of `capacity` samples (at least 1).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        LagWindow {
            samples: Vec::with_capacity(capacity),
            next: 0,
            capacity,
            scratch: Vec::with_capacity(capacity),
        }
    }

    /// Adds a sample, dropping the oldest when full.
    pub(crate) fn record(&mut self, late_us: u64) {
        if self.samples.len() < self.capacity {
            self.samples.push(late_us);
        } else {
            self.samples[self.next] = late_us;
        }
        self.next = (self.next + 1) % self.capacity;
    }

    /// The 99th percentile of the samples (nearest rank); 0 when there are none.
    pub(crate) fn p99(&mut self) -> u64 {
        if self.samples.is_empty() {
            return 0;
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(&self.samples);
        let rank = (self.scratch.len() * 99).div_ceil(100).max(1) - 1;
        *self.scratch.select_nth_unstable(rank).1
    }
}

/// The probe's latest p99 in microseconds, shared with admission control.
#[derive(Debug, Clone, Default)]
pub(crate) struct LagGauge(Arc<AtomicU64>);

impl LagGauge {
    pub(crate) fn p99(&self) -> Duration {
        Duration::from_micros(self.0.load(Ordering::Relaxed))
    }

    fn set(&self, p99_us: u64) {
        self.0.store(p99_us, Ordering::Relaxed);
    }
}

/// Starts the probe on `runtime`; it stops when the last clone of `gauge` but its own is gone.
pub(crate) fn spawn_probe(runtime: &tokio::runtime::Handle, gauge: LagGauge) {
    let capacity = (WINDOW.as_millis() / TICK.as_millis()) as usize;
    runtime.spawn(async move {
        let mut window = LagWindow::new(capacity);
        let mut due = tokio::time::Instant::now() + TICK;
        while Arc::strong_count(&gauge.0) > 1 {
            tokio::time::sleep_until(due).await;
            let now = tokio::time::Instant::now();
            let late = now.saturating_duration_since(due);
            window.record(u64::try_from(late.as_micros()).unwrap_or(u64::MAX));
            let p99 = window.p99();
            gauge.set(p99);
            metrics::gauge!("switchboard_media_lag_p99_seconds").set(p99 as f64 / 1e6);
            due = now + TICK;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: sort and take the nearest rank.
    fn p99_sorted(samples: &[u64]) -> u64 {
        let mut s = samples.to_vec();
        s.sort_unstable();
        let rank = (s.len() * 99).div_ceil(100).max(1) - 1;
        s[rank]
    }

    #[test]
    fn the_p99_follows_the_last_samples_like_a_sorted_reference() {
        let mut window = LagWindow::new(500);
        assert_eq!(window.p99(), 0, "no samples yet");
        let mut all = Vec::new();
        let mut x: u64 = 12_345;
        for i in 0..1_700u64 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let sample = if i % 37 == 0 {
                40_000 + x % 1000
            } else {
                x % 2_000
            };
            window.record(sample);
            all.push(sample);
            let last = &all[all.len().saturating_sub(500)..];
            assert_eq!(window.p99(), p99_sorted(last), "after {} samples", i + 1);
        }
    }

    #[test]
    fn a_burst_of_lateness_leaves_the_window_once_it_is_older_than_the_window() {
        let mut window = LagWindow::new(100);
        for _ in 0..95 {
            window.record(100);
        }
        for _ in 0..5 {
            window.record(50_000);
        }
        assert_eq!(window.p99(), 50_000);
        for _ in 0..100 {
            window.record(100);
        }
        assert_eq!(window.p99(), 100);
    }
}
