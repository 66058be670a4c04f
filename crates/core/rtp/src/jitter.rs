//! A small adaptive jitter buffer for the paths that decode (mixing, recording, detection).
//!
//! Frames are keyed by extended sequence number. Playout starts once the buffer holds its
//! target depth; each [`JitterBuffer::pop`] (one per packet time) yields the next frame, a
//! `Missing` slot for a gap (the decoder conceals it), or `Buffering` while filling. Frames
//! behind the playout point are late and dropped. The target depth follows the measured
//! interarrival jitter (RFC 3550 A.8): `ceil(4 · J / ptime) + 1` frames within bounds. When the
//! buffer runs two frames under its target, a slot is concealed without consuming a frame (the
//! buffer deepens); more than two over, one frame per pop is skipped (it shrinks); an underrun re-buffers one frame deeper (a floor that decays after 10 s without one).

use std::collections::BTreeMap;

use sb_types::Timestamp;

/// Frames played without underrun before the depth floor raised by an underrun drops by one
/// (500 frames of 20 ms: 10 s).
const RELAX_AFTER: u32 = 500;

/// Bounds and timing of a [`JitterBuffer`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JitterConfig {
    /// Packet time in ms (20 for G.711 by default).
    pub ptime_ms: u32,
    /// Media clock rate in Hz.
    pub clock_rate: u32,
    /// Smallest target depth in frames.
    pub min_depth: usize,
    /// Largest target depth in frames (also the most frames held).
    pub max_depth: usize,
}

impl Default for JitterConfig {
    fn default() -> Self {
        JitterConfig {
            ptime_ms: 20,
            clock_rate: 8000,
            min_depth: 2,
            max_depth: 15,
        }
    }
}

/// What to play in this slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout<T> {
    /// The next frame.
    Frame(T),
    /// A frame is missing here (lost, late, or the buffer ran dry): conceal it.
    Missing,
    /// Still filling up: play silence (or comfort noise).
    Buffering,
}

/// The buffer; `T` is the payload (encoded bytes or decoded samples).
#[derive(Debug, Clone)]
pub struct JitterBuffer<T> {
    config: JitterConfig,
    frames: BTreeMap<u64, T>,
    highest: Option<u64>,
    next: Option<u64>,
    playing: bool,
    target: usize,
    floor: usize,
    smooth_run: u32,
    transit: Option<i64>,
    jitter_ms: f64,
    /// Frames dropped because they came after their slot.
    pub late: u64,
    /// Frames skipped to shrink the buffer.
    pub skipped: u64,
    /// Slots played as `Missing`.
    pub concealed: u64,
}

impl<T> JitterBuffer<T> {
    /// An empty buffer.
    pub fn new(config: JitterConfig) -> Self {
        let min = config.min_depth.max(1);
        let config = JitterConfig {
            min_depth: min,
            max_depth: config.max_depth.max(min),
            ..config
        };
        JitterBuffer {
            frames: BTreeMap::new(),
            highest: None,
            next: None,
            playing: false,
            target: min,
            floor: min,
            smooth_run: 0,
            transit: None,
            jitter_ms: 0.0,
            late: 0,
            skipped: 0,
            concealed: 0,
            config,
        }
    }

    /// Current target depth in frames.
    pub fn target_depth(&self) -> usize {
        self.target
    }

    /// Frames held.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// True when no frame is held.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Measured interarrival jitter in ms.
    pub fn jitter_ms(&self) -> f64 {
        self.jitter_ms
    }

    /// Adds a frame; returns false if it was late, a duplicate, or the buffer was full.
    pub fn push(&mut self, now: Timestamp, seq: u16, timestamp: u32, frame: T) -> bool {
        let ext = self.extend(seq);
        if self.next.is_some_and(|n| ext < n) {
            self.late += 1;
            return false;
        }
        if self.frames.contains_key(&ext) || self.frames.len() >= self.config.max_depth * 2 {
            return false;
        }
        self.measure(now, timestamp);
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        self.frames.insert(ext, frame);
        true
    }

    fn extend(&self, seq: u16) -> u64 {
        let Some(h) = self.highest else {
            return u64::from(seq) + (1 << 20);
        };
        let delta = i64::from(seq.wrapping_sub(h as u16) as i16);
        h.saturating_add_signed(delta)
    }

    fn measure(&mut self, now: Timestamp, timestamp: u32) {
        let rate = i64::from(self.config.clock_rate.max(1));
        let media_ms = i64::from(timestamp) * 1000 / rate;
        let transit = now.as_millis().wrapping_sub(media_ms);
        if let Some(prev) = self.transit {
            let d = transit.wrapping_sub(prev).unsigned_abs() as f64;
            // Timestamp wraps show up as huge steps: ignore them.
            if d < 10_000.0 {
                self.jitter_ms += (d - self.jitter_ms) / 16.0;
            }
        }
        self.transit = Some(transit);
        let wanted =
            (4.0 * self.jitter_ms / f64::from(self.config.ptime_ms.max(1))).ceil() as usize + 1;
        self.target = wanted
            .max(self.floor)
            .clamp(self.config.min_depth, self.config.max_depth);
    }

    /// The frame for the next playout slot.
    pub fn pop(&mut self) -> Playout<T> {
        if !self.playing && !self.start() {
            return Playout::Buffering;
        }
        let Some(mut next) = self.next else {
            return Playout::Buffering;
        };
        let span = self.span(next);
        if !self.frames.is_empty() && span + 1 < self.target {
            // Stretch: hold playout one slot so the buffer deepens towards its target.
            self.concealed += 1;
            return Playout::Missing;
        }
        if span > self.target + 2 && self.frames.remove(&next).is_some() {
            self.skipped += 1;
            next += 1;
        }
        self.next = Some(next + 1);
        if let Some(frame) = self.frames.remove(&next) {
            self.relax();
            return Playout::Frame(frame);
        }
        if self.frames.is_empty() {
            self.underrun();
        }
        self.concealed += 1;
        Playout::Missing
    }

    fn start(&mut self) -> bool {
        let Some(first) = self.frames.keys().next().copied() else {
            return false;
        };
        if self.span(first) < self.target {
            return false;
        }
        self.playing = true;
        self.next = Some(first);
        true
    }

    fn span(&self, next: u64) -> usize {
        self.highest
            .map_or(0, |h| (h + 1).saturating_sub(next) as usize)
    }

    /// After `RELAX_AFTER` smooth frames, an earlier underrun stops holding the depth up.
    fn relax(&mut self) {
        self.smooth_run += 1;
        if self.smooth_run >= RELAX_AFTER {
            self.smooth_run = 0;
            self.floor = self.floor.saturating_sub(1).max(self.config.min_depth);
        }
    }

    fn underrun(&mut self) {
        self.smooth_run = 0;
        self.playing = false;
        self.floor = (self.floor + 1).min(self.config.max_depth);
        self.target = self.target.max(self.floor);
    }
}
