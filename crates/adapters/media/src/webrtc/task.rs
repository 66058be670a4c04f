//! How the call task opens WebRTC endpoints and serves their datagrams and timers.

use std::net::{IpAddr, SocketAddr};

use sb_audio::PartyId;
use sb_audio::g711::Law;
use sb_rtp::Arrival;
use sb_types::Timestamp;

use super::leg::{Codecs, Io, Negotiated, WebRtcLeg, write_plain};
use super::{WebRtcInfo, WebRtcOffer, WebRtcSpec};
use crate::call::{CallTask, Datagram};
use crate::endpoint::Endpoint;
use crate::{EndpointId, EndpointSpec, MediaError, MediaEvent, PT_PCMA, PT_PCMU};

impl CallTask {
    /// Opens a WebRTC endpoint answering the browser's offer: with G.711 when the browser
    /// offers it, else (with the `opus` feature) with Opus, transcoded at the endpoint.
    pub(crate) fn add_webrtc(
        &mut self,
        spec: WebRtcSpec,
        now: Timestamp,
    ) -> Result<WebRtcInfo, MediaError> {
        let answered = self.answer_webrtc(&spec, Codecs::G711, now);
        #[cfg(feature = "opus")]
        let answered = answered.or_else(|_| self.answer_webrtc(&spec, Codecs::Opus, now));
        answered
    }

    /// A WebRTC endpoint taking `codecs` that answers the offer (removed again on failure).
    fn answer_webrtc(
        &mut self,
        spec: &WebRtcSpec,
        codecs: Codecs,
        now: Timestamp,
    ) -> Result<WebRtcInfo, MediaError> {
        let index = self.open_webrtc(&spec.label, codecs, now)?;
        let ep = &mut self.endpoints[index];
        let (leg, mut io) = webrtc_parts(ep, now)?;
        let negotiated = leg.accept_offer(&spec.offer_sdp, &mut io);
        let id = ep.id;
        let answered = negotiated.and_then(|(answer_sdp, codec)| {
            set_codec(ep, codec)?;
            Ok(WebRtcInfo { id, answer_sdp })
        });
        if answered.is_err() {
            self.endpoints.swap_remove(index);
        }
        answered
    }

    /// Opens a WebRTC endpoint with our offer (a call to a browser).
    pub(crate) fn add_webrtc_offer(
        &mut self,
        label: &str,
        now: Timestamp,
    ) -> Result<WebRtcOffer, MediaError> {
        #[cfg(feature = "opus")]
        let codecs = Codecs::G711ThenOpus;
        #[cfg(not(feature = "opus"))]
        let codecs = Codecs::G711;
        let index = self.open_webrtc(label, codecs, now)?;
        let ep = &mut self.endpoints[index];
        let (leg, mut io) = webrtc_parts(ep, now)?;
        let offer = leg.make_offer(&mut io);
        let id = ep.id;
        match offer {
            Ok(offer_sdp) => Ok(WebRtcOffer { id, offer_sdp }),
            Err(e) => {
                self.endpoints.swap_remove(index);
                Err(e)
            }
        }
    }

    /// Applies the browser's answer to the offer of endpoint `id`.
    pub(crate) fn accept_webrtc_answer(
        &mut self,
        id: EndpointId,
        answer_sdp: &str,
        now: Timestamp,
    ) -> Result<(), MediaError> {
        let i = self.index(id)?;
        let ep = &mut self.endpoints[i];
        let (leg, mut io) = webrtc_parts(ep, now)?;
        let codec = leg.accept_answer(answer_sdp, &mut io)?;
        set_codec(ep, codec)
    }

    /// A plain endpoint (ports, admission, RTP session) with a str0m leg on its RTP port.
    fn open_webrtc(
        &mut self,
        label: &str,
        codecs: Codecs,
        now: Timestamp,
    ) -> Result<usize, MediaError> {
        let permit = self.shared.admission.admit(self.endpoints.is_empty())?;
        let ports = self.shared.pool.allocate()?;
        let id = self.shared.next_endpoint_id();
        let party = PartyId(self.next_party);
        self.next_party = self.next_party.wrapping_add(1);
        let spec = EndpointSpec {
            label: label.to_owned(),
            payload_type: PT_PCMU,
            opus: false,
            telephone_event_pt: None,
            remote: None,
            rtcp_mux: true,
            srtp: None,
        };
        let config = &self.shared.config;
        let mut ep = Endpoint::new(id, party, spec, config, ports, permit, now)?;
        let host = SocketAddr::new(advertised_ip(config.bind_ip)?, ep.local.port());
        ep.webrtc = Some(Box::new(WebRtcLeg::new(host, codecs, now)?));
        self.endpoints.push(ep);
        self.refresh_audio_collection();
        Ok(self.endpoints.len() - 1)
    }

