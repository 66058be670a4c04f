//! Crash-safe call recordings: 8 kHz, 16-bit PCM, stereo WAV (caller left, agent right), or
//! mono (the caller only: voicemail messages).
//!
//! Why our own 44-byte header instead of `hound::WavWriter`: hound writes the RIFF and `data`
//! sizes only when the writer is finalized, so a recording cut by a crash (process killed,
//! machine lost) would carry sizes of zero and most readers would see an empty file. Here the
//! samples go through a `BufWriter`, and every [`SYNC_FRAMES`] frames (one second of audio) the
//! buffer is flushed, both sizes are rewritten in place to cover what has been written, and the
//! file is `fsync`ed (data only). A cut file is thus a valid WAV holding everything up to its
//! last whole second; bytes after that point are ignored by readers since they lie beyond the
//! declared `data` size. There is no per-frame `fsync`.
//!
//! Blocking: `write_frame` is ordinary blocking file I/O. Most calls only copy 640 bytes into
//! the buffer; once per second a call pays a write and an `fsync` (measured 3 to 9 ms on the
//! development machine's disk), so run a recorder on a blocking thread
//! (`tokio::task::spawn_blocking`), not on an async worker.
//!
//! Paused spans (card payments): while paused, every frame is written as silence, so the
//! timeline of the file stays true to the call, and the span is listed in
//! [`RecordingInfo::paused`].

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use sb_audio::{FRAME_SAMPLES, SAMPLE_RATE};

use crate::MediaError;

/// Frames between two header rewrites + `fsync`: one second of audio at 20 ms per frame.
pub const SYNC_FRAMES: u64 = 50;

const BITS: u16 = 16;
const HEADER_LEN: u64 = 44;
const FRAME_MS: u64 = 20;
/// The `data` size must fit the header's u32 together with the 36 other bytes RIFF counts.
const MAX_DATA_BYTES: u64 = u32::MAX as u64 - 36;

/// A span during which the recording held silence instead of the call audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PausedSpan {
    /// Milliseconds from the start of the recording when the pause began.
    pub start_ms: u64,
    /// Milliseconds from the start of the recording when it was resumed (or the recording ended).
    pub end_ms: u64,
}

/// What a finished recording holds.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingInfo {
    /// The WAV file.
    pub path: PathBuf,
    /// Length of the audio, paused spans included.
    pub duration_ms: u64,
    /// 20 ms frames written.
    pub frames: u64,
    /// Spans replaced by silence, in order.
    pub paused: Vec<PausedSpan>,
    /// Size of the file, header included.
    pub bytes: u64,
}

/// The channels of a recording file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Caller left, the other parties right (call recordings).
    Stereo,
    /// The caller only (voicemail).
    Mono,
}

impl Layout {
    fn channels(self) -> u16 {
        match self {
            Layout::Stereo => 2,
            Layout::Mono => 1,
        }
    }

    /// Bytes one 20 ms frame takes in the file.
    fn frame_bytes(self) -> u64 {
        FRAME_SAMPLES as u64 * u64::from(self.channels()) * u64::from(BITS / 8)
    }
}

/// A WAV recording being written. Create it, feed one frame per 20 ms, then
/// [`finish`](Recorder::finish). Dropped without `finish`, it still fixes the header (best effort).
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    layout: Layout,
    out: Option<BufWriter<File>>,
    frames: u64,
    /// Frames covered by the header currently on disk.
    synced_frames: u64,
    paused_since: Option<u64>,
    paused: Vec<PausedSpan>,
    /// Reused interleaving buffer (one frame, little-endian).
    scratch: Vec<u8>,
}

impl Recorder {
    /// Creates a stereo file (which must not exist yet: an existing recording is never
    /// overwritten) and writes a header describing an empty recording.
    pub fn create(path: &Path) -> Result<Recorder, MediaError> {
        Self::create_with(path, Layout::Stereo)
    }

    /// [`create`](Recorder::create) with the given channels.
    pub fn create_with(path: &Path, layout: Layout) -> Result<Recorder, MediaError> {
        let file_err = |source| MediaError::File {
            path: path.to_path_buf(),
            source,
        };
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(file_err)?;
        let mut out = BufWriter::with_capacity(16 * 1024, file);
        out.write_all(&wav_header(0, layout)).map_err(file_err)?;
        out.flush().map_err(file_err)?;
        out.get_ref().sync_all().map_err(file_err)?;
        Ok(Recorder {
            path: path.to_path_buf(),
            layout,
            out: Some(out),
            frames: 0,
            synced_frames: 0,
            paused_since: None,
            paused: Vec::new(),
            scratch: Vec::with_capacity(layout.frame_bytes() as usize),
        })
    }

    /// Appends one 20 ms frame: `left` is the caller, `right` the agent (ignored in mono).
    /// While paused, silence is written instead. Every [`SYNC_FRAMES`] frames the header is rewritten and the file
    /// synced.
    pub fn write_frame(
        &mut self,
        left: &[i16; FRAME_SAMPLES],
        right: &[i16; FRAME_SAMPLES],
    ) -> Result<(), MediaError> {
        let frame_bytes = self.layout.frame_bytes();
        if (self.frames + 1) * frame_bytes > MAX_DATA_BYTES {
            return Err(MediaError::BadAudio {
                name: self.path.display().to_string(),
                reason: "recording reached the 4 GiB WAV size limit".into(),
            });
        }
        self.scratch.clear();
        if self.paused_since.is_some() {
            self.scratch.resize(frame_bytes as usize, 0);
        } else if self.layout == Layout::Mono {
            for l in left {
                self.scratch.extend_from_slice(&l.to_le_bytes());
            }
        } else {
            for (l, r) in left.iter().zip(right) {
                self.scratch.extend_from_slice(&l.to_le_bytes());
                self.scratch.extend_from_slice(&r.to_le_bytes());
            }
        }
        let out = self.out.as_mut().ok_or_else(|| closed(&self.path))?;
        out.write_all(&self.scratch)
            .map_err(|source| MediaError::File {
                path: self.path.clone(),
                source,
            })?;
        self.frames += 1;
        if self.frames - self.synced_frames >= SYNC_FRAMES {
            self.sync()?;
        }
        Ok(())
    }

