//! The JSON settings of an email channel, as an admin writes them (tenant document or API),
//! and what they become: [`MailboxSettings`] for retrieval and [`SmtpSettings`] for replies.
//!
//! ```json
//! { "address": "support@example.com", "display_name": "Example Support",
//!   "protocol": "imaps", "host": "imap.example.com",
//!   "username": "support@example.com", "password": "enc:v1:…",
//!   "after": "move:Archive",
//!   "smtp": { "host": "smtp.example.com", "security": "starttls",
//!             "username": "support@example.com", "password": "enc:v1:…" } }
//! ```
//!
//! [`EmailChannelSettings::from_json`] reads every field on its own, so that a document with
//! several mistakes gets them all reported at once; unknown fields are refused.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    EmailError, ImapAfter, MailboxSettings, Pop3After, Pop3Auth, Protocol, SecretKey, Security,
    ServerSettings, SmtpSettings, TlsSettings, secret, tls,
};

/// Default seconds between two polls.
const DEFAULT_POLL_SECS: u32 = 60;
/// Fewest seconds between two polls.
const MIN_POLL_SECS: u32 = 5;
/// Most seconds between two polls (one day).
const MAX_POLL_SECS: u32 = 86_400;
/// Default seconds to wait for a server.
const DEFAULT_TIMEOUT_SECS: u32 = 30;
/// Largest accepted `max_message_bytes` (1 GiB).
const MAX_MESSAGE_BYTES: u64 = 1 << 30;
/// What [`EmailChannelSettings::redacted`] shows instead of a password.
const REDACTED: &str = "********";

/// One email channel: the mailbox it polls and the server its replies go through.
///
/// Build it with [`EmailChannelSettings::from_json`], which checks everything;
/// [`EmailChannelSettings::mailbox`] and [`EmailChannelSettings::smtp`] check again, so a
/// value built by hand cannot yield unusable settings either. `Debug` hides the passwords.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailChannelSettings {
    /// The point of contact, e.g. `support@example.com`.
    pub address: String,
    /// The name in the `From` of replies.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `pop3`, `pop3s`, `imap` or `imaps`.
    pub protocol: String,
    /// Upgrade with STLS/STARTTLS (only for `pop3` and `imap`; never falls back to plain).
    #[serde(default)]
    pub starttls: bool,
    /// Mail server host name or IP address.
    pub host: String,
    /// Default 110, 995, 143 or 993 by protocol.
    #[serde(default)]
    pub port: Option<u16>,
    /// Login name.
    pub username: String,
    /// Plain, or sealed `enc:v1:…` (see [`SecretKey`]).
    pub password: String,
    /// IMAP folder polled, default `INBOX`.
    #[serde(default)]
    pub folder: Option<String>,
    /// After storing a message. IMAP: `seen` (default) or `move:<folder>`;
    /// POP3: `delete` (default) or `keep`.
    #[serde(default)]
    pub after: Option<String>,
    /// Seconds between polls: default 60, at least 5, at most 86400. With `idle`, the longest
    /// wait between two polls.
    #[serde(default)]
    pub poll_interval_secs: Option<u32>,
    /// IMAP only: wait for new mail with IDLE (RFC 2177) between polls, so a message is
    /// fetched as soon as it arrives; default `false` (poll every `poll_interval_secs`).
    #[serde(default)]
    pub idle: bool,
    /// Largest message kept whole (default 25 MiB, at most 1 GiB); a bigger one is kept as
    /// its beginning and flagged.
    #[serde(default)]
    pub max_message_bytes: Option<u64>,
    /// The `authserv-id`s of the organisation's own mail servers (e.g. `mx.example.com`):
    /// only their `Authentication-Results` headers are trusted for the SPF/DKIM/DMARC verdicts
    /// shown to agents. Empty: the topmost header is shown, marked untrusted. At most 10.
    #[serde(default)]
    pub authserv_ids: Vec<String>,
    /// CA certificates (PEM) trusted for the mail server instead of the system's.
    #[serde(default)]
    pub ca_pem: Option<String>,
    /// Accept any certificate from the mail server (lab servers only).
    #[serde(default)]
    pub accept_invalid_certificates: bool,
    /// Seconds to wait for connecting or one answer, for both servers: default 30, 1 to 600.
    #[serde(default)]
    pub timeout_secs: Option<u32>,
    /// Stop retrieving from the mailbox (a retired address): nothing is fetched, existing
    /// conversations stay and can still be answered. Default `false`.
    #[serde(default)]
    pub disabled: bool,
    /// Where replies are sent.
    pub smtp: SmtpChannelSettings,
}

