//! The simulation loop: a manual clock stepping to the next customer/agent event or ACD
//! deadline, whichever comes first.

use super::arrivals::{Arrival, draw_all};
use super::prng::SplitMix64;
use super::report::{Acc, GroupReport, QueueReport, Report};
use super::scenario::Scenario;
use crate::command::{AcdCommand, AgentState, EndOutcome};
use crate::config::{AcdConfig, AgentConfig};
use crate::input::{AcdInput, Enqueue, Presence};
use crate::{Acd, AcdError, InteractionStatus};
use sb_types::{AgentId, InteractionId, QueueId, TenantId, Timestamp};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

/// Runs a scenario to the end and reports the figures.
pub fn run(scenario: &Scenario) -> Result<Report, AcdError> {
    scenario.validate()?;
    let mut sim = Sim::new(scenario)?;
    sim.plan()?;
    sim.main_loop();
    Ok(sim.report())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrive(usize),
    Abandon(InteractionId),
    Answer(InteractionId, AgentId),
    Complete(InteractionId),
    WrapDone(InteractionId),
    Login(AgentId),
    Logout(AgentId),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cat {
    Busy,
    Idle,
    Off,
}

struct Sim<'a> {
    sc: &'a Scenario,
    acd: Acd,
    rng: SplitMix64,
    events: BinaryHeap<Reverse<(i64, u64, Ev)>>,
    seq: u64,
    now: i64,
    arrivals: Vec<Arrival>,
    by_id: HashMap<InteractionId, usize>,
    group_of: HashMap<AgentId, usize>,
    ringing: HashSet<(InteractionId, AgentId)>,
    answered: HashSet<InteractionId>,
    state: HashMap<AgentId, (Cat, i64)>,
    busy_idle: Vec<(i64, i64, u64)>,
    queues: HashMap<QueueId, Acc>,
    total: Acc,
}

use super::arrivals::secs_ms;

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn agent_id(group: usize, k: u32) -> AgentId {
    AgentId::from_u128(((group as u128 + 1) << 64) | u128::from(k + 1))
}

impl<'a> Sim<'a> {
    fn new(sc: &'a Scenario) -> Result<Self, AcdError> {
        let mut agents = Vec::new();
        let mut group_of = HashMap::new();
        for (g, group) in sc.agents.iter().enumerate() {
            for k in 0..group.count {
                let id = agent_id(g, k);
                group_of.insert(id, g);
                agents.push(AgentConfig {
                    id,
                    skills: group.skills.clone(),
                    capacity: group.capacity.clone(),
                });
            }
        }
        let config = AcdConfig {
            tenant: TenantId::from_u128(1),
            settings: sc.settings.clone(),
            queues: sc.queues.clone(),
            agents,
        };
        Ok(Sim {
            sc,
            acd: Acd::new(config, ts(0))?,
            rng: SplitMix64::new(sc.seed),
            events: BinaryHeap::new(),
            seq: 0,
            now: 0,
            arrivals: Vec::new(),
            by_id: HashMap::new(),
            group_of,
            ringing: HashSet::new(),
            answered: HashSet::new(),
            state: HashMap::new(),
            busy_idle: vec![(0, 0, 0); sc.agents.len()],
            queues: HashMap::new(),
            total: Acc::default(),
        })
    }

    fn at(&mut self, ms: i64, ev: Ev) {
        self.seq += 1;
        self.events.push(Reverse((ms, self.seq, ev)));
    }

    /// Draws every arrival and schedules shifts.
    fn plan(&mut self) -> Result<(), AcdError> {
        self.arrivals = draw_all(self.sc, &mut self.rng)?;
        for i in 0..self.arrivals.len() {
            let (at, id) = (self.arrivals[i].at_ms, self.arrivals[i].id);
            self.by_id.insert(id, i);
            self.at(at, Ev::Arrive(i));
        }
        for (g, group) in self.sc.agents.iter().enumerate() {
            for k in 0..group.count {
                let id = agent_id(g, k);
                if group.shifts.is_empty() {
                    self.at(0, Ev::Login(id));
                }
                for s in &group.shifts {
                    self.at(secs_ms(s.start_secs as f64), Ev::Login(id));
                    self.at(secs_ms(s.end_secs as f64), Ev::Logout(id));
                }
            }
        }
        Ok(())
    }

