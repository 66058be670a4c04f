//! POP3 (RFC 1939, CAPA RFC 2449, STLS RFC 2595): the sans-IO [`Pop3`] core and the tokio
//! [`Pop3Session`] driving it.

mod body;
mod command;
mod core;
mod reply;
mod session;

pub use self::command::{Command, CommandKind};
pub use self::core::{Event, Limits, Pop3};
pub use self::reply::{Greeting, Message, Reply, UidlEntry};
pub use self::session::{Committed, Pop3Session};
