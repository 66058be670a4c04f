//! Outbound caller ID: what a trunk's INVITE presents (From) and asserts
//! (P-Asserted-Identity, RFC 3325), and whether it asks for privacy (`Privacy: id`).
//!
//! Rules:
//! - the requested number (normalised to E.164) is presented when it is the default or matches
//!   an allowed pattern; otherwise the default number is presented, with the default display;
//! - anonymous (requested, and not refused by the trunk's policy, or forced by it): From is
//!   `"Anonymous" <sip:anonymous@anonymous.invalid>`, the real identity goes in
//!   P-Asserted-Identity and `Privacy: id` asks the carrier to withhold it;
//! - otherwise From is `"display" <sip:+number@domain;user=phone>`, with the same identity in
//!   P-Asserted-Identity when the trunk wants it (`assert_identity`).

use sb_sip::{HeaderName, Host, NameAddr, Request, SipUri, Uri};

use crate::Error;
use crate::e164::{E164, NationalDialing, normalize};

/// Longest display name presented (longer requested names are cut).
const MAX_DISPLAY: usize = 64;

/// A number or range a trunk may present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerIdPattern {
    /// Exactly this number.
    Exact(E164),
    /// Any number starting with these digits (`+4420794600*`).
    Prefix(String),
}

impl CallerIdPattern {
    /// Parses `+digits` (an exact number, separators allowed) or `+digits*` (a prefix).
    pub fn parse(s: &str) -> Result<Self, Error> {
        match s.trim().strip_suffix('*') {
            Some(prefix) => {
                let digits: String = prefix.chars().filter(|c| !"-.() ".contains(*c)).collect();
                let ok = digits
                    .strip_prefix('+')
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
                if !ok {
                    return Err(Error::InvalidCallerIdRule("prefix must be + and digits"));
                }
                Ok(CallerIdPattern::Prefix(digits))
            }
            None => normalize(s, None)
                .map(CallerIdPattern::Exact)
                .map_err(|_| Error::InvalidCallerIdRule("number must be E.164")),
        }
    }

    /// Whether `number` is allowed by this pattern.
    pub fn matches(&self, number: &E164) -> bool {
        match self {
            CallerIdPattern::Exact(n) => n == number,
            CallerIdPattern::Prefix(p) => number.as_str().starts_with(p.as_str()),
        }
    }
}

/// When calls go out anonymously.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrivacyPolicy {
    /// When the caller asks.
    #[default]
    OnRequest,
    /// Always (the trunk never shows the number).
    Always,
    /// Never (the carrier refuses anonymous calls); a request for privacy is ignored.
    Never,
}

/// A trunk's caller-ID rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdRules {
    /// The host of the From and P-Asserted-Identity URIs (the trunk's domain at the carrier).
    pub domain: Host,
    /// The number presented when the requested one is not allowed.
    pub default: E164,
    /// The display name presented with the default number.
    pub default_display: Option<String>,
    /// Numbers and ranges that may be presented besides the default.
    pub allowed: Vec<CallerIdPattern>,
    /// When to withhold the identity.
    pub privacy: PrivacyPolicy,
    /// Send P-Asserted-Identity on non-anonymous calls too (anonymous ones always carry it).
    pub assert_identity: bool,
    /// How national requested numbers are written (`None`: only international forms).
    pub national: Option<NationalDialing>,
}

/// What the call asks to present.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallerIdRequest {
    /// The number, in any form [`crate::e164::normalize`] takes.
    pub number: Option<String>,
    /// The display name.
    pub display: Option<String>,
    /// Withhold the identity.
    pub anonymous: bool,
}

/// The identity headers of one outbound INVITE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundIdentity {
    /// The From address (the caller adds the tag).
    pub from: NameAddr,
    /// The P-Asserted-Identity, when sent.
    pub asserted: Option<NameAddr>,
    /// The Privacy header value (`id`), when privacy is asked.
    pub privacy: Option<&'static str>,
    /// The number the call really comes from (presented or asserted).
    pub number: E164,
}

