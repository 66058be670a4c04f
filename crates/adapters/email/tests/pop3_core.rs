//! Test vectors for the sans-IO POP3 core, fed whole, split at every byte boundary, byte by
//! byte, and with arbitrary bytes.

use proptest::prelude::*;
use sb_email::pop3::{
    Command, CommandKind, Event, Greeting, Limits, Message, Pop3, Reply, UidlEntry,
};

const SESSION: &[u8] = b"+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\r\n\
+OK 2 320\r\n\
+OK\r\n1 abc\r\n2 def\r\n.\r\n\
+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n\
+OK 120 octets\r\nSubject: hi\r\n\r\n..dot line\r\n..\r\nplain\r\n...\r\n.\r\n\
-ERR no such message\r\n\
+OK\r\n";

fn commands() -> Vec<Command> {
    vec![
        Command::Stat,
        Command::Uidl,
        Command::List,
        Command::Retr(1),
        Command::Retr(9),
        Command::Dele(1),
    ]
}

fn run(chunks: &[&[u8]], commands: Vec<Command>, limits: Limits) -> (Vec<Event>, Vec<u8>) {
    let mut core = Pop3::new(limits);
    for command in commands {
        assert!(core.send(command).is_ok());
    }
    let mut sent = Vec::new();
    while let Some(bytes) = core.poll_transmit() {
        sent.extend(bytes);
    }
    let mut events = Vec::new();
    for chunk in chunks {
        core.handle_input(chunk);
        while let Some(event) = core.poll_event() {
            events.push(event);
        }
    }
    (events, sent)
}

fn expected() -> Vec<Event> {
    let reply = |command, reply| Event::Reply { command, reply };
    vec![
        Event::Greeting(Greeting {
            ok: true,
            text: "POP3 ready <1896.697170952@dbc.mtview.ca.us>".into(),
        }),
        reply(
            CommandKind::Stat,
            Reply::Stat {
                count: 2,
                octets: 320,
            },
        ),
        reply(
            CommandKind::Uidl,
            Reply::Uidl(vec![
                UidlEntry {
                    msg: 1,
                    uidl: "abc".into(),
                },
                UidlEntry {
                    msg: 2,
                    uidl: "def".into(),
                },
            ]),
        ),
        reply(CommandKind::List, Reply::List(vec![(1, 120), (2, 200)])),
        reply(
            CommandKind::Retr,
            Reply::Message(Message {
                data: b"Subject: hi\r\n\r\n.dot line\r\n.\r\nplain\r\n..\r\n".to_vec(),
                too_large: false,
                octets: 40,
            }),
        ),
        reply(CommandKind::Retr, Reply::Err("no such message".into())),
        reply(CommandKind::Dele, Reply::Ok(String::new())),
    ]
}

#[test]
fn pipelined_session_parses_whole() {
    let (events, sent) = run(&[SESSION], commands(), Limits::default());
    assert_eq!(events, expected());
    assert_eq!(
        sent,
        b"STAT\r\nUIDL\r\nLIST\r\nRETR 1\r\nRETR 9\r\nDELE 1\r\n"
    );
}

#[test]
fn split_reads_at_every_byte_boundary_give_the_same_events() {
    for cut in 0..=SESSION.len() {
        let (a, b) = SESSION.split_at(cut);
        let (events, _) = run(&[a, b], commands(), Limits::default());
        assert_eq!(events, expected(), "split at {cut}");
    }
}

#[test]
fn byte_by_byte_input_gives_the_same_events() {
    let chunks: Vec<&[u8]> = SESSION.chunks(1).collect();
    let (events, _) = run(&chunks, commands(), Limits::default());
    assert_eq!(events, expected());
}

#[test]
fn bare_lf_line_ends_are_accepted_and_kept() {
    let input = b"+OK hi\n+OK\nA: b\n\nbody\n..x\n.\n";
    for cut in 0..=input.len() {
        let (a, b) = input.split_at(cut);
        let (events, _) = run(&[a, b], vec![Command::Retr(1)], Limits::default());
        let Some(Event::Reply {
            reply: Reply::Message(m),
            ..
        }) = events.get(1)
        else {
            panic!("no message at split {cut}: {events:?}");
        };
        assert_eq!(m.data, b"A: b\n\nbody\n.x\n");
    }
}

