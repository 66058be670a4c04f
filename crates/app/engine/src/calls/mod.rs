//! Voice call control: the B2BUA (DESIGN.md § 4 "Calls").
//!
//! Contents:
//! - [`CallRouter`]: the SIP [`sb_sip_transport::RequestHandler`] for calls. New INVITEs from a
//!   trunk's sources go to the inbound matcher ([`crate::trunks::InboundCalls`]); new INVITEs
//!   from anywhere else must be authenticated by digest (407) and are calls placed by a user's
//!   phone; requests inside a dialog (BYE, re-INVITE, INFO), ACKs and CANCELs go to the task
//!   of the call they belong to.
//! - [`CallControl`]: the live calls, listed per tenant and agent, and commands to them
//!   ([`CallCommand`]: hang up, hold, resume, DTMF, recording, blind and consultative
//!   transfer to an agent, a queue or a number ([`TransferTo`]), conference) from the API.
//! - [`CallDeps`]: what calls need: the store (events), the SIP client, the media server,
//!   the trunks.
//! - `inbound`: a carrier's call to a tenant's number: answered, its routing flow run
//!   (prompts, menus, digits), queued in the ACD, the offered agent's registered phone rung
//!   (`ring`, with WebRTC media for a browser softphone: `leg_media`) and bridged; the caller may hang up, break out or time out meanwhile.
//!   Once connected, the agent may transfer the caller blind (through the ACD, which keeps the
//!   interaction) or after consulting the target (a second B leg), and conference all three.
//! - `line`: agents' persistent lines ([`Lines`]): a phone's call to [`LINE_USER`] that
//!   stays up while the agent works; offers are connected to it at once (its media endpoint
//!   is lent to each call).
//! - `outbound`: a phone's call out through the tenant's trunk: caller ID by the trunk's rules,
//!   digest answered for the carrier, both legs anchored on our media server and bridged, BYE
//!   and CANCEL relayed, quality figures per leg recorded when the call ends. A transfer hands
//!   it to `inbound` (`inbound::adopt`); a call to a colleague's user name is an internal call
//!   run by `inbound` too.
//! - `replaces`: a phone's attended transfer (REFER with Replaces): the call that owns the
//!   dialog named hands its far leg over to the call the REFER came in.
//! - `reoffer`: re-INVITEs and UPDATEs inside a leg (hold, resume, session refresh) answered
//!   with the leg's own description.
//!
//! Design note: each call is one tokio task that owns its legs (SIP dialogs) and its media
//! session; the router only finds the task by Call-ID (each leg has its own Call-ID) or by the
//! server transaction of the INVITE (for CANCEL). Nothing is shared between calls but the
//! registry's map.

mod bridge;
mod cause;
mod control;
mod deps;
mod dialogs;
mod events;
mod flow_http;
mod history;
mod inbound;
pub(crate) use inbound::{HttpCall, flow_http_send};
mod leg_media;
mod legs;
mod line;
mod outbound;
mod registry;
mod reoffer;
mod replaces;
mod ring;
mod router;
mod sdp;

pub use control::{
    CallCommand, CallControl, ConsultView, ControlError, LiveCall, LiveQuality, TransferTo,
};
pub use deps::CallDeps;
pub use flow_http::FlowHttp;
pub use inbound::ProgramCache;
pub use line::{LINE_USER, Lines};

pub use router::CallRouter;
