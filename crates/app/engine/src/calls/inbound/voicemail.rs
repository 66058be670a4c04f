//! The flow's `voicemail` block on a voice call. After the flow's greeting and a beep, the
//! caller's message is recorded (mono) to `<recordings>/<tenant>/voicemail/<call>.wav` until the
//! caller presses `#` or hangs up, stays silent for the block's `silence_end` (counted from the
//! beep until they speak, then from their last word), or reaches its `max_len`.
//!
//! A message with speech in it is kept: the recorder has synced the file before its row is
//! added to the store (DESIGN.md § 6), and the call's log gets `call.voicemail`; a caller who
//! hangs up while speaking leaves their message all the same. A message that silence ended is
//! cut after the caller's last word. A message without speech is deleted and the flow hears
//! `NoInput`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sb_flow::Input;
use sb_media::MediaEvent;
use sb_media::recorder::RecordingInfo;
use sb_store::{NewVoicemail, Voicemail};
use serde_json::json;
use tokio::time::Instant;

use super::{AckWait, CallerMedia, Inbound, Interrupt};

/// The beep before the message.
const BEEP: &str = "default:beep";
/// The beep is short; a prompt that does not finish in this time is not waited for.
const BEEP_WAIT: Duration = Duration::from_secs(3);
/// The key that ends a message.
const END_KEY: char = '#';
/// Kept after the caller's last word when silence ends the message (the detector itself
/// waits 300 ms before it calls speech over).
const AFTER_LAST_WORD: Duration = Duration::from_millis(700);

/// What the flow's block asks for.
pub(super) struct Ask {
    pub max_len: Duration,
    pub beep: bool,
    pub silence_end: Duration,
    /// Whose mailbox: the block's, else the call's queue, else `general`.
    pub mailbox: String,
}

/// Records the caller's message and keeps it; the flow's answer. A hang-up during the
/// message keeps the message and then ends the call.
pub(super) async fn record(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    ask: Ask,
) -> Result<Input, Interrupt> {
    if ask.beep {
        beep(call, media, acks).await?;
    }
    let path = match message_path(&call.deps.recordings, call) {
        Ok(path) => path,
        Err(why) => return Ok(Input::Failed(why)),
    };
    if let Err(e) = media
        .call
        .record_message(path.clone(), media.endpoint)
        .await
    {
        return Ok(Input::Failed(format!("voicemail not recorded: {e}")));
    }
    let (spoke, ending) = listen(call, media, acks, &ask).await;
    let (cut, interrupted) = match ending {
        Ending::Silence(cut) => (Some(cut), None),
        Ending::Other => (None, None),
        Ending::Interrupted(i) => (None, Some(i)),
    };
    let answer = match media.call.record_stop().await {
        Ok(info) if spoke => keep(call, &ask, trimmed(info, cut).await).await,
        Ok(info) => {
            discard(&info.path);
            Input::NoInput
        }
        Err(e) => Input::Failed(format!("voicemail not recorded: {e}")),
    };
    match interrupted {
        Some(interrupt) => Err(interrupt),
        None => Ok(answer),
    }
}

/// Plays the beep and waits for its end.
async fn beep(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
) -> Result<(), Interrupt> {
    let prompt = sb_flow::Prompt::File(BEEP.into());
    if let Err(why) = super::ivr::start_prompt(call, media, &prompt, false).await {
        tracing::warn!(%why, "voicemail beep not played");
        return Ok(());
    }
    let until = Instant::now() + BEEP_WAIT;
    loop {
        let event = tokio::select! {
            e = call.caller_event(media, acks) => e?,
            _ = tokio::time::sleep_until(until) => return Ok(()),
        };
        if matches!(event, MediaEvent::PlayFinished { endpoint } if endpoint == media.endpoint) {
            return Ok(());
        }
    }
}

/// How a message ended.
enum Ending {
    /// The caller fell silent after speaking: keep this much of the recording (up to their
    /// last word and a little after).
    Silence(Duration),
    /// `#`, the longest message, or silence before any word.
    Other,
    /// The caller hung up (or their media stopped).
    Interrupted(Interrupt),
}

