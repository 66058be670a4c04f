//! A connected call's two legs on the media server, and the commands the API sends to it:
//! hold (music to the customer, silence to the agent), resume, DTMF towards the customer, and
//! the recording (caller left, agent right) with pause and resume for card payments.

use std::path::PathBuf;

use sb_media::{CallMedia, EndpointId};
use sb_types::TenantId;
use serde_json::{Value, json};

use super::control::{CallCommand, LiveQuality};
use super::deps::CallDeps;

/// The music the customer hears on hold.
const HOLD_MUSIC: &str = "default:hold_music";

/// The longest DTMF string sent at once.
const MAX_DTMF: usize = 32;

/// What a command asks of the call's task beyond the media.
#[derive(Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing: go on.
    Continue,
    /// End the call.
    Hangup,
    /// A recording ended: record this event payload.
    Recorded(Value),
}

/// The bridged legs of one call.
pub struct Bridge {
    /// The call's media.
    pub media: CallMedia,
    /// The customer's endpoint (caller, or the dialled party of an outbound call).
    pub customer: EndpointId,
    /// The agent's endpoint.
    pub agent: EndpointId,
    /// On hold now.
    pub held: bool,
    /// The recording file, while recording.
    pub recording: Option<PathBuf>,
    /// The tenant (prompts, recording folder).
    pub tenant: TenantId,
    /// The call id (recording file name).
    pub call_id: String,
}

impl Bridge {
    /// Carries out `command`; the error says why it cannot be done now.
    pub async fn apply(&mut self, deps: &CallDeps, command: CallCommand) -> Result<Effect, String> {
        match command {
            CallCommand::Hangup => Ok(Effect::Hangup),
            CallCommand::Hold => self.hold(deps).await,
            CallCommand::Resume => self.resume().await,
            CallCommand::SendDtmf(digits) => self.dtmf(&digits).await,
            CallCommand::RecordStart => self.record_start(deps).await,
            CallCommand::RecordPause => self.recording_op(true).await,
            CallCommand::RecordResume => self.recording_op(false).await,
            CallCommand::RecordStop => self.record_stop().await,
            CallCommand::Transfer { .. }
            | CallCommand::TransferComplete
            | CallCommand::TransferCancel
            | CallCommand::Conference => Err("this call cannot be transferred".into()),
            CallCommand::Reattach | CallCommand::ReattachLine => {
                Err("this call cannot be re-attached".into())
            }
            CallCommand::Answer | CallCommand::Reject => Err("the call is answered already".into()),
            CallCommand::Consulted { .. } | CallCommand::ConsultLeave { .. } => {
                Err("no consultation of yours is going on".into())
            }
        }
    }

    async fn hold(&mut self, deps: &CallDeps) -> Result<Effect, String> {
        if self.held {
            return Err("the call is on hold already".into());
        }
        let music = deps
            .prompts
            .recorded(self.tenant, HOLD_MUSIC)
            .await
            .map_err(|e| e.to_string())?;
        self.media
            .disconnect(self.customer)
            .await
            .map_err(|e| e.to_string())?;
        self.media
            .play(self.customer, music, true)
            .await
            .map_err(|e| e.to_string())?;
        self.held = true;
        Ok(Effect::Continue)
    }

    async fn resume(&mut self) -> Result<Effect, String> {
        if !self.held {
            return Err("the call is not on hold".into());
        }
        let _ = self.media.stop_play(self.customer).await;
        self.media
            .connect(self.customer, self.agent)
            .await
            .map_err(|e| e.to_string())?;
        self.held = false;
        Ok(Effect::Continue)
    }

    async fn dtmf(&mut self, digits: &str) -> Result<Effect, String> {
        let valid = |c: char| c.is_ascii_digit() || "*#ABCD".contains(c);
        if digits.is_empty() || digits.len() > MAX_DTMF || !digits.chars().all(valid) {
            return Err(format!("DTMF must be 1 to {MAX_DTMF} of 0-9 * # A-D"));
        }
        for d in digits.chars() {
            self.media
                .send_dtmf(self.customer, d, 160)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(Effect::Continue)
    }

    async fn record_start(&mut self, deps: &CallDeps) -> Result<Effect, String> {
        if self.recording.is_some() {
            return Err("the call is being recorded already".into());
        }
        let dir = deps.recordings.join(self.tenant.to_string());
        std::fs::create_dir_all(&dir).map_err(|e| format!("recordings folder: {e}"))?;
        let path = new_file(&dir, &self.call_id);
        self.media
            .record_start(path.clone(), self.customer)
            .await
            .map_err(|e| e.to_string())?;
        self.recording = Some(path);
        Ok(Effect::Continue)
    }

    async fn recording_op(&mut self, pause: bool) -> Result<Effect, String> {
        if self.recording.is_none() {
            return Err("the call is not being recorded".into());
        }
        let done = if pause {
            self.media.record_pause().await
        } else {
            self.media.record_resume().await
        };
        done.map(|_| Effect::Continue).map_err(|e| e.to_string())
    }

    /// The customer's and the agent's media quality now, named `names`.
    pub async fn quality(&self, names: [&'static str; 2]) -> Vec<LiveQuality> {
        let mut figures = Vec::with_capacity(2);
        for (leg, id) in names.into_iter().zip([self.customer, self.agent]) {
            if let Ok(stats) = self.media.stats(id).await {
                figures.push(LiveQuality::of(leg, &stats));
            }
        }
        figures
    }

    /// Stops the recording; its metadata for the `call.recorded` event.
    pub async fn record_stop(&mut self) -> Result<Effect, String> {
        if self.recording.take().is_none() {
            return Err("the call is not being recorded".into());
        }
        let info = self.media.record_stop().await.map_err(|e| e.to_string())?;
        let paused: Vec<Value> = info
            .paused
            .iter()
            .map(|p| json!({ "start_ms": p.start_ms, "end_ms": p.end_ms }))
            .collect();
        Ok(Effect::Recorded(json!({
            "path": info.path.display().to_string(),
            "duration_ms": info.duration_ms,
            "bytes": info.bytes,
            "paused": paused,
        })))
    }
}

/// A WAV file named after the call in `dir` that does not exist yet (`<call>.wav`, else
/// `<call>-1.wav`…); the call id is reduced to letters, digits and `_`.
pub(crate) fn new_file(dir: &std::path::Path, call_id: &str) -> PathBuf {
    let name: String = call_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(80)
        .collect();
    let mut path = dir.join(format!("{name}.wav"));
    for n in 1..100 {
        if !path.exists() {
            break;
        }
        path = dir.join(format!("{name}-{n}.wav"));
    }
    path
}
