//! SDP for the two legs: what the remote offered or answered, and what we send, with our
//! media server's address and ports.

use std::net::{IpAddr, SocketAddr};

use sb_media::{EndpointSpec, SrtpSpec};
use sb_sdp::{LocalMedia, NegotiatedStream, SdpError, SessionDescription};

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

/// What the remote's offer would be answered with (the port is filled in later). An RTP/SAVP
/// offer gets a fresh SRTP master key of ours (SDES, RFC 4568) in the stream's keys.
pub fn negotiate_offer(offer: &SessionDescription) -> Result<NegotiatedStream, SdpError> {
    let mut probe = local_media(IpAddr::from([0, 0, 0, 0]), 9, None);
    probe.srtp_key = Some(rand::random::<[u8; 30]>().to_vec());
    let answer = sb_sdp::answer(offer, &probe)?;
    first_stream(&answer.streams).cloned()
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

/// The media endpoint for a leg that negotiated `stream` (or will: `stream` `None`).
pub fn endpoint_spec(label: &str, stream: Option<&NegotiatedStream>, pt: u8) -> EndpointSpec {
    let mut spec = EndpointSpec::pcmu(label, stream.and_then(remote_addr));
    spec.payload_type = pt;
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

    #[test]
    fn the_preferred_codec_is_offered_first() {
        let local = local_media(IpAddr::from([127, 0, 0, 1]), 10_000, Some(8));
        assert_eq!(local.codecs[0].payload_type, 8);
    }
}