/// Follows the message until it ends; whether the caller spoke, and how it ended.
async fn listen(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    ask: &Ask,
) -> (bool, Ending) {
    let start = Instant::now();
    let end = start + ask.max_len;
    let mut silence_ends = start + ask.silence_end;
    let (mut spoke, mut talking) = (false, false);
    loop {
        let wait = if talking { end } else { end.min(silence_ends) };
        let event = tokio::select! {
            e = call.caller_event(media, acks) => e,
            _ = tokio::time::sleep_until(wait) => {
                let by_silence = spoke && !talking && silence_ends <= end;
                let last_word = silence_ends.saturating_duration_since(start).saturating_sub(ask.silence_end);
                let ending = match by_silence {
                    true => Ending::Silence(last_word + AFTER_LAST_WORD),
                    false => Ending::Other,
                };
                return (spoke, ending);
            }
        };
        match event {
            Err(interrupt) => return (spoke, Ending::Interrupted(interrupt)),
            Ok(MediaEvent::Talk {
                endpoint,
                talking: now,
            }) if endpoint == media.endpoint => {
                talking = now;
                spoke |= now;
                if !now {
                    silence_ends = Instant::now() + ask.silence_end;
                }
            }
            Ok(MediaEvent::Dtmf { endpoint, digit }) if endpoint == media.endpoint => {
                if digit == END_KEY {
                    return (spoke, Ending::Other);
                }
            }
            Ok(_) => {}
        }
    }
}

/// The recording without the silence that ended it (kept whole when it cannot be cut).
async fn trimmed(mut info: RecordingInfo, cut: Option<Duration>) -> RecordingInfo {
    let Some(keep) = cut else {
        return info;
    };
    let keep_ms = u64::try_from(keep.as_millis()).unwrap_or(u64::MAX);
    let path = info.path.clone();
    let done = tokio::task::spawn_blocking(move || sb_media::recorder::trim(&path, keep_ms)).await;
    match done {
        Ok(Ok((duration_ms, bytes))) => {
            info.duration_ms = duration_ms;
            info.bytes = bytes;
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "voicemail silence not trimmed"),
        Err(e) => tracing::warn!(error = %e, "voicemail silence not trimmed"),
    }
    info
}

/// Stores the message's row (the file is synced already); the flow's answer.
async fn keep(call: &mut Inbound, ask: &Ask, info: RecordingInfo) -> Input {
    let file = match info.path.strip_prefix(&call.deps.recordings) {
        Ok(relative) => relative.display().to_string(),
        Err(_) => info.path.display().to_string(),
    };
    let new = NewVoicemail {
        tenant_id: call.tenant,
        call_id: call.log.call().to_owned(),
        mailbox: ask.mailbox.clone(),
        caller: call.caller.caller(),
        called: call.number.clone(),
        file,
        duration_ms: info.duration_ms,
        bytes: info.bytes,
        received_at: call.log.now(),
    };
    match call.deps.store.add_voicemail(new).await {
        Ok(message) => {
            log_kept(call, &message).await;
            if let Err(e) = call.deps.voicemails.route(&message).await {
                tracing::warn!(error = %e, id = %message.id, "voicemail kept but not routed");
            }
            Input::Recorded {
                recording: message.id,
                duration_ms: info.duration_ms,
            }
        }
        Err(e) => {
            tracing::error!(path = %info.path.display(), error = %e, "voicemail file kept, row not stored");
            Input::Failed(format!("voicemail not stored: {e}"))
        }
    }
}

async fn log_kept(call: &Inbound, message: &Voicemail) {
    call.log
        .record(
            "voicemail",
            json!({
                "voicemail": message.id,
                "mailbox": message.message.mailbox,
                "duration_ms": message.message.duration_ms,
                "file": message.message.file,
            }),
        )
        .await;
}

/// A new file for the call's message in the tenant's voicemail folder.
fn message_path(recordings: &Path, call: &Inbound) -> Result<PathBuf, String> {
    let dir = recordings.join(call.tenant.to_string()).join("voicemail");
    std::fs::create_dir_all(&dir).map_err(|e| format!("voicemail folder: {e}"))?;
    Ok(crate::calls::bridge::new_file(&dir, call.log.call()))
}

fn discard(path: &Path) {
    if let Err(e) = std::fs::remove_file(path) {
        tracing::warn!(path = %path.display(), error = %e, "empty voicemail not removed");
    }
}
