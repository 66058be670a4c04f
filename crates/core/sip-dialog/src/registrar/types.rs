//! The registrar's data: requests in, bindings stored, events out.

use sb_types::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Error;

/// A `q` value (RFC 3261 § 20.10) in thousandths: 0 ..= 1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct Q(u16);

impl Q {
    /// The highest preference, also used when a contact has no `q`.
    pub const MAX: Q = Q(1000);

    /// From thousandths; `None` above 1000.
    pub fn from_thousandths(t: u16) -> Option<Q> {
        (t <= 1000).then_some(Q(t))
    }

    /// The value in thousandths.
    pub fn thousandths(self) -> u16 {
        self.0
    }

    /// Parses `0`, `1`, `0.5`, `1.000`, … (at most three decimals).
    pub fn parse(s: &str) -> Result<Q, Error> {
        let bad = || Error::InvalidQ(s.to_owned());
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let whole = match int {
            "0" => 0,
            "1" => 1000,
            _ => return Err(bad()),
        };
        let frac_value = format!("{frac:0<3}").parse::<u16>().map_err(|_| bad())?;
        Q::from_thousandths(whole + frac_value).ok_or_else(bad)
    }
}

impl TryFrom<u16> for Q {
    type Error = Error;
    fn try_from(t: u16) -> Result<Q, Error> {
        Q::from_thousandths(t).ok_or_else(|| Error::InvalidQ(t.to_string()))
    }
}

impl From<Q> for u16 {
    fn from(q: Q) -> u16 {
        q.0
    }
}

impl std::fmt::Display for Q {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

/// One Contact of a REGISTER. The URI `*` is the wildcard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactParam {
    /// The contact URI, canonicalised by the caller (bindings match on equal strings).
    pub uri: String,
    /// The `expires` parameter, in seconds.
    pub expires: Option<u32>,
    /// The `q` parameter.
    pub q: Option<Q>,
}

/// The registrar-relevant content of a REGISTER request (RFC 3261 § 10.3), already
/// authenticated and authorised by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// The address of record: the canonical To URI.
    pub aor: String,
    /// The Call-ID.
    pub call_id: String,
    /// The CSeq number.
    pub cseq: u32,
    /// The Expires header, in seconds.
    pub expires: Option<u32>,
    /// The Contact header fields; empty for a query.
    pub contacts: Vec<ContactParam>,
    /// The Path header values (RFC 3327), stored with each binding.
    pub path: Vec<String>,
    /// Where the request came from (transport address or flow token), stored for NAT traversal.
    pub source: Option<String>,
}

/// A binding of an address of record to a contact. Plain data, so the store can persist it and
/// hand it back to [`crate::registrar::Registrar::restore`] after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// The address of record.
    pub aor: String,
    /// The contact URI.
    pub contact: String,
    /// The Call-ID of the REGISTER that last touched it.
    pub call_id: String,
    /// Its CSeq.
    pub cseq: u32,
    /// When the binding lapses.
    pub expires_at: Timestamp,
    /// The preference, if the contact gave one.
    pub q: Option<Q>,
    /// The Path to reach the contact through (RFC 3327).
    pub path: Vec<String>,
    /// Where the REGISTER came from.
    pub source: Option<String>,
}

impl Binding {
    /// Seconds left, rounded up, for the `expires` parameter of the 200 OK.
    pub fn expires_in(&self, now: Timestamp) -> u32 {
        let ms = self
            .expires_at
            .as_millis()
            .saturating_sub(now.as_millis())
            .max(0);
        u32::try_from(ms.saturating_add(999) / 1000).unwrap_or(u32::MAX)
    }

    /// The preference used for ordering: `q`, or 1.0 when absent.
    pub fn preference(&self) -> Q {
        self.q.unwrap_or(Q::MAX)
    }
}

/// Registrar limits (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrarConfig {
    /// Shorter non-zero expiries are refused with 423 and this value in `Min-Expires`.
    pub min_expires: u32,
    /// Longer expiries are shortened to this.
    pub max_expires: u32,
    /// The expiry when neither the contact nor the request gives one.
    pub default_expires: u32,
    /// The most contacts one address of record may hold.
    pub max_contacts: usize,
}

impl Default for RegistrarConfig {
    /// 60 s minimum, 3600 s maximum and default, ten contacts.
    fn default() -> Self {
        RegistrarConfig {
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
            max_contacts: 10,
        }
    }
}

/// Why a binding went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Removal {
    /// A REGISTER with expiry 0 (or `*`).
    Unregistered,
    /// Its time ran out.
    Expired,
}

/// A change to persist or publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrarEvent {
    /// A binding was created or refreshed: store it.
    Bound(Binding),
    /// A binding is gone: delete it.
    Unbound {
        /// The binding as it was.
        binding: Binding,
        /// Why.
        reason: Removal,
    },
}
