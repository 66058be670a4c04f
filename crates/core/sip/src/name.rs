//! Header field names, long and compact forms (RFC 3261 § 7.3.3, § 20 and extensions).

use std::fmt;

use bytestring::ByteString;

macro_rules! names {
    ($($variant:ident = $long:literal $(/ $compact:literal)? $(, $list:ident)?;)*) => {
        /// A header field name. Known names compare by variant whatever the case or form
        /// they were received in (`v`, `VIA`, `Via`); others keep their text and compare
        /// case-insensitively.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum HeaderName {
            $(
                #[doc = concat!("`", $long, "`", $(" (compact `", $compact, "`)")?)]
                $variant,
            )*
            /// An unknown header, name as received.
            Other(ByteString),
        }

        impl HeaderName {
            /// The canonical long form (or the received text of an unknown name).
            pub fn as_str(&self) -> &str {
                match self {
                    $(HeaderName::$variant => $long,)*
                    HeaderName::Other(s) => s,
                }
            }

            /// The compact form, if the name has one.
            pub fn compact(&self) -> Option<char> {
                match self {
                    $($(HeaderName::$variant => Some($compact),)?)*
                    _ => None,
                }
            }

            /// True for headers whose grammar is a comma-separated list, so that several
            /// values may share one line (RFC 3261 § 7.3.1).
            pub fn is_list(&self) -> bool {
                match self {
                    $($(HeaderName::$variant => { let _ = stringify!($list); true })?)*
                    _ => false,
                }
            }

            fn known(name: &str) -> Option<HeaderName> {
                if let [c] = name.as_bytes() {
                    return Self::from_compact(c.to_ascii_lowercase());
                }
                if let Some(common) = Self::common(name) {
                    return Some(common);
                }
                $(if name.eq_ignore_ascii_case($long) { return Some(HeaderName::$variant); })*
                None
            }

            /// Every known name, for tests.
            #[cfg(test)]
            const ALL: &[HeaderName] = &[$(HeaderName::$variant,)*];

            fn from_compact(c: u8) -> Option<HeaderName> {
                match c {
                    $($(x if char::from(x) == $compact => Some(HeaderName::$variant),)?)*
                    _ => None,
                }
            }
        }
    };
}

names! {
    // Most frequent first: `known` tries them in this order.
    Via = "Via" / 'v', list;
    From = "From" / 'f';
    To = "To" / 't';
    CallId = "Call-ID" / 'i';
    CSeq = "CSeq";
    Contact = "Contact" / 'm', list;
    MaxForwards = "Max-Forwards";
    ContentLength = "Content-Length" / 'l';
    ContentType = "Content-Type" / 'c';
    Route = "Route", list;
    RecordRoute = "Record-Route", list;
    Allow = "Allow", list;
    Supported = "Supported" / 'k', list;
    UserAgent = "User-Agent";
    Expires = "Expires";
    Require = "Require", list;
    Authorization = "Authorization";
    WwwAuthenticate = "WWW-Authenticate";
    ProxyAuthorization = "Proxy-Authorization";
    ProxyAuthenticate = "Proxy-Authenticate";
    Event = "Event" / 'o';
    Server = "Server";
    SessionExpires = "Session-Expires" / 'x';
    Accept = "Accept", list;
    AcceptContact = "Accept-Contact" / 'a', list;
    AcceptEncoding = "Accept-Encoding", list;
    AcceptLanguage = "Accept-Language", list;
    AlertInfo = "Alert-Info", list;
    AllowEvents = "Allow-Events" / 'u', list;
    AuthenticationInfo = "Authentication-Info";
    CallInfo = "Call-Info", list;
    ContentDisposition = "Content-Disposition";
    ContentEncoding = "Content-Encoding" / 'e', list;
    ContentLanguage = "Content-Language", list;
    Date = "Date";
    ErrorInfo = "Error-Info", list;
    Identity = "Identity" / 'y';
    IdentityInfo = "Identity-Info" / 'n';
    InReplyTo = "In-Reply-To", list;
    MimeVersion = "MIME-Version";
    MinExpires = "Min-Expires";
    MinSe = "Min-SE";
    Organization = "Organization";
    PAssertedIdentity = "P-Asserted-Identity", list;
    PPreferredIdentity = "P-Preferred-Identity", list;
    Path = "Path", list;
    Priority = "Priority";
    Privacy = "Privacy";
    ProxyRequire = "Proxy-Require", list;
    RAck = "RAck";
    Reason = "Reason", list;
    ReferSub = "Refer-Sub";
    ReferTo = "Refer-To" / 'r';
    ReferredBy = "Referred-By" / 'b';
    RejectContact = "Reject-Contact" / 'j', list;
    Replaces = "Replaces";
    ReplyTo = "Reply-To";
    RequestDisposition = "Request-Disposition" / 'd', list;
    RetryAfter = "Retry-After";
    RSeq = "RSeq";
    ServiceRoute = "Service-Route", list;
    Subject = "Subject" / 's';
    SubscriptionState = "Subscription-State";
    Timestamp = "Timestamp";
    Unsupported = "Unsupported", list;
    Warning = "Warning", list;
}

