//! Properties: parsing never panics, tokens survive any subject, built mail (and answers to
//! whatever was parsed) parses back.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use proptest::prelude::*;
use sb_conversation::{
    Mailbox, Outgoing, attachment, build, find_token, parse, quote, references_for_reply,
    reply_subject, token_from_bytes,
};

const SAMPLE: &[u8] = b"From: \"Alice\" <alice@example.com>\r\n\
To: support@acme.example, =?utf-8?q?B=C3=B6b?= <bob@x>\r\n\
Subject: =?UTF-8?B?w5xuw69jw7Zkw6k=?= [#SB-7K3M9Q2T]\r\n\
Message-ID: <m@x>\r\nIn-Reply-To: <p@x>\r\nReferences: <r@x> <p@x>\r\n\
Date: Mon, 7 Dec 2026 11:00:00 +0100\r\nAuto-Submitted: no\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: multipart/alternative; boundary=\"c\"\r\n\r\n\
--c\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9\r\n\
--c\r\nContent-Type: text/html\r\n\r\n<p>Caf&eacute;</p>\r\n--c--\r\n\
--b\r\nContent-Type: image/png; name=\"a.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y\r\nSubject: inner\r\n\r\nhi\r\n\
--b--\r\n";

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 0..40usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (
            any::<usize>(),
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..12),
                Just(b"\r\n".to_vec()),
                Just(b"--b".to_vec()),
                Just(b"--c--".to_vec()),
                Just(b"=?".to_vec()),
                Just(b"\r\n\r\n".to_vec()),
                Just(b"Content-Type: multipart/mixed; boundary=b\r\n".to_vec()),
            ]
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 0..200usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
    match m {
        Mutation::Flip(i, b) => {
            if !bytes.is_empty() {
                let i = i % bytes.len();
                bytes[i] ^= b;
            }
        }
        Mutation::Delete(i, n) => {
            let start = at(*i, bytes.len());
            let end = (start + n).min(bytes.len());
            bytes.drain(start..end);
        }
        Mutation::Insert(i, v) => {
            let i = at(*i, bytes.len());
            bytes.splice(i..i, v.iter().copied());
        }
        Mutation::Duplicate(i, n) => {
            let start = at(*i, bytes.len());
            let end = (start + n).min(bytes.len());
            let copy = bytes[start..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Mutation::Truncate(i) => {
            let len = at(*i, bytes.len());
            bytes.truncate(len);
        }
    }
}

fn check(raw: &[u8]) {
    let p = parse(raw);
    assert!(p.text.len() <= sb_conversation::MAX_TEXT_BYTES);
    assert!(p.thread_refs().len() <= sb_conversation::MAX_THREAD_REFS);
    for a in &p.attachments {
        assert!(!a.filename.is_empty());
        assert!(!a.filename.contains(['/', '\\', '"', '\r', '\n']));
        let (info, bytes) = attachment(raw, a.index).unwrap();
        assert_eq!(&info, a);
        assert_eq!(bytes.len(), a.size);
    }
    assert!(attachment(raw, p.attachments.len()).is_none());
    answer_round_trips(&p);
}

/// A reply built the way the engine builds one is refused or parses back with its threading.
fn answer_round_trips(p: &sb_conversation::ParsedEmail) {
    let Some(to) = p.reply_address() else {
        return;
    };
    let (in_reply_to, references) = references_for_reply(p.thread_headers());
    let msg = Outgoing {
        from: Mailbox::new(None, "support@acme.example"),
        to: vec![to.clone()],
        subject: reply_subject(&p.subject, "SB-00000000"),
        message_id: "r@acme.example".into(),
        in_reply_to,
        references,
        date: 0,
        text: quote(&to.to_string(), p.date.unwrap_or(0), &p.text),
        ..Outgoing::default()
    };
    let Ok(raw) = build(&msg) else {
        return;
    };
    let back = parse(&raw);
    assert!(!back.malformed);
    assert_eq!(
        back.in_reply_to,
        msg.in_reply_to.into_iter().collect::<Vec<_>>()
    );
    assert_eq!(back.references, msg.references);
    assert_eq!(find_token(&back.subject).as_deref(), Some("SB-00000000"));
}

fn token() -> impl Strategy<Value = String> {
    any::<[u8; 5]>().prop_map(token_from_bytes)
}

proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_bytes(raw in proptest::collection::vec(any::<u8>(), 0..600)) {
        check(&raw);
    }

    #[test]
    fn parse_never_panics_on_mutated_messages(ms in proptest::collection::vec(mutation(), 1..8)) {
        let mut raw = SAMPLE.to_vec();
        for m in &ms {
            apply(&mut raw, m);
        }
        check(&raw);
    }

    #[test]
    fn the_reply_token_is_always_found(s in any::<String>(), t in token()) {
        prop_assert_eq!(find_token(&reply_subject(&s, &t)), Some(t));
    }

    #[test]
    fn the_reply_token_is_found_among_token_noise(
        s in "(Re: |Fwd: |\\[#SB-[0-9A-Za-z]{6,9}\\]|\\[#|SB-|\\]| |x|é){0,20}",
        t in token(),
    ) {
        prop_assert_eq!(find_token(&reply_subject(&s, &t)), Some(t));
    }

    #[test]
    fn reply_subject_is_idempotent(s in any::<String>(), t in token()) {
        let once = reply_subject(&s, &t);
        prop_assert_eq!(reply_subject(&once, &t), once.clone());
        prop_assert_eq!(once.matches("[#SB-").count(), 1);
        prop_assert!(once.starts_with("Re: "));
        prop_assert!(!once.contains(['\r', '\n']));
    }

    #[test]
    fn built_messages_parse_back(
        subject in "[^\\p{Cc}]{0,120}",
        text in any::<String>(),
        name in proptest::option::of("[^\\p{Cc}]{1,40}"),
        date in 0i64..=32_535_215_999,
    ) {
        let msg = Outgoing {
            from: Mailbox::new(name.as_deref(), "support@acme.example"),
            to: vec![Mailbox::new(None, "c@example.com")],
            subject: subject.clone(),
            message_id: "m1@acme.example".into(),
            date,
            text,
            ..Outgoing::default()
        };
        let raw = build(&msg).unwrap();
        let p = parse(&raw);
        prop_assert!(!p.malformed);
        prop_assert_eq!(p.message_id.as_deref(), Some("m1@acme.example"));
        prop_assert_eq!(p.date, Some(date));
        prop_assert_eq!(p.subject, sb_conversation_one_line(&subject));
    }
}

/// What the parser gives back for a subject: whitespace runs as one space, trimmed.
fn sb_conversation_one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
