//! One leg inside a call task: its sockets, its RTP session, its latch and what it hears.

use std::collections::VecDeque;
use std::net::SocketAddr;

use sb_audio::g711::Law;
use sb_audio::{FRAME_SAMPLES, Frame, PartyId, ToneGenerator};
use sb_rtp::srtp::SrtpContext;
use sb_rtp::{PacketKind, RtpSession, SessionConfig, Transmit};
use sb_types::Timestamp;
use tokio::net::UdpSocket;

use crate::admission::Permit;
use crate::latch::Latch;
use crate::player::Playback;
use crate::ports::{PortLease, PortPair};
use crate::webrtc::WebRtcLeg;
use crate::{EndpointId, EndpointSpec, EndpointStats, MediaConfig, MediaError};
use crate::{PT_PCMA, PT_PCMU};

/// Decoded audio kept for mixing and recording: 100 ms at most.
const INBOX_MAX: usize = 5 * FRAME_SAMPLES;

/// Which socket of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sock {
    /// The RTP port (also RTCP with rtcp-mux).
    Rtp,
    /// The RTCP port.
    Rtcp,
}

/// Drop counters.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counters {
    pub(crate) bleed_dropped: u64,
    pub(crate) malformed_dropped: u64,
    pub(crate) send_failed: u64,
    pub(crate) undecodable: u64,
    /// Packets that carried our own SSRC (a collision, then a loop).
    pub(crate) ssrc_collisions: u64,
}

#[cfg(feature = "opus")]
impl Counters {
    /// Counts a packet the Opus boundary refused: undecodable audio, or not RTP/RTCP at all.
    fn refused(&mut self, refused: crate::opus::Refused) {
        match refused {
            crate::opus::Refused::Codec => self.undecodable += 1,
            crate::opus::Refused::Malformed => self.malformed_dropped += 1,
        }
    }
}

/// A leg of a call, owned by the call task.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) id: EndpointId,
    pub(crate) label: String,
    pub(crate) party: PartyId,
    pub(crate) law: Law,
    pub(crate) payload_type: u8,
    pub(crate) rtcp_mux: bool,
    pub(crate) local: SocketAddr,
    rtp: UdpSocket,
    rtcp: UdpSocket,
    pub(crate) session: RtpSession,
    pub(crate) latch: Latch,
    pub(crate) counters: Counters,
    /// The endpoint this one is relayed with (both ways).
    pub(crate) peer: Option<EndpointId>,
    /// Member of the call's conference mixer.
    pub(crate) in_conference: bool,
    /// A prompt or music on hold replacing what the endpoint hears.
    pub(crate) playback: Option<Playback>,
    /// In-band DTMF tones to send (no telephone-event negotiated).
    pub(crate) tones: VecDeque<ToneGenerator>,
    /// Decoded received audio, collected while mixed or recorded.
    pub(crate) inbox: Option<VecDeque<i16>>,
    /// What the endpoint said during the current tick.
    pub(crate) said: Option<Frame>,
    /// The str0m side of a WebRTC endpoint (ICE, DTLS-SRTP on the RTP port).
    pub(crate) webrtc: Option<Box<WebRtcLeg>>,
    /// SDES-SRTP contexts of an RTP/SAVP leg.
    pub(crate) srtp: Option<Box<Srtp>>,
    /// The Opus boundary of a leg that speaks Opus on the wire.
    #[cfg(feature = "opus")]
    pub(crate) opus: Option<Box<crate::opus::OpusLeg>>,
    /// The call that lent this endpoint to the call holding it now (`lend`).
    pub(crate) home: Option<tokio::sync::mpsc::WeakSender<crate::commands::Command>>,
    _lease: PortLease,
    _permit: Permit,
}

/// The SRTP contexts of a leg: one protects what we send, the other checks and decrypts what
/// we receive.
pub(crate) struct Srtp {
    send: SrtpContext,
    recv: SrtpContext,
}

impl std::fmt::Debug for Srtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Srtp { .. }")
    }
}

impl Srtp {
    fn new(spec: &crate::SrtpSpec) -> Result<Self, MediaError> {
        let context = |key: &[u8]| {
            SrtpContext::new(key).map_err(|e| MediaError::Invalid(format!("SRTP key: {e}")))
        };
        Ok(Srtp {
            send: context(&spec.local_key_salt)?,
            recv: context(&spec.remote_key_salt)?,
        })
    }
}

