//! `switchboard serve` and `switchboard migrate`.

use crate::cli::ConfigArgs;
use crate::exit::bad_input;
use crate::open::{load_config, open_store};
use anyhow::Context;
use sb_api::{ApiSettings, AppState};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Runs the platform until SIGTERM or SIGINT, then shuts down cleanly and returns.
pub async fn run(args: &ConfigArgs, demo: bool) -> anyhow::Result<()> {
    let config = load_config(args)?;
    init_tracing(&config.log.level)?;
    sb_api::tls::install_provider();
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    let open = open_store(&config).await?;
    let state =
        AppState::new(open.store.clone(), ApiSettings::from_config(&config)).map_err(bad_input)?;
    let devices = state.devices().restore().await?;
    tracing::info!(devices, "agents' device choices restored");
    let tls = tls_config(&config)?;
    let listener = tokio::net::TcpListener::bind(&config.http.listen)
        .await
        .with_context(|| format!("listening on {} (http.listen)", config.http.listen))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let addr = listener.local_addr()?;
    let seeded = match demo {
        true => Some(super::demo::seed(open.store.as_ref(), &state).await?),
        false => None,
    };
    let shutdown = CancellationToken::new();
    let acd = sb_engine::acd::AcdRuntime::start(open.store.clone(), sb_api::now, shutdown.clone());
    let calls = sb_engine::calls::CallControl::default();
    let mut state = state
        .with_acd(acd.clone())
        .with_calls(calls.clone())
        .with_recordings(super::sip::recordings_dir(&config));
    let prompts = super::sip::prompt_library(&config);
    state = state.with_prompts(prompts.clone());
    let voicemails = sb_engine::voicemails::VoicemailDesk::new(acd.clone(), open.store.clone());
    state = state.with_voicemails(voicemails.clone());
    let email_key = super::email::secret_key(&config)?;
    let email = super::email::desk(
        &config,
        open.store.clone(),
        acd.clone(),
        prompts.clone(),
        email_key.clone(),
    )?;
    state = state.with_email(email.clone(), email_key);
    let softphones = sb_engine::softphone::SoftphonePasswords::default();
    let sip = super::sip::start(
        &config,
        open.store.clone(),
        tls.clone(),
        demo,
        super::sip::Live {
            acd: acd.clone(),
            calls,
            softphones: softphones.clone(),
            devices: state.devices(),
            lines: state.lines(),
            prompts,
            voicemails: voicemails.clone(),
            email: email.clone(),
        },
        shutdown.clone(),
    )
    .await?;
    if let Some(wss) = sip.local_wss_addr() {
        state = state.with_softphone(sb_api::Softphone {
            passwords: softphones,
            wss_port: wss.port(),
        });
    }
    for line in sip.describe() {
        println!("{line}");
    }
    match &sip.default_tenant {
        Some(t) => println!("SIP phones that register to an IP address belong to tenant {t:?}"),
        None => {
            println!("SIP phones register as USER@TENANT (no default tenant: sip.default_tenant)")
        }
    }
    if let Some(seeded) = &seeded {
        super::demo::print_welcome(seeded, &format!("{scheme}://{addr}"), sip.local_addr());
    }
    tracing::info!(%addr, backend = open.store.backend(), "Switchboard is serving");
    println!(
        "Switchboard is serving the API on {scheme}://{addr}/ (OpenAPI: /api/v1/openapi.json)"
    );
    // Messages left before this start wait in their queues again.
    tokio::spawn(async move {
        match voicemails.restore().await {
            Ok(n) => tracing::info!(queued = n, "open voicemail messages routed"),
            Err(e) => tracing::warn!(error = %e, "open voicemail messages not routed"),
        }
    });
    // Conversations routed before this start wait in their queues again; then the
    // mailboxes are polled.
    let email_shutdown = shutdown.clone();
    let poll = config.email.poll;
    tokio::spawn(async move {
        match email.restore().await {
            Ok(n) => tracing::info!(queued = n, "open email conversations routed"),
            Err(e) => tracing::warn!(error = %e, "open email conversations not routed"),
        }
        if poll {
            email.start(email_shutdown);
        }
    });
    tokio::spawn(watch_signals(shutdown.clone()));
    tokio::spawn(purge_sessions(open.store.clone(), shutdown.clone()));
    let grace = Duration::from_secs(config.http.shutdown_grace_secs);
    sb_api::server::serve(
        listener,
        tls,
        sb_api::router(state),
        shutdown.clone(),
        grace,
    )
    .await;
    shutdown.cancel();
    sip.wait().await;
    open.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Deletes expired console sessions and SIP bindings every ten minutes until shutdown.
async fn purge_sessions(store: std::sync::Arc<dyn sb_store::Store>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.cancelled() => return,
        }
        match store.purge_expired_sessions(sb_api::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "purged expired sessions"),
            Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
        }
        if let Err(e) = store.purge_expired_bindings(sb_api::now()).await {
            tracing::warn!(error = %e, "purging expired SIP bindings failed");
        }
    }
}

fn tls_config(
    config: &sb_config::Config,
) -> anyhow::Result<Option<std::sync::Arc<rustls::ServerConfig>>> {
    if !config.http.tls {
        return Ok(None);
    }
    let (cert, key) = if config.http.tls_cert.is_empty() {
        sb_api::tls::ensure_self_signed(&config.data_dir.join("tls"))?
    } else {
        (
            config.http.tls_cert.clone().into(),
            config.http.tls_key.clone().into(),
        )
    };
    let server = sb_api::tls::server_config(&cert, &key).map_err(|e| bad_input(e.to_string()))?;
    Ok(Some(server))
}

async fn watch_signals(shutdown: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
    }
    shutdown.cancel();
}

fn init_tracing(level: &str) -> anyhow::Result<()> {
    // rustls warns about every client that sends an IP address as SNI: keep that quiet.
    let level = if level.contains("rustls") {
        level.to_string()
    } else {
        format!("{level},rustls=error")
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&level)
        .map_err(|e| bad_input(format!("log.level: {e}")))?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    Ok(())
}

/// Creates or upgrades the schema and exits.
pub async fn migrate(args: &ConfigArgs) -> anyhow::Result<()> {
    let config = load_config(args)?;
    let open = open_store(&config).await?;
    open.store.migrate().await.context("migrating")?;
    println!("database schema is up to date ({})", open.store.backend());
    open.close().await;
    Ok(())
}
