//! OPTIONS pinging of a trunk's targets (RFC 3261 § 11), with up/down hysteresis.

use std::collections::VecDeque;
use std::time::Duration;

use sb_sip::{HeaderName, Method, Request, Response, SipUri};
use sb_types::Timestamp;

use super::request::{Skeleton, answers, build};
use crate::rng::SplitMix;

/// Health-check settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthConfig {
    /// Our identity in From (`sip:ping@pbx.example.com`); To is the target.
    pub from: SipUri,
    /// Our address: the Via sent-by and transport come from it.
    pub local: SipUri,
    /// Time between the end of one probe and the next while a target is up (30 s).
    pub up_interval: Duration,
    /// The same while it is down (10 s), to notice a recovery sooner.
    pub down_interval: Duration,
    /// Consecutive failures that mark an up target down (3).
    pub failures_to_down: u32,
    /// Consecutive successes that mark a down target up (2).
    pub successes_to_up: u32,
    /// A probe without a final response after this long is a failure (32 s, a backstop for
    /// the transaction layer's timer F reported through [`HealthCheck::handle_failure`]).
    pub response_timeout: Duration,
    /// Random bytes from the caller, for Call-IDs, tags and branches.
    pub seed: u64,
}

impl HealthConfig {
    /// The defaults above for this identity and address.
    pub fn new(from: SipUri, local: SipUri, seed: u64) -> Self {
        HealthConfig {
            from,
            local,
            up_interval: Duration::from_secs(30),
            down_interval: Duration::from_secs(10),
            failures_to_down: 3,
            successes_to_up: 2,
            response_timeout: Duration::from_secs(32),
            seed,
        }
    }
}

/// A target changed state (targets are numbered in the order given to [`HealthCheck::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthEvent {
    /// The target answers again.
    Up {
        /// Its index.
        target: usize,
    },
    /// The target stopped answering.
    Down {
        /// Its index.
        target: usize,
    },
}

/// How a final response to OPTIONS counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// The server is alive.
    Alive,
    /// The server is failing.
    Failed,
}

impl ProbeOutcome {
    /// 408 and every 5xx (503 included) are failures; any other final response — 2xx, a 404
    /// or 405 from a server that does not like OPTIONS, a 401/407 challenge, even 6xx — proves
    /// that something is answering, so it counts as alive.
    pub fn of_status(status: u16) -> ProbeOutcome {
        if status == 408 || (500..600).contains(&status) {
            ProbeOutcome::Failed
        } else {
            ProbeOutcome::Alive
        }
    }
}

#[derive(Debug, Clone)]
struct Probe {
    cseq: u32,
    deadline: Timestamp,
}

#[derive(Debug, Clone)]
struct TargetState {
    uri: SipUri,
    call_id: String,
    from_tag: String,
    cseq: u32,
    up: bool,
    failures: u32,
    successes: u32,
    next_probe: Option<Timestamp>,
    probe: Option<Probe>,
}

/// OPTIONS health checks of a set of targets. Targets start up (so that calls are not refused
/// before the first round) and are probed at once.
#[derive(Debug, Clone)]
pub struct HealthCheck {
    config: HealthConfig,
    rng: SplitMix,
    targets: Vec<TargetState>,
    outbox: VecDeque<(usize, Request)>,
    events: VecDeque<HealthEvent>,
}

impl HealthCheck {
    /// Health checks of `targets` (their Request-URIs, e.g. `sip:192.0.2.1:5060;transport=udp`);
    /// the first probes are ready at once.
    pub fn new(now: Timestamp, config: HealthConfig, targets: Vec<SipUri>) -> Self {
        let mut rng = SplitMix::new(config.seed);
        let targets = targets
            .into_iter()
            .map(|uri| TargetState {
                uri,
                call_id: format!("{}{}", rng.token(), rng.token()),
                from_tag: rng.token(),
                cseq: 0,
                up: true,
                failures: 0,
                successes: 0,
                next_probe: Some(now),
                probe: None,
            })
            .collect();
        let mut h = HealthCheck {
            config,
            rng,
            targets,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
        };
        h.handle_timeout(now);
        h
    }

