//! Authentication and authorisation: passwords, sessions, API tokens, roles, allowlists.

pub(crate) mod caller;
pub mod password;
pub(crate) mod ratelimit;
pub(crate) mod secret;

pub use caller::{Admin, AnyUser, Caller, Presented, Supervisor};