/// The SMTP server of a channel. Its TLS settings are its own: the mailbox's CA PEM is not
/// used for it (the two servers are often run by different parties).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpChannelSettings {
    /// SMTP server host name or IP address.
    pub host: String,
    /// Default 587 (`starttls`), 465 (`tls`) or 25 (`plain`).
    #[serde(default)]
    pub port: Option<u16>,
    /// `plain`, `starttls` or `tls`.
    pub security: String,
    /// Login name for `AUTH`; none sends without logging in.
    #[serde(default)]
    pub username: Option<String>,
    /// Plain or sealed; required with a username.
    #[serde(default)]
    pub password: String,
    /// The name given in `EHLO`, default the domain of the envelope sender.
    #[serde(default)]
    pub helo_name: Option<String>,
    /// CA certificates (PEM) trusted for the SMTP server instead of the system's.
    #[serde(default)]
    pub ca_pem: Option<String>,
    /// Accept any certificate from the SMTP server (lab servers only).
    #[serde(default)]
    pub accept_invalid_certificates: bool,
}

/// One thing wrong in a channel's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingsProblem {
    /// The field, as a path: `port`, `smtp.security`; empty for the document itself.
    pub field: String,
    /// What is wrong, for the admin.
    pub message: String,
}

impl fmt::Display for SettingsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl fmt::Debug for EmailChannelSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailChannelSettings({})", self.redacted())
    }
}

impl fmt::Debug for SmtpChannelSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmtpChannelSettings({})", redacted(self))
    }
}

impl EmailChannelSettings {
    /// Reads and checks a channel's settings; every problem found is reported, not only the
    /// first.
    pub fn from_json(v: &Value) -> Result<Self, Vec<SettingsProblem>> {
        let mut problems = Problems::default();
        let Some((settings, smtp_read)) = read_channel(v, &mut problems) else {
            return Err(problems.0);
        };
        // Fields that failed to read hold defaults; their problem is already the first.
        settings.check_mailbox(&mut problems);
        if smtp_read {
            settings.smtp.check(&mut problems);
        }
        if problems.0.is_empty() {
            Ok(settings)
        } else {
            Err(problems.0)
        }
    }

    /// The retrieval settings, the password opened with `secrets`.
    pub fn mailbox(&self, secrets: &SecretKey) -> Result<MailboxSettings, EmailError> {
        self.usable()?;
        let (protocol, security) = self.protocol_and_security()?;
        let server = ServerSettings {
            host: self.host.clone(),
            port: self.port.unwrap_or_else(|| self.default_port()),
            security,
            tls: TlsSettings {
                ca_pem: self.ca_pem.clone(),
                accept_invalid_certificates: self.accept_invalid_certificates,
            },
            username: self.username.clone(),
            password: secrets.open(&self.password)?,
            timeout: self.timeout(),
        };
        let mut mailbox = MailboxSettings::new(server, protocol);
        mailbox.idle = self.idle;
        if let Some(max) = self.max_message_bytes {
            mailbox.max_message_size = usize::try_from(max).unwrap_or(usize::MAX);
        }
        Ok(mailbox)
    }

