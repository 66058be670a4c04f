//! Switchboard's engine: where protocol events become domain inputs and domain commands become
//! actions (DESIGN.md § 4).
//!
//! Table of contents:
//! - [`validate_document`]: checks a tenant configuration document against the domain cores
//!   (flows compile, queue settings are valid ACD settings, points of contact lead to flows)
//!   before the store writes anything.
//!
//! Design note: the cores (`acd`, `flow`) know nothing of storage; the store knows nothing of
//! flows or queue semantics (it keeps their settings as opaque JSON). The engine is the one
//! place that knows both, so validation that needs both lives here.
#![forbid(unsafe_code)]

mod document;

pub use document::{Problem, validate_document};
