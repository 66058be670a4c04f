//! SIP over UDP, TCP, TLS, WebSocket and secure WebSocket: the thin tokio driver of the SIP
//! cores (`sb-sip`, `sb-sip-dialog`).
//!
//! # Design
//!
//! All decisions live in sans-IO pieces that take `now` and return what to send:
//! [`Endpoint`] (transactions, OPTIONS, REGISTER with digest authentication, bans, scan
//! protection, refusals), [`StreamDecoder`] (TCP framing and CRLF keep-alives),
//! [`RateLimiter`] (per-source token buckets) and [`via`] (`received`/`rport` and response
//! routing). [`SipServer`] owns the sockets and one timer and only moves bytes: one task runs
//! the endpoint; an accept task per listener hands it new connections; each connection
//! (TCP, TLS, WS, WSS) has a task that runs its handshakes, frames the stream (or takes
//! WebSocket messages whole) and hands whole messages over a channel. Credentials lookups
//! ([`SipCredentials`]) run in their own tasks so a slow store never stalls the loop.
//!
//! # Contents
//!
//! * [`SipServer`], [`SipDeps`]: start, local address, graceful shutdown; [`TrustedSources`]
//!   (networks trusted at run time: the carriers' trunks, never rate-limited).
//! * [`SipConfig`], [`BanAnswer`], [`RateLimit`]: settings.
//! * Seams: [`SipCredentials`] (secrets in), [`BindingSink`] (bindings out),
//!   [`RequestHandler`] + [`Responder`] + [`ServerRequest`] (INVITE and other methods for the
//!   engine); [`StaticCredentials`] and [`RecordingSink`] for tests and demos.
//! * Sans-IO: [`Endpoint`], [`Output`], [`Transmit`], [`StreamDecoder`], [`RateLimiter`],
//!   [`via`].
//! * Outgoing: [`SipClient`] (from [`SipServer::client`]), [`Destination`], [`ClientError`],
//!   [`tls_client_config`]; [`Resolver`] + [`ResolveError`] (RFC 3263 with a real DNS client).
//! * [`realm_of_host`]: the per-tenant digest realm of a SIP domain.
//! * [`Peer`], [`Transport`], [`ConnId`]; [`Error`].
#![forbid(unsafe_code)]

mod client;
mod config;
mod connection;
mod dns;
mod endpoint;
mod error;
mod handler;
mod listen;
mod outbound;
mod peer;
mod rate;
mod realm;
mod server;
mod stream;
pub mod via;
mod ws;

pub use client::{ClientError, Destination, SipClient};
pub use config::{BanAnswer, SipConfig};
pub use dns::{ResolveError, Resolver};
pub use endpoint::{Endpoint, LookupId, Output, Transmit};
pub use error::Error;
pub use handler::{
    BindingSink, RecordingSink, RequestHandler, Responder, ServerRequest, SipCredentials, SipUser,
    StaticCredentials,
};
pub use outbound::tls_client_config;
pub use peer::{ConnId, Peer, Transport};
pub use rate::{RateLimit, RateLimiter};
pub use realm::realm_of_host;
pub use server::{SipDeps, SipServer, TrustedSources};
pub use stream::{PONG, StreamDecoder, StreamItem};
