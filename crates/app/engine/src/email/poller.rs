//! One poller per email channel, and the supervisor that keeps them in step with the store.
//!
//! A poller: acknowledges what a crash left stored but unacknowledged, then loops: poll with
//! the stored cursor, store the messages and the new cursor together, route new and reopened
//! conversations, acknowledge, wait the channel's interval (at once again when more wait; with
//! IMAP IDLE, only until the server reports new mail).
//! Errors back off from 5 s to 5 min; settings or a login that are wrong wait until the
//! channel changes (the supervisor restarts a changed channel's poller).

use super::status::{self, ChannelStatus};
use super::{EmailDesk, EmailDeskError, Inner, ingest};
use sb_email::{EmailChannelSettings, MailboxCursor, MessageKey, Retriever};
use sb_store::ChannelConfig;
use sb_types::{Channel, ChannelId};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the supervisor reads the channels again.
const RESCAN: Duration = Duration::from_secs(10);
/// The first wait after an error; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(5);
/// The longest wait after errors.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Starts, restarts and stops pollers as the stored channels change, until `shutdown`.
pub(super) async fn supervise(desk: EmailDesk, shutdown: CancellationToken) {
    let mut running: HashMap<ChannelId, (String, CancellationToken)> = HashMap::new();
    loop {
        match desk
            .inner
            .deps
            .store
            .list_all_channel_configs(Channel::Email)
            .await
        {
            Ok(configs) => reconcile(&desk, &mut running, configs, &shutdown),
            Err(e) => tracing::warn!(error = %e, "email channels not read"),
        }
        tokio::select! {
            () = tokio::time::sleep(RESCAN) => {}
            () = shutdown.cancelled() => break,
        }
    }
    for (_, (_, token)) in running {
        token.cancel();
    }
}

fn reconcile(
    desk: &EmailDesk,
    running: &mut HashMap<ChannelId, (String, CancellationToken)>,
    configs: Vec<ChannelConfig>,
    shutdown: &CancellationToken,
) {
    let seen: Vec<ChannelId> = configs.iter().map(|c| c.id).collect();
    running.retain(|id, (_, token)| {
        let keep = seen.contains(id);
        if !keep {
            token.cancel();
            status::remove(&desk.inner, *id);
        }
        keep
    });
    for config in configs {
        let text = format!("{}|{}", config.name, config.settings);
        if running.get(&config.id).is_some_and(|(t, _)| *t == text) {
            continue;
        }
        if let Some((_, old)) = running.remove(&config.id) {
            old.cancel();
        }
        let token = shutdown.child_token();
        running.insert(config.id, (text, token.clone()));
        tokio::spawn(run(desk.clone(), config, token));
    }
}

/// Polls one channel until `stop`.
async fn run(desk: EmailDesk, config: ChannelConfig, stop: CancellationToken) {
    let inner = &desk.inner;
    status::set(
        inner,
        ChannelStatus::starting(config.tenant_id, config.id, &config.name),
    );
    let settings = match usable(&config) {
        Ok(s) => s,
        Err(why) => {
            tracing::warn!(channel = %config.name, %why, "email channel not polled");
            status::update(inner, config.id, |s| {
                s.state = "failing";
                s.error = Some(why);
            });
            return;
        }
    };
    if settings.disabled {
        status::update(inner, config.id, |s| s.state = "disabled");
        return;
    }
    let interval = settings.poll_interval();
    let retriever = match settings.mailbox(&inner.deps.secrets) {
        Ok(mut m) => {
            let cap = usize::try_from(inner.deps.max_message_bytes).unwrap_or(usize::MAX);
            m.max_message_size = m.max_message_size.min(cap);
            Retriever::new(m)
        }
        Err(e) => {
            status::update(inner, config.id, |s| {
                s.state = "failing";
                s.error = Some(e.to_string());
            });
            return;
        }
    };
    let mut backoff = FIRST_BACKOFF;
    let mut acked_leftovers = false;
    let mut idling = retriever.idles();
    loop {
        let server = (settings.host.as_str(), settings.port.unwrap_or(0));
        let result = match super::guard::reachable(&inner.deps, server).await {
            Err(e) => Err(e),
            Ok(()) => match acked_leftovers {
                false => acknowledge_leftovers(inner, &config, &retriever)
                    .await
                    .map(|()| true),
                true => poll_once(&desk, &config, &settings, &retriever).await,
            },
        };
        let (wait, idle) = match result {
            Ok(more) => {
                acked_leftovers = true;
                backoff = FIRST_BACKOFF;
                let now = inner.now();
                let wait = if more { Duration::ZERO } else { interval };
                status::update(inner, config.id, |s| {
                    s.state = "ok";
                    s.error = None;
                    s.last_ok_at = Some(now.as_millis());
                    s.next_poll_at = Some(now.as_millis() + millis_of(wait));
                });
                // Caught up: wait for new mail in IDLE when the channel can.
                (wait, idling && !more)
            }
            Err(e) => {
                let wait = if e.retryable() { backoff } else { MAX_BACKOFF };
                backoff = (backoff * 2).min(MAX_BACKOFF);
                let now = inner.now();
                tracing::warn!(channel = %config.name, error = %e, "mailbox poll failed");
                status::update(inner, config.id, |s| {
                    s.state = if e.retryable() { "retrying" } else { "failing" };
                    s.error = Some(e.to_string());
                    s.next_poll_at = Some(now.as_millis() + millis_of(wait));
                });
                (wait, false)
            }
        };
        tokio::select! {
            () = pause(inner, &retriever, &config, (wait, idle), &mut idling) => {}
            () = stop.cancelled() => return,
        }
    }
}

