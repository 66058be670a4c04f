//! Generated messages: text → parse → print is byte-exact, and typed views give back what
//! was generated; built messages print → parse → print stably; arbitrary and mutated
//! bytes never panic.

#![allow(clippy::unwrap_used)] // a panic is the failure report

use proptest::prelude::*;
use sb_sip::{Frame, Method, ParseConfig, Request, Uri};

/// A generated request: its wire text and the values it should parse to.
#[derive(Debug, Clone)]
struct Generated {
    text: String,
    body: Vec<u8>,
    cseq: u32,
    call_id: String,
    from_tag: String,
    max_forwards: u8,
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("INVITE".to_string()),
        Just("OPTIONS".to_string()),
        Just("REGISTER".to_string()),
        "[A-Z][A-Za-z!%*_+`'~.-]{0,10}",
    ]
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,10}\\.(com|net|example)",
        any::<[u8; 4]>().prop_map(|o| format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3])),
        any::<[u16; 8]>().prop_map(|s| format!("[{}]", std::net::Ipv6Addr::from(s))),
    ]
}

fn uri() -> impl Strategy<Value = String> {
    (
        prop::option::of("[a-zA-Z0-9_.!~*'()-]{1,8}(%[0-9A-F]{2})?"),
        host(),
        prop::option::of(1u16..),
        prop::collection::vec(
            prop_oneof![Just(";lr"), Just(";transport=tcp"), Just(";user=phone")],
            0..3,
        ),
    )
        .prop_map(|(user, host, port, params)| {
            let user = user.map(|u| format!("{u}@")).unwrap_or_default();
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            format!("sip:{user}{host}{port}{}", params.concat())
        })
}

/// A header name spelled one of the accepted ways.
fn spelled(long: &'static str, compact: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(long.to_string()),
        Just(compact.to_string()),
        Just(long.to_uppercase()),
        Just(long.to_lowercase()),
    ]
}

/// What goes between a header name and its value.
fn colon() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just(": "),
        Just(":"),
        Just(" : "),
        Just(":\t"),
        Just(":\r\n  ")
    ]
}

fn display() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[A-Za-z]{1,8}( [A-Za-z]{1,8})?".prop_map(|d| format!("{d} ")),
        "[A-Za-z ,<>@;]{0,12}".prop_map(|d| format!("{} ", sb_sip::quote(&d))),
    ]
}

prop_compose! {
    fn generated()(
        method in method(),
        ruri in uri(),
        via_name in spelled("Via", "v"),
        via_colon in colon(),
        via_host in host(),
        branch in "[a-zA-Z0-9]{1,12}",
        to_name in spelled("To", "t"),
        to_uri in uri(),
        to_display in display(),
        from_name in spelled("From", "f"),
        from_uri in uri(),
        from_display in display(),
        from_tag in "[a-zA-Z0-9]{1,10}",
        call_name in spelled("Call-ID", "i"),
        call_id in "[a-zA-Z0-9@.!%*_+`'~-]{1,30}",
        cseq in any::<u32>(),
        max_forwards in any::<u8>(),
        unknown in prop::collection::vec(("X-[a-zA-Z]{1,8}", colon(), "[ -~]{0,20}"), 0..4),
        body in prop::collection::vec(any::<u8>(), 0..80),
        length_name in spelled("Content-Length", "l"),
        line_end in prop_oneof![Just("\r\n"), Just("\n")],
    ) -> Generated {
        let mut lines = vec![
            format!("{method} {ruri} SIP/2.0"),
            format!("{via_name}{via_colon}SIP/2.0/UDP {via_host};branch=z9hG4bK{branch}"),
            format!("Max-Forwards: {max_forwards}"),
            format!("{to_name}: {to_display}<{to_uri}>"),
            format!("{from_name}: {from_display}<{from_uri}>;tag={from_tag}"),
            format!("{call_name}: {call_id}"),
            format!("CSeq: {cseq} {method}"),
        ];
        lines.extend(unknown.iter().map(|(n, c, v)| format!("{n}{c}{v}")));
        lines.push(format!("{length_name}: {}", body.len()));
        let text = lines.iter().map(|l| format!("{l}{line_end}")).collect::<String>() + line_end;
        Generated { text, body, cseq, call_id, from_tag, max_forwards }
    }
}

fn wire(g: &Generated) -> Vec<u8> {
    let mut bytes = g.text.clone().into_bytes();
    bytes.extend_from_slice(&g.body);
    bytes
}

