//! The ACD against a simple reference model: generated operations are applied to both, and
//! every command the ACD emits is checked against the model's view of the world.
//!
//! Invariants: never offer to an agent who is not available or has no room on the channel;
//! offers go to the best waiting interaction the agent may take (higher effective priority,
//! then FIFO); a declined interaction is not offered to the decliner during the cool-down;
//! the bullseye is respected at the time of each offer; no interaction offered twice at once; no waiting interaction left while an
//! agent could take it; every interaction ends exactly once and its SLA clock stops once; a
//! missed offer returns the interaction to its place (positions always match the model).

mod common;

use common::*;
use proptest::prelude::*;
use sb_acd::{
    AcdCommand, AcdInput, BullseyeStep, Enqueue, Presence, QueueConfig, TransferTarget,
    WithdrawReason,
};
use sb_types::{Channel, Timestamp};
use std::collections::BTreeMap;

const AGENTS: u128 = 4;
const OFFER_TIMEOUT_MS: i64 = 20_000;
const WRAP_MS: i64 = 10_000;
const GRACE_MS: i64 = 30_000;
const REJECT_COOLDOWN_MS: i64 = 60_000;
/// Skill levels of the agents; the first voice queue accepts ≤ 2, ≤ 5 after 20 s, any after 60 s.
const PROFICIENCY: [u8; 4] = [1, 3, 6, 9];

/// Whether agent `a` meets queue `queue`'s bullseye after `waited` ms.
fn level_ok(a: u128, queue: usize, waited: i64) -> bool {
    let allowed = match (queue, waited) {
        (0, w) if w < 20_000 => 2,
        (0, w) if w < 60_000 => 5,
        _ => 10,
    };
    PROFICIENCY[a as usize] <= allowed
}

#[derive(Clone, Debug)]
enum Op {
    Enqueue { queue: u8, priority: i32 },
    Available(u8),
    Unavailable(u8),
    Accept(u8),
    Reject(u8),
    Abandon(u8),
    Complete(u8),
    WrapDone(u8),
    Lost(u8),
    Restored(u8),
    Transfer(u8),
    Engage(u8),
    Disengage { k: u8, wrap: bool },
    AgentWrapDone(u8),
    Advance(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3u8, 0..3i32).prop_map(|(queue, priority)| Op::Enqueue { queue, priority }),
        1 => any::<u8>().prop_map(Op::Transfer),
        2 => (0..AGENTS as u8).prop_map(Op::Available),
        1 => (0..AGENTS as u8).prop_map(Op::Unavailable),
        3 => any::<u8>().prop_map(Op::Accept),
        1 => any::<u8>().prop_map(Op::Reject),
        1 => any::<u8>().prop_map(Op::Abandon),
        2 => any::<u8>().prop_map(Op::Complete),
        1 => any::<u8>().prop_map(Op::WrapDone),
        1 => (0..AGENTS as u8).prop_map(Op::Lost),
        1 => (0..AGENTS as u8).prop_map(Op::Restored),
        1 => (0..AGENTS as u8).prop_map(Op::Engage),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(k, wrap)| Op::Disengage { k, wrap }),
        1 => any::<u8>().prop_map(Op::AgentWrapDone),
        2 => (1..40u16).prop_map(Op::Advance),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum St {
    Waiting,
    Offered(u128, i64),
    Connected(u128),
    Wrap(u128),
}

#[derive(Clone, Debug)]
struct MI {
    entered: i64,
    queue: usize,
    priority: i64,
    arrived: i64,
    seq: u64,
    st: St,
    excluded: BTreeMap<u128, i64>,
    /// When after-contact work in queue 0 ends, once completed there.
    wrap_until: i64,
}

#[derive(Clone, Debug, Default)]
struct MA {
    logged_in: bool,
    available: bool,
    next: Option<bool>,
    connected: bool,
    grace_until: Option<i64>,
    slots: Vec<(u128, Channel)>,
    /// Detached voice work: engaged (`None`) or after-contact work until then.
    detached: Vec<(u128, Option<i64>)>,
}

struct Model {
    h: Harness,
    accel: [i64; 3],
    channel: [Channel; 3],
    inter: BTreeMap<u128, MI>,
    agents: Vec<MA>,
    seq: u64,
    next_id: u128,
    ended: BTreeMap<u128, u32>,
    sla: BTreeMap<u128, u32>,
    next_work: u128,
}

