//! Shared state of the HTTP layer.

use crate::auth::password::Hasher;
use crate::auth::ratelimit::RateLimiter;
use sb_store::Store;
use sb_types::Timestamp;
use std::net::IpAddr;
use std::sync::Arc;

/// Settings of the HTTP layer, taken from [`sb_config::Config`].
#[derive(Clone, Debug)]
pub struct ApiSettings {
    /// Console session lifetime.
    pub session_ttl: std::time::Duration,
    /// Failed logins that lock an account.
    pub lockout_threshold: u32,
    /// How long an account stays locked.
    pub lockout_for: std::time::Duration,
    /// Login attempts per address per minute.
    pub login_attempts_per_minute: u32,
    /// Argon2id memory cost (KiB).
    pub argon2_memory_kib: u32,
    /// Argon2id iterations.
    pub argon2_iterations: u32,
    /// Whether cookies carry `Secure` (true whenever we serve HTTPS).
    pub secure_cookies: bool,
    /// Trust `X-Forwarded-For` from this address.
    pub trusted_proxy: Option<IpAddr>,
}

impl ApiSettings {
    /// Settings from the node's configuration.
    pub fn from_config(config: &sb_config::Config) -> Self {
        ApiSettings {
            session_ttl: std::time::Duration::from_secs(config.auth.session_ttl_secs),
            lockout_threshold: config.auth.lockout_threshold,
            lockout_for: std::time::Duration::from_secs(config.auth.lockout_secs),
            login_attempts_per_minute: config.auth.login_attempts_per_minute,
            argon2_memory_kib: config.auth.argon2_memory_kib,
            argon2_iterations: config.auth.argon2_iterations,
            secure_cookies: config.http.tls,
            trusted_proxy: config.http.trusted_proxy.parse().ok(),
        }
    }
}

/// Everything a handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) settings: Arc<ApiSettings>,
    pub(crate) hasher: Hasher,
    pub(crate) login_limiter: Arc<RateLimiter>,
    pub(crate) metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// The live ACD, when this node routes (agent states answer 503 without it).
    pub(crate) acd: Option<sb_engine::acd::AcdHandle>,
    /// The live calls, when this node runs voice (call routes answer 503 without it).
    pub(crate) calls: Option<sb_engine::calls::CallControl>,
    /// The console softphone's SIP passwords, when SIP over secure WebSocket runs here.
    pub(crate) softphone: Option<Softphone>,
    /// Open agent-console connections (presence).
    pub(crate) consoles: crate::routes::Consoles,
    /// Where each agent takes calls (their phone, or a number), shared with call control.
    pub(crate) devices: sb_engine::devices::AgentDevices,
    /// Agents' persistent lines, shared with call control.
    pub(crate) lines: sb_engine::calls::Lines,
    /// The folder call recordings and voicemail messages are written to, when calls run here.
    pub(crate) recordings: Option<std::path::PathBuf>,
    /// The tenants' recorded prompts, when voice runs here.
    pub(crate) prompts: Option<sb_engine::prompts::PromptLibrary>,
    /// Voicemail messages routed to agents, when voice runs here.
    pub(crate) voicemails: Option<sb_engine::voicemails::VoicemailDesk>,
    /// The email channel (conversations, replies), when it runs on this server.
    pub(crate) email: Option<sb_engine::email::EmailDesk>,
    /// Seals the passwords of email channel settings an admin stores.
    pub(crate) email_secrets: Option<sb_email::SecretKey>,
}

/// What the console softphone needs from the SIP side.
#[derive(Clone, Debug)]
pub struct Softphone {
    /// Where issued passwords go (the SIP server checks them).
    pub passwords: sb_engine::softphone::SoftphonePasswords,
    /// The SIP secure WebSocket listener's port.
    pub wss_port: u16,
}

impl AppState {
    /// State over `store` with `settings`.
    pub fn new(store: Arc<dyn Store>, settings: ApiSettings) -> Result<Self, String> {
        let hasher = Hasher::new(settings.argon2_memory_kib, settings.argon2_iterations)?;
        let login_limiter = Arc::new(RateLimiter::new(settings.login_attempts_per_minute));
        Ok(AppState {
            devices: sb_engine::devices::AgentDevices::stored_in(store.clone()),
            store,
            settings: Arc::new(settings),
            hasher,
            login_limiter,
            metrics: crate::metrics::handle(),
            acd: None,
            calls: None,
            lines: Default::default(),
            softphone: None,
            consoles: Default::default(),
            recordings: None,
            prompts: None,
            voicemails: None,
            email: None,
            email_secrets: None,
        })
    }

    /// The same state with the live ACD, for the agent-state routes.
    pub fn with_acd(mut self, acd: sb_engine::acd::AcdHandle) -> Self {
        self.acd = Some(acd);
        self
    }

    /// Where agents take calls: give the same registry to call control.
    pub fn devices(&self) -> sb_engine::devices::AgentDevices {
        self.devices.clone()
    }

    /// Agents' persistent lines: give the same registry to call control.
    pub fn lines(&self) -> sb_engine::calls::Lines {
        self.lines.clone()
    }

    /// The same state with the live calls, for the call-control routes.
    pub fn with_calls(mut self, calls: sb_engine::calls::CallControl) -> Self {
        self.calls = Some(calls);
        self
    }

    /// The same state with the folder recordings and voicemail messages are written to.
    pub fn with_recordings(mut self, dir: std::path::PathBuf) -> Self {
        self.recordings = Some(dir);
        self
    }

    /// The same state with the prompt library (uploads, listing, flows' prompt names).
    pub fn with_prompts(mut self, prompts: sb_engine::prompts::PromptLibrary) -> Self {
        self.prompts = Some(prompts);
        self
    }

    /// The same state serving the email channel: conversations, replies, channels' settings and status.
    pub fn with_email(
        mut self,
        desk: sb_engine::email::EmailDesk,
        secrets: sb_email::SecretKey,
    ) -> Self {
        self.email = Some(desk);
        self.email_secrets = Some(secrets);
        self
    }

    /// The same state with the desk that routes voicemail messages to agents.
    pub fn with_voicemails(mut self, desk: sb_engine::voicemails::VoicemailDesk) -> Self {
        self.voicemails = Some(desk);
        self
    }

    /// The same state with the console softphone's SIP side.
    pub fn with_softphone(mut self, softphone: Softphone) -> Self {
        self.softphone = Some(softphone);
        self
    }

    /// The password hasher with the configured costs.
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }
}

/// Wall-clock time as a [`Timestamp`]; the adapters are where the clock is read.
pub fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Timestamp::from_millis(ms)
}
