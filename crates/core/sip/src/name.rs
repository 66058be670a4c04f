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
                $(if name.eq_ignore_ascii_case($long) { return Some(HeaderName::$variant); })*
                None
            }

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
    /// The name for `text` (long or compact form, any case).
    pub fn new(text: &str) -> Self {
        Self::known(text).unwrap_or_else(|| HeaderName::Other(ByteString::from(text)))
    }

    /// Like [`HeaderName::new`], sharing `src` for unknown names.
    pub(crate) fn from_shared(src: &ByteString, text: &str) -> Self {
        Self::known(text).unwrap_or_else(|| HeaderName::Other(crate::text::share(src, text)))
    }

    /// True when `text` names this header (long or compact form, any case).
    pub fn matches(&self, text: &str) -> bool {
        *self == HeaderName::new(text)
    }
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