    /// Starts writing silence (card payment). A second `pause` while paused does nothing.
    pub fn pause(&mut self) {
        if self.paused_since.is_none() {
            self.paused_since = Some(self.frames * FRAME_MS);
        }
    }

    /// Goes back to writing the call audio. Does nothing when not paused.
    pub fn resume(&mut self) {
        if let Some(start_ms) = self.paused_since.take() {
            self.paused.push(PausedSpan {
                start_ms,
                end_ms: self.frames * FRAME_MS,
            });
        }
    }

    /// True while frames are replaced by silence.
    pub fn is_paused(&self) -> bool {
        self.paused_since.is_some()
    }

    /// Audio written so far, in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.frames * FRAME_MS
    }

    /// Writes the final header, syncs and closes the file.
    pub fn finish(mut self) -> Result<RecordingInfo, MediaError> {
        self.resume();
        self.sync()?;
        self.out = None;
        Ok(RecordingInfo {
            path: self.path.clone(),
            duration_ms: self.frames * FRAME_MS,
            frames: self.frames,
            paused: std::mem::take(&mut self.paused),
            bytes: HEADER_LEN + self.frames * self.layout.frame_bytes(),
        })
    }

    /// Flushes the buffer, rewrites both sizes to cover every frame written, and syncs.
    fn sync(&mut self) -> Result<(), MediaError> {
        let out = self.out.as_mut().ok_or_else(|| closed(&self.path))?;
        let data = self.frames * self.layout.frame_bytes();
        let result = out.flush().and_then(|()| {
            let file = out.get_ref();
            // Header words are rewritten in place (pwrite): the buffered write position stays at
            // the end of the data.
            file.write_all_at(&riff_size(data).to_le_bytes(), 4)?;
            file.write_all_at(&data_size(data).to_le_bytes(), 40)?;
            file.sync_data()
        });
        result.map_err(|source| MediaError::File {
            path: self.path.clone(),
            source,
        })?;
        self.synced_frames = self.frames;
        Ok(())
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if self.out.is_some()
            && let Err(e) = self.sync()
        {
            tracing::warn!(error = %e, "recording dropped without finish; header not fixed");
        }
    }
}

/// Cuts a finished recording made by [`Recorder`] down to its first `keep_ms` milliseconds
/// (a voicemail's trailing silence), rewriting the header and syncing; the new length in
/// milliseconds and bytes. A recording shorter than that is left as it is.
pub fn trim(path: &Path, keep_ms: u64) -> Result<(u64, u64), MediaError> {
    let file_err = |source| MediaError::File {
        path: path.to_path_buf(),
        source,
    };
    let file = File::options()
        .read(true)
        .write(true)
        .open(path)
        .map_err(file_err)?;
    let mut header = [0u8; HEADER_LEN as usize];
    file.read_exact_at(&mut header, 0).map_err(file_err)?;
    let layout = match u16::from_le_bytes([header[22], header[23]]) {
        1 => Layout::Mono,
        2 => Layout::Stereo,
        n => {
            return Err(MediaError::BadAudio {
                name: path.display().to_string(),
                reason: format!("{n} channels: not one of our recordings"),
            });
        }
    };
    let frame_bytes = layout.frame_bytes();
    let data = u64::from(u32::from_le_bytes([
        header[40], header[41], header[42], header[43],
    ]));
    let frames = (data / frame_bytes).min(keep_ms / FRAME_MS);
    let kept = frames * frame_bytes;
    file.set_len(HEADER_LEN + kept).map_err(file_err)?;
    file.write_all_at(&riff_size(kept).to_le_bytes(), 4)
        .and_then(|()| file.write_all_at(&data_size(kept).to_le_bytes(), 40))
        .and_then(|()| file.sync_all())
        .map_err(file_err)?;
    Ok((frames * FRAME_MS, HEADER_LEN + kept))
}

fn closed(path: &Path) -> MediaError {
    MediaError::File {
        path: path.to_path_buf(),
        source: std::io::Error::other("recording already closed after an error"),
    }
}

fn riff_size(data: u64) -> u32 {
    u32::try_from(data + HEADER_LEN - 8).unwrap_or(u32::MAX)
}

fn data_size(data: u64) -> u32 {
    u32::try_from(data).unwrap_or(u32::MAX)
}

/// The canonical 44-byte header of a PCM 16-bit 8 kHz WAV with `data` bytes of samples.
fn wav_header(data: u64, layout: Layout) -> [u8; HEADER_LEN as usize] {
    let channels = layout.channels();
    let block_align = channels * BITS / 8;
    let byte_rate = SAMPLE_RATE * u32::from(block_align);
    let mut h = [0u8; HEADER_LEN as usize];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&riff_size(data).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&channels.to_le_bytes());
    h[24..28].copy_from_slice(&SAMPLE_RATE.to_le_bytes());
    h[28..32].copy_from_slice(&byte_rate.to_le_bytes());
    h[32..34].copy_from_slice(&block_align.to_le_bytes());
    h[34..36].copy_from_slice(&BITS.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_size(data).to_le_bytes());
    h
}
