//! Routing decision latency at scale: 10,000 agents, 1,000 queues, 50 skills and 100,000
//! waiting interactions.
//!
//! * `arrival_to_offer`: an interaction arrives in a queue with ready agents and is offered.
//! * `agent_freed_to_next_offer`: a busy agent completes, and is offered the best waiting
//!   interaction among its ~100 queues.
//!
//! Besides criterion's means, the bench prints p50/p99/max of single decisions and the memory
//! per waiting interaction (resident-set growth from /proc/self/statm while the backlog is
//! built, divided by its size; a counting allocator would need `unsafe`, forbidden here).
//!
//! Run: `cargo bench -p sb-acd --bench routing -- --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::disallowed_methods)] // a bench measures wall time

use criterion::{Criterion, criterion_group, criterion_main};
use sb_acd::sim::SplitMix64;
use sb_acd::{
    Acd, AcdCommand, AcdConfig, AcdInput, AgentConfig, BullseyeStep, Enqueue, Presence,
    QueueConfig, SkillRequirement, Strategy,
};
use sb_types::{AgentId, Channel, InteractionId, QueueId, SkillId, TenantId, Timestamp};
use std::time::{Duration, Instant};

const AGENTS: u32 = 10_000;
const ARRIVAL_AGENTS: u32 = 1_000;
const QUEUES: u32 = 1_000;
const ARRIVAL_QUEUES: u32 = 100;
const SKILLS: u32 = 50;
const MAIN_SKILLS: u32 = 45;
const WAITING: usize = 100_000;
const STRATEGIES: [Strategy; 4] = [
    Strategy::LongestIdle,
    Strategy::MostSkilled,
    Strategy::LeastOccupied,
    Strategy::RoundRobin,
];

fn req(skill: u32, max: u8) -> SkillRequirement {
    SkillRequirement {
        skill: SkillId::from_u128(u128::from(skill) + 1),
        max_proficiency: max,
    }
}

/// Main queues use skills 0..45 with a bullseye; arrival queues use skills 45..50.
fn queue(n: u32) -> QueueConfig {
    let mut q = QueueConfig::new(QueueId::from_u128(u128::from(n) + 1), Channel::Voice);
    q.strategy = STRATEGIES[n as usize % STRATEGIES.len()];
    let main = n < QUEUES - ARRIVAL_QUEUES;
    let (base, span) = if main {
        (0, MAIN_SKILLS)
    } else {
        (MAIN_SKILLS, SKILLS - MAIN_SKILLS)
    };
    q.skills
        .push(req(base + n % span, if main { 3 } else { 10 }));
    if n.is_multiple_of(2) {
        q.skills.push(req(base + (n * 7 + 3) % span, 10));
    }
    if main {
        q.bullseye = vec![
            BullseyeStep {
                after_secs: 30,
                max_proficiency: 6,
            },
            BullseyeStep {
                after_secs: 60,
                max_proficiency: 10,
            },
        ];
    }
    q
}

fn agent(n: u32, rng: &mut SplitMix64) -> AgentConfig {
    let arrival = n >= AGENTS - ARRIVAL_AGENTS;
    let (base, span, count) = if arrival {
        (MAIN_SKILLS, SKILLS - MAIN_SKILLS, 3)
    } else {
        (0, MAIN_SKILLS, 5)
    };
    let mut a = AgentConfig::new(AgentId::from_u128(u128::from(n) + 1));
    while a.skills.len() < count {
        let s = base + (rng.next_u64() % u64::from(span)) as u32;
        let skill = SkillId::from_u128(u128::from(s) + 1);
        if a.proficiency(skill).is_none() {
            a = a.with_skill(skill, 1 + (rng.next_u64() % 10) as u8);
        }
    }
    a
}

struct World {
    acd: Acd,
    now: Timestamp,
    rng: SplitMix64,
    next_id: u128,
    busy: Vec<(AgentId, InteractionId)>,
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

impl World {
    fn new() -> World {
        let mut rng = SplitMix64::new(1);
        let config = AcdConfig {
            tenant: TenantId::from_u128(1),
            settings: Default::default(),
            queues: (0..QUEUES).map(queue).collect(),
            agents: (0..AGENTS).map(|n| agent(n, &mut rng)).collect(),
        };
        let now = Timestamp::from_secs(1_700_000_000);
        let mut w = World {
            acd: Acd::new(config, now).unwrap(),
            now,
            rng,
            next_id: 1,
            busy: Vec::new(),
        };
        for n in 0..AGENTS {
            let state = Presence::Available;
            w.input(AcdInput::SetAgentState {
                agent: AgentId::from_u128(u128::from(n) + 1),
                state,
            });
        }
        w
    }

    fn input(&mut self, input: AcdInput) {
        self.acd.handle(self.now, input).unwrap();
        self.accept_offers();
    }