impl CallerIdRules {
    /// The identity for a call asking for `request`.
    pub fn resolve(&self, request: &CallerIdRequest) -> OutboundIdentity {
        let requested = request
            .number
            .as_deref()
            .and_then(|n| normalize(n, self.national.as_ref()).ok())
            .filter(|n| *n == self.default || self.allowed.iter().any(|p| p.matches(n)));
        let (number, display) = match requested {
            Some(n) => (n, request.display.clone()),
            None => (self.default.clone(), self.default_display.clone()),
        };
        let mut identity = NameAddr::new(Uri::Sip(self.number_uri(&number)));
        if let Some(d) = display
            .as_deref()
            .map(clean_display)
            .filter(|d| !d.is_empty())
        {
            identity = identity.with_display(&d);
        }
        let anonymous = match self.privacy {
            PrivacyPolicy::OnRequest => request.anonymous,
            PrivacyPolicy::Always => true,
            PrivacyPolicy::Never => false,
        };
        if anonymous {
            let mut anon = SipUri::new(Host::Domain("anonymous.invalid".into()));
            anon.user = Some("anonymous".into());
            OutboundIdentity {
                from: NameAddr::new(Uri::Sip(anon)).with_display("Anonymous"),
                asserted: Some(identity),
                privacy: Some("id"),
                number,
            }
        } else {
            OutboundIdentity {
                from: identity.clone(),
                asserted: self.assert_identity.then_some(identity),
                privacy: None,
                number,
            }
        }
    }

    fn number_uri(&self, number: &E164) -> SipUri {
        let mut uri = SipUri::new(self.domain.clone());
        uri.user = Some(number.as_str().into());
        uri.params.set("user", Some("phone"));
        uri
    }
}

impl OutboundIdentity {
    /// Puts the identity on an INVITE: From replaced (its tag kept), P-Asserted-Identity and
    /// Privacy set or removed.
    pub fn apply(&self, invite: &mut Request) {
        let tag = invite
            .headers()
            .from()
            .ok()
            .and_then(|f| f.tag().map(str::to_owned));
        let mut from = self.from.clone();
        if let Some(tag) = tag {
            from.set_tag(&tag);
        }
        let h = invite.headers_mut();
        h.set(HeaderName::From, from);
        h.remove(HeaderName::PAssertedIdentity);
        h.remove(HeaderName::Privacy);
        if let Some(pai) = &self.asserted {
            h.push(HeaderName::PAssertedIdentity, pai);
        }
        if let Some(p) = self.privacy {
            h.push(HeaderName::Privacy, p);
        }
    }
}

