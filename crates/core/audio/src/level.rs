//! Signal levels: dBm0 (telephony) and dBov (relative to digital full scale).

/// Level of a full-scale sine in dBm0 for G.711 (ITU-T G.711: +3.17 dBm0).
const FULL_SCALE_SINE_DBM0: f64 = 3.17;
/// Level reported for digital silence, as in RFC 6464.
const SILENCE_DBOV: f64 = -127.0;

/// Peak amplitude (16-bit scale) of a sine at `dbm0`.
///
/// A full-scale sine (peak 32767) is +3.17 dBm0, so 0 dBm0 is a peak of about 22 700.
pub fn dbm0_to_amplitude(dbm0: f64) -> f64 {
    32767.0 * 10f64.powf((dbm0 - FULL_SCALE_SINE_DBM0) / 20.0)
}

/// Mean power of `samples` in dBov: `10·log10(mean(x²) / 32768²)`; -127 for silence.
pub fn frame_dbov(samples: &[i16]) -> f64 {
    let ms = mean_square(samples);
    if ms <= 0.0 {
        return SILENCE_DBOV;
    }
    (10.0 * (ms / (32768.0 * 32768.0)).log10()).max(SILENCE_DBOV)
}

/// Mean of the squared samples (0 for an empty slice).
pub(crate) fn mean_square(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    sum / samples.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_dbm0_is_three_point_one_seven_db_below_full_scale() {
        // 32767 * 10^(-3.17/20) = 32767 * 0.69424 = 22748.
        assert!((dbm0_to_amplitude(0.0) - 22748.0).abs() < 2.0);
        assert!((dbm0_to_amplitude(-20.0) - 2274.8).abs() < 0.5);
    }

    #[test]
    fn full_scale_square_wave_is_zero_dbov_and_silence_is_floor() {
        let square: Vec<i16> = (0..160)
            .map(|i| if i % 2 == 0 { -32768 } else { 32767 })
            .collect();
        assert!(frame_dbov(&square).abs() < 0.01);
        assert_eq!(frame_dbov(&[0; 160]), -127.0);
        assert_eq!(frame_dbov(&[]), -127.0);
    }
}