    fn cap_ms(&self) -> i64 {
        let last = self.arrivals.iter().map(|a| a.at_ms).max().unwrap_or(0);
        match self.sc.max_duration_secs {
            Some(s) => secs_ms(s as f64),
            None => last.saturating_add(86_400_000),
        }
    }

    fn main_loop(&mut self) {
        let cap = self.cap_ms();
        loop {
            let ev_t = self.events.peek().map(|Reverse((t, _, _))| *t);
            let acd_t = self.acd.poll_timeout().map(Timestamp::as_millis);
            let next = match (ev_t, acd_t) {
                (None, None) => break,
                (Some(e), Some(a)) => e.min(a),
                (Some(t), None) | (None, Some(t)) => t,
            };
            if next > cap {
                break;
            }
            self.now = self.now.max(next);
            if acd_t == Some(next) && ev_t.is_none_or(|e| next < e) {
                self.acd.handle_timeout(ts(self.now));
            } else if let Some(Reverse((_, _, ev))) = self.events.pop() {
                self.apply(ev);
            }
            self.drain();
        }
    }

    fn input(&mut self, input: AcdInput) -> bool {
        self.acd.handle(ts(self.now), input).is_ok()
    }

    fn apply(&mut self, ev: Ev) {
        match ev {
            Ev::Arrive(i) => self.arrive(i),
            Ev::Abandon(id) => {
                if !self.answered.contains(&id) && self.acd.interaction_status(id).is_some() {
                    self.input(AcdInput::Abandon { interaction: id });
                }
            }
            Ev::Answer(id, agent) => self.answer(id, agent),
            Ev::Complete(id) => self.complete(id),
            Ev::WrapDone(id) => {
                if matches!(
                    self.acd.interaction_status(id),
                    Some(InteractionStatus::WrapUp { .. })
                ) {
                    self.input(AcdInput::WrapUpDone {
                        interaction: id,
                        agent: None,
                    });
                }
            }
            Ev::Login(agent) => {
                let state = Presence::Available;
                self.input(AcdInput::SetAgentState { agent, state });
            }
            Ev::Logout(agent) => {
                let state = Presence::LoggedOut;
                self.input(AcdInput::SetAgentState { agent, state });
            }
        }
    }

    fn arrive(&mut self, i: usize) {
        let Some(a) = self.arrivals.get(i) else {
            return;
        };
        let mut e = Enqueue::new(a.id, a.queue);
        e.priority = a.priority;
        e.skills = a.skills.clone();
        let (id, abandon_at) = (a.id, a.patience_ms.map(|p| a.at_ms.saturating_add(p)));
        if self.input(AcdInput::Enqueue(e))
            && let Some(t) = abandon_at
        {
            self.at(t, Ev::Abandon(id));
        }
    }

    fn answer(&mut self, id: InteractionId, agent: AgentId) {
        if !self.ringing.remove(&(id, agent)) {
            return;
        }
        if self.input(AcdInput::Accept {
            interaction: id,
            agent,
        }) {
            self.answered.insert(id);
            let handle = self.by_id.get(&id).and_then(|i| self.arrivals.get(*i));
            let end = self.now.saturating_add(handle.map_or(0, |a| a.handle_ms));
            self.at(end, Ev::Complete(id));
        }
    }

    fn complete(&mut self, id: InteractionId) {
        let agent = match self.acd.interaction_status(id) {
            Some(InteractionStatus::Connected { agent }) => agent,
            _ => return,
        };
        self.input(AcdInput::Complete { interaction: id });
        let wrap = self
            .group_of
            .get(&agent)
            .and_then(|g| self.sc.agents.get(*g))
            .and_then(|g| g.wrap_up);
        if let Some(d) = wrap {
            let t = self.now.saturating_add(secs_ms(self.rng.sample(&d)));
            self.at(t, Ev::WrapDone(id));
        }
    }

    fn drain(&mut self) {
        while let Some(c) = self.acd.poll_command() {
            self.observe(c);
        }
    }

