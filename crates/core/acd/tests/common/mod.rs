//! Test harness: a manual clock driving the ACD and recording its commands.
#![allow(dead_code)]

use sb_acd::{
    Acd, AcdCommand, AcdConfig, AcdInput, AgentConfig, Enqueue, Offer, Presence, QueueConfig,
};
use sb_types::{AgentId, Channel, InteractionId, QueueId, SkillId, TenantId, Timestamp};

pub fn q(n: u128) -> QueueId {
    QueueId::from_u128(n)
}
pub fn ag(n: u128) -> AgentId {
    AgentId::from_u128(n)
}
pub fn ix(n: u128) -> InteractionId {
    InteractionId::from_u128(n)
}
pub fn sk(n: u128) -> SkillId {
    SkillId::from_u128(n)
}

pub struct Harness {
    pub acd: Acd,
    pub now: Timestamp,
    pub log: Vec<AcdCommand>,
}

/// A voice queue requiring skill 1 at any level.
pub fn voice_queue(n: u128) -> QueueConfig {
    let mut c = QueueConfig::new(q(n), Channel::Voice);
    c.skills.push(sb_acd::SkillRequirement {
        skill: sk(1),
        max_proficiency: 10,
    });
    c
}

pub fn agent(n: u128, proficiency: u8) -> AgentConfig {
    AgentConfig::new(ag(n)).with_skill(sk(1), proficiency)
}

impl Harness {
    pub fn new(queues: Vec<QueueConfig>, agents: Vec<AgentConfig>) -> Self {
        let config = AcdConfig {
            tenant: TenantId::from_u128(1),
            settings: Default::default(),
            queues,
            agents,
        };
        let now = Timestamp::from_secs(1_000_000);
        Harness {
            acd: Acd::new(config, now).expect("valid config"),
            now,
            log: Vec::new(),
        }
    }

    /// Moves the clock forward by `secs`, firing every deadline on the way.
    pub fn advance(&mut self, secs: f64) {
        let target = self.now + std::time::Duration::from_millis((secs * 1000.0) as u64);
        while let Some(t) = self.acd.poll_timeout() {
            if t > target {
                break;
            }
            self.now = self.now.max(t);
            self.acd.handle_timeout(self.now);
            self.drain();
        }
        self.now = target;
        self.acd.handle_timeout(target);
        self.drain();
    }

    pub fn drain(&mut self) -> Vec<AcdCommand> {
        let mut new = Vec::new();
        while let Some(c) = self.acd.poll_command() {
            new.push(c);
        }
        self.log.extend(new.iter().cloned());
        new
    }

    /// Applies an input now; panics on error; returns the commands it produced.
    pub fn input(&mut self, input: AcdInput) -> Vec<AcdCommand> {
        self.acd.handle(self.now, input).expect("input accepted");
        self.drain()
    }

    pub fn try_input(&mut self, input: AcdInput) -> Result<Vec<AcdCommand>, sb_acd::AcdError> {
        let r = self.acd.handle(self.now, input);
        let out = self.drain();
        r.map(|_| out)
    }

    pub fn available(&mut self, agent: u128) -> Vec<AcdCommand> {
        self.input(AcdInput::SetAgentState {
            agent: ag(agent),
            state: Presence::Available,
        })
    }

    pub fn enqueue(&mut self, id: u128, queue: u128) -> Vec<AcdCommand> {
        self.input(AcdInput::Enqueue(Enqueue::new(ix(id), q(queue))))
    }

    pub fn enqueue_with(&mut self, e: Enqueue) -> Vec<AcdCommand> {
        self.input(AcdInput::Enqueue(e))
    }

    pub fn accept(&mut self, id: u128, agent: u128) -> Vec<AcdCommand> {
        self.input(AcdInput::Accept {
            interaction: ix(id),
            agent: ag(agent),
        })
    }

    pub fn complete(&mut self, id: u128) -> Vec<AcdCommand> {
        self.input(AcdInput::Complete {
            interaction: ix(id),
        })
    }
}

/// The offers among commands.
pub fn offers(cmds: &[AcdCommand]) -> Vec<Offer> {
    cmds.iter()
        .filter_map(|c| match c {
            AcdCommand::Offer(o) => Some(o.clone()),
            _ => None,
        })
        .collect()
}

/// The single offer among commands.
pub fn one_offer(cmds: &[AcdCommand]) -> Offer {
    let o = offers(cmds);
    assert_eq!(o.len(), 1, "expected one offer in {cmds:?}");
    o[0].clone()
}