/// The codec of a G.711 payload type.
pub(crate) fn law_of(payload_type: u8) -> Result<Law, MediaError> {
    match payload_type {
        PT_PCMU => Ok(Law::Mu),
        PT_PCMA => Ok(Law::A),
        other => Err(MediaError::Invalid(format!(
            "payload type {other} is not PCMU (0) or PCMA (8)"
        ))),
    }
}

/// The G.711 codec and payload type the leg has inside the call: its own, or PCMU for an
/// Opus leg (transcoded at the boundary).
fn inner_codec(spec: &EndpointSpec) -> Result<(Law, u8), MediaError> {
    if !spec.opus {
        return Ok((law_of(spec.payload_type)?, spec.payload_type));
    }
    if cfg!(feature = "opus") {
        Ok((Law::Mu, PT_PCMU))
    } else {
        Err(MediaError::Invalid(
            "an Opus leg needs Switchboard built with the opus feature".into(),
        ))
    }
}

/// The Opus boundary of an Opus leg.
#[cfg(feature = "opus")]
fn opus_leg(spec: &EndpointSpec) -> Result<Option<Box<crate::opus::OpusLeg>>, MediaError> {
    if !spec.opus {
        return Ok(None);
    }
    let leg =
        crate::opus::OpusLeg::new(spec.payload_type, spec.telephone_event_pt, Law::Mu, PT_PCMU)?;
    Ok(Some(Box::new(leg)))
}

impl Endpoint {
    /// Builds the endpoint on bound sockets (must run inside the tokio runtime).
    pub(crate) fn new(
        id: EndpointId,
        party: PartyId,
        spec: EndpointSpec,
        config: &MediaConfig,
        ports: PortPair,
        permit: Permit,
        now: Timestamp,
    ) -> Result<Self, MediaError> {
        let (law, payload_type) = inner_codec(&spec)?;
        #[cfg(feature = "opus")]
        let opus = opus_leg(&spec)?;
        let local = SocketAddr::new(config.bind_ip, ports.lease.port());
        let socket_error = |source| MediaError::Socket {
            addr: local,
            source,
        };
        let rtp = UdpSocket::from_std(ports.rtp).map_err(socket_error)?;
        let rtcp = UdpSocket::from_std(ports.rtcp).map_err(socket_error)?;
        let session = RtpSession::new(session_config(id, &spec, config), now);
        let srtp = spec.srtp.as_ref().map(Srtp::new).transpose()?.map(Box::new);
        Ok(Endpoint {
            id,
            label: spec.label,
            party,
            law,
            payload_type,
            #[cfg(feature = "opus")]
            opus,
            rtcp_mux: spec.rtcp_mux,
            local,
            rtp,
            rtcp,
            session,
            latch: Latch::new(spec.remote, None),
            counters: Counters::default(),
            peer: None,
            in_conference: false,
            playback: None,
            tones: VecDeque::new(),
            inbox: None,
            said: None,
            webrtc: None,
            srtp,
            home: None,
            _lease: ports.lease,
            _permit: permit,
        })
    }

    /// One of the endpoint's sockets.
    pub(crate) fn socket(&self, sock: Sock) -> &UdpSocket {
        match sock {
            Sock::Rtp => &self.rtp,
            Sock::Rtcp => &self.rtcp,
        }
    }

    /// Counters and quality for [`crate::CallMedia::stats`].
    pub(crate) fn stats(&self) -> EndpointStats {
        EndpointStats {
            quality: self.session.quality(),
            bleed_dropped: self.counters.bleed_dropped,
            malformed_dropped: self.counters.malformed_dropped,
            send_failed: self.counters.send_failed,
            undecodable: self.counters.undecodable,
            latched: self.latch.latched(),
        }
    }

    /// True while something local replaces what the endpoint hears from its peer.
    pub(crate) fn hears_local(&self) -> bool {
        self.playback.is_some() || !self.tones.is_empty() || self.session.sending_dtmf()
    }

    /// Sends an RTP datagram to the remote (dropped and counted when no address is known or
    /// the socket buffer is full), as Opus on an Opus leg.
    pub(crate) fn send_rtp(&mut self, data: &[u8]) {
        #[cfg(feature = "opus")]
        if let Some(mut opus) = self.opus.take() {
            match opus.outbound(data) {
                Ok(()) => self.send_wire(&opus.out, opus.pt),
                Err(_) => self.counters.send_failed += 1,
            }
            self.opus = Some(opus);
            return;
        }
        self.send_wire(data, self.payload_type);
    }

