//! Building outgoing mail: round trips through the parser, threading, refusals.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use sb_conversation::{
    ConversationError, Mailbox, Outgoing, OutgoingAttachment, attachment, build, message_id, parse,
    quote, references_for_reply, reply_subject,
};

fn reply() -> Outgoing {
    Outgoing {
        from: Mailbox::new(Some("ACME Support"), "support@acme.example"),
        to: vec![Mailbox::new(Some("Zoë Ünal"), "zoe@example.com")],
        cc: vec![Mailbox::new(None, "boss@example.com")],
        subject: reply_subject("Grüße — où est ma commande ?", "SB-7K3M9Q2T"),
        message_id: message_id("0190f3a2-7b1c-7e4f", "support@acme.example"),
        in_reply_to: Some("parent@mail.example.com".into()),
        references: vec![
            "root@mail.example.com".into(),
            "parent@mail.example.com".into(),
        ],
        date: 1_796_637_600,
        text: "Bonjour Zoë,\nyour order ships today.\n\n-- \nACME".into(),
        attachments: Vec::new(),
        auto_reply: false,
    }
}

#[test]
fn build_then_parse_gives_the_headers_back() {
    let msg = reply();
    let raw = build(&msg).unwrap();
    let p = parse(&raw);
    assert!(!p.malformed);
    assert_eq!(
        p.message_id.as_deref(),
        Some("0190f3a2-7b1c-7e4f@acme.example")
    );
    assert_eq!(p.in_reply_to, vec!["parent@mail.example.com"]);
    assert_eq!(
        p.references,
        vec!["root@mail.example.com", "parent@mail.example.com"]
    );
    assert_eq!(p.subject, "Re: Grüße — où est ma commande ? [#SB-7K3M9Q2T]");
    assert_eq!(p.from, Some(msg.from.clone()));
    assert_eq!(p.to, msg.to);
    assert_eq!(p.cc, msg.cc);
    assert_eq!(p.date, Some(msg.date));
    assert_eq!(p.text.replace("\r\n", "\n"), msg.text);
    assert!(!p.automatic);
    assert!(p.attachments.is_empty());
}

#[test]
fn build_uses_crlf_and_an_rfc5322_date() {
    let raw = build(&reply()).unwrap();
    let s = String::from_utf8(raw).unwrap();
    assert!(
        s.contains("Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n"),
        "{s}"
    );
    assert!(!s.replace("\r\n", "").contains('\n'), "bare LF in {s}");
    assert!(s.contains("Message-ID: <0190f3a2-7b1c-7e4f@acme.example>\r\n"));
    assert!(s.contains("MIME-Version: 1.0\r\n"));
}

#[test]
fn attachments_round_trip_with_their_bytes() {
    let mut msg = reply();
    let binary: Vec<u8> = (0..=255).cycle().take(5000).collect();
    msg.attachments = vec![
        OutgoingAttachment {
            filename: "données.bin".into(),
            content_type: "application/octet-stream".into(),
            bytes: binary.clone(),
        },
        OutgoingAttachment {
            filename: "../notes.txt".into(),
            content_type: "text/plain".into(),
            bytes: b"line one\nline two\n".to_vec(),
        },
        OutgoingAttachment {
            filename: "x.weird".into(),
            content_type: "not a type".into(),
            bytes: b"abc".to_vec(),
        },
    ];
    let raw = build(&msg).unwrap();
    let p = parse(&raw);
    assert_eq!(p.text.replace("\r\n", "\n"), msg.text);
    let names: Vec<&str> = p.attachments.iter().map(|a| a.filename.as_str()).collect();
    assert_eq!(names, ["données.bin", "notes.txt", "x.weird"]);
    let types: Vec<&str> = p
        .attachments
        .iter()
        .map(|a| a.content_type.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "application/octet-stream",
            "text/plain",
            "application/octet-stream"
        ]
    );
    assert_eq!(attachment(&raw, 0).unwrap().1, binary);
    let text = attachment(&raw, 1).unwrap().1;
    assert_eq!(
        String::from_utf8(text).unwrap().replace("\r\n", "\n"),
        "line one\nline two\n"
    );
    assert_eq!(attachment(&raw, 2).unwrap().1, b"abc");
}

#[test]
fn building_is_repeatable() {
    let mut msg = reply();
    msg.attachments = vec![OutgoingAttachment {
        filename: "a.png".into(),
        content_type: "image/png".into(),
        bytes: vec![1, 2, 3],
    }];
    assert_eq!(build(&msg).unwrap(), build(&msg).unwrap());
}

