//! `compile` reports every problem, each with its block id, field path and class.

mod common;

use common::*;
use sb_flow::{Diagnostic, DiagnosticKind as K};
use serde_json::json;

fn kinds(d: &[Diagnostic]) -> Vec<(Option<&str>, &str, K)> {
    d.iter()
        .map(|d| (d.block.as_deref(), d.path.as_str(), d.kind))
        .collect()
}

/// A valid one-block document with `block` replacing the first block's fields.
fn with_block(block: serde_json::Value) -> serde_json::Value {
    json!({ "start": "b", "blocks": [block, { "id": "z", "type": "end" }] })
}

fn only(block: serde_json::Value) -> Vec<(Option<String>, String, K)> {
    let d = diagnostics(with_block(block));
    d.into_iter().map(|d| (d.block, d.path, d.kind)).collect()
}

fn one(block: &str, path: &str, kind: K) -> Vec<(Option<String>, String, K)> {
    vec![(Some(block.to_owned()), path.to_owned(), kind)]
}

#[test]
fn an_empty_document_is_rejected() {
    let d = diagnostics(json!({ "start": "a", "blocks": [] }));
    assert_eq!(kinds(&d), [(None, "/blocks", K::BadDocument)]);
}

#[test]
fn duplicate_ids_and_unknown_start_are_reported() {
    let d = diagnostics(json!({ "start": "nope", "blocks": [
        { "id": "a", "type": "end" }, { "id": "a", "type": "end" } ] }));
    assert_eq!(
        kinds(&d),
        [
            (Some("a"), "/blocks/1/id", K::DuplicateBlock),
            (None, "/start", K::UnknownStart)
        ]
    );
}

#[test]
fn unknown_block_type_names_the_block() {
    let d = only(json!({ "id": "b", "type": "teleport", "transitions": { "success": "z" } }));
    assert_eq!(d, one("b", "/blocks/0/type", K::UnknownBlockType));
}

#[test]
fn bad_params_report_the_serde_reason() {
    let d = diagnostics(with_block(
        json!({ "id": "b", "type": "play", "params": { "sya": {} }, "transitions": { "success": "z" } }),
    ));
    assert_eq!(kinds(&d), [(Some("b"), "/blocks/0/params", K::BadParams)]);
    assert!(d[0].message.contains("sya"), "{}", d[0].message);
}

#[test]
fn unknown_targets_in_transitions_and_handlers_are_reported() {
    let d = only(
        json!({ "id": "b", "type": "play", "params": { "say": { "text": "x" } },
        "transitions": { "success": "nowhere" }, "on": { "hangup": "gone" } }),
    );
    assert_eq!(d.len(), 3, "{d:?}");
    assert!(d.contains(&(
        Some("b".into()),
        "/blocks/0/transitions/success".into(),
        K::UnknownTarget
    )));
    assert!(d.contains(&(
        Some("b".into()),
        "/blocks/0/on/hangup".into(),
        K::UnknownTarget
    )));
    assert!(d.contains(&(Some("z".into()), "/blocks/1".into(), K::Unreachable)));
}

#[test]
fn transition_names_the_block_type_never_takes_are_reported() {
    let d = only(
        json!({ "id": "b", "type": "play", "params": { "say": { "text": "x" } },
        "transitions": { "success": "z", "sucess": "z" } }),
    );
    assert_eq!(
        d,
        one(
            "b",
            "/blocks/0/transitions/sucess",
            K::UnknownTransitionName
        )
    );
}

#[test]
fn missing_required_transitions_are_reported() {
    let d = only(json!({ "id": "b", "type": "check_hours",
        "params": { "time_zone": "UTC", "weekly": [] }, "transitions": { "open": "z" } }));
    assert_eq!(d, one("b", "/blocks/0/transitions", K::MissingTransition));
    let d = only(
        json!({ "id": "b", "type": "menu", "transitions": { "no_input": "z", "no_match": "z" } }),
    );
    assert_eq!(d, one("b", "/blocks/0/transitions", K::MissingTransition));
    let d = only(
        json!({ "id": "b", "type": "enqueue", "params": { "queue": "support", "max_wait_secs": 5 } ,
        "transitions": { "answered": "z" } }),
    );
    assert_eq!(d, one("b", "/blocks/0/transitions", K::MissingTransition));
}

