//! The flow's IVR actions on the caller's leg: prompts, menus and digit collection with DTMF
//! (RFC 4733 from the media server), voice menus (`listen.rs`), HTTP requests and messages
//! while the caller waits, and the actions this node cannot carry out yet, answered `Failed`
//! with the reason so the flow takes its error path.

use std::time::Duration;

use sb_flow::{Action, Input};
use sb_media::MediaEvent;
use serde_json::json;

use super::{AckWait, CallerMedia, Inbound, Interrupt};
use crate::prompts::Voice;

/// The voice text prompts are spoken with (the flow's language settings come later).
pub(super) fn voice() -> Option<Voice> {
    Voice::new("en-us", 160).ok()
}

/// An action the flow only reports.
pub async fn note(call: &mut Inbound, action: &Action) {
    if let Action::SetAttr {
        name,
        value,
        screen_pop,
    } = action
    {
        call.log
            .record(
                "attribute",
                json!({
                    "name": name, "value": value.to_string(), "screen_pop": screen_pop,
                }),
            )
            .await;
    }
}

/// Carries out an awaited action that is not queueing; the flow's answer.
pub async fn perform(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    action: Action,
) -> Result<Input, Interrupt> {
    match action {
        Action::Play { prompt } => play(call, media, acks, &prompt).await,
        Action::Collect {
            prompt,
            max_digits,
            terminator,
            timeout,
            speech,
        } => {
            let recognizer = call.deps.speech.clone().filter(|r| r.usable());
            if let (false, Some(recognizer)) = (speech.is_empty(), recognizer) {
                let ask = super::listen::Ask {
                    prompt: prompt.as_ref(),
                    words: &speech,
                    timeout,
                };
                let heard = super::listen::voice_menu(call, media, acks, &recognizer, ask);
                if let Some(answer) = heard.await {
                    return answer;
                }
            }
            let ask = Digits {
                max: max_digits.max(1),
                terminator,
                keys: None,
                timeout,
            };
            collect(call, media, acks, prompt.as_ref(), ask).await
        }
        Action::Menu {
            prompt,
            keys,
            timeout,
        } => {
            let ask = Digits {
                max: 1,
                terminator: None,
                keys: Some(keys),
                timeout,
            };
            collect(call, media, acks, prompt.as_ref(), ask).await
        }
        Action::Transfer { .. } => Ok(not_here("transfer from a flow")),
        Action::Dial { .. } => Ok(not_here("dialling from a flow")),
        action @ (Action::HttpRequest { .. } | Action::SendMessage { .. }) => {
            side_work(call, media, acks, action).await
        }
        Action::Enqueue { .. }
        | Action::Record { .. }
        | Action::Hangup
        | Action::End
        | Action::SetAttr { .. } => Ok(Input::Done),
    }
}

/// An HTTP request or a message, while the caller waits.
async fn side_work(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    action: Action,
) -> Result<Input, Interrupt> {
    let action = match super::http::HttpCall::of(action) {
        Ok(request) => return super::http::perform(call, media, acks, request).await,
        Err(other) => *other,
    };
    match super::message::Message::of(action) {
        Ok(message) => super::message::send(call, media, acks, message).await,
        Err(other) => Ok(Input::Failed(format!("{} is not side work", other.kind()))),
    }
}

fn not_here(what: &str) -> Input {
    Input::Failed(format!(
        "{what} is not available on voice calls in this version"
    ))
}

/// Resolves and starts a prompt on the caller's leg; false when it cannot be played.
pub async fn start_prompt(
    call: &Inbound,
    media: &CallerMedia,
    prompt: &sb_flow::Prompt,
    looped: bool,
) -> Result<(), String> {
    let voice = voice().ok_or("no voice")?;
    let audio = call
        .deps
        .prompts
        .resolve(call.tenant, prompt, &voice)
        .await
        .map_err(|e| e.to_string())?;
    media
        .call
        .play(media.endpoint, audio, looped)
        .await
        .map_err(|e| e.to_string())
}

async fn play(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    prompt: &sb_flow::Prompt,
) -> Result<Input, Interrupt> {
    if let Err(why) = start_prompt(call, media, prompt, false).await {
        tracing::warn!(%why, "prompt not played");
        return Ok(Input::Failed(why));
    }
    loop {
        if let MediaEvent::PlayFinished { endpoint } = call.caller_event(media, acks).await?
            && endpoint == media.endpoint
        {
            return Ok(Input::Done);
        }
    }
}

/// What digits to gather.
struct Digits {
    max: u8,
    terminator: Option<char>,
    keys: Option<Vec<char>>,
    timeout: Duration,
}

/// Plays the prompt (a key stops it: barge-in) and gathers digits until `max`, the
/// terminator, or `timeout` without a key (counted after the prompt).
async fn collect(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    prompt: Option<&sb_flow::Prompt>,
    ask: Digits,
) -> Result<Input, Interrupt> {
    let mut playing = false;
    if let Some(p) = prompt {
        match start_prompt(call, media, p, false).await {
            Ok(()) => playing = true,
            Err(why) => tracing::warn!(%why, "menu prompt not played"),
        }
    }
    let mut digits = String::new();
    let mut deadline = tokio::time::Instant::now() + ask.timeout;
    loop {
        let wait = if playing {
            tokio::time::Instant::now() + Duration::from_secs(3600)
        } else {
            deadline
        };
        let event = tokio::select! {
            e = call.caller_event(media, acks) => e?,
            _ = tokio::time::sleep_until(wait) => {
                return Ok(if digits.is_empty() { Input::NoInput } else { Input::Digits(digits) });
            }
        };
        match event {
            MediaEvent::PlayFinished { endpoint } if endpoint == media.endpoint => {
                playing = false;
                deadline = tokio::time::Instant::now() + ask.timeout;
            }
            MediaEvent::Dtmf { endpoint, digit } if endpoint == media.endpoint => {
                if playing {
                    let _ = media.call.stop_play(media.endpoint).await;
                    playing = false;
                }
                if Some(digit) == ask.terminator {
                    return Ok(Input::Digits(digits));
                }
                if ask.keys.as_ref().is_some_and(|k| !k.contains(&digit)) {
                    return Ok(Input::Digits(digit.to_string()));
                }
                digits.push(digit);
                if digits.len() >= usize::from(ask.max) {
                    return Ok(Input::Digits(digits));
                }
                deadline = tokio::time::Instant::now() + ask.timeout;
            }
            _ => {}
        }
    }
}
