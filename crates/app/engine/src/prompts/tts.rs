//! Text to speech with espeak-ng, run as a child process: no shell, the text on standard input
//! (so it can never be taken for an option), its output bounded, and killed on timeout.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use super::PromptError;

/// Largest WAV accepted from the TTS program (about 12 minutes at 22.05 kHz 16-bit).
const MAX_OUTPUT: u64 = 32 << 20;
/// Most of the program's standard error kept for an error message.
const MAX_STDERR: u64 = 2048;

/// A TTS voice: an espeak-ng voice name (`en-us`, `fr`, `de+f3`…) and a speed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Voice {
    name: String,
    speed: u16,
}

impl Voice {
    /// Slowest speed, words per minute.
    pub const MIN_SPEED: u16 = 80;
    /// Fastest speed, words per minute.
    pub const MAX_SPEED: u16 = 450;

    /// A voice by espeak-ng name (letters, digits, `-`, `_`, `+`; not starting with `-`; at
    /// most 40 characters) at `speed` words per minute.
    pub fn new(name: &str, speed: u16) -> Result<Voice, PromptError> {
        let bad = |reason: &str| PromptError::BadVoice {
            voice: name.chars().take(40).collect(),
            reason: reason.to_string(),
        };
        let plain = name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+'));
        if name.is_empty() || name.len() > 40 || !plain || name.starts_with('-') {
            return Err(bad("use up to 40 of a-z, A-Z, 0-9, '-', '_', '+'"));
        }
        if !(Self::MIN_SPEED..=Self::MAX_SPEED).contains(&speed) {
            return Err(bad("speed must be 80 to 450 words per minute"));
        }
        Ok(Voice {
            name: name.to_string(),
            speed,
        })
    }

    /// The espeak-ng voice name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Words per minute.
    pub fn speed(&self) -> u16 {
        self.speed
    }
}

impl Default for Voice {
    /// US English at 160 words per minute.
    fn default() -> Voice {
        Voice {
            name: "en-us".to_string(),
            speed: 160,
        }
    }
}

/// How text is rendered.
#[derive(Clone, Debug)]
pub struct TtsConfig {
    /// The espeak-ng executable (looked up in `PATH` when not absolute).
    pub program: PathBuf,
    /// Longest a rendering may take before the process is killed.
    pub timeout: Duration,
    /// Longest text accepted, in characters.
    pub max_chars: usize,
    /// Renderings run at the same time (further ones wait).
    pub max_parallel: usize,
}

impl Default for TtsConfig {
    /// `espeak-ng`, 10 s, 1 000 characters, 2 at a time.
    fn default() -> TtsConfig {
        TtsConfig {
            program: PathBuf::from("espeak-ng"),
            timeout: Duration::from_secs(10),
            max_chars: 1000,
            max_parallel: 2,
        }
    }
}

/// The text as spoken: control characters become spaces, surrounding space is trimmed.
pub(crate) fn clean_text(text: &str, max_chars: usize) -> Result<String, PromptError> {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = cleaned.trim().to_string();
    let chars = cleaned.chars().count();
    if chars == 0 || chars > max_chars {
        return Err(PromptError::BadText {
            chars,
            limit: max_chars,
        });
    }
    Ok(cleaned)
}

