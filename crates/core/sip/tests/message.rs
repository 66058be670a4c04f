//! Messages: start lines, printing (byte-exact and canonical), framing, limits, errors,
//! responses built from requests, multipart bodies.

#![allow(clippy::unwrap_used)] // a panic is the failure report

use bytes::Bytes;
use sb_sip::{
    Error, Frame, HeaderName, MediaType, Message, Method, ParseConfig, Request, StatusCode, Uri,
    multipart,
};

const INVITE: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\
\r\n\
v=0\n";

fn invite() -> Request {
    match sb_sip::parse(INVITE.as_bytes().to_vec()).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => panic!("response"),
    }
}

fn with(text: &str) -> Result<Message, Error> {
    sb_sip::parse(text.as_bytes().to_vec())
}

#[test]
fn unmodified_request_prints_back_identically() {
    assert_eq!(invite().to_bytes(), INVITE.as_bytes());
}

#[test]
fn changed_header_prints_canonically_and_others_keep_their_bytes() {
    let mut r = invite();
    r.headers_mut().set("Max-Forwards", 69);
    let text = String::from_utf8(r.to_bytes().to_vec()).unwrap();
    assert_eq!(text, INVITE.replace("Max-Forwards: 70", "Max-Forwards: 69"));
}

#[test]
fn changed_request_uri_prints_a_canonical_start_line() {
    let mut r = invite();
    r.set_uri(Uri::parse("sip:bob@192.0.2.4:5070").unwrap());
    assert!(
        r.to_bytes()
            .starts_with(b"INVITE sip:bob@192.0.2.4:5070 SIP/2.0\r\nVia:")
    );
}

#[test]
fn set_body_updates_content_type_and_length() {
    let mut r = invite();
    r.set_body(
        Some(&MediaType::new("text", "plain")),
        Bytes::from_static(b"hello"),
    );
    let reparsed = sb_sip::parse(r.to_bytes()).unwrap();
    assert_eq!(reparsed.headers().content_length().unwrap(), 5);
    assert!(
        reparsed
            .headers()
            .content_type()
            .unwrap()
            .is("text", "plain")
    );
    assert_eq!(&reparsed.body()[..], b"hello");
}

#[test]
fn built_request_gets_content_length_and_parses() {
    let uri = Uri::parse("sip:agent7@10.0.0.8:5060").unwrap();
    let mut r = Request::new(Method::Bye, uri);
    let h = r.headers_mut();
    h.push("Via", "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1");
    h.push("Max-Forwards", 70);
    h.push("To", "<sip:agent7@example.com>;tag=b");
    h.push("From", "<sip:queue@example.com>;tag=a");
    h.push("Call-ID", "c1");
    h.push("CSeq", "2 BYE");
    let bytes = r.to_bytes();
    assert!(
        bytes.ends_with(b"CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"),
        "{bytes:?}"
    );
    let parsed = sb_sip::parse(bytes).unwrap();
    assert_eq!(parsed.as_request().unwrap().method(), &Method::Bye);
}

#[test]
fn response_copies_via_from_to_call_id_cseq_and_adds_to_tag() {
    let request = sb_sip::parse(
        &b"INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP p1;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP p2;branch=z9hG4bK2\r\n\
Max-Forwards: 70\r\nt: <sip:bob@example.com>\r\nFrom: <sip:a@example.com>;tag=x\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\
Record-Route: <sip:p1;lr>\r\nTimestamp: 54\r\nl: 0\r\n\r\n"[..],
    )
    .unwrap();
    let request = request.as_request().unwrap();
    let ringing = request.make_response(StatusCode::RINGING, Some("t1"));
    let parsed = sb_sip::parse(ringing.to_bytes()).unwrap();
    let h = parsed.headers();
    assert_eq!(h.vias().unwrap().len(), 2);
    assert_eq!(h.to().unwrap().tag(), Some("t1"));
    assert_eq!(h.from().unwrap().tag(), Some("x"));
    assert_eq!((h.call_id().unwrap(), h.cseq().unwrap().seq), ("c", 1));
    assert_eq!(h.record_routes().unwrap().len(), 1);
    assert!(!h.contains("Timestamp"));
    let trying = request.make_response(StatusCode::TRYING, Some("t1"));
    assert_eq!(trying.headers().to().unwrap().tag(), None);
    assert_eq!(trying.headers().get("Timestamp"), Some("54"));
    assert!(trying.to_bytes().starts_with(b"SIP/2.0 100 Trying\r\n"));
}

