//! A fence around the third-party MIME parser.
//!
//! mail-parser is fuzzed upstream, yet it has shipped panics on crafted input (slice indexing
//! in multipart bookkeeping, `debug_assert!`s that fire in debug builds). Inbound mail is
//! hostile input, so a panic inside it is caught here and the message treated as malformed,
//! rather than taking down the task that polls the mailbox. The closures only read their input
//! and build fresh values, so nothing half-updated is observed after a caught panic.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `f`; `None` if it panicked.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}
