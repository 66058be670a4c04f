//! Opus (RFC 6716) for narrowband telephony, through libopus (the `audiopus` binding): an
//! encoder of 8 kHz mono PCM and a decoder straight to 8 kHz mono (libopus resamples inside,
//! whatever bandwidth the sender coded), so the rest of the crate keeps working at
//! [`crate::SAMPLE_RATE`].
//!
//! On RTP, Opus always counts time at 48 kHz (RFC 7587): one 20 ms frame is
//! [`OPUS_FRAME_TICKS`] timestamp units, six per 8 kHz sample ([`OPUS_TICKS_PER_SAMPLE`]).

use audiopus::coder::{Decoder, Encoder};
use audiopus::{Application, Channels, SampleRate};
use sync_wrapper::SyncWrapper;

use crate::{AudioError, FRAME_SAMPLES};

/// The RTP clock rate of Opus, whatever the audio bandwidth (RFC 7587 § 4.1).
pub const OPUS_CLOCK_RATE: u32 = 48_000;
/// RTP timestamp units of Opus per 8 kHz sample.
pub const OPUS_TICKS_PER_SAMPLE: u32 = OPUS_CLOCK_RATE / crate::SAMPLE_RATE;
/// RTP timestamp units of one 20 ms Opus frame.
pub const OPUS_FRAME_TICKS: u32 = FRAME_SAMPLES as u32 * OPUS_TICKS_PER_SAMPLE;
/// The most 8 kHz samples one Opus packet can hold (120 ms).
pub const OPUS_MAX_SAMPLES: usize = 960;
/// Room for one encoded packet: libopus' largest single frame is 1275 bytes.
const MAX_PACKET: usize = 1276;

/// Which libopus operation failed, in [`AudioError::Opus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpusOperation {
    /// Creating or configuring an encoder or decoder.
    Create,
    /// Encoding PCM (e.g. a length that is not an Opus frame size: 2.5, 5, 10, 20, 40 or
    /// 60 ms).
    Encode,
    /// Decoding a packet (a damaged or hostile payload: the packet is lost).
    Decode,
}

impl std::fmt::Display for OpusOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OpusOperation::Create => "setup",
            OpusOperation::Encode => "encode",
            OpusOperation::Decode => "decode",
        })
    }
}

fn opus_error(operation: OpusOperation) -> impl Fn(audiopus::Error) -> AudioError {
    move |e| AudioError::Opus {
        operation,
        reason: e.to_string(),
    }
}

/// An Opus encoder for 8 kHz mono speech (VoIP application, libopus' default bitrate for
/// narrowband, variable bitrate). `Send` and `Sync`: libopus' state is reached only through
/// `&mut self` (a `SyncWrapper`), so a task owning one may be shared by reference.
pub struct OpusEncoder {
    inner: SyncWrapper<Encoder>,
}

impl std::fmt::Debug for OpusEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpusEncoder { .. }")
    }
}

impl OpusEncoder {
    /// A new encoder.
    pub fn new() -> Result<Self, AudioError> {
        let inner = Encoder::new(SampleRate::Hz8000, Channels::Mono, Application::Voip)
            .map_err(opus_error(OpusOperation::Create))?;
        Ok(OpusEncoder {
            inner: SyncWrapper::new(inner),
        })
    }

    /// Encodes `pcm` (one Opus frame: 20, 40, 80, 160, 320 or 480 samples) and appends the
    /// packet to `out`; returns the packet's length.
    pub fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<usize, AudioError> {
        let start = out.len();
        out.resize(start + MAX_PACKET, 0);
        let encoded = self.inner.get_mut().encode(pcm, &mut out[start..]);
        let len = encoded.unwrap_or(0);
        out.truncate(start + len);
        encoded.map_err(opus_error(OpusOperation::Encode))
    }
}

/// An Opus decoder to 8 kHz mono (stereo streams are mixed down by libopus); `Send` and
/// `Sync` like [`OpusEncoder`].
pub struct OpusDecoder {
    inner: SyncWrapper<Decoder>,
}

impl std::fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpusDecoder { .. }")
    }
}

impl OpusDecoder {
    /// A new decoder.
    pub fn new() -> Result<Self, AudioError> {
        let inner = Decoder::new(SampleRate::Hz8000, Channels::Mono)
            .map_err(opus_error(OpusOperation::Create))?;
        Ok(OpusDecoder {
            inner: SyncWrapper::new(inner),
        })
    }

    /// Decodes one packet into `out` (room for [`OPUS_MAX_SAMPLES`] covers any packet);
    /// returns the samples written. A payload libopus refuses (empty, damaged, longer than
    /// `out`) is an [`OpusOperation::Decode`] error: the caller treats it as a lost packet.
    pub fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, AudioError> {
        self.inner
            .get_mut()
            .decode(Some(payload), out, false)
            .map_err(opus_error(OpusOperation::Decode))
    }

    /// Fills `out` (an Opus frame length) with libopus' concealment of a lost packet;
    /// returns the samples written.
    pub fn conceal(&mut self, out: &mut [i16]) -> Result<usize, AudioError> {
        self.inner
            .get_mut()
            .decode(None::<&[u8]>, out, false)
            .map_err(opus_error(OpusOperation::Decode))
    }
}
