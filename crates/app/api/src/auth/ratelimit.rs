//! Per-address login rate limiting (sliding one-minute window).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts attempts per source address within the last minute.
pub struct RateLimiter {
    per_minute: u32,
    attempts: Mutex<HashMap<IpAddr, Vec<Instant>>>,
}

const WINDOW: Duration = Duration::from_secs(60);

impl RateLimiter {
    /// Allows `per_minute` attempts per address per minute.
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    /// Records an attempt at `now`; `Err(seconds to wait)` when over the limit.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let mut map = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, v| v.last().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        let list = map.entry(ip).or_default();
        list.retain(|t| now.duration_since(*t) < WINDOW);
        if list.len() >= self.per_minute as usize {
            let oldest = list.first().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        list.push(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_applies_per_address_and_window_slides() {
        let limiter = RateLimiter::new(2);
        let t0 = Instant::now();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(limiter.check(a, t0).is_ok());
        assert!(limiter.check(a, t0).is_ok());
        assert!(limiter.check(a, t0).is_err());
        assert!(limiter.check(b, t0).is_ok());
        assert!(limiter.check(a, t0 + Duration::from_secs(61)).is_ok());
    }
}
