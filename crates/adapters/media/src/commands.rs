//! The requests a [`crate::CallMedia`] handle sends to its call task, and how the task
//! serves them.

use std::net::SocketAddr;
use std::path::PathBuf;

use sb_audio::{MixMode, PartyId, ToneGenerator, ToneSpec};
use sb_rtp::telephone_event::char_to_event;
use sb_types::Timestamp;
use tokio::sync::oneshot;

use crate::call::CallTask;
use crate::endpoint::Endpoint;
use crate::player::{Playback, Prompt};
use crate::recorder::{Layout, RecordingInfo};
use crate::recording::Recording;
use crate::webrtc::{WebRtcInfo, WebRtcOffer, WebRtcSpec};
use crate::{EndpointId, EndpointInfo, EndpointSpec, EndpointStats, MediaError};

/// Where a request's answer goes.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, MediaError>>;

/// Level of in-band DTMF tones, per frequency (dBm0).
const DTMF_LEVEL_DBM0: f64 = -8.0;
/// Silence after an in-band DTMF tone.
const DTMF_PAUSE_MS: u32 = 60;
/// Volume field of RFC 4733 events we send (−10 dBm0).
const DTMF_VOLUME: u8 = 10;

/// A request to the call task.
#[derive(Debug)]
pub(crate) enum Command {
    AddEndpoint(EndpointSpec, Reply<EndpointInfo>),
    AddWebRtc(WebRtcSpec, Reply<WebRtcInfo>),
    AddWebRtcOffer(String, Reply<WebRtcOffer>),
    AcceptWebRtcAnswer(EndpointId, String, Reply<()>),
    SetRemote(EndpointId, SocketAddr, Option<SocketAddr>, Reply<()>),
    SetSrtp(EndpointId, Box<crate::SrtpSpec>, Reply<()>),
    ExpectMedia(EndpointId, bool, Reply<()>),
    Connect(EndpointId, EndpointId, Reply<()>),
    Disconnect(EndpointId, Reply<()>),
    Conference(Vec<EndpointId>, Reply<()>),
    Play(EndpointId, Prompt, bool, Reply<()>),
    StopPlay(EndpointId, Reply<()>),
    RecordStart(PathBuf, EndpointId, Layout, Reply<()>),
    RecordPause(Reply<()>),
    RecordResume(Reply<()>),
    RecordStop(Reply<RecordingInfo>),
    SendDtmf(EndpointId, char, u32, Reply<()>),
    Stats(EndpointId, Reply<EndpointStats>),
    Remove(EndpointId, Reply<EndpointStats>),
    Close(Reply<()>),
    /// Lend an endpoint: it leaves this call, to come back to the sender given.
    Release(
        EndpointId,
        tokio::sync::mpsc::WeakSender<Command>,
        Reply<Box<Endpoint>>,
    ),
    /// An endpoint lent to this call.
    Borrow(Box<Endpoint>, Reply<()>),
    /// A lent endpoint coming home.
    Return(Box<Endpoint>),
}

