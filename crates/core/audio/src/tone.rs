//! Tone generation: call-progress tones per region, beeps and DTMF, as frames of samples.

use std::f64::consts::TAU;

use crate::{AudioError, SAMPLE_RATE, dbm0_to_amplitude};

/// Telephony regions whose ringback cadence differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// North America (ANSI T1.401): 440 + 480 Hz, 2 s on, 4 s off.
    Us,
    /// United Kingdom: 400 + 450 Hz, 0.4 s on, 0.2 s off, 0.4 s on, 2 s off.
    Uk,
    /// Most of Europe (ETSI ES 201 970): 425 Hz, 1 s on, 4 s off.
    Europe,
}

/// One step of a cadence: up to two summed frequencies (none = silence) for a duration.
#[derive(Debug, Clone, PartialEq)]
pub struct ToneSegment {
    /// Frequencies in Hz, summed, each at the spec's level. Empty means silence.
    pub freqs: Vec<f64>,
    /// Length in milliseconds.
    pub duration_ms: u32,
}

impl ToneSegment {
    fn on(freqs: &[f64], duration_ms: u32) -> Self {
        ToneSegment {
            freqs: freqs.to_vec(),
            duration_ms,
        }
    }

    fn off(duration_ms: u32) -> Self {
        ToneSegment {
            freqs: Vec::new(),
            duration_ms,
        }
    }
}

/// A tone: a cadence of segments, played once or repeated, at a level per frequency.
#[derive(Debug, Clone, PartialEq)]
pub struct ToneSpec {
    /// The cadence.
    pub segments: Vec<ToneSegment>,
    /// Loop the cadence forever.
    pub repeat: bool,
    /// Level of each frequency component, in dBm0.
    pub level_dbm0: f64,
}

impl ToneSpec {
    /// The ringback tone of `region`, repeating, at -19 dBm0 per frequency.
    pub fn ringback(region: Region) -> Self {
        let segments = match region {
            Region::Us => vec![
                ToneSegment::on(&[440.0, 480.0], 2000),
                ToneSegment::off(4000),
            ],
            Region::Uk => vec![
                ToneSegment::on(&[400.0, 450.0], 400),
                ToneSegment::off(200),
                ToneSegment::on(&[400.0, 450.0], 400),
                ToneSegment::off(2000),
            ],
            Region::Europe => vec![ToneSegment::on(&[425.0], 1000), ToneSegment::off(4000)],
        };
        ToneSpec {
            segments,
            repeat: true,
            level_dbm0: -19.0,
        }
    }

    /// A single beep (recording notice, queue prompt), played once at -10 dBm0.
    pub fn beep(freq: f64, duration_ms: u32) -> Self {
        ToneSpec {
            segments: vec![ToneSegment::on(&[freq], duration_ms)],
            repeat: false,
            level_dbm0: -10.0,
        }
    }

    /// A DTMF digit (`0-9`, `*`, `#`, `A-D`) for `duration_ms`, then `pause_ms` of silence,
    /// at `level_dbm0` per frequency. `None` for any other character.
    pub fn dtmf(digit: char, duration_ms: u32, pause_ms: u32, level_dbm0: f64) -> Option<Self> {
        let (low, high) = dtmf_frequencies(digit)?;
        let segments = vec![
            ToneSegment::on(&[low, high], duration_ms),
            ToneSegment::off(pause_ms),
        ];
        Some(ToneSpec {
            segments,
            repeat: false,
            level_dbm0,
        })
    }
}

const ROWS: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
const COLS: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
const KEYS: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];

/// The (row, column) frequencies of a DTMF key, `None` for a character that is not a key.
pub fn dtmf_frequencies(digit: char) -> Option<(f64, f64)> {
    let digit = digit.to_ascii_uppercase();
    KEYS.iter().enumerate().find_map(|(r, row)| {
        row.iter()
            .position(|&k| k == digit)
            .map(|c| (ROWS[r], COLS[c]))
    })
}

/// The DTMF row and column frequencies, for the detector.
pub(crate) const DTMF_ROWS: [f64; 4] = ROWS;
pub(crate) const DTMF_COLS: [f64; 4] = COLS;
pub(crate) const DTMF_KEYS: [[char; 4]; 4] = KEYS;

/// Plays a [`ToneSpec`] as samples, keeping phase across calls.
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    spec: ToneSpec,
    amplitude: f64,
    segment: usize,
    position: u64,
    finished: bool,
}

