//! The sans-IO POP3 client core of `sb-email` fed arbitrary server bytes after a
//! fuzzer-chosen pipeline of commands, with small limits. Never a panic, and:
//!
//! * feeding the bytes whole or in fuzzer-chosen pieces gives the same events;
//! * at most one greeting, one reply per command, nothing after a violation;
//! * a retrieved message never holds more than `max_message` bytes, and `too_large` says
//!   exactly whether bytes were dropped.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use sb_email::pop3::{Command, Event, Limits, Pop3, Reply};

#[derive(Debug, Arbitrary)]
enum Cmd {
    Capa,
    Stat,
    Uidl,
    List,
    Retr(u8),
    Dele(u8),
    Noop,
    Quit,
}

#[derive(Debug, Arbitrary)]
struct Input {
    commands: Vec<Cmd>,
    max_line: u8,
    max_message: u8,
    max_listing: u8,
    cuts: Vec<u16>,
    bytes: Vec<u8>,
}

fn command(c: &Cmd) -> Command {
    match *c {
        Cmd::Capa => Command::Capa,
        Cmd::Stat => Command::Stat,
        Cmd::Uidl => Command::Uidl,
        Cmd::List => Command::List,
        Cmd::Retr(n) => Command::Retr(u32::from(n)),
        Cmd::Dele(n) => Command::Dele(u32::from(n)),
        Cmd::Noop => Command::Noop,
        Cmd::Quit => Command::Quit,
    }
}

fn run(input: &Input, limits: Limits, pieces: &[&[u8]]) -> Vec<Event> {
    let mut core = Pop3::new(limits);
    for c in &input.commands {
        core.send(command(c)).expect("valid command refused");
    }
    while core.poll_transmit().is_some() {}
    let mut events = Vec::new();
    for piece in pieces {
        core.handle_input(piece);
        while let Some(event) = core.poll_event() {
            events.push(event);
        }
    }
    events
}

fuzz_target!(|input: Input| {
    let limits = Limits {
        max_line: usize::from(input.max_line).max(1),
        max_message: usize::from(input.max_message),
        max_listing: usize::from(input.max_listing),
    };
    let whole = run(&input, limits, &[&input.bytes]);

    let mut cuts: Vec<usize> = input
        .cuts
        .iter()
        .map(|&c| usize::from(c) % (input.bytes.len() + 1))
        .collect();
    cuts.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for cut in cuts {
        pieces.push(&input.bytes[start..cut]);
        start = cut;
    }
    pieces.push(&input.bytes[start..]);
    assert_eq!(
        whole,
        run(&input, limits, &pieces),
        "split changed the events"
    );

    let greetings = whole
        .iter()
        .filter(|e| matches!(e, Event::Greeting(_)))
        .count();
    assert!(greetings <= 1);
    let replies = whole
        .iter()
        .filter(|e| matches!(e, Event::Reply { .. }))
        .count();
    assert!(replies <= input.commands.len());
    if let Some(i) = whole.iter().position(|e| matches!(e, Event::Violation(_))) {
        assert_eq!(i + 1, whole.len(), "event after a violation");
    }
    for event in &whole {
        if let Event::Reply {
            reply: Reply::Message(m),
            ..
        } = event
        {
            assert!(m.data.len() <= limits.max_message);
            assert_eq!(m.too_large, m.octets > m.data.len() as u64);
        }
    }
});
