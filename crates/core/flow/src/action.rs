//! What the session asks of its host, and what the host answers.

use crate::Value;
use sb_types::{AgentId, QueueId, SkillId};
use std::fmt;
use std::time::Duration;

/// What the session hands to the host on [`crate::Session::poll`].
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Carry the action out and poll again at once; no answer is expected.
    Do(Action),
    /// Carry the action out and answer with [`crate::Session::handle`].
    Await(Action),
    /// The session waits for the answer to its last [`Step::Await`].
    Waiting,
    /// The flow is over.
    Finished(Finish),
}

/// A thing for the host to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Play a prompt; answer [`Input::Done`].
    Play {
        /// The prompt to play.
        prompt: Prompt,
    },
    /// Play an optional prompt, then collect digits (or a spoken word among `speech`); answer
    /// [`Input::Digits`], [`Input::Speech`] or [`Input::NoInput`].
    Collect {
        /// The prompt to play first (barge-in allowed).
        prompt: Option<Prompt>,
        /// Stop after this many digits.
        max_digits: u8,
        /// Stop when this key is pressed (not included in the digits).
        terminator: Option<char>,
        /// Give up when nothing has been entered for this long.
        timeout: Duration,
        /// Words the speech recogniser may answer with; empty for DTMF only.
        speech: Vec<String>,
    },
    /// Play a menu prompt and collect one key; answer [`Input::Digits`] or [`Input::NoInput`].
    Menu {
        /// The menu prompt (barge-in allowed).
        prompt: Option<Prompt>,
        /// The keys the menu offers.
        keys: Vec<char>,
        /// Give up after this long without a key.
        timeout: Duration,
    },
    /// Record the caller (voicemail); answer [`Input::Recorded`] or [`Input::NoInput`].
    Record {
        /// Longest recording.
        max_len: Duration,
        /// Play a beep before recording.
        beep: bool,
        /// Stop after this much silence.
        silence_end: Duration,
        /// Whose mailbox the message is for.
        mailbox: Option<String>,
    },
    /// Queue the interaction; answer with the queue's outcome ([`Input::AgentAnswered`],
    /// [`Input::CallbackAccepted`], [`Input::BreakOut`], [`Input::Timeout`]…).
    Enqueue {
        /// The queue.
        queue: Named<QueueId>,
        /// Priority in the queue (higher first).
        priority: i64,
        /// Skills an agent needs.
        skills: Vec<Named<SkillId>>,
        /// What the caller hears while waiting.
        treatment: Treatment,
    },
    /// Transfer the interaction; answer [`Input::Done`] when connected, else [`Input::Busy`],
    /// [`Input::NoAnswer`] or [`Input::Failed`].
    Transfer {
        /// Where to.
        target: Target,
        /// How long to ring.
        timeout: Duration,
    },
    /// Dial a number (outbound leg); answer as for a transfer.
    Dial {
        /// The number to dial.
        number: String,
        /// The caller id to present.
        caller_id: Option<String>,
        /// How long to ring.
        timeout: Duration,
    },
    /// Make an HTTP request; answer [`Input::Http`], [`Input::Timeout`] or [`Input::Failed`].
    HttpRequest {
        /// `GET`, `POST`…
        method: String,
        /// The rendered URL.
        url: String,
        /// Rendered headers.
        headers: Vec<(String, String)>,
        /// Rendered body.
        body: Option<String>,
        /// Give up after this long.
        timeout: Duration,
    },
    /// An attribute changed; the host may persist it and show it to the agent.
    SetAttr {
        /// Attribute name.
        name: String,
        /// New value.
        value: Value,
        /// Whether the agent's screen pop shows it.
        screen_pop: bool,
    },
    /// Send a text message or an email; answer [`Input::Done`] or [`Input::Failed`].
    SendMessage {
        /// SMS or email.
        channel: MessageChannel,
        /// The address of the email channel to send from (`None`: the tenant's only one).
        from: Option<String>,
        /// Rendered recipient.
        to: String,
        /// Rendered subject (email).
        subject: Option<String>,
        /// Rendered body.
        body: String,
    },
    /// Hang up the interaction.
    Hangup,
    /// The flow is done; the interaction stays where it is.
    End,
}

/// Audio to play: a recorded prompt or text to speak.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// A recorded prompt, by id.
    File(String),
    /// Text to speak, already rendered.
    Tts(String),
}

/// A catalog entry referred to by name, with its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named<I> {
    /// The name used in the document.
    pub name: String,
    /// The id from the catalog.
    pub id: I,
}

/// What the caller gets while queued.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Treatment {
    /// Music on hold prompt id.
    pub music_on_hold: Option<String>,
    /// Interval between announcements.
    pub announce_every: Option<Duration>,
    /// Announce the position in queue.
    pub announce_position: bool,
    /// Announce the estimated wait time.
    pub announce_ewt: bool,
    /// Offer a callback at each announcement.
    pub callback_offer: bool,
    /// Key that leaves the queue (answered [`Input::BreakOut`]).
    pub break_out_key: Option<char>,
    /// Longest wait before answering [`Input::Timeout`].
    pub max_wait: Option<Duration>,
}

/// The destination of a transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// An agent.
    Agent(Named<AgentId>),
    /// A queue.
    Queue(Named<QueueId>),
    /// An external number, rendered.
    Number(String),
}

/// Channel of an outgoing message.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum MessageChannel {
    /// A text message.
    Sms,
    /// An email.
    Email,
}

