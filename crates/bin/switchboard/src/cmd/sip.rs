//! The SIP side of `switchboard serve`: listeners, registrar bindings kept in the store,
//! digest secrets from the store, and the trunks (inbound INVITE matching, carrier
//! registrations and OPTIONS pings).

use crate::exit::bad_input;
use anyhow::Context;
use sb_api::now;
use sb_engine::acd::AcdHandle;
use sb_engine::calls::{CallControl, CallDeps, CallRouter};
use sb_engine::prompts::PromptLibrary;
use sb_engine::sip::{BindingWriter, StoreCredentials, binding_persistence, live_bindings};
use sb_engine::softphone::SoftphonePasswords;
use sb_engine::trunks::{InboundCalls, TransportSender, TrunkDirectory, TrunkManager, TrunkStatus};
use sb_media::MediaServer;
use sb_sip_dialog::digest::Algorithm;
use sb_sip_transport::{Resolver, SipConfig, SipDeps, SipServer};
use sb_store::{Store, StoreError};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Memory kept for decoded prompts (8 kHz audio: 64 MiB is about 70 minutes).
const PROMPT_CACHE_BYTES: usize = 64 << 20;

/// How often trunks and numbers are reloaded from the store.
const TRUNK_RELOAD: Duration = Duration::from_secs(10);

/// The realm of phones that register to an IP address when no tenant is the default one.
const NO_DEFAULT_REALM: &str = "switchboard";

/// The SIP server, the task that persists its bindings and the trunks.
pub struct RunningSip {
    server: SipServer,
    writer: tokio::task::JoinHandle<()>,
    /// Stops the trunks (un-registering them) and then the server.
    stopping: tokio::task::JoinHandle<()>,
    trunks: Arc<TrunkDirectory>,
    /// The default tenant's name (phones registering to an IP address), if any.
    pub default_tenant: Option<String>,
}

impl RunningSip {
    /// The addresses the SIP listeners are bound to, one line each, for the operator.
    pub fn describe(&self) -> Vec<String> {
        let s = &self.server;
        let mut lines = vec![format!("SIP over UDP and TCP on {}", shown(s.local_addr()))];
        if let Some(a) = s.local_tls_addr() {
            lines.push(format!("SIP over TLS on {}", shown(a)));
        }
        if let Some(a) = s.local_wss_addr() {
            lines.push(format!("SIP over secure WebSocket on wss://{}/", shown(a)));
        }
        if let Some(a) = s.local_ws_addr() {
            lines.push(format!("SIP over WebSocket on ws://{}/", shown(a)));
        }
        let trunks: Vec<TrunkStatus> = self.trunks.status();
        if !trunks.is_empty() {
            let names: Vec<&str> = trunks.iter().map(|t| t.name.as_str()).collect();
            lines.push(format!("SIP trunks: {}", names.join(", ")));
        }
        lines
    }

    /// The secure WebSocket address, when that listener runs (the console softphone's).
    pub fn local_wss_addr(&self) -> Option<SocketAddr> {
        self.server.local_wss_addr()
    }

    /// The UDP/TCP address (tests and the demo's instructions).
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Waits until the trunks, the server (stopped by the shutdown token) and the binding
    /// writer are done.
    pub async fn wait(self) {
        let _ = self.stopping.await;
        if let Err(e) = self.server.wait().await {
            tracing::warn!(error = %e, "SIP server stopped with an error");
        }
        let _ = self.writer.await;
    }
}

fn shown(addr: SocketAddr) -> String {
    addr.to_string()
        .replace("0.0.0.0", "127.0.0.1")
        .replace("[::]", "[::1]")
}

/// The live engine parts SIP feeds: routing, calls, and the console softphone's passwords.
pub struct Live {
    /// The ACD.
    pub acd: AcdHandle,
    /// The live calls.
    pub calls: CallControl,
    /// Passwords the agent console's softphone registers with.
    pub softphones: SoftphonePasswords,
    /// Where each agent takes calls.
    pub devices: sb_engine::devices::AgentDevices,
    /// Agents' persistent lines (shared with the API).
    pub lines: sb_engine::calls::Lines,
    /// The prompts calls play (shared with the API's uploads).
    pub prompts: PromptLibrary,
    /// Routes voicemail messages to agents (shared with the API).
    pub voicemails: sb_engine::voicemails::VoicemailDesk,
    /// The email channel: flows' `send_message` on calls sends through it.
    pub email: sb_engine::email::EmailDesk,
}