/// Whether `m` has room on `c` at `t` (detached after-contact work ends at its time).
fn room(m: &MA, c: Channel, t: i64) -> bool {
    let mut slots = m.slots.clone();
    let held = m
        .detached
        .iter()
        .filter(|(_, until)| until.is_none_or(|u| u > t));
    slots.extend(held.map(|(id, _)| (*id, Channel::Voice)));
    let count = slots.iter().filter(|s| s.1 == c).count();
    let limit = match c {
        Channel::Voice => 1,
        Channel::Email => 2,
        Channel::Chat | Channel::Sms => 3,
    };
    let voice = slots.iter().any(|s| s.1 == Channel::Voice);
    count < limit
        && if c == Channel::Voice {
            slots.is_empty()
        } else {
            !voice
        }
}

impl MA {
    fn routable(&self) -> bool {
        self.available && self.next.is_none() && self.connected
    }
    fn settle(&mut self) {
        if self.slots.is_empty()
            && self.detached.is_empty()
            && let Some(avail) = self.next.take()
        {
            self.available = avail;
        }
    }
}

impl Model {
    fn new(accel: [u32; 3]) -> Self {
        let mut voice = voice_queue(1);
        voice.skills[0].max_proficiency = 2;
        voice.bullseye = vec![
            BullseyeStep {
                after_secs: 20,
                max_proficiency: 5,
            },
            BullseyeStep {
                after_secs: 60,
                max_proficiency: 10,
            },
        ];
        voice.priority.acceleration_per_min = accel[0];
        voice.wrap_up_secs = (WRAP_MS / 1000) as u32;
        let mut chat = QueueConfig::new(q(2), Channel::Chat);
        chat.skills = voice_queue(2).skills;
        chat.priority.acceleration_per_min = accel[1];
        let mut other_voice = voice_queue(3);
        other_voice.priority.acceleration_per_min = accel[2];
        let agents = (0..AGENTS)
            .map(|a| agent(a, PROFICIENCY[a as usize]))
            .collect();
        let mut h = Harness::new(vec![voice, chat, other_voice], agents);
        h.drain();
        let agents = (0..AGENTS)
            .map(|_| MA {
                connected: true,
                ..MA::default()
            })
            .collect();
        Model {
            h,
            accel: accel.map(i64::from),
            channel: [Channel::Voice, Channel::Chat, Channel::Voice],
            inter: BTreeMap::new(),
            agents,
            seq: 0,
            next_id: 1,
            ended: BTreeMap::new(),
            sla: BTreeMap::new(),
            next_work: 1_000_000,
        }
    }

    fn now(&self) -> i64 {
        self.h.now.as_millis()
    }

    fn pick<F: Fn(&MI) -> bool>(&self, k: u8, f: F) -> Option<u128> {
        let ids: Vec<u128> = self
            .inter
            .iter()
            .filter(|(_, i)| f(i))
            .map(|(id, _)| *id)
            .collect();
        (!ids.is_empty()).then(|| ids[k as usize % ids.len()])
    }

    fn agent_mut(&mut self, a: u128) -> &mut MA {
        &mut self.agents[a as usize]
    }

    fn apply(&mut self, op: &Op) {
        let out = match *op {
            Op::Enqueue { queue, priority } => self.enqueue(queue as usize, priority),
            Op::Available(a) => self.presence(a.into(), true),
            Op::Unavailable(a) => self.presence(a.into(), false),
            Op::Accept(k) => self.accept(k),
            Op::Reject(k) => self.reject(k),
            Op::Abandon(k) => match self.pick(k, |_| true) {
                Some(id) => self.h.input(AcdInput::Abandon {
                    interaction: ix(id),
                }),
                None => Vec::new(),
            },
            Op::Complete(k) => self.complete(k),
            Op::WrapDone(k) => match self.pick(k, |i| matches!(i.st, St::Wrap(_))) {
                Some(id) => self.h.input(AcdInput::WrapUpDone {
                    interaction: ix(id),
                    agent: None,
                }),
                None => Vec::new(),
            },
            Op::Lost(a) => self.lost(a.into()),
            Op::Restored(a) => {
                let m = self.agent_mut(a.into());
                m.connected = true;
                m.grace_until = None;
                self.h.input(AcdInput::ConnectionRestored {
                    agent: ag(a.into()),
                })
            }
            Op::Transfer(k) => self.transfer(k),
            Op::Engage(a) => self.engage(a.into()),
            Op::Disengage { k, wrap } => self.disengage(k, wrap),
            Op::AgentWrapDone(k) => self.agent_wrap_done(k),
            Op::Advance(s) => {
                let before = self.h.log.len();
                self.h.advance(f64::from(s));
                self.h.log[before..].to_vec()
            }
        };
        for c in out {
            self.observe(c);
        }
        self.expire_graces();
        self.expire_detached();
        self.check();
    }