proptest! {
    #[test]
    fn generated_message_prints_back_byte_for_byte(g in generated()) {
        let bytes = wire(&g);
        let msg = sb_sip::parse(bytes.clone()).map_err(|e| TestCaseError::fail(format!("{e}: {}", g.text)))?;
        prop_assert_eq!(&msg.to_bytes()[..], &bytes[..]);
        let h = msg.headers();
        prop_assert_eq!(h.cseq().unwrap().seq, g.cseq);
        prop_assert_eq!(h.call_id().unwrap(), g.call_id.as_str());
        let from = h.from().unwrap();
        prop_assert_eq!(from.tag(), Some(g.from_tag.as_str()));
        prop_assert_eq!(h.max_forwards().unwrap(), u32::from(g.max_forwards));
        prop_assert_eq!(&msg.body()[..], &g.body[..]);
        let again = sb_sip::parse(msg.to_bytes()).unwrap();
        prop_assert_eq!(again, msg);
    }

    #[test]
    fn generated_message_frames_on_a_stream(g in generated(), extra in prop::collection::vec(any::<u8>(), 0..20)) {
        let mut bytes = wire(&g);
        let len = bytes.len();
        bytes.extend_from_slice(&extra);
        let cfg = ParseConfig::default();
        prop_assert_eq!(cfg.frame(&bytes), Frame::Message { len });
        prop_assert_eq!(cfg.frame(&bytes[..len - 1]), Frame::Incomplete);
        let msg = cfg.parse_stream(bytes[..len].to_vec()).unwrap();
        prop_assert_eq!(&msg.to_bytes()[..], &bytes[..len]);
    }

    #[test]
    fn built_message_print_parse_print_is_stable(
        uri in uri(),
        headers in prop::collection::vec(("X-[a-zA-Z]{1,8}", "[!-~]([ -~]{0,20}[!-~])?"), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..64),
        edit in any::<bool>(),
    ) {
        let mut request = Request::new(Method::Message, Uri::parse(&uri).unwrap());
        let h = request.headers_mut();
        h.push("Via", "SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKx");
        h.push("Max-Forwards", 70);
        h.push("To", format!("<{uri}>"));
        h.push("From", "<sip:a@example.com>;tag=1");
        h.push("Call-ID", "k");
        h.push("CSeq", "1 MESSAGE");
        for (name, value) in &headers {
            h.push(name.as_str(), value);
        }
        request.set_body(Some(&sb_sip::MediaType::new("text", "plain")), body.into());
        let first = request.to_bytes();
        let mut parsed = sb_sip::parse(first.clone()).unwrap();
        prop_assert_eq!(&parsed.to_bytes(), &first);
        if edit {
            parsed.headers_mut().set("Max-Forwards", 69);
        }
        let second = parsed.to_bytes();
        let reparsed = sb_sip::parse(second.clone()).unwrap();
        prop_assert_eq!(reparsed.to_bytes(), second);
        prop_assert_eq!(reparsed.headers().max_forwards().unwrap(), if edit { 69 } else { 70 });
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check_no_panic(&bytes);
    }

    #[test]
    fn mutated_valid_messages_never_panic_and_stay_stable(
        g in generated(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let mut bytes = wire(&g);
        for (at, byte, kind) in edits {
            let i = at.index(bytes.len() + 1);
            match kind {
                0 => bytes.insert(i, byte),
                1 if i < bytes.len() => { bytes.remove(i); }
                _ if i < bytes.len() => bytes[i] = byte,
                _ => {}
            }
        }
        check_no_panic(&bytes);
    }
}

/// Parses every way; whatever parses must print and re-parse to the same message.
fn check_no_panic(bytes: &[u8]) {
    let cfg = ParseConfig::default();
    let parsed = cfg.parse_datagram(bytes.to_vec());
    if let Err(e) = &parsed {
        let _ = sb_sip::Response::for_rejected(bytes, e, Some("t")).map(|r| r.to_bytes());
    }
    if let Ok(msg) = parsed {
        let printed = msg.to_bytes();
        let again = cfg.parse_datagram(printed.clone()).unwrap();
        assert_eq!(again, msg);
        assert_eq!(again.to_bytes(), printed);
        let h = msg.headers();
        let _ = (
            h.vias(),
            h.routes(),
            h.contacts(),
            h.authorizations(),
            h.content_type(),
        );
    }
    if let Frame::Message { len } = cfg.frame(bytes) {
        let _ = cfg.parse_stream(bytes[..len].to_vec());
    }
}
