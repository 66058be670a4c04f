//! Switchboard's engine: where protocol events become domain inputs and domain commands become
//! actions (DESIGN.md § 4).
//!
//! Table of contents:
//! - [`Names`]: the tenant's objects by name, which documents refer to.
//! - [`queue_config`]: a queue's stored settings (skills and overflow targets by *name*) turned
//!   into the ACD's [`sb_acd::QueueConfig`] (by *id*) — the same translation validates an import
//!   and, later, configures the live ACD.
//! - [`flow_catalog`]: the catalog a flow compiles against.
//! - [`validate_document`]: checks a whole tenant document against the domain cores (flows
//!   compile, queue settings are valid ACD settings) before the store writes anything.
//!
//! - [`sip`]: SIP phones meet the store — digest secrets ([`sip::StoreCredentials`],
//!   [`sip::set_sip_password`]), registrar bindings persisted per tenant
//!   ([`sip::binding_persistence`]) and reloaded at start ([`sip::live_bindings`]);
//!   [`softphone::SoftphonePasswords`], the agent console's short-lived SIP passwords.
//!
//! - [`trunks`]: SIP trunks — typed settings, inbound INVITE matching, carrier registrations
//!   and OPTIONS pings ([`trunks::TrunkManager`]).
//!
//! - [`prompts`]: audio for flows — tenants' uploaded WAV/MP3 prompts, text spoken by espeak-ng
//!   (rendered at publish time, cached), and the built-in prompts and music on hold.
//!
//! - [`speech`]: callers' spoken answers to voice menus, recognised offline by a PocketSphinx
//!   sidecar ([`speech::Recognizer`]).
//!
//! - [`calls`]: voice call control, the B2BUA: calls placed by phones out through trunks
//!   (both legs anchored on the media server), inbound calls from trunks.
//!
//! - [`acd`]: the live ACD — one task per tenant owning its [`sb_acd::Acd`], driven through
//!   [`acd::AcdHandle`] (agent states, enqueue/accept/complete; events to the log).
//!
//! - [`voicemails`]: messages left in a queue's mailbox, routed to its agents like calls
//!   ([`voicemails::VoicemailDesk`]).
//!
//! - [`email`]: the email channel — mailboxes polled into conversations, routed by the
//!   point of contact's flow to email queues, answered by agents over SMTP
//!   ([`email::EmailDesk`]).
//!
//! - [`TenantSettings`]: the tenant's settings document as the app reads it (reason codes).
//! - [`devices`]: where each agent takes calls (their registered phone, or a number dialled
//!   through the trunk and accepted with a key).
//!
//! Design note: the cores (`acd`, `flow`) know nothing of storage; the store keeps queue settings
//! and flow documents as opaque JSON. The engine is the one place that knows both.
#![forbid(unsafe_code)]

pub mod acd;
pub mod calls;
pub mod devices;
mod document;
pub mod email;
mod names;
pub mod prompts;
mod queue;
pub mod sip;
pub mod softphone;
pub mod speech;
mod tenant_settings;
pub mod trunks;
pub mod voicemails;

pub use document::{Problem, seal_channel_passwords, validate_document};
pub use names::{Names, flow_catalog, known_names};
pub use queue::{
    Dispositions, queue_config, queue_dispositions, queue_records, queue_screen_pop_url,
};
pub use tenant_settings::{DEFAULT_REASON_CODES, SYSTEM_REASONS, TenantSettings};