/// Starts the SIP listeners of `config.sip` with the registrar's bindings reloaded from the store.
pub async fn start(
    config: &sb_config::Config,
    store: Arc<dyn Store>,
    tls: Option<Arc<rustls::ServerConfig>>,
    demo: bool,
    live: Live,
    shutdown: CancellationToken,
) -> anyhow::Result<RunningSip> {
    let default_tenant = default_tenant(config, &*store, demo).await?;
    let realm = default_tenant.as_deref().unwrap_or(NO_DEFAULT_REALM);
    let mut sip = SipConfig::new(
        addr("sip.listen", &config.sip.listen)?,
        realm,
        nonce_secret(&config.data_dir)?,
    );
    sip.realm_per_domain = true;
    sip.algorithms = algorithms(&config.sip.digest_algorithms)?;
    sip.answer_unknown_sources = config.sip.answer_unknown_sources;
    sip.rate = sb_sip_transport::RateLimit {
        per_second: config.sip.requests_per_source,
        burst: config.sip.request_burst_per_source,
    };
    sip.tls_listen = optional_addr("sip.tls_listen", &config.sip.tls_listen)?;
    sip.wss_listen = optional_addr("sip.wss_listen", &config.sip.wss_listen)?;
    sip.ws_listen = optional_addr("sip.ws_listen", &config.sip.ws_listen)?;
    if sip.tls_listen.is_some() || sip.wss_listen.is_some() {
        sip.tls = Some(match tls {
            Some(t) => t,
            None => self_signed(&config.data_dir)?,
        });
    }
    let restore = live_bindings(&*store, now())
        .await
        .context("loading SIP registrations")?;
    let (sink, writer) = binding_persistence(store.clone(), realm);
    let trunks = Arc::new(TrunkDirectory::new());
    if let Err(e) = trunks.reload(&*store).await {
        tracing::warn!(error = %e, "trunks not loaded: inbound calls are refused until they are");
    }
    let inbound = InboundCalls::new(trunks.clone(), store.clone(), now);
    let router = Arc::new(CallRouter::new(inbound, trunks.clone()));
    let deps = SipDeps {
        credentials: Arc::new(
            StoreCredentials::new(store.clone()).with_softphones(live.softphones, now),
        ),
        bindings: Arc::new(sink),
        restore,
        handler: Some(router.clone()),
    };
    // The server outlives `shutdown` until the trunks have un-registered through it.
    let server_stop = CancellationToken::new();
    let server = SipServer::start(sip, deps, server_stop.clone())
        .await
        .with_context(|| format!("starting SIP on {} (sip.*)", config.sip.listen))?;
    trunks.trust_sources_in(server.trusted_sources());
    let writer = tokio::spawn(BindingWriter::run(writer));
    let resolver = Resolver::system().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "no system DNS configuration: trunks resolve numeric hosts only");
        Resolver::with_nameservers(&[])
    });
    router.attach(CallDeps {
        store: store.clone(),
        client: server.client(),
        resolver: resolver.clone(),
        media: media_server(&config.media)?,
        trunks: trunks.clone(),
        sip_listen: server.local_addr(),
        clock: now,
        acd: live.acd,
        prompts: live.prompts,
        control: live.calls.clone(),
        recordings: recordings_dir(config),
        devices: live.devices,
        lines: live.lines,
        voicemails: live.voicemails,
        programs: sb_engine::calls::ProgramCache::default(),
        email: live.email,
        speech: speech_recognizer(&config.flows),
        http: sb_engine::calls::FlowHttp::new(config.flows.http_allow_nets())
            .map_err(anyhow::Error::msg)?,
    });
    let manager = TrunkManager::start(
        trunks.clone(),
        store,
        Arc::new(TransportSender::new(server.client(), resolver)),
        server.local_addr(),
        TRUNK_RELOAD,
        now,
        shutdown.clone(),
    );
    let stopping = tokio::spawn(async move {
        shutdown.cancelled().await;
        manager.wait().await;
        server_stop.cancel();
    });
    Ok(RunningSip {
        server,
        writer,
        stopping,
        trunks,
        default_tenant,
    })
}

