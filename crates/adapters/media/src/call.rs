//! The call task: one tokio task per call owns every socket and RTP session of the call and
//! serves its commands, datagrams, timers and the 20 ms media tick in one loop (no locks on
//! the packet path).

use std::future::{Future, pending};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use sb_audio::Mixer;
use sb_types::Timestamp;
use tokio::io::ReadBuf;
use tokio::sync::mpsc;
use tokio::time::{Instant, Interval, MissedTickBehavior, Sleep, interval_at, sleep_until};

use crate::clock;
use crate::commands::Command;
use crate::endpoint::{Endpoint, Sock};
use crate::recording::Recording;
use crate::server::Shared;
use crate::{EndpointId, MediaError, MediaEvent};

/// Largest datagram read; longer ones are truncated (and then fail to parse).
const MAX_DATAGRAM: usize = 2048;
/// The media tick: one G.711 frame.
const TICK: Duration = Duration::from_millis(20);

/// A received datagram: which endpoint and socket, its length in the buffer, its source.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Datagram {
    pub(crate) index: usize,
    pub(crate) sock: Sock,
    pub(crate) len: usize,
    pub(crate) from: SocketAddr,
}

enum Wake {
    Command(Option<Command>),
    Datagram(Option<Datagram>),
    Timer,
    Tick,
}

/// The state of one call's media, owned by its task.
pub(crate) struct CallTask {
    pub(crate) shared: Arc<Shared>,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<MediaEvent>,
    pub(crate) endpoints: Vec<Endpoint>,
    pub(crate) mixer: Mixer,
    pub(crate) recording: Option<Recording>,
    ticker: Option<Interval>,
    /// The sessions' next deadline, re-armed only when it changes (not per packet).
    timer: Pin<Box<Sleep>>,
    timer_at: Option<Timestamp>,
    pub(crate) buf: Vec<u8>,
    pub(crate) payload: Vec<u8>,
    pub(crate) packet: Vec<u8>,
    rotate: usize,
    pub(crate) next_party: u32,
    pub(crate) events_dropped: u64,
}

impl CallTask {
    /// A task for a new call.
    pub(crate) fn new(
        shared: Arc<Shared>,
        commands: mpsc::Receiver<Command>,
        events: mpsc::Sender<MediaEvent>,
    ) -> Self {
        CallTask {
            shared,
            commands,
            events,
            endpoints: Vec::new(),
            mixer: Mixer::new(),
            recording: None,
            ticker: None,
            timer: Box::pin(sleep_until(Instant::now())),
            timer_at: None,
            buf: vec![0; MAX_DATAGRAM],
            payload: Vec::with_capacity(MAX_DATAGRAM),
            packet: Vec::with_capacity(MAX_DATAGRAM),
            rotate: 0,
            next_party: 0,
            events_dropped: 0,
        }
    }

    /// Serves the call until `close` or until every handle is dropped.
    pub(crate) async fn run(mut self) {
        loop {
            self.arm_timer();
            let armed = self.timer_at.is_some();
            let wake = tokio::select! {
                cmd = self.commands.recv() => Wake::Command(cmd),
                d = recv_any(&self.endpoints, &mut self.buf, self.rotate) => Wake::Datagram(d),
                () = &mut self.timer, if armed => Wake::Timer,
                () = tick_opt(&mut self.ticker) => Wake::Tick,
            };
            let now = clock::now();
            match wake {
                Wake::Command(None) => break,
                Wake::Command(Some(cmd)) => {
                    if !self.command(cmd, now) {
                        return;
                    }
                    self.update_ticker();
                }
                Wake::Datagram(Some(d)) => {
                    self.rotate = self.rotate.wrapping_add(1);
                    self.datagram(d, now);
                }
                Wake::Datagram(None) => self.rotate = self.rotate.wrapping_add(1),
                Wake::Timer => {
                    self.timer_at = None;
                    self.timeouts(now);
                }
                Wake::Tick => {
                    self.tick(now);
                    self.update_ticker();
                }
            }
        }
        self.shutdown(clock::now());
    }

