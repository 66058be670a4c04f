//! SIP trunks in the running node: typed settings ([`TrunkSettings`]), the live directory of
//! trunks and numbers that inbound INVITEs are matched against ([`TrunkDirectory`]), the
//! registrations and OPTIONS pings to carriers ([`TrunkManager`]), and the inbound INVITE
//! handler ([`InboundCalls`]).

mod client;
mod directory;
mod inbound;
mod machines;
mod manager;
mod settings;

pub use client::TransportSender;
pub(crate) use client::route_source;
pub use directory::{OutboundTrunk, TrunkDirectory, TrunkStatus, load_matcher};
pub use inbound::{InboundCall, InboundCalls, InboundSink, hand_over_inbound_call};
pub use machines::{Outgoing, Purpose, SendFailure, TrunkEvent, TrunkMachines};
pub use manager::{TrunkManager, TrunkSender, record_events};
pub use settings::{
    DEFAULT_PING_INTERVAL, OptionsPing, Privacy, RegisterPlan, RegisterSettings, SettingsProblem,
    TrunkPlan, TrunkSettings,
};
