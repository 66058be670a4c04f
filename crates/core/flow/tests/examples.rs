//! Every example flow in `examples/flows/` compiles and passes its case file.

use sb_flow::{Document, compile, script};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../examples/flows")
}

fn example_flows() -> Vec<PathBuf> {
    let mut flows: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("examples/flows exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    flows.sort();
    flows
}

#[test]
fn every_example_flow_passes_its_cases() {
    let flows = example_flows();
    assert!(!flows.is_empty(), "no example flows found");
    for flow in flows {
        let cases_path = flow.with_extension("cases.yaml");
        let doc = Document::from_json(&std::fs::read_to_string(&flow).unwrap()).unwrap();
        let cases = script::parse_cases(&std::fs::read_to_string(&cases_path).unwrap()).unwrap();
        let catalog = cases.catalog.clone().unwrap_or_default();
        let program =
            Arc::new(compile(&doc, &catalog).unwrap_or_else(|d| panic!("{flow:?}: {d:#?}")));
        let transcript = script::run(&program, &cases);
        println!("{transcript}");
        assert!(transcript.passed(), "{flow:?}:\n{transcript}");
        assert!(transcript.cases.len() >= 3);
    }
}

#[test]
fn the_demo_flow_covers_hours_menu_and_voicemail() {
    let text = std::fs::read_to_string(examples_dir().join("demo-inbound.json")).unwrap();
    let doc = Document::from_json(&text).unwrap();
    let kinds: Vec<&str> = doc.blocks.iter().map(|b| b.kind.as_str()).collect();
    for needed in ["check_hours", "menu", "enqueue", "voicemail"] {
        assert!(kinds.contains(&needed), "{needed} missing");
    }
}

#[test]
fn a_wrong_expectation_fails_and_says_why() {
    let text = std::fs::read_to_string(examples_dir().join("demo-inbound.json")).unwrap();
    let cases_text =
        std::fs::read_to_string(examples_dir().join("demo-inbound.cases.yaml")).unwrap();
    let mut cases = script::parse_cases(&cases_text).unwrap();
    let catalog = cases.catalog.clone().unwrap();
    cases.cases.truncate(1);
    cases.cases[0].expect.finish = Some("hangup".into());
    let program = Arc::new(compile(&Document::from_json(&text).unwrap(), &catalog).unwrap());
    let transcript = script::run(&program, &cases);
    assert!(!transcript.passed());
    let shown = transcript.to_string();
    assert!(
        shown.contains("FAIL finish: expected hangup, got connected"),
        "{shown}"
    );
    assert!(shown.ends_with("0 passed, 1 failed\n"), "{shown}");
}
