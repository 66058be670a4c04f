//! [`WebRtcLeg`]: one str0m `Rtc` driven by the call task (sans-IO: datagrams and time in,
//! transmits, events and a deadline out).

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sb_audio::g711::Law;
use sb_types::Timestamp;
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, Mid, Pt};
use str0m::net::{Protocol, Receive};
use str0m::rtp::{RtpPacket, RtpWrite, SeqNo};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};
use tokio::net::UdpSocket;

use crate::MediaError;

/// Decrypted packets kept between str0m's output and the relay: more means a burst we drop.
const RECEIVED_MAX: usize = 64;
/// The deadline while str0m has nothing planned (a closed `Rtc`).
const IDLE: Duration = Duration::from_secs(3600);

/// The codecs a leg's `Rtc` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codecs {
    /// PCMU, then PCMA: relayed without decoding.
    G711,
    /// PCMU, PCMA, then Opus (our offer: the browser chooses).
    #[cfg(feature = "opus")]
    G711ThenOpus,
    /// Opus alone (answering a browser that offered no G.711).
    #[cfg(feature = "opus")]
    Opus,
}

/// The audio codec a leg negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Negotiated {
    /// PCMU or PCMA.
    G711(Law),
    /// Opus with this payload type, transcoded at the endpoint.
    #[cfg(feature = "opus")]
    Opus(u8),
}

impl Negotiated {
    /// The G.711 codec the leg has inside the call (PCMU for Opus, transcoded at the
    /// endpoint).
    pub(crate) fn law(self) -> Law {
        match self {
            Negotiated::G711(law) => law,
            #[cfg(feature = "opus")]
            Negotiated::Opus(_) => Law::Mu,
        }
    }
}

/// The str0m side of a WebRTC endpoint.
pub(crate) struct WebRtcLeg {
    rtc: Rtc,
    /// Our host candidate: where the browser sends, and the destination str0m expects.
    local: SocketAddr,
    /// Our offer, until the browser's answer arrives.
    pending: Option<SdpPendingOffer>,
    mid: Option<Mid>,
    /// The payload type we send with: the negotiated G.711 codec.
    send_pt: Option<Pt>,
    connected: bool,
    /// str0m's next deadline, as an instant and as the call task's clock.
    deadline: Instant,
    deadline_ts: Timestamp,
    /// Decrypted packets from the browser, for the call task to relay.
    pub(crate) received: VecDeque<RtpPacket>,
    /// Extended sequence number of the last packet sent (SRTP's rollover counter).
    sent_seq: Option<u64>,
}

impl fmt::Debug for WebRtcLeg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebRtcLeg")
            .field("local", &self.local)
            .field("mid", &self.mid)
            .field("send_pt", &self.send_pt)
            .field("connected", &self.connected)
            .finish_non_exhaustive()
    }
}

/// Why an offer or answer without a codec we take is refused.
const NO_CODEC: &str = if cfg!(feature = "opus") {
    "no PCMU, PCMA or Opus in common"
} else {
    "no PCMU or PCMA in common (Opus needs the opus feature)"
};

fn invalid(what: &str) -> impl FnOnce(String) -> MediaError + '_ {
    move |e| MediaError::Invalid(format!("WebRTC {what}: {e}"))
}

impl WebRtcLeg {
    /// An ICE-lite, RTP-mode `Rtc` offering or accepting `codecs`, with one host candidate
    /// at `local`.
    pub(crate) fn new(
        local: SocketAddr,
        codecs: Codecs,
        now: Timestamp,
    ) -> Result<Self, MediaError> {
        let instant = Instant::now();
        #[cfg(feature = "opus")]
        let (g711, opus) = (codecs != Codecs::Opus, codecs != Codecs::G711);
        #[cfg(not(feature = "opus"))]
        let (g711, opus) = (codecs == Codecs::G711, false);
        let mut rtc = Rtc::builder()
            .set_ice_lite(true)
            .set_rtp_mode(true)
            .clear_codecs()
            .enable_pcmu(g711, false)
            .enable_pcma(g711, false)
            .enable_opus(opus, false)
            .build(instant);
        let candidate =
            Candidate::host(local, "udp").map_err(|e| invalid("candidate")(e.to_string()))?;
        rtc.add_local_candidate(candidate);
        Ok(WebRtcLeg {
            rtc,
            local,
            pending: None,
            mid: None,
            send_pt: None,
            connected: false,
            deadline: instant,
            deadline_ts: now,
            received: VecDeque::with_capacity(RECEIVED_MAX),
            sent_seq: None,
        })
    }

