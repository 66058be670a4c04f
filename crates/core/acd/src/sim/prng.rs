//! A small deterministic generator (SplitMix64) and the distributions sampled from it.

use super::scenario::Distribution;

/// SplitMix64: tiny, fast, and the same sequence on every platform for a seed.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.next_f64()).ln()
    }

    /// A sample in seconds (never negative).
    pub fn sample(&mut self, d: &Distribution) -> f64 {
        let v = match *d {
            Distribution::Fixed { secs } => secs,
            Distribution::Uniform { min_secs, max_secs } => {
                min_secs + (max_secs - min_secs) * self.next_f64()
            }
            Distribution::Exponential { mean_secs } => self.exponential(mean_secs),
        };
        if v.is_finite() { v.max(0.0) } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_sequence_and_uniforms_stay_in_range() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        for _ in 0..1000 {
            let x = a.next_f64();
            assert_eq!(x, b.next_f64());
            assert!((0.0..1.0).contains(&x));
        }
    }

    #[test]
    fn exponential_mean_is_close_to_the_asked_mean() {
        let mut g = SplitMix64::new(42);
        let n = 20_000;
        let mean = (0..n).map(|_| g.exponential(120.0)).sum::<f64>() / f64::from(n);
        assert!((mean - 120.0).abs() < 5.0, "mean {mean}");
    }
}
