//! The interpreter: one session per interaction, sans IO.
//!
//! The host polls for [`Step`]s until the session waits, carries the awaited action out, and
//! hands the outcome back with [`Session::handle`]. Time only enters through `handle` and
//! [`Session::handle_timeout`]; randomness only through the seed in [`Start`].

use crate::action::Named;
use crate::blocks::Say;
use crate::expr::Expr;
use crate::program::CompiledBlock;
use crate::template::Template;
use crate::{Action, Attributes, Finish, FlowError, Input, Program, Prompt, Step, Value};
use sb_types::{AgentId, QueueId, SkillId, Timestamp};
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// How a session starts: the instant, the host's seed for percentage splits, and the initial
/// attributes (by convention `caller`, `dialled`, `channel`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Start {
    /// The instant the interaction arrived.
    pub now: Timestamp,
    /// Seed for `distribute` blocks; the same seed takes the same branches.
    pub seed: u64,
    /// Initial attributes.
    pub attributes: Attributes,
}

impl Start {
    /// A start at `now` with no attributes and seed 0.
    pub fn at(now: Timestamp) -> Start {
        Start {
            now,
            ..Start::default()
        }
    }

    /// Adds an attribute.
    pub fn attr(mut self, name: &str, value: impl Into<Value>) -> Start {
        self.attributes.insert(name.to_owned(), value.into());
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Start {
        self.seed = seed;
        self
    }
}

/// What the session waits for, per block type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    Play,
    Menu { attempt: u32 },
    Reprompt { attempt: u32 },
    Collect { attempt: u32 },
    Greeting,
    Record,
    Enqueue,
    Transfer,
    Dial,
    Http,
    Message,
}

impl Wait {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Wait::Play | Wait::Reprompt { .. } | Wait::Greeting => "play",
            Wait::Menu { .. } => "menu",
            Wait::Collect { .. } => "collect",
            Wait::Record => "record",
            Wait::Enqueue => "enqueue",
            Wait::Transfer => "transfer",
            Wait::Dial => "dial",
            Wait::Http => "http_request",
            Wait::Message => "send_message",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum State {
    Run(usize),
    Wait(usize, Wait),
    Finished(Finish),
}

/// Queue, skills and priority set by `set_queue` blocks, used by `enqueue`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Routing {
    pub(crate) queue: Option<Named<QueueId>>,
    pub(crate) skills: Vec<Named<SkillId>>,
    pub(crate) priority: Option<i64>,
}

/// One running flow.
#[derive(Debug)]
pub struct Session {
    program: Arc<Program>,
    attrs: Attributes,
    screen_pop: BTreeSet<String>,
    pub(crate) routing: Routing,
    now: Timestamp,
    seed: u64,
    draws: u64,
    state: State,
    outbox: VecDeque<Step>,
    path: Vec<String>,
    current: Option<usize>,
    steps: u32,
    steps_since_input: u32,
    caller_gone: bool,
    deadline: Option<Timestamp>,
}

impl Session {
    /// Starts a session at the program's start block.
    pub fn new(program: Arc<Program>, start: Start) -> Session {
        let state = State::Run(program.start);
        Session {
            program,
            attrs: start.attributes,
            screen_pop: BTreeSet::new(),
            routing: Routing::default(),
            now: start.now,
            seed: start.seed,
            draws: 0,
            state,
            outbox: VecDeque::new(),
            path: Vec::new(),
            current: None,
            steps: 0,
            steps_since_input: 0,
            caller_gone: false,
            deadline: None,
        }
    }

    /// The next thing for the host to do. Runs blocks until one waits or the flow ends.
    pub fn poll(&mut self) -> Step {
        loop {
            if let Some(step) = self.outbox.pop_front() {
                return step;
            }
            match &self.state {
                State::Finished(f) => return Step::Finished(f.clone()),
                State::Wait(..) => return Step::Waiting,
                State::Run(b) => self.run(*b),
            }
        }
    }

