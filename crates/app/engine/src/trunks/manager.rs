//! Runs every trunk's registration and OPTIONS pings, and keeps the inbound matcher fresh.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sb_sip::{Request, Response, SipUri};
use sb_sip_dialog::trunk::RegistrationState;
use sb_store::{NewEvent, Store};
use sb_types::{Timestamp, TrunkId};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::directory::{TrunkDirectory, TrunkStatus};
use super::machines::{Purpose, SendFailure, TrunkMachines};

/// How long a stopping trunk waits for the answer to its un-REGISTER.
const UNREGISTER_GRACE: Duration = Duration::from_secs(2);
/// The longest a trunk task sleeps without looking at its timers.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// Sends a request to a carrier: resolves `destination` (RFC 3263), sends, and waits at most
/// `timeout` for the final response. The SIP transport implements it.
#[async_trait::async_trait]
pub trait TrunkSender: Send + Sync + 'static {
    /// The final response, or why there is none.
    async fn send(
        &self,
        request: Request,
        destination: &SipUri,
        timeout: Duration,
    ) -> Result<Response, SendFailure>;

    /// The address the carrier at `destination` should see us at, for the Contact of a
    /// registration: `listen` itself unless it is unspecified (`0.0.0.0`), then the local
    /// address of the route towards the carrier.
    async fn local_address(&self, _destination: &SipUri, listen: SocketAddr) -> SocketAddr {
        listen
    }
}

/// Logs each pending event of `machines`, appends it to the store's event log and updates the
/// trunk's state in `directory`.
pub async fn record_events(
    store: &dyn Store,
    directory: &TrunkDirectory,
    machines: &mut TrunkMachines,
) {
    directory.update(machines.trunk(), |s| {
        s.registration = machines.registration_state();
        s.up = machines.is_up();
    });
    while let Some(e) = machines.poll_event() {
        tracing::info!(tenant = %e.tenant, kind = e.kind, payload = %e.payload, "trunk event");
        let event = NewEvent {
            tenant_id: e.tenant,
            at: e.at,
            kind: e.kind.to_owned(),
            subject: e.trunk.to_string(),
            payload: e.payload,
        };
        if let Err(err) = store.append_event(event).await {
            tracing::warn!(error = %err, "could not record a trunk event");
        }
    }
}

/// Everything a trunk task needs.
#[derive(Clone)]
struct Context {
    store: Arc<dyn Store>,
    directory: Arc<TrunkDirectory>,
    sender: Arc<dyn TrunkSender>,
    local: SocketAddr,
    clock: fn() -> Timestamp,
}

/// The running trunks: reloads the directory every `reload_every`, and runs one task per trunk
/// that registers or is pinged (restarted when its settings change).
pub struct TrunkManager {
    directory: Arc<TrunkDirectory>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for TrunkManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrunkManager").finish_non_exhaustive()
    }
}

impl TrunkManager {
    /// Starts the manager. `local` is our SIP address (default Contact); `clock` the wall
    /// clock; it stops, un-registering the trunks, when `shutdown` is cancelled.
    pub fn start(
        directory: Arc<TrunkDirectory>,
        store: Arc<dyn Store>,
        sender: Arc<dyn TrunkSender>,
        local: SocketAddr,
        reload_every: Duration,
        clock: fn() -> Timestamp,
        shutdown: CancellationToken,
    ) -> Self {
        let ctx = Context {
            store,
            directory: directory.clone(),
            sender,
            local,
            clock,
        };
        let task = tokio::spawn(supervise(ctx, reload_every, shutdown));
        TrunkManager { directory, task }
    }

    /// Every trunk's registration and health.
    pub fn status(&self) -> Vec<TrunkStatus> {
        self.directory.status()
    }

