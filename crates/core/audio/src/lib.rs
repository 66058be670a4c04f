//! G.711, mixing, tones, DTMF detection.
//!
//! Contents:
//! - [`g711`]: µ-law and A-law sample codecs (ITU-T G.711), per sample and per frame.
//! - [`Mixer`]: N-party conference mixing on 20 ms frames with listen, whisper and barge modes.
//! - [`ToneGenerator`] with [`ToneSpec`]: ringback per region, beeps and DTMF tones.
//! - [`DtmfDetector`]: in-band DTMF detection (Goertzel) for carriers that send tones.
//! - [`TalkDetector`]: silence/talk detection by frame energy with a hangover.
//! - [`estimate_frequency`] and [`tone_power_ratio`]: checks that a known tone arrived.
//! - With the `opus` feature (libopus, Debian's `libopus-dev`): `OpusEncoder` and
//!   `OpusDecoder`, Opus to and from 8 kHz PCM for legs that cannot take G.711.
//!
//! Design note: everything works on 8 kHz mono `i16` samples, by default in frames of
//! [`FRAME_SAMPLES`] (20 ms). The crate is pure: no IO, no clock (time is counted in samples),
//! and no allocation on the per-frame paths once a mixer or detector is built.
#![forbid(unsafe_code)]

mod dtmf;
mod error;
mod freq;
pub mod g711;
mod goertzel;
mod level;
mod mixer;
#[cfg(feature = "opus")]
mod opus;
mod tone;
mod vad;

pub use dtmf::{DtmfDetector, DtmfDetectorConfig, DtmfEvent};
pub use error::AudioError;
pub use freq::{estimate_frequency, tone_power_ratio};
pub use goertzel::goertzel_power;
pub use level::{dbm0_to_amplitude, frame_dbov};
pub use mixer::{MixMode, Mixer, PartyId};
#[cfg(feature = "opus")]
pub use opus::{
    OPUS_CLOCK_RATE, OPUS_FRAME_TICKS, OPUS_MAX_SAMPLES, OPUS_TICKS_PER_SAMPLE, OpusDecoder,
    OpusEncoder, OpusOperation,
};
pub use tone::{Region, ToneGenerator, ToneSegment, ToneSpec, dtmf_frequencies};
pub use vad::{TalkDetector, TalkEvent};

/// Sample rate of every signal in this crate (narrowband telephony), in Hz.
pub const SAMPLE_RATE: u32 = 8000;
/// Samples in one 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;
/// One 20 ms frame of linear PCM.
pub type Frame = [i16; FRAME_SAMPLES];
