//! Switchboard's shared vocabulary.
//!
//! Every other crate speaks in these types: typed ids (so a `UserId` can never be passed where a
//! `TenantId` is expected), [`Timestamp`] (milliseconds since the Unix epoch, passed *into* the
//! pure cores, which never read the clock), the interaction [`Channel`]s and user [`Role`]s.
//!
//! Design note: this crate is pure and tiny on purpose. It has no IO and no clock; anything that
//! needs either lives in the adapters.
#![forbid(unsafe_code)]

mod channel;
mod error;
mod id;
mod role;
mod time;

pub use channel::Channel;
pub use error::TypesError;
pub use id::{
    AgentId, CallId, ChannelId, ConversationId, ConversationMessageId, FlowId, InteractionId,
    LegId, PointOfContactId, QueueId, SkillId, TeamId, TenantId, TrunkId, UserId,
};
pub use role::Role;
pub use time::{Duration, Timestamp};