    fn enqueue(&mut self, queue: usize, priority: i32) -> Vec<AcdCommand> {
        let id = self.next_id;
        self.next_id += 1;
        self.seq += 1;
        let mi = MI {
            queue,
            priority: i64::from(priority),
            arrived: self.now(),
            entered: self.now(),
            seq: self.seq,
            st: St::Waiting,
            excluded: BTreeMap::new(),
            wrap_until: 0,
        };
        self.inter.insert(id, mi);
        let mut e = Enqueue::new(ix(id), q(queue as u128 + 1));
        e.priority = Some(priority);
        self.h.input(AcdInput::Enqueue(e))
    }

    fn presence(&mut self, a: u128, available: bool) -> Vec<AcdCommand> {
        let m = self.agent_mut(a);
        m.connected = true;
        m.grace_until = None;
        m.logged_in = true;
        if available || m.slots.is_empty() {
            m.available = available;
            m.next = None;
        } else {
            m.next = Some(false);
        }
        let state = if available {
            Presence::Available
        } else {
            Presence::Unavailable {
                reason: "break".into(),
            }
        };
        self.h.input(AcdInput::SetAgentState {
            agent: ag(a),
            state,
        })
    }

    fn lost(&mut self, a: u128) -> Vec<AcdCommand> {
        let now = self.now();
        let m = self.agent_mut(a);
        if m.connected {
            m.connected = false;
            m.grace_until = Some(now + GRACE_MS);
        }
        self.h.input(AcdInput::ConnectionLost { agent: ag(a) })
    }

    fn accept(&mut self, k: u8) -> Vec<AcdCommand> {
        let Some(id) = self.pick(k, |i| matches!(i.st, St::Offered(..))) else {
            return Vec::new();
        };
        let St::Offered(a, _) = self.inter[&id].st else {
            unreachable!()
        };
        self.inter.get_mut(&id).expect("live interaction").st = St::Connected(a);
        let out = self.h.accept(id, a);
        assert!(
            out.iter()
                .any(|c| matches!(c, AcdCommand::SlaRecorded(r) if r.interaction == ix(id)))
                || self.sla.contains_key(&id),
            "answer stops the SLA clock"
        );
        out
    }

    fn reject(&mut self, k: u8) -> Vec<AcdCommand> {
        let Some(id) = self.pick(k, |i| matches!(i.st, St::Offered(..))) else {
            return Vec::new();
        };
        let St::Offered(a, _) = self.inter[&id].st else {
            unreachable!()
        };
        let i = self.inter.get_mut(&id).expect("live interaction");
        i.st = St::Waiting;
        i.excluded
            .insert(a, self.h.now.as_millis() + REJECT_COOLDOWN_MS);
        self.free_slot(a, id);
        self.h.input(AcdInput::Reject {
            interaction: ix(id),
            agent: ag(a),
        })
    }

    fn complete(&mut self, k: u8) -> Vec<AcdCommand> {
        let Some(id) = self.pick(k, |i| matches!(i.st, St::Connected(_))) else {
            return Vec::new();
        };
        let i = self.inter.get_mut(&id).expect("live interaction");
        if let (St::Connected(a), 0) = (i.st, i.queue) {
            i.st = St::Wrap(a);
            i.wrap_until = self.h.now.as_millis() + WRAP_MS;
        }
        self.h.complete(id)
    }

    /// Moves a voice interaction to the other voice queue (arrival kept).
    fn transfer(&mut self, k: u8) -> Vec<AcdCommand> {
        let Some(id) = self.pick(k, |i| i.queue != 1) else {
            return Vec::new();
        };
        let to = if self.inter[&id].queue == 0 { 2 } else { 0 };
        let target = TransferTarget::Queue {
            queue: q(to as u128 + 1),
        };
        let out = self.h.input(AcdInput::Transfer {
            interaction: ix(id),
            target,
        });
        let now = self.h.now.as_millis();
        let i = self.inter.get_mut(&id).expect("live interaction");
        let from = std::mem::replace(&mut i.queue, to);
        i.entered = now;
        i.excluded.clear();
        // The agent keeps the after-contact work of the queue the call was answered in.
        let kept = match i.st {
            St::Connected(a) if from == 0 => Some((a, now + WRAP_MS)),
            St::Wrap(a) => Some((a, i.wrap_until)),
            _ => None,
        };
        if let St::Connected(a) | St::Wrap(a) = i.st {
            i.st = St::Waiting;
            if let Some((a, until)) = kept {
                self.agent_mut(a).detached.push((id, Some(until)));
            }
            self.free_slot(a, id);
        }
        out
    }