#[test]
fn response_to_a_tagged_request_keeps_the_existing_to_tag() {
    let bye = with("BYE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK9\r\nMax-Forwards: 70\r\nTo: <sip:a@b>;tag=old\r\nFrom: <sip:c@d>;tag=f\r\nCall-ID: k\r\nCSeq: 3 BYE\r\n\r\n").unwrap();
    let ok = bye
        .as_request()
        .unwrap()
        .make_response(StatusCode::OK, Some("new"));
    assert_eq!(ok.headers().to().unwrap().tag(), Some("old"));
}

#[test]
fn response_start_line_and_empty_reason_phrase_parse() {
    let ok = with("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK9\r\nTo: <sip:a@b>;tag=t\r\nFrom: <sip:c@d>;tag=f\r\nCall-ID: k\r\nCSeq: 3 BYE\r\nContent-Length: 0\r\n\r\n").unwrap();
    let r = ok.as_response().unwrap();
    assert_eq!((r.status(), r.reason()), (StatusCode::OK, "OK"));
    let empty = with("SIP/2.0 100 \r\nVia: SIP/2.0/UDP h;branch=z9hG4bK9\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=f\r\nCall-ID: k\r\nCSeq: 3 INVITE\r\n\r\n").unwrap();
    assert_eq!(empty.as_response().unwrap().reason(), "");
}

#[test]
fn bad_start_lines_are_rejected_with_the_right_answer() {
    let rest = "Via: SIP/2.0/UDP h;branch=z9hG4bK9\r\nMax-Forwards: 70\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=f\r\nCall-ID: k\r\nCSeq: 3 OPTIONS\r\n\r\n";
    for (line, status) in [
        ("OPTIONS sip:a@b SIP/2.0 ", Some(400)),
        ("OPTIONS  sip:a@b SIP/2.0", Some(400)),
        ("OPTIONS <sip:a@b> SIP/2.0", Some(400)),
        ("OPTIONS sip:a@b SIP/3.0", Some(505)),
        ("OPTIONS sip:a@b HTTP/1.1", Some(400)),
        ("OPTIONS sip:a@b SIP/2.x", Some(400)),
        ("OPT IONS sip:a@b SIP/2.0", Some(400)),
    ] {
        let e = with(&format!("{line}\r\n{rest}")).unwrap_err();
        assert_eq!(
            e.reply_status().map(StatusCode::as_u16),
            status,
            "{line}: {e}"
        );
    }
    let bad_code = with("SIP/2.0 2000 OK\r\n\r\n").unwrap_err();
    assert!(bad_code.is_in_response() && bad_code.reply_status().is_none());
}

#[test]
fn missing_and_malformed_mandatory_headers_are_rejected() {
    let full = INVITE;
    for (drop_line, expected) in [
        ("Via:", HeaderName::Via),
        ("To:", HeaderName::To),
        ("From:", HeaderName::From),
        ("Call-ID:", HeaderName::CallId),
        ("CSeq:", HeaderName::CSeq),
        ("Max-Forwards:", HeaderName::MaxForwards),
    ] {
        let text: String = full
            .split_inclusive("\r\n")
            .filter(|l| !l.starts_with(drop_line))
            .collect();
        assert_eq!(
            with(&text).unwrap_err(),
            Error::MissingHeader { name: expected }
        );
    }
    let negative_cseq = INVITE.replace("CSeq: 314159", "CSeq: -1");
    assert!(matches!(
        with(&negative_cseq).unwrap_err(),
        Error::BadHeader {
            name: HeaderName::CSeq,
            ..
        }
    ));
    let overflow = INVITE.replace("CSeq: 314159", "CSeq: 4294967296");
    assert!(matches!(
        with(&overflow).unwrap_err(),
        Error::BadHeader {
            name: HeaderName::CSeq,
            ..
        }
    ));
    let max_cseq = INVITE.replace("CSeq: 314159", "CSeq: 4294967295");
    assert_eq!(
        with(&max_cseq).unwrap().headers().cseq().unwrap().seq,
        u32::MAX
    );
    let bad_header_line = INVITE.replace("Max-Forwards: 70\r\n", "Max-Forwards 70\r\n");
    assert!(matches!(
        with(&bad_header_line).unwrap_err(),
        Error::BadHeaderLine { .. }
    ));
}

