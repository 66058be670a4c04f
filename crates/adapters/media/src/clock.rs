//! The driver's clock: wall time in ms for the sans-IO cores, tokio instants for timers.

use std::time::{SystemTime, UNIX_EPOCH};

use sb_types::Timestamp;
use tokio::time::Instant;

/// Now, as the cores count time (ms since the Unix epoch).
pub(crate) fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp::from_millis(ms)
}

/// The tokio instant of a core deadline `at`, given that it is `now` (in the past: at once).
pub(crate) fn instant_at(at: Timestamp, now: Timestamp) -> Instant {
    Instant::now() + at.saturating_since(now)
}