impl CallTask {
    /// Serves one request; `false` when the call is closed.
    pub(crate) fn command(&mut self, cmd: Command, now: Timestamp) -> bool {
        match cmd {
            Command::AddEndpoint(spec, r) => answer(r, self.add(spec, now)),
            Command::AddWebRtc(spec, r) => answer(r, self.add_webrtc(spec, now)),
            Command::AddWebRtcOffer(label, r) => answer(r, self.add_webrtc_offer(&label, now)),
            Command::AcceptWebRtcAnswer(id, sdp, r) => {
                answer(r, self.accept_webrtc_answer(id, &sdp, now));
            }
            Command::SetRemote(id, rtp, rtcp, r) => answer(r, self.set_remote(id, rtp, rtcp)),
            Command::SetSrtp(id, spec, r) => answer(r, self.set_srtp(id, &spec)),
            Command::ExpectMedia(id, expected, r) => {
                let i = self.index(id);
                answer(
                    r,
                    i.map(|i| self.endpoints[i].session.expect_media(expected, now)),
                );
            }
            Command::Connect(a, b, r) => answer(r, self.connect(a, b)),
            Command::Disconnect(id, r) => answer(r, self.disconnect(id)),
            Command::Conference(ids, r) => answer(r, self.conference(&ids)),
            Command::Play(id, prompt, looped, r) => answer(r, self.play(id, prompt, looped)),
            Command::StopPlay(id, r) => answer(r, self.stop_play(id)),
            Command::RecordStart(path, caller, layout, r) => {
                self.record_start(path, caller, layout, r);
            }
            Command::RecordPause(r) => answer(r, self.recording_mut().map(Recording::pause)),
            Command::RecordResume(r) => answer(r, self.recording_mut().map(Recording::resume)),
            Command::RecordStop(r) => self.record_stop(r),
            Command::SendDtmf(id, digit, ms, r) => answer(r, self.send_dtmf(id, digit, ms, now)),
            Command::Stats(id, r) => answer(r, self.index(id).map(|i| self.endpoints[i].stats())),
            Command::Remove(id, r) => answer(r, self.remove(id, now)),
            Command::Close(r) => {
                self.shutdown(now);
                let _ = r.send(Ok(()));
                return false;
            }
            Command::Release(id, home, r) => answer(r, self.release(id, home)),
            Command::Borrow(ep, r) => {
                self.take_in(ep, false);
                answer(r, Ok(()));
            }
            Command::Return(ep) => self.take_in(ep, true),
        }
        true
    }

    fn add(&mut self, spec: EndpointSpec, now: Timestamp) -> Result<EndpointInfo, MediaError> {
        let permit = self.shared.admission.admit(self.endpoints.is_empty())?;
        let ports = self.shared.pool.allocate()?;
        let id = self.shared.next_endpoint_id();
        let party = PartyId(self.next_party);
        self.next_party = self.next_party.wrapping_add(1);
        let ep = Endpoint::new(id, party, spec, &self.shared.config, ports, permit, now)?;
        let local = ep.local;
        self.endpoints.push(ep);
        self.refresh_audio_collection();
        Ok(EndpointInfo { id, local })
    }

    fn set_remote(
        &mut self,
        id: EndpointId,
        rtp: SocketAddr,
        rtcp: Option<SocketAddr>,
    ) -> Result<(), MediaError> {
        let i = self.index(id)?;
        self.endpoints[i].latch.reset(Some(rtp), rtcp);
        Ok(())
    }

    fn set_srtp(&mut self, id: EndpointId, spec: &crate::SrtpSpec) -> Result<(), MediaError> {
        let i = self.index(id)?;
        self.endpoints[i].set_srtp(spec)
    }

    fn connect(&mut self, a: EndpointId, b: EndpointId) -> Result<(), MediaError> {
        if a == b {
            return Err(MediaError::Invalid(format!("{a} connected to itself")));
        }
        let (ia, ib) = (self.index(a)?, self.index(b)?);
        self.detach(ia);
        self.detach(ib);
        self.endpoints[ia].peer = Some(b);
        self.endpoints[ib].peer = Some(a);
        Ok(())
    }

    fn disconnect(&mut self, id: EndpointId) -> Result<(), MediaError> {
        let i = self.index(id)?;
        self.detach(i);
        Ok(())
    }

    /// Takes endpoint `i` out of its relay pair and out of the conference.
    pub(crate) fn detach(&mut self, i: usize) {
        if let Some(peer) = self.endpoints[i].peer.take()
            && let Ok(p) = self.index(peer)
        {
            self.endpoints[p].peer = None;
        }
        if self.endpoints[i].in_conference {
            self.endpoints[i].in_conference = false;
            let _ = self.mixer.remove(self.endpoints[i].party);
        }
        self.refresh_audio_collection();
    }

