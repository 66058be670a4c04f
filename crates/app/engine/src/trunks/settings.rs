//! A trunk's typed settings (the store keeps them as opaque JSON in `Trunk.settings`).

use std::time::Duration;

use ipnet::IpNet;
use sb_sip::{Host, SipUri};
use sb_sip_dialog::e164::{NationalDialing, normalize};
use sb_sip_dialog::trunk::caller_id::{CallerIdPattern, CallerIdRules, PrivacyPolicy};
use serde::{Deserialize, Serialize};

/// The OPTIONS ping interval when pings are on without an explicit interval.
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(30);

/// A trunk's settings, as written in a tenant document under `trunks[].settings`.
///
/// Every field is optional; unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkSettings {
    /// Networks (CIDR, e.g. `203.0.113.0/24`; a bare address means /32 or /128) whose INVITEs
    /// arrive on this trunk. Without any, the trunk takes no inbound calls.
    #[serde(default)]
    pub inbound_sources: Vec<String>,
    /// The numbers the trunk carries; empty means any of the tenant's points of contact.
    #[serde(default)]
    pub numbers: Vec<String>,
    /// Country calling code used to read national numbers (`44`, `1`); needs no `+`.
    #[serde(default)]
    pub country_code: Option<String>,
    /// National trunk prefix dropped before the country code is added (`0`, `1`, or empty).
    #[serde(default)]
    pub national_prefix: Option<String>,
    /// Default outbound caller ID (E.164).
    #[serde(default)]
    pub caller_id: Option<String>,
    /// Display name sent with the default caller ID.
    #[serde(default)]
    pub caller_id_name: Option<String>,
    /// Caller IDs a flow or agent may present instead of the default: E.164 numbers, or
    /// prefixes ending in `*` (`+44207946*`). Empty: only the default.
    #[serde(default)]
    pub allowed_caller_ids: Vec<String>,
    /// `on_request` (default), `always` or `never` hide the caller.
    #[serde(default)]
    pub privacy: Privacy,
    /// Send P-Asserted-Identity (only to a carrier that is trusted with it).
    #[serde(default)]
    pub assert_identity: bool,
    /// Register to the carrier.
    #[serde(default)]
    pub register: Option<RegisterSettings>,
    /// OPTIONS pings of the carrier: `true`/`false`, or the interval in seconds. Default: on
    /// (every 30 s) when the trunk has an `outbound_proxy` or a `register.registrar`.
    #[serde(default)]
    pub options_ping: Option<OptionsPing>,
    /// Where outbound calls and pings go (`sip:sbc.carrier.example:5060`).
    #[serde(default)]
    pub outbound_proxy: Option<String>,
    /// Digest credentials for the carrier's challenges to our INVITEs, when the trunk does
    /// not register (a registering trunk answers with its `register` credentials).
    #[serde(default)]
    pub auth: Option<AuthSettings>,
    /// Offer SRTP (RTP/SAVP with an SDES key) on calls we place through the trunk, for
    /// carriers that require it; SRTP offers from the carrier are answered in kind either way.
    #[serde(default)]
    pub srtp: bool,
}

/// The `auth` block: digest credentials for calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

/// The `register` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterSettings {
    /// The registrar's URI (`sip:carrier.example`), Request-URI of the REGISTER.
    pub registrar: String,
    /// The user name, also the user part of the address of record.
    pub username: String,
    /// The digest password.
    #[serde(default)]
    pub password: Option<String>,
    /// Answer challenges of this realm only.
    #[serde(default)]
    pub realm: Option<String>,
    /// Requested binding lifetime in seconds (default 3600).
    #[serde(default = "default_expires")]
    pub expires: u32,
    /// The Contact to register (default: `sip:<username>@<our SIP address>`).
    #[serde(default)]
    pub contact: Option<String>,
}

fn default_expires() -> u32 {
    3600
}

