//! `switchboard flow check|test` and `switchboard simulate`: the admins' tools for testing a
//! routing change before publishing it.
#![allow(clippy::unwrap_used)]

mod common;

use common::{data_dir, run, text};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../examples");

#[test]
fn flow_test_runs_the_example_cases_and_prints_the_path() {
    let (_tmp, data) = data_dir();
    let flow = format!("{EXAMPLES}/flows/demo-inbound.json");
    let cases = format!("{EXAMPLES}/flows/demo-inbound.cases.yaml");
    let out = run(&data, &["flow", "test", &flow, "--script", &cases]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(
        stdout.contains("hours") && stdout.contains("menu"),
        "{stdout}"
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

#[test]
fn flow_check_lists_every_problem_and_exits_2() {
    let (tmp, data) = data_dir();
    let flow = format!("{EXAMPLES}/flows/demo-inbound.json");
    let cases = format!("{EXAMPLES}/flows/demo-inbound.cases.yaml");
    assert_eq!(
        run(&data, &["flow", "check", &flow, "--catalog", &cases])
            .status
            .code(),
        Some(0)
    );
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, r#"{"start": "a", "blocks": [{"id": "a", "type": "play", "params": {"say": {"text": "hi"}}, "transitions": {"success": "nowhere"}}, {"id": "b", "type": "teleport"}]}"#).unwrap();
    let out = run(&data, &["flow", "check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("nowhere") && err.contains("teleport"), "{err}");
}

#[test]
fn flow_check_against_a_tenant_uses_its_queues() {
    let (tmp, data) = data_dir();
    assert_eq!(
        run(&data, &["import", &format!("{EXAMPLES}/demo.yaml")])
            .status
            .code(),
        Some(0)
    );
    let flow = tmp.path().join("f.json");
    std::fs::write(&flow, r#"{"start": "q", "blocks": [{"id": "q", "type": "enqueue", "params": {"queue": "support"}}]}"#).unwrap();
    let out = run(
        &data,
        &["flow", "check", flow.to_str().unwrap(), "--tenant", "demo"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&data, &["flow", "check", flow.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "without the tenant, `support` is unknown"
    );
}

#[test]
fn simulate_reports_service_level_asa_abandonment_and_occupancy() {
    let (_tmp, data) = data_dir();
    let out = run(
        &data,
        &[
            "simulate",
            &format!("{EXAMPLES}/simulate.yaml"),
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["service_level", "asa_secs", "abandonment_rate", "occupancy"] {
        assert!(report["total"][key].is_number(), "{key}: {report}");
    }
    let sl = report["total"]["service_level"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&sl));
}
