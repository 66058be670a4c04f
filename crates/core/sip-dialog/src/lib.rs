//! SIP transactions, dialogs, digest authentication and registrar as sans-IO state machines.
//!
//! Table of contents:
//! - [`digest`]: digest authentication, server ([`digest::DigestServer`]) and client
//!   ([`digest::DigestClient`]), stateless HMAC nonces, and the [`digest::FailureTracker`] that
//!   bans sources after repeated failures.
//! - [`registrar`]: REGISTER rules and the location service ([`registrar::Registrar`]), with
//!   bindings as plain data for the store.
//! - [`transaction`]: the four RFC 3261 § 17 transaction machines (with RFC 6026), generic over
//!   the message type through [`transaction::TxMessage`], the matching key and the
//!   [`transaction::Transactions`] layer that routes messages to them.
//! - [`dialog`]: dialog state (route sets, CSeq, targets), re-INVITE glare, session timers,
//!   reliable provisionals, REFER/NOTIFY progress and Replaces, and 2xx retransmission.
//! - [`registration`]: the user agent side of REGISTER (challenges, 423, refresh, back-off).
//! - [`trunk`]: SIP trunks to carriers: [`trunk::Registration`] (REGISTER to the carrier with
//!   digest, refresh and back-off, building complete requests), [`trunk::HealthCheck`] (OPTIONS
//!   pings, up/down), [`trunk::inbound`] (which trunk and tenant an inbound INVITE belongs to)
//!   and [`trunk::caller_id`] (From, P-Asserted-Identity and Privacy of outbound calls).
//! - [`locate`]: RFC 3263 server location (NAPTR, SRV, A/AAAA) over DNS answers the caller
//!   looks up, as a query/answer machine.
//! - [`e164`]: E.164 normalisation of dialled and presented numbers.
//! - [`wire`]: glue to `sb-sip` messages ([`transaction::TxMessage`] for
//!   [`sb_sip::Message`], REGISTER and credential extraction, challenge and registrar
//!   responses, dialog seeds, in-dialog requests).
//!
//! Design note: nothing here does IO or reads the clock. Every entry point takes `now`
//! ([`sb_types::Timestamp`]); state machines expose `poll_*` methods for what to send, what
//! happened and the next deadline, in the style of str0m and quinn-proto. The adapter
//! (`sb-sip-transport`) owns sockets and timers and drives these machines.
//!
//! The driver's loop, for the transaction layer (the others look the same):
//!
//! ```
//! use sb_sip_dialog::transaction::{Incoming, TimerConfig, Transactions};
//! use sb_types::Timestamp;
//!
//! let raw = "OPTIONS sip:pbx.example.com SIP/2.0\r\n\
//!     Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKdoc1\r\nMax-Forwards: 70\r\n\
//!     From: <sip:1001@pbx.example.com>;tag=a\r\nTo: <sip:pbx.example.com>\r\n\
//!     Call-ID: doc@192.0.2.7\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
//! let mut layer = Transactions::new(TimerConfig::default());
//! let now = Timestamp::from_secs(1_000);
//! let request = sb_sip::parse(raw.as_bytes().to_vec()).expect("valid");
//! // A datagram arrived: a new server transaction.
//! let Incoming::Request(id, request) = layer.handle_incoming(now, request, false) else {
//!     unreachable!()
//! };
//! let ok = request.as_request().expect("request").make_response(sb_sip::StatusCode::OK, Some("b"));
//! layer.send_response(now, id, sb_sip::Message::Response(ok)).expect("answered");
//! // Hand what is due to the socket, then sleep until the next deadline.
//! while let Some((_, message)) = layer.poll_transmit() {
//!     let _bytes = message.to_bytes();
//! }
//! let wake_at = layer.poll_timeout().expect("timer J runs");
//! layer.handle_timeout(wake_at);
//! assert!(layer.is_empty());
//! ```
#![forbid(unsafe_code)]

pub mod dialog;
pub mod digest;
pub mod e164;
mod error;
pub mod locate;
pub mod registrar;
pub mod registration;
mod rng;
pub mod transaction;
pub mod trunk;
pub mod wire;

pub use error::Error;