impl HeaderName {
    /// The long names of typical call signalling, picked by length and first letters and
    /// confirmed with one comparison (instead of trying every known name in turn). `None`
    /// only means "not one of these": [`HeaderName::known`] then tries the full list.
    fn common(name: &str) -> Option<HeaderName> {
        let bytes = name.as_bytes();
        let first = bytes.first()? | 0x20;
        let key = fold(bytes)?;
        Some(match (bytes.len(), first) {
            (2, b't') if key == const { fold_const("To") } => HeaderName::To,
            (3, b'v') if key == const { fold_const("Via") } => HeaderName::Via,
            (4, b'f') if key == const { fold_const("From") } => HeaderName::From,
            (4, b'c') if key == const { fold_const("CSeq") } => HeaderName::CSeq,
            (5, b'r') if key == const { fold_const("Route") } => HeaderName::Route,
            (5, b'a') if key == const { fold_const("Allow") } => HeaderName::Allow,
            (5, b'e') if key == const { fold_const("Event") } => HeaderName::Event,
            (6, b's') if key == const { fold_const("Server") } => HeaderName::Server,
            (7, b'c') if key == const { fold_const("Call-ID") } => HeaderName::CallId,
            (7, b'c') if key == const { fold_const("Contact") } => HeaderName::Contact,
            (7, b'e') if key == const { fold_const("Expires") } => HeaderName::Expires,
            (7, b'r') if key == const { fold_const("Require") } => HeaderName::Require,
            (9, b's') if key == const { fold_const("Supported") } => HeaderName::Supported,
            (10, b'u') if key == const { fold_const("User-Agent") } => HeaderName::UserAgent,
            (12, b'm') if key == const { fold_const("Max-Forwards") } => HeaderName::MaxForwards,
            (12, b'c') if key == const { fold_const("Content-Type") } => HeaderName::ContentType,
            (12, b'r') if key == const { fold_const("Record-Route") } => HeaderName::RecordRoute,
            (12, b'a') if key == const { fold_const("Allow-Events") } => HeaderName::AllowEvents,
            (13, b'a') if key == const { fold_const("Authorization") } => HeaderName::Authorization,
            (14, b'c') if key == const { fold_const("Content-Length") } => {
                HeaderName::ContentLength
            }
            (15, b's') if key == const { fold_const("Session-Expires") } => {
                HeaderName::SessionExpires
            }
            (16, b'w') if key == const { fold_const("WWW-Authenticate") } => {
                HeaderName::WwwAuthenticate
            }
            (18, b'p') if key == const { fold_const("Proxy-Authenticate") } => {
                HeaderName::ProxyAuthenticate
            }
            (19, b'p') if key == const { fold_const("Proxy-Authorization") } => {
                HeaderName::ProxyAuthorization
            }
            _ => return None,
        })
    }

    /// The name for `text` (long or compact form, any case).
    pub fn new(text: &str) -> Self {
        Self::known(text).unwrap_or_else(|| HeaderName::Other(ByteString::from(text)))
    }

    /// The name of a received field (long or compact form, any case; unknown names share
    /// `src`), `None` when `text` is not a token.
    pub(crate) fn from_shared_token(src: &ByteString, text: &str) -> Option<Self> {
        match Self::known(text) {
            Some(known) => Some(known),
            None if crate::text::is_token(text) => {
                Some(HeaderName::Other(crate::text::share(src, text)))
            }
            None => None,
        }
    }

    /// True when `text` names this header (long or compact form, any case).
    pub fn matches(&self, text: &str) -> bool {
        *self == HeaderName::new(text)
    }
}

/// A name of up to 24 bytes with ASCII letters lower-cased, as three words: a name of 8
/// to 16 bytes is its first and last eight bytes (overlapping), a longer one its first,
/// second and last eight, a shorter one a single zero-padded word. Two names of the same
/// length are equal ignoring ASCII case exactly when their folded forms are equal.
type Folded = [u64; 3];