    /// Makes `ids` the conference (an empty list ends it).
    fn conference(&mut self, ids: &[EndpointId]) -> Result<(), MediaError> {
        let members = ids
            .iter()
            .map(|&id| self.index(id))
            .collect::<Result<Vec<_>, _>>()?;
        for i in 0..self.endpoints.len() {
            if self.endpoints[i].in_conference || members.contains(&i) {
                self.detach(i);
            }
        }
        for i in members {
            let ep = &mut self.endpoints[i];
            if !ep.in_conference && self.mixer.add(ep.party, MixMode::Full).is_ok() {
                ep.in_conference = true;
            }
        }
        self.refresh_audio_collection();
        Ok(())
    }

    /// Decoded audio is collected only from endpoints being mixed, or from all while recording.
    pub(crate) fn refresh_audio_collection(&mut self) {
        let recording = self.recording.is_some();
        for ep in &mut self.endpoints {
            let on = ep.in_conference || recording;
            ep.collect_audio(on);
        }
    }

    fn play(&mut self, id: EndpointId, prompt: Prompt, looped: bool) -> Result<(), MediaError> {
        let i = self.index(id)?;
        self.endpoints[i].playback = Some(Playback::new(prompt, looped));
        Ok(())
    }

    fn stop_play(&mut self, id: EndpointId) -> Result<(), MediaError> {
        let i = self.index(id)?;
        self.endpoints[i].playback = None;
        Ok(())
    }

    fn record_start(
        &mut self,
        path: PathBuf,
        caller: EndpointId,
        layout: Layout,
        reply: Reply<()>,
    ) {
        if let Err(e) = self.index(caller) {
            let _ = reply.send(Err(e));
            return;
        }
        if let Some(previous) = self.recording.take() {
            previous.abandon();
        }
        let recording = self.shared.recorders.start(path, caller, layout, reply);
        self.recording = Some(recording);
        self.refresh_audio_collection();
    }

    fn recording_mut(&mut self) -> Result<&mut Recording, MediaError> {
        self.recording.as_mut().ok_or(MediaError::NotRecording)
    }

    fn record_stop(&mut self, reply: Reply<RecordingInfo>) {
        match self.recording.take() {
            Some(recording) => recording.stop(reply),
            None => {
                let _ = reply.send(Err(MediaError::NotRecording));
            }
        }
        self.refresh_audio_collection();
    }

    fn send_dtmf(
        &mut self,
        id: EndpointId,
        digit: char,
        duration_ms: u32,
        now: Timestamp,
    ) -> Result<(), MediaError> {
        let i = self.index(id)?;
        let invalid = || MediaError::Invalid(format!("{digit:?} is not a DTMF digit"));
        let event = char_to_event(digit).ok_or_else(invalid)?;
        let duration_ms = duration_ms.clamp(40, 5000);
        let ep = &mut self.endpoints[i];
        let by_rtp = ep
            .session
            .send_dtmf(now, event, duration_ms, DTMF_VOLUME)
            .map_err(|e| MediaError::Invalid(format!("DTMF: {e}")))?;
        if by_rtp {
            self.after_session(i, now);
            return Ok(());
        }
        let spec = ToneSpec::dtmf(digit, duration_ms, DTMF_PAUSE_MS, DTMF_LEVEL_DBM0);
        let tone = spec
            .and_then(|s| ToneGenerator::new(s).ok())
            .ok_or_else(invalid)?;
        ep.tones.push_back(tone);
        Ok(())
    }

    /// Closes the endpoint, or sends it home when it was lent to this call.
    fn remove(&mut self, id: EndpointId, now: Timestamp) -> Result<EndpointStats, MediaError> {
        let i = self.index(id)?;
        let stats = self.endpoints[i].stats();
        if self.send_home(i, now) {
            return Ok(stats);
        }
        self.detach(i);
        let mut ep = self.endpoints.swap_remove(i);
        ep.close(now, "leg removed");
        Ok(stats)
    }
}

fn answer<T>(reply: Reply<T>, result: Result<T, MediaError>) {
    let _ = reply.send(result);
}
