//! A small deterministic generator (SplitMix64) for the randomness the machines need (SRV
//! weights, back-off jitter, branches, tags). The caller seeds it with real random bytes; tests
//! seed it with constants and get the same run every time. Not for secrets.

#[derive(Debug, Clone)]
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..=max` (modulo bias is irrelevant for these uses).
    pub(crate) fn up_to(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(n) => self.next_u64() % n,
            None => self.next_u64(),
        }
    }

    /// 16 hexadecimal digits, for branches, tags and Call-IDs.
    pub(crate) fn token(&mut self) -> String {
        format!("{:016x}", self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_the_same_sequence_and_bounds_hold() {
        let (mut a, mut b) = (SplitMix::new(9), SplitMix::new(9));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
            assert!(a.up_to(10) <= 10);
            b.up_to(10);
        }
        assert_ne!(SplitMix::new(1).token(), SplitMix::new(2).token());
        assert_eq!(SplitMix::new(3).up_to(0), 0);
        SplitMix::new(3).up_to(u64::MAX);
    }
}
