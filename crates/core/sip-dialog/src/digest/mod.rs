//! Digest authentication (RFC 7616, RFC 8760, RFC 2617 compatibility) for SIP, both sides, and
//! the per-source failure tracker that bans password guessers.

mod algorithm;
mod client;
mod failures;
mod message;
mod nonce;
mod params;
mod server;
#[cfg(test)]
mod tests;

pub use algorithm::Algorithm;
pub use client::{DigestClient, ha1, response};
pub use failures::{Admission, BanPolicy, FailureTracker};
pub use message::{Challenge, Credentials, QopAuth};
pub use server::{
    AuthAttempt, AuthRole, ChallengeResponse, DigestServer, DigestServerConfig, Rejection,
    UserSecret, Verdict,
};
