//! [`MediaServer`]: the port pool, admission control and the factory of call tasks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use crate::admission::Admission;
use crate::call::CallTask;
use crate::lag::LagGauge;
use crate::ports::PortPool;
use crate::recording::Writers;
use crate::{CallMedia, EndpointId, MediaConfig, MediaError, MediaEvent};

/// Requests queued per call before a handle's request waits.
const COMMAND_QUEUE: usize = 32;
/// Events queued per call before new ones are dropped (the packet path never waits).
const EVENT_QUEUE: usize = 256;

/// What all calls share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: MediaConfig,
    pub(crate) pool: PortPool,
    pub(crate) admission: Admission,
    pub(crate) recorders: Writers,
    next_id: AtomicU64,
    /// The runtime's lateness, measured by a probe started with the first call.
    lag: LagGauge,
    probe: std::sync::Once,
}

impl Shared {
    /// A new endpoint id, unique in the server.
    pub(crate) fn next_endpoint_id(&self) -> EndpointId {
        EndpointId(self.next_id.fetch_add(1, Ordering::Relaxed))
    }
}

/// The media plane. Cheap to clone.
#[derive(Debug, Clone)]
pub struct MediaServer {
    shared: Arc<Shared>,
}

/// The events of one call, as returned by [`MediaServer::open_call`].
pub type MediaEvents = mpsc::Receiver<MediaEvent>;

impl MediaServer {
    /// A server over `config`'s port range.
    pub fn new(config: MediaConfig) -> Result<Self, MediaError> {
        config.validate()?;
        let pool = PortPool::new(config.bind_ip, config.port_min, config.port_max)?;
        let lag = LagGauge::default();
        let limit = config.admission_lag.map(|limit| (lag.clone(), limit));
        let admission = Admission::new(config.max_endpoints, limit);
        let recorders = Writers::new()?;
        let shared = Shared {
            config,
            pool,
            admission,
            recorders,
            next_id: AtomicU64::new(1),
            lag,
            probe: std::sync::Once::new(),
        };
        Ok(MediaServer {
            shared: Arc::new(shared),
        })
    }

    /// Starts the task of a new call (inside a tokio runtime) and returns its handle and
    /// events.
    pub fn open_call(&self) -> Result<(CallMedia, MediaEvents), MediaError> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| MediaError::Config(format!("open_call outside a tokio runtime: {e}")))?;
        self.shared
            .probe
            .call_once(|| crate::lag::spawn_probe(&runtime, self.shared.lag.clone()));
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (events_tx, events) = mpsc::channel(EVENT_QUEUE);
        let task = CallTask::new(Arc::clone(&self.shared), command_rx, events_tx);
        runtime.spawn(task.run());
        Ok((CallMedia::new(commands), events))
    }

    /// The configuration.
    pub fn config(&self) -> &MediaConfig {
        &self.shared.config
    }

    /// Endpoints open now, across all calls.
    pub fn active_endpoints(&self) -> usize {
        self.shared.admission.active()
    }

    /// How late the runtime has run the media tasks: the p99 over the last 5 s (zero until
    /// the first call).
    pub fn lag_p99(&self) -> std::time::Duration {
        self.shared.lag.p99()
    }

    /// RTP/RTCP port pairs in use now.
    pub fn ports_in_use(&self) -> usize {
        self.shared.pool.in_use()
    }
}
