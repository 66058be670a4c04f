//! In-band DTMF detector: detection at low level with noise, talk-off, timing.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use sb_audio::{DtmfDetector, ToneGenerator, ToneSpec, dbm0_to_amplitude};

const KEYS: &str = "123A456B789C*0#D";

/// Deterministic white noise (xorshift), uniform in ±`amp`.
struct Noise(u32);

impl Noise {
    fn next(&mut self, amp: f64) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (f64::from(self.0) / f64::from(u32::MAX) * 2.0 - 1.0) * amp
    }
}

fn dtmf(digits: &str, on_ms: u32, off_ms: u32, dbm0: f64) -> Vec<i16> {
    let mut out = Vec::new();
    for d in digits.chars() {
        let mut g = ToneGenerator::new(ToneSpec::dtmf(d, on_ms, off_ms, dbm0).unwrap()).unwrap();
        let mut buf = vec![0i16; ((on_ms + off_ms) * 8) as usize];
        g.fill(&mut buf);
        out.extend(buf);
    }
    out
}

fn add_noise(signal: &mut [i16], dbm0_rms: f64, seed: u32) {
    // Uniform noise in ±a has RMS a/√3; a sine of peak p has RMS p/√2.
    let rms = dbm0_to_amplitude(dbm0_rms) / 2f64.sqrt();
    let amp = rms * 3f64.sqrt();
    let mut n = Noise(seed);
    for s in signal {
        *s = (f64::from(*s) + n.next(amp)).clamp(-32768.0, 32767.0) as i16;
    }
}

fn detect(signal: &[i16], chunk: usize) -> String {
    let mut det = DtmfDetector::default();
    let mut found = String::new();
    for c in signal.chunks(chunk) {
        det.push(c);
        while let Some(e) = det.poll_event() {
            found.push(e.digit);
        }
    }
    found
}

#[test]
fn every_digit_at_minus_20_dbm0_in_noise_is_detected_once() {
    let mut signal = dtmf(KEYS, 60, 60, -20.0);
    // Noise at -45 dBm0: 25 dB below each tone.
    add_noise(&mut signal, -45.0, 7);
    assert_eq!(detect(&signal, 160), KEYS);
}

#[test]
fn detection_does_not_depend_on_how_samples_are_chunked() {
    let mut signal = dtmf("159#", 80, 50, -20.0);
    add_noise(&mut signal, -40.0, 99);
    for chunk in [1, 37, 160, 333, 4000] {
        assert_eq!(detect(&signal, chunk), "159#", "chunk {chunk}");
    }
}

#[test]
fn a_long_press_is_reported_once_and_a_repeat_after_a_pause_twice() {
    assert_eq!(detect(&dtmf("5", 2000, 100, -10.0), 160), "5");
    assert_eq!(detect(&dtmf("55", 100, 60, -10.0), 160), "55");
}

#[test]
fn a_tone_of_23_ms_is_rejected_and_one_of_40_ms_accepted() {
    assert_eq!(detect(&dtmf("7", 23, 100, -10.0), 160), "");
    assert_eq!(detect(&dtmf("7", 40, 100, -10.0), 160), "7");
}

#[test]
fn tones_below_the_minimum_level_are_ignored() {
    assert_eq!(detect(&dtmf("123", 100, 100, -40.0), 160), "");
}

#[test]
fn excessive_twist_is_rejected() {
    // Row at -10 dBm0, column at -25 dBm0: a reverse twist of 15 dB.
    let (low, high) = sb_audio::dtmf_frequencies('1').unwrap();
    let (a, b) = (dbm0_to_amplitude(-10.0), dbm0_to_amplitude(-25.0));
    let signal: Vec<i16> = (0..1600)
        .map(|i| {
            let t = f64::from(i) / 8000.0;
            (a * (std::f64::consts::TAU * low * t).sin()
                + b * (std::f64::consts::TAU * high * t).sin()) as i16
        })
        .collect();
    assert_eq!(detect(&signal, 160), "");
}