    /// Waits until the manager (stopped by its shutdown token) and its trunks are done.
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

struct Running {
    settings: serde_json::Value,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

async fn supervise(ctx: Context, reload_every: Duration, shutdown: CancellationToken) {
    let mut running: HashMap<TrunkId, Running> = HashMap::new();
    loop {
        match ctx.directory.reload(&*ctx.store).await {
            Ok(loaded) => {
                let mut keep = Vec::new();
                for l in loaded {
                    if l.plan.register.is_none() && l.plan.ping.is_none() {
                        continue;
                    }
                    keep.push(l.trunk.id);
                    if running
                        .get(&l.trunk.id)
                        .is_some_and(|r| r.settings == l.trunk.settings)
                    {
                        continue;
                    }
                    if let Some(old) = running.remove(&l.trunk.id) {
                        old.stop.cancel();
                        let _ = old.task.await;
                    }
                    let target = l.plan.register.as_ref().map(|r| &r.registrar).or(l
                        .plan
                        .ping
                        .as_ref()
                        .map(|(t, _)| t));
                    let local = match target {
                        Some(t) => ctx.sender.local_address(t, ctx.local).await,
                        None => ctx.local,
                    };
                    let machines = TrunkMachines::new(
                        (ctx.clock)(),
                        l.trunk.tenant_id,
                        l.trunk.id,
                        &l.trunk.name,
                        &l.plan,
                        local,
                        uuid::Uuid::new_v4().as_u64_pair().0,
                    );
                    let stop = shutdown.child_token();
                    let task = tokio::spawn(run_trunk(ctx.clone(), machines, stop.clone()));
                    running.insert(
                        l.trunk.id,
                        Running {
                            settings: l.trunk.settings,
                            stop,
                            task,
                        },
                    );
                }
                let gone: Vec<TrunkId> = running
                    .keys()
                    .filter(|id| !keep.contains(id))
                    .copied()
                    .collect();
                for id in gone {
                    if let Some(old) = running.remove(&id) {
                        old.stop.cancel();
                        let _ = old.task.await;
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "reloading trunks failed: keeping the previous ones")
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(reload_every) => {}
        }
    }
    for (_, r) in running {
        r.stop.cancel();
        let _ = r.task.await;
    }
}

type Results = mpsc::UnboundedSender<(Purpose, Result<Response, SendFailure>)>;

fn send_all(ctx: &Context, machines: &mut TrunkMachines, results: &Results) {
    while let Some(out) = machines.poll_outgoing() {
        let sender = ctx.sender.clone();
        let results = results.clone();
        tokio::spawn(async move {
            let r = sender
                .send(out.request, &out.destination, out.timeout)
                .await;
            let _ = results.send((out.purpose, r));
        });
    }
}

async fn run_trunk(ctx: Context, mut machines: TrunkMachines, stop: CancellationToken) {
    let (results, mut answers) = mpsc::unbounded_channel();
    loop {
        send_all(&ctx, &mut machines, &results);
        record_events(&*ctx.store, &ctx.directory, &mut machines).await;
        let now = (ctx.clock)();
        let sleep = machines
            .poll_timeout()
            .map_or(MAX_SLEEP, |t| t.saturating_since(now).min(MAX_SLEEP));
        tokio::select! {
            () = stop.cancelled() => break,
            Some((purpose, result)) = answers.recv() => {
                machines.handle_result((ctx.clock)(), purpose, result);
            }
            () = tokio::time::sleep(sleep) => machines.handle_timeout((ctx.clock)()),
        }
    }
    let bound = matches!(
        machines.registration_state(),
        Some(RegistrationState::Registered { .. })
    );
    if bound {
        machines.unregister((ctx.clock)());
        send_all(&ctx, &mut machines, &results);
        let deadline = tokio::time::Instant::now() + UNREGISTER_GRACE;
        while !matches!(
            machines.registration_state(),
            Some(RegistrationState::Unregistered)
        ) {
            match tokio::time::timeout_at(deadline, answers.recv()).await {
                Ok(Some((purpose, result))) if purpose == Purpose::Register => {
                    machines.handle_result((ctx.clock)(), purpose, result);
                    send_all(&ctx, &mut machines, &results);
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        record_events(&*ctx.store, &ctx.directory, &mut machines).await;
    }
}
