//! What the caller persists between polls, and message keys.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A mailbox's retrieval position, persisted by the caller together with the messages it
/// stored (same transaction), and handed back to the next [`crate::Retriever::poll`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "protocol", rename_all = "snake_case")]
pub enum MailboxCursor {
    /// Nothing retrieved yet: the first poll takes every message in the folder / maildrop.
    #[default]
    Fresh,
    /// IMAP: every UID up to `last_uid` under this UIDVALIDITY has been handed out.
    Imap {
        /// The folder's UIDVALIDITY when `last_uid` was recorded.
        uid_validity: u32,
        /// Highest UID handed out.
        last_uid: u32,
    },
    /// POP3: the UIDLs handed out that are still on the server (pruned at each poll).
    Pop3 {
        /// Unique ids from `UIDL`.
        stored: BTreeSet<String>,
    },
}

/// A message's identity on its server, stable across sessions: store it with the message
/// (unique per channel) and pass it to [`crate::Retriever::acknowledge`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "protocol", rename_all = "snake_case")]
pub enum MessageKey {
    /// IMAP: UID under a UIDVALIDITY.
    Imap {
        /// The folder's UIDVALIDITY.
        uid_validity: u32,
        /// The UID.
        uid: u32,
    },
    /// POP3: the `UIDL` unique id.
    Pop3 {
        /// The unique id.
        uidl: String,
    },
}

/// `imap:<uidvalidity>:<uid>` or `pop3:<uidl>`: a text form for a database column.
impl fmt::Display for MessageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Imap { uid_validity, uid } => write!(f, "imap:{uid_validity}:{uid}"),
            Self::Pop3 { uidl } => write!(f, "pop3:{uidl}"),
        }
    }
}

/// The text form was not `imap:<u32>:<u32>` or `pop3:<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadMessageKey;

impl fmt::Display for BadMessageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a message key (imap:<uidvalidity>:<uid> or pop3:<uidl>)")
    }
}

impl std::error::Error for BadMessageKey {}

impl FromStr for MessageKey {
    type Err = BadMessageKey;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(uidl) = s.strip_prefix("pop3:").filter(|u| !u.is_empty()) {
            return Ok(Self::Pop3 {
                uidl: uidl.to_owned(),
            });
        }
        let rest = s.strip_prefix("imap:").ok_or(BadMessageKey)?;
        let (v, u) = rest.split_once(':').ok_or(BadMessageKey)?;
        Ok(Self::Imap {
            uid_validity: v.parse().map_err(|_| BadMessageKey)?,
            uid: u.parse().map_err(|_| BadMessageKey)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_text() {
        for key in [
            MessageKey::Imap {
                uid_validity: 17,
                uid: 4,
            },
            MessageKey::Pop3 {
                uidl: "000000017a:b".into(),
            },
        ] {
            assert_eq!(key.to_string().parse::<MessageKey>(), Ok(key));
        }
        assert!("imap:1".parse::<MessageKey>().is_err());
        assert!("pop3:".parse::<MessageKey>().is_err());
    }

    #[test]
    fn cursor_round_trips_through_json() -> Result<(), serde_json::Error> {
        let cursor = MailboxCursor::Pop3 {
            stored: ["a".to_owned()].into(),
        };
        let json = serde_json::to_string(&cursor)?;
        assert_eq!(json, r#"{"protocol":"pop3","stored":["a"]}"#);
        assert_eq!(serde_json::from_str::<MailboxCursor>(&json)?, cursor);
        Ok(())
    }
}