    /// Accepts the browser's offer; returns our answer and the negotiated codec.
    pub(crate) fn accept_offer(
        &mut self,
        sdp: &str,
        io: &mut Io<'_>,
    ) -> Result<(String, Negotiated), MediaError> {
        let offer = SdpOffer::from_sdp_string(sdp).map_err(|e| invalid("offer")(e.to_string()))?;
        let answer = self.rtc.sdp_api().accept_offer(offer);
        self.drain(io);
        let answer = answer
            .map_err(|e| invalid("offer")(e.to_string()))?
            .to_sdp_string();
        if self.mid.is_none() {
            self.mid = audio_mid(&answer);
        }
        let codec = self.negotiated()?;
        Ok((answer, codec))
    }

    /// Makes our offer: one audio line, send and receive.
    pub(crate) fn make_offer(&mut self, io: &mut Io<'_>) -> Result<String, MediaError> {
        let mut api = self.rtc.sdp_api();
        let mid = api.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
        let applied = api.apply();
        self.drain(io);
        let (offer, pending) =
            applied.ok_or_else(|| invalid("offer")("nothing to offer".into()))?;
        self.mid = Some(mid);
        self.pending = Some(pending);
        Ok(offer.to_sdp_string())
    }

    /// Applies the browser's answer to our offer; returns the negotiated codec.
    pub(crate) fn accept_answer(
        &mut self,
        sdp: &str,
        io: &mut Io<'_>,
    ) -> Result<Negotiated, MediaError> {
        let answer =
            SdpAnswer::from_sdp_string(sdp).map_err(|e| invalid("answer")(e.to_string()))?;
        let pending = self
            .pending
            .take()
            .ok_or_else(|| invalid("answer")("no offer is pending".into()))?;
        let applied = self.rtc.sdp_api().accept_answer(pending, answer);
        self.drain(io);
        applied.map_err(|e| invalid("answer")(e.to_string()))?;
        self.negotiated()
    }

    /// The codec we send with: PCMU if the browser accepts it, else PCMA, else (with the
    /// `opus` feature) Opus.
    fn negotiated(&mut self) -> Result<Negotiated, MediaError> {
        let no_codec = || invalid("codecs")(NO_CODEC.into());
        let mid = self.mid.ok_or_else(no_codec)?;
        let pts = self.rtc.media(mid).ok_or_else(no_codec)?.remote_pts();
        for (codec, law) in [(Codec::PCMU, Law::Mu), (Codec::PCMA, Law::A)] {
            if let Some(&pt) = pts.iter().find(|&&pt| self.codec_of(pt) == Some(codec)) {
                self.send_pt = Some(pt);
                return Ok(Negotiated::G711(law));
            }
        }
        #[cfg(feature = "opus")]
        if let Some(&pt) = pts
            .iter()
            .find(|&&pt| self.codec_of(pt) == Some(Codec::Opus))
        {
            self.send_pt = Some(pt);
            return Ok(Negotiated::Opus(*pt));
        }
        Err(no_codec())
    }

    /// The codec of a negotiated payload type.
    pub(crate) fn codec_of(&self, pt: Pt) -> Option<Codec> {
        let params = self.rtc.codec_config().params();
        params.iter().find(|p| p.pt() == pt).map(|p| p.spec().codec)
    }

