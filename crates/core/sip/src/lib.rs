//! SIP message model: parse and print requests and responses (RFC 3261, RFC 4475, RFC 5118).
//!
//! # Design
//!
//! * **Zero-copy.** A message keeps the received [`bytes::Bytes`]. The header section is
//!   checked once to be UTF-8 and held as a [`bytestring::ByteString`]; every header value,
//!   URI part and parameter is a cheap slice of it (a reference count, no copy). The body is a
//!   slice of the input too.
//! * **Byte-exact printing.** Each received header field keeps its exact line(s) — compact
//!   name, odd spacing, folding, line ends — and the start line and empty line are kept too,
//!   so [`Message::encode`] of an unmodified message returns the received bytes (minus the
//!   CRLFs allowed before a start line and the octets after Content-Length in a datagram).
//!   A field added or replaced through the API prints canonically as `Name: value\r\n`.
//! * **Typed views on demand.** [`Headers`] stores text; typed accessors
//!   ([`Headers::vias`], [`Headers::from`], [`Headers::cseq`], …) parse when called and
//!   return [`Error::MissingHeader`] when the header is absent. Typed values print
//!   canonically with `Display`, so `headers.set("Contact", &name_addr)` works.
//! * **Lenient where RFC 3261 § 7 and RFC 4475 say so** (LWS and folding, any-case and
//!   compact names, unknown headers and schemes kept, leading zeros) and **strict where
//!   they say to reject**: the parser validates the start line, Content-Length,
//!   the mandatory headers and the grammar of To, From, Call-ID, CSeq, Via, Contact and
//!   Max-Forwards, and checks that the CSeq method matches the request method. Every
//!   [`Error`] tells [`Error::reply_status`]: 400, 501, 505, 513 or drop, and
//!   [`Response::for_rejected`] builds that answer from the raw bytes.
//! * **Limits** ([`ParseConfig`]): message size (64 KiB) and header count (256).
//! * **Framing.** [`parse`] / [`ParseConfig::parse_datagram`] take one UDP datagram;
//!   [`ParseConfig::frame`] finds message boundaries in a stream buffer, and
//!   [`ParseConfig::parse_stream`] parses the framed bytes.
//!
//! # Contents
//!
//! * [`Message`], [`Request`], [`Response`]: the model, printing ([`Message::encode`]),
//!   [`Request::make_response`] and [`Response::for_rejected`].
//! * [`Headers`], [`Header`], [`HeaderName`]: the header list and names (long and compact).
//! * [`Uri`] ([`SipUri`], [`TelUri`], [`OtherUri`]), [`Host`], [`Params`].
//! * Typed headers: [`Via`], [`NameAddr`], [`Contacts`], [`CSeq`], [`Auth`],
//!   [`MediaType`], [`TokenParams`] (Event, Subscription-State), [`Replaces`],
//!   [`SessionExpires`], [`RAck`].
//! * [`Method`], [`StatusCode`].
//! * [`multipart`]: split and build multipart bodies.
//! * [`ParseConfig`], [`Frame`], [`parse`]: the parser.
//! * [`Error`]: the one error type.
//!
//! # Example
//!
//! ```
//! let raw = b"OPTIONS sip:bob@example.com SIP/2.0\r\n\
//! v: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds\r\n\
//! Max-Forwards: 70\r\nt: <sip:bob@example.com>\r\n\
//! f: Alice <sip:alice@example.com>;tag=1928301774\r\ni: a84b4c76e66710\r\n\
//! CSeq: 63104 OPTIONS\r\nl: 0\r\n\r\n";
//! let msg = sb_sip::parse(&raw[..]).unwrap();
//! assert_eq!(&msg.to_bytes()[..], &raw[..]);
//! let request = msg.as_request().unwrap();
//! assert_eq!(request.headers().top_via().unwrap().branch(), Some("z9hG4bK776asdhds"));
//! let response = request.make_response(sb_sip::StatusCode::OK, Some("8321234356"));
//! assert_eq!(response.headers().to().unwrap().tag(), Some("8321234356"));
//! ```
#![forbid(unsafe_code)]

mod charset;
mod error;
mod frame;
mod headers;
mod message;
mod method;
pub mod multipart;
mod name;
mod params;
mod parse;
mod reply;
mod status;
mod text;
mod typed;
mod uri;

pub use error::Error;
pub use headers::{Header, Headers};
pub use message::{Message, Request, Response};
pub use method::Method;
pub use name::HeaderName;
pub use params::{Param, Params};
pub use parse::{Frame, ParseConfig, parse};
pub use status::StatusCode;
pub use text::{percent_decode, quote, unquote};
pub use typed::auth::Auth;
pub use typed::misc::{CSeq, MediaType, RAck, Replaces, SessionExpires, TokenParams};
pub use typed::name_addr::{Contacts, NameAddr};
pub use typed::via::{MAGIC_COOKIE, Via};
pub use uri::{Host, OtherUri, SipUri, TelUri, Uri};
