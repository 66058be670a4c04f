//! URI forms: sip/sips, userinfo, IPv4/IPv6/domain hosts, ports, parameters, headers,
//! escapes, tel: and other schemes.

#![allow(clippy::unwrap_used)] // a panic is the failure report

use sb_sip::{Host, SipUri, Uri};

fn sip(s: &str) -> SipUri {
    match Uri::parse(s).unwrap() {
        Uri::Sip(u) => u,
        other => panic!("not a SIP URI: {other:?}"),
    }
}

#[test]
fn sip_uri_with_every_part_is_split_into_its_fields() {
    let u = sip(
        "sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent",
    );
    assert!(u.secure);
    assert_eq!(u.user.as_deref(), Some("alice"));
    assert_eq!(u.password.as_deref(), Some("secret"));
    assert_eq!(u.host, Host::Domain("atlanta.example.com".into()));
    assert_eq!(u.port, Some(5061));
    assert_eq!(u.transport().as_deref(), Some("tcp"));
    assert!(u.is_loose_route());
    assert_eq!(u.headers.get("subject"), Some("project%20x"));
    assert_eq!(u.headers.get("priority"), Some("urgent"));
}

#[test]
fn uri_prints_back_canonically_in_the_same_form() {
    for text in [
        "sip:alice@atlanta.example.com",
        "sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=x&priority=urgent",
        "sip:192.0.2.1:5060;maddr=239.255.255.1;ttl=15",
        "sip:[2001:db8::10]:5070",
        "sip:+12125551212@gateway.example.com;user=phone",
        "tel:+1-201-555-0123;phone-context=example.com",
        "mailto:someone@example.com",
    ] {
        assert_eq!(Uri::parse(text).unwrap().to_string(), text);
    }
}

#[test]
fn ipv6_reference_host_takes_the_port_outside_the_brackets() {
    let u = sip("sip:user@[2001:db8::10]:5070");
    assert_eq!(u.host, Host::Ipv6("2001:db8::10".parse().unwrap()));
    assert_eq!(u.port, Some(5070));
    let ambiguous = sip("sip:[2001:db8::10:5070]");
    assert_eq!(ambiguous.port, None);
}

#[test]
fn ipv6_without_brackets_or_with_three_colons_is_rejected() {
    assert!(Uri::parse("sip:2001:db8::10").is_err());
    assert!(Uri::parse("sip:user@[2001:db8:::192.0.2.1]").is_err());
    assert!(Uri::parse("sip:user@[2001:db8::192.0.2.1]").is_ok());
}

#[test]
fn ipv4_host_is_typed_and_domain_is_kept_as_text() {
    assert_eq!(
        sip("sip:192.0.2.4").host,
        Host::Ipv4("192.0.2.4".parse().unwrap())
    );
    assert_eq!(
        sip("sip:Example.COM").host,
        Host::Domain("Example.COM".into())
    );
}

#[test]
fn escaped_user_is_kept_raw_and_decoded_on_demand() {
    let u = sip("sip:%75se%72@example.com");
    assert_eq!(u.user.as_deref(), Some("%75se%72"));
    assert_eq!(u.user_decoded().unwrap(), b"user");
    let null = sip("sip:null-%00-null@example.com");
    assert_eq!(null.user_decoded().unwrap(), b"null-\0-null");
}

#[test]
fn malformed_escape_or_space_in_uri_is_rejected() {
    assert!(Uri::parse("sip:us%4@example.com").is_err());
    assert!(Uri::parse("sip:us er@example.com").is_err());
    assert!(Uri::parse("sip:user@exa mple.com").is_err());
    assert!(Uri::parse("sip:user@example.com:99999").is_err());
    assert!(Uri::parse("sip:user@example.com;=x").is_err());
    assert!(Uri::parse("<sip:user@example.com>").is_err());
    assert!(Uri::parse("sip:").is_err());
    assert!(Uri::parse("1sip:x").is_err());
}

#[test]
fn user_part_may_hold_semicolons_and_question_marks() {
    let u = sip("sip:user;par=u%40example.net@example.com");
    assert_eq!(u.user.as_deref(), Some("user;par=u%40example.net"));
    assert!(u.params.is_empty());
}

#[test]
fn equivalent_uris_follow_rfc3261_comparison_rules() {
    let eq = |a: &str, b: &str| Uri::parse(a).unwrap().equivalent(&Uri::parse(b).unwrap());
    assert!(eq(
        "sip:%61lice@atlanta.com;transport=TCP",
        "sip:alice@AtLanTa.CoM;Transport=tcp"
    ));
    assert!(eq(
        "sip:carol@chicago.com",
        "sip:carol@chicago.com;newparam=5"
    ));
    assert!(eq(
        "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
        "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"
    ));
    assert!(!eq(
        "SIP:ALICE@AtLanTa.CoM;Transport=udp",
        "sip:alice@AtLanTa.CoM;Transport=UDP"
    ));
    assert!(!eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
    assert!(!eq(
        "sip:bob@biloxi.com",
        "sip:bob@biloxi.com;transport=udp"
    ));
    assert!(!eq(
        "sip:carol@chicago.com;security=on",
        "sip:carol@chicago.com;security=off"
    ));
    assert!(!eq(
        "sip:carol@chicago.com",
        "sip:carol@chicago.com?Subject=next%20meeting"
    ));
}

#[test]
fn tel_uri_exposes_number_digits_and_parameters() {
    let Uri::Tel(t) = Uri::parse("tel:+1-201-555-0123;ext=1234").unwrap() else {
        panic!()
    };
    assert!(t.is_global());
    assert_eq!(t.digits(), "+12015550123");
    assert_eq!(t.params.get("ext"), Some("1234"));
    let Uri::Tel(local) = Uri::parse("tel:7042;phone-context=example.com").unwrap() else {
        panic!()
    };
    assert!(!local.is_global());
    assert!(Uri::parse("tel:").is_err());
    assert!(Uri::parse("tel:12 34").is_err());
}

#[test]
fn unknown_scheme_is_kept_opaque() {
    let uri = Uri::parse("soap.beep://192.0.2.103:3002").unwrap();
    assert_eq!(uri.scheme(), "soap.beep");
    assert!(matches!(uri, Uri::Other(_)));
    assert_eq!(uri.to_string(), "soap.beep://192.0.2.103:3002");
}

#[test]
fn scheme_is_case_insensitive() {
    assert!(sip("SIP:alice@example.com").user.is_some());
    assert!(sip("SiPs:alice@example.com").secure);
}

#[test]
fn built_uri_prints_with_brackets_for_ipv6() {
    let mut u = SipUri::new(Host::Ipv6("::1".parse().unwrap()));
    u.user = Some("agent".into());
    u.port = Some(5080);
    u.params.set("transport", Some("ws"));
    assert_eq!(u.to_string(), "sip:agent@[::1]:5080;transport=ws");
}
