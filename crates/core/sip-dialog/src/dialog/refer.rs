//! Call transfer pieces: REFER progress as `message/sipfrag` NOTIFYs (RFC 3515) and Replaces
//! (RFC 3891), both inside Refer-To and as an INVITE header.

use super::core::{Dialog, DialogId, DialogRole, DialogState};
use crate::Error;

/// The status code of a `message/sipfrag` body (`SIP/2.0 180 Ringing`).
pub fn parse_sipfrag(body: &str) -> Result<u16, Error> {
    let line = body.lines().next().unwrap_or("");
    let mut words = line.split_ascii_whitespace();
    let version_ok = words
        .next()
        .is_some_and(|v| v.eq_ignore_ascii_case("SIP/2.0"));
    let code = words
        .next()
        .filter(|c| c.len() == 3)
        .and_then(|c| c.parse::<u16>().ok());
    match (version_ok, code) {
        (true, Some(code @ 100..=699)) => Ok(code),
        _ => Err(Error::Malformed("sipfrag")),
    }
}

/// A sipfrag body for a status.
pub fn sipfrag(status: u16, reason: &str) -> String {
    format!("SIP/2.0 {status} {reason}\r\n")
}

/// The `Subscription-State` of a REFER's implicit subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferState {
    /// Progress so far; more NOTIFYs will follow.
    Active {
        /// Seconds left of the subscription.
        expires: u32,
    },
    /// The final status was reported.
    Terminated,
}

impl std::fmt::Display for ReferState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReferState::Active { expires } => write!(f, "active;expires={expires}"),
            ReferState::Terminated => f.write_str("terminated;reason=noresource"),
        }
    }
}

/// One NOTIFY to send about a REFER's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferNotify {
    /// The `Event` header: `refer;id=<CSeq of the REFER>`.
    pub event: String,
    /// The `Subscription-State` header.
    pub state: ReferState,
    /// The `message/sipfrag;version=2.0` body.
    pub body: String,
}

/// The referee's side: reports the progress of the referenced request (RFC 3515 § 2.4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferNotifier {
    refer_cseq: u32,
    expires: u32,
    done: bool,
}

impl ReferNotifier {
    /// For an accepted (202) REFER with this CSeq; the subscription lasts `expires` seconds.
    pub fn new(refer_cseq: u32, expires: u32) -> Self {
        ReferNotifier {
            refer_cseq,
            expires,
            done: false,
        }
    }

    /// The first NOTIFY, sent right after the 202: `100 Trying`.
    pub fn initial(&mut self) -> Option<ReferNotify> {
        self.progress(100, "Trying")
    }

    /// The NOTIFY for a status of the referenced request; the subscription ends with the first
    /// final status. `None` once ended.
    pub fn progress(&mut self, status: u16, reason: &str) -> Option<ReferNotify> {
        if self.done {
            return None;
        }
        self.done = status >= 200;
        let state = if self.done {
            ReferState::Terminated
        } else {
            ReferState::Active {
                expires: self.expires,
            }
        };
        Some(ReferNotify {
            event: format!("refer;id={}", self.refer_cseq),
            state,
            body: sipfrag(status, reason),
        })
    }

    /// Whether the final status was reported.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// The referrer's reading of one NOTIFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferProgress {
    /// Still going (1xx).
    Trying(u16),
    /// The transfer target answered (2xx): the transfer succeeded.
    Succeeded,
    /// The referenced request failed with this status.
    Failed(u16),
}

/// Interprets a refer NOTIFY body.
pub fn refer_progress(sipfrag_body: &str) -> Result<ReferProgress, Error> {
    Ok(match parse_sipfrag(sipfrag_body)? {
        s @ 100..=199 => ReferProgress::Trying(s),
        200..=299 => ReferProgress::Succeeded,
        s => ReferProgress::Failed(s),
    })
}

/// A Replaces value: the dialog an INVITE takes over (RFC 3891).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaces {
    /// Call-ID of the dialog to replace.
    pub call_id: String,
    /// The tag the recipient of the INVITE uses (its local tag).
    pub to_tag: String,
    /// The tag of the recipient's peer (its remote tag).
    pub from_tag: String,
    /// Only replace an early dialog.
    pub early_only: bool,
}

impl Replaces {
    /// Parses a header value `call-id;to-tag=…;from-tag=…[;early-only]`.
    pub fn parse(value: &str) -> Result<Replaces, Error> {
        let mut parts = value.split(';').map(str::trim);
        let call_id = parts
            .next()
            .filter(|c| !c.is_empty())
            .ok_or(Error::Malformed("Replaces"))?;
        let (mut to_tag, mut from_tag, mut early_only) = (None, None, false);
        for p in parts {
            let (name, val) = p
                .split_once('=')
                .map_or((p, ""), |(n, v)| (n.trim(), v.trim()));
            match name.to_ascii_lowercase().as_str() {
                "to-tag" => to_tag = Some(val.to_owned()),
                "from-tag" => from_tag = Some(val.to_owned()),
                "early-only" => early_only = true,
                _ => {}
            }
        }
        match (to_tag, from_tag) {
            (Some(to_tag), Some(from_tag)) => Ok(Replaces {
                call_id: call_id.into(),
                to_tag,
                from_tag,
                early_only,
            }),
            _ => Err(Error::Malformed("Replaces")),
        }
    }

    /// The Replaces embedded in a Refer-To URI's headers (`…?Replaces=abc%40h%3Bto-tag%3D1…`),
    /// if any.
    pub fn from_refer_to(uri: &str) -> Result<Option<Replaces>, Error> {
        let uri = uri.trim().trim_start_matches('<');
        let uri = uri.split('>').next().unwrap_or(uri);
        let Some((_, headers)) = uri.split_once('?') else {
            return Ok(None);
        };
        let found = headers.split('&').find_map(|h| {
            let (name, value) = h.split_once('=')?;
            name.eq_ignore_ascii_case("replaces").then_some(value)
        });
        found
            .map(|v| Replaces::parse(&percent_decode(v)?))
            .transpose()
    }

    /// The recipient's id of the dialog named.
    pub fn dialog_id(&self) -> DialogId {
        DialogId {
            call_id: self.call_id.clone(),
            local_tag: self.to_tag.clone(),
            remote_tag: self.from_tag.clone(),
        }
    }

    /// Whether the recipient may honour it, given the matching dialog (RFC 3891 § 3).
    pub fn check(&self, dialog: Option<&Dialog>) -> Result<(), Error> {
        let refuse = |status| Err(Error::ReplacesRefused { status });
        let Some(d) = dialog.filter(|d| *d.id() == self.dialog_id()) else {
            return refuse(481);
        };
        match d.state() {
            DialogState::Terminated => refuse(603),
            DialogState::Confirmed if self.early_only => refuse(486),
            DialogState::Early if d.role() == DialogRole::Uas => refuse(481),
            _ => Ok(()),
        }
    }
}

impl std::fmt::Display for Replaces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{};to-tag={};from-tag={}",
            self.call_id, self.to_tag, self.from_tag
        )?;
        if self.early_only {
            f.write_str(";early-only")?;
        }
        Ok(())
    }
}

fn percent_decode(s: &str) -> Result<String, Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .ok_or(Error::Malformed("percent escape"))?;
            let hex = std::str::from_utf8(hex).map_err(|_| Error::Malformed("percent escape"))?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| Error::Malformed("percent escape"))?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Error::Malformed("percent escape"))
}
