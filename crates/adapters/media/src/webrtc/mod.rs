//! WebRTC endpoints for the browser softphone (str0m): ICE-lite with one host candidate on
//! a pool port, DTLS-SRTP, RTP mode, G.711 (PCMU preferred, then PCMA), so a browser leg is
//! relayed to a plain RTP leg without decoding. With the `opus` feature a browser that offers
//! no G.711, or answers our offer (PCMU, PCMA, Opus) with Opus alone, gets an Opus leg,
//! transcoded to and from PCMU at the endpoint.
//!
//! A WebRTC endpoint is an ordinary [`crate::endpoint::Endpoint`] of the call task with a
//! [`WebRtcLeg`] attached: datagrams on its RTP socket go to str0m instead of the latch, the
//! decrypted RTP packets str0m hands back go through the endpoint's `RtpSession` (figures,
//! media timeout) and on to the peer, and what the peer relays to it (rewritten by the
//! endpoint's session: our sequence and timestamp, continuous across peers) is written to
//! str0m's RTP-mode sender, which encrypts it.

mod leg;
mod task;

pub(crate) use leg::{Io, WebRtcLeg};

use crate::EndpointId;

/// A browser's offer, for [`crate::CallMedia::add_webrtc_endpoint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebRtcSpec {
    /// A name for logs ("agent-7").
    pub label: String,
    /// The browser's SDP offer (with ICE credentials and a DTLS fingerprint).
    pub offer_sdp: String,
}

/// What [`crate::CallMedia::add_webrtc_endpoint`] allocated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebRtcInfo {
    /// The endpoint, to connect, record or remove like any other.
    pub id: EndpointId,
    /// The SDP answer for the browser (ICE-lite, one host candidate, G.711; Opus if the
    /// browser offered nothing else and the `opus` feature is on).
    pub answer_sdp: String,
}

/// What [`crate::CallMedia::add_webrtc_offer`] allocated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebRtcOffer {
    /// The endpoint; media flows once [`crate::CallMedia::accept_webrtc_answer`] applied
    /// the browser's answer.
    pub id: EndpointId,
    /// The SDP offer for the browser (audio only, PCMU then PCMA, then Opus with the `opus`
    /// feature).
    pub offer_sdp: String,
}
