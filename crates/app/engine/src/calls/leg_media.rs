//! The media of a leg we place towards an agent or a number: a plain RTP endpoint offered with
//! our SDP, or, for a browser softphone (registered over WebSocket), a WebRTC endpoint offered
//! with the media server's SDP (ICE-lite, DTLS-SRTP); and applying the answer to it.

use std::net::SocketAddr;

use sb_media::{CallMedia, EndpointId};

use super::deps::CallDeps;
use super::ring::{AnsweredMedia, LegOffer};
use super::sdp;

/// Opens the endpoint of a new leg labelled `label` towards `peer` (the phone's signalling
/// address) and writes its offer; `None` when the media server has no room.
pub async fn open(
    deps: &CallDeps,
    call: &CallMedia,
    label: &str,
    payload_type: u8,
    peer: SocketAddr,
    webrtc: bool,
    srtp: bool,
) -> Option<(EndpointId, LegOffer)> {
    if webrtc {
        let offer = call.add_webrtc_offer(label).await.ok()?;
        return Some((offer.id, LegOffer::WebRtc(offer.offer_sdp)));
    }
    let spec = sdp::endpoint_spec(label, None, payload_type);
    let info = call.add_endpoint(spec).await.ok()?;
    let ip = deps.local_ip_towards(peer);
    let local = sdp::offer_media(ip, info.local.port(), payload_type, srtp);
    Some((info.id, LegOffer::Rtp(Box::new(sb_sdp::offer(&local)))))
}

/// Points `endpoint` at what the answer agreed: the phone's RTP address, or the browser's
/// DTLS fingerprint and ICE credentials. `false` when the answer is unusable.
pub async fn apply_answer(call: &CallMedia, endpoint: EndpointId, media: &AnsweredMedia) -> bool {
    match media {
        AnsweredMedia::Rtp(stream) => {
            let Some(rtp) = sdp::remote_addr(stream) else {
                return false;
            };
            let rtcp = sdp::remote_rtcp(stream);
            if let Some(keys) = sdp::srtp_spec(stream)
                && call.set_srtp(endpoint, keys).await.is_err()
            {
                return false;
            }
            call.set_remote(endpoint, rtp, rtcp).await.is_ok()
        }
        AnsweredMedia::Line => true,
        AnsweredMedia::WebRtc(answer) => match call.accept_webrtc_answer(endpoint, answer).await {
            Ok(()) => true,
            Err(e) => {
                tracing::info!(error = %e, "the browser's SDP answer was refused");
                false
            }
        },
    }
}
