//! The block types: one file each, with its parameters (document form), its compiled form, its
//! outcomes, and how it runs.

mod branch;
mod check_hours;
mod collect;
mod counter_loop;
mod dial;
mod distribute;
mod end;
mod enqueue;
mod hangup;
mod http;
mod menu;
mod play;
mod send_message;
pub use send_message::plain_address;
mod set_attributes;
mod set_queue;
mod transfer;
mod voice_menu;
mod voicemail;

use crate::compile::Cx;
use crate::document::Handlers;
use crate::session::{Session, Wait};
use crate::template::Template;
use crate::{FlowError, Input};
use std::collections::BTreeMap;

/// Audio for the caller: a recorded prompt or a text template spoken by TTS.
#[derive(Clone, Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Say<T> {
    /// A recorded prompt id from the catalog.
    Prompt(String),
    /// A minijinja template rendered with `attrs` and spoken.
    Text(T),
}

/// A priority: a number or a Rhai expression giving one.
#[derive(Clone, Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub(crate) enum Priority {
    /// A fixed priority.
    Fixed(i64),
    /// A Rhai expression evaluated when the block runs.
    Expr(String),
}

/// The transition names a block may take and those it must have.
#[derive(Debug, Default)]
pub(crate) struct Outcomes {
    pub(crate) allowed: Vec<String>,
    pub(crate) required: Vec<String>,
}

impl Outcomes {
    pub(crate) fn new(allowed: &[&str], required: &[&str]) -> Outcomes {
        let own = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        Outcomes {
            allowed: own(allowed),
            required: own(required),
        }
    }

    pub(crate) fn allow(mut self, names: impl IntoIterator<Item = String>) -> Outcomes {
        self.allowed.extend(names);
        self
    }

    pub(crate) fn require(mut self, names: impl IntoIterator<Item = String>) -> Outcomes {
        let names: Vec<String> = names.into_iter().collect();
        self.allowed.extend(names.iter().cloned());
        self.required.extend(names);
        self
    }
}

/// The DTMF keys, each a possible menu transition.
pub(crate) const KEYS: [&str; 12] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"];

/// The error for an answer that does not fit the awaited action.
pub(crate) fn unexpected(wait: Wait, input: &Input) -> FlowError {
    FlowError::UnexpectedInput {
        waiting: wait.name(),
        got: input.kind(),
    }
}

/// A menu-like miss: retries with an optional reprompt, then the `no_input`/`no_match` outcome.
pub(crate) struct Retry<'a> {
    pub(crate) attempt: u32,
    pub(crate) retries: u32,
    pub(crate) reprompt: &'a Option<Say<Template>>,
}

impl Retry<'_> {
    /// Returns the next attempt to prompt for, or `None` once `outcome` has been taken.
    pub(crate) fn miss(&self, s: &mut Session, b: usize, outcome: &str) -> Option<u32> {
        if self.attempt >= self.retries {
            s.go(b, &[outcome]);
            return None;
        }
        let next = self.attempt + 1;
        match s.say_opt(self.reprompt) {
            Ok(Some(prompt)) => {
                s.wait(
                    b,
                    crate::Action::Play { prompt },
                    Wait::Reprompt { attempt: next },
                    None,
                );
                None
            }
            Ok(None) => Some(next),
            Err(e) => {
                s.fail(b, e);
                None
            }
        }
    }
}

macro_rules! blocks {
    ($($(#[$doc:meta])* $variant:ident $name:literal => $module:ident),* $(,)?) => {
        /// A block's type and parameters, adjacently tagged as in the document.
        #[derive(serde::Deserialize, schemars::JsonSchema)]
        #[serde(tag = "type", content = "params")]
        pub(crate) enum BlockKind {
            $($(#[$doc])* #[serde(rename = $name)] $variant($module::Params),)*
        }

        /// A compiled block.
        pub(crate) enum Op {
            $($variant($module::Op),)*
        }

        /// The block type names.
        pub(crate) const BLOCK_TYPES: &[&str] = &[$($name),*];

        impl BlockKind {
            pub(crate) fn outcomes(&self) -> Outcomes {
                match self { $(BlockKind::$variant(p) => p.outcomes(),)* }
            }

            pub(crate) fn compile(self, cx: &mut Cx<'_, '_>) -> Option<Op> {
                match self { $(BlockKind::$variant(p) => p.compile(cx).map(Op::$variant),)* }
            }
        }

        impl Op {
            pub(crate) fn enter(&self, s: &mut Session, b: usize) {
                match self { $(Op::$variant(op) => op.enter(s, b),)* }
            }

            pub(crate) fn answer(
                &self, s: &mut Session, b: usize, wait: Wait, input: Input,
            ) -> Result<(), FlowError> {
                match self { $(Op::$variant(op) => op.answer(s, b, wait, input),)* }
            }

            pub(crate) fn needs_caller(&self) -> bool {
                match self { $(Op::$variant(op) => op.needs_caller(),)* }
            }
        }
    };
}

blocks! {
    /// Play a prompt or spoken text.
    Play "play" => play,
    /// A DTMF menu: one transition per key, with retries.
    Menu "menu" => menu,
    /// Collect digits into an attribute.
    Collect "collect" => collect,
    /// A menu by spoken words (or keys), recognised by the host's speech sidecar.
    VoiceMenu "voice_menu" => voice_menu,
    /// Branch on hours of operation.
    CheckHours "check_hours" => check_hours,
    /// Set the queue, skills and priority later `enqueue` blocks use.
    SetQueue "set_queue" => set_queue,
    /// Queue the interaction with an in-queue treatment.
    Enqueue "enqueue" => enqueue,
    /// Transfer to an agent, a queue or an external number.
    Transfer "transfer" => transfer,
    /// Dial an external number.
    Dial "dial" => dial,
    /// Record a voicemail.
    Voicemail "voicemail" => voicemail,
    /// Set attributes from Rhai expressions.
    SetAttributes "set_attributes" => set_attributes,
    /// Branch on Rhai conditions.
    Branch "branch" => branch,
    /// Split traffic by percentage, deterministically from the host's seed.
    Distribute "distribute" => distribute,
    /// Loop with a counter attribute.
    Loop "loop" => counter_loop,
    /// Make an HTTP request and map its JSON answer into attributes.
    Http "http" => http,
    /// Send a text message or an email.
    SendMessage "send_message" => send_message,
    /// Hang up.
    Hangup "hangup" => hangup,
    /// End the flow, leaving the interaction where it is.
    End "end" => end,
}

/// One step of a flow: its id, type and parameters, transitions and event handlers.
#[derive(schemars::JsonSchema)]
#[schemars(rename = "Block")]
#[allow(dead_code)]
pub(crate) struct TypedBlock {
    /// Unique id within the document, used by transitions.
    id: String,
    #[serde(flatten)]
    kind: BlockKind,
    /// Outcome name (`success`, `error`, `timeout`, a digit…) → id of the next block.
    #[serde(default)]
    transitions: BTreeMap<String, String>,
    /// Event handlers while this block runs.
    #[serde(default)]
    on: Handlers,
}

fn default_timeout_secs() -> u32 {
    5
}

fn default_retries() -> u32 {
    2
}

fn secs(n: u32) -> std::time::Duration {
    std::time::Duration::from_secs(u64::from(n))
}
