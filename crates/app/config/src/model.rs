//! The configuration model and its defaults.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The whole configuration of one Switchboard node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory for the SQLite database, TLS material, recordings and other files.
    pub data_dir: PathBuf,
    /// HTTP(S) API and consoles.
    pub http: HttpConfig,
    /// SIP listeners.
    pub sip: SipConfig,
    /// The media server (RTP).
    pub media: MediaConfig,
    /// The system of record.
    pub database: DatabaseConfig,
    /// Logins, sessions and lock-out.
    pub auth: AuthConfig,
    /// Logging.
    pub log: LogConfig,
    /// What routing flows may do.
    pub flows: FlowsConfig,
    /// The email channel: mailbox pollers, replies, secrets.
    pub email: EmailConfig,
}

/// `[http]`: the HTTPS listener for the API and the consoles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// Serve HTTPS (default). Plain HTTP only behind a TLS-terminating proxy.
    pub tls: bool,
    /// PEM certificate chain; empty = a self-signed certificate made on first start.
    pub tls_cert: String,
    /// PEM private key matching `tls_cert`.
    pub tls_key: String,
    /// Seconds given to open connections to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Trust `X-Forwarded-For` from this proxy address (empty = never).
    pub trusted_proxy: String,
}

/// `[sip]`: SIP listeners (UDP and TCP on the same address, TLS, WebSocket) and the registrar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SipConfig {
    /// Address and port for UDP and TCP.
    pub listen: String,
    /// SIP over TLS (SIPS); empty = off. Uses `http.tls_cert` (or the self-signed one).
    pub tls_listen: String,
    /// SIP over secure WebSocket (RFC 7118) for browser softphones; empty = off.
    pub wss_listen: String,
    /// SIP over plain WebSocket; empty = off (only behind a TLS-terminating proxy).
    pub ws_listen: String,
    /// The tenant whose phones register to an IP address rather than to `<tenant>.<domain>`;
    /// empty = the only tenant when there is exactly one.
    pub default_tenant: String,
    /// Digest algorithms offered to phones, most preferred first, comma-separated: `SHA-256`,
    /// `MD5`, `SHA-512-256`. RFC 8760 clients use the first one they support; legacy clients
    /// that read only the first challenge (SIPp 3.6) need `MD5` first.
    pub digest_algorithms: String,
    /// Answer OPTIONS and INVITE probes from sources that never authenticated (false: only
    /// REGISTER gets an answer, scanners get silence).
    pub answer_unknown_sources: bool,
    /// Requests per second one source address may send (sustained); beyond, its datagrams
    /// are dropped. Trunks' source networks and `trusted` peers are exempt.
    pub requests_per_source: u32,
    /// Requests one source may send in a burst above `requests_per_source`.
    pub request_burst_per_source: u32,
}

/// `[media]`: the in-process media server that anchors every call leg's RTP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MediaConfig {
    /// Address the RTP sockets bind to.
    pub bind_ip: String,
    /// First RTP port (even; RTCP uses the next one).
    pub rtp_port_min: u16,
    /// Last RTP port.
    pub rtp_port_max: u16,
    /// Seconds without RTP after which a call is reported dropped.
    pub media_timeout_secs: u64,
    /// Most media endpoints (two per bridged call) before new calls are refused.
    pub max_endpoints: usize,
    /// Refuse new calls (503) while the runtime's p99 lateness over the last 5 s is above
    /// this many milliseconds; 0: never (the endpoint limit still applies).
    pub admission_lag_ms: u64,
}

/// `[database]`: where the system of record lives.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Empty: embedded SQLite in `data_dir`. `sqlite://PATH` or `postgres://…` otherwise.
    pub url: String,
}

/// `[auth]`: sessions, lock-out and password hashing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Lifetime of a console session, in seconds.
    pub session_ttl_secs: u64,
    /// Failed logins in a row that lock an account.
    pub lockout_threshold: u32,
    /// How long a locked account stays locked, in seconds.
    pub lockout_secs: u64,
    /// Login attempts allowed per source address per minute.
    pub login_attempts_per_minute: u32,
    /// Argon2id memory cost in KiB (OWASP minimum: 19456).
    pub argon2_memory_kib: u32,
    /// Argon2id iterations.
    pub argon2_iterations: u32,
}

