//! SDP for the two legs: what the remote offered or answered, and what we send, with our
//! media server's address and ports.
//!
//! Calls are G.711 inside. With the `opus` feature, an offer whose only audio codec we can take
//! is Opus is answered with Opus, and that leg's endpoint transcodes to and from PCMU; an offer
//! that also has PCMU or PCMA is answered with G.711, as without the feature.

use std::net::{IpAddr, SocketAddr};

use sb_media::{EndpointSpec, SrtpSpec};
use sb_sdp::{LocalMedia, NegotiatedStream, SdpError, SessionDescription};

/// What a 488 (an offer we cannot answer) asks the caller for.
pub const CODECS_WE_TAKE: &str = if cfg!(feature = "opus") {
    "offer PCMU, PCMA or Opus"
} else {
    "offer PCMU or PCMA"
};

/// The first audio stream of an answer: the codec, DTMF type and remote address agreed.
pub fn first_stream(streams: &[NegotiatedStream]) -> Result<&NegotiatedStream, SdpError> {
    streams
        .iter()
        .find(|s| s.remote_port != 0)
        .ok_or(SdpError::AnswerMismatch("no audio stream was accepted"))
}

/// Our G.711 media at `ip:port`, `preferred` payload type first (so both legs can share a
/// codec and be relayed without transcoding).
pub fn local_media(ip: IpAddr, port: u16, preferred: Option<u8>) -> LocalMedia {
    let mut local = LocalMedia::g711(&ip.to_string(), port);
    if let Some(pt) = preferred {
        local.codecs.sort_by_key(|c| c.payload_type != pt);
    }
    local
}

/// What the remote's offer would be answered with (the port is filled in later): G.711 when
/// offered, else (with the `opus` feature) Opus. An RTP/SAVP offer gets a fresh SRTP master key
/// of ours (SDES, RFC 4568) in the stream's keys.
pub fn negotiate_offer(offer: &SessionDescription) -> Result<NegotiatedStream, SdpError> {
    let g711 = negotiate_with(offer, local_media(IpAddr::from([0, 0, 0, 0]), 9, None));
    #[cfg(feature = "opus")]
    let g711 = g711.or_else(|_| negotiate_with(offer, opus_media(IpAddr::from([0; 4]), 9)));
    g711
}

fn negotiate_with(
    offer: &SessionDescription,
    mut probe: LocalMedia,
) -> Result<NegotiatedStream, SdpError> {
    probe.srtp_key = Some(rand::random::<[u8; 30]>().to_vec());
    let answer = sb_sdp::answer(offer, &probe)?;
    first_stream(&answer.streams).cloned()
}

/// True when the stream agreed on Opus.
/// Whether `offer` is a browser's (DTLS-SRTP with ICE, RFC 8827) rather than plain RTP.
pub fn is_webrtc(offer: &SessionDescription) -> bool {
    offer
        .media
        .iter()
        .any(|m| m.proto.contains("SAVPF") || m.proto.contains("TLS"))
}

pub fn is_opus(stream: &NegotiatedStream) -> bool {
    stream.codec.name.eq_ignore_ascii_case("opus")
}

/// The G.711 payload type the call works in when one leg negotiated `stream`: its own, or
/// PCMU when it is an Opus leg (transcoded at its endpoint).
pub fn call_payload_type(stream: &NegotiatedStream) -> u8 {
    match is_opus(stream) {
        true => sb_media::PT_PCMU,
        false => stream.codec.payload_type,
    }
}

/// Our Opus media at `ip:port` (only for answering an offer that has no G.711): `opus/48000/2`
/// as RFC 7587 writes it, and the mono spelling some phones use.
#[cfg(feature = "opus")]
fn opus_media(ip: IpAddr, port: u16) -> LocalMedia {
    let mut local = local_media(ip, port, None);
    local.codecs = vec![
        sb_sdp::Codec::new(111, "opus", 48_000, 2),
        sb_sdp::Codec::new(111, "opus", 48_000, 1),
    ];
    local
}

