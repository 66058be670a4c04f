//! Offers to an agent who takes calls on a phone number (`devices::Device::Pstn`): the number
//! is dialled through the tenant's trunk, and once answered the agent hears who is calling and
//! presses 1 to accept. Anything else — another key, silence, a voicemail greeting that never
//! presses a key — refuses the offer, so an answering machine never takes a customer.

use std::time::Duration;

use sb_media::{EndpointId, MediaEvent};

use super::transfer::{self, Pending};
use super::{CallerMedia, Inbound, ivr};
use crate::calls::leg_media;
use crate::calls::ring::{AnsweredMedia, Ringing};

/// How long the agent has to press the key once they answered.
const CONFIRM_WAIT: Duration = Duration::from_secs(15);
/// The key that accepts.
const ACCEPT_KEY: char = '1';

/// Starts dialling the agent's `number` for an offer ringing at most `timeout`.
pub async fn ring(
    call: &mut Inbound,
    media: &CallerMedia,
    number: &str,
    timeout: Duration,
) -> Result<(Ringing, Pending), String> {
    transfer::dial_number(call, media, number, timeout).await
}

/// Whether the agent who answered on `endpoint` accepts the call with the key.
pub async fn confirm(
    call: &mut Inbound,
    media: &mut CallerMedia,
    endpoint: EndpointId,
    answered: &AnsweredMedia,
) -> bool {
    if !leg_media::apply_answer(&media.call, endpoint, answered).await {
        return false;
    }
    let queue = call
        .deps
        .control
        .get(call.log.call())
        .and_then(|c| c.queue)
        .unwrap_or_default();
    let text = format!("You have a call from the {queue} queue. Press 1 to accept.");
    announce(call, media, endpoint, &text).await;
    let deadline = tokio::time::sleep(CONFIRM_WAIT);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            event = media.events.recv() => match event {
                Some(MediaEvent::Dtmf { endpoint: e, digit }) if e == endpoint => {
                    return digit == ACCEPT_KEY;
                }
                Some(MediaEvent::PlayFinished { endpoint: e }) if e == endpoint => {
                    announce(call, media, endpoint, &text).await;
                }
                Some(MediaEvent::Timeout { .. }) | None => return false,
                Some(_) => {}
            },
            _ = &mut deadline => return false,
        }
    }
}

/// Tells the agent about the call (spoken; without a voice the key still works).
async fn announce(call: &Inbound, media: &CallerMedia, endpoint: EndpointId, text: &str) {
    let Some(voice) = ivr::voice() else {
        return;
    };
    let prompt = sb_flow::Prompt::Tts(text.to_owned());
    match call
        .deps
        .prompts
        .resolve(call.tenant, &prompt, &voice)
        .await
    {
        Ok(audio) => {
            if let Err(e) = media.call.play(endpoint, audio, false).await {
                tracing::debug!(error = %e, "the agent's announcement did not play");
            }
        }
        Err(e) => tracing::debug!(error = %e, "the agent's announcement could not be spoken"),
    }
}