/// `privacy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Privacy {
    /// Hide the caller when the call asks for it.
    #[default]
    OnRequest,
    /// Always hide the caller.
    Always,
    /// Never hide the caller.
    Never,
}

/// `options_ping`: on/off or the interval in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OptionsPing {
    /// On (default interval) or off.
    Enabled(bool),
    /// On, every this many seconds.
    Every(u32),
}

/// Settings checked and turned into the cores' types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkPlan {
    /// Inbound source networks.
    pub sources: Vec<IpNet>,
    /// Numbers carried.
    pub numbers: Vec<String>,
    /// National dialing rules.
    pub national: Option<NationalDialing>,
    /// The registration, checked.
    pub register: Option<RegisterPlan>,
    /// Where pings go and how often, if they are on.
    pub ping: Option<(SipUri, Duration)>,
    /// Outbound proxy.
    pub outbound_proxy: Option<SipUri>,
    /// Outbound caller ID rules, when a default caller ID is set.
    pub caller_id: Option<CallerIdRules>,
    /// Digest credentials answering challenges to our INVITEs (`auth`, else `register`'s).
    pub call_credentials: Option<(String, String)>,
    /// Our offers on calls through the trunk are SRTP.
    pub srtp: bool,
}

/// A checked `register` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterPlan {
    /// Registrar URI.
    pub registrar: SipUri,
    /// User name.
    pub username: String,
    /// Password.
    pub password: Option<String>,
    /// Realm pin.
    pub realm: Option<String>,
    /// Requested expiry.
    pub expires: u32,
    /// Contact override.
    pub contact: Option<SipUri>,
}

/// A settings problem: the field path under `settings` (empty for the whole object) and what
/// is wrong.
pub type SettingsProblem = (String, String);

impl TrunkSettings {
    /// Parses and checks a trunk's JSON settings.
    pub fn plan(value: &serde_json::Value) -> Result<TrunkPlan, SettingsProblem> {
        let s: TrunkSettings =
            serde_json::from_value(value.clone()).map_err(|e| (String::new(), e.to_string()))?;
        s.check()
    }

