//! SIP trunks to carriers: registration, health checks, inbound matching and caller ID.
//!
//! - [`Registration`]: REGISTER to the carrier (RFC 3261 § 10.2) with digest (RFC 8760),
//!   refresh, 423 and back-off; builds complete [`sb_sip::Request`]s.
//! - [`HealthCheck`]: OPTIONS pings of the trunk's targets, up/down with hysteresis.
//! - [`inbound`]: which trunk and tenant an inbound INVITE belongs to ([`inbound::TrunkMatcher`]).
//! - [`caller_id`]: From, P-Asserted-Identity and Privacy of outbound INVITEs.
//!
//! `docs/sip-trunks.md` describes the rules and how the engine drives the machines.

pub mod caller_id;
mod health;
pub mod inbound;
mod registration;
mod request;
#[cfg(test)]
mod tests;

pub use health::{HealthCheck, HealthConfig, HealthEvent, ProbeOutcome};
pub use registration::{
    Backoff, FailureReason, Registration, RegistrationConfig, RegistrationState, TransportFailure,
    TrunkCredentials,
};
