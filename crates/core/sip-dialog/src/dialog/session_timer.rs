//! Session timers (RFC 4028): negotiation and the refresh / expiry deadlines.

use std::time::Duration;

use sb_types::Timestamp;

use super::core::DialogEvent;
use crate::Error;

/// The `refresher` parameter: which side of the *dialog-creating* transaction refreshes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefresherParam {
    /// `refresher=uac`.
    Uac,
    /// `refresher=uas`.
    Uas,
}

impl RefresherParam {
    /// Parses `uac` / `uas`.
    pub fn parse(s: &str) -> Option<RefresherParam> {
        match s.trim() {
            s if s.eq_ignore_ascii_case("uac") => Some(RefresherParam::Uac),
            s if s.eq_ignore_ascii_case("uas") => Some(RefresherParam::Uas),
            _ => None,
        }
    }

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            RefresherParam::Uac => "uac",
            RefresherParam::Uas => "uas",
        }
    }
}

/// Our session timer policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimerConfig {
    /// Our Min-SE (at least 90 s by RFC 4028).
    pub min_se: u32,
    /// The interval we use when the peer proposes none.
    pub default_se: u32,
}

impl Default for SessionTimerConfig {
    /// Min-SE 90 s, interval 1800 s.
    fn default() -> Self {
        SessionTimerConfig {
            min_se: 90,
            default_se: 1800,
        }
    }
}

/// The outcome of negotiation: the interval and who refreshes, to put in the 2xx
/// `Session-Expires` and to arm [`SessionTimer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// Session interval in seconds.
    pub interval: u32,
    /// Who refreshes.
    pub refresher: RefresherParam,
}

impl SessionTimerConfig {
    /// The UAS's answer to an INVITE (RFC 4028 § 9). `requested` is its Session-Expires;
    /// `uac_supports_timer` whether it listed `timer` in Supported. A too-short interval is
    /// refused with 422.
    pub fn negotiate_uas(
        &self,
        requested: Option<(u32, Option<RefresherParam>)>,
        uac_supports_timer: bool,
    ) -> Result<Negotiated, Error> {
        let Some((interval, refresher)) = requested else {
            return Ok(Negotiated {
                interval: self.default_se,
                refresher: RefresherParam::Uas,
            });
        };
        if interval < self.min_se {
            return Err(Error::SessionIntervalTooSmall {
                min_se: self.min_se,
            });
        }
        let chosen = if uac_supports_timer {
            RefresherParam::Uac
        } else {
            RefresherParam::Uas
        };
        let refresher = refresher.filter(|_| uac_supports_timer).unwrap_or(chosen);
        Ok(Negotiated {
            interval,
            refresher,
        })
    }
}

/// Who refreshes, from this side's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresher {
    /// We send the refreshes.
    Local,
    /// The peer does; we watch for expiry.
    Remote,
}

impl Refresher {
    /// Translates the wire parameter for a side that was the UAC (`we_are_uac`) or the UAS.
    pub fn from_param(param: RefresherParam, we_are_uac: bool) -> Refresher {
        match (param, we_are_uac) {
            (RefresherParam::Uac, true) | (RefresherParam::Uas, false) => Refresher::Local,
            _ => Refresher::Remote,
        }
    }
}

/// The running timer of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimer {
    interval: Duration,
    refresher: Refresher,
    last: Timestamp,
    refresh_sent: bool,
    expired: bool,
}

impl SessionTimer {
    /// A timer starting at `now` (the 2xx that set it up).
    pub fn new(now: Timestamp, interval_secs: u32, refresher: Refresher) -> Self {
        SessionTimer {
            interval: Duration::from_secs(u64::from(interval_secs)),
            refresher,
            last: now,
            refresh_sent: false,
            expired: false,
        }
    }

    /// Who refreshes.
    pub fn refresher(&self) -> Refresher {
        self.refresher
    }

    /// A refresh succeeded (2xx to a re-INVITE or UPDATE, either direction).
    pub fn refreshed(&mut self, now: Timestamp) {
        self.last = now;
        self.refresh_sent = false;
        self.expired = false;
    }

    /// When the refresher should refresh: half the interval (RFC 4028 § 10).
    pub fn refresh_at(&self) -> Timestamp {
        self.last + self.interval / 2
    }

    /// When the session is over without a refresh. The side that does not refresh sends BYE a
    /// little early: min(32 s, interval / 3) before expiry (RFC 4028 § 10).
    pub fn expires_at(&self) -> Timestamp {
        match self.refresher {
            Refresher::Local => self.last + self.interval,
            Refresher::Remote => {
                self.last + self.interval - (self.interval / 3).min(Duration::from_secs(32))
            }
        }
    }

    /// The next deadline.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        if self.expired {
            return None;
        }
        let refresh =
            (self.refresher == Refresher::Local && !self.refresh_sent).then(|| self.refresh_at());
        refresh.or(Some(self.expires_at()))
    }

    /// Runs the deadline due at `now`.
    pub fn handle_timeout(&mut self, now: Timestamp) -> Option<DialogEvent> {
        if self.poll_timeout().is_none_or(|at| at > now) {
            return None;
        }
        if self.refresher == Refresher::Local && !self.refresh_sent {
            self.refresh_sent = true;
            return Some(DialogEvent::RefreshSession);
        }
        self.expired = true;
        Some(DialogEvent::SessionExpired)
    }
}