    /// Feeds one datagram from the socket (STUN, DTLS, SRTP, SRTCP).
    pub(crate) fn receive(&mut self, data: &[u8], from: SocketAddr, io: &mut Io<'_>) -> bool {
        let Ok(contents) = data.try_into() else {
            return false;
        };
        let receive = Receive {
            proto: Protocol::Udp,
            source: from,
            destination: self.local,
            contents,
        };
        let accepted = self
            .rtc
            .handle_input(Input::Receive(Instant::now(), receive))
            .is_ok();
        self.drain(io);
        accepted
    }

    /// Runs str0m's timers when due (ICE consent, DTLS retransmits, RTCP).
    pub(crate) fn timeout(&mut self, io: &mut Io<'_>) {
        let now = Instant::now();
        if now < self.deadline {
            return;
        }
        if self.rtc.handle_input(Input::Timeout(now)).is_err() {
            tracing::debug!("WebRTC timer on a closed connection");
        }
        self.drain(io);
    }

    /// str0m's next deadline on the call task's clock.
    pub(crate) fn deadline(&self) -> Timestamp {
        self.deadline_ts
    }

    /// True once ICE and DTLS are up (SRTP keys known).
    pub(crate) fn connected(&self) -> bool {
        self.connected && self.send_pt.is_some()
    }

    /// Sends one RTP packet (already rewritten by the endpoint's session: our sequence and
    /// timestamp) through SRTP; packets of another payload type than `audio_pt` are dropped.
    pub(crate) fn send_rtp(&mut self, packet: &[u8], audio_pt: u8, io: &mut Io<'_>) {
        let (Some(mid), Some(pt), true) = (self.mid, self.send_pt, self.connected) else {
            return;
        };
        let Some(header) = Header::parse(packet) else {
            return;
        };
        if header.payload_type != audio_pt {
            return;
        }
        let seq = self.extend_seq(header.sequence);
        let mut api = self.rtc.direct_api();
        let Some(stream) = api.stream_tx_by_mid(mid, None) else {
            return;
        };
        let payload = &packet[header.payload_offset..];
        let write = RtpWrite::new(pt, seq, header.timestamp, Instant::now(), payload);
        stream.write_rtp(write.marker(header.marker));
        self.drain(io);
    }

    /// Closes the DTLS association (the browser sees the connection end).
    pub(crate) fn close(&mut self, io: &mut Io<'_>) {
        self.rtc.disconnect();
        self.drain(io);
    }

    fn extend_seq(&mut self, seq: u16) -> SeqNo {
        let extended = match self.sent_seq {
            None => u64::from(seq),
            Some(last) => {
                let roc = last >> 16;
                let last16 = (last & 0xffff) as u16;
                let forward = seq.wrapping_sub(last16) < 0x8000;
                let roc = match (forward, seq < last16) {
                    (true, true) => roc + 1,
                    (false, false) => roc.saturating_sub(1),
                    _ => roc,
                };
                (roc << 16) | u64::from(seq)
            }
        };
        if self.sent_seq.is_none_or(|last| extended > last) {
            self.sent_seq = Some(extended);
        }
        extended.into()
    }

    /// Polls str0m until its next deadline: transmits go out on the socket, events are kept.
    fn drain(&mut self, io: &mut Io<'_>) {
        loop {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(at)) => {
                    self.set_deadline(at, io.now);
                    return;
                }
                Ok(Output::Transmit(t)) => {
                    if io.socket.try_send_to(&t.contents, t.destination).is_err() {
                        *io.send_failed += 1;
                    }
                }
                Ok(Output::Event(event)) => self.event(event),
                Err(e) => {
                    tracing::debug!("WebRTC connection ended: {e}");
                    self.connected = false;
                    self.set_deadline(Instant::now() + IDLE, io.now);
                    return;
                }
            }
        }
    }

    fn set_deadline(&mut self, at: Instant, now: Timestamp) {
        let instant = Instant::now();
        self.deadline = at;
        self.deadline_ts = now + at.saturating_duration_since(instant);
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::RtpPacket(packet) if self.received.len() < RECEIVED_MAX => {
                self.received.push_back(packet);
            }
            Event::MediaAdded(added) if added.kind == MediaKind::Audio && self.mid.is_none() => {
                self.mid = Some(added.mid);
            }
            Event::Connected => self.connected = true,
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) | Event::Closed => {
                self.connected = false;
            }
            _ => {}
        }
    }
}

