//! A strict, allocation-bounded WAV reader: RIFF chunks, `fmt ` (PCM, IEEE float or
//! WAVE_FORMAT_EXTENSIBLE wrapping either) and `data`. Every field is checked before it is used,
//! so malformed input yields a reason string, never a panic or an oversized allocation.
//!
//! Written here rather than using `hound::WavReader` so that the limits (rate list, duration
//! cap, channel count) are enforced before any sample is decoded, and so that a `data` chunk
//! that claims more bytes than the file holds is reported as truncated.

/// Longest prompt accepted, in seconds (30 minutes).
pub(crate) const MAX_SECONDS: u64 = 30 * 60;
/// Sample rates accepted (Hz).
pub(crate) const RATES: [u32; 10] = [
    8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 96000,
];
const MAX_CHANNELS: u16 = 8;
const FORMAT_PCM: u16 = 1;
const FORMAT_FLOAT: u16 = 3;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// A decoded file: its rate and its samples downmixed to mono, in -1.0..=1.0.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub(crate) rate: u32,
    pub(crate) mono: Vec<f32>,
}

#[derive(Debug, Clone, Copy)]
struct Format {
    code: u16,
    channels: u16,
    rate: u32,
    block_align: u16,
    bits: u16,
}

/// Decodes a whole WAV file held in memory.
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".into());
    }
    let mut format = None;
    let mut data = None;
    let mut pos = 12usize;
    while pos + 8 <= bytes.len() && data.is_none() {
        let id = &bytes[pos..pos + 4];
        let size = u32_at(bytes, pos + 4) as usize;
        let body_start = pos + 8;
        let body_end = body_start.checked_add(size).ok_or("chunk size overflows")?;
        if body_end > bytes.len() {
            return Err(format!(
                "truncated: chunk {:?} claims {size} bytes, {} present",
                String::from_utf8_lossy(id),
                bytes.len() - body_start
            ));
        }
        let body = &bytes[body_start..body_end];
        match id {
            b"fmt " => format = Some(parse_format(body)?),
            b"data" => data = Some(body),
            _ => {}
        }
        // Chunks are padded to an even length.
        pos = body_end + (size & 1);
    }
    let format = format.ok_or("no fmt chunk")?;
    let data = data.ok_or("no data chunk")?;
    check_format(&format)?;
    let frames = data.len() / usize::from(format.block_align);
    if frames == 0 {
        return Err("no samples".into());
    }
    if frames as u64 > MAX_SECONDS * u64::from(format.rate) {
        return Err(format!(
            "too long: {} s, limit {MAX_SECONDS} s",
            frames as u64 / u64::from(format.rate)
        ));
    }
    Ok(Decoded {
        rate: format.rate,
        mono: downmix(&format, &data[..frames * usize::from(format.block_align)]),
    })
}

fn parse_format(body: &[u8]) -> Result<Format, String> {
    if body.len() < 16 {
        return Err(format!("fmt chunk of {} bytes, need 16", body.len()));
    }
    let mut code = u16_at(body, 0);
    if code == FORMAT_EXTENSIBLE {
        if body.len() < 40 {
            return Err("extensible fmt chunk shorter than 40 bytes".into());
        }
        // The sub-format GUID starts with the plain format code.
        code = u16_at(body, 24);
    }
    Ok(Format {
        code,
        channels: u16_at(body, 2),
        rate: u32_at(body, 4),
        block_align: u16_at(body, 12),
        bits: u16_at(body, 14),
    })
}

fn check_format(f: &Format) -> Result<(), String> {
    if f.channels == 0 || f.channels > MAX_CHANNELS {
        return Err(format!("{} channels", f.channels));
    }
    if !RATES.contains(&f.rate) {
        return Err(format!("unsupported sample rate {} Hz", f.rate));
    }
    let supported = matches!(
        (f.code, f.bits),
        (FORMAT_PCM, 8 | 16 | 24 | 32) | (FORMAT_FLOAT, 32 | 64)
    );
    if !supported {
        return Err(format!(
            "unsupported encoding (format {}, {} bits)",
            f.code, f.bits
        ));
    }
    if f.block_align != f.channels * (f.bits / 8) {
        return Err(format!(
            "block align {} does not match {} channels of {} bits",
            f.block_align, f.channels, f.bits
        ));
    }
    Ok(())
}

/// Averages the channels of every frame. `data` holds whole frames only.
fn downmix(f: &Format, data: &[u8]) -> Vec<f32> {
    let width = usize::from(f.bits / 8);
    let gain = 1.0 / f32::from(f.channels);
    data.chunks_exact(usize::from(f.block_align))
        .map(|frame| {
            frame
                .chunks_exact(width)
                .map(|s| sample(f.code, s))
                .sum::<f32>()
                * gain
        })
        .collect()
}

/// One little-endian sample as -1.0..=1.0 (floats are passed through, clamped later; NaN and
/// infinities become silence).
fn sample(code: u16, s: &[u8]) -> f32 {
    let v = match (code, s.len()) {
        (FORMAT_FLOAT, 4) => f32::from_le_bytes([s[0], s[1], s[2], s[3]]),
        (FORMAT_FLOAT, 8) => {
            f64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]) as f32
        }
        (_, 1) => (f32::from(s[0]) - 128.0) / 128.0,
        (_, 2) => f32::from(i16::from_le_bytes([s[0], s[1]])) / 32768.0,
        (_, 3) => (i32::from_le_bytes([0, s[0], s[1], s[2]]) >> 8) as f32 / 8_388_608.0,
        (_, 4) => i32::from_le_bytes([s[0], s[1], s[2], s[3]]) as f32 / 2_147_483_648.0,
        _ => 0.0,
    };
    if v.is_finite() { v } else { 0.0 }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