    /// The sending settings, the password opened with `secrets`.
    pub fn smtp(&self, secrets: &SecretKey) -> Result<SmtpSettings, EmailError> {
        self.usable()?;
        let smtp = &self.smtp;
        let security =
            smtp_security(&smtp.security).ok_or_else(|| EmailError::invalid("smtp.security"))?;
        Ok(SmtpSettings {
            host: smtp.host.clone(),
            port: smtp.port.unwrap_or(match security {
                Security::Plain => 25,
                Security::StartTls => 587,
                Security::Tls => 465,
            }),
            security,
            tls: TlsSettings {
                ca_pem: smtp.ca_pem.clone(),
                accept_invalid_certificates: smtp.accept_invalid_certificates,
            },
            username: smtp.username.clone(),
            password: secrets.open(&smtp.password)?,
            timeout: self.timeout(),
            helo_name: smtp.helo_name.clone(),
        })
    }

    /// Time between two polls: 60 s by default, never under 5 s.
    pub fn poll_interval(&self) -> Duration {
        let secs = self.poll_interval_secs.unwrap_or(DEFAULT_POLL_SECS);
        Duration::from_secs(secs.clamp(MIN_POLL_SECS, MAX_POLL_SECS).into())
    }

    /// The same settings with both passwords sealed under `secrets` (sealed ones and empty
    /// ones are kept as they are).
    pub fn sealed(mut self, secrets: &SecretKey) -> Result<Self, EmailError> {
        self.password = seal(secrets, self.password)?;
        self.smtp.password = seal(secrets, self.smtp.password)?;
        Ok(self)
    }

    /// The settings for API output: each non-empty password replaced by `"********"`.
    pub fn redacted(&self) -> Value {
        redacted(self)
    }

    /// Everything [`Self::from_json`] checks, as one error.
    fn usable(&self) -> Result<(), EmailError> {
        let mut problems = Problems::default();
        self.check(&mut problems);
        if problems.0.is_empty() {
            return Ok(());
        }
        let all: Vec<String> = problems.0.iter().map(ToString::to_string).collect();
        Err(EmailError::invalid(all.join("; ")))
    }

    fn protocol_and_security(&self) -> Result<(Protocol, Security), EmailError> {
        let after = self.after.as_deref();
        let plain = if self.starttls {
            Security::StartTls
        } else {
            Security::Plain
        };
        let (protocol, security) = match self.protocol.as_str() {
            "pop3" => (pop3(after), plain),
            "pop3s" => (pop3(after), Security::Tls),
            "imap" => (imap(self.folder.as_deref(), after), plain),
            "imaps" => (imap(self.folder.as_deref(), after), Security::Tls),
            _ => (None, plain),
        };
        let protocol = protocol.ok_or_else(|| EmailError::invalid("protocol or after"))?;
        Ok((protocol, security))
    }

    fn default_port(&self) -> u16 {
        match self.protocol.as_str() {
            "pop3" => 110,
            "pop3s" => 995,
            "imap" => 143,
            _ => 993,
        }
    }

