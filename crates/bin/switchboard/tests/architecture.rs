//! The invariants of ARCHITECTURE.md, checked on the real dependency graph.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (package name, manifest path, normal dependency names)
fn packages() -> Vec<(String, String, Vec<String>)> {
    let meta = metadata();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_string())
                .collect();
            (
                p["name"].as_str().unwrap().to_string(),
                p["manifest_path"].as_str().unwrap().to_string(),
                deps,
            )
        })
        .collect()
}

fn is_core(manifest: &str) -> bool {
    manifest.contains("/crates/core/")
}

#[test]
fn core_crates_depend_on_no_io_runtime_database_http_or_adapter() {
    let banned = [
        "tokio",
        "sqlx",
        "axum",
        "hyper",
        "reqwest",
        "mio",
        "sb-store",
        "sb-store-sqlite",
        "sb-store-postgres",
        "sb-api",
        "sb-engine",
        "sb-config",
    ];
    let cores: Vec<_> = packages()
        .into_iter()
        .filter(|(_, m, _)| is_core(m))
        .collect();
    assert!(cores.len() >= 5, "core crates not found");
    for (name, _, deps) in cores {
        for dep in deps {
            assert!(
                !banned.contains(&dep.as_str()),
                "core crate {name} depends on {dep}"
            );
        }
    }
}

#[test]
fn acd_and_flow_know_nothing_of_sip_rtp_or_media() {
    let media = ["sb-sip", "sb-sip-dialog", "sb-rtp", "sb-sdp", "sb-audio"];
    for (name, _, deps) in packages() {
        if name == "sb-acd" || name == "sb-flow" {
            for dep in deps {
                assert!(!media.contains(&dep.as_str()), "{name} depends on {dep}");
            }
        }
    }
}

#[test]
fn only_the_binary_names_a_storage_backend_and_only_the_api_knows_http() {
    for (name, _, deps) in packages() {
        let names_backend = deps
            .iter()
            .any(|d| d == "sb-store-sqlite" || d == "sb-store-postgres");
        if names_backend {
            assert!(
                name == "switchboard" || name == "sb-store-suite",
                "{name} names a storage backend"
            );
        }
        if deps.iter().any(|d| d == "axum") {
            assert_eq!(name, "sb-api", "{name} depends on axum");
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_crates_hold_no_locks() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../core");
    let mut files = Vec::new();
    rust_files(&core, &mut files);
    assert!(!files.is_empty());
    for file in files {
        if file.components().any(|c| c.as_os_str() == "benches") {
            continue; // a bench binary may count allocations with a global
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for word in ["Mutex", "RwLock"] {
            assert!(!text.contains(word), "{} uses {word}", file.display());
        }
    }
}
