//! Prompt files on disk: names, the 8 kHz 16-bit mono WAV form they are kept in, and atomic
//! writes (temporary file, fsync, rename, fsync of the directory) so a crash leaves either the
//! old file or the new one, never half of one.

use std::io::Write;
use std::path::Path;

use super::PromptError;

/// Longest prompt name.
const MAX_NAME: usize = 64;
/// Size of the header [`wav_8k`] writes.
pub(crate) const WAV_HEADER: u64 = 44;
/// Bytes per second of an 8 kHz 16-bit mono file.
pub(crate) const BYTES_PER_SEC: u64 = 16_000;

/// Checks a prompt name: 1 to 64 of `a-z`, `0-9`, `_`, `-` (so it is a safe file name).
pub(crate) fn check_name(name: &str) -> Result<(), PromptError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(PromptError::BadName {
            name: name.chars().take(80).collect(),
        })
    }
}

/// A canonical WAV file (PCM, 16-bit, mono) of 8 kHz samples.
pub(crate) fn wav_8k(samples: &[i16]) -> Vec<u8> {
    let mut out = wav_header(8000, samples.len());
    out.reserve(samples.len() * 2);
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// The 44-byte header of a PCM 16-bit mono WAV file of `frames` samples at `rate`. Sizes
/// saturate at the format's 4 GiB limit (callers cap durations far below it).
pub(crate) fn wav_header(rate: u32, frames: usize) -> Vec<u8> {
    let data = u32::try_from(frames.saturating_mul(2)).unwrap_or(u32::MAX - 36);
    let mut h = Vec::with_capacity(WAV_HEADER as usize);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(data.saturating_add(36)).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes()); // PCM
    h.extend_from_slice(&1u16.to_le_bytes()); // mono
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&(rate * 2).to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes()); // block align
    h.extend_from_slice(&16u16.to_le_bytes()); // bits
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data.to_le_bytes());
    h
}

/// Writes `bytes` to `path` atomically and durably, creating the directory if needed.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PromptError> {
    let dir = path.parent().ok_or_else(|| PromptError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other("no parent directory"),
    })?;
    std::fs::create_dir_all(dir).map_err(PromptError::io(dir))?;
    let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(PromptError::io(path))
}

/// Reads a file, `None` when it does not exist.
pub(crate) fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, PromptError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PromptError::io(path)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_the_safe_alphabet_are_refused() {
        for bad in [
            "",
            "../x",
            "a/b",
            "A",
            "x.wav",
            "é",
            &"a".repeat(65),
            "a b",
            "..",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        for good in ["welcome", "menu_1", "after-hours", &"z".repeat(64)] {
            assert!(check_name(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn the_written_wav_decodes_to_the_same_samples() {
        let samples: Vec<i16> = (0..800).map(|i| (i * 37 % 2000 - 1000) as i16).collect();
        let bytes = wav_8k(&samples);
        assert_eq!(bytes.len() as u64, WAV_HEADER + 1600);
        let back = sb_media::player::Prompt::from_wav_bytes("t", &bytes).expect("decodes");
        assert_eq!(back.samples(), &samples[..]);
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("a.wav");
        write_atomic(&path, b"one").expect("first write");
        write_atomic(&path, b"two").expect("second write");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.wav")]);
    }
}
