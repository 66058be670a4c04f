//! Typed views of header values. Each type parses from the header text, shares its bytes,
//! and prints canonically with `Display`.

pub(crate) mod auth;
pub(crate) mod misc;
pub(crate) mod name_addr;
pub(crate) mod via;