/// The mid of the first audio line of an SDP.
fn audio_mid(sdp: &str) -> Option<Mid> {
    let audio = &sdp[sdp.find("m=audio")?..];
    let line = audio.lines().find_map(|l| l.strip_prefix("a=mid:"))?;
    Some(Mid::from(line.trim()))
}

/// What str0m's outputs need from the endpoint: its socket, its counter, the time.
pub(crate) struct Io<'a> {
    pub(crate) socket: &'a UdpSocket,
    pub(crate) send_failed: &'a mut u64,
    pub(crate) now: Timestamp,
}

/// The fields of an RTP header the sender needs.
struct Header {
    payload_type: u8,
    marker: bool,
    sequence: u16,
    timestamp: u32,
    payload_offset: usize,
}

impl Header {
    fn parse(packet: &[u8]) -> Option<Header> {
        let fixed: &[u8; 12] = packet.get(..12)?.try_into().ok()?;
        let csrc = usize::from(fixed[0] & 0x0f);
        let mut offset = 12 + 4 * csrc;
        if fixed[0] & 0x10 != 0 {
            let words = packet.get(offset + 2..offset + 4)?;
            offset += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
        }
        if offset > packet.len() {
            return None;
        }
        Some(Header {
            payload_type: fixed[1] & 0x7f,
            marker: fixed[1] & 0x80 != 0,
            sequence: u16::from_be_bytes([fixed[2], fixed[3]]),
            timestamp: u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]),
            payload_offset: offset,
        })
    }
}

/// Writes `packet` as plain RTP into `buf` with payload type `pt`; returns its length
/// (0 when it does not fit).
pub(crate) fn write_plain(buf: &mut [u8], packet: &RtpPacket, pt: u8) -> usize {
    let len = 12 + packet.payload.len();
    let Some(out) = buf.get_mut(..len) else {
        return 0;
    };
    let h = &packet.header;
    out[0] = 0x80;
    out[1] = pt & 0x7f | if h.marker { 0x80 } else { 0 };
    out[2..4].copy_from_slice(&h.sequence_number.to_be_bytes());
    out[4..8].copy_from_slice(&h.timestamp.to_be_bytes());
    out[8..12].copy_from_slice(&h.ssrc.to_be_bytes());
    out[12..].copy_from_slice(&packet.payload);
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_extension_counts_wraps_and_tolerates_reordering() {
        let now = Timestamp::from_millis(0);
        let local = "127.0.0.1:9".parse().expect("address");
        let mut leg = WebRtcLeg::new(local, Codecs::G711, now).expect("leg");
        assert_eq!(*leg.extend_seq(65534), 65534);
        assert_eq!(*leg.extend_seq(65535), 65535);
        assert_eq!(*leg.extend_seq(0), 65536);
        assert_eq!(
            *leg.extend_seq(65535),
            65535,
            "late packet from before the wrap"
        );
        assert_eq!(*leg.extend_seq(1), 65537);
    }

    #[test]
    fn header_parse_skips_csrcs_and_extensions() {
        let mut p = vec![0x80 | 0x10 | 1, 0x80 | 8, 0, 7, 0, 0, 0, 160, 1, 2, 3, 4];
        p.extend_from_slice(&[9, 9, 9, 9]); // one CSRC
        p.extend_from_slice(&[0xbe, 0xde, 0, 1, 5, 5, 5, 5]); // one extension word
        p.extend_from_slice(&[0xaa; 160]);
        let h = Header::parse(&p).expect("valid header");
        assert_eq!(
            (h.payload_type, h.marker, h.sequence, h.timestamp),
            (8, true, 7, 160)
        );
        assert_eq!(h.payload_offset, 12 + 4 + 8);
        assert!(Header::parse(&p[..14]).is_none());
    }
}
