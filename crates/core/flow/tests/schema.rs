//! The published JSON Schema is generated from the code and must be committed up to date.

use std::path::Path;

const SCHEMA_FILE: &str = "flow.schema.json";

fn generated() -> String {
    let mut text =
        serde_json::to_string_pretty(&sb_flow::json_schema()).expect("schema serialises");
    text.push('\n');
    text
}

/// Regenerate with `SB_BLESS=1 cargo test -p sb-flow --test schema`.
#[test]
fn committed_schema_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_FILE);
    let fresh = generated();
    if std::env::var_os("SB_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{SCHEMA_FILE} is stale: run `SB_BLESS=1 cargo test -p sb-flow --test schema` and commit it"
    );
}

#[test]
fn schema_describes_every_block_type() {
    let text = generated();
    for kind in [
        "play",
        "menu",
        "collect",
        "voice_menu",
        "check_hours",
        "set_queue",
        "enqueue",
        "transfer",
        "dial",
        "voicemail",
        "set_attributes",
        "branch",
        "distribute",
        "loop",
        "http",
        "send_message",
        "hangup",
        "end",
    ] {
        assert!(
            text.contains(&format!("\"{kind}\"")),
            "{kind} missing from the schema"
        );
    }
}
