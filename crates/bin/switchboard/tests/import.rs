//! `switchboard import` / `export`: validated, idempotent, atomic even under `kill -9`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{cmd, data_dir, run, text};
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../examples/demo.yaml");

fn import(data: &Path, file: &str) -> std::process::Output {
    run(data, &["import", file])
}

#[test]
fn import_is_idempotent_and_export_round_trips() {
    let (tmp, data) = data_dir();
    let first = import(&data, DEMO);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains("imported"),
        "{}",
        text(&first.stdout)
    );
    let second = import(&data, DEMO);
    assert!(
        text(&second.stdout).contains("already up to date"),
        "{}",
        text(&second.stdout)
    );
    for format in ["yaml", "json"] {
        let out = run(&data, &["export", "--tenant", "demo", "--format", format]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let file = tmp.path().join(format!("export.{format}"));
        std::fs::write(&file, &out.stdout).unwrap();
        let again = import(&data, file.to_str().unwrap());
        assert!(
            text(&again.stdout).contains("already up to date"),
            "{format}: {}",
            text(&again.stdout)
        );
    }
}

#[test]
fn an_invalid_document_exits_2_names_the_field_and_writes_nothing() {
    let (tmp, data) = data_dir();
    let cases = [
        (
            "tenant:\n  name: acme\n  cluster: C1\ncolour: red\n",
            "colour",
        ),
        (
            "tenant:\n  name: acme\n  cluster: C1\nusers:\n  - username: a1\n    role: emperor\n",
            "role",
        ),
        (
            "tenant:\n  name: acme\n  cluster: C1\nusers:\n  - username: a1\n    role: agent\n    skills: [{skill: nope, proficiency: 1}]\n",
            "users[0].skills[0].skill",
        ),
        ("tenant:\n  name: Not A Slug\n  cluster: C1\n", "name"),
        ("{\"tenant\": {\"name\": \"acme\"", "JSON"),
    ];
    for (i, (doc, needle)) in cases.iter().enumerate() {
        let file = tmp.path().join(format!("bad{i}.yaml"));
        std::fs::write(&file, doc).unwrap();
        let out = import(&data, file.to_str().unwrap());
        assert_eq!(
            out.status.code(),
            Some(2),
            "case {i}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(needle),
            "case {i}: {} does not name {needle}",
            text(&out.stderr)
        );
    }
    let out = run(&data, &["export", "--tenant", "acme"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "nothing was written: {}",
        text(&out.stdout)
    );
    assert!(text(&out.stderr).contains("not found"));
}

/// A tenant document with `n` users spread over teams and skills: enough writes that an import
/// takes a while, so that a kill can land in the middle of it.
fn big_document(n: usize) -> String {
    let mut doc =
        String::from("tenant:\n  name: big\n  cluster: C1\nskills: [s0, s1, s2, s3]\nusers:\n");
    for i in 0..n {
        doc.push_str(&format!("  - {{username: u{i}, role: agent, skills: [{{skill: s{}, proficiency: 3}}, {{skill: s{}, proficiency: 5}}]}}\n", i % 4, (i + 1) % 4));
    }
    doc.push_str("teams:\n");
    for t in 0..20 {
        let members: Vec<String> = (0..n)
            .filter(|i| i % 20 == t)
            .map(|i| format!("u{i}"))
            .collect();
        doc.push_str(&format!(
            "  - {{name: team{t}, members: [{}]}}\n",
            members.join(", ")
        ));
    }
    doc
}

fn user_count(data: &Path) -> Option<usize> {
    let out = run(data, &["export", "--tenant", "big", "--format", "json"]);
    if out.status.code() == Some(2) {
        return None; // the tenant does not exist: nothing of the import was kept
    }
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    Some(doc["users"].as_array().unwrap().len())
}

#[test]
fn kill_9_during_import_leaves_the_database_before_or_after_never_between() {
    const USERS: usize = 5_000;
    let (tmp, data) = data_dir();
    let file = tmp.path().join("big.yaml");
    std::fs::write(&file, big_document(USERS)).unwrap();
    assert_eq!(run(&data, &["migrate"]).status.code(), Some(0));
    // How long a whole import takes here, on a copy of the database.
    let (_t2, probe) = data_dir();
    let started = Instant::now();
    assert_eq!(
        import(&probe, file.to_str().unwrap()).status.code(),
        Some(0)
    );
    let full = started.elapsed();
    let mut killed_mid_run = 0;
    for step in 1..=6u32 {
        let delay = full.mul_f64(f64::from(step) / 7.0);
        let mut child = cmd(&data)
            .args(["import", file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        match user_count(&data) {
            None => {}
            Some(n) => {
                assert_eq!(n, USERS, "kill after {delay:?} left a partial import");
                return assert!(
                    killed_mid_run > 0,
                    "no kill landed during an import ({full:?} per import)"
                );
            }
        }
    }
    assert!(
        killed_mid_run >= 3,
        "too few kills landed during an import ({full:?} per import)"
    );
    // Finally an import that is left to finish is complete.
    assert_eq!(import(&data, file.to_str().unwrap()).status.code(), Some(0));
    assert_eq!(user_count(&data), Some(USERS));
}