    fn timeout(&self) -> Duration {
        let secs = self.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS);
        Duration::from_secs(secs.clamp(1, 600).into())
    }

    fn is_imap(&self) -> bool {
        matches!(self.protocol.as_str(), "imap" | "imaps")
    }

    /// The checks beyond the JSON types.
    fn check(&self, p: &mut Problems) {
        self.check_mailbox(p);
        self.smtp.check(p);
    }

    fn check_mailbox(&self, p: &mut Problems) {
        check_address(p, "address", &self.address);
        if let Some(name) = &self.display_name {
            check_text(p, "display_name", name, 200);
        }
        if !matches!(self.protocol.as_str(), "pop3" | "pop3s" | "imap" | "imaps") {
            p.add(
                "protocol",
                "must be \"pop3\", \"pop3s\", \"imap\" or \"imaps\"",
            );
        } else if self.starttls && self.protocol.ends_with('s') {
            p.add(
                "starttls",
                "only for \"pop3\" and \"imap\": pop3s and imaps are TLS already",
            );
        }
        check_host(p, "host", &self.host);
        check_port(p, "port", self.port);
        check_login(p, "", Some(&self.username), &self.password);
        self.check_folders(p);
        check_range(
            p,
            "poll_interval_secs",
            self.poll_interval_secs.map(u64::from),
            MIN_POLL_SECS.into(),
            MAX_POLL_SECS.into(),
        );
        if self.authserv_ids.len() > 10 {
            p.add("authserv_ids", "at most 10");
        }
        for (i, id) in self.authserv_ids.iter().enumerate() {
            let field = format!("authserv_ids[{i}]");
            check_text(p, &field, id, 253);
            if id.contains([' ', ';', '(', ')', '"']) {
                p.add(
                    &field,
                    "a server name: no spaces, semicolons, parentheses or quotes",
                );
            }
        }
        if self.idle && !self.is_imap() {
            p.add("idle", "only for \"imap\" and \"imaps\": POP3 has no IDLE");
        }
        check_range(
            p,
            "max_message_bytes",
            self.max_message_bytes,
            1,
            MAX_MESSAGE_BYTES,
        );
        check_range(p, "timeout_secs", self.timeout_secs.map(u64::from), 1, 600);
        check_ca(p, "ca_pem", self.ca_pem.as_deref());
    }

    fn check_folders(&self, p: &mut Problems) {
        match (&self.folder, self.is_imap()) {
            (Some(_), false) if self.protocol.starts_with("pop3") => {
                p.add("folder", "only for IMAP: POP3 has one mailbox");
            }
            (Some(folder), true) => check_text(p, "folder", folder, 1000),
            _ => {}
        }
        let Some(after) = self.after.as_deref() else {
            return;
        };
        match self.protocol.as_str() {
            "pop3" | "pop3s" if pop3(Some(after)).is_none() => {
                p.add("after", "must be \"delete\" or \"keep\" for POP3");
            }
            "imap" | "imaps" if imap(None, Some(after)).is_none() => {
                p.add("after", "must be \"seen\" or \"move:<folder>\" for IMAP");
            }
            "imap" | "imaps" => {
                if let Some(folder) = after.strip_prefix("move:") {
                    check_text(p, "after", folder, 1000);
                }
            }
            _ => {}
        }
    }
}

impl SmtpChannelSettings {
    fn check(&self, p: &mut Problems) {
        if smtp_security(&self.security).is_none() {
            p.add(
                "smtp.security",
                "must be \"plain\", \"starttls\" or \"tls\"",
            );
        }
        check_host(p, "smtp.host", &self.host);
        check_port(p, "smtp.port", self.port);
        match &self.username {
            Some(_) => check_login(p, "smtp.", self.username.as_deref(), &self.password),
            None if !self.password.is_empty() => {
                p.add(
                    "smtp.password",
                    "set without smtp.username: add the username or remove the password",
                );
            }
            None => {}
        }
        if let Some(name) = &self.helo_name
            && !crate::smtp::valid_helo_name(name)
        {
            p.add(
                "smtp.helo_name",
                "must be a host name or an address literal like [192.0.2.1]",
            );
        }
        check_ca(p, "smtp.ca_pem", self.ca_pem.as_deref());
    }
}

fn pop3(after: Option<&str>) -> Option<Protocol> {
    let after = match after.unwrap_or("delete") {
        "delete" => Pop3After::Delete,
        "keep" => Pop3After::Keep,
        _ => return None,
    };
    Some(Protocol::Pop3 {
        after,
        auth: Pop3Auth::UserPass,
    })
}

fn imap(folder: Option<&str>, after: Option<&str>) -> Option<Protocol> {
    let after = match after.unwrap_or("seen") {
        "seen" => ImapAfter::MarkSeen,
        other => match other.strip_prefix("move:") {
            Some(folder) if !folder.is_empty() => ImapAfter::MoveTo(folder.to_owned()),
            _ => return None,
        },
    };
    Some(Protocol::Imap {
        folder: folder.unwrap_or("INBOX").to_owned(),
        after,
    })
}

fn smtp_security(text: &str) -> Option<Security> {
    match text {
        "plain" => Some(Security::Plain),
        "starttls" => Some(Security::StartTls),
        "tls" => Some(Security::Tls),
        _ => None,
    }
}