/// Runs espeak-ng and returns its WAV output with the header's sizes fixed (espeak-ng writing
/// to a pipe cannot seek back to fill them in).
pub(crate) async fn render(
    config: &TtsConfig,
    voice: &Voice,
    text: &str,
) -> Result<Vec<u8>, PromptError> {
    let failed = |reason: String| PromptError::TtsFailed {
        voice: voice.name.clone(),
        reason,
    };
    let mut child = Command::new(&config.program)
        .args(["--stdout", "--stdin", "-b", "1", "-v", &voice.name, "-s"])
        .arg(voice.speed.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| PromptError::TtsMissing {
            program: config.program.clone(),
            reason: e.to_string(),
        })?;
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(failed("no pipes to the process".into()));
    };
    let text = text.as_bytes().to_vec();
    let work = async {
        let feed = async {
            // A program that exits early closes its end; its exit status tells why.
            let _ = stdin.write_all(&text).await;
            drop(stdin);
        };
        let mut out = Vec::new();
        let mut err = Vec::new();
        let (mut stdout, mut stderr) = (stdout.take(MAX_OUTPUT + 1), stderr.take(MAX_STDERR));
        let read_out = stdout.read_to_end(&mut out);
        let read_err = stderr.read_to_end(&mut err);
        let ((), out_res, _) = tokio::join!(feed, read_out, read_err);
        out_res.map_err(|e| failed(format!("reading output: {e}")))?;
        let status = child
            .wait()
            .await
            .map_err(|e| failed(format!("waiting: {e}")))?;
        Ok::<_, PromptError>((status, out, err))
    };
    let (status, out, err) = match tokio::time::timeout(config.timeout, work).await {
        Ok(done) => done?,
        Err(_) => {
            // Kill and reap it (were this to fail, kill_on_drop would still kill it).
            let _ = child.kill().await;
            return Err(PromptError::TtsTimeout {
                voice: voice.name.clone(),
                after: config.timeout,
            });
        }
    };
    let stderr = String::from_utf8_lossy(&err).trim().to_string();
    if !status.success() {
        return Err(failed(format!("{status}: {stderr}")));
    }
    if out.len() as u64 > MAX_OUTPUT {
        return Err(failed(format!("output larger than {MAX_OUTPUT} bytes")));
    }
    fix_stream_header(out).map_err(|reason| {
        if stderr.is_empty() {
            failed(reason)
        } else {
            failed(format!("{reason}: {stderr}"))
        }
    })
}

/// Sets the RIFF and `data` sizes of a streamed WAV to what is actually there.
fn fix_stream_header(mut wav: Vec<u8>) -> Result<Vec<u8>, String> {
    if wav.len() < 12 || &wav[0..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return Err("no WAV output".into());
    }
    let total = u32::try_from(wav.len() - 8).map_err(|_| "output too large")?;
    wav[4..8].copy_from_slice(&total.to_le_bytes());
    let mut pos = 12usize;
    while pos + 8 <= wav.len() {
        let size = u32::from_le_bytes([wav[pos + 4], wav[pos + 5], wav[pos + 6], wav[pos + 7]]);
        if &wav[pos..pos + 4] == b"data" {
            let present = u32::try_from(wav.len() - pos - 8).map_err(|_| "output too large")?;
            let present = present & !1;
            if present == 0 {
                return Err("no speech produced".into());
            }
            wav[pos + 4..pos + 8].copy_from_slice(&present.min(size).to_le_bytes());
            return Ok(wav);
        }
        pos = pos
            .saturating_add(8)
            .saturating_add(size as usize + (size as usize & 1));
    }
    Err("no data in the WAV output".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_names_that_could_be_options_or_paths_are_refused() {
        for bad in ["", "-w", "../x", "en/us", "en us", "en.us", &"a".repeat(41)] {
            assert!(Voice::new(bad, 160).is_err(), "{bad:?}");
        }
        assert!(Voice::new("en-us", 79).is_err());
        assert!(Voice::new("de+f3", 200).is_ok());
    }

    #[test]
    fn text_is_trimmed_of_control_characters_and_capped() {
        assert_eq!(clean_text(" hi\nthere\u{7} ", 20).expect("ok"), "hi there");
        assert!(clean_text("  \n", 20).is_err());
        assert!(clean_text(&"x".repeat(21), 20).is_err());
    }

    #[test]
    fn a_streamed_header_gets_the_real_sizes() {
        let mut wav = super::super::files::wav_header(22050, 0);
        wav[40..44].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        wav.extend_from_slice(&[1, 0, 2, 0, 3]);
        let fixed = fix_stream_header(wav).expect("fixed");
        assert_eq!(&fixed[40..44], &4u32.to_le_bytes());
        assert_eq!(&fixed[4..8], &(fixed.len() as u32 - 8).to_le_bytes());
    }
}
