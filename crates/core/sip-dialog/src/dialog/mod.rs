//! Dialogs (RFC 3261 § 12–14) and the extensions that live in them: reliable provisionals
//! (RFC 3262), transfer with REFER/NOTIFY and Replaces (RFC 3515, RFC 3891), session timers
//! (RFC 4028), and the UAS's 2xx retransmissions (RFC 6026).
//!
//! The dialog works on plain data (tags, URIs as strings, CSeq numbers) and produces
//! [`RequestHead`]s; turning them into messages is the caller's job.

mod ack_wait;
mod core;
mod glare;
mod prack;
mod refer;
mod session_timer;
#[cfg(test)]
mod tests;

pub use ack_wait::{AckWait, AckWaitState};
pub use core::{
    Dialog, DialogEvent, DialogId, DialogRole, DialogSeed, DialogState, RequestHead, route,
};
pub use glare::ReinviteOutcome;
pub use prack::{PrackEvent, ProvisionalTracker, ReliableProvisionals};
pub use refer::{
    ReferNotifier, ReferNotify, ReferProgress, ReferState, Replaces, parse_sipfrag, refer_progress,
    sipfrag,
};
pub use session_timer::{Negotiated, Refresher, RefresherParam, SessionTimer, SessionTimerConfig};