#[test]
fn unreachable_blocks_are_reported() {
    let d = diagnostics(json!({ "start": "a", "blocks": [
        { "id": "a", "type": "end" }, { "id": "island", "type": "end" } ] }));
    assert_eq!(kinds(&d), [(Some("island"), "/blocks/1", K::Unreachable)]);
}

#[test]
fn bad_rhai_expressions_are_compiled_and_reported() {
    let d = only(
        json!({ "id": "b", "type": "set_attributes", "params": { "set": [
        { "name": "ok", "value": "1" }, { "name": "bad", "value": "1 +" }, { "name": "who", "value": "nobody" } ] },
        "transitions": { "success": "z" } }),
    );
    assert_eq!(
        d,
        [
            (
                Some("b".into()),
                "/blocks/0/params/set/1/value".into(),
                K::BadExpression
            ),
            (
                Some("b".into()),
                "/blocks/0/params/set/2/value".into(),
                K::BadExpression
            ),
        ]
    );
}

#[test]
fn bad_templates_are_reported() {
    let d = only(
        json!({ "id": "b", "type": "play", "params": { "say": { "text": "{{ attrs.x " } },
        "transitions": { "success": "z" } }),
    );
    assert_eq!(d, one("b", "/blocks/0/params/say/text", K::BadTemplate));
    let d = only(
        json!({ "id": "b", "type": "play", "params": { "say": { "text": "{{ 'a' * 9 }}" } },
        "transitions": { "success": "z" } }),
    );
    assert_eq!(d, one("b", "/blocks/0/params/say/text", K::BadTemplate));
}

#[test]
fn unknown_catalog_names_are_reported() {
    let d = only(
        json!({ "id": "b", "type": "enqueue", "params": { "queue": "billing", "skills": ["english", "klingon"],
        "treatment": { "music_on_hold": "jazz" } }, "transitions": { "answered": "z" } }),
    );
    assert_eq!(
        d,
        [
            (
                Some("b".into()),
                "/blocks/0/params/queue".into(),
                K::UnknownQueue
            ),
            (
                Some("b".into()),
                "/blocks/0/params/skills/1".into(),
                K::UnknownSkill
            ),
            (
                Some("b".into()),
                "/blocks/0/params/treatment/music_on_hold".into(),
                K::UnknownPrompt
            ),
        ]
    );
    let d = only(
        json!({ "id": "b", "type": "transfer", "params": { "to": { "agent": "bob" } }, "transitions": { "success": "z" } }),
    );
    assert_eq!(d, one("b", "/blocks/0/params/to/agent", K::UnknownAgent));
    let d = only(
        json!({ "id": "b", "type": "play", "params": { "say": { "prompt": "nope" } }, "transitions": { "success": "z" } }),
    );
    assert_eq!(d, one("b", "/blocks/0/params/say/prompt", K::UnknownPrompt));
}

#[test]
fn bad_hours_are_reported() {
    let d = only(json!({ "id": "b", "type": "check_hours", "params": {
        "time_zone": "Europe/Atlantis",
        "weekly": [{ "days": ["mon"], "open": "18:00", "close": "09:00" }, { "days": ["tue"], "open": "9h", "close": "10:00" }],
        "holidays": ["2026-02-30"] },
        "transitions": { "open": "z", "closed": "z" } }));
    assert_eq!(
        d,
        [
            (
                Some("b".into()),
                "/blocks/0/params/time_zone".into(),
                K::UnknownTimeZone
            ),
            (
                Some("b".into()),
                "/blocks/0/params/weekly/0".into(),
                K::BadSchedule
            ),
            (
                Some("b".into()),
                "/blocks/0/params/weekly/1".into(),
                K::BadSchedule
            ),
            (
                Some("b".into()),
                "/blocks/0/params/holidays/0".into(),
                K::BadSchedule
            ),
        ]
    );
}

#[test]
fn block_specific_parameter_checks_are_reported() {
    let d = only(
        json!({ "id": "b", "type": "distribute", "params": { "weights": { "a": 50, "b2": 40 } },
        "transitions": { "a": "z", "b2": "z" } }),
    );
    assert_eq!(d, one("b", "/blocks/0/params/weights", K::BadParams));
    let d = only(
        json!({ "id": "b", "type": "collect", "params": { "into": "x", "max_digits": 0, "terminator": "x" },
        "transitions": { "success": "z", "no_input": "z" } }),
    );
    assert_eq!(
        d,
        [
            (
                Some("b".into()),
                "/blocks/0/params/max_digits".into(),
                K::BadParams
            ),
            (
                Some("b".into()),
                "/blocks/0/params/terminator".into(),
                K::BadParams
            ),
        ]
    );
    let d = only(
        json!({ "id": "b", "type": "http", "params": { "method": "BREW", "url": "https://x", "map": { "a": "name" } },
        "transitions": { "success": "z" } }),
    );
    assert_eq!(
        d,
        [
            (
                Some("b".into()),
                "/blocks/0/params/method".into(),
                K::BadParams
            ),
            (
                Some("b".into()),
                "/blocks/0/params/map/a".into(),
                K::BadParams
            ),
        ]
    );
}