    /// The agent places a call of their own.
    fn engage(&mut self, a: u128) -> Vec<AcdCommand> {
        let work = self.next_work;
        self.next_work += 1;
        self.agent_mut(a).detached.push((work, None));
        self.h.input(AcdInput::Engage {
            agent: ag(a),
            work: ix(work),
            channel: Channel::Voice,
        })
    }

    /// Detached work of any agent matching `f`, the `k`-th of them.
    fn pick_detached(&self, k: u8, f: impl Fn(Option<i64>) -> bool) -> Option<(u128, u128)> {
        let all: Vec<(u128, u128)> = (0..AGENTS)
            .flat_map(|a| {
                let m = &self.agents[a as usize];
                m.detached
                    .iter()
                    .filter(|(_, until)| f(*until))
                    .map(move |(id, _)| (a, *id))
            })
            .collect();
        (!all.is_empty()).then(|| all[k as usize % all.len()])
    }

    fn disengage(&mut self, k: u8, wrap: bool) -> Vec<AcdCommand> {
        let Some((a, work)) = self.pick_detached(k, |until| until.is_none()) else {
            return Vec::new();
        };
        let now = self.now();
        let m = self.agent_mut(a);
        m.detached.retain(|d| d.0 != work);
        if wrap {
            m.detached.push((work, Some(now + WRAP_MS)));
        }
        m.settle();
        self.h.input(AcdInput::Disengage {
            agent: ag(a),
            work: ix(work),
            wrap_up_secs: if wrap { (WRAP_MS / 1000) as u32 } else { 0 },
        })
    }

    fn agent_wrap_done(&mut self, k: u8) -> Vec<AcdCommand> {
        let Some((a, work)) = self.pick_detached(k, |until| until.is_some()) else {
            return Vec::new();
        };
        let m = self.agent_mut(a);
        m.detached.retain(|d| d.0 != work);
        m.settle();
        self.h.input(AcdInput::WrapUpDone {
            interaction: ix(work),
            agent: Some(ag(a)),
        })
    }

    /// Detached after-contact work whose time is up is over.
    fn expire_detached(&mut self) {
        let now = self.now();
        for m in &mut self.agents {
            m.detached
                .retain(|(_, until)| until.is_none_or(|u| u > now));
            m.settle();
        }
    }

    fn free_slot(&mut self, a: u128, id: u128) {
        let m = self.agent_mut(a);
        m.slots.retain(|s| s.0 != id);
        m.settle();
    }

    /// Effective priority order at `t`: smaller is better.
    fn order(&self, id: u128, t: i64) -> (i64, i64, u64) {
        let i = &self.inter[&id];
        let eff = i.priority * 60_000 + self.accel[i.queue] * (t - i.arrived);
        (-eff, i.arrived, i.seq)
    }

    fn can_take(&self, a: u128, id: u128, t: i64) -> bool {
        let i = &self.inter[&id];
        let m = &self.agents[a as usize];
        let excluded = i.excluded.get(&a).is_some_and(|until| t < *until);
        i.st == St::Waiting
            && m.routable()
            && room(m, self.channel[i.queue], t)
            && !excluded
            && level_ok(a, i.queue, t - i.entered)
    }

    fn observe(&mut self, c: AcdCommand) {
        match c {
            AcdCommand::Offer(o) => self.offered(o),
            AcdCommand::OfferWithdrawn {
                interaction,
                agent,
                reason,
            } => {
                let (id, a) = (interaction.as_uuid().as_u128(), agent.as_uuid().as_u128());
                let i = self
                    .inter
                    .get_mut(&id)
                    .expect("withdrawn interaction exists");
                let St::Offered(x, expires) = i.st else {
                    panic!("withdrawn but not offered: {id}")
                };
                assert_eq!(x, a);
                i.st = St::Waiting;
                match reason {
                    WithdrawReason::Timeout => {
                        assert!(expires <= self.now(), "withdrawn before the offer expired");
                        let m = self.agent_mut(a);
                        m.available = false;
                        m.next = None;
                    }
                    WithdrawReason::Disconnected => {
                        assert!(
                            !self.agents[a as usize].connected,
                            "withdrawn from a connected agent"
                        );
                    }
                    _ => {}
                }
                self.free_slot(a, id);
            }
            AcdCommand::SlaRecorded(r) => {
                *self
                    .sla
                    .entry(r.interaction.as_uuid().as_u128())
                    .or_default() += 1
            }
            AcdCommand::InteractionEnded { interaction, .. } => {
                let id = interaction.as_uuid().as_u128();
                *self.ended.entry(id).or_default() += 1;
                let i = self.inter.remove(&id).expect("ended interaction was live");
                if let St::Connected(a) | St::Wrap(a) | St::Offered(a, _) = i.st {
                    self.free_slot(a, id);
                }
            }
            _ => {}
        }
    }

