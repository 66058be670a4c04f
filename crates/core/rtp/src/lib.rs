//! RTP/RTCP sessions, quality figures, RFC 4733 DTMF, jitter buffer.
//!
//! Contents:
//! - [`RtpPacket`], [`rewrite_header`], [`classify`]: RTP packets (RFC 3550 § 5).
//! - [`rtcp`]: SR, RR, SDES, BYE and compound packets (RFC 3550 § 6).
//! - [`RtpSession`]: the per-leg session — reception statistics, the outgoing stream kept
//!   continuous across source changes, RTCP generation and parsing, DTMF in and out, and
//!   [`LegQuality`] (loss, jitter, RTT, E-model MOS).
//! - [`telephone_event`]: RFC 4733 payloads, receiver and sender plan.
//! - [`emodel`]: ITU-T G.107 rating and MOS.
//! - [`JitterBuffer`]: reorder, drop late, fill gaps, adaptive depth.
//! - [`srtp`]: SDES-SRTP protection with AES_CM_128_HMAC_SHA1_80 (RFC 3711).
//!
//! Design note: nothing here reads the clock or touches a socket. The host passes `now` (wall
//! clock, ms) with every input, sends what `poll_transmit` yields and calls `handle_timeout` at
//! the `poll_timeout` deadline. Arrival times are in ms, so jitter is measured to ±1 ms.
#![forbid(unsafe_code)]

mod bytes;
pub mod emodel;
mod error;
mod jitter;
mod ntp;
mod outgoing;
mod packet;
mod quality;
mod reception;
mod rng;
pub mod rtcp;
mod session;
pub mod srtp;
pub mod telephone_event;

pub use error::RtpError;
pub use jitter::{JitterBuffer, JitterConfig, Playout};
pub use ntp::{compact, compact_to_ms, ntp_time};
pub use outgoing::OutHeader;
pub use packet::{PacketKind, RtpExtension, RtpHeader, RtpPacket, classify, rewrite_header};
pub use quality::LegQuality;
pub use reception::Arrival;
/// The time types the API takes (re-exported for hosts and fuzz targets).
pub use sb_types::{Duration, Timestamp};
pub use session::{
    HELD_MEDIA_TIMEOUT, Received, RtpSession, SessionConfig, SessionEvent, Transmit,
};
