//! Uploaded audio to 8 kHz mono: WAV through sb-media's strict reader (any rate and encoding it
//! takes), and what it refuses — MP3, and WAV encodings such as G.711 µ-law/A-law — through
//! symphonia. Symphonia's output is handed back to sb-media as a 16-bit WAV at the source rate,
//! so that resampling to 8 kHz happens in one place.
//!
//! Everything here is bounded: the caller caps the input size, decoding stops at the duration
//! limit, and the caller runs this on a blocking thread that also contains a decoder panic.

use sb_media::player::Prompt;
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use super::PromptError;
use super::files::wav_header;

/// Consecutive undecodable packets after which a file is given up as corrupt.
const MAX_BAD_PACKETS: u32 = 50;

/// Decodes an uploaded WAV or MP3 file to 8 kHz mono, refusing more than `max_secs` of audio.
pub(crate) fn decode_upload(
    name: &str,
    bytes: &[u8],
    max_secs: u64,
) -> Result<Prompt, PromptError> {
    let bad = |reason: String| PromptError::BadAudio {
        name: name.to_string(),
        reason,
    };
    let prompt = if is_wav(bytes) {
        match Prompt::from_wav_bytes(name, bytes) {
            Ok(prompt) => prompt,
            Err(strict) if plain_pcm(bytes) => return Err(PromptError::from_media(name, strict)),
            Err(strict) => {
                let strict = PromptError::from_media(name, strict);
                match with_symphonia(name, bytes, "wav", max_secs) {
                    Ok(prompt) => prompt,
                    Err(PromptError::BadAudio { reason, .. }) => {
                        return Err(bad(format!("{strict}; symphonia: {reason}")));
                    }
                    Err(other) => return Err(other),
                }
            }
        }
    } else {
        let start = skip_id3v2(bytes).map_err(bad)?;
        let mp3 = &bytes[start..];
        if !is_mpeg_frame(mp3) {
            return Err(bad("neither a WAV nor an MP3 file".into()));
        }
        with_symphonia(name, mp3, "mp3", max_secs)?
    };
    if prompt.samples().is_empty() {
        return Err(bad("no samples".into()));
    }
    if prompt.duration_ms() > max_secs * 1000 {
        return Err(PromptError::TooLong {
            name: name.to_string(),
            limit_secs: max_secs,
        });
    }
    Ok(prompt)
}

fn is_wav(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE"
}

/// Whether the WAV file's `fmt ` chunk says plain PCM or float (or extensible wrapping them):
/// sb-media reads those, so its verdict on them (truncated, odd rate…) is final, and only other
/// encodings are handed to symphonia.
fn plain_pcm(bytes: &[u8]) -> bool {
    let mut pos = 12usize;
    while pos + 10 <= bytes.len() {
        let size = u32::from_le_bytes([
            bytes[pos + 4],
            bytes[pos + 5],
            bytes[pos + 6],
            bytes[pos + 7],
        ]);
        if &bytes[pos..pos + 4] == b"fmt " {
            let code = u16::from_le_bytes([bytes[pos + 8], bytes[pos + 9]]);
            let sub = bytes
                .get(pos + 32..pos + 34)
                .map(|b| u16::from_le_bytes([b[0], b[1]]));
            return matches!(code, 1 | 3) || (code == 0xFFFE && matches!(sub, Some(1 | 3)));
        }
        pos = pos
            .saturating_add(8)
            .saturating_add(size as usize + (size as usize & 1));
    }
    false
}

/// An MPEG audio frame header starts with 11 set bits.
fn is_mpeg_frame(bytes: &[u8]) -> bool {
    bytes.len() >= 4 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0
}

/// The offset of the audio after any leading ID3v2 tags (which symphonia would otherwise have
/// to scan byte by byte, and which may hold images larger than its probe window).
fn skip_id3v2(bytes: &[u8]) -> Result<usize, String> {
    let mut pos = 0usize;
    while bytes.len() >= pos + 10 && &bytes[pos..pos + 3] == b"ID3" {
        let h = &bytes[pos..pos + 10];
        if h[6..10].iter().any(|b| b & 0x80 != 0) {
            return Err("malformed ID3v2 tag size".into());
        }
        let size = h[6..10]
            .iter()
            .fold(0usize, |acc, &b| (acc << 7) | usize::from(b));
        let footer = if h[5] & 0x10 != 0 { 10 } else { 0 };
        pos += 10 + size + footer;
        if pos > bytes.len() {
            return Err("ID3v2 tag longer than the file".into());
        }
    }
    Ok(pos)
}