impl ToneGenerator {
    /// A generator at the start of `spec`.
    pub fn new(spec: ToneSpec) -> Result<Self, AudioError> {
        let total: u64 = spec.segments.iter().map(|s| u64::from(s.duration_ms)).sum();
        if total == 0 {
            return Err(AudioError::EmptyTone);
        }
        let amplitude = dbm0_to_amplitude(spec.level_dbm0);
        Ok(ToneGenerator {
            spec,
            amplitude,
            segment: 0,
            position: 0,
            finished: false,
        })
    }

    /// True once a non-repeating tone has played out.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Fills `out` and returns how many samples were written (fewer only when the tone ended).
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        let mut written = 0;
        while written < out.len() && !self.finished {
            out[written] = self.sample();
            written += 1;
            self.advance();
        }
        written
    }

    fn segment_len(&self) -> u64 {
        let ms = self
            .spec
            .segments
            .get(self.segment)
            .map_or(0, |s| s.duration_ms);
        u64::from(ms) * u64::from(SAMPLE_RATE) / 1000
    }

    fn sample(&self) -> i16 {
        let Some(seg) = self.spec.segments.get(self.segment) else {
            return 0;
        };
        let t = self.position as f64 / f64::from(SAMPLE_RATE);
        let v: f64 = seg.freqs.iter().map(|f| (TAU * f * t).sin()).sum();
        (v * self.amplitude).clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16
    }

    fn advance(&mut self) {
        self.position += 1;
        while self.position >= self.segment_len() && !self.finished {
            self.position = 0;
            self.segment += 1;
            if self.segment >= self.spec.segments.len() {
                self.segment = 0;
                self.finished = !self.spec.repeat;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{estimate_frequency, tone_power_ratio};

    #[test]
    fn us_ringback_is_two_seconds_of_440_and_480_then_four_of_silence() {
        let mut g = ToneGenerator::new(ToneSpec::ringback(Region::Us)).unwrap();
        let mut buf = vec![0i16; 8000 * 6];
        assert_eq!(g.fill(&mut buf), buf.len());
        let on = &buf[..16000];
        assert!(tone_power_ratio(on, 440.0, 8000) > 0.45);
        assert!(tone_power_ratio(on, 480.0, 8000) > 0.45);
        assert!(buf[16000..].iter().all(|&s| s == 0));
        assert!(!g.is_finished());
        let mut again = [0i16; 160];
        g.fill(&mut again);
        assert!(again.iter().any(|&s| s != 0), "the cadence repeats");
    }

    #[test]
    fn uk_ringback_has_the_double_ring_cadence() {
        let mut g = ToneGenerator::new(ToneSpec::ringback(Region::Uk)).unwrap();
        let mut buf = vec![0i16; 24000];
        g.fill(&mut buf);
        let energy = |a: usize, b: usize| buf[a..b].iter().any(|&s| s != 0);
        assert!(energy(0, 3200) && !energy(3200, 4800) && energy(4800, 8000));
        assert!(!energy(8000, 24000));
    }

    #[test]
    fn a_beep_plays_once_at_its_frequency() {
        let mut g = ToneGenerator::new(ToneSpec::beep(1000.0, 100)).unwrap();
        let mut buf = vec![0i16; 1600];
        assert_eq!(g.fill(&mut buf), 800);
        assert!(g.is_finished());
        let f = estimate_frequency(&buf[..800], 8000).unwrap();
        assert!((f - 1000.0).abs() < 2.0, "{f}");
    }

    #[test]
    fn every_key_has_its_row_and_column_and_others_have_none() {
        assert_eq!(dtmf_frequencies('1'), Some((697.0, 1209.0)));
        assert_eq!(dtmf_frequencies('0'), Some((941.0, 1336.0)));
        assert_eq!(dtmf_frequencies('#'), Some((941.0, 1477.0)));
        assert_eq!(dtmf_frequencies('d'), Some((941.0, 1633.0)));
        assert_eq!(dtmf_frequencies('x'), None);
        assert!(ToneSpec::dtmf('x', 100, 0, -10.0).is_none());
    }

    #[test]
    fn an_empty_tone_is_rejected() {
        let spec = ToneSpec {
            segments: vec![],
            repeat: true,
            level_dbm0: 0.0,
        };
        assert_eq!(ToneGenerator::new(spec).unwrap_err(), AudioError::EmptyTone);
    }
}
