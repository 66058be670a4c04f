//! The packet path: latching, RTCP termination, and relaying to the peer — rewritten in place
//! when both legs use the same codec, decoded and re-encoded (PCMU <-> PCMA) otherwise.

use std::ops::Range;

use sb_rtp::telephone_event::event_to_char;
use sb_rtp::{Arrival, PacketKind, SessionEvent, classify};
use sb_types::Timestamp;

use crate::call::{CallTask, Datagram};
use crate::endpoint::Sock;
use crate::latch::Source;
use crate::{MediaEvent, endpoint::Endpoint};

impl CallTask {
    /// Handles one received datagram.
    pub(crate) fn datagram(&mut self, mut d: Datagram, now: Timestamp) {
        if self.endpoints[d.index].webrtc.is_some() {
            self.webrtc_datagram(d, now);
            self.after_session(d.index, now);
            return;
        }
        let kind = classify(&self.buf[..d.len]);
        if matches!(kind, PacketKind::Rtp | PacketKind::Rtcp) {
            let rtcp = kind == PacketKind::Rtcp;
            match self.endpoints[d.index].unprotect(&mut self.buf, d.len, rtcp) {
                Some(len) => d.len = len,
                None => {
                    self.endpoints[d.index].counters.malformed_dropped += 1;
                    return;
                }
            }
        }
        match (d.sock, kind) {
            (Sock::Rtp, PacketKind::Rtp) => self.rtp(d, now),
            (_, PacketKind::Rtcp) => self.rtcp(d, now),
            _ => self.endpoints[d.index].counters.malformed_dropped += 1,
        }
        self.after_session(d.index, now);
    }

    fn rtp(&mut self, d: Datagram, now: Timestamp) {
        let ep = &mut self.endpoints[d.index];
        let source = ep.latch.check(d.from);
        if source == Source::Foreign {
            ep.counters.bleed_dropped += 1;
            return;
        }
        let Some(len) = ep.received_from_wire(&mut self.buf, d.len, false) else {
            return;
        };
        let Ok(received) = ep.session.handle_rtp(now, &self.buf[..len]) else {
            ep.counters.malformed_dropped += 1;
            return;
        };
        if source == Source::New {
            ep.latch.latch(d.from);
            let (endpoint, source) = (ep.id, d.from);
            self.emit(MediaEvent::Latched { endpoint, source });
        }
        let ep = &mut self.endpoints[d.index];
        let audio = !received.telephone_event
            && received.header.payload_type == ep.payload_type
            && matches!(received.arrival, Arrival::InOrder | Arrival::Reordered);
        if audio {
            ep.collect(&self.buf[received.payload.clone()]);
            self.relay(d.index, len, received.payload, now);
        }
    }

    /// Sends a received audio packet on to the peer, unless a prompt, tone or DTMF replaces
    /// what the peer hears.
    pub(crate) fn relay(&mut self, from: usize, len: usize, payload: Range<usize>, now: Timestamp) {
        let (law, peer) = {
            let ep = &self.endpoints[from];
            (ep.law, ep.peer)
        };
        let Some(to) = peer.and_then(|id| self.index(id).ok()) else {
            return;
        };
        let peer = &mut self.endpoints[to];
        if peer.hears_local() || !peer.can_send() {
            return;
        }
        if peer.law == law {
            let packet = &mut self.buf[..len];
            if peer.session.forward(now, packet).is_ok() {
                peer.send_rtp(packet);
            }
            return;
        }
        self.payload.clear();
        let target = peer.law;
        let codes = self.buf[payload].iter();
        let transcoded = codes.map(|&c| target.encode(law.decode(c)));
        self.payload.extend(transcoded);
        send_local(peer, &self.payload, &mut self.packet, now);
    }

    fn rtcp(&mut self, d: Datagram, now: Timestamp) {
        let ep = &mut self.endpoints[d.index];
        let admitted = match d.sock {
            Sock::Rtp => ep.latch.check(d.from) != Source::Foreign,
            Sock::Rtcp => ep.latch.admit_rtcp(d.from),
        };
        if !admitted {
            ep.counters.bleed_dropped += 1;
            return;
        }
        let Some(len) = ep.received_from_wire(&mut self.buf, d.len, true) else {
            return;
        };
        if ep.session.handle_rtcp(now, &self.buf[..len]).is_err() {
            ep.counters.malformed_dropped += 1;
        }
    }

    /// Sends what the endpoint's session queued and reports its events.
    pub(crate) fn after_session(&mut self, index: usize, now: Timestamp) {
        while let Some(event) = self.endpoints[index].session.poll_event() {
            self.session_event(index, event, now);
        }
        self.endpoints[index].send_transmits();
    }

    fn session_event(&mut self, index: usize, event: SessionEvent, now: Timestamp) {
        let ep = &mut self.endpoints[index];
        let endpoint = ep.id;
        match event {
            SessionEvent::Dtmf(d) => {
                if let Some(digit) = event_to_char(d.event) {
                    self.emit(MediaEvent::Dtmf { endpoint, digit });
                }
            }
            SessionEvent::MediaTimeout => self.emit(MediaEvent::Timeout { endpoint }),
            SessionEvent::SsrcCollision => {
                // RFC 3550 § 8.2: the first collision changes our SSRC; the same (latched)
                // source colliding again is a loop, e.g. a peer echoing our packets back, and
                // changing again would only break the stream it hears.
                if ep.counters.ssrc_collisions == 0
                    && let Err(e) = ep.session.change_local_ssrc(now, rand::random())
                {
                    tracing::warn!(%endpoint, "SSRC change: {e}");
                }
                ep.counters.ssrc_collisions += 1;
            }
            SessionEvent::RemoteSource { ssrc, previous } => {
                tracing::debug!(%endpoint, label = %ep.label, ssrc, ?previous, "remote source");
            }
            SessionEvent::Bye { ssrc, reason } => {
                tracing::debug!(%endpoint, label = %ep.label, ssrc, ?reason, "RTCP BYE");
            }
        }
    }
}

/// Sends locally produced audio (transcoded, mixed, a prompt, a tone) to `ep` as RTP.
pub(crate) fn send_local(ep: &mut Endpoint, payload: &[u8], packet: &mut Vec<u8>, now: Timestamp) {
    packet.clear();
    let samples = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    let sent = ep
        .session
        .send_media(now, ep.payload_type, payload, samples, packet);
    if sent.is_ok() {
        ep.send_rtp(packet);
    }
}
