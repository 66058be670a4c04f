use std::time::Duration;

use sb_types::Timestamp;

use super::*;

const AOR: &str = "sip:1001@pbx.example.com";

fn at(secs: i64) -> Timestamp {
    Timestamp::from_secs(1_000 + secs)
}

fn contact(uri: &str, expires: Option<u32>, q: Option<&str>) -> ContactParam {
    ContactParam {
        uri: uri.into(),
        expires,
        q: q.map(|q| Q::parse(q).unwrap()),
    }
}

fn register(
    call_id: &str,
    cseq: u32,
    expires: Option<u32>,
    contacts: Vec<ContactParam>,
) -> Register {
    Register {
        aor: AOR.into(),
        call_id: call_id.into(),
        cseq,
        expires,
        contacts,
        path: vec![],
        source: Some("udp:192.0.2.7:5060".into()),
    }
}

fn registrar() -> Registrar {
    Registrar::new(RegistrarConfig::default())
}

fn events(r: &mut Registrar) -> Vec<RegistrarEvent> {
    std::iter::from_fn(|| r.poll_event()).collect()
}

#[test]
fn contact_expires_parameter_wins_over_the_expires_header() {
    let mut r = registrar();
    let got = r.handle_register(
        at(0),
        &register("c", 1, Some(600), vec![contact("sip:a@h", Some(120), None)]),
    );
    assert_eq!(got.unwrap()[0].expires_in(at(0)), 120);
    let got = r.handle_register(
        at(0),
        &register("c", 2, Some(600), vec![contact("sip:a@h", None, None)]),
    );
    assert_eq!(got.unwrap()[0].expires_in(at(0)), 600);
}

#[test]
fn missing_expiry_gets_the_default_and_long_ones_are_shortened_to_the_maximum() {
    let mut r = registrar();
    let got = r
        .handle_register(
            at(0),
            &register("c", 1, None, vec![contact("sip:a@h", None, None)]),
        )
        .unwrap();
    assert_eq!(got[0].expires_in(at(0)), 3600);
    let got = r.handle_register(
        at(0),
        &register("c", 2, Some(86_400), vec![contact("sip:a@h", None, None)]),
    );
    assert_eq!(got.unwrap()[0].expires_in(at(0)), 3600);
}

#[test]
fn expiry_below_the_minimum_is_423_with_min_expires_and_changes_nothing() {
    let mut r = registrar();
    r.handle_register(
        at(0),
        &register("c", 1, None, vec![contact("sip:a@h", None, None)]),
    )
    .unwrap();
    events(&mut r);
    let req = register(
        "c",
        2,
        None,
        vec![
            contact("sip:b@h", Some(3600), None),
            contact("sip:a@h", Some(30), None),
        ],
    );
    let err = r.handle_register(at(1), &req).unwrap_err();
    assert_eq!(err, Error::IntervalTooBrief { min_expires: 60 });
    assert_eq!(err.status(), 423);
    assert_eq!(
        r.lookup(at(1), AOR).len(),
        1,
        "the valid first contact was not added either"
    );
    assert!(events(&mut r).is_empty());
}

#[test]
fn several_contacts_are_returned_best_q_first() {
    let mut r = registrar();
    let req = register(
        "c",
        1,
        Some(300),
        vec![
            contact("sip:low@h", None, Some("0.1")),
            contact("sip:none@h", None, None),
            contact("sip:mid@h", None, Some("0.5")),
        ],
    );
    let got: Vec<String> = r
        .handle_register(at(0), &req)
        .unwrap()
        .into_iter()
        .map(|b| b.contact)
        .collect();
    assert_eq!(got, ["sip:none@h", "sip:mid@h", "sip:low@h"]);
}

