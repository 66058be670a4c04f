//! Header vectors: every typed accessor, compact forms, folding, lists, edits.

#![allow(clippy::unwrap_used)] // a panic is the failure report

use sb_sip::{Contacts, Error, HeaderName, Headers, Host, Message, StatusCode};

/// An OPTIONS request with the mandatory headers plus `extra` lines.
fn request_with(extra: &str) -> Message {
    let text = format!(
        "OPTIONS sip:bob@example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776\r\n\
         Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\n\
         From: <sip:alice@example.com>;tag=1928\r\nCall-ID: a84b4c76e66710\r\n\
         CSeq: 1 OPTIONS\r\n{extra}Content-Length: 0\r\n\r\n"
    );
    sb_sip::parse(text.into_bytes()).unwrap_or_else(|e| panic!("rejected: {e}"))
}

fn headers(extra: &str) -> Headers {
    request_with(extra).headers().clone()
}

#[test]
fn compact_names_map_to_their_long_forms() {
    for (compact, long) in [
        ("i", "Call-ID"),
        ("m", "Contact"),
        ("e", "Content-Encoding"),
        ("l", "Content-Length"),
        ("c", "Content-Type"),
        ("f", "From"),
        ("s", "Subject"),
        ("k", "Supported"),
        ("t", "To"),
        ("v", "Via"),
        ("o", "Event"),
        ("r", "Refer-To"),
        ("b", "Referred-By"),
        ("u", "Allow-Events"),
        ("x", "Session-Expires"),
        ("y", "Identity"),
        ("a", "Accept-Contact"),
        ("j", "Reject-Contact"),
        ("d", "Request-Disposition"),
    ] {
        assert_eq!(HeaderName::new(compact), HeaderName::new(long), "{compact}");
        assert_eq!(HeaderName::new(&compact.to_uppercase()).as_str(), long);
        assert_eq!(HeaderName::new(long).compact(), compact.chars().next());
    }
}

#[test]
fn header_names_compare_case_insensitively_and_unknown_ones_keep_their_text() {
    assert_eq!(HeaderName::new("cAlL-iD"), HeaderName::CallId);
    let other = HeaderName::new("X-Tenant");
    assert_eq!(other, HeaderName::new("x-tenant"));
    assert_eq!(other.as_str(), "X-Tenant");
    assert!(HeaderName::Via.is_list() && !HeaderName::From.is_list());
}

#[test]
fn compact_headers_are_found_by_long_name() {
    let m = sb_sip::parse(
        &b"INVITE sip:bob@example.com SIP/2.0\r\nv: SIP/2.0/TCP h.example.com;branch=z9hG4bKa\r\n\
Max-Forwards: 70\r\nt: sip:bob@example.com\r\nf: sip:alice@example.com;tag=1\r\ni: abc\r\n\
CSeq: 2 INVITE\r\nm: <sip:alice@h.example.com>\r\nk: 100rel, timer\r\nc: text/plain\r\nl: 2\r\n\r\nhi"[..],
    )
    .unwrap();
    let h = m.headers();
    assert_eq!(h.call_id().unwrap(), "abc");
    assert_eq!(h.top_via().unwrap().transport, "TCP");
    assert!(h.has_token("Supported", "TIMER"));
    assert!(h.content_type().unwrap().is("text", "plain"));
    assert_eq!(h.content_length().unwrap(), 2);
    assert_eq!(&m.body()[..], b"hi");
}

#[test]
fn folded_value_is_parsed_as_one_value_and_printed_unchanged() {
    let m = request_with(
        "Subject: I know you're there,\r\n         pick up the phone\r\n   and talk to me!\r\n",
    );
    let subject = m.headers().first("s").unwrap();
    assert_eq!(
        subject.value_unfolded(),
        "I know you're there, pick up the phone and talk to me!"
    );
    assert!(subject.raw().unwrap().ends_with("talk to me!\r\n"));
}

#[test]
fn via_exposes_sent_by_branch_received_and_rport() {
    let h = headers(
        "Via: SIP/2.0/UDP 192.0.2.1:5062;received=198.51.100.7;rport=40000;branch=z9hG4bKx1, SIP/2.0/TLS [2001:db8::1];rport;branch=z9hG4bKx2\r\n",
    );
    let vias = h.vias().unwrap();
    assert_eq!(vias.len(), 3);
    let v = &vias[1];
    assert_eq!(
        (v.host.clone(), v.port),
        (Host::Ipv4("192.0.2.1".parse().unwrap()), Some(5062))
    );
    assert_eq!(v.sent_by(), "192.0.2.1:5062");
    assert_eq!(
        v.received(),
        Some(Host::Ipv4("198.51.100.7".parse().unwrap()))
    );
    assert_eq!(v.rport(), Some(Some(40000)));
    assert_eq!(v.branch(), Some("z9hG4bKx1"));
    assert_eq!(vias[2].rport(), Some(None));
    assert!(vias[2].is_reliable());
    assert_eq!(vias[2].host, Host::Ipv6("2001:db8::1".parse().unwrap()));
}