#[test]
fn oversized_message_is_truncated_flagged_and_skipped_to_the_next_reply() {
    let mut input = b"+OK hi\r\n+OK\r\n".to_vec();
    let line = b"0123456789012345678901234567890123456789\r\n";
    for _ in 0..100 {
        input.extend_from_slice(line);
    }
    input.extend_from_slice(b".\r\n+OK\r\n1 small\r\n.\r\n");
    let limits = Limits {
        max_message: 100,
        ..Limits::default()
    };
    for cut in [0, 5, 20, 150, 2000, input.len() - 3, input.len()] {
        let (a, b) = input.split_at(cut);
        let (events, _) = run(&[a, b], vec![Command::Retr(1), Command::Uidl], limits);
        let Some(Event::Reply {
            reply: Reply::Message(m),
            ..
        }) = events.get(1)
        else {
            panic!("no message: {events:?}");
        };
        assert!(m.too_large);
        assert_eq!(m.data.len(), 100);
        assert_eq!(m.data[..], [&line[..], &line[..], &line[..16]].concat()[..]);
        assert_eq!(m.octets, 4200);
        let uidl = vec![UidlEntry {
            msg: 1,
            uidl: "small".into(),
        }];
        assert_eq!(
            events.get(2),
            Some(&Event::Reply {
                command: CommandKind::Uidl,
                reply: Reply::Uidl(uidl)
            })
        );
    }
}

#[test]
fn capa_lines_are_listed() {
    let input = b"+OK\r\n+OK Capability list follows\r\nTOP\r\nUIDL\r\nSTLS\r\n.\r\n";
    let (events, _) = run(&[input], vec![Command::Capa], Limits::default());
    let capa = Reply::Capa(vec!["TOP".into(), "UIDL".into(), "STLS".into()]);
    assert_eq!(
        events.get(1),
        Some(&Event::Reply {
            command: CommandKind::Capa,
            reply: capa
        })
    );
}

fn violation(input: &[u8], commands: Vec<Command>) -> bool {
    let (events, _) = run(&[input], commands, Limits::default());
    matches!(events.last(), Some(Event::Violation(_)))
}

#[test]
fn garbage_status_line_is_a_violation() {
    assert!(violation(b"* OK IMAP4 ready\r\n", vec![]));
    assert!(violation(b"+OK\r\nHELLO\r\n", vec![Command::Noop]));
}

#[test]
fn overlong_line_is_a_violation_without_newline() {
    let long = vec![b'+'; 10_000];
    assert!(violation(&long, vec![]));
}

#[test]
fn unsolicited_reply_is_a_violation() {
    assert!(violation(b"+OK hi\r\n+OK surprise\r\n", vec![]));
}

#[test]
fn malformed_uidl_and_stat_are_violations() {
    assert!(violation(
        b"+OK\r\n+OK\r\nx y\r\n.\r\n",
        vec![Command::Uidl]
    ));
    assert!(violation(b"+OK\r\n+OK lots\r\n", vec![Command::Stat]));
}

#[test]
fn no_input_is_taken_after_a_violation() {
    let (events, _) = run(
        &[b"junk\r\n", b"+OK\r\n"],
        vec![Command::Noop],
        Limits::default(),
    );
    assert_eq!(events.len(), 1);
    let mut core = Pop3::new(Limits::default());
    core.handle_input(b"junk\r\n");
    assert!(core.send(Command::Noop).is_err());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let limits = Limits { max_line: 64, max_message: 32, max_listing: 64 };
        let _ = run(&[&data], commands(), limits);
    }

    #[test]
    fn arbitrary_splits_of_the_session_give_the_same_events(
        cuts in proptest::collection::vec(0..SESSION.len(), 0..8)
    ) {
        let mut cuts = cuts;
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for cut in cuts {
            chunks.push(&SESSION[start..cut]);
            start = cut;
        }
        chunks.push(&SESSION[start..]);
        let (events, _) = run(&chunks, commands(), Limits::default());
        prop_assert_eq!(events, expected());
    }
}