/// Our media for offering to `ip:port`: `preferred` codec first, and a fresh SRTP key when the
/// peer asks for SRTP (an RTP/SAVP offer).
pub fn offer_media(ip: IpAddr, port: u16, preferred: u8, srtp: bool) -> LocalMedia {
    let mut local = local_media(ip, port, Some(preferred));
    if srtp {
        local.srtp_key = Some(rand::random::<[u8; 30]>().to_vec());
    }
    local
}

/// The leg's SRTP keys, once an answer to our offer settled them.
pub fn srtp_spec(stream: &NegotiatedStream) -> Option<SrtpSpec> {
    stream.srtp.as_ref().map(|k| SrtpSpec {
        local_key_salt: k.local_key_salt.clone(),
        remote_key_salt: k.remote_key_salt.clone(),
    })
}

/// Our media for answering an offer that negotiated `stream`: its codec first, and its SRTP
/// key when the offer was RTP/SAVP.
pub fn answer_media(ip: IpAddr, port: u16, stream: &NegotiatedStream) -> LocalMedia {
    let mut local = local_media(ip, port, Some(stream.codec.payload_type));
    if is_opus(stream) {
        local.codecs = vec![stream.codec.clone()];
    }
    local.srtp_key = stream.srtp.as_ref().map(|k| k.local_key_salt.clone());
    local
}

/// The remote RTP address of a negotiated stream (`None` for a hold address `0.0.0.0`).
pub fn remote_addr(stream: &NegotiatedStream) -> Option<SocketAddr> {
    let ip: IpAddr = stream.remote_address.parse().ok()?;
    (!ip.is_unspecified()).then_some(SocketAddr::new(ip, stream.remote_port))
}

/// The remote RTCP address (the RTP one with rtcp-mux).
pub fn remote_rtcp(stream: &NegotiatedStream) -> Option<SocketAddr> {
    let rtp = remote_addr(stream)?;
    Some(SocketAddr::new(rtp.ip(), stream.remote_rtcp_port))
}