#[test]
fn via_set_received_fills_rport_when_asked() {
    let mut via = sb_sip::Via::parse("SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bKq").unwrap();
    via.set_received(&Host::Ipv4("203.0.113.5".parse().unwrap()), 6000);
    assert_eq!(
        via.to_string(),
        "SIP/2.0/UDP 10.0.0.1;rport=6000;branch=z9hG4bKq;received=203.0.113.5"
    );
    assert!(via.has_rfc3261_branch());
}

#[test]
fn via_with_lws_around_slashes_and_colon_parses() {
    let via = sb_sip::Via::parse("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2 : 5060 ;branch=390skdjuw")
        .unwrap();
    assert_eq!((via.transport.as_ref(), via.port), ("UDP", Some(5060)));
}

#[test]
fn from_and_to_give_uri_display_name_and_tag() {
    let h = headers("");
    let from = h.from().unwrap();
    assert_eq!(from.tag(), Some("1928"));
    assert_eq!(from.uri.to_string(), "sip:alice@example.com");
    let quoted =
        sb_sip::NameAddr::parse("\"Bob \\\"B\\\" Smith\" <sip:bob@example.com>;tag=x").unwrap();
    assert_eq!(quoted.display_name().unwrap(), "Bob \"B\" Smith");
    let tokens = sb_sip::NameAddr::parse("Bob  Smith <sip:bob@example.com>").unwrap();
    assert_eq!(tokens.display_name().unwrap(), "Bob  Smith");
    let bare = sb_sip::NameAddr::parse("sip:bob@example.com;tag=7").unwrap();
    assert_eq!(
        (bare.tag(), bare.uri.as_sip().unwrap().params.len()),
        (Some("7"), 0)
    );
}

