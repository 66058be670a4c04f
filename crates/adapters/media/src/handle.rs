//! [`CallMedia`]: the handle call control holds for one call's media.

use std::net::SocketAddr;
use std::path::PathBuf;

use tokio::sync::{mpsc, oneshot};

use crate::commands::{Command, Reply};
use crate::player::Prompt;
use crate::recorder::{Layout, RecordingInfo};
use crate::webrtc::{WebRtcInfo, WebRtcOffer, WebRtcSpec};
use crate::{EndpointId, EndpointInfo, EndpointSpec, EndpointStats, MediaError};

/// The media of one call. Each method is a request to the call's task; all fail with
/// [`MediaError::CallClosed`] once the call is closed. Cheap to clone; the call closes when
/// the last handle is dropped.
#[derive(Debug, Clone)]
pub struct CallMedia {
    commands: mpsc::Sender<Command>,
}

impl CallMedia {
    pub(crate) fn new(commands: mpsc::Sender<Command>) -> Self {
        CallMedia { commands }
    }

    async fn request<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, MediaError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(make(reply))
            .await
            .map_err(|_| MediaError::CallClosed)?;
        answer.await.map_err(|_| MediaError::CallClosed)?
    }

    /// Opens a leg: binds an RTP/RTCP port pair (admission control first).
    pub async fn add_endpoint(&self, spec: EndpointSpec) -> Result<EndpointInfo, MediaError> {
        self.request(|r| Command::AddEndpoint(spec, r)).await
    }

    /// Opens a WebRTC leg answering a browser's offer (ICE-lite, DTLS-SRTP, PCMU or PCMA):
    /// relayed like any other endpoint once connected.
    pub async fn add_webrtc_endpoint(&self, spec: WebRtcSpec) -> Result<WebRtcInfo, MediaError> {
        self.request(|r| Command::AddWebRtc(spec, r)).await
    }

    /// Opens a WebRTC leg with our offer, for a call to a browser; media flows after
    /// [`CallMedia::accept_webrtc_answer`].
    pub async fn add_webrtc_offer(&self, label: &str) -> Result<WebRtcOffer, MediaError> {
        let label = label.to_owned();
        self.request(|r| Command::AddWebRtcOffer(label, r)).await
    }

    /// Applies the browser's answer to the offer of WebRTC leg `id`.
    pub async fn accept_webrtc_answer(
        &self,
        id: EndpointId,
        answer_sdp: &str,
    ) -> Result<(), MediaError> {
        let sdp = answer_sdp.to_owned();
        self.request(|r| Command::AcceptWebRtcAnswer(id, sdp, r))
            .await
    }

    /// New remote addresses from SDP (answer, re-INVITE); the leg latches afresh.
    pub async fn set_remote(
        &self,
        id: EndpointId,
        rtp: SocketAddr,
        rtcp: Option<SocketAddr>,
    ) -> Result<(), MediaError> {
        self.request(|r| Command::SetRemote(id, rtp, rtcp, r)).await
    }

    /// Whether `id`'s peer sends media, as its SDP says: a peer on hold (`recvonly`,
    /// `inactive`) is allowed to stay silent for [`sb_rtp::HELD_MEDIA_TIMEOUT`] (from its last
    /// RTP or RTCP packet) before [`crate::MediaEvent::Timeout`]; when it sends again the
    /// ordinary media timeout counts from now.
    pub async fn expect_media(&self, id: EndpointId, expected: bool) -> Result<(), MediaError> {
        self.request(|r| Command::ExpectMedia(id, expected, r))
            .await
    }

    /// Makes `id` an SRTP leg with these keys (when the answer to our RTP/SAVP offer arrives;
    /// a leg made from an SAVP offer gets its keys in its [`crate::EndpointSpec`]).
    pub async fn set_srtp(&self, id: EndpointId, spec: crate::SrtpSpec) -> Result<(), MediaError> {
        self.request(|r| Command::SetSrtp(id, Box::new(spec), r))
            .await
    }

    /// Relays `a` and `b` both ways, replacing any previous peer of either (a transfer swaps
    /// the agent while the caller keeps hearing one continuous stream).
    pub async fn connect(&self, a: EndpointId, b: EndpointId) -> Result<(), MediaError> {
        self.request(|r| Command::Connect(a, b, r)).await
    }

    /// Stops relaying to and from `id` (and takes it out of the conference).
    pub async fn disconnect(&self, id: EndpointId) -> Result<(), MediaError> {
        self.request(|r| Command::Disconnect(id, r)).await
    }

    /// Mixes `ids` together, each hearing all the others; an empty list ends the conference.
    pub async fn conference(&self, ids: Vec<EndpointId>) -> Result<(), MediaError> {
        self.request(|r| Command::Conference(ids, r)).await
    }

    /// Plays a prompt (or music on hold, `looped`) to `id`, replacing what it hears meanwhile.
    pub async fn play(
        &self,
        id: EndpointId,
        prompt: Prompt,
        looped: bool,
    ) -> Result<(), MediaError> {
        self.request(|r| Command::Play(id, prompt, looped, r)).await
    }

    /// Stops the prompt playing to `id`.
    pub async fn stop_play(&self, id: EndpointId) -> Result<(), MediaError> {
        self.request(|r| Command::StopPlay(id, r)).await
    }

    /// Records the call to a new stereo WAV file: `caller` on the left channel, every other
    /// party mixed on the right (the agent; after a transfer the next agent; in a conference
    /// all of them), so the recording follows transfers without being restarted.
    pub async fn record_start(&self, path: PathBuf, caller: EndpointId) -> Result<(), MediaError> {
        self.request(|r| Command::RecordStart(path, caller, Layout::Stereo, r))
            .await
    }

    /// Records a message (voicemail) to a new mono WAV file: `caller` alone. While it records,
    /// the caller's speech is reported as [`crate::MediaEvent::Talk`] (for the end of a message
    /// on silence). Stop it with [`record_stop`](CallMedia::record_stop).
    pub async fn record_message(
        &self,
        path: PathBuf,
        caller: EndpointId,
    ) -> Result<(), MediaError> {
        self.request(|r| Command::RecordStart(path, caller, Layout::Mono, r))
            .await
    }

    /// Writes silence from now on (card payment).
    pub async fn record_pause(&self) -> Result<(), MediaError> {
        self.request(Command::RecordPause).await
    }

    /// Writes the call audio again.
    pub async fn record_resume(&self) -> Result<(), MediaError> {
        self.request(Command::RecordResume).await
    }

    /// Finishes the recording.
    pub async fn record_stop(&self) -> Result<RecordingInfo, MediaError> {
        self.request(Command::RecordStop).await
    }

    /// Sends a DTMF digit to `id`: RFC 4733 if negotiated, in-band tones otherwise.
    pub async fn send_dtmf(
        &self,
        id: EndpointId,
        digit: char,
        duration_ms: u32,
    ) -> Result<(), MediaError> {
        self.request(|r| Command::SendDtmf(id, digit, duration_ms, r))
            .await
    }

    /// Counters and quality of `id`.
    pub async fn stats(&self, id: EndpointId) -> Result<EndpointStats, MediaError> {
        self.request(|r| Command::Stats(id, r)).await
    }

    /// Closes a leg (RTCP BYE) and frees its ports; returns its final figures.
    pub async fn remove_endpoint(&self, id: EndpointId) -> Result<EndpointStats, MediaError> {
        self.request(|r| Command::Remove(id, r)).await
    }

    /// Lends endpoint `id` of this call to the call of `to`: it moves there whole (sockets, RTP
    /// session, WebRTC association; same id) and is relayed, mixed or recorded there like that
    /// call's own legs. It comes back here when `to` removes it or closes (an agent's
    /// persistent line between calls). Fails when `id` is not this call's own, or either call
    /// is closed (the endpoint then stays, or comes back, here).
    pub async fn lend(&self, id: EndpointId, to: &CallMedia) -> Result<(), MediaError> {
        crate::lend::lend(&self.commands, id, &to.commands).await
    }

    /// Closes every leg and ends the call's task.
    pub async fn close(&self) -> Result<(), MediaError> {
        self.request(Command::Close).await
    }
}