    /// The endpoint's position.
    pub(crate) fn index(&self, id: EndpointId) -> Result<usize, MediaError> {
        self.endpoints
            .iter()
            .position(|e| e.id == id)
            .ok_or(MediaError::Closed(id.0))
    }

    /// Reports an event to call control (dropped and counted if call control lags far
    /// behind: the packet path never waits).
    pub(crate) fn emit(&mut self, event: MediaEvent) {
        if self.events.try_send(event).is_err() {
            self.events_dropped += 1;
            if self.events_dropped.is_power_of_two() {
                tracing::warn!(dropped = self.events_dropped, "media events not read");
            }
        }
    }

    /// Runs the sessions' timers that are due (RTCP, DTMF out, media timeout).
    fn timeouts(&mut self, now: Timestamp) {
        self.webrtc_timeouts(now);
        for index in 0..self.endpoints.len() {
            let ep = &mut self.endpoints[index];
            if ep.session.poll_timeout().is_some_and(|at| at <= now) {
                if let Err(e) = ep.session.handle_timeout(now) {
                    tracing::warn!(endpoint = %ep.id, "RTP session timer: {e}");
                }
                self.after_session(index, now);
            }
        }
    }

    /// Points the timer at the sessions' earliest deadline, if that changed.
    fn arm_timer(&mut self) {
        let at = self.endpoints.iter().filter_map(Endpoint::deadline).min();
        if at == self.timer_at {
            return;
        }
        self.timer_at = at;
        if let Some(at) = at {
            let instant = clock::instant_at(at, clock::now());
            self.timer.as_mut().reset(instant);
        }
    }

    /// Runs the 20 ms tick only while something needs it (mixing, prompts, tones, recording).
    pub(crate) fn update_ticker(&mut self) {
        let needed = !self.mixer.is_empty()
            || self.recording.is_some()
            || self
                .endpoints
                .iter()
                .any(|e| e.playback.is_some() || !e.tones.is_empty());
        match (needed, self.ticker.is_some()) {
            (true, false) => {
                let mut ticker = interval_at(Instant::now() + TICK, TICK);
                ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
                self.ticker = Some(ticker);
            }
            (false, true) => self.ticker = None,
            _ => {}
        }
    }

    /// Ends every session with an RTCP BYE (dropping the endpoints frees their ports); lent
    /// endpoints go home instead.
    pub(crate) fn shutdown(&mut self, now: Timestamp) {
        for i in (0..self.endpoints.len()).rev() {
            self.send_home(i, now);
        }
        for ep in &mut self.endpoints {
            ep.close(now, "call ended");
        }
        self.endpoints.clear();
        if let Some(recording) = self.recording.take() {
            recording.abandon();
        }
    }
}

/// Waits for a datagram on any socket of the call, starting the round at `rotate` for
/// fairness. `None` when a socket reported an error (counted by the caller, then re-polled).
fn recv_any<'a>(
    endpoints: &'a [Endpoint],
    buf: &'a mut [u8],
    rotate: usize,
) -> impl Future<Output = Option<Datagram>> + 'a {
    std::future::poll_fn(move |cx| poll_recv_any(endpoints, buf, rotate, cx))
}

fn poll_recv_any(
    endpoints: &[Endpoint],
    buf: &mut [u8],
    rotate: usize,
    cx: &mut Context<'_>,
) -> Poll<Option<Datagram>> {
    let n = endpoints.len();
    for k in 0..n {
        let index = (rotate + k) % n;
        for sock in [Sock::Rtp, Sock::Rtcp] {
            let mut read = ReadBuf::new(buf);
            match endpoints[index].socket(sock).poll_recv_from(cx, &mut read) {
                Poll::Ready(Ok(from)) => {
                    let len = read.filled().len();
                    return Poll::Ready(Some(Datagram {
                        index,
                        sock,
                        len,
                        from,
                    }));
                }
                Poll::Ready(Err(_)) => return Poll::Ready(None),
                Poll::Pending => {}
            }
        }
    }
    Poll::Pending
}

async fn tick_opt(ticker: &mut Option<Interval>) {
    match ticker {
        Some(t) => {
            t.tick().await;
        }
        None => pending().await,
    }
}