fn seal(secrets: &SecretKey, password: String) -> Result<String, EmailError> {
    if password.is_empty() || SecretKey::is_sealed(&password) {
        Ok(password)
    } else {
        secrets.seal(&password)
    }
}

/// `value` as JSON with every non-empty `password` (at any depth) replaced.
fn redacted(value: &impl Serialize) -> Value {
    fn walk(v: &mut Value) {
        if let Value::Object(map) = v {
            for (key, field) in map.iter_mut() {
                match field {
                    Value::String(s) if key == "password" && !s.is_empty() => {
                        *field = Value::String(REDACTED.into());
                    }
                    other => walk(other),
                }
            }
        }
    }
    let mut v = serde_json::to_value(value).unwrap_or(Value::Null);
    walk(&mut v);
    v
}

/// Problems found so far; at most one per field (the first).
#[derive(Default)]
struct Problems(Vec<SettingsProblem>);

impl Problems {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        if self.0.iter().all(|p| p.field != field) {
            self.0.push(SettingsProblem {
                field: field.to_owned(),
                message: message.into(),
            });
        }
    }
}

fn check_address(p: &mut Problems, field: &str, address: &str) {
    if address.is_empty() {
        p.add(field, "must not be empty");
    } else if address.parse::<lettre::Address>().is_err() {
        p.add(field, "must be an email address like support@example.com");
    }
}

fn check_host(p: &mut Problems, field: &str, host: &str) {
    if host.is_empty() {
        p.add(field, "must not be empty");
    } else if tls::server_name(host).is_err() {
        p.add(field, "must be a host name or an IP address");
    }
}

fn check_port(p: &mut Problems, field: &str, port: Option<u16>) {
    if port == Some(0) {
        p.add(field, "must be 1 to 65535 (or left out for the default)");
    }
}

/// A username (`prefix` + `username`) and its password: both set, no control characters.
fn check_login(p: &mut Problems, prefix: &str, username: Option<&str>, password: &str) {
    let field = |name: &str| format!("{prefix}{name}");
    match username {
        Some("") => p.add(&field("username"), "must not be empty"),
        Some(name) => check_text(p, &field("username"), name, 1000),
        None => {}
    }
    if password.is_empty() {
        p.add(&field("password"), "must not be empty");
    } else if secret::check_sealed_form(password).is_err() {
        p.add(
            &field("password"),
            "starts with enc:v1: but is not a sealed password",
        );
    } else if password
        .chars()
        .any(|c| c == '\r' || c == '\n' || c == '\0')
    {
        p.add(&field("password"), "must not contain line breaks or NUL");
    }
}

/// Free text: not empty, at most `max` characters, no control characters.
fn check_text(p: &mut Problems, field: &str, text: &str, max: usize) {
    if text.is_empty() {
        p.add(field, "must not be empty");
    } else if text.chars().count() > max {
        p.add(field, format!("must be at most {max} characters"));
    } else if text.chars().any(char::is_control) {
        p.add(
            field,
            "must not contain line breaks or other control characters",
        );
    }
}

fn check_range(p: &mut Problems, field: &str, value: Option<u64>, min: u64, max: u64) {
    if value.is_some_and(|v| v < min || v > max) {
        p.add(field, format!("must be {min} to {max}"));
    }
}

fn check_ca(p: &mut Problems, field: &str, pem: Option<&str>) {
    if let Some(Err(e)) = pem.map(tls::check_ca_pem) {
        p.add(field, e.to_string());
    }
}

/// The fields of one JSON object, each read on its own so that all type errors are found.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: &'static str,
    problems: &'a mut Problems,
}

