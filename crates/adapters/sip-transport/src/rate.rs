//! Per-source token buckets: scan and flood protection, sans-IO (time is passed in).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use sb_types::Timestamp;

/// A bucket size and refill rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Tokens added per second (sustained requests per second).
    pub per_second: u32,
    /// Bucket size (requests allowed in a burst).
    pub burst: u32,
}

impl Default for RateLimit {
    /// 50 requests per second, bursts of 200: far above a phone, far below a scanner.
    fn default() -> Self {
        RateLimit {
            per_second: 50,
            burst: 200,
        }
    }
}

/// One token is this many milli-tokens: integer refill at millisecond resolution.
const TOKEN: u64 = 1000;
/// How often idle buckets are swept.
const SWEEP: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
struct Bucket {
    milli_tokens: u64,
    at: Timestamp,
}

/// Token buckets keyed by source IP address.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: HashMap<IpAddr, Bucket>,
    next_sweep: Timestamp,
}

impl RateLimiter {
    /// No bucket yet: every source starts with a full one.
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit,
            buckets: HashMap::new(),
            next_sweep: Timestamp::EPOCH,
        }
    }

    /// Takes one token from `source`'s bucket; false when it is empty (drop the message).
    pub fn allow(&mut self, now: Timestamp, source: IpAddr) -> bool {
        let full = self.capacity();
        if self.buckets.is_empty() && self.next_sweep <= now {
            self.next_sweep = now + SWEEP;
        }
        let bucket = self.buckets.entry(source).or_insert(Bucket {
            milli_tokens: full,
            at: now,
        });
        let refilled = refill(self.limit, *bucket, now, full);
        let allowed = refilled >= TOKEN;
        bucket.milli_tokens = if allowed { refilled - TOKEN } else { refilled };
        bucket.at = now.max(bucket.at);
        allowed
    }

    /// When idle buckets should next be swept.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        (!self.buckets.is_empty()).then_some(self.next_sweep)
    }

    /// Forgets buckets that have refilled completely: they behave like new ones.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if now < self.next_sweep {
            return;
        }
        let (limit, full) = (self.limit, self.capacity());
        self.buckets
            .retain(|_, b| refill(limit, *b, now, full) < full);
        self.next_sweep = now + SWEEP;
    }

    /// How many sources have a bucket.
    pub fn tracked(&self) -> usize {
        self.buckets.len()
    }

    fn capacity(&self) -> u64 {
        u64::from(self.limit.burst).saturating_mul(TOKEN)
    }
}

fn refill(limit: RateLimit, b: Bucket, now: Timestamp, full: u64) -> u64 {
    let elapsed = u64::try_from(now.saturating_since(b.at).as_millis()).unwrap_or(u64::MAX);
    let added = elapsed.saturating_mul(u64::from(limit.per_second));
    b.milli_tokens.saturating_add(added).min(full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    fn ip(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, n))
    }

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    #[test]
    fn a_burst_is_allowed_then_the_excess_dropped() {
        let mut r = RateLimiter::new(RateLimit {
            per_second: 10,
            burst: 3,
        });
        let got: Vec<bool> = (0..5).map(|_| r.allow(at(0), ip(1))).collect();
        assert_eq!(got, [true, true, true, false, false]);
    }

    #[test]
    fn tokens_come_back_at_the_configured_rate() {
        let mut r = RateLimiter::new(RateLimit {
            per_second: 10,
            burst: 1,
        });
        assert!(r.allow(at(0), ip(1)));
        assert!(!r.allow(at(99), ip(1)));
        assert!(r.allow(at(199), ip(1)), "100 ms give one token at 10/s");
        assert!(!r.allow(at(199), ip(1)));
    }

    #[test]
    fn sources_have_separate_buckets() {
        let mut r = RateLimiter::new(RateLimit {
            per_second: 1,
            burst: 1,
        });
        assert!(r.allow(at(0), ip(1)));
        assert!(!r.allow(at(0), ip(1)));
        assert!(r.allow(at(0), ip(2)));
    }

    #[test]
    fn refilled_buckets_are_swept_and_busy_ones_kept() {
        let mut r = RateLimiter::new(RateLimit {
            per_second: 1,
            burst: 5,
        });
        r.allow(at(0), ip(1));
        for _ in 0..5 {
            r.allow(at(9_000), ip(2));
        }
        r.handle_timeout(at(10_000));
        assert_eq!(r.tracked(), 1, "ip 1 refilled in 1 s, ip 2 needs 5 s");
        assert_eq!(r.poll_timeout(), Some(at(20_000)));
        r.handle_timeout(at(20_000));
        assert_eq!(r.tracked(), 0);
        assert_eq!(r.poll_timeout(), None);
    }

    #[test]
    fn a_clock_going_backwards_adds_no_tokens() {
        let mut r = RateLimiter::new(RateLimit {
            per_second: 1000,
            burst: 1,
        });
        assert!(r.allow(at(5_000), ip(1)));
        assert!(!r.allow(at(1_000), ip(1)));
        assert!(!r.allow(at(5_000), ip(1)));
        assert!(r.allow(at(5_001), ip(1)));
    }

    proptest! {
        /// Reference: over any span from the first request, one source is allowed at most
        /// `burst + per_second × span` requests, and requests spaced at least 1/rate apart
        /// are never refused.
        #[test]
        fn allowed_requests_never_exceed_the_bucket_bound(
            per_second in 1u32..50,
            burst in 1u32..20,
            gaps in proptest::collection::vec(0i64..200, 1..300),
        ) {
            let mut r = RateLimiter::new(RateLimit { per_second, burst });
            let (mut now, mut allowed) = (0i64, 0u64);
            for gap in gaps {
                now += gap;
                if r.allow(at(now), ip(1)) {
                    allowed += 1;
                }
                let bound = u64::from(burst) + u64::from(per_second) * now as u64 / 1000;
                prop_assert!(allowed <= bound, "{allowed} > {bound} at {now} ms");
            }
        }

        #[test]
        fn paced_requests_are_always_allowed(per_second in 1u32..100, n in 1usize..200) {
            let mut r = RateLimiter::new(RateLimit { per_second, burst: 1 });
            let step = i64::from(1000u32.div_ceil(per_second));
            for i in 0..n {
                prop_assert!(r.allow(at(i as i64 * step), ip(1)));
            }
        }
    }
}