#[test]
fn error_offsets_point_into_the_message() {
    let text = INVITE.replace("To: Bob <sip:", "To: \"Bob <sip:");
    let Error::UnterminatedQuote { offset } = with(&text).unwrap_err() else {
        panic!()
    };
    assert_eq!(offset, text.find("\"Bob").unwrap());
}

#[test]
fn lf_only_line_ends_and_leading_crlfs_are_accepted_and_kept() {
    let lf = INVITE.replace("\r\n", "\n");
    let m = with(&lf).unwrap();
    assert_eq!(m.to_bytes(), lf.as_bytes());
    let leading = format!("\r\n\r\n{INVITE}");
    assert_eq!(with(&leading).unwrap().to_bytes(), INVITE.as_bytes());
}

#[test]
fn datagram_body_is_cut_at_content_length_and_missing_length_takes_the_rest() {
    let extra = format!("{INVITE}garbage");
    assert_eq!(&with(&extra).unwrap().body()[..], b"v=0\n");
    let no_length = INVITE.replace("Content-Length: 4\r\n", "");
    assert_eq!(&with(&no_length).unwrap().body()[..], b"v=0\n");
    let short = INVITE.replace("Content-Length: 4", "Content-Length: 5");
    assert_eq!(
        with(&short).unwrap_err(),
        Error::BodyTruncated {
            declared: 5,
            available: 4
        }
    );
}

#[test]
fn limits_on_size_and_header_count_are_enforced() {
    let small = ParseConfig {
        max_message_size: 100,
        ..ParseConfig::default()
    };
    let e = small
        .parse_datagram(INVITE.as_bytes().to_vec())
        .unwrap_err();
    assert!(matches!(e, Error::TooLarge { limit: 100, .. }));
    assert_eq!(e.reply_status(), Some(StatusCode::MESSAGE_TOO_LARGE));
    let few = ParseConfig {
        max_headers: 5,
        ..ParseConfig::default()
    };
    let e = few.parse_datagram(INVITE.as_bytes().to_vec()).unwrap_err();
    assert_eq!(e, Error::TooManyHeaders { limit: 5 });
    assert!(
        ParseConfig::default()
            .parse_datagram(INVITE.as_bytes().to_vec())
            .is_ok()
    );
}

#[test]
fn non_utf8_header_section_and_unterminated_head_are_rejected() {
    let mut bytes = INVITE.as_bytes().to_vec();
    bytes[60] = 0xff;
    assert!(matches!(
        sb_sip::parse(bytes).unwrap_err(),
        Error::NotUtf8 { offset: 60 }
    ));
    assert_eq!(
        with("OPTIONS sip:a@b SIP/2.0\r\nTo: x\r\n").unwrap_err(),
        Error::UnterminatedHead
    );
    assert_eq!(with("\r\n\r\n").unwrap_err(), Error::Empty);
}

#[test]
fn stream_framing_finds_message_boundaries() {
    let cfg = ParseConfig::default();
    let two = format!("{INVITE}{INVITE}");
    let Frame::Message { len } = cfg.frame(two.as_bytes()) else {
        panic!()
    };
    assert_eq!(len, INVITE.len());
    assert!(cfg.parse_stream(Bytes::from(two).slice(..len)).is_ok());
    assert_eq!(
        cfg.frame(&INVITE.as_bytes()[..INVITE.len() - 1]),
        Frame::Incomplete
    );
    assert_eq!(cfg.frame(&INVITE.as_bytes()[..40]), Frame::Incomplete);
    assert_eq!(cfg.frame(b"\r\n\r\nINVITE"), Frame::KeepAlive { len: 4 });
}