    /// Takes the host's answer to the awaited action, or an event (`Hangup`, `AgentAnswered`).
    ///
    /// An answer that does not fit the awaited action is refused and the session keeps waiting.
    pub fn handle(&mut self, now: Timestamp, input: Input) -> Result<(), FlowError> {
        if matches!(self.state, State::Finished(_)) {
            return Err(FlowError::NotWaiting { got: input.kind() });
        }
        self.now = self.now.max(now);
        if input == Input::Hangup {
            self.on_hangup();
            return Ok(());
        }
        let State::Wait(b, wait) = self.state else {
            return Err(FlowError::NotWaiting { got: input.kind() });
        };
        if let Input::AgentAnswered { agent } = input {
            self.on_agent_answer(b, agent);
            return Ok(());
        }
        self.answer(b, wait, input)
    }

    /// Answers [`Input::Timeout`] if the awaited action's deadline has passed.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        if self.deadline.is_some_and(|d| now >= d) && self.handle(now, Input::Timeout).is_err() {
            self.deadline = None;
        }
    }

    /// When the awaited action times out (HTTP, transfer, dial, queue with a maximum wait).
    pub fn deadline(&self) -> Option<Timestamp> {
        self.deadline
    }

    /// The interaction's attributes.
    pub fn attributes(&self) -> &Attributes {
        &self.attrs
    }

    /// The attributes marked for the agent's screen pop.
    pub fn screen_pop(&self) -> Attributes {
        let pop = self.screen_pop.iter();
        pop.filter_map(|k| Some((k.clone(), self.attrs.get(k)?.clone())))
            .collect()
    }

    /// The ids of the blocks entered so far, in order.
    pub fn path(&self) -> &[String] {
        &self.path
    }

    /// Whether the flow has ended.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished(_))
    }

    /// A generous bound on the polls a session takes before it ends (its step budget, with room
    /// for the actions each step emits), for hosts and test runners as a safety net.
    pub fn max_polls(&self) -> u64 {
        u64::from(self.program.limits.max_steps)
            .saturating_add(1)
            .saturating_mul(1024)
    }

    /// Blocks entered so far.
    pub fn steps(&self) -> u32 {
        self.steps
    }

    fn answer(&mut self, b: usize, wait: Wait, input: Input) -> Result<(), FlowError> {
        let program = Arc::clone(&self.program);
        let Some(block) = program.blocks.get(b) else {
            return Err(FlowError::NotWaiting { got: input.kind() });
        };
        let saved = self.deadline.take();
        let result = block.op.answer(self, b, wait, input);
        match result {
            Ok(()) => self.steps_since_input = 0,
            Err(_) => self.deadline = saved,
        }
        result
    }

    fn run(&mut self, b: usize) {
        let program = Arc::clone(&self.program);
        let Some(block) = program.blocks.get(b) else {
            self.finish(Finish::Error {
                block: String::new(),
                message: "no such block".into(),
            });
            return;
        };
        let limits = &program.limits;
        if self.steps >= limits.max_steps
            || self.steps_since_input >= limits.max_steps_without_input
        {
            self.finish(Finish::StepBudget {
                block: block.id.clone(),
            });
            return;
        }
        self.steps += 1;
        self.steps_since_input += 1;
        self.path.push(block.id.clone());
        self.current = Some(b);
        if self.caller_gone && block.op.needs_caller() {
            self.finish(Finish::CallerHungUp);
            return;
        }
        block.op.enter(self, b);
    }

    fn on_hangup(&mut self) {
        if self.caller_gone {
            return;
        }
        self.caller_gone = true;
        self.outbox.clear();
        self.deadline = None;
        let program = Arc::clone(&self.program);
        let current = self.current.and_then(|b| program.blocks.get(b));
        match current.and_then(|b| b.on.hangup).or(program.on.hangup) {
            Some(h) => self.state = State::Run(h),
            None => self.finish(Finish::CallerHungUp),
        }
    }

    fn on_agent_answer(&mut self, b: usize, agent: AgentId) {
        self.outbox.clear();
        self.deadline = None;
        self.steps_since_input = 0;
        self.store("agent", Value::Str(agent.to_string()));
        let program = Arc::clone(&self.program);
        let Some(block) = program.blocks.get(b) else {
            return;
        };
        let handler = block.on.agent_answer.or(program.on.agent_answer);
        match handler.or_else(|| block.transitions.get("answered").copied()) {
            Some(next) => self.state = State::Run(next),
            None => self.finish(Finish::Connected { agent }),
        }
    }

    // ---- for blocks ----

    fn block(&self, b: usize) -> Option<&CompiledBlock> {
        self.program.blocks.get(b)
    }

    /// Whether the block has a transition named `outcome`.
    pub(crate) fn has(&self, b: usize, outcome: &str) -> bool {
        self.block(b)
            .is_some_and(|blk| blk.transitions.contains_key(outcome))
    }

    /// Takes the first of `outcomes` the block has; fails if it has none.
    pub(crate) fn go(&mut self, b: usize, outcomes: &[&str]) {
        let next = outcomes.iter().find_map(|o| {
            self.block(b)
                .and_then(|blk| blk.transitions.get(*o))
                .copied()
        });
        match next {
            Some(n) => self.state = State::Run(n),
            None => {
                let name = outcomes.first().copied().unwrap_or("success");
                self.fail(b, format!("no `{name}` transition"));
            }
        }
    }

    /// Fails the block: `error` transition if any, else the flow ends with an error.
    pub(crate) fn fail(&mut self, b: usize, message: String) {
        let id = self.block(b).map(|blk| blk.id.clone()).unwrap_or_default();
        self.store("error.block", Value::Str(id.clone()));
        self.store("error.message", Value::Str(message.clone()));
        match self
            .block(b)
            .and_then(|blk| blk.transitions.get("error"))
            .copied()
        {
            Some(n) => self.state = State::Run(n),
            None => self.finish(Finish::Error { block: id, message }),
        }
    }

    pub(crate) fn finish(&mut self, finish: Finish) {
        self.deadline = None;
        self.state = State::Finished(finish);
    }

    /// Emits an action that needs no answer.
    pub(crate) fn emit(&mut self, action: Action) {
        self.outbox.push_back(Step::Do(action));
    }

    /// Emits an action and waits for its answer, with an optional deadline.
    pub(crate) fn wait(&mut self, b: usize, action: Action, wait: Wait, timeout: Option<Duration>) {
        self.outbox.push_back(Step::Await(action));
        self.deadline = timeout.map(|t| self.now + t);
        self.state = State::Wait(b, wait);
    }

    /// Stores an attribute silently (bounded in size).
    pub(crate) fn store(&mut self, name: &str, value: Value) {
        let value = match value {
            Value::Str(s) => Value::Str(truncate(s, self.program.limits.expr_string_len)),
            other => other,
        };
        self.attrs.insert(name.to_owned(), value);
    }

    /// Stores an attribute and tells the host.
    pub(crate) fn set_attr(&mut self, name: &str, value: Value, screen_pop: bool) {
        self.store(name, value);
        if screen_pop {
            self.screen_pop.insert(name.to_owned());
        }
        let value = self.attrs.get(name).cloned().unwrap_or(Value::Bool(false));
        self.emit(Action::SetAttr {
            name: name.to_owned(),
            value,
            screen_pop,
        });
    }

    pub(crate) fn attr(&self, name: &str) -> Option<&Value> {
        self.attrs.get(name)
    }

    pub(crate) fn eval(&self, expr: &Expr) -> Result<Value, String> {
        self.program.eval(expr, &self.attrs)
    }

    pub(crate) fn render(&self, template: &Template) -> Result<String, String> {
        self.program.render(template, &self.attrs)
    }

    pub(crate) fn say(&self, say: &Say<Template>) -> Result<Prompt, String> {
        match say {
            Say::Prompt(id) => Ok(Prompt::File(id.clone())),
            Say::Text(t) => self.render(t).map(Prompt::Tts),
        }
    }

    pub(crate) fn say_opt(&self, say: &Option<Say<Template>>) -> Result<Option<Prompt>, String> {
        say.as_ref().map(|s| self.say(s)).transpose()
    }

    pub(crate) fn limits(&self) -> &crate::Limits {
        &self.program.limits
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.now
    }

    /// A deterministic number in `0..100` from the seed and the number of draws so far.
    pub(crate) fn draw_percent(&mut self) -> u64 {
        self.draws = self.draws.wrapping_add(1);
        splitmix64(self.seed ^ self.draws.wrapping_mul(0x9E37_79B9_7F4A_7C15)) % 100
    }
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}