#[test]
fn expires_zero_removes_one_contact_and_keeps_the_others() {
    let mut r = registrar();
    let both = vec![
        contact("sip:a@h", None, None),
        contact("sip:b@h", None, None),
    ];
    r.handle_register(at(0), &register("c", 1, Some(300), both))
        .unwrap();
    let got = r.handle_register(
        at(1),
        &register("c", 2, Some(0), vec![contact("sip:a@h", None, None)]),
    );
    assert_eq!(
        got.unwrap()
            .iter()
            .map(|b| b.contact.as_str())
            .collect::<Vec<_>>(),
        ["sip:b@h"]
    );
    let removed = events(&mut r)
        .into_iter()
        .filter(|e| matches!(e, RegistrarEvent::Unbound { .. }))
        .count();
    assert_eq!(removed, 1);
}

#[test]
fn wildcard_with_expires_zero_removes_every_binding() {
    let mut r = registrar();
    let both = vec![
        contact("sip:a@h", None, None),
        contact("sip:b@h", None, None),
    ];
    r.handle_register(at(0), &register("c", 1, Some(300), both))
        .unwrap();
    events(&mut r);
    let got = r
        .handle_register(
            at(1),
            &register("c", 2, Some(0), vec![contact("*", None, None)]),
        )
        .unwrap();
    assert!(got.is_empty());
    assert_eq!(events(&mut r).len(), 2);
    assert_eq!(r.poll_timeout(), None);
}

#[test]
fn wildcard_needs_expires_zero_and_to_be_alone() {
    let mut r = registrar();
    let star = || contact("*", None, None);
    for req in [
        register("c", 1, None, vec![star()]),
        register("c", 1, Some(60), vec![star()]),
        register(
            "c",
            1,
            Some(0),
            vec![star(), contact("sip:a@h", None, None)],
        ),
    ] {
        assert_eq!(r.handle_register(at(0), &req), Err(Error::InvalidWildcard));
    }
}

#[test]
fn same_call_id_with_a_cseq_not_above_the_stored_one_is_refused() {
    let mut r = registrar();
    r.handle_register(
        at(0),
        &register("c", 5, Some(300), vec![contact("sip:a@h", None, None)]),
    )
    .unwrap();
    for cseq in [4, 5] {
        let err = r.handle_register(
            at(1),
            &register("c", cseq, Some(0), vec![contact("sip:a@h", None, None)]),
        );
        assert_eq!(err, Err(Error::OutOfOrder { cseq, stored: 5 }));
    }
    let wildcard = register("c", 5, Some(0), vec![contact("*", None, None)]);
    assert!(matches!(
        r.handle_register(at(1), &wildcard),
        Err(Error::OutOfOrder { .. })
    ));
    assert_eq!(r.lookup(at(1), AOR).len(), 1);
}

#[test]
fn a_new_call_id_replaces_the_binding_whatever_its_cseq() {
    let mut r = registrar();
    r.handle_register(
        at(0),
        &register(
            "before-reboot",
            90,
            Some(300),
            vec![contact("sip:a@h", None, None)],
        ),
    )
    .unwrap();
    let got = r.handle_register(
        at(1),
        &register(
            "after-reboot",
            1,
            Some(600),
            vec![contact("sip:a@h", None, None)],
        ),
    );
    let got = got.unwrap();
    assert_eq!(
        (got.len(), got[0].call_id.as_str(), got[0].cseq),
        (1, "after-reboot", 1)
    );
}

#[test]
fn path_and_source_are_stored_with_the_binding() {
    let mut r = registrar();
    let mut req = register("c", 1, Some(300), vec![contact("sip:a@h", None, None)]);
    req.path = vec!["<sip:edge1.example.com;lr>".into()];
    let b = r.handle_register(at(0), &req).unwrap().remove(0);
    assert_eq!(b.path, req.path);
    assert_eq!(b.source.as_deref(), Some("udp:192.0.2.7:5060"));
}

#[test]
fn query_without_contacts_lists_the_bindings_and_changes_nothing() {
    let mut r = registrar();
    r.handle_register(
        at(0),
        &register("c", 1, Some(300), vec![contact("sip:a@h", None, None)]),
    )
    .unwrap();
    events(&mut r);
    let got = r
        .handle_register(at(100), &register("q", 1, None, vec![]))
        .unwrap();
    assert_eq!(got[0].expires_in(at(100)), 200);
    assert!(events(&mut r).is_empty());
}

