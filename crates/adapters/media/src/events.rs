//! What the media plane reports to call control.

use std::net::SocketAddr;

use crate::EndpointId;

/// An event of a call's media, received from the channel [`crate::MediaServer::open_call`]
/// returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaEvent {
    /// The remote sent a DTMF digit (RFC 4733).
    Dtmf {
        /// The endpoint it came in on.
        endpoint: EndpointId,
        /// `0-9`, `*`, `#`, `A-D`.
        digit: char,
    },
    /// No RTP arrived for the media timeout: call control should end the call with this
    /// reason.
    Timeout {
        /// The silent endpoint.
        endpoint: EndpointId,
    },
    /// The endpoint latched on its remote source (symmetric RTP: we send there from now on).
    Latched {
        /// The endpoint.
        endpoint: EndpointId,
        /// The source address.
        source: SocketAddr,
    },
    /// The caller being recorded for a message ([`crate::CallMedia::record_message`]) started
    /// (`talking`) or stopped talking.
    Talk {
        /// The recorded endpoint.
        endpoint: EndpointId,
        /// True when speech started, false after a pause in it.
        talking: bool,
    },
    /// A prompt played with `looped = false` reached its end.
    PlayFinished {
        /// The endpoint that heard it.
        endpoint: EndpointId,
    },
}
