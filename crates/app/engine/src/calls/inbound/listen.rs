//! A voice menu on a call: the prompt plays while the caller's leg is recorded (mono, with talk
//! detection); the caller's first words stop the prompt (barge-in), and when they fall silent
//! for a second the utterance goes to the speech recogniser, whose answer the flow takes as
//! `Speech` (an empty word when nothing on the menu was heard). A key works as in a DTMF menu.
//!
//! The utterance's file lives in `<recordings>/<tenant>/speech/` only while it is recognised
//! and is deleted after. Each utterance is logged as `call.speech` with what was heard.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sb_flow::Input;
use sb_media::MediaEvent;
use serde_json::json;
use tokio::time::Instant;

use super::{AckWait, CallerMedia, Inbound, Interrupt};
use crate::speech::Recognizer;

/// Silence after the talk detector calls speech over (it waits 300 ms itself) that ends the
/// utterance.
const END_SILENCE: Duration = Duration::from_millis(700);
/// Longest utterance.
const MAX_UTTERANCE: Duration = Duration::from_secs(8);

/// What the menu asks.
pub(super) struct Ask<'a> {
    pub prompt: Option<&'a sb_flow::Prompt>,
    pub words: &'a [String],
    pub timeout: Duration,
}

/// How listening ended.
enum Heard {
    /// The caller spoke and fell silent (or spoke for the longest utterance).
    Utterance,
    /// A key.
    Key(char),
    /// Nothing before the timeout.
    Nothing,
}

/// Plays the menu and listens; the flow's answer. `None` when the caller cannot be recorded
/// (the caller then answers by key, see `ivr::collect`).
pub(super) async fn voice_menu(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    recognizer: &Recognizer,
    ask: Ask<'_>,
) -> Option<Result<Input, Interrupt>> {
    let path = match utterance_path(&call.deps.recordings, call) {
        Ok(path) => path,
        Err(why) => {
            tracing::warn!(%why, "voice menu takes keys only");
            return None;
        }
    };
    if let Err(e) = media
        .call
        .record_message(path.clone(), media.endpoint)
        .await
    {
        tracing::warn!(error = %e, "caller not recorded: voice menu takes keys only");
        return None;
    }
    let mut playing = false;
    if let Some(p) = ask.prompt {
        match super::ivr::start_prompt(call, media, p, false).await {
            Ok(()) => playing = true,
            Err(why) => tracing::warn!(%why, "menu prompt not played"),
        }
    }
    let heard = listen(call, media, acks, playing, ask.timeout).await;
    let recorded = media.call.record_stop().await;
    let heard = match heard {
        Ok(heard) => heard,
        Err(interrupt) => {
            discard(&path);
            return Some(Err(interrupt));
        }
    };
    let answer = match (heard, recorded) {
        (Heard::Key(key), _) => Input::Digits(key.to_string()),
        (Heard::Nothing, _) => Input::NoInput,
        (Heard::Utterance, Ok(info)) => recognise(call, recognizer, &info.path, ask.words).await,
        (Heard::Utterance, Err(e)) => {
            tracing::warn!(error = %e, "utterance not recorded");
            Input::Speech(String::new())
        }
    };
    discard(&path);
    Some(Ok(answer))
}

/// Follows the caller until they have spoken, pressed a key, or let the timeout pass (counted
/// once the prompt has played).
async fn listen(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    mut playing: bool,
    timeout: Duration,
) -> Result<Heard, Interrupt> {
    let far = Instant::now() + Duration::from_secs(3600);
    let mut deadline = Instant::now() + timeout;
    // When the caller first spoke, whether they talk now, and since when they are silent.
    let mut spoke_at: Option<Instant> = None;
    let mut talking = false;
    let mut silent_since: Option<Instant> = None;
    loop {
        let wait = match (spoke_at, silent_since) {
            (Some(first), Some(silent)) if !talking => {
                (silent + END_SILENCE).min(first + MAX_UTTERANCE)
            }
            (Some(first), _) => first + MAX_UTTERANCE,
            (None, _) if playing => far,
            (None, _) => deadline,
        };
        let event = tokio::select! {
            e = call.caller_event(media, acks) => e?,
            _ = tokio::time::sleep_until(wait) => {
                return Ok(if spoke_at.is_some() { Heard::Utterance } else { Heard::Nothing });
            }
        };
        match event {
            MediaEvent::PlayFinished { endpoint } if endpoint == media.endpoint => {
                playing = false;
                deadline = Instant::now() + timeout;
            }
            MediaEvent::Dtmf { endpoint, digit } if endpoint == media.endpoint => {
                if playing {
                    let _ = media.call.stop_play(media.endpoint).await;
                }
                return Ok(Heard::Key(digit));
            }
            MediaEvent::Talk {
                endpoint,
                talking: now,
            } if endpoint == media.endpoint => {
                if now && playing {
                    let _ = media.call.stop_play(media.endpoint).await;
                    playing = false;
                }
                if now {
                    spoke_at.get_or_insert_with(Instant::now);
                } else {
                    silent_since = Some(Instant::now());
                }
                talking = now;
            }
            _ => {}
        }
    }
}

/// The recogniser's answer for the recorded utterance, logged.
async fn recognise(
    call: &Inbound,
    recognizer: &Recognizer,
    path: &Path,
    words: &[String],
) -> Input {
    let file = path.to_path_buf();
    let read = tokio::task::spawn_blocking(move || sb_media::player::Prompt::from_wav_file(&file));
    let samples = match read.await.map_err(|e| e.to_string()) {
        Ok(Ok(prompt)) => prompt,
        Ok(Err(e)) => return unread(&e.to_string()),
        Err(e) => return unread(&e),
    };
    let started = Instant::now();
    let result = recognizer.recognize(samples.samples(), words).await;
    let took_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (heard, error) = match result {
        Ok(heard) => (heard, None),
        Err(e) => {
            tracing::warn!(error = %e, "utterance not recognised");
            (None, Some(e.to_string()))
        }
    };
    call.log
        .record(
            "speech",
            json!({
                "heard": heard, "error": error, "utterance_ms": samples.duration_ms(),
                "recognition_ms": took_ms,
            }),
        )
        .await;
    Input::Speech(heard.unwrap_or_default())
}

/// The answer when the recording cannot be read: nothing heard.
fn unread(why: &str) -> Input {
    tracing::warn!(error = %why, "utterance not read");
    Input::Speech(String::new())
}

/// A new file for an utterance in the tenant's `speech` folder.
fn utterance_path(recordings: &Path, call: &Inbound) -> Result<PathBuf, String> {
    let dir = recordings.join(call.tenant.to_string()).join("speech");
    std::fs::create_dir_all(&dir).map_err(|e| format!("speech folder: {e}"))?;
    Ok(crate::calls::bridge::new_file(&dir, call.log.call()))
}

fn discard(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "utterance file not removed");
    }
}