    /// Turns a received Opus packet of an Opus leg in `buf` into the G.711 packet the call
    /// works with, or its RTCP (`rtcp`) to the 8 kHz clock: the new length. `None` when it
    /// could not be converted (counted: an Opus payload libopus refused is a lost packet).
    /// Other legs' packets stay as they are.
    pub(crate) fn received_from_wire(
        &mut self,
        buf: &mut [u8],
        len: usize,
        rtcp: bool,
    ) -> Option<usize> {
        #[cfg(feature = "opus")]
        if let Some(opus) = self.opus.as_deref_mut() {
            let out = match opus.received(&buf[..len], rtcp) {
                Ok(out) => out,
                Err(refused) => {
                    self.counters.refused(refused);
                    return None;
                }
            };
            buf.get_mut(..out.len())?.copy_from_slice(out);
            return Some(out.len());
        }
        #[cfg(not(feature = "opus"))]
        let _ = (buf, rtcp); // only Opus legs convert
        Some(len)
    }

    /// Sends an RTP datagram as it is on the wire, its audio as `audio_pt`.
    fn send_wire(&mut self, data: &[u8], audio_pt: u8) {
        if let Some(leg) = self.webrtc.as_deref_mut() {
            let mut io = crate::webrtc::Io {
                socket: &self.rtp,
                send_failed: &mut self.counters.send_failed,
                now: crate::clock::now(),
            };
            leg.send_rtp(data, audio_pt, &mut io);
            return;
        }
        let Some(to) = self.latch.rtp_target() else {
            return;
        };
        let protected;
        let data = match self.protect(data, false) {
            Ok(Some(p)) => {
                protected = p;
                &protected[..]
            }
            Ok(None) => data,
            Err(()) => return,
        };
        if self.rtp.try_send_to(data, to).is_err() {
            self.counters.send_failed += 1;
        }
    }

    /// Makes the leg SRTP with `spec`'s keys from now on (an answer to our SAVP offer came).
    pub(crate) fn set_srtp(&mut self, spec: &crate::SrtpSpec) -> Result<(), MediaError> {
        self.srtp = Some(Box::new(Srtp::new(spec)?));
        Ok(())
    }

    /// An SRTP leg's packet protected for sending (`None` on a plain leg); a packet that
    /// cannot be protected is counted as a send failure.
    fn protect(&mut self, data: &[u8], rtcp: bool) -> Result<Option<Vec<u8>>, ()> {
        let Some(srtp) = self.srtp.as_deref_mut() else {
            return Ok(None);
        };
        let protected = if rtcp {
            srtp.send.protect_rtcp(data)
        } else {
            srtp.send.protect_rtp(data)
        };
        protected
            .map(Some)
            .map_err(|_| self.counters.send_failed += 1)
    }

    /// Checks and decrypts a received SRTP or SRTCP packet of an RTP/SAVP leg in place (its
    /// new length); `None` when it fails authentication or replays an earlier one. A leg
    /// without SRTP keeps its packets as they are.
    pub(crate) fn unprotect(&mut self, buf: &mut [u8], len: usize, rtcp: bool) -> Option<usize> {
        let Some(srtp) = self.srtp.as_deref_mut() else {
            return Some(len);
        };
        let packet = &buf[..len];
        let clear = if rtcp {
            srtp.recv.unprotect_rtcp(packet)
        } else {
            srtp.recv.unprotect_rtp(packet)
        }
        .ok()?;
        buf.get_mut(..clear.len())?.copy_from_slice(&clear);
        Some(clear.len())
    }

    /// Sends what the RTP session queued (DTMF packets, RTCP reports).
    pub(crate) fn send_transmits(&mut self) {
        while let Some(Transmit { kind, data }) = self.session.poll_transmit() {
            match kind {
                PacketKind::Rtcp => self.send_rtcp(&data),
                _ => self.send_rtp(&data),
            }
        }
    }

    fn send_rtcp(&mut self, data: &[u8]) {
        if self.webrtc.is_some() {
            return; // str0m sends the WebRTC leg's RTCP, encrypted
        }
        #[cfg(feature = "opus")]
        if let Some(mut opus) = self.opus.take() {
            match opus.rtcp_outbound(data) {
                Ok(()) => self.send_rtcp_wire(&opus.out),
                Err(_) => self.counters.send_failed += 1,
            }
            self.opus = Some(opus);
            return;
        }
        self.send_rtcp_wire(data);
    }