#[test]
fn bindings_lapse_at_their_deadline_with_an_expired_event() {
    let mut r = registrar();
    r.handle_register(
        at(0),
        &register("c", 1, Some(60), vec![contact("sip:a@h", None, None)]),
    )
    .unwrap();
    r.handle_register(
        at(0),
        &register("c", 2, Some(120), vec![contact("sip:b@h", None, None)]),
    )
    .unwrap();
    events(&mut r);
    assert_eq!(r.poll_timeout(), Some(at(60)));
    r.handle_timeout(at(59));
    assert_eq!(r.lookup(at(59), AOR).len(), 2);
    r.handle_timeout(at(60));
    let ev = events(&mut r);
    assert!(
        matches!(&ev[..], [RegistrarEvent::Unbound { binding, reason: Removal::Expired }] if binding.contact == "sip:a@h")
    );
    assert_eq!(r.poll_timeout(), Some(at(120)));
}

#[test]
fn too_many_contacts_are_refused() {
    let mut r = Registrar::new(RegistrarConfig {
        max_contacts: 2,
        ..RegistrarConfig::default()
    });
    let three = (0..3)
        .map(|i| contact(&format!("sip:{i}@h"), None, None))
        .collect();
    let err = r
        .handle_register(at(0), &register("c", 1, Some(300), three))
        .unwrap_err();
    assert_eq!(
        (err.clone(), err.status()),
        (Error::TooManyContacts { max: 2 }, 403)
    );
}

#[test]
fn bindings_survive_a_restart_through_serde() {
    let mut r = registrar();
    r.handle_register(
        at(0),
        &register(
            "c",
            1,
            Some(300),
            vec![contact("sip:a@h", None, Some("0.7"))],
        ),
    )
    .unwrap();
    let saved = serde_json::to_string(&r.bindings().collect::<Vec<_>>()).unwrap();
    let loaded: Vec<Binding> = serde_json::from_str(&saved).unwrap();
    let mut back = Registrar::restore(RegistrarConfig::default(), loaded);
    assert_eq!(back.lookup(at(10), AOR), r.lookup(at(10), AOR));
    assert_eq!(back.poll_timeout(), Some(at(300)));
    back.handle_timeout(at(300));
    assert!(back.lookup(at(300), AOR).is_empty());
}

#[test]
fn q_values_parse_with_up_to_three_decimals() {
    assert_eq!(Q::parse("1").map(Q::thousandths), Ok(1000));
    assert_eq!(Q::parse("0.5").map(Q::thousandths), Ok(500));
    assert_eq!(Q::parse("0.123").map(Q::thousandths), Ok(123));
    assert_eq!(Q::parse("1.000").map(Q::thousandths), Ok(1000));
    for bad in ["1.5", "2", "0.1234", "", ".5", "0.x", "-0"] {
        assert!(Q::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(Q::parse("0.25").unwrap().to_string(), "0.250");
    assert!(serde_json::from_str::<Q>("1001").is_err());
}

#[test]
fn expires_in_rounds_up_and_never_underflows() {
    let b = Binding {
        aor: AOR.into(),
        contact: "sip:a@h".into(),
        call_id: "c".into(),
        cseq: 1,
        expires_at: at(10),
        q: None,
        path: vec![],
        source: None,
    };
    assert_eq!(b.expires_in(at(10) - Duration::from_millis(1)), 1);
    assert_eq!(b.expires_in(at(11)), 0);
}

#[test]
fn removing_an_aor_unbinds_all_its_contacts_and_their_deadlines() {
    let mut r = registrar();
    let both = vec![
        contact("sip:a@h", None, None),
        contact("sip:b@h", None, None),
    ];
    r.handle_register(at(0), &register("c", 1, Some(300), both))
        .unwrap();
    events(&mut r);
    r.remove_aor(AOR);
    assert!(r.lookup(at(1), AOR).is_empty());
    assert_eq!(r.poll_timeout(), None);
    assert_eq!(events(&mut r).len(), 2);
}