#[test]
fn name_addr_errors_are_reported() {
    for bad in [
        "\"unterminated <sip:a@b>",
        "Bell, Alexander <sip:a@b>",
        "< sip:a@b >",
        "<sip:a@b",
        "sip:a@b?x=y",
        "<sip:a@b>;;",
        "<sip:a@b> junk",
    ] {
        assert!(sb_sip::NameAddr::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn contacts_give_several_addresses_expires_and_q() {
    let h =
        headers("Contact: <sip:a@h1>;expires=60;q=0.7, \"B\" <sip:b@h2>\r\nm: sip:c@h3;q=1\r\n");
    let Contacts::List(list) = h.contacts().unwrap() else {
        panic!("star")
    };
    assert_eq!(list.len(), 3);
    assert_eq!(
        (list[0].expires(), list[0].q_millis()),
        (Some(60), Some(700))
    );
    assert_eq!(list[2].q_millis(), Some(1000));
    assert_eq!(
        h.contacts().unwrap().to_string(),
        "<sip:a@h1>;expires=60;q=0.7, \"B\" <sip:b@h2>, <sip:c@h3>;q=1"
    );
}

#[test]
fn contact_star_is_recognised() {
    assert_eq!(
        headers("Contact: *\r\nExpires: 0\r\n").contacts().unwrap(),
        Contacts::Star
    );
}

#[test]
fn routes_and_record_routes_keep_order_across_lines() {
    let h = headers(
        "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\nRoute: <sip:p3.example.com;lr>\r\nRecord-Route: <sip:rr.example.com;lr>\r\n",
    );
    let routes: Vec<String> = h
        .routes()
        .unwrap()
        .iter()
        .map(|r| r.uri.to_string())
        .collect();
    assert_eq!(
        routes,
        [
            "sip:p1.example.com;lr",
            "sip:p2.example.com;lr",
            "sip:p3.example.com;lr"
        ]
    );
    assert_eq!(h.record_routes().unwrap().len(), 1);
    assert!(headers("").routes().unwrap().is_empty());
}

#[test]
fn numeric_headers_parse_with_leading_zeros_and_reject_overflow() {
    let h = headers("Expires: 0003600\r\nMin-Expires: 60\r\nRSeq: 988789\r\n");
    assert_eq!(
        (
            h.expires().unwrap(),
            h.min_expires().unwrap(),
            h.rseq().unwrap()
        ),
        (3600, 60, 988789)
    );
    assert_eq!(h.max_forwards().unwrap(), 70);
    let big = headers("Expires: 10000000000000000000000\r\n");
    assert!(matches!(big.expires(), Err(Error::BadHeader { .. })));
    assert_eq!(
        headers("").expires(),
        Err(Error::MissingHeader {
            name: HeaderName::Expires
        })
    );
}

#[test]
fn authorization_gives_scheme_and_unquoted_params() {
    let h = headers(
        "Authorization: Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b\", uri=\"sip:bob@biloxi.com\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae4\", opaque=\"5ccc069c\"\r\n",
    );
    let auth = &h.authorizations().unwrap()[0];
    assert!(auth.is_digest());
    assert_eq!(auth.get("realm").unwrap(), "biloxi.com");
    assert_eq!(auth.get("nc").unwrap(), "00000001");
    assert_eq!(auth.get("uri").unwrap(), "sip:bob@biloxi.com");
}

#[test]
fn challenges_of_both_kinds_are_read_and_built() {
    let h = headers(
        "WWW-Authenticate: Digest realm=\"atlanta.com\", domain=\"sip:boxesbybob.com\", qop=\"auth\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", stale=FALSE, algorithm=MD5\r\nProxy-Authenticate: Digest realm=\"p\", nonce=\"n\"\r\nProxy-Authorization: Digest username=\"u\", realm=\"p\"\r\n",
    );
    let www = &h.www_authenticates().unwrap()[0];
    assert_eq!(www.get("opaque").unwrap(), "");
    assert_eq!(www.get("algorithm").unwrap(), "MD5");
    assert_eq!(
        h.proxy_authenticates().unwrap()[0].get("nonce").unwrap(),
        "n"
    );
    assert_eq!(
        h.proxy_authorizations().unwrap()[0]
            .get("username")
            .unwrap(),
        "u"
    );
    let mut built = sb_sip::Auth::digest();
    built.set_quoted("realm", "a \"b\"");
    built.set_token("algorithm", "MD5");
    assert_eq!(
        built.to_string(),
        "Digest realm=\"a \\\"b\\\"\", algorithm=MD5"
    );
    assert_eq!(
        sb_sip::Auth::parse(&built.to_string())
            .unwrap()
            .get("realm")
            .unwrap(),
        "a \"b\""
    );
}

#[test]
fn token_lists_span_lines_and_skip_empty_items() {
    let h = headers(
        "Allow: INVITE, ACK,CANCEL\r\nAllow: BYE\r\nRequire: 100rel\r\nSupported: timer, , replaces\r\nUnsupported: foo\r\nProxy-Require: bar\r\n",
    );
    let allow: Vec<String> = h
        .tokens("Allow")
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(allow, ["INVITE", "ACK", "CANCEL", "BYE"]);
    assert!(h.has_token(HeaderName::Require, "100rel"));
    assert_eq!(h.tokens("k").unwrap().len(), 2);
    assert!(h.has_token("Unsupported", "foo") && h.has_token("Proxy-Require", "bar"));
    assert!(headers("Allow: IN VITE\r\n").tokens("Allow").is_err());
}

#[test]
fn content_type_gives_type_subtype_and_boundary() {
    let h = headers("Content-Type: multipart/mixed ; boundary=\"unique-boundary-1\"\r\n");
    let ct = h.content_type().unwrap();
    assert!(ct.is_multipart() && ct.is("Multipart", "MIXED"));
    assert_eq!(ct.boundary().unwrap(), "unique-boundary-1");
    assert!(sb_sip::MediaType::parse("application").is_err());
}

#[test]
fn event_refer_to_and_subscription_state_parse() {
    let h = headers(
        "o: dialog;id=42\r\nr: <sip:carol@example.com?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>\r\nb: <sip:alice@example.com>\r\nSubscription-State: active;expires=599\r\n",
    );
    let event = h.event().unwrap();
    assert_eq!(
        (event.value.as_ref(), event.params.get("id")),
        ("dialog", Some("42"))
    );
    let refer_to = h.refer_to().unwrap();
    assert!(
        refer_to
            .uri
            .as_sip()
            .unwrap()
            .headers
            .get("Replaces")
            .unwrap()
            .starts_with("12345%40")
    );
    assert_eq!(
        h.referred_by().unwrap().uri.to_string(),
        "sip:alice@example.com"
    );
    assert_eq!(
        h.subscription_state().unwrap().params.get("expires"),
        Some("599")
    );
}

#[test]
fn replaces_session_expires_and_rack_parse() {
    let h = headers(
        "Replaces: 98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff;early-only\r\nx: 1800;refresher=uas\r\nRAck: 776656 1 INVITE\r\n",
    );
    let r = h.replaces().unwrap();
    assert_eq!(
        (r.call_id.as_ref(), r.to_tag(), r.from_tag(), r.early_only()),
        ("98732@sip.example.com", "ff87ff", "r33th4x0r", true)
    );
    let se = h.session_expires().unwrap();
    assert_eq!((se.delta, se.refresher()), (1800, Some("uas")));
    let rack = h.rack().unwrap();
    assert_eq!(
        (rack.rseq, rack.cseq, rack.method.as_str()),
        (776656, 1, "INVITE")
    );
    assert!(sb_sip::Replaces::parse("abc;to-tag=1").is_err());
}

#[test]
fn unknown_headers_are_kept_in_order_with_their_text() {
    let h = headers(
        "X-Custom:   value with  spaces \r\nP-Asserted-Identity: <sip:+15551234@example.com>, <tel:+15551234>\r\n",
    );
    assert_eq!(h.get("x-custom"), Some("value with  spaces"));
    assert_eq!(h.name_addrs("P-Asserted-Identity").unwrap().len(), 2);
    let names: Vec<&str> = h.iter().map(|x| x.name().as_str()).collect();
    assert_eq!(
        names[6..9],
        ["X-Custom", "P-Asserted-Identity", "Content-Length"]
    );
}

#[test]
fn edits_add_replace_and_remove_fields() {
    let mut h = headers("Route: <sip:p1;lr>, <sip:p2;lr>\r\n");
    h.push_front("Via", "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKnew");
    assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bKnew"));
    h.remove_first_value("Via").unwrap();
    assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bK776"));
    h.remove_first_value("Route").unwrap();
    assert_eq!(h.routes().unwrap().len(), 1);
    h.set("Max-Forwards", 69);
    assert_eq!(h.max_forwards().unwrap(), 69);
    assert_eq!(h.remove("route"), 1);
    assert!(!h.contains("Route"));
    h.push("Supported", "timer");
    assert_eq!(h.iter().last().unwrap().name(), &HeaderName::Supported);
}

#[test]
fn duplicate_single_valued_header_is_an_error_for_its_accessor() {
    let mut h = headers("");
    h.push("Expires", 10);
    h.push("Expires", 20);
    assert_eq!(
        h.expires(),
        Err(Error::DuplicateHeader {
            name: HeaderName::Expires
        })
    );
}

#[test]
fn status_codes_know_their_reason_and_class() {
    assert_eq!(StatusCode::new(486).unwrap().reason(), "Busy Here");
    assert_eq!(StatusCode::new(499).unwrap().reason(), "Client Error");
    assert!(StatusCode::new(700).is_none() && StatusCode::new(99).is_none());
    assert!(StatusCode::RINGING.is_provisional() && StatusCode::OK.is_final());
}

#[test]
fn methods_are_case_sensitive_with_extensions() {
    assert_eq!(
        "INVITE".parse::<sb_sip::Method>().unwrap(),
        sb_sip::Method::Invite
    );
    let ext: sb_sip::Method = "invite".parse().unwrap();
    assert!(matches!(ext, sb_sip::Method::Extension(_)));
    assert_eq!(ext.as_str(), "invite");
    assert!("IN VITE".parse::<sb_sip::Method>().is_err());
}

#[test]
fn line_breaks_in_a_set_value_cannot_inject_a_header() {
    let mut h = headers("");
    h.set("Subject", "hello\r\nVia: SIP/2.0/UDP evil.example.com");
    assert_eq!(h.count("Via"), 1);
    let mut out = Vec::new();
    let mut r = sb_sip::Request::new(
        sb_sip::Method::Options,
        sb_sip::Uri::parse("sip:a@b").unwrap(),
    );
    *r.headers_mut() = h;
    r.encode(&mut out);
    let reparsed = sb_sip::parse(out).unwrap();
    assert_eq!(reparsed.headers().count("Via"), 1);
    assert_eq!(
        reparsed.headers().get("Subject"),
        Some("hello  Via: SIP/2.0/UDP evil.example.com")
    );
}