    fn offered(&mut self, o: sb_acd::Offer) {
        let (id, a) = (
            o.interaction.as_uuid().as_u128(),
            o.agent.as_uuid().as_u128(),
        );
        let t = o.expires_at.as_millis() - OFFER_TIMEOUT_MS;
        assert!(
            self.inter.contains_key(&id),
            "offered an unknown interaction"
        );
        assert_eq!(
            self.inter[&id].st,
            St::Waiting,
            "interaction {id} offered twice at once"
        );
        assert!(
            self.can_take(a, id, t),
            "offer to agent {a} who may not take {id}: {:?}",
            self.agents[a as usize]
        );
        let better: Vec<u128> = self
            .inter
            .keys()
            .filter(|j| {
                **j != id && self.can_take(a, **j, t) && self.order(**j, t) < self.order(id, t)
            })
            .copied()
            .collect();
        assert!(
            better.is_empty(),
            "offered {id} to {a} while {better:?} ranked before it"
        );
        let channel = self.channel[self.inter[&id].queue];
        self.inter.get_mut(&id).expect("live interaction").st =
            St::Offered(a, o.expires_at.as_millis());
        self.agent_mut(a).slots.push((id, channel));
    }

    fn expire_graces(&mut self) {
        let now = self.now();
        for m in &mut self.agents {
            if !m.connected && m.grace_until.is_some_and(|g| g <= now) {
                m.grace_until = None;
                m.available = false;
                m.next = None;
            }
        }
    }

    fn check(&self) {
        let now = self.now();
        for (id, i) in &self.inter {
            if let St::Offered(_, expires) = i.st {
                assert!(
                    expires > now,
                    "offer of {id} still ringing after it expired"
                );
            }
        }
        for a in 0..AGENTS {
            for id in self.inter.keys() {
                assert!(
                    !self.can_take(a, *id, now),
                    "agent {a} could take waiting {id} but was not offered it"
                );
            }
        }
        for (id, i) in &self.inter {
            if i.st != St::Waiting {
                continue;
            }
            let key = |j: &MI| {
                (
                    -(j.priority * 60_000 - self.accel[j.queue] * j.arrived),
                    j.arrived,
                    j.seq,
                )
            };
            let ahead = self
                .inter
                .values()
                .filter(|j| j.st == St::Waiting && j.queue == i.queue && key(j) < key(i))
                .count();
            let pos = self.h.acd.position(ix(*id)).map(|p| p.position as usize);
            assert_eq!(pos, Some(ahead + 1), "interaction {id} is not at its place");
        }
    }

    /// Serves everything left and checks every interaction ended exactly once.
    fn drain(&mut self) {
        for _ in 0..200 {
            if self.inter.is_empty() {
                break;
            }
            for a in 0..AGENTS {
                if !self.agents[a as usize].routable() {
                    let out = self.presence(a, true);
                    out.into_iter().for_each(|c| self.observe(c));
                }
            }
            for op in [
                Op::Accept(0),
                Op::Complete(0),
                Op::WrapDone(0),
                Op::Disengage { k: 0, wrap: false },
                Op::Advance(5),
            ] {
                self.apply(&op);
            }
        }
        assert!(self.inter.is_empty(), "interactions left: {:?}", self.inter);
        for id in 1..self.next_id {
            assert_eq!(
                self.ended.get(&id),
                Some(&1),
                "interaction {id} must end exactly once"
            );
            assert_eq!(
                self.sla.get(&id),
                Some(&1),
                "SLA clock of {id} must stop exactly once"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn acd_agrees_with_the_reference_model(
        accel in (0..4u32, 0..4u32, 0..4u32),
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        let mut m = Model::new([accel.0, accel.1, accel.2]);
        for op in &ops {
            m.apply(op);
        }
        m.drain();
    }
}

#[test]
fn reference_model_sees_a_missed_offer_return_to_its_place() {
    let mut m = Model::new([0, 0, 0]);
    for op in [
        Op::Enqueue {
            queue: 0,
            priority: 0,
        },
        Op::Advance(1),
        Op::Enqueue {
            queue: 0,
            priority: 0,
        },
        Op::Available(0),
        Op::Advance(25),
    ] {
        m.apply(&op);
    }
    assert_eq!(m.h.acd.position(ix(1)).map(|p| p.position), Some(1));
    let _ = Timestamp::EPOCH;
    m.drain();
}