    /// Accepts every offer (outside the timed sections).
    fn accept_offers(&mut self) {
        let mut offers = Vec::new();
        while let Some(c) = self.acd.poll_command() {
            if let AcdCommand::Offer(o) = c {
                offers.push((o.interaction, o.agent));
            }
        }
        for (interaction, agent) in offers {
            if self
                .acd
                .handle(self.now, AcdInput::Accept { interaction, agent })
                .is_ok()
            {
                self.busy.push((agent, interaction));
            }
        }
        while self.acd.poll_command().is_some() {}
    }

    fn enqueue_main(&mut self) {
        let q = self.rng.next_u64() % u64::from(QUEUES - ARRIVAL_QUEUES);
        let id = InteractionId::from_u128(self.next_id);
        self.next_id += 1;
        self.input(AcdInput::Enqueue(Enqueue::new(
            id,
            QueueId::from_u128(u128::from(q) + 1),
        )));
    }

    fn waiting(&self) -> usize {
        (0..QUEUES)
            .filter_map(|q| self.acd.queue_stats(QueueId::from_u128(u128::from(q) + 1)))
            .map(|s| s.waiting as usize)
            .sum()
    }

    /// Fills the main queues until every main agent is busy and 100,000 interactions wait.
    fn build_backlog(&mut self) -> f64 {
        let before = resident_bytes();
        for _ in 0..WAITING + (AGENTS - ARRIVAL_AGENTS) as usize {
            self.enqueue_main();
        }
        for step in [30, 30, 1] {
            self.now = self.now + Duration::from_secs(step);
            self.acd.handle_timeout(self.now);
            self.accept_offers();
        }
        while self.waiting() < WAITING {
            self.enqueue_main();
        }
        (resident_bytes() - before) as f64 / self.acd.interaction_count() as f64
    }

    /// Times one arrival into an arrival queue up to its offer; then abandons it (untimed).
    fn arrival(&mut self) -> Duration {
        let q = (QUEUES - ARRIVAL_QUEUES) as u64 + self.rng.next_u64() % u64::from(ARRIVAL_QUEUES);
        let id = InteractionId::from_u128(self.next_id);
        self.next_id += 1;
        let input = AcdInput::Enqueue(Enqueue::new(id, QueueId::from_u128(u128::from(q) + 1)));
        let start = Instant::now();
        self.acd.handle(self.now, input).unwrap();
        let offered = std::iter::from_fn(|| self.acd.poll_command())
            .any(|c| matches!(c, AcdCommand::Offer(_)));
        let took = start.elapsed();
        assert!(offered, "an arrival with ready agents is offered");
        self.acd
            .handle(self.now, AcdInput::Abandon { interaction: id })
            .unwrap();
        while self.acd.poll_command().is_some() {}
        took
    }

    /// Times a busy main agent completing up to its next offer; then accepts it and tops the
    /// backlog up (untimed).
    fn agent_freed(&mut self) -> Duration {
        let k = (self.rng.next_u64() % self.busy.len() as u64) as usize;
        let (agent, interaction) = self.busy.swap_remove(k);
        let start = Instant::now();
        self.acd
            .handle(self.now, AcdInput::Complete { interaction })
            .unwrap();
        let offer = std::iter::from_fn(|| self.acd.poll_command()).find_map(|c| match c {
            AcdCommand::Offer(o) => Some(o),
            _ => None,
        });
        let took = start.elapsed();
        if let Some(o) = offer {
            assert_eq!(o.agent, agent);
            self.acd
                .handle(
                    self.now,
                    AcdInput::Accept {
                        interaction: o.interaction,
                        agent,
                    },
                )
                .unwrap();
            self.busy.push((agent, o.interaction));
        }
        while self.acd.poll_command().is_some() {}
        self.enqueue_main();
        took
    }
}

fn percentiles(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    eprintln!(
        "{name}: n={} mean={mean:?} p50={:?} p99={:?} max={:?}",
        samples.len(),
        at(0.50),
        at(0.99),
        samples[samples.len() - 1]
    );
}

fn routing(c: &mut Criterion) {
    let mut w = World::new();
    let per_interaction = w.build_backlog();
    eprintln!(
        "setup: {} waiting, {} in the ACD, {} timers; memory {:.0} bytes per interaction (RSS growth)",
        w.waiting(),
        w.acd.interaction_count(),
        w.acd.timer_count(),
        per_interaction
    );
    percentiles(
        "arrival_to_offer",
        (0..20_000).map(|_| w.arrival()).collect(),
    );
    for round in 0..4 {
        let name = format!("agent_freed_to_next_offer (round {round})");
        percentiles(&name, (0..20_000).map(|_| w.agent_freed()).collect());
    }
    c.bench_function("arrival_to_offer", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| w.arrival()).sum())
    });
    c.bench_function("agent_freed_to_next_offer", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| w.agent_freed()).sum())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_millis(500));
    targets = routing
}
criterion_main!(benches);