/// `[log]`: logging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A `tracing` filter such as `info` or `switchboard=debug,info`.
    pub level: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./data"),
            http: HttpConfig::default(),
            sip: SipConfig::default(),
            media: MediaConfig::default(),
            database: DatabaseConfig::default(),
            auth: AuthConfig::default(),
            log: LogConfig::default(),
            flows: FlowsConfig::default(),
            email: EmailConfig::default(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: "0.0.0.0:8443".into(),
            tls: true,
            tls_cert: String::new(),
            tls_key: String::new(),
            shutdown_grace_secs: 10,
            trusted_proxy: String::new(),
        }
    }
}

impl Default for SipConfig {
    fn default() -> Self {
        SipConfig {
            listen: "0.0.0.0:5060".into(),
            tls_listen: "0.0.0.0:5061".into(),
            wss_listen: "0.0.0.0:8089".into(),
            ws_listen: String::new(),
            default_tenant: String::new(),
            digest_algorithms: "SHA-256,MD5".into(),
            answer_unknown_sources: true,
            requests_per_source: 50,
            request_burst_per_source: 200,
        }
    }
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            bind_ip: "0.0.0.0".into(),
            rtp_port_min: 10_000,
            rtp_port_max: 20_000,
            media_timeout_secs: 30,
            max_endpoints: 4_000,
            admission_lag_ms: 8,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_ttl_secs: 12 * 3600,
            lockout_threshold: 5,
            lockout_secs: 15 * 60,
            login_attempts_per_minute: 20,
            argon2_memory_kib: 19456,
            argon2_iterations: 2,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
        }
    }
}

/// `[flows]`: limits of routing flows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlowsConfig {
    /// Internal networks flows' HTTP requests may reach, comma-separated CIDRs (a CRM on the
    /// office network: `10.1.2.0/24`); empty = public addresses only. Loopback, private,
    /// link-local (cloud metadata) and other internal addresses are refused otherwise.
    pub http_allow: String,
    /// The recogniser of spoken words in voice menus: `pocketsphinx` (a Python sidecar, used
    /// when the `pocketsphinx` package is installed) or `off` (voice menus take keys only).
    pub speech: String,
    /// The Python interpreter that runs the speech sidecar.
    pub speech_python: String,
    /// Sidecar processes recognising at once (each holds its own model, about 45 MB).
    pub speech_workers: u32,
}

impl Default for FlowsConfig {
    fn default() -> Self {
        FlowsConfig {
            http_allow: String::new(),
            speech: "pocketsphinx".into(),
            speech_python: "python3".into(),
            speech_workers: 1,
        }
    }
}

impl FlowsConfig {
    /// The networks of `http_allow` (validated when the configuration was loaded).
    pub fn http_allow_nets(&self) -> Vec<ipnet::IpNet> {
        networks(&self.http_allow).unwrap_or_default()
    }
}

/// `[email]`: the email channel on this node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    /// Poll the tenants' mailboxes from this node (one node of a cluster is enough).
    pub poll: bool,
    /// The key that encrypts mailbox and SMTP passwords at rest: 32 bytes in base64. Empty: a
    /// key is generated at the first start and kept in `<data_dir>/email-secret.key` (back it
    /// up with the database: without it stored passwords cannot be read).
    pub secret_key: String,
    /// The largest message kept whole, in bytes; a larger one keeps its beginning and is flagged.
    pub max_message_bytes: u64,
    /// Internal networks mail servers may be on, comma-separated CIDRs (the office's mail
    /// server: `10.1.2.0/24`); empty = public addresses only, as for flows' HTTP requests.
    pub server_allow: String,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            poll: true,
            secret_key: String::new(),
            max_message_bytes: 25 * 1024 * 1024,
            server_allow: String::new(),
        }
    }
}

impl EmailConfig {
    /// The networks of `server_allow` (validated when the configuration was loaded).
    pub fn server_allow_nets(&self) -> Vec<ipnet::IpNet> {
        networks(&self.server_allow).unwrap_or_default()
    }
}

/// Parses a comma-separated list of CIDRs (a bare address is one host); empty gives none.
pub(crate) fn networks(list: &str) -> Result<Vec<ipnet::IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| {
            n.parse::<ipnet::IpNet>()
                .or_else(|_| n.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{n:?} is not a network: use CIDRs such as 10.1.2.0/24"))
        })
        .collect()
}

impl Config {
    /// Where the SQLite database lives when `database.url` is empty.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("switchboard.db")
    }

    /// Whether the configured database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database.url.starts_with("postgres://")
            || self.database.url.starts_with("postgresql://")
    }
}