    fn observe(&mut self, c: AcdCommand) {
        match c {
            AcdCommand::Offer(o) => {
                let delay = self
                    .group_of
                    .get(&o.agent)
                    .and_then(|g| self.sc.agents.get(*g))
                    .map_or(0.0, |g| self.rng.sample(&g.answer_delay));
                self.ringing.insert((o.interaction, o.agent));
                self.at(
                    self.now.saturating_add(secs_ms(delay)),
                    Ev::Answer(o.interaction, o.agent),
                );
            }
            AcdCommand::OfferWithdrawn {
                interaction, agent, ..
            } => {
                self.ringing.remove(&(interaction, agent));
            }
            AcdCommand::SlaRecorded(r) => {
                self.queues.entry(r.queue).or_default().sla(&r);
                self.total.sla(&r);
            }
            AcdCommand::InteractionEnded {
                interaction,
                queue,
                outcome,
            } => self.ended(interaction, queue, outcome),
            AcdCommand::AgentStateChanged { agent, state, .. } => self.agent_state(agent, &state),
            _ => {}
        }
    }

    fn ended(&mut self, id: InteractionId, queue: QueueId, outcome: EndOutcome) {
        self.answered.remove(&id);
        if let EndOutcome::Handled {
            agent,
            talk_ms,
            wrap_ms,
        } = outcome
        {
            let ms = talk_ms.saturating_add(wrap_ms);
            self.queues.entry(queue).or_default().handled(ms);
            self.total.handled(ms);
            if let Some(g) = self
                .group_of
                .get(&agent)
                .and_then(|g| self.busy_idle.get_mut(*g))
            {
                g.2 += 1;
            }
        }
    }

    fn agent_state(&mut self, agent: AgentId, state: &AgentState) {
        let cat = match state {
            AgentState::Working { .. } | AgentState::WrapUp => Cat::Busy,
            AgentState::Available | AgentState::Reserved => Cat::Idle,
            _ => Cat::Off,
        };
        let now = self.now;
        if let Some((old, since)) = self.state.insert(agent, (cat, now)) {
            self.account(agent, old, now - since);
        }
    }

    fn account(&mut self, agent: AgentId, cat: Cat, ms: i64) {
        let Some(g) = self
            .group_of
            .get(&agent)
            .and_then(|g| self.busy_idle.get_mut(*g))
        else {
            return;
        };
        match cat {
            Cat::Busy => g.0 += ms,
            Cat::Idle => g.1 += ms,
            Cat::Off => {}
        }
    }

    fn report(mut self) -> Report {
        let now = self.now;
        let open: Vec<_> = self.state.drain().collect();
        for (agent, (cat, since)) in open {
            self.account(agent, cat, now - since);
        }
        let (b, i) = self
            .busy_idle
            .iter()
            .fold((0, 0), |(b, i), x| (b + x.0, i + x.1));
        Report {
            name: self.sc.name.clone(),
            total: self.total.finish(occupancy(b, i)),
            queues: self.queue_reports(),
            groups: self.group_reports(),
            unfinished: self.acd.interaction_count() as u64,
            simulated_secs: now as f64 / 1000.0,
        }
    }

    fn group_reports(&self) -> Vec<GroupReport> {
        let groups = self.sc.agents.iter().zip(&self.busy_idle);
        groups
            .map(|(g, (b, i, h))| GroupReport {
                name: g.name.clone(),
                handled: *h,
                occupancy: occupancy(*b, *i),
            })
            .collect()
    }

    fn queue_reports(&self) -> Vec<QueueReport> {
        let metrics = |q| self.queues.get(q).cloned().unwrap_or_default().finish(None);
        self.sc
            .queues
            .iter()
            .map(|q| QueueReport {
                queue: q.id,
                name: q.name.clone(),
                metrics: metrics(&q.id),
            })
            .collect()
    }
}

/// Busy / (busy + idle), none without staffed time.
fn occupancy(busy: i64, idle: i64) -> Option<f64> {
    (busy + idle > 0).then(|| busy as f64 / (busy + idle) as f64)
}
