//! The in-process media server (DESIGN.md § 4 "Calls").
//!
//! Contents:
//! - [`MediaServer`] with [`MediaConfig`]: the port pool ([`PortPool`]), admission control
//!   (endpoints, and the runtime's lateness for new calls: `lag`), and
//!   [`MediaServer::open_call`], which starts a call's task.
//! - [`CallMedia`]: the handle of one call — endpoints ([`EndpointSpec`], [`EndpointInfo`],
//!   [`EndpointStats`]), relay, conference, prompts, recording, DTMF out, and lending an
//!   endpoint to another call (`lend`: an agent's persistent line joins each call they take).
//! - [`WebRtcSpec`], [`WebRtcInfo`], [`WebRtcOffer`]: WebRTC legs for the browser softphone
//!   (str0m: ICE-lite, DTLS-SRTP, G.711 relayed without decoding; Opus when the browser takes
//!   nothing else and the `opus` feature is on).
//! - With the `opus` feature, Opus legs (`EndpointSpec::opus`, or a browser that chose Opus):
//!   transcoded to and from PCMU at the endpoint (`opus` module), so the rest of the call is
//!   G.711.
//! - [`MediaEvent`]: DTMF in, media timeout, latching, end of a prompt, the caller's talk while
//!   a message records.
//! - [`MediaError`]: the crate's error.
//! - [`recorder`]: crash-safe WAV recordings: calls in stereo (caller left, agent right),
//!   messages (voicemail) in mono.
//! - [`player`]: prompts decoded once to 8 kHz frames, played once or looped (music on hold).
//!
//! Design note: each call is one tokio task that owns all of the call's sockets and
//! `sb_rtp::RtpSession`s (one owner per core object, no locks on the packet path); handles
//! talk to it by channel. A relayed packet is rewritten in place by the peer leg's session
//! (`forward`: our SSRC, continuous sequence and timestamp across transfers) and sent at
//! once. Decoding happens only where needed: PCMU <-> PCMA transcoding (per packet), Opus legs
//! (per packet, at the endpoint's boundary, in and out), and a
//! 20 ms tick — run only while mixing, playing, sending tones or recording — that feeds the
//! `sb_audio::Mixer`, prompts and the recorder (file IO on a few writer threads per server).
//! Each leg latches on its first acceptable source (strict source learning, symmetric RTP)
//! and drops and counts every other source; RTCP is terminated per leg. The clock is read
//! only here, in the driver, and handed to the sans-IO cores as `sb_types::Timestamp`.
#![forbid(unsafe_code)]

mod admission;
mod call;
mod clock;
mod commands;
mod config;
mod endpoint;
mod error;
mod events;
mod handle;
mod lag;
mod latch;
mod lend;
mod mix;
#[cfg(feature = "opus")]
mod opus;
pub mod player;
mod ports;
pub mod recorder;
mod recording;
mod relay;
mod server;
mod spec;
mod webrtc;

pub use config::MediaConfig;
pub use error::MediaError;
pub use events::MediaEvent;
pub use handle::CallMedia;
pub use ports::{PortLease, PortPair, PortPool};
pub use server::{MediaEvents, MediaServer};
pub use spec::{EndpointId, EndpointInfo, EndpointSpec, EndpointStats, PT_PCMA, PT_PCMU, SrtpSpec};
pub use webrtc::{WebRtcInfo, WebRtcOffer, WebRtcSpec};
