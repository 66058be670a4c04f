//! SDP model and offer/answer (RFC 4566/8866, RFC 3264).
//!
//! Contents:
//! - [`SessionDescription`] and its parts ([`MediaDescription`], [`Origin`], [`Connection`],
//!   [`Attribute`]…): [`parse`] / [`parse_bytes`] and `Display` (CRLF, RFC order).
//! - [`Codec`], [`Direction`] and typed views on media sections: rtpmap/fmtp, ptime,
//!   direction (hold), rtcp-mux, `a=rtcp`, crypto.
//! - [`Crypto`]: SDES crypto attributes (RFC 4568).
//! - [`answer`], [`offer`], [`accept_answer`]: audio offer/answer; [`LocalSdp`] keeps our
//!   origin and increments its version on every changed re-offer.
//!
//! Design note: the model keeps every line it understands and every attribute (in order), so
//! parse → print → parse is stable; unknown line types are dropped as RFC 8866 allows.
//! Negotiation is pure: ports, addresses and keys are chosen by the host and passed in.
#![forbid(unsafe_code)]

mod crypto;
mod error;
mod local;
mod media;
mod model;
mod negotiate;
mod parse;
mod print;

pub use crypto::{AES_CM_128_HMAC_SHA1_80, AES_CM_128_KEY_SALT_LEN, Crypto, KeyParams};
pub use error::SdpError;
pub use local::LocalSdp;
pub use media::{Codec, Direction};
pub use model::{
    Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription, Timing,
};
pub use negotiate::{Answer, LocalMedia, NegotiatedStream, SrtpKeys, accept_answer, answer, offer};
pub use parse::{parse, parse_bytes};