/// The recogniser of voice menus' words (`flows.speech`); `None` when it is `off`.
fn speech_recognizer(flows: &sb_config::FlowsConfig) -> Option<sb_engine::speech::Recognizer> {
    if flows.speech == "off" {
        return None;
    }
    let config = sb_engine::speech::SpeechConfig {
        python: flows.speech_python.clone(),
        workers: usize::try_from(flows.speech_workers).unwrap_or(1),
        ..sb_engine::speech::SpeechConfig::default()
    };
    Some(sb_engine::speech::Recognizer::start(config))
}

/// The media server of `[media]`.
fn media_server(media: &sb_config::MediaConfig) -> anyhow::Result<MediaServer> {
    let bind_ip = media.bind_ip.parse().map_err(|_| {
        bad_input(format!(
            "media.bind_ip: {:?} is not an IP address",
            media.bind_ip
        ))
    })?;
    let config = sb_media::MediaConfig {
        bind_ip,
        port_min: media.rtp_port_min,
        port_max: media.rtp_port_max,
        media_timeout: Duration::from_secs(media.media_timeout_secs),
        max_endpoints: media.max_endpoints,
        admission_lag: (media.admission_lag_ms > 0)
            .then(|| Duration::from_millis(media.admission_lag_ms)),
    };
    MediaServer::new(config).map_err(|e| bad_input(format!("media: {e}")))
}

/// `sip.default_tenant`, else `demo` with `--demo`, else the only tenant.
async fn default_tenant(
    config: &sb_config::Config,
    store: &dyn Store,
    demo: bool,
) -> anyhow::Result<Option<String>> {
    let named = &config.sip.default_tenant;
    if !named.is_empty() {
        return match store.get_tenant_by_name(named).await {
            Ok(t) => Ok(Some(t.name)),
            Err(StoreError::NotFound { .. }) => Err(bad_input(format!(
                "sip.default_tenant: there is no tenant named {named:?}"
            ))),
            Err(e) => Err(e.into()),
        };
    }
    if demo {
        return Ok(Some("demo".to_owned()));
    }
    let tenants = store.list_tenants().await?;
    Ok(match tenants.as_slice() {
        [only] => Some(only.name.clone()),
        _ => None,
    })
}

fn algorithms(value: &str) -> anyhow::Result<Vec<Algorithm>> {
    value
        .split(',')
        .map(|name| {
            Algorithm::parse(name.trim())
                .map_err(|e| bad_input(format!("sip.digest_algorithms: {e}")))
        })
        .collect()
}

fn addr(key: &str, value: &str) -> anyhow::Result<SocketAddr> {
    value
        .parse()
        .map_err(|_| bad_input(format!("{key}: {value:?} is not an address:port")))
}

fn optional_addr(key: &str, value: &str) -> anyhow::Result<Option<SocketAddr>> {
    if value.is_empty() {
        Ok(None)
    } else {
        addr(key, value).map(Some)
    }
}

fn self_signed(data_dir: &Path) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let (cert, key) = sb_api::tls::ensure_self_signed(&data_dir.join("tls"))?;
    sb_api::tls::server_config(&cert, &key).map_err(|e| bad_input(e.to_string()))
}

/// The key of the digest nonces: kept in the data directory so that a restart does not make
/// every phone's nonce stale at once.
fn nonce_secret(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    let path = data_dir.join("sip-nonce.key");
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= 32 => return Ok(bytes),
        Ok(_) => tracing::warn!(path = %path.display(), "SIP nonce key too short: replacing it"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    }
    let key: [u8; 32] = rand::random();
    write_private(&path, &key).with_context(|| format!("writing {}", path.display()))?;
    Ok(key.to_vec())
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// The node's prompt library over `<data_dir>/prompts` (calls play from it, the API stores
/// uploads in it).
pub(super) fn prompt_library(config: &sb_config::Config) -> PromptLibrary {
    PromptLibrary::new(config.data_dir.join("prompts"), PROMPT_CACHE_BYTES)
}

/// The names flows of tenant `tenant` may use, with the prompts uploaded on this node.
pub(super) async fn names_with_prompts(
    config: &sb_config::Config,
    store: &dyn Store,
    tenant: &str,
) -> anyhow::Result<sb_engine::Names> {
    let mut names = sb_engine::known_names(store, tenant).await?;
    if let Ok(t) = store.get_tenant_by_name(tenant).await {
        names.prompts = prompt_library(config).ids(t.id).await?;
    }
    Ok(names)
}

/// Where call recordings and voicemail messages are written (`<data_dir>/recordings`).
pub(super) fn recordings_dir(config: &sb_config::Config) -> std::path::PathBuf {
    config.data_dir.join("recordings")
}