/// The host's answer to an awaited action, or an event.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// The action completed (prompt played, message sent, transfer or dial connected).
    Done,
    /// Digits collected (without the terminator).
    Digits(String),
    /// A word recognised by the speech sidecar.
    Speech(String),
    /// Nothing entered or recorded before the timeout.
    NoInput,
    /// The action timed out.
    Timeout,
    /// A recording finished.
    Recorded {
        /// Id of the stored recording.
        recording: String,
        /// Its length in milliseconds.
        duration_ms: u64,
    },
    /// An HTTP answer.
    Http {
        /// Status code.
        status: u16,
        /// Body text.
        #[serde(default)]
        body: String,
    },
    /// The called party was busy.
    Busy,
    /// The called party did not answer.
    NoAnswer,
    /// The caller accepted a callback offer while queued.
    CallbackAccepted,
    /// The caller pressed the queue's break-out key.
    BreakOut,
    /// The action failed.
    Failed(String),
    /// Event: an agent answered the interaction.
    AgentAnswered {
        /// The agent.
        agent: AgentId,
    },
    /// Event: the caller hung up.
    Hangup,
}

/// How a flow ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finish {
    /// A `hangup` block hung up.
    Hangup,
    /// An `end` block ended the flow.
    End,
    /// An agent answered and no handler was set: the interaction is with the agent.
    Connected {
        /// The agent.
        agent: AgentId,
    },
    /// A transfer connected.
    Transferred,
    /// The caller accepted a callback and no `callback` transition was set.
    CallbackAccepted,
    /// The caller hung up and no handler remained.
    CallerHungUp,
    /// A block failed without an `error` transition.
    Error {
        /// The failing block.
        block: String,
        /// Why.
        message: String,
    },
    /// The flow ran more blocks than its budget allows.
    StepBudget {
        /// The block about to run when the budget ran out.
        block: String,
    },
}

impl Action {
    /// The action's name, as used in test scripts (`play`, `menu`…).
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Play { .. } => "play",
            Action::Collect { .. } => "collect",
            Action::Menu { .. } => "menu",
            Action::Record { .. } => "record",
            Action::Enqueue { .. } => "enqueue",
            Action::Transfer { .. } => "transfer",
            Action::Dial { .. } => "dial",
            Action::HttpRequest { .. } => "http_request",
            Action::SetAttr { .. } => "set_attr",
            Action::SendMessage { .. } => "send_message",
            Action::Hangup => "hangup",
            Action::End => "end",
        }
    }
}

impl Input {
    /// The input's name, as used in test scripts.
    pub fn kind(&self) -> &'static str {
        match self {
            Input::Done => "done",
            Input::Digits(_) => "digits",
            Input::Speech(_) => "speech",
            Input::NoInput => "no_input",
            Input::Timeout => "timeout",
            Input::Recorded { .. } => "recorded",
            Input::Http { .. } => "http",
            Input::Busy => "busy",
            Input::NoAnswer => "no_answer",
            Input::CallbackAccepted => "callback_accepted",
            Input::BreakOut => "break_out",
            Input::Failed(_) => "failed",
            Input::AgentAnswered { .. } => "agent_answered",
            Input::Hangup => "hangup",
        }
    }
}

impl Finish {
    /// The outcome's name, as used in test scripts.
    pub fn kind(&self) -> &'static str {
        match self {
            Finish::Hangup => "hangup",
            Finish::End => "end",
            Finish::Connected { .. } => "connected",
            Finish::Transferred => "transferred",
            Finish::CallbackAccepted => "callback_accepted",
            Finish::CallerHungUp => "caller_hung_up",
            Finish::Error { .. } => "error",
            Finish::StepBudget { .. } => "step_budget",
        }
    }
}

impl fmt::Display for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prompt::File(id) => write!(f, "prompt {id}"),
            Prompt::Tts(text) => write!(f, "tts {text:?}"),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind())?;
        match self {
            Action::Play { prompt } => write!(f, " {prompt}"),
            Action::Collect {
                prompt,
                max_digits,
                speech,
                ..
            } => {
                write_opt_prompt(f, prompt)?;
                write!(f, " max {max_digits}")?;
                if !speech.is_empty() {
                    write!(f, " words {}", speech.join("|"))?;
                }
                Ok(())
            }
            Action::Menu { prompt, keys, .. } => {
                write_opt_prompt(f, prompt)?;
                write!(f, " keys {}", keys.iter().collect::<String>())
            }
            Action::Enqueue {
                queue, priority, ..
            } => {
                write!(f, " {} priority {priority}", queue.name)
            }
            Action::Transfer { target, .. } => match target {
                Target::Agent(a) => write!(f, " agent {}", a.name),
                Target::Queue(q) => write!(f, " queue {}", q.name),
                Target::Number(n) => write!(f, " number {n}"),
            },
            Action::Dial { number, .. } => write!(f, " {number}"),
            Action::HttpRequest { method, url, .. } => write!(f, " {method} {url}"),
            Action::SetAttr { name, value, .. } => write!(f, " {name} = {value}"),
            Action::SendMessage { channel, to, .. } => write!(f, " {channel:?} to {to}"),
            Action::Record { .. } | Action::Hangup | Action::End => Ok(()),
        }
    }
}

fn write_opt_prompt(f: &mut fmt::Formatter<'_>, prompt: &Option<Prompt>) -> fmt::Result {
    match prompt {
        Some(p) => write!(f, " {p}"),
        None => Ok(()),
    }
}
