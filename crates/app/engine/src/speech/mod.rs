//! Spoken answers to voice menus: the caller's utterance is recognised offline by PocketSphinx,
//! run as a sidecar process (`sidecar.py`, embedded in the binary and run by Python) with a
//! grammar of the menu's phrases.
//!
//! - [`Recognizer`]: a pool of sidecars fed through a bounded queue; [`Recognizer::recognize`]
//!   takes 8 kHz samples and the phrases, and answers the phrase heard (as the menu spells it)
//!   or `None`.
//! - [`SpeechConfig`]: the interpreter, the number of sidecars and the time limits.
//! - [`SpeechError`]: why nothing could be recognised.
//!
//! Design note: PocketSphinx is optional. A sidecar starts on the first utterance, not with the
//! node, so a node whose flows never listen pays nothing. When the package is missing the
//! first utterance fails with [`SpeechError::Unavailable`], the call's menu goes on with keys,
//! and no start is tried again for a minute. The sidecar speaks a line protocol (a JSON header,
//! then the raw samples; a JSON answer) on its standard input and output, bounded in sizes and
//! in time: one that hangs is killed and replaced.

mod audio;
mod error;
mod sidecar;

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

pub use error::SpeechError;

/// Utterances that may wait for a sidecar.
const QUEUE: usize = 64;
/// The most of an utterance sent (10 s at 8 kHz; the sidecar takes up to 30 s).
const MAX_SAMPLES: usize = 80_000;

/// How the recogniser runs.
#[derive(Clone, Debug)]
pub struct SpeechConfig {
    /// The Python interpreter (looked up in `PATH` when not absolute).
    pub python: String,
    /// Sidecar processes (each holds its own model, about 45 MB).
    pub workers: usize,
    /// Longest a recognition may take before the sidecar is killed.
    pub timeout: Duration,
    /// Longest a sidecar may take to load its model.
    pub start_timeout: Duration,
    /// The sidecar's program (the embedded `sidecar.py` unless a test swaps it).
    pub script: Cow<'static, str>,
}

impl Default for SpeechConfig {
    /// `python3`, one sidecar, 5 s per utterance, 20 s to start.
    fn default() -> SpeechConfig {
        SpeechConfig {
            python: "python3".into(),
            workers: 1,
            timeout: Duration::from_secs(5),
            start_timeout: Duration::from_secs(20),
            script: Cow::Borrowed(SIDECAR),
        }
    }
}

/// The sidecar program.
pub const SIDECAR: &str = include_str!("sidecar.py");

/// What the workers know of their sidecars: the engine one reported, or since when and why
/// none could be started (shared, so no worker tries again for [`sidecar::RETRY_START`]).
#[derive(Debug, Default)]
struct Ready(Mutex<Option<Result<String, (std::time::Instant, String)>>>);

impl Ready {
    fn set(&self, engine: String) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(Ok(engine));
        }
    }

    fn set_down(&self, reason: String) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(Err((std::time::Instant::now(), reason)));
        }
    }

    fn get(&self) -> Option<String> {
        self.0.lock().ok().and_then(|slot| slot.clone()?.ok())
    }

    /// Why no sidecar could be started, while that is recent.
    fn down_reason(&self) -> Option<String> {
        let down = self.0.lock().ok().and_then(|slot| slot.clone()?.err());
        down.filter(|(at, _)| at.elapsed() < sidecar::RETRY_START)
            .map(|(_, reason)| reason)
    }
}

/// Recognises callers' words; clones share the sidecars, which stop when the last clone is
/// dropped.
#[derive(Clone, Debug)]
pub struct Recognizer {
    jobs: mpsc::Sender<sidecar::Job>,
    ready: Arc<Ready>,
}

impl Recognizer {
    /// Starts the workers (each starts its sidecar on its first utterance). Call within a
    /// tokio runtime.
    pub fn start(config: SpeechConfig) -> Recognizer {
        let (jobs, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let ready = Arc::new(Ready::default());
        let config = Arc::new(config);
        for _ in 0..config.workers.max(1) {
            tokio::spawn(sidecar::worker(config.clone(), rx.clone(), ready.clone()));
        }
        Recognizer { jobs, ready }
    }

    /// The engine of the running sidecars (`pocketsphinx 5.1.1`), once one has started.
    pub fn engine(&self) -> Option<String> {
        self.ready.get()
    }

    /// False while no sidecar could be started (for a minute after a failed start): callers'
    /// words are not worth recording then.
    pub fn usable(&self) -> bool {
        self.ready.down_reason().is_none()
    }

    /// The phrase of `phrases` spoken in `samples` (8 kHz mono), spelt as in `phrases`; `None`
    /// when the caller said none of them (or nothing).
    pub async fn recognize(
        &self,
        samples: &[i16],
        phrases: &[String],
    ) -> Result<Option<String>, SpeechError> {
        let speech = audio::speech_span(samples);
        if speech.is_empty() || phrases.is_empty() {
            return Ok(None);
        }
        // A recording that began with a long prompt over a noisy line: the answer is at its end.
        let speech = &speech[speech.len().saturating_sub(MAX_SAMPLES)..];
        let (reply, answer) = oneshot::channel();
        let job = sidecar::Job {
            phrases: phrases.to_vec(),
            samples: audio::upsample_2x(speech),
            reply,
        };
        self.jobs.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SpeechError::Busy { waiting: QUEUE },
            mpsc::error::TrySendError::Closed(_) => SpeechError::Unavailable {
                reason: "the recogniser has stopped".into(),
            },
        })?;
        let heard = answer.await.map_err(|_| SpeechError::Failed {
            reason: "the recogniser dropped the utterance".into(),
        })??;
        if !heard.unknown.is_empty() {
            tracing::warn!(words = ?heard.unknown, "voice menu words not in the speech dictionary");
        }
        Ok(heard.text.and_then(|text| spelt_as_asked(&text, phrases)))
    }
}

/// The phrase of `phrases` that `text` (lower case, single spaces) stands for.
fn spelt_as_asked(text: &str, phrases: &[String]) -> Option<String> {
    phrases
        .iter()
        .find(|p| {
            p.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
                == text
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sidecars_spelling_maps_back_to_the_menus() {
        let phrases = vec!["Sales".to_string(), "Customer  Service ".to_string()];
        assert_eq!(spelt_as_asked("sales", &phrases), Some("Sales".into()));
        assert_eq!(
            spelt_as_asked("customer service", &phrases),
            Some("Customer  Service ".into())
        );
        assert_eq!(spelt_as_asked("billing", &phrases), None);
    }
}