    /// Checks these settings and turns them into the cores' types.
    pub fn check(&self) -> Result<TrunkPlan, SettingsProblem> {
        let problem = |field: String, msg: &str| (field, msg.to_owned());
        let mut sources = Vec::with_capacity(self.inbound_sources.len());
        for (i, s) in self.inbound_sources.iter().enumerate() {
            sources.push(
                parse_net(s)
                    .ok_or_else(|| problem(format!("inbound_sources[{i}]"), "not a CIDR"))?,
            );
        }
        let national = match (&self.country_code, &self.national_prefix) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(problem(
                    "national_prefix".into(),
                    "needs a country_code as well",
                ));
            }
            (Some(cc), prefix) => Some(
                NationalDialing::new(cc.trim_start_matches('+'), prefix.as_deref().unwrap_or(""))
                    .map_err(|e| (String::from("country_code"), e.to_string()))?,
            ),
        };
        for (i, n) in self.numbers.iter().enumerate() {
            normalize(n, national.as_ref())
                .map_err(|e| (format!("numbers[{i}]"), e.to_string()))?;
        }
        let register = match &self.register {
            None => None,
            Some(r) => Some(r.check()?),
        };
        let outbound_proxy = self
            .outbound_proxy
            .as_deref()
            .map(|u| sip_uri(u).map_err(|m| problem("outbound_proxy".into(), m)))
            .transpose()?;
        let target = outbound_proxy
            .clone()
            .or_else(|| register.as_ref().map(|r| r.registrar.clone()));
        let interval = match self.options_ping {
            None => target.as_ref().map(|_| DEFAULT_PING_INTERVAL),
            Some(OptionsPing::Enabled(false)) => None,
            Some(OptionsPing::Enabled(true)) => Some(DEFAULT_PING_INTERVAL),
            Some(OptionsPing::Every(0)) => {
                return Err(problem(
                    "options_ping".into(),
                    "the interval must be at least 1 s",
                ));
            }
            Some(OptionsPing::Every(n)) => Some(Duration::from_secs(u64::from(n))),
        };
        let ping = match (interval, target) {
            (Some(i), Some(t)) => Some((t, i)),
            (Some(_), None) if self.options_ping.is_some() => {
                return Err(problem(
                    "options_ping".into(),
                    "pings need an outbound_proxy or a register.registrar to ping",
                ));
            }
            _ => None,
        };
        let caller_id = self.caller_id_rules(
            national.as_ref(),
            outbound_proxy.as_ref(),
            register.as_ref(),
        )?;
        let call_credentials = match (&self.auth, &register) {
            (Some(a), _) if a.username.is_empty() => {
                return Err(problem("auth.username".into(), "must not be empty"));
            }
            (Some(a), _) => Some((a.username.clone(), a.password.clone())),
            (None, Some(r)) => r.password.clone().map(|p| (r.username.clone(), p)),
            (None, None) => None,
        };
        Ok(TrunkPlan {
            call_credentials,
            srtp: self.srtp,
            sources,
            numbers: self.numbers.clone(),
            national,
            register,
            ping,
            outbound_proxy,
            caller_id,
        })
    }

    fn caller_id_rules(
        &self,
        national: Option<&NationalDialing>,
        proxy: Option<&SipUri>,
        register: Option<&RegisterPlan>,
    ) -> Result<Option<CallerIdRules>, SettingsProblem> {
        let mut allowed = Vec::with_capacity(self.allowed_caller_ids.len());
        for (i, a) in self.allowed_caller_ids.iter().enumerate() {
            allowed.push(
                CallerIdPattern::parse(a)
                    .map_err(|e| (format!("allowed_caller_ids[{i}]"), e.to_string()))?,
            );
        }
        let Some(default) = &self.caller_id else {
            if !allowed.is_empty() {
                return Err((
                    "caller_id".into(),
                    "allowed_caller_ids need a default caller_id".into(),
                ));
            }
            return Ok(None);
        };
        let default =
            normalize(default, national).map_err(|e| (String::from("caller_id"), e.to_string()))?;
        let domain = proxy
            .or(register.map(|r| &r.registrar))
            .map(|u| u.host.clone())
            .unwrap_or(Host::Ipv4(std::net::Ipv4Addr::LOCALHOST));
        Ok(Some(CallerIdRules {
            domain,
            default,
            default_display: self.caller_id_name.clone(),
            allowed,
            privacy: match self.privacy {
                Privacy::OnRequest => PrivacyPolicy::OnRequest,
                Privacy::Always => PrivacyPolicy::Always,
                Privacy::Never => PrivacyPolicy::Never,
            },
            assert_identity: self.assert_identity,
            national: national.cloned(),
        }))
    }
}

impl RegisterSettings {
    fn check(&self) -> Result<RegisterPlan, SettingsProblem> {
        let registrar = sip_uri(&self.registrar)
            .map_err(|m| ("register.registrar".to_owned(), m.to_owned()))?;
        if self.username.trim().is_empty() || self.username.contains(['@', ' ', ':']) {
            return Err((
                "register.username".into(),
                "must be a non-empty user name without '@', ':' or spaces".into(),
            ));
        }
        if self.expires < 60 {
            return Err(("register.expires".into(), "must be at least 60 s".into()));
        }
        let contact = self
            .contact
            .as_deref()
            .map(|c| sip_uri(c).map_err(|m| ("register.contact".to_owned(), m.to_owned())))
            .transpose()?;
        Ok(RegisterPlan {
            registrar,
            username: self.username.clone(),
            password: self.password.clone(),
            realm: self.realm.clone(),
            expires: self.expires,
            contact,
        })
    }
}

fn sip_uri(text: &str) -> Result<SipUri, &'static str> {
    SipUri::parse(text.trim()).map_err(|_| "not a sip: or sips: URI")
}

fn parse_net(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}
