//! IMAP4rev1 over async-imap: connect (plain, STARTTLS, IMAPS), select, fetch by UID without
//! setting `\Seen` (`BODY.PEEK[]`), acknowledge by flag or move.

mod session;
mod uid_set;

pub use self::session::{FetchedUid, ImapSession, SelectedFolder};
pub use self::uid_set::uid_set;