impl<'a> Fields<'a> {
    /// `None` (and a problem) when `v` is not an object; unknown keys are problems.
    fn new(
        v: &'a Value,
        prefix: &'static str,
        known: &[&str],
        problems: &'a mut Problems,
    ) -> Option<Self> {
        let Some(map) = v.as_object() else {
            problems.add(prefix.trim_end_matches('.'), "must be a JSON object");
            return None;
        };
        for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
            problems.add(&format!("{prefix}{key}"), "unknown field");
        }
        Some(Self {
            map,
            prefix,
            problems,
        })
    }

    /// A field that may be left out (or null): the type's default then.
    fn optional<T: DeserializeOwned + Default>(&mut self, key: &str) -> T {
        match self.map.get(key) {
            None | Some(Value::Null) => T::default(),
            Some(v) => self.parse(key, v),
        }
    }

    /// A field that must be there.
    fn required<T: DeserializeOwned + Default>(&mut self, key: &str) -> T {
        match self.map.get(key) {
            None | Some(Value::Null) => {
                self.problems
                    .add(&format!("{}{key}", self.prefix), "is required");
                T::default()
            }
            Some(v) => self.parse(key, v),
        }
    }

    fn parse<T: DeserializeOwned + Default>(&mut self, key: &str, v: &Value) -> T {
        T::deserialize(v).unwrap_or_else(|e| {
            self.problems
                .add(&format!("{}{key}", self.prefix), e.to_string());
            T::default()
        })
    }
}

const CHANNEL_FIELDS: &[&str] = &[
    "address",
    "display_name",
    "protocol",
    "starttls",
    "host",
    "port",
    "username",
    "password",
    "folder",
    "after",
    "poll_interval_secs",
    "idle",
    "max_message_bytes",
    "authserv_ids",
    "ca_pem",
    "accept_invalid_certificates",
    "timeout_secs",
    "disabled",
    "smtp",
];

const SMTP_FIELDS: &[&str] = &[
    "host",
    "port",
    "security",
    "username",
    "password",
    "helo_name",
    "ca_pem",
    "accept_invalid_certificates",
];

/// The settings as read, failed fields at their defaults, and whether `smtp` was read;
/// `None` when `v` is not an object.
fn read_channel(v: &Value, problems: &mut Problems) -> Option<(EmailChannelSettings, bool)> {
    let mut f = Fields::new(v, "", CHANNEL_FIELDS, problems)?;
    let settings = EmailChannelSettings {
        address: f.required("address"),
        display_name: f.optional("display_name"),
        protocol: f.required("protocol"),
        starttls: f.optional("starttls"),
        host: f.required("host"),
        port: f.optional("port"),
        username: f.required("username"),
        password: f.required("password"),
        folder: f.optional("folder"),
        after: f.optional("after"),
        poll_interval_secs: f.optional("poll_interval_secs"),
        idle: f.optional("idle"),
        max_message_bytes: f.optional("max_message_bytes"),
        authserv_ids: f.optional("authserv_ids"),
        ca_pem: f.optional("ca_pem"),
        accept_invalid_certificates: f.optional("accept_invalid_certificates"),
        timeout_secs: f.optional("timeout_secs"),
        disabled: f.optional("disabled"),
        smtp: placeholder_smtp(),
    };
    let smtp = match v.get("smtp") {
        None | Some(Value::Null) => {
            problems.add("smtp", "is required");
            None
        }
        Some(smtp) => read_smtp(smtp, problems),
    };
    Some(match smtp {
        Some(smtp) => (EmailChannelSettings { smtp, ..settings }, true),
        None => (settings, false),
    })
}

fn read_smtp(v: &Value, problems: &mut Problems) -> Option<SmtpChannelSettings> {
    let mut f = Fields::new(v, "smtp.", SMTP_FIELDS, problems)?;
    Some(SmtpChannelSettings {
        host: f.required("host"),
        port: f.optional("port"),
        security: f.required("security"),
        username: f.optional("username"),
        password: f.optional("password"),
        helo_name: f.optional("helo_name"),
        ca_pem: f.optional("ca_pem"),
        accept_invalid_certificates: f.optional("accept_invalid_certificates"),
    })
}

fn placeholder_smtp() -> SmtpChannelSettings {
    SmtpChannelSettings {
        host: String::new(),
        port: None,
        security: String::new(),
        username: None,
        password: String::new(),
        helo_name: None,
        ca_pem: None,
        accept_invalid_certificates: false,
    }
}
