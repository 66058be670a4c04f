//! Switchboard's HTTP API: the only crate that knows wire JSON shapes.
//!
//! Table of contents:
//! - [`server`]: the HTTPS listener (rustls, HTTP/1.1 + HTTP/2, graceful shutdown).
//! - [`tls`]: TLS 1.2/1.3 with exactly the suites of DESIGN.md § 7; self-signed certificate.
//! - `routes`: one file per resource under `/api/v1`, plus `/healthz`, `/readyz`, `/metrics`;
//!   the OpenAPI document is generated from the handlers (utoipa) at `/api/v1/openapi.json`.
//! - `assets`: the web consoles ([`sb_web`]) at every path outside `/api`, with a strict CSP.
//! - [`auth`]: Argon2id passwords, session cookies, bearer tokens, role extractors, allowlists.
//! - [`ApiError`]: every failure and its HTTP status.
//!
//! Design note: authorisation is in the types. Every protected handler takes [`AnyUser`],
//! [`Supervisor`] or [`Admin`]; resolving one authenticates the caller, enforces the tenant's IP
//! allowlist (403 + audit entry) and checks the role. Every store call passes the caller's
//! tenant id, so another tenant's object is simply not found (404).
#![forbid(unsafe_code)]

mod assets;
pub mod auth;
mod error;
mod extract;
mod metrics;
mod routes;
pub mod server;
mod state;
pub mod tls;
mod views;

pub use auth::{Admin, AnyUser, Caller, Supervisor};
pub use error::ApiError;
pub use routes::tokens_issue as issue_token;
pub use routes::{openapi, router};
pub use state::{ApiSettings, AppState, Softphone, now};
