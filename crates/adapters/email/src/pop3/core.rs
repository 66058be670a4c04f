//! The sans-IO POP3 client: no sockets, no clock.
//!
//! Commands go in with [`Pop3::send`] and leave as bytes from [`Pop3::poll_transmit`]; bytes
//! from the server go in with [`Pop3::handle_input`] (any split: one byte at a time works) and
//! the parsed greeting and replies leave from [`Pop3::poll_event`], in command order.
//! Commands may be pipelined; each reply is matched to the oldest unanswered command.

use std::collections::VecDeque;

use super::body::Body;
use super::reply::{self, Greeting, Message, Reply};
use super::{Command, CommandKind};
use crate::EmailError;

/// Memory limits on server input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest status line (RFC 2449 allows 512 octets; we accept more).
    pub max_line: usize,
    /// Bytes kept of one message; the rest is read and dropped, the reply says `too_large`.
    pub max_message: usize,
    /// Largest `CAPA`/`UIDL`/`LIST` body; beyond it the session fails.
    pub max_listing: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_line: 4096,
            max_message: 25 * 1024 * 1024,
            max_listing: 16 * 1024 * 1024,
        }
    }
}

/// What the core reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The server's first line.
    Greeting(Greeting),
    /// The reply to the oldest unanswered command.
    Reply {
        /// Which command it answers.
        command: CommandKind,
        /// The parsed reply.
        reply: Reply,
    },
    /// The server broke the protocol; the core ignores all further input. Drop the connection.
    Violation(String),
}

#[derive(Debug)]
enum Phase {
    Greeting,
    Ready,
    Failed,
}

/// A POP3 client connection's state.
#[derive(Debug)]
pub struct Pop3 {
    phase: Phase,
    limits: Limits,
    line: Vec<u8>,
    body: Option<(CommandKind, Body)>,
    pending: VecDeque<CommandKind>,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
}

impl Pop3 {
    /// A new connection, waiting for the server's greeting.
    pub fn new(limits: Limits) -> Self {
        Self {
            phase: Phase::Greeting,
            limits,
            line: Vec::new(),
            body: None,
            pending: VecDeque::new(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// A connection just upgraded by `STLS`: no greeting follows (RFC 2595 § 4).
    pub fn after_stls(limits: Limits) -> Self {
        Self {
            phase: Phase::Ready,
            ..Self::new(limits)
        }
    }

    /// Queues a command. Fails on arguments with line breaks, or after a violation.
    pub fn send(&mut self, command: Command) -> Result<(), EmailError> {
        if matches!(self.phase, Phase::Failed) {
            return Err(EmailError::protocol("the POP3 session has failed"));
        }
        self.transmit.push_back(command.encode()?);
        self.pending.push_back(command.kind());
        Ok(())
    }

    /// The next bytes to write to the server.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The next greeting, reply or violation.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Commands sent whose reply has not been completely received.
    pub fn unanswered(&self) -> usize {
        self.pending.len()
    }

    /// True when nothing is waiting: no unanswered command, no partial line, no unread event.
    /// Checked before a TLS upgrade, so no plaintext injected before it is taken as a reply.
    pub fn is_quiet(&self) -> bool {
        self.pending.is_empty()
            && self.line.is_empty()
            && self.body.is_none()
            && self.events.is_empty()
    }

    /// Takes bytes read from the server.
    pub fn handle_input(&mut self, mut input: &[u8]) {
        while !input.is_empty() && !matches!(self.phase, Phase::Failed) {
            if let Some((_, body)) = self.body.as_mut() {
                let (used, done) = body.feed(input);
                input = &input[used..];
                if done {
                    self.finish_body();
                }
                continue;
            }
            let Some(end) = memchr::memchr(b'\n', input) else {
                self.buffer_partial_line(input);
                return;
            };
            let (head, rest) = input.split_at(end + 1);
            input = rest;
            if self.line.len() + head.len() > self.limits.max_line {
                return self.fail("response line too long");
            }
            let mut line = std::mem::take(&mut self.line);
            line.extend_from_slice(head);
            self.handle_line(&line);
        }
    }

    fn buffer_partial_line(&mut self, input: &[u8]) {
        if self.line.len() + input.len() > self.limits.max_line {
            return self.fail("response line too long");
        }
        self.line.extend_from_slice(input);
    }

    fn handle_line(&mut self, line: &[u8]) {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some((ok, text)) = reply::status(line) else {
            let shown = String::from_utf8_lossy(&line[..line.len().min(60)]).into_owned();
            return self.fail(format!("not a POP3 status line: {shown:?}"));
        };
        if matches!(self.phase, Phase::Greeting) {
            self.phase = Phase::Ready;
            return self
                .events
                .push_back(Event::Greeting(Greeting { ok, text }));
        }
        let Some(command) = self.pending.pop_front() else {
            return self.fail("data from the server while no command was waiting");
        };
        if !ok {
            return self.reply(command, Reply::Err(text));
        }
        if command.is_multiline() {
            // The command stays "unanswered" until the body's end.
            self.pending.push_front(command);
            let cap = match command {
                CommandKind::Retr => self.limits.max_message,
                _ => self.limits.max_listing,
            };
            self.body = Some((command, Body::new(cap)));
            return;
        }
        match command {
            CommandKind::Stat => match reply::stat(&text) {
                Some(stat) => self.reply(command, stat),
                None => self.fail(format!("bad STAT reply {text:?}")),
            },
            _ => self.reply(command, Reply::Ok(text)),
        }
    }

    fn finish_body(&mut self) {
        let Some((command, body)) = self.body.take() else {
            return;
        };
        self.pending.pop_front();
        let (data, too_large, octets) = body.finish();
        if command == CommandKind::Retr {
            let message = Message {
                data,
                too_large,
                octets,
            };
            return self.reply(command, Reply::Message(message));
        }
        if too_large {
            return self.fail(format!("{} listing over the limit", command.name()));
        }
        match reply::listing(command, &data) {
            Ok(listing) => self.reply(command, listing),
            Err(detail) => self.fail(detail),
        }
    }

    fn reply(&mut self, command: CommandKind, reply: Reply) {
        self.events.push_back(Event::Reply { command, reply });
    }

    fn fail(&mut self, detail: impl Into<String>) {
        self.phase = Phase::Failed;
        self.line.clear();
        self.body = None;
        self.events.push_back(Event::Violation(detail.into()));
    }
}