/// Decodes with symphonia into a 16-bit mono WAV at the source rate, then to 8 kHz.
fn with_symphonia(
    name: &str,
    bytes: &[u8],
    ext: &str,
    max_secs: u64,
) -> Result<Prompt, PromptError> {
    let bad = |reason: String| PromptError::BadAudio {
        name: name.to_string(),
        reason,
    };
    let source = std::io::Cursor::new(bytes.to_vec());
    let mss = MediaSourceStream::new(Box::new(source), MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    hint.with_extension(ext);
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| bad(format!("unrecognised audio: {e}")))?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| bad("no audio track".into()))?;
    let track_id = track.id;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| bad("no audio codec parameters".into()))?
        .clone();
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| bad(format!("unsupported codec: {e}")))?;

    let mut rate = params.sample_rate;
    let mut frames = 0u64;
    // The WAV being built: header patched at the end.
    let mut wav = wav_header(rate.unwrap_or(8000), 0);
    let mut interleaved: Vec<i16> = Vec::new();
    let mut bad_packets = 0u32;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(bad(format!("reading: {e}"))),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = match decoder.decode(&packet) {
            Ok(buf) => buf,
            Err(SymError::DecodeError(e)) => {
                bad_packets += 1;
                if bad_packets > MAX_BAD_PACKETS {
                    return Err(bad(format!("corrupt: {e}")));
                }
                continue;
            }
            Err(e) => return Err(bad(format!("decoding: {e}"))),
        };
        bad_packets = 0;
        let spec_rate = buf.spec().rate();
        let channels = buf.spec().channels().count().max(1);
        match rate {
            None => rate = Some(spec_rate),
            Some(r) if r != spec_rate => {
                return Err(bad(format!(
                    "sample rate changes from {r} to {spec_rate} Hz"
                )));
            }
            Some(_) => {}
        }
        buf.copy_to_vec_interleaved(&mut interleaved);
        for frame in interleaved.chunks_exact(channels) {
            let sum: i32 = frame.iter().map(|&s| i32::from(s)).sum();
            let mono = (sum / channels as i32) as i16;
            wav.extend_from_slice(&mono.to_le_bytes());
        }
        frames += (interleaved.len() / channels) as u64;
        if frames > max_secs * u64::from(spec_rate) {
            return Err(PromptError::TooLong {
                name: name.to_string(),
                limit_secs: max_secs,
            });
        }
    }
    let rate = rate.ok_or_else(|| bad("no samples".into()))?;
    if frames == 0 {
        return Err(bad("no samples".into()));
    }
    let header = wav_header(rate, usize::try_from(frames).unwrap_or(usize::MAX));
    wav[..header.len()].copy_from_slice(&header);
    Prompt::from_wav_bytes(name, &wav).map_err(|e| PromptError::from_media(name, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_id3v2_tags_are_skipped() {
        let mut bytes = b"ID3\x04\x00\x00\x00\x00\x00\x05hello".to_vec();
        bytes.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x00]);
        assert_eq!(skip_id3v2(&bytes), Ok(15));
        assert!(is_mpeg_frame(&bytes[15..]));
    }

    #[test]
    fn an_id3v2_tag_longer_than_the_file_is_refused() {
        assert!(skip_id3v2(b"ID3\x04\x00\x00\x00\x00\x7f\x7fshort").is_err());
    }

    #[test]
    fn bytes_that_are_neither_wav_nor_mp3_are_bad_audio() {
        let err = decode_upload("junk", b"this is plain text, not audio", 60)
            .expect_err("text is not audio");
        assert!(matches!(err, PromptError::BadAudio { .. }), "{err}");
    }

    #[test]
    fn a_mu_law_wav_is_decoded_by_the_fallback() {
        // G.711 µ-law, 8 kHz mono: format code 7, 8 bits; 0xFF is µ-law silence, 0x80 the peak.
        let samples: Vec<u8> = (0..8000)
            .map(|i| if i % 16 < 8 { 0x80 } else { 0x00 })
            .collect();
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF");
        wav.extend_from_slice(&(4 + 26 + 12 + 8 + samples.len() as u32).to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        wav.extend_from_slice(&18u32.to_le_bytes());
        for v in [7u16, 1] {
            wav.extend_from_slice(&v.to_le_bytes());
        }
        wav.extend_from_slice(&8000u32.to_le_bytes());
        wav.extend_from_slice(&8000u32.to_le_bytes());
        for v in [1u16, 8, 0] {
            wav.extend_from_slice(&v.to_le_bytes());
        }
        wav.extend_from_slice(b"fact");
        wav.extend_from_slice(&4u32.to_le_bytes());
        wav.extend_from_slice(&(samples.len() as u32).to_le_bytes());
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&(samples.len() as u32).to_le_bytes());
        wav.extend_from_slice(&samples);
        let prompt = decode_upload("ulaw", &wav, 60).expect("µ-law decodes");
        assert_eq!(prompt.samples().len(), 8000);
        let peak = prompt.samples().iter().map(|s| s.unsigned_abs()).max();
        assert!(peak > Some(20_000), "peak {peak:?}");
    }
}