    /// A datagram on a WebRTC endpoint's port: to str0m, then the decrypted RTP it yields
    /// through the endpoint's session and on to the peer.
    pub(crate) fn webrtc_datagram(&mut self, d: Datagram, now: Timestamp) {
        let ep = &mut self.endpoints[d.index];
        let Ok((leg, mut io)) = webrtc_parts(ep, now) else {
            return;
        };
        if !leg.receive(&self.buf[..d.len], d.from, &mut io) {
            ep.counters.malformed_dropped += 1;
        }
        self.webrtc_received(d.index, d.from, now);
    }

    fn webrtc_received(&mut self, index: usize, from: SocketAddr, now: Timestamp) {
        loop {
            let ep = &mut self.endpoints[index];
            let Some(leg) = ep.webrtc.as_deref_mut() else {
                return;
            };
            let Some(packet) = leg.received.pop_front() else {
                return;
            };
            let law_pt = match leg.codec_of(packet.header.payload_type) {
                Some(str0m::format::Codec::PCMU) if ep.law == Law::Mu => ep.payload_type,
                Some(str0m::format::Codec::PCMA) if ep.law == Law::A => ep.payload_type,
                _ => *packet.header.payload_type,
            };
            let len = write_plain(&mut self.buf, &packet, law_pt);
            let Some(len) = ep.received_from_wire(&mut self.buf, len, false) else {
                continue;
            };
            let Ok(received) = ep.session.handle_rtp(now, &self.buf[..len]) else {
                ep.counters.malformed_dropped += 1;
                continue;
            };
            if ep.latch.latched().is_none() {
                ep.latch.latch(from);
                let endpoint = ep.id;
                self.emit(MediaEvent::Latched {
                    endpoint,
                    source: from,
                });
            }
            let ep = &mut self.endpoints[index];
            let audio = received.header.payload_type == ep.payload_type
                && matches!(received.arrival, Arrival::InOrder | Arrival::Reordered);
            if audio {
                ep.collect(&self.buf[received.payload.clone()]);
                self.relay(index, len, received.payload, now);
            }
        }
    }

    /// Runs the due str0m timers.
    pub(crate) fn webrtc_timeouts(&mut self, now: Timestamp) {
        for ep in &mut self.endpoints {
            if ep.webrtc.as_ref().is_some_and(|leg| leg.deadline() <= now)
                && let Ok((leg, mut io)) = webrtc_parts(ep, now)
            {
                leg.timeout(&mut io);
            }
        }
    }
}

/// The endpoint's str0m leg and what its outputs need.
pub(crate) fn webrtc_parts(
    ep: &mut Endpoint,
    now: Timestamp,
) -> Result<(&mut WebRtcLeg, Io<'_>), MediaError> {
    let id = ep.id;
    let (leg, socket, send_failed) = ep.webrtc_split();
    let leg = leg.ok_or_else(|| MediaError::Invalid(format!("{id} is not a WebRTC endpoint")))?;
    let io = Io {
        socket,
        send_failed,
        now,
    };
    Ok((leg, io))
}

/// The address of our host candidate: the bind address, or with an unspecified bind the
/// address of the interface the default route uses (found by `connect` on a UDP socket,
/// which sends nothing).
fn advertised_ip(bind: IpAddr) -> Result<IpAddr, MediaError> {
    if !bind.is_unspecified() {
        return Ok(bind);
    }
    let probe = |target: &str| {
        let socket = std::net::UdpSocket::bind((bind, 0))?;
        socket.connect(target)?;
        socket.local_addr().map(|a| a.ip())
    };
    let target = if bind.is_ipv4() {
        "192.0.2.1:9"
    } else {
        "[2001:db8::1]:9"
    };
    probe(target).map_err(|e| {
        MediaError::Config(format!(
            "no address to advertise for WebRTC (bind {bind}): {e}"
        ))
    })
}

/// Sets the endpoint to the codec its browser agreed: G.711 as is, or Opus transcoded to
/// and from PCMU at the endpoint.
fn set_codec(ep: &mut Endpoint, codec: Negotiated) -> Result<(), MediaError> {
    #[cfg(feature = "opus")]
    if let Negotiated::Opus(pt) = codec {
        let leg = crate::opus::OpusLeg::new(pt, None, Law::Mu, PT_PCMU)?;
        ep.opus = Some(Box::new(leg));
    }
    ep.law = codec.law();
    ep.payload_type = match ep.law {
        Law::Mu => PT_PCMU,
        Law::A => PT_PCMA,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_address_is_advertised_as_is_and_an_unspecified_one_is_resolved() {
        let lo: IpAddr = "127.0.0.1".parse().expect("ip");
        assert_eq!(advertised_ip(lo).ok(), Some(lo));
        let any: IpAddr = "0.0.0.0".parse().expect("ip");
        if let Ok(ip) = advertised_ip(any) {
            assert!(!ip.is_unspecified(), "{ip}");
        }
    }
}
