//! Switchboard's typed configuration.
//!
//! Sources, later ones winning: built-in defaults, the TOML file (`--config`), then environment
//! variables named after each key (`http.listen` → `SWITCHBOARD_HTTP_LISTEN`).
//!
//! Design note: the file and the environment are merged as a flat map of dotted keys checked
//! against the defaults, so that *every* problem (unknown key, wrong type, bad address, …) is
//! collected and reported at once with the key at fault, instead of stopping at the first.
#![forbid(unsafe_code)]

mod error;
mod load;
mod model;
mod validate;

pub use error::{ConfigError, ConfigProblem};
pub use load::{Sources, load};
pub use model::{
    AuthConfig, Config, DatabaseConfig, EmailConfig, FlowsConfig, HttpConfig, LogConfig,
    MediaConfig, SipConfig,
};