/// A voiced-speech-like signal: a glottal pulse train whose pitch glides between 90 and 220 Hz,
/// shaped by three moving formants, with syllable-rate amplitude modulation.
fn speech_like(seconds: f64) -> Vec<i16> {
    let n = (seconds * 8000.0) as usize;
    let mut phase = 0.0f64;
    (0..n)
        .map(|i| {
            let t = i as f64 / 8000.0;
            let f0 = 155.0 + 65.0 * (std::f64::consts::TAU * 0.7 * t).sin();
            phase += f0 / 8000.0;
            let formants = [
                600.0 + 250.0 * (std::f64::consts::TAU * 2.1 * t).sin(),
                1500.0 + 500.0 * (std::f64::consts::TAU * 1.3 * t).cos(),
                2500.0,
            ];
            let mut v = 0.0;
            for h in 1..=25 {
                let f = f0 * f64::from(h);
                if f > 3800.0 {
                    break;
                }
                let gain: f64 = formants
                    .iter()
                    .map(|&fc| 1.0 / (1.0 + ((f - fc) / 120.0).powi(2)))
                    .sum();
                v += gain / f64::from(h).sqrt()
                    * (std::f64::consts::TAU * phase * f64::from(h)).sin();
            }
            let envelope = 0.55 + 0.45 * (std::f64::consts::TAU * 4.0 * t).sin();
            (v * envelope * 12000.0).clamp(-32000.0, 32000.0) as i16
        })
        .collect()
}

/// Music-like: a sequence of chords of harmonic-rich notes (piano-like decay).
fn music_like() -> Vec<i16> {
    let chords: [&[f64]; 6] = [
        &[261.63, 329.63, 392.0],
        &[293.66, 369.99, 440.0],
        &[329.63, 415.30, 493.88],
        &[349.23, 440.0, 523.25],
        &[392.0, 493.88, 587.33],
        &[440.0, 554.37, 659.25],
    ];
    let mut out = Vec::new();
    for notes in chords.iter().cycle().take(24) {
        for i in 0..4000 {
            let t = f64::from(i) / 8000.0;
            let mut v = 0.0;
            for &f in notes.iter() {
                for h in 1..=6 {
                    v += (std::f64::consts::TAU * f * f64::from(h) * t).sin() / f64::from(h);
                }
            }
            out.push((v * 3000.0 * (-3.0 * t).exp()) as i16);
        }
    }
    out
}

#[test]
fn speech_like_signal_does_not_talk_off() {
    let speech = speech_like(20.0);
    // Loud enough that only the spectral checks can reject it.
    let level = sb_audio::frame_dbov(&speech);
    assert!(level > -25.0, "{level}");
    assert_eq!(detect(&speech, 160), "");
}

#[test]
fn music_like_signal_does_not_talk_off() {
    let music = music_like();
    assert!(sb_audio::frame_dbov(&music) > -25.0);
    assert_eq!(detect(&music, 160), "");
}

#[test]
fn digits_mixed_under_speech_pauses_are_still_found() {
    let mut signal = speech_like(1.0);
    signal.extend(dtmf("42", 80, 80, -15.0));
    signal.extend(speech_like(1.0));
    assert_eq!(detect(&signal, 160), "42");
}

#[test]
fn tones_off_frequency_by_one_and_a_half_percent_are_accepted() {
    for (d, sign) in [('1', 1.0), ('5', -1.0), ('9', 1.0), ('#', -1.0)] {
        let (low, high) = sb_audio::dtmf_frequencies(d).unwrap();
        let (low, high) = (low * (1.0 + sign * 0.015), high * (1.0 - sign * 0.015));
        let a = dbm0_to_amplitude(-20.0);
        let mut signal: Vec<i16> = (0..800)
            .map(|i| {
                let t = f64::from(i) / 8000.0;
                (a * ((std::f64::consts::TAU * low * t).sin()
                    + (std::f64::consts::TAU * high * t).sin())) as i16
            })
            .collect();
        signal.extend([0i16; 800]);
        assert_eq!(detect(&signal, 160), d.to_string());
    }
}
