//! Tone checks for tests and probes: "did a 1 kHz tone arrive?".

use crate::goertzel_power;
use crate::level::mean_square;

/// Estimates the frequency (Hz) of a dominant tone by counting rising zero crossings,
/// interpolated between samples. `None` when fewer than two crossings are found.
pub fn estimate_frequency(samples: &[i16], rate: u32) -> Option<f64> {
    let crossings = rising_crossings(samples);
    let (first, last) = (*crossings.first()?, *crossings.last()?);
    if crossings.len() < 2 || last <= first {
        return None;
    }
    Some((crossings.len() - 1) as f64 * f64::from(rate) / (last - first))
}

/// Fractional sample positions where the signal rises through zero.
fn rising_crossings(samples: &[i16]) -> Vec<f64> {
    samples
        .windows(2)
        .enumerate()
        .filter_map(|(i, w)| {
            let (a, b) = (f64::from(w[0]), f64::from(w[1]));
            (a < 0.0 && b >= 0.0).then(|| i as f64 + (-a) / (b - a))
        })
        .collect()
}

/// Share (0..=1, about) of the signal's power that lies at `freq` Hz.
pub fn tone_power_ratio(samples: &[i16], freq: f64, rate: u32) -> f64 {
    let total = mean_square(samples);
    if total <= 0.0 {
        return 0.0;
    }
    goertzel_power(samples, freq, rate) / total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| {
                (8000.0 * (2.0 * std::f64::consts::PI * freq * i as f64 / 8000.0).sin()) as i16
            })
            .collect()
    }

    #[test]
    fn a_one_kilohertz_tone_is_estimated_within_one_hertz() {
        let f = estimate_frequency(&sine(1000.0, 800), 8000).unwrap();
        assert!((f - 1000.0).abs() < 1.0, "{f}");
        let f = estimate_frequency(&sine(437.0, 1600), 8000).unwrap();
        assert!((f - 437.0).abs() < 1.0, "{f}");
    }

    #[test]
    fn silence_has_no_frequency_and_no_tone_power() {
        assert_eq!(estimate_frequency(&[0; 160], 8000), None);
        assert_eq!(tone_power_ratio(&[0; 160], 1000.0, 8000), 0.0);
    }

    #[test]
    fn a_pure_tone_holds_all_the_power_at_its_frequency() {
        let s = sine(1000.0, 160);
        assert!(tone_power_ratio(&s, 1000.0, 8000) > 0.98);
        assert!(tone_power_ratio(&s, 2000.0, 8000) < 0.01);
    }
}
