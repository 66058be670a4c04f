//! The Goertzel algorithm: the power of one frequency in a block of samples.

/// Mean power of the `freq` Hz component of `samples` at `rate` Hz, in the units of the mean
/// square of the samples: a sine of amplitude `A` at `freq` yields about `A²/2`.
///
/// The frequency need not fall on a DFT bin; the result is the block's DTFT at `freq`
/// (rectangular window).
pub fn goertzel_power(samples: &[i16], freq: f64, rate: u32) -> f64 {
    let n = samples.len();
    if n == 0 || rate == 0 {
        return 0.0;
    }
    let coeff = 2.0 * (2.0 * std::f64::consts::PI * freq / f64::from(rate)).cos();
    let (s1, s2) = samples.iter().fold((0.0f64, 0.0f64), |(s1, s2), &x| {
        (f64::from(x) + coeff * s1 - s2, s1)
    });
    let magnitude_sq = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * magnitude_sq / (n as f64 * n as f64)
}

/// [`goertzel_power`] for several frequencies in one pass over the samples.
pub(crate) fn goertzel_bank<const N: usize>(
    samples: &[i16],
    freqs: &[f64; N],
    rate: u32,
) -> [f64; N] {
    let n = samples.len();
    if n == 0 || rate == 0 {
        return [0.0; N];
    }
    let coeff = freqs.map(|f| 2.0 * (2.0 * std::f64::consts::PI * f / f64::from(rate)).cos());
    let (mut s1, mut s2) = ([0.0f64; N], [0.0f64; N]);
    for &x in samples {
        let x = f64::from(x);
        for k in 0..N {
            let s0 = x + coeff[k] * s1[k] - s2[k];
            s2[k] = s1[k];
            s1[k] = s0;
        }
    }
    let norm = 2.0 / (n as f64 * n as f64);
    std::array::from_fn(|k| (s1[k] * s1[k] + s2[k] * s2[k] - coeff[k] * s1[k] * s2[k]) * norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, amp: f64, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / 8000.0).sin()) as i16)
            .collect()
    }

    #[test]
    fn a_sine_measures_half_its_amplitude_squared() {
        // 1000 Hz over 160 samples is exactly 20 cycles: power = 10000² / 2 = 5e7.
        let p = goertzel_power(&sine(1000.0, 10000.0, 160), 1000.0, 8000);
        assert!((p - 5.0e7).abs() / 5.0e7 < 0.01, "{p}");
    }

    #[test]
    fn a_distant_frequency_measures_near_zero() {
        let p = goertzel_power(&sine(1000.0, 10000.0, 160), 1500.0, 8000);
        assert!(p < 5.0e7 * 0.001, "{p}");
    }

    #[test]
    fn the_bank_agrees_with_single_frequencies() {
        let s = sine(770.0, 5000.0, 160);
        let freqs = [697.0, 770.0, 1209.0];
        let bank = goertzel_bank(&s, &freqs, 8000);
        for (p, f) in bank.iter().zip(freqs) {
            assert!((p - goertzel_power(&s, f, 8000)).abs() < 1e-6 * p.max(1.0));
        }
    }

    #[test]
    fn empty_input_has_no_power() {
        assert_eq!(goertzel_power(&[], 1000.0, 8000), 0.0);
    }
}