/// Waits `wait` before the next poll; with `idle`, only until the mailbox reports new mail
/// (IMAP IDLE). A server that cannot IDLE makes the channel poll on its interval from then on
/// (`idling` turns false); any other IDLE error waits the interval once.
async fn pause(
    inner: &Inner,
    retriever: &Retriever,
    config: &ChannelConfig,
    (wait, idle): (Duration, bool),
    idling: &mut bool,
) {
    if !idle {
        return tokio::time::sleep(wait).await;
    }
    let started = tokio::time::Instant::now();
    let waited = match stored_cursor(inner, config).await {
        Ok(cursor) => retriever
            .wait_for_mail(&cursor, wait)
            .await
            .map_err(EmailDeskError::from),
        Err(e) => Err(e),
    };
    match waited {
        Ok(_) => {}
        Err(e) => {
            if matches!(
                e,
                EmailDeskError::Mail(sb_email::EmailError::Unsupported { .. })
            ) {
                *idling = false;
            }
            tracing::warn!(channel = %config.name, error = %e, "IMAP IDLE failed: polling");
            tokio::time::sleep_until(started + wait).await;
        }
    }
}

fn millis_of(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The channel's settings, when they parse.
fn usable(config: &ChannelConfig) -> Result<EmailChannelSettings, String> {
    EmailChannelSettings::from_json(&config.settings).map_err(|ps| {
        ps.iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// Acknowledges the messages stored but not acknowledged before (a crash in between).
async fn acknowledge_leftovers(
    inner: &Inner,
    config: &ChannelConfig,
    retriever: &Retriever,
) -> Result<(), EmailDeskError> {
    let store = &inner.deps.store;
    let keys = store
        .unacknowledged_keys(config.tenant_id, config.id)
        .await?;
    acknowledge(inner, config, retriever, keys).await
}

async fn acknowledge(
    inner: &Inner,
    config: &ChannelConfig,
    retriever: &Retriever,
    keys: Vec<String>,
) -> Result<(), EmailDeskError> {
    if keys.is_empty() {
        return Ok(());
    }
    let parsed: Vec<MessageKey> = keys
        .iter()
        .filter_map(|k| MessageKey::from_str(k).ok())
        .collect();
    retriever.acknowledge(&parsed).await?;
    inner
        .deps
        .store
        .mark_acknowledged(config.tenant_id, config.id, &keys)
        .await?;
    Ok(())
}

/// The mailbox cursor stored with the channel's last poll (the start when none).
async fn stored_cursor(
    inner: &Inner,
    config: &ChannelConfig,
) -> Result<MailboxCursor, EmailDeskError> {
    Ok(inner
        .deps
        .store
        .mailbox_cursor(config.tenant_id, config.id)
        .await?
        .and_then(|v| serde_json::from_value::<MailboxCursor>(v).ok())
        .unwrap_or_default())
}

/// One poll: store, route, acknowledge; whether more messages wait.
async fn poll_once(
    desk: &EmailDesk,
    config: &ChannelConfig,
    settings: &EmailChannelSettings,
    retriever: &Retriever,
) -> Result<bool, EmailDeskError> {
    let inner = &desk.inner;
    let store = &inner.deps.store;
    let (tenant, channel) = (config.tenant_id, config.id);
    let cursor = stored_cursor(inner, config).await?;
    let started = std::time::Instant::now();
    let poll = retriever.poll(&cursor).await?;
    let fetched_in = started.elapsed();
    let (count, more) = (poll.messages.len(), poll.more);
    // The messages move into the file writer: a batch's bodies are held once, not twice.
    let prepared = ingest::prepare(&inner.deps, tenant, channel, poll.messages).await?;
    let filed_in = started.elapsed();
    let emails: Vec<_> = prepared.iter().map(|p| p.email.clone()).collect();
    let cursor = serde_json::to_value(&poll.cursor).unwrap_or(serde_json::Value::Null);
    let stored = store
        .store_inbound_emails(tenant, channel, &emails, &cursor, inner.now())
        .await?;
    let stored_in = started.elapsed();
    let (mut fresh, mut flagged, mut dups) = (0, 0, 0);
    for (p, s) in prepared.iter().zip(&stored) {
        match s.threading {
            sb_store::Threading::Duplicate => dups += 1,
            _ => {
                fresh += 1;
                flagged += u64::from(p.email.message.malformed || p.email.message.too_large);
            }
        }
        if matches!(
            s.threading,
            sb_store::Threading::New | sb_store::Threading::Reopened
        ) {
            desk.arrived(tenant, s.conversation_id, settings, p).await;
        }
    }
    status::update(inner, channel, |st| {
        st.stored += fresh;
        st.flagged += flagged;
        st.duplicates += dups;
    });
    let keys = emails
        .iter()
        .filter_map(|e| e.message.mailbox_key.clone())
        .collect();
    let routed_in = started.elapsed();
    acknowledge(inner, config, retriever, keys).await?;
    tracing::debug!(
        channel = %config.name,
        messages = count,
        fetched_ms = fetched_in.as_millis(),
        filed_ms = (filed_in - fetched_in).as_millis(),
        stored_ms = (stored_in - filed_in).as_millis(),
        routed_ms = (routed_in - stored_in).as_millis(),
        acknowledged_ms = (started.elapsed() - routed_in).as_millis(),
        "mailbox polled"
    );
    Ok(more)
}
