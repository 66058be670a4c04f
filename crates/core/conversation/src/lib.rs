//! Digital conversations: inbound email parsed and normalised, threading keys, replies built
//! with threading headers.
//!
//! Contents:
//! - [`parse`] turns raw RFC 5322 bytes into a [`ParsedEmail`] (addresses as [`Mailbox`],
//!   decoded subject and text, [`AttachmentInfo`] list, the [`ParsedEmail::automatic`] loop
//!   guard); [`attachment`] decodes one attachment for download and [`safe_content_type`] says
//!   what type it may be served as; [`safe_html`] gives the HTML body made safe to show
//!   (ammonia's allow-list, no remote image unless asked, inline images as `data:` URLs);
//!   [`authentication_results`] reads the SPF/DKIM/DMARC verdicts of the organisation's MTA.
//! - Threading: [`ParsedEmail::thread_refs`] lists the ids an inbound message points at,
//!   [`references_for_reply`] computes In-Reply-To/References for an answer (RFC 5322 §3.6.4),
//!   [`message_id`] makes our own ids.
//! - Conversation tokens in subjects (`[#SB-7K3M9Q2T]`): [`token_from_bytes`], [`find_token`],
//!   [`reply_subject`], [`forward_subject`].
//! - Outgoing mail: [`Outgoing`] → [`build`] (bytes ready for SMTP), [`quote`] for the quoted
//!   parent text.
//!
//! Design note: everything is a pure function of its inputs. Time (`date`) and identifiers
//! (`message_id`, token bytes) are passed in by the caller; even the MIME boundary is derived
//! from the message id, so the same [`Outgoing`] always builds the same bytes. Parsing never
//! fails: whatever arrives is stored, and [`ParsedEmail::malformed`] says when it made no sense.
//! Everything taken from a message that may end up in a header or a file name is sanitised here,
//! and [`build`] refuses header injection rather than cleaning it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod address;
mod attachment;
mod auth_results;
mod automatic;
mod body;
mod build;
mod date;
mod error;
mod guard;
mod html;
mod parse;
mod quote;
mod text;
mod thread;
mod token;
mod validate;

pub use address::Mailbox;
pub use attachment::{AttachmentInfo, attachment, safe_content_type, sanitize_filename};
pub use auth_results::{AuthCheck, AuthResults, authentication_results};
pub use build::{Outgoing, OutgoingAttachment, build};
pub use error::ConversationError;
pub use html::{HtmlOptions, MAX_HTML_BYTES, SafeHtml, safe_html};
pub use parse::{MAX_TEXT_BYTES, ParsedEmail, parse};
pub use quote::{forwarded, quote};
pub use thread::{
    MAX_REFERENCES, MAX_THREAD_REFS, ThreadHeaders, message_id, references_for_reply,
};
pub use token::{
    find_token, forward_subject, is_token, reply_subject, tagged_subject, token_from_bytes,
};