    /// Sends an RTCP datagram as it is on the wire.
    fn send_rtcp_wire(&mut self, data: &[u8]) {
        let Some(to) = self.latch.rtcp_target(self.rtcp_mux) else {
            return;
        };
        let protected;
        let data = match self.protect(data, true) {
            Ok(Some(p)) => {
                protected = p;
                &protected[..]
            }
            Ok(None) => data,
            Err(()) => return,
        };
        let socket = if self.rtcp_mux { &self.rtp } else { &self.rtcp };
        if socket.try_send_to(data, to).is_err() {
            self.counters.send_failed += 1;
        }
    }

    /// True when relayed audio can go out: a known remote, or an established WebRTC leg.
    pub(crate) fn can_send(&self) -> bool {
        match self.webrtc.as_deref() {
            Some(leg) => leg.connected(),
            None => self.latch.rtp_target().is_some(),
        }
    }

    /// The earliest deadline of the endpoint's RTP session and WebRTC leg.
    pub(crate) fn deadline(&self) -> Option<Timestamp> {
        let webrtc = self.webrtc.as_deref().map(WebRtcLeg::deadline);
        match (self.session.poll_timeout(), webrtc) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The WebRTC leg (if any), the RTP socket and the send-failure counter, borrowed apart.
    pub(crate) fn webrtc_split(&mut self) -> (Option<&mut WebRtcLeg>, &UdpSocket, &mut u64) {
        let leg = self.webrtc.as_deref_mut();
        (leg, &self.rtp, &mut self.counters.send_failed)
    }

    /// Ends the WebRTC leg's DTLS association, if any.
    pub(crate) fn close_webrtc(&mut self) {
        if let Some(leg) = self.webrtc.as_deref_mut() {
            let mut io = crate::webrtc::Io {
                socket: &self.rtp,
                send_failed: &mut self.counters.send_failed,
                now: crate::clock::now(),
            };
            leg.close(&mut io);
        }
    }

    /// Forgets what the endpoint did in the call it leaves: its peer, the conference, prompts,
    /// tones and collected audio (the wire side, RTP session and latch stay).
    pub(crate) fn leave_call(&mut self) {
        self.peer = None;
        self.in_conference = false;
        self.playback = None;
        self.tones.clear();
        self.inbox = None;
        self.said = None;
    }

    /// Ends the leg: RTCP BYE, the DTLS association closed; dropping it frees its ports.
    pub(crate) fn close(&mut self, now: Timestamp, reason: &str) {
        let _ = self.session.close(now, reason);
        self.send_transmits();
        self.close_webrtc();
    }

    /// Starts or stops collecting decoded audio.
    pub(crate) fn collect_audio(&mut self, on: bool) {
        match (on, self.inbox.is_some()) {
            (true, false) => self.inbox = Some(VecDeque::with_capacity(INBOX_MAX)),
            (false, true) => self.inbox = None,
            _ => {}
        }
    }

    /// Decodes a received payload into the inbox, if audio is being collected.
    pub(crate) fn collect(&mut self, payload: &[u8]) {
        let Some(inbox) = self.inbox.as_mut() else {
            return;
        };
        inbox.extend(payload.iter().map(|&code| self.law.decode(code)));
        let excess = inbox.len().saturating_sub(INBOX_MAX);
        inbox.drain(..excess);
    }

    /// Takes one frame of received audio into `said` (none when less than a frame is
    /// buffered).
    pub(crate) fn take_said(&mut self) {
        self.said = None;
        let Some(inbox) = self.inbox.as_mut().filter(|i| i.len() >= FRAME_SAMPLES) else {
            return;
        };
        let mut frame = [0; FRAME_SAMPLES];
        for (slot, sample) in frame.iter_mut().zip(inbox.drain(..FRAME_SAMPLES)) {
            *slot = sample;
        }
        self.said = Some(frame);
    }
}

fn session_config(id: EndpointId, spec: &EndpointSpec, config: &MediaConfig) -> SessionConfig {
    let cname = format!("switchboard-{}", id.0);
    let mut session = SessionConfig::g711(rand::random(), &cname, rand::random());
    session.telephone_event_pt = spec.telephone_event_pt;
    session.media_timeout = Some(config.media_timeout);
    session
}