    /// The number of targets.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// True without targets.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Whether the target is up (false for an unknown index).
    pub fn is_up(&self, target: usize) -> bool {
        self.targets.get(target).is_some_and(|t| t.up)
    }

    /// The target's Request-URI.
    pub fn target(&self, target: usize) -> Option<&SipUri> {
        self.targets.get(target).map(|t| &t.uri)
    }

    /// A response to a probe; others (wrong Call-ID or CSeq, provisional) are ignored.
    pub fn handle_response(&mut self, now: Timestamp, response: &Response) {
        let status = response.status().as_u16();
        if status < 200 {
            return;
        }
        let found = self.targets.iter().position(|t| {
            t.probe
                .as_ref()
                .is_some_and(|p| answers(response, &t.call_id, p.cseq))
        });
        if let Some(i) = found {
            self.complete(now, i, ProbeOutcome::of_status(status));
        }
    }

    /// The outstanding probe of `target` timed out in the transaction layer, or the transport
    /// could not send it. Ignored when no probe is outstanding.
    pub fn handle_failure(&mut self, now: Timestamp, target: usize) {
        if self.targets.get(target).is_some_and(|t| t.probe.is_some()) {
            self.complete(now, target, ProbeOutcome::Failed);
        }
    }

    /// Fails probes past their deadline and sends the probes that are due.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        for i in 0..self.targets.len() {
            let expired = self.targets[i]
                .probe
                .as_ref()
                .is_some_and(|p| p.deadline <= now);
            if expired {
                self.complete(now, i, ProbeOutcome::Failed);
            }
            if self.targets[i].next_probe.is_some_and(|t| t <= now) {
                self.send(now, i);
            }
        }
    }

    /// The earliest probe or probe deadline.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.targets
            .iter()
            .filter_map(|t| t.next_probe.or(t.probe.as_ref().map(|p| p.deadline)))
            .min()
    }

    /// The next OPTIONS to send, with its target's index.
    pub fn poll_request(&mut self) -> Option<(usize, Request)> {
        self.outbox.pop_front()
    }

    /// The next up/down change.
    pub fn poll_event(&mut self) -> Option<HealthEvent> {
        self.events.pop_front()
    }

    fn complete(&mut self, now: Timestamp, i: usize, outcome: ProbeOutcome) {
        let (to_down, to_up) = (self.config.failures_to_down, self.config.successes_to_up);
        let Some(t) = self.targets.get_mut(i) else {
            return;
        };
        t.probe = None;
        match outcome {
            ProbeOutcome::Alive => {
                t.failures = 0;
                t.successes = t.successes.saturating_add(1);
                if !t.up && t.successes >= to_up.max(1) {
                    t.up = true;
                    self.events.push_back(HealthEvent::Up { target: i });
                }
            }
            ProbeOutcome::Failed => {
                t.successes = 0;
                t.failures = t.failures.saturating_add(1);
                if t.up && t.failures >= to_down.max(1) {
                    t.up = false;
                    self.events.push_back(HealthEvent::Down { target: i });
                }
            }
        }
        let interval = if t.up {
            self.config.up_interval
        } else {
            self.config.down_interval
        };
        t.next_probe = Some(now + interval);
    }

    fn send(&mut self, now: Timestamp, i: usize) {
        let Some(t) = self.targets.get_mut(i) else {
            return;
        };
        t.next_probe = None;
        t.cseq = t.cseq.wrapping_add(1);
        let mut request = build(
            &Skeleton {
                method: Method::Options,
                request_uri: &t.uri,
                from: &self.config.from,
                from_tag: &t.from_tag,
                to: &t.uri,
                call_id: &t.call_id,
                cseq: t.cseq,
                local: &self.config.local,
            },
            &mut self.rng,
        );
        let h = request.headers_mut();
        h.push(HeaderName::Accept, "application/sdp");
        t.probe = Some(Probe {
            cseq: t.cseq,
            deadline: now + self.config.response_timeout,
        });
        self.outbox.push_back((i, request));
    }
}
