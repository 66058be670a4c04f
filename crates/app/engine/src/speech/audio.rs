//! Audio handed to the recogniser: the caller's speech cut out of the recording (with a little
//! silence either side), at the 16 kHz the acoustic model was trained on.

/// 10 ms at 8 kHz.
const STEP: usize = 80;
/// Silence kept either side of the speech.
const MARGIN_STEPS: usize = 20;
/// A step this loud (RMS) or louder may be speech (about -44 dBov)...
const FLOOR_RMS: f64 = 200.0;
/// ... and only when it is within 26 dB of the loudest step.
const RELATIVE: f64 = 0.05;

/// The part of `samples` (8 kHz) that holds speech, with 200 ms either side; empty when
/// nothing rises above the floor.
pub(crate) fn speech_span(samples: &[i16]) -> &[i16] {
    let levels: Vec<f64> = samples.chunks(STEP).map(rms).collect();
    let loudest = levels.iter().copied().fold(0.0, f64::max);
    let threshold = FLOOR_RMS.max(loudest * RELATIVE);
    let first = levels.iter().position(|l| *l >= threshold);
    let last = levels.iter().rposition(|l| *l >= threshold);
    let (Some(first), Some(last)) = (first, last) else {
        return &[];
    };
    let start = first.saturating_sub(MARGIN_STEPS) * STEP;
    let end = ((last + 1 + MARGIN_STEPS) * STEP).min(samples.len());
    &samples[start..end]
}

/// Half the length of the interpolation filter, in 16 kHz samples.
const HALF_TAPS: i32 = 15;

/// 8 kHz → 16 kHz: the samples are kept and a half-band low-pass filter (31 taps of a
/// Hamming-windowed sinc) fills the points between them, so nothing appears above 4 kHz.
/// (Linear interpolation leaves images there that the 16 kHz model hears: it missed words.)
pub(crate) fn upsample_2x(samples: &[i16]) -> Vec<i16> {
    // Taps at odd offsets -15, -13 … 15 (the even ones are zero but the centre).
    let taps: Vec<(isize, f64)> = (-HALF_TAPS..=HALF_TAPS)
        .filter(|n| n % 2 != 0)
        .map(|n| {
            let x = std::f64::consts::FRAC_PI_2 * f64::from(n);
            let window =
                0.54 + 0.46 * (std::f64::consts::PI * f64::from(n) / f64::from(HALF_TAPS)).cos();
            ((n as isize - 1) / 2, x.sin() / x * window)
        })
        .collect();
    let mut out = Vec::with_capacity(samples.len() * 2);
    for m in 0..samples.len() {
        out.push(samples[m]);
        let between: f64 = taps
            .iter()
            .filter_map(|&(j, h)| {
                let at = m as isize - j;
                usize::try_from(at)
                    .ok()
                    .and_then(|at| samples.get(at))
                    .map(|&s| h * f64::from(s))
            })
            .sum();
        out.push(
            between
                .round()
                .clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16,
        );
    }
    out
}

fn rms(chunk: &[i16]) -> f64 {
    if chunk.is_empty() {
        return 0.0;
    }
    let sum: f64 = chunk.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / chunk.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(len: usize, amplitude: f64) -> Vec<i16> {
        (0..len)
            .map(|n| (amplitude * (n as f64 * 0.3).sin()) as i16)
            .collect()
    }

    #[test]
    fn the_span_is_the_speech_with_200_ms_either_side() {
        let mut samples = vec![0i16; 8000];
        samples.extend(tone(4000, 8000.0));
        samples.extend(vec![3i16; 8000]);
        let span = speech_span(&samples);
        assert_eq!(span.len(), 4000 + 2 * 1600);
        assert_eq!(span.as_ptr(), samples[8000 - 1600..].as_ptr());
    }

    #[test]
    fn silence_and_line_noise_have_no_span() {
        assert!(speech_span(&vec![0i16; 8000]).is_empty());
        assert!(speech_span(&tone(8000, 100.0)).is_empty());
        assert!(speech_span(&[]).is_empty());
    }

    #[test]
    fn speech_at_the_edges_keeps_what_there_is() {
        let samples = tone(800, 8000.0);
        assert_eq!(speech_span(&samples).len(), 800);
    }

    /// The level of `freq` Hz in 16 kHz samples (Goertzel), relative to full scale.
    fn level_at(samples: &[i16], freq: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * freq / 16_000.0;
        let (mut s1, mut s2) = (0.0, 0.0);
        for &x in samples {
            let s0 = f64::from(x) + 2.0 * w.cos() * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        let power = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
        power.sqrt() / samples.len() as f64
    }

    #[test]
    fn upsampling_keeps_the_samples_and_the_tone_without_an_image() {
        let tone: Vec<i16> = (0..8000)
            .map(|n| {
                (10_000.0 * (2.0 * std::f64::consts::PI * 1000.0 * f64::from(n) / 8000.0).sin())
                    as i16
            })
            .collect();
        let up = upsample_2x(&tone);
        assert_eq!(up.len(), 16_000);
        assert!(up.iter().step_by(2).eq(tone.iter()), "every sample kept");
        let inner = &up[100..15_900];
        let wanted = level_at(inner, 1000.0);
        let image = level_at(inner, 7000.0);
        assert!(wanted > 2000.0, "the tone is there: {wanted}");
        assert!(
            image < wanted / 100.0,
            "no image at 7 kHz: {image} vs {wanted}"
        );
        assert!(upsample_2x(&[]).is_empty());
        assert_eq!(upsample_2x(&[i16::MAX; 40]).len(), 80);
    }
}
