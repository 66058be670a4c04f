//! The ACD state machine: tables, the input dispatch, outputs and queries.

mod agents;
mod enqueue;
mod finish;
mod index;
mod offers;
mod query;
mod route;
mod select;
mod timeouts;
mod transfer;
mod work;

use crate::AcdError;
use crate::agent::Agent;
use crate::command::AcdCommand;
use crate::config::{AcdConfig, AcdSettings};
use crate::input::AcdInput;
use crate::interaction::{AIdx, Interaction, QIdx};
use crate::pool::{Pool, PoolIdx};
use crate::queue::Queue;
use crate::timer::Timers;
use sb_types::{AgentId, Channel, InteractionId, QueueId, SkillId, TenantId, Timestamp};
use std::collections::{HashMap, VecDeque};

pub use query::{InteractionStatus, Position, QueueGlance};

/// The routing brain of one tenant. Owned by one task; no locks, no IO, no clock.
///
/// Drive it with [`Acd::handle`] and [`Acd::handle_timeout`], drain [`Acd::poll_command`]
/// after each call, and call [`Acd::handle_timeout`] again at [`Acd::poll_timeout`].
#[derive(Debug)]
pub struct Acd {
    tenant: TenantId,
    settings: AcdSettings,
    queues: Vec<Queue>,
    queue_ix: HashMap<QueueId, QIdx>,
    agents: Vec<Agent>,
    agent_ix: HashMap<AgentId, AIdx>,
    interactions: HashMap<InteractionId, Interaction>,
    pools: Vec<Pool>,
    pool_ix: HashMap<(Option<SkillId>, Channel), PoolIdx>,
    timers: Timers,
    commands: VecDeque<AcdCommand>,
    dirty_agents: VecDeque<AIdx>,
    dirty_interactions: VecDeque<InteractionId>,
    seq: u64,
    rr_seq: u64,
}

impl Acd {
    /// Builds an ACD from a validated configuration; `now` starts every agent's idle clock.
    pub fn new(config: AcdConfig, now: Timestamp) -> Result<Acd, AcdError> {
        let mut acd = Acd {
            tenant: config.tenant,
            settings: config.settings,
            queues: Vec::new(),
            queue_ix: HashMap::new(),
            agents: Vec::new(),
            agent_ix: HashMap::new(),
            interactions: HashMap::new(),
            pools: Vec::new(),
            pool_ix: HashMap::new(),
            timers: Timers::default(),
            commands: VecDeque::new(),
            dirty_agents: VecDeque::new(),
            dirty_interactions: VecDeque::new(),
            seq: 0,
            rr_seq: 0,
        };
        for q in config.queues {
            q.validate()?;
            acd.add_queue_config(q);
        }
        for a in config.agents {
            a.validate()?;
            acd.add_agent_config(a, now);
        }
        for q in &acd.queues {
            acd.check_overflow(&q.cfg)?;
        }
        acd.rebuild_indexes();
        Ok(acd)
    }

    /// The tenant this ACD routes for.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// Applies one input at `now`, after the deadlines due by then. A refused input (`Err`)
    /// has changed nothing; the deadlines processed before it stand.
    pub fn handle(&mut self, now: Timestamp, input: AcdInput) -> Result<(), AcdError> {
        self.handle_timeout(now);
        let result = self.apply(now, input);
        self.route(now);
        result
    }

    /// Processes every deadline due at `now`. Each transition is dated at its deadline, but
    /// what follows (new offers, the next announcement) is decided at `now`: a late call
    /// replays no missed repetitions.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        while let Some((at, timer)) = self.timers.pop_due(now) {
            self.fire(at, now, timer);
            // Fire everything due at the same instant before matching, so that interactions
            // made eligible together are matched in priority order.
            while let Some((at, timer)) = self.timers.pop_at(at) {
                self.fire(at, now, timer);
            }
            self.route(now);
        }
        self.route(now);
    }

    /// The next output, if any.
    pub fn poll_command(&mut self) -> Option<AcdCommand> {
        self.commands.pop_front()
    }

    /// When [`Acd::handle_timeout`] should be called next.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.timers.next()
    }

    fn apply(&mut self, now: Timestamp, input: AcdInput) -> Result<(), AcdError> {
        match input {
            AcdInput::Enqueue(e) => self.enqueue(now, e),
            AcdInput::SetAgentState { agent, state } => self.set_presence(now, agent, state),
            AcdInput::Accept { interaction, agent } => self.accept(now, interaction, agent),
            AcdInput::Reject { interaction, agent } => self.reject(now, interaction, agent),
            AcdInput::Abandon { interaction } => self.abandon(now, interaction),
            AcdInput::Complete { interaction } => self.complete(now, interaction),
            AcdInput::WrapUpDone {
                interaction,
                agent: None,
            } => self.wrap_up_done(now, interaction),
            AcdInput::WrapUpDone {
                interaction,
                agent: Some(agent),
            } => self.agent_wrap_up_done(now, interaction, agent),
            AcdInput::Engage {
                agent,
                work,
                channel,
            } => self.engage(now, agent, work, channel),
            AcdInput::Disengage {
                agent,
                work,
                wrap_up_secs,
            } => self.disengage(now, agent, work, wrap_up_secs),
            AcdInput::RequestCallback { interaction } => self.request_callback(interaction),
            AcdInput::Transfer {
                interaction,
                target,
            } => self.transfer(now, interaction, target),
            AcdInput::ConnectionLost { agent } => self.connection_lost(now, agent),
            AcdInput::ConnectionRestored { agent } => self.connection_restored(agent),
            AcdInput::UpsertQueue(q) => self.upsert_queue(q),
            AcdInput::UpsertAgent(a) => self.upsert_agent(now, a),
            AcdInput::RemoveAgent { agent } => self.remove_agent(agent),
            AcdInput::Tick => Ok(()),
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    fn queue_idx(&self, id: QueueId) -> Result<QIdx, AcdError> {
        self.queue_ix
            .get(&id)
            .copied()
            .ok_or(AcdError::UnknownQueue(id))
    }

    fn agent_idx(&self, id: AgentId) -> Result<AIdx, AcdError> {
        self.agent_ix
            .get(&id)
            .copied()
            .ok_or(AcdError::UnknownAgent(id))
    }

    fn queue(&self, q: QIdx) -> Option<&Queue> {
        self.queues.get(q as usize)
    }

    fn queue_mut(&mut self, q: QIdx) -> Option<&mut Queue> {
        self.queues.get_mut(q as usize)
    }

    fn agent(&self, a: AIdx) -> Option<&Agent> {
        self.agents.get(a as usize)
    }

    fn agent_mut(&mut self, a: AIdx) -> Option<&mut Agent> {
        self.agents.get_mut(a as usize)
    }

    fn queue_id(&self, q: QIdx) -> QueueId {
        self.queue(q).map_or(QueueId::from_u128(0), |q| q.cfg.id)
    }

    fn agent_id(&self, a: AIdx) -> AgentId {
        self.agent(a).map_or(AgentId::from_u128(0), |a| a.cfg.id)
    }

    fn emit(&mut self, command: AcdCommand) {
        self.commands.push_back(command);
    }
}