#[test]
fn a_body_containing_the_boundary_still_parses() {
    let mut msg = reply();
    msg.attachments = vec![OutgoingAttachment {
        filename: "a.txt".into(),
        content_type: "text/plain".into(),
        bytes: b"x".to_vec(),
    }];
    let first = String::from_utf8(build(&msg).unwrap()).unwrap();
    let boundary = first
        .split("boundary=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    msg.text =
        format!("before\n--{boundary}\nContent-Type: text/html\n\n<b>x</b>\n--{boundary}--\nafter");
    let raw = build(&msg).unwrap();
    let p = parse(&raw);
    assert_eq!(p.text.replace("\r\n", "\n"), msg.text);
    assert_eq!(p.attachments.len(), 1);
}

#[test]
fn auto_replies_are_marked_and_detected_as_automatic() {
    let mut msg = reply();
    msg.auto_reply = true;
    let raw = build(&msg).unwrap();
    assert!(String::from_utf8_lossy(&raw).contains("Auto-Submitted: auto-replied\r\n"));
    assert!(parse(&raw).automatic);
}

#[test]
fn no_recipients_is_refused() {
    let mut msg = reply();
    msg.to.clear();
    msg.cc.clear();
    assert_eq!(build(&msg), Err(ConversationError::NoRecipients));
    msg.cc.push(Mailbox::new(None, "only-cc@example.com"));
    assert!(build(&msg).is_ok());
}

#[test]
fn header_injection_is_refused() {
    type Change = Box<dyn Fn(&mut Outgoing)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "subject",
            Box::new(|m| m.subject = "Hi\r\nBcc: victim@x".into()),
        ),
        ("subject", Box::new(|m| m.subject = "Hi\nX: y".into())),
        ("subject", Box::new(|m| m.subject = "Hi\rX: y".into())),
        ("subject", Box::new(|m| m.subject = "nul\0".into())),
        (
            "from",
            Box::new(|m| m.from.name = Some("A\r\nBcc: v@x".into())),
        ),
        (
            "to",
            Box::new(|m| m.to[0].address = "a@x\r\nBcc: v@x".into()),
        ),
        ("cc", Box::new(|m| m.cc[0].name = Some("x\ny".into()))),
        (
            "message_id",
            Box::new(|m| m.message_id = "a@x\r\nBcc: v@x".into()),
        ),
        (
            "in_reply_to",
            Box::new(|m| m.in_reply_to = Some("p@x\nX: y".into())),
        ),
        (
            "references",
            Box::new(|m| m.references.push("r@x\r\n".into())),
        ),
        (
            "attachment",
            Box::new(|m| {
                m.attachments.push(OutgoingAttachment {
                    filename: "a\r\nContent-Type: text/html".into(),
                    content_type: "text/plain".into(),
                    bytes: Vec::new(),
                })
            }),
        ),
        (
            "attachment",
            Box::new(|m| {
                m.attachments.push(OutgoingAttachment {
                    filename: "a.txt".into(),
                    content_type: "text/plain\r\nX: y".into(),
                    bytes: Vec::new(),
                })
            }),
        ),
    ];
    for (field, change) in cases {
        let mut msg = reply();
        change(&mut msg);
        assert_eq!(
            build(&msg),
            Err(ConversationError::HeaderInjection { field }),
            "{field}"
        );
    }
}

#[test]
fn invalid_addresses_and_ids_are_refused() {
    let mut msg = reply();
    msg.to.push(Mailbox::new(None, "not an address"));
    assert!(matches!(
        build(&msg),
        Err(ConversationError::InvalidAddress { field: "to", .. })
    ));

    let mut msg = reply();
    msg.from.address = "<support@acme.example>".into();
    assert!(matches!(
        build(&msg),
        Err(ConversationError::InvalidAddress { field: "from", .. })
    ));

    let mut msg = reply();
    msg.message_id = "<x@y>".into();
    assert!(matches!(
        build(&msg),
        Err(ConversationError::InvalidMessageId {
            field: "message_id",
            ..
        })
    ));

    let mut msg = reply();
    msg.date = -1;
    assert_eq!(
        build(&msg),
        Err(ConversationError::InvalidDate { date: -1 })
    );
}

#[test]
fn an_answer_to_a_parsed_message_threads_under_it() {
    let inbound = b"From: Zoe <zoe@example.com>\r\nTo: support@acme.example\r\n\
Subject: Help\r\nMessage-ID: <q2@example.com>\r\nIn-Reply-To: <q1@example.com>\r\n\
References: <q0@example.com> <q1@example.com>\r\nDate: Mon, 7 Dec 2026 09:00:00 +0000\r\n\r\nPlease help.\r\n";
    let parent = parse(inbound);
    let (in_reply_to, references) = references_for_reply(parent.thread_headers());
    let author = parent.from.clone().unwrap().to_string();
    let msg = Outgoing {
        from: Mailbox::new(None, "support@acme.example"),
        to: vec![parent.reply_address().unwrap().clone()],
        subject: reply_subject(&parent.subject, "SB-00000001"),
        message_id: message_id("a1", "acme.example"),
        in_reply_to,
        references,
        date: 1_796_637_600,
        text: format!(
            "Sure.\n\n{}",
            quote(&author, parent.date.unwrap(), &parent.text)
        ),
        ..Outgoing::default()
    };
    let answer = parse(&build(&msg).unwrap());
    assert_eq!(answer.in_reply_to, vec!["q2@example.com"]);
    assert_eq!(
        answer.references,
        vec!["q0@example.com", "q1@example.com", "q2@example.com"]
    );
    assert_eq!(
        answer.thread_refs().first().map(String::as_str),
        Some("q2@example.com")
    );
    assert_eq!(answer.subject, "Re: Help [#SB-00000001]");
    assert!(
        answer
            .text
            .contains("On 2026-12-07 09:00 UTC, Zoe <zoe@example.com> wrote:\r\n> Please help."),
        "{:?}",
        answer.text
    );
}