/// The media endpoint for a leg that negotiated `stream` (or will: `stream` `None`, with G.711
/// payload type `pt`). An Opus stream makes an Opus endpoint.
pub fn endpoint_spec(label: &str, stream: Option<&NegotiatedStream>, pt: u8) -> EndpointSpec {
    let mut spec = EndpointSpec::pcmu(label, stream.and_then(remote_addr));
    spec.payload_type = pt;
    if let Some(opus) = stream.filter(|s| is_opus(s)) {
        spec.opus = true;
        spec.payload_type = opus.codec.payload_type;
    }
    spec.telephone_event_pt = stream.map_or(Some(101), |s| {
        s.telephone_event.as_ref().map(|c| c.payload_type)
    });
    spec.rtcp_mux = stream.is_some_and(|s| s.rtcp_mux);
    spec.srtp = stream.and_then(srtp_spec);
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(codecs: &str) -> SessionDescription {
        let raw = format!(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n\
             m=audio 40000 RTP/AVP {codecs} 101\r\na=rtpmap:101 telephone-event/8000\r\n"
        );
        sb_sdp::parse(&raw).expect("offer")
    }

    #[test]
    fn a_phone_offering_pcma_first_is_answered_with_pcma_and_its_address() {
        let stream = negotiate_offer(&offer("8 0")).expect("negotiated");
        assert_eq!(stream.codec.payload_type, 8);
        assert_eq!(
            remote_addr(&stream),
            Some("192.0.2.7:40000".parse().unwrap())
        );
        let spec = endpoint_spec("phone", Some(&stream), 8);
        assert_eq!(spec.telephone_event_pt, Some(101));
        assert_eq!(spec.remote, remote_addr(&stream));
    }

    #[test]
    fn an_srtp_offer_is_answered_with_our_own_key_and_the_leg_gets_both() {
        let raw = "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n\
                   m=audio 40000 RTP/SAVP 0\r\n\
                   a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";
        let offer = sb_sdp::parse(raw).expect("offer");
        let stream = negotiate_offer(&offer).expect("negotiated");
        let keys = stream.srtp.clone().expect("SRTP keys");
        assert_eq!(keys.local_key_salt.len(), 30);
        assert_ne!(keys.local_key_salt, keys.remote_key_salt);
        let spec = endpoint_spec("caller", Some(&stream), 0);
        let srtp = spec.srtp.expect("an SRTP leg");
        assert_eq!(srtp.remote_key_salt, keys.remote_key_salt);
        let local = answer_media(IpAddr::from([127, 0, 0, 1]), 10_000, &stream);
        let answer = sb_sdp::answer(&offer, &local).expect("answer");
        let text = answer.sdp.to_string();
        assert!(
            text.contains("RTP/SAVP")
                && text.contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"),
            "{text}"
        );
        let plain = negotiate_offer(&offer_plain()).expect("plain");
        assert!(plain.srtp.is_none() && endpoint_spec("c", Some(&plain), 0).srtp.is_none());
    }

    fn offer_plain() -> SessionDescription {
        offer("0")
    }

    #[test]
    fn an_offer_without_g711_cannot_be_answered() {
        assert!(negotiate_offer(&offer("18")).is_err());
    }

    fn opus_offer(formats: &str) -> SessionDescription {
        let raw = format!(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n\
             m=audio 40000 RTP/AVP {formats} 126\r\na=rtpmap:96 opus/48000/2\r\n\
             a=fmtp:96 useinbandfec=1\r\na=rtpmap:126 telephone-event/48000\r\n"
        );
        sb_sdp::parse(&raw).expect("offer")
    }

    #[cfg(not(feature = "opus"))]
    #[test]
    fn without_the_opus_feature_an_opus_only_offer_cannot_be_answered() {
        assert!(negotiate_offer(&opus_offer("96")).is_err());
    }

    #[test]
    fn pcmu_is_preferred_even_when_opus_is_offered_first() {
        let stream = negotiate_offer(&opus_offer("96 0")).expect("negotiated");
        assert_eq!(stream.codec.payload_type, 0);
        assert!(!is_opus(&stream));
        assert_eq!(call_payload_type(&stream), 0);
        assert!(!endpoint_spec("caller", Some(&stream), 0).opus);
    }

    #[cfg(feature = "opus")]
    #[test]
    fn with_the_opus_feature_an_opus_only_offer_is_answered_with_opus_and_an_opus_endpoint() {
        let offer = opus_offer("96");
        let stream = negotiate_offer(&offer).expect("negotiated");
        assert!(is_opus(&stream));
        assert_eq!(stream.codec.payload_type, 96);
        assert_eq!(
            stream.telephone_event.as_ref().map(|c| c.payload_type),
            Some(126)
        );
        assert_eq!(call_payload_type(&stream), sb_media::PT_PCMU);
        let spec = endpoint_spec("caller", Some(&stream), call_payload_type(&stream));
        assert!(spec.opus);
        assert_eq!(
            (spec.payload_type, spec.telephone_event_pt),
            (96, Some(126))
        );
        let local = answer_media(IpAddr::from([127, 0, 0, 1]), 10_000, &stream);
        let answer = sb_sdp::answer(&offer, &local)
            .expect("answer")
            .sdp
            .to_string();
        assert!(answer.contains("m=audio 10000 RTP/AVP 96 126"), "{answer}");
        assert!(answer.contains("a=rtpmap:96 opus/48000/2"), "{answer}");
        assert!(!answer.contains("PCMU"), "{answer}");
    }

    #[test]
    fn the_preferred_codec_is_offered_first() {
        let local = local_media(IpAddr::from([127, 0, 0, 1]), 10_000, Some(8));
        assert_eq!(local.codecs[0].payload_type, 8);
    }
}
