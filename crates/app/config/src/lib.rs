//! Typed configuration
