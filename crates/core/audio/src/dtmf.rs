//! In-band DTMF detection (ITU-T Q.23/Q.24 style) for carriers that send tones, not RFC 4733.
//!
//! The signal is cut into windows of 160 samples (20 ms) with a hop of 80 samples. Each window
//! is classified by the Goertzel power at the eight DTMF frequencies:
//! 1. the strongest row and column are each above the minimum level;
//! 2. the twist (column over row, and row over column) is within bounds;
//! 3. each is stronger than the rest of its group by a margin;
//! 4. the two tones hold most of the window's energy (this rejects speech and music, whose
//!    energy is spread over many harmonics).
//!
//! The winning row and column are also measured 1.5 % above and below their nominal frequency
//! (the Q.24 tolerance) and the largest value kept.
//!
//! A digit is reported once, after two consecutive windows agree (a tone of 40 ms or more is
//! accepted; one of 23 ms or less cannot fill two windows). It ends after two windows without
//! it, so a single disturbed window inside a long press does not report the digit twice.

use std::collections::VecDeque;

use crate::goertzel::goertzel_bank;
use crate::level::mean_square;
use crate::tone::{DTMF_COLS, DTMF_KEYS, DTMF_ROWS};
use crate::{FRAME_SAMPLES, SAMPLE_RATE, dbm0_to_amplitude};

const HOP: usize = FRAME_SAMPLES / 2;
/// Frequency tolerance of a key (ITU-T Q.24: accept ±1.5 %).
const FREQ_TOLERANCE: f64 = 0.015;

/// Thresholds of the [`DtmfDetector`].
#[derive(Debug, Clone, PartialEq)]
pub struct DtmfDetectorConfig {
    /// Weakest accepted level of each tone, in dBm0.
    pub min_level_dbm0: f64,
    /// Largest accepted excess of the column tone over the row tone, in dB.
    pub max_normal_twist_db: f64,
    /// Largest accepted excess of the row tone over the column tone, in dB.
    pub max_reverse_twist_db: f64,
    /// How much stronger each tone must be than the others of its group, in dB.
    pub min_relative_peak_db: f64,
    /// Smallest share of the window's power held by the two tones.
    pub min_tone_ratio: f64,
    /// Consecutive agreeing windows needed to report a digit.
    pub min_windows: u32,
    /// Consecutive windows without the digit that end it.
    pub end_windows: u32,
}

impl Default for DtmfDetectorConfig {
    fn default() -> Self {
        DtmfDetectorConfig {
            min_level_dbm0: -32.0,
            max_normal_twist_db: 8.0,
            max_reverse_twist_db: 6.0,
            min_relative_peak_db: 6.0,
            min_tone_ratio: 0.75,
            min_windows: 2,
            end_windows: 2,
        }
    }
}

/// A detected digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfEvent {
    /// `0-9`, `*`, `#` or `A-D`.
    pub digit: char,
    /// Index of the sample (since the detector started) that ends the confirming window.
    pub at_sample: u64,
}

/// The detector: push samples, poll digits.
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    config: DtmfDetectorConfig,
    min_power: f64,
    window: Vec<i16>,
    consumed: u64,
    candidate: Option<char>,
    hits: u32,
    current: Option<char>,
    misses: u32,
    events: VecDeque<DtmfEvent>,
}

impl Default for DtmfDetector {
    fn default() -> Self {
        Self::new(DtmfDetectorConfig::default())
    }
}

impl DtmfDetector {
    /// A detector with `config`.
    pub fn new(config: DtmfDetectorConfig) -> Self {
        let amplitude = dbm0_to_amplitude(config.min_level_dbm0);
        DtmfDetector {
            min_power: amplitude * amplitude / 2.0,
            config,
            window: Vec::with_capacity(FRAME_SAMPLES + HOP),
            consumed: 0,
            candidate: None,
            hits: 0,
            current: None,
            misses: 0,
            events: VecDeque::new(),
        }
    }

    /// Feeds samples (any length).
    pub fn push(&mut self, samples: &[i16]) {
        for chunk in samples.chunks(HOP) {
            self.window.extend_from_slice(chunk);
            while self.window.len() >= FRAME_SAMPLES {
                let digit = self.classify(&self.window[..FRAME_SAMPLES]);
                self.consumed += HOP as u64;
                self.track(digit);
                self.window.drain(..HOP);
            }
        }
    }

    /// The next detected digit, oldest first.
    pub fn poll_event(&mut self) -> Option<DtmfEvent> {
        self.events.pop_front()
    }

    fn track(&mut self, digit: Option<char>) {
        if digit.is_some() && digit == self.candidate {
            self.hits = self.hits.saturating_add(1);
        } else {
            self.candidate = digit;
            self.hits = 1;
        }
        self.misses = if digit == self.current && digit.is_some() {
            0
        } else {
            self.misses.saturating_add(1)
        };
        if self.misses >= self.config.end_windows {
            self.current = None;
        }
        if let Some(d) = digit.filter(|_| self.hits >= self.config.min_windows) {
            self.confirm(d);
        }
    }

    fn confirm(&mut self, digit: char) {
        if self.current == Some(digit) {
            return;
        }
        self.current = Some(digit);
        self.misses = 0;
        let at_sample = self.consumed + HOP as u64;
        self.events.push_back(DtmfEvent { digit, at_sample });
    }

    fn classify(&self, window: &[i16]) -> Option<char> {
        let total = mean_square(window);
        if total < self.min_power {
            return None;
        }
        let rows = goertzel_bank(window, &DTMF_ROWS, SAMPLE_RATE);
        let cols = goertzel_bank(window, &DTMF_COLS, SAMPLE_RATE);
        let (r, _) = strongest(&rows);
        let (c, _) = strongest(&cols);
        let row = refined(window, DTMF_ROWS[r], rows[r]);
        let col = refined(window, DTMF_COLS[c], cols[c]);
        let ok = row >= self.min_power
            && col >= self.min_power
            && self.twist_ok(row, col)
            && self.peak_ok(&rows, r)
            && self.peak_ok(&cols, c)
            && (row + col) >= self.config.min_tone_ratio * total;
        ok.then(|| DTMF_KEYS[r][c])
    }

    fn twist_ok(&self, row: f64, col: f64) -> bool {
        col <= row * db(self.config.max_normal_twist_db)
            && row <= col * db(self.config.max_reverse_twist_db)
    }

    fn peak_ok(&self, group: &[f64; 4], best: usize) -> bool {
        let margin = db(self.config.min_relative_peak_db);
        group
            .iter()
            .enumerate()
            .all(|(i, &p)| i == best || group[best] >= p * margin)
    }
}

/// Q.24 lets a key be 1.5 % off frequency: measure the winner there too and keep the largest,
/// so an off-frequency tone is not mistaken for a partial one.
fn refined(window: &[i16], freq: f64, nominal: f64) -> f64 {
    let probes = [freq * (1.0 - FREQ_TOLERANCE), freq * (1.0 + FREQ_TOLERANCE)];
    goertzel_bank(window, &probes, SAMPLE_RATE)
        .into_iter()
        .fold(nominal, f64::max)
}

fn db(x: f64) -> f64 {
    10f64.powf(x / 10.0)
}

fn strongest(group: &[f64; 4]) -> (usize, f64) {
    group.iter().copied().enumerate().fold(
        (0, f64::MIN),
        |best, (i, p)| if p > best.1 { (i, p) } else { best },
    )
}
