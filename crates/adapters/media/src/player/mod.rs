//! Prompts: audio decoded once to 8 kHz mono samples, then played as 20 ms frames, once or
//! looped (music on hold).
//!
//! - [`Prompt`]: the decoded samples (shared, cheap to clone). WAV files of the common rates
//!   (8 to 96 kHz), 8/16/24/32-bit integer or 32/64-bit float, any channel count up to 8
//!   (averaged to mono) are accepted and resampled to 8 kHz with rubato's FFT resampler, which
//!   low-pass filters first: content above 4 kHz is removed, not folded back.
//! - [`Playback`]: a cursor over a prompt yielding [`Frame`]s.
//! - [`PromptCache`]: prompts loaded once per key, bounded in bytes, least recently used evicted.

mod cache;
mod wav;

use std::path::Path;
use std::sync::Arc;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};
use sb_audio::{FRAME_SAMPLES, Frame, SAMPLE_RATE};

pub use cache::PromptCache;

use crate::MediaError;

/// Largest prompt file read from disk (bytes): generous for 30 minutes of any accepted format.
const MAX_FILE_BYTES: u64 = 1 << 30;
/// Input chunk handed to the resampler.
const RESAMPLE_CHUNK: usize = 1024;

/// An audio prompt: 8 kHz mono samples and a name (for logs and errors). Clones share the samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    name: Arc<str>,
    samples: Arc<[i16]>,
}

impl Prompt {
    /// Wraps samples that are already 8 kHz mono.
    pub fn from_samples(name: &str, samples: Vec<i16>) -> Prompt {
        Prompt {
            name: name.into(),
            samples: samples.into(),
        }
    }

    /// Decodes a WAV file held in memory and resamples it to 8 kHz mono.
    pub fn from_wav_bytes(name: &str, bytes: &[u8]) -> Result<Prompt, MediaError> {
        let bad = |reason: String| MediaError::BadAudio {
            name: name.to_string(),
            reason,
        };
        let decoded = wav::decode(bytes).map_err(bad)?;
        let samples = to_8k(decoded.rate, &decoded.mono).map_err(bad)?;
        Ok(Prompt::from_samples(name, samples))
    }

    /// Reads and decodes a WAV file; the prompt is named after the path.
    pub fn from_wav_file(path: &Path) -> Result<Prompt, MediaError> {
        let file_err = |source| MediaError::File {
            path: path.to_path_buf(),
            source,
        };
        let len = std::fs::metadata(path).map_err(file_err)?.len();
        let name = path.display().to_string();
        if len > MAX_FILE_BYTES {
            return Err(MediaError::BadAudio {
                name,
                reason: format!("file of {len} bytes, limit {MAX_FILE_BYTES}"),
            });
        }
        let bytes = std::fs::read(path).map_err(file_err)?;
        Prompt::from_wav_bytes(&name, &bytes)
    }

    /// The prompt's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 8 kHz mono samples.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// Length in milliseconds (rounded down).
    pub fn duration_ms(&self) -> u64 {
        self.samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE)
    }

    /// Memory held by the samples, in bytes.
    pub fn byte_len(&self) -> usize {
        std::mem::size_of_val(&*self.samples)
    }
}

/// Resamples mono samples (-1.0..=1.0) from `rate` to 8 kHz 16-bit.
fn to_8k(rate: u32, mono: &[f32]) -> Result<Vec<i16>, String> {
    if rate == SAMPLE_RATE {
        return Ok(mono.iter().map(|&x| to_i16(x)).collect());
    }
    let mut resampler = Fft::<f32>::new(
        rate as usize,
        SAMPLE_RATE as usize,
        RESAMPLE_CHUNK,
        1,
        FixedSync::Input,
    )
    .map_err(|e| format!("resampler: {e}"))?;
    let input =
        InterleavedSlice::new(mono, 1, mono.len()).map_err(|e| format!("resampler: {e}"))?;
    let out = resampler
        .process_all(&input, mono.len(), None)
        .map_err(|e| format!("resampling: {e}"))?;
    Ok(out.take_data().into_iter().map(to_i16).collect())
}

fn to_i16(x: f32) -> i16 {
    // `as` saturates (and maps NaN to 0).
    (x * 32768.0).round() as i16
}

/// Plays a prompt as 20 ms frames.
#[derive(Debug, Clone)]
pub struct Playback {
    prompt: Prompt,
    looped: bool,
    pos: usize,
}

impl Playback {
    /// Starts at the first sample. Looped playback wraps to the start with no gap.
    pub fn new(prompt: Prompt, looped: bool) -> Playback {
        Playback {
            prompt,
            looped,
            pos: 0,
        }
    }

    /// The next frame. Once the prompt is over: `None` (the last partial frame is padded with
    /// silence), unless looped, in which case samples continue from the start within the same
    /// frame. An empty prompt yields `None` even when looped.
    pub fn next_frame(&mut self) -> Option<Frame> {
        let samples = self.prompt.samples();
        if samples.is_empty() || (!self.looped && self.pos >= samples.len()) {
            return None;
        }
        let mut frame = [0i16; FRAME_SAMPLES];
        let mut filled = 0;
        while filled < FRAME_SAMPLES {
            if self.pos >= samples.len() {
                if !self.looped {
                    break;
                }
                self.pos = 0;
            }
            let n = (FRAME_SAMPLES - filled).min(samples.len() - self.pos);
            frame[filled..filled + n].copy_from_slice(&samples[self.pos..self.pos + n]);
            filled += n;
            self.pos += n;
        }
        Some(frame)
    }

    /// True when a non-looped playback has played every sample.
    pub fn is_finished(&self) -> bool {
        let len = self.prompt.samples().len();
        len == 0 || (!self.looped && self.pos >= len)
    }

    /// The prompt being played.
    pub fn prompt(&self) -> &Prompt {
        &self.prompt
    }
}