#[test]
fn stream_framing_rejects_missing_negative_or_huge_content_length() {
    let cfg = ParseConfig::default();
    let missing = INVITE.replace("Content-Length: 4\r\n", "");
    assert!(matches!(
        cfg.frame(missing.as_bytes()),
        Frame::Invalid(Error::MissingHeader { .. })
    ));
    let negative = INVITE.replace("Content-Length: 4", "Content-Length: -4");
    assert!(matches!(
        cfg.frame(negative.as_bytes()),
        Frame::Invalid(Error::BadContentLength { .. })
    ));
    let huge = INVITE.replace(
        "Content-Length: 4",
        "Content-Length: 99999999999999999999999",
    );
    assert!(matches!(cfg.frame(huge.as_bytes()), Frame::Invalid(_)));
    let big = INVITE.replace("Content-Length: 4", "Content-Length: 70000");
    assert!(matches!(
        cfg.frame(big.as_bytes()),
        Frame::Invalid(Error::TooLarge { .. })
    ));
    let endless = vec![b'a'; 70_000];
    assert!(matches!(
        cfg.frame(&endless),
        Frame::Invalid(Error::TooLarge { .. })
    ));
    assert!(cfg.parse_stream(missing.into_bytes()).is_err());
}

#[test]
fn multipart_body_splits_into_parts_and_builds_back() {
    let sdp = MediaType::new("application", "sdp");
    let isup = MediaType::parse("application/ISUP;version=itu-t92+").unwrap();
    let parts = vec![
        multipart::Part::new(
            &sdp,
            Bytes::from_static(b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"),
        ),
        multipart::Part::new(&isup, Bytes::from_static(&[0x01, 0x00, 0x0d, 0x0a, 0xff])),
    ];
    let body = multipart::encode("unique-boundary-1", &parts);
    let split = multipart::split(&body, "unique-boundary-1").unwrap();
    assert_eq!(split, parts);
    assert!(split[1].content_type().unwrap().is("application", "isup"));
}

#[test]
fn multipart_with_preamble_epilogue_and_lf_ends_splits() {
    let body = Bytes::from_static(
        b"preamble\n--b\nContent-Type: text/plain\n\none\n--b\n\ntwo\n--b--\nepilogue",
    );
    let parts = multipart::split(&body, "b").unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(
        (&parts[0].body[..], &parts[1].body[..]),
        (&b"one"[..], &b"two"[..])
    );
    assert!(parts[1].content_type().unwrap().is("text", "plain"));
    assert!(multipart::split(&Bytes::from_static(b"--b\n\nunclosed"), "b").is_err());
    assert!(multipart::split(&Bytes::from_static(b"no delimiter"), "b").is_err());
}

#[test]
fn rejected_request_gets_a_400_with_the_salvaged_fields() {
    let raw = INVITE.replace("To: Bob <sip:", "To: \"Bob <sip:");
    let e = with(&raw).unwrap_err();
    let response = sb_sip::Response::for_rejected(raw.as_bytes(), &e, Some("rej1")).unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let h = response.headers();
    assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bK776asdhds"));
    assert_eq!(h.cseq().unwrap().seq, 314159);
    assert_eq!(
        h.call_id().unwrap(),
        "a84b4c76e66710@pc33.atlanta.example.com"
    );
    assert!(
        h.get("To").unwrap().starts_with("\"Bob <sip:"),
        "unparseable To copied as is"
    );
    let version = INVITE.replace("SIP/2.0\r\nVia", "SIP/3.0\r\nVia");
    let e = with(&version).unwrap_err();
    let response = sb_sip::Response::for_rejected(version.as_bytes(), &e, Some("t")).unwrap();
    assert_eq!(response.status(), StatusCode::VERSION_NOT_SUPPORTED);
    assert_eq!(response.headers().to().unwrap().tag(), Some("t"));
    assert!(sb_sip::parse(response.to_bytes()).is_ok());
}

#[test]
fn rejected_response_or_request_without_via_gets_no_answer() {
    let bad_response = "SIP/2.0 999 Weird\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n";
    let e = with(bad_response).unwrap_err();
    assert!(sb_sip::Response::for_rejected(bad_response.as_bytes(), &e, None).is_none());
    let no_via: String = INVITE
        .split_inclusive("\r\n")
        .filter(|l| !l.starts_with("Via:"))
        .collect();
    let e = with(&no_via).unwrap_err();
    assert!(sb_sip::Response::for_rejected(no_via.as_bytes(), &e, None).is_none());
}