/// [`fold`] at compile time, for the literal names.
const fn fold_const(s: &str) -> Folded {
    const fn word(b: &[u8], at: usize, len: usize) -> u64 {
        let mut w = 0;
        let mut i = 0;
        while i < len {
            w |= (b[at + i].to_ascii_lowercase() as u64) << (8 * i);
            i += 1;
        }
        w
    }
    let b = s.as_bytes();
    let n = b.len();
    if n < 8 {
        [word(b, 0, n), 0, 0]
    } else if n <= 16 {
        [word(b, 0, 8), word(b, n - 8, 8), 0]
    } else {
        [word(b, 0, 8), word(b, 8, 8), word(b, n - 8, 8)]
    }
}

/// `bytes` folded (`None` when longer than 24 bytes).
fn fold(bytes: &[u8]) -> Option<Folded> {
    let n = bytes.len();
    let word = |at: usize| {
        let chunk = bytes.get(at..at + 8)?;
        <[u8; 8]>::try_from(chunk).ok().map(u64::from_le_bytes)
    };
    let words = match n {
        0..8 => {
            let short = bytes
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            [short, 0, 0]
        }
        8..=16 => [word(0)?, word(n - 8)?, 0],
        17..=24 => [word(0)?, word(8)?, word(n - 8)?],
        _ => return None,
    };
    Some(words.map(lower_word))
}

/// Lower-cases the ASCII capital letters among eight bytes at once (other bytes, including
/// non-ASCII ones, are kept): a byte below 0x80 in `A..=Z` gets its 0x20 bit set.
#[inline]
fn lower_word(w: u64) -> u64 {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let seven = w & !HIGH;
    let at_least_a = seven + (0x80 - u64::from(b'A')) * LOW;
    let above_z = seven + (0x7f - u64::from(b'Z')) * LOW;
    let upper = at_least_a & !above_z & !w & HIGH;
    w | (upper >> 2)
}

impl PartialEq for HeaderName {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (HeaderName::Other(a), HeaderName::Other(b)) => a.eq_ignore_ascii_case(b),
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Eq for HeaderName {}

impl std::hash::Hash for HeaderName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            HeaderName::Other(s) => s.to_ascii_lowercase().hash(state),
            known => known.as_str().hash(state),
        }
    }
}

impl From<&str> for HeaderName {
    fn from(s: &str) -> Self {
        HeaderName::new(s)
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_name_is_found_in_long_and_compact_form_in_any_case() {
        for name in HeaderName::ALL {
            let long = name.as_str();
            for text in [
                long.to_string(),
                long.to_ascii_lowercase(),
                long.to_ascii_uppercase(),
            ] {
                let found = HeaderName::new(&text);
                assert_eq!(&found, name, "{text}");
                assert!(!matches!(found, HeaderName::Other(_)), "{text}");
            }
            if let Some(c) = name.compact() {
                assert_eq!(&HeaderName::new(&c.to_string()), name);
                assert_eq!(&HeaderName::new(&c.to_ascii_uppercase().to_string()), name);
            }
        }
    }

    #[test]
    fn folding_lower_cases_exactly_the_ascii_capitals() {
        for b in 0..=255u8 {
            let word = lower_word(u64::from_le_bytes([
                b,
                b'A',
                b'z',
                b,
                0x80 | b,
                b'[',
                b'@',
                b,
            ]));
            let expected = u64::from_le_bytes([
                b.to_ascii_lowercase(),
                b'a',
                b'z',
                b.to_ascii_lowercase(),
                0x80 | b,
                b'[',
                b'@',
                b.to_ascii_lowercase(),
            ]);
            assert_eq!(word, expected, "{b}");
        }
        for name in [
            "To",
            "Call-ID",
            "Max-Forwards",
            "Proxy-Authorization",
            "abcdefgh",
        ] {
            let upper = name.to_ascii_uppercase();
            assert_eq!(fold(upper.as_bytes()), Some(fold_const(name)), "{name}");
        }
        assert_ne!(fold(b"Max-Forwardz"), Some(fold_const("Max-Forwards")));
        assert_ne!(
            fold(b"Proxy-Authorizatiox"),
            Some(fold_const("Proxy-Authorization"))
        );
        assert_ne!(
            fold(b"Proxy-Xuthorization"),
            Some(fold_const("Proxy-Authorization"))
        );
        assert_eq!(fold(&[b'a'; 25]), None);
    }

    #[test]
    fn names_that_only_look_like_common_ones_stay_unknown() {
        for text in [
            "Tx",
            "Vai",
            "Contract",
            "Call-IX",
            "Max-Forwardz",
            "X-Via",
            "Fromm",
        ] {
            assert!(
                matches!(HeaderName::new(text), HeaderName::Other(_)),
                "{text}"
            );
        }
    }
}