#[test]
fn every_problem_of_a_document_is_reported_at_once() {
    let d = diagnostics(json!({ "start": "a", "blocks": [
        { "id": "a", "type": "play", "params": { "say": { "prompt": "missing" } }, "transitions": { "success": "b" } },
        { "id": "b", "type": "warp" },
        { "id": "c", "type": "branch", "params": { "cases": [{ "when": "(", "then": "x" }] }, "transitions": { "default": "a" } },
        { "id": "d", "type": "enqueue", "params": { "queue": "nope" }, "transitions": { "answered": "void" } }
    ] }));
    let got: Vec<(&str, K)> = d
        .iter()
        .map(|d| (d.block.as_deref().unwrap_or(""), d.kind))
        .collect();
    for expected in [
        ("a", K::UnknownPrompt),
        ("b", K::UnknownBlockType),
        ("c", K::MissingTransition),
        ("c", K::BadExpression),
        ("d", K::UnknownTarget),
        ("d", K::UnknownQueue),
        ("c", K::Unreachable),
        ("d", K::Unreachable),
    ] {
        assert!(got.contains(&expected), "{expected:?} missing from {got:?}");
    }
    assert_eq!(got.len(), 8, "{got:?}");
    assert!(
        d.iter()
            .all(|d| !d.message.is_empty() && d.to_string().contains(&d.path))
    );
}

#[test]
fn deeply_nested_sources_are_refused_not_overflowing() {
    let deep_expr = format!("{}1{}", "(".repeat(1500), ")".repeat(1500));
    let deep_tpl = format!("{{{{ {}1{} }}}}", "(".repeat(1500), ")".repeat(1500));
    let d = only(
        json!({ "id": "b", "type": "set_attributes", "params": { "set": [{ "name": "x", "value": deep_expr }] },
        "transitions": { "success": "z" } }),
    );
    assert_eq!(
        d,
        one("b", "/blocks/0/params/set/0/value", K::BadExpression)
    );
    let d = only(
        json!({ "id": "b", "type": "play", "params": { "say": { "text": deep_tpl } },
        "transitions": { "success": "z" } }),
    );
    assert_eq!(d, one("b", "/blocks/0/params/say/text", K::BadTemplate));
}

#[test]
fn documents_round_trip_through_json() {
    let doc: sb_flow::Document = serde_json::from_value(json!({ "version": 2, "name": "n", "start": "b", "blocks": [
        { "id": "b", "type": "play", "params": { "say": { "text": "x" } }, "transitions": { "success": "z" },
          "on": { "hangup": "z" } },
        { "id": "z", "type": "end" } ] })).expect("document");
    assert_eq!(sb_flow::Document::from_json(&doc.to_json()), Ok(doc));
    assert!(sb_flow::Document::from_json("{\"start\": 1}").is_err());
}

#[test]
fn malformed_json_is_one_bad_document_diagnostic_with_its_position() {
    let Err(d) = sb_flow::compile_json("{\"start\": \"a\",\n \"blocks\": [}", &catalog()) else {
        panic!("compiled");
    };
    assert_eq!(kinds(&d), [(None, "", K::BadDocument)]);
    assert!(d[0].message.contains("line 2"), "{}", d[0].message);
    let d = only(json!({ "id": "b", "type": "send_message",
        "params": { "channel": "email", "to": "a@b.c", "body": "x", "from": "Sales <sales@x.example>" },
        "transitions": { "success": "z" } }));
    assert_eq!(d, one("b", "/blocks/0/params/from", K::BadParams));
    let d = only(json!({ "id": "b", "type": "send_message",
        "params": { "channel": "sms", "to": "+1555", "body": "x", "from": "sales@x.example" },
        "transitions": { "success": "z" } }));
    assert_eq!(d, one("b", "/blocks/0/params/from", K::BadParams));
}
