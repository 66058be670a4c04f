//! The public description of an endpoint: what the caller asks for and what it gets back.

use std::fmt;
use std::net::SocketAddr;

use sb_rtp::LegQuality;

/// Names an endpoint, unique in the [`crate::MediaServer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndpointId(pub u64);

impl fmt::Display for EndpointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ep-{}", self.0)
    }
}

/// Payload type of PCMU (G.711 µ-law).
pub const PT_PCMU: u8 = 0;
/// Payload type of PCMA (G.711 A-law).
pub const PT_PCMA: u8 = 8;

/// What one leg negotiated in SDP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointSpec {
    /// A name for logs ("caller", "agent-1").
    pub label: String,
    /// The audio payload type on the wire: [`PT_PCMU`], [`PT_PCMA`], or with `opus` the
    /// dynamic type SDP gave Opus.
    pub payload_type: u8,
    /// The leg speaks Opus (RTP clock 48 kHz) as `payload_type`; the endpoint transcodes it
    /// to and from PCMU at its boundary, so the rest of the call stays G.711. Needs the
    /// crate's `opus` feature: without it such a spec is refused.
    pub opus: bool,
    /// The negotiated telephone-event payload type; `None` sends DTMF as in-band tones.
    pub telephone_event_pt: Option<u8>,
    /// The remote RTP address from SDP, if known yet. Packets are accepted only from its IP
    /// (any port, for NAT); `None` latches on the first source at all.
    pub remote: Option<SocketAddr>,
    /// RTCP multiplexed on the RTP port (RFC 5761).
    pub rtcp_mux: bool,
    /// SDES-SRTP keys (RFC 4568, AES_CM_128_HMAC_SHA1_80) when the leg is RTP/SAVP.
    pub srtp: Option<SrtpSpec>,
}

/// The master keys of an SRTP leg: each 16 bytes of key then 14 of salt.
#[derive(Clone, PartialEq, Eq)]
pub struct SrtpSpec {
    /// Ours: protects what we send.
    pub local_key_salt: Vec<u8>,
    /// The peer's: unprotects what we receive.
    pub remote_key_salt: Vec<u8>,
}

impl std::fmt::Debug for SrtpSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SrtpSpec { .. }") // keys stay out of logs
    }
}

impl EndpointSpec {
    /// A PCMU leg with telephone-event 101, RTCP on its own port.
    pub fn pcmu(label: &str, remote: Option<SocketAddr>) -> Self {
        EndpointSpec {
            label: label.to_owned(),
            payload_type: PT_PCMU,
            opus: false,
            telephone_event_pt: Some(101),
            remote,
            rtcp_mux: false,
            srtp: None,
        }
    }
}

impl EndpointSpec {
    /// An Opus leg with payload type `payload_type` (telephone-event, if any, at 48 kHz).
    pub fn opus(label: &str, remote: Option<SocketAddr>, payload_type: u8) -> Self {
        EndpointSpec {
            payload_type,
            opus: true,
            telephone_event_pt: None,
            ..EndpointSpec::pcmu(label, remote)
        }
    }
}

/// What [`crate::CallMedia::add_endpoint`] allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointInfo {
    /// The endpoint.
    pub id: EndpointId,
    /// Its local RTP address (RTCP is one port above unless muxed). With an unspecified
    /// bind address the IP is `0.0.0.0`: SDP must advertise the host's address instead.
    pub local: SocketAddr,
}

/// Counters of one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointStats {
    /// Reception and sending figures from the leg's RTP session.
    pub quality: LegQuality,
    /// Packets from a source other than the latched one (or a foreign IP before latching).
    pub bleed_dropped: u64,
    /// Datagrams that were not valid RTP/RTCP (garbage, short, wrong version).
    pub malformed_dropped: u64,
    /// Packets we could not send (no room in the socket buffer, or audio an Opus leg could
    /// not encode).
    pub send_failed: u64,
    /// Opus packets libopus could not decode: dropped, so the leg's figures count them as
    /// lost (always 0 on G.711 legs).
    pub undecodable: u64,
    /// The source the endpoint latched on, once media arrived.
    pub latched: Option<SocketAddr>,
}