/// Control characters dropped and length capped: display names come from users and flows.
fn clean_display(d: &str) -> String {
    d.chars()
        .filter(|c| !c.is_control())
        .take(MAX_DISPLAY)
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> CallerIdRules {
        CallerIdRules {
            domain: Host::Domain("trunk.example.net".into()),
            default: normalize("+442079460000", None).unwrap(),
            default_display: Some("Acme Support".into()),
            allowed: vec![
                CallerIdPattern::parse("+44 20 7946 01*").unwrap(),
                CallerIdPattern::parse("+1 201 555 0123").unwrap(),
            ],
            privacy: PrivacyPolicy::OnRequest,
            assert_identity: true,
            national: Some(NationalDialing::new("44", "0").unwrap()),
        }
    }

    fn ask(number: &str, display: &str, anonymous: bool) -> CallerIdRequest {
        CallerIdRequest {
            number: Some(number.into()),
            display: Some(display.into()),
            anonymous,
        }
    }

    #[test]
    fn allowed_number_is_presented_and_asserted() {
        let id = rules().resolve(&ask("020 7946 0150", "Sales", false));
        assert_eq!(
            id.from.to_string(),
            "\"Sales\" <sip:+442079460150@trunk.example.net;user=phone>"
        );
        assert_eq!(id.asserted.as_ref(), Some(&id.from));
        assert_eq!(id.privacy, None);
        let exact = rules().resolve(&ask("+12015550123", "US", false));
        assert_eq!(exact.number.as_str(), "+12015550123");
    }

    #[test]
    fn number_not_allowed_falls_back_to_the_default() {
        for asked in ["+442079469999", "not a number", "+12015550124"] {
            let id = rules().resolve(&ask(asked, "Spoofer", false));
            assert_eq!(
                id.from.to_string(),
                "\"Acme Support\" <sip:+442079460000@trunk.example.net;user=phone>",
                "{asked}"
            );
        }
        let none = rules().resolve(&CallerIdRequest::default());
        assert_eq!(none.number.as_str(), "+442079460000");
    }

    #[test]
    fn anonymous_hides_from_but_asserts_the_identity_with_privacy_id() {
        let id = rules().resolve(&ask("+442079460150", "Sales", true));
        assert_eq!(
            id.from.to_string(),
            "\"Anonymous\" <sip:anonymous@anonymous.invalid>"
        );
        assert_eq!(
            id.asserted.map(|a| a.to_string()).as_deref(),
            Some("\"Sales\" <sip:+442079460150@trunk.example.net;user=phone>")
        );
        assert_eq!(id.privacy, Some("id"));
    }

    #[test]
    fn privacy_policy_can_force_or_refuse_anonymity() {
        let mut r = rules();
        r.privacy = PrivacyPolicy::Always;
        assert_eq!(
            r.resolve(&ask("+442079460150", "", false)).privacy,
            Some("id")
        );
        r.privacy = PrivacyPolicy::Never;
        assert_eq!(r.resolve(&ask("+442079460150", "", true)).privacy, None);
        r.assert_identity = false;
        assert_eq!(r.resolve(&ask("+442079460150", "", false)).asserted, None);
    }

    #[test]
    fn display_names_are_quoted_and_cleaned() {
        let id = rules().resolve(&ask("+442079460150", "Eve \"x\"\r\nVia: evil", false));
        let text = id.from.to_string();
        assert!(!text.contains('\r') && !text.contains('\n'), "{text}");
        assert!(text.starts_with("\"Eve \\\"x\\\"Via: evil\""), "{text}");
    }

    #[test]
    fn apply_sets_from_keeping_the_tag_and_replaces_identity_headers() {
        let raw = "INVITE sip:+15551234@carrier.example.net SIP/2.0\r\n\
            Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKci1\r\nMax-Forwards: 70\r\n\
            From: <sip:agent@pbx.example.com>;tag=ft1\r\nTo: <sip:+15551234@carrier.example.net>\r\n\
            Call-ID: ci1\r\nCSeq: 1 INVITE\r\nP-Asserted-Identity: <sip:old@x>\r\n\
            Content-Length: 0\r\n\r\n";
        let mut invite = match sb_sip::parse(raw.as_bytes().to_vec()).unwrap() {
            sb_sip::Message::Request(r) => r,
            _ => unreachable!(),
        };
        rules()
            .resolve(&ask("+442079460150", "Sales", true))
            .apply(&mut invite);
        let reparsed = sb_sip::parse(invite.to_bytes()).unwrap();
        let h = reparsed.headers();
        assert_eq!(h.from().unwrap().tag(), Some("ft1"));
        assert_eq!(
            h.from().unwrap().uri.to_string(),
            "sip:anonymous@anonymous.invalid"
        );
        assert_eq!(h.count(HeaderName::PAssertedIdentity), 1);
        assert!(
            h.get(HeaderName::PAssertedIdentity)
                .unwrap()
                .contains("+442079460150")
        );
        assert_eq!(h.get(HeaderName::Privacy), Some("id"));
    }

    #[test]
    fn malformed_patterns_are_refused() {
        for bad in ["+44abc*", "*", "4420*", "hello"] {
            assert!(CallerIdPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
