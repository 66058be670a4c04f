//! Request methods (RFC 3261 § 7.1 and extensions).

use std::fmt;
use std::str::FromStr;

use bytestring::ByteString;

use crate::Error;
use crate::text::is_token;

/// A SIP method. Methods are case-sensitive (RFC 3261 § 7.1): `invite` is an extension
/// method, not INVITE, and `RE%47IST%45R` is not REGISTER (RFC 4475 § 3.1.1.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    /// INVITE (RFC 3261).
    Invite,
    /// ACK (RFC 3261).
    Ack,
    /// BYE (RFC 3261).
    Bye,
    /// CANCEL (RFC 3261).
    Cancel,
    /// REGISTER (RFC 3261).
    Register,
    /// OPTIONS (RFC 3261).
    Options,
    /// INFO (RFC 6086).
    Info,
    /// PRACK (RFC 3262).
    Prack,
    /// SUBSCRIBE (RFC 6665).
    Subscribe,
    /// NOTIFY (RFC 6665).
    Notify,
    /// UPDATE (RFC 3311).
    Update,
    /// MESSAGE (RFC 3428).
    Message,
    /// REFER (RFC 3515).
    Refer,
    /// PUBLISH (RFC 3903).
    Publish,
    /// Any other method token.
    Extension(ByteString),
}

const KNOWN: [(&str, Method); 14] = [
    ("INVITE", Method::Invite),
    ("ACK", Method::Ack),
    ("BYE", Method::Bye),
    ("CANCEL", Method::Cancel),
    ("REGISTER", Method::Register),
    ("OPTIONS", Method::Options),
    ("INFO", Method::Info),
    ("PRACK", Method::Prack),
    ("SUBSCRIBE", Method::Subscribe),
    ("NOTIFY", Method::Notify),
    ("UPDATE", Method::Update),
    ("MESSAGE", Method::Message),
    ("REFER", Method::Refer),
    ("PUBLISH", Method::Publish),
];

impl Method {
    /// The method token as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Extension(s) => s,
            known => KNOWN
                .iter()
                .find(|(_, m)| m == known)
                .map_or("", |(name, _)| name),
        }
    }

    /// Parses a method token, sharing `src` for extension methods.
    pub(crate) fn from_shared(src: &ByteString, token: &str) -> Result<Self, Error> {
        if !is_token(token) {
            return Err(Error::Syntax {
                what: "Method",
                offset: 0,
            });
        }
        let known = KNOWN.iter().find(|(name, _)| *name == token);
        Ok(match known {
            Some((_, m)) => m.clone(),
            None => Method::Extension(crate::text::share(src, token)),
        })
    }

    /// True for methods that create a dialog (INVITE, SUBSCRIBE, REFER).
    pub fn creates_dialog(&self) -> bool {
        matches!(self, Method::Invite | Method::Subscribe | Method::Refer)
    }
}

impl FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Method::from_shared(&ByteString::from(s), s)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
