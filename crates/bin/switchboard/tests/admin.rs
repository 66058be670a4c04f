//! `switchboard migrate` and `switchboard admin …`, then the results used over HTTPS.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Served, cmd, data_dir, http, run, text};
use std::io::Write;
use std::process::Stdio;

fn provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

fn login(served: &Served, tenant: &str, user: &str, password: &str) -> u16 {
    let body = serde_json::json!({"tenant": tenant, "username": user, "password": password});
    http()
        .post(served.url("/api/v1/auth/login"))
        .json(&body)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn an_operator_creates_a_tenant_users_and_a_token_from_the_command_line() {
    provider();
    let (_tmp, data) = data_dir();
    let out = run(&data, &["migrate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(
        &data,
        &[
            "admin",
            "create-tenant",
            "acme",
            "--display-name",
            "Acme Inc",
            "--cluster",
            "C14",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("C14"));
    // A password from standard input…
    let mut child = cmd(&data)
        .args([
            "admin",
            "create-user",
            "--tenant",
            "acme",
            "boss",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"stdin password\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    // …or generated and printed.
    let out = run(&data, &["admin", "create-user", "--tenant", "acme", "1001"]);
    let stdout = text(&out.stdout);
    let generated = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap()
        .to_string();
    let out = run(
        &data,
        &[
            "admin", "token", "--tenant", "acme", "boss", "--name", "crm",
        ],
    );
    let token = text(&out.stdout).trim().to_string();
    assert!(token.starts_with("sbt_"), "{token}");

    let served = Served::start(&data, &[], &[]);
    assert_eq!(login(&served, "acme", "boss", "stdin password"), 200);
    assert_eq!(login(&served, "acme", "1001", &generated), 200);
    let me: serde_json::Value = http()
        .get(served.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(me["user"]["username"], "boss");
    drop(served);

    let out = cmd(&data)
        .env("SWITCHBOARD_PASSWORD", "reset password")
        .args(["admin", "reset-password", "--tenant", "acme", "1001"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let served = Served::start(&data, &[], &[]);
    assert_eq!(login(&served, "acme", "1001", &generated), 401);
    assert_eq!(login(&served, "acme", "1001", "reset password"), 200);
    let audit = run(&data, &["export", "--tenant", "acme"]);
    assert_eq!(audit.status.code(), Some(0));
}

#[test]
fn admin_input_errors_exit_2_and_change_nothing() {
    let (_tmp, data) = data_dir();
    assert_eq!(
        run(&data, &["admin", "create-tenant", "Bad Name!"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&data, &["admin", "create-user", "--tenant", "nope", "x"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&data, &["admin", "create-tenant", "acme"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&data, &["admin", "create-tenant", "acme"])
            .status
            .code(),
        Some(2),
        "duplicate name"
    );
    let out = run(
        &data,
        &[
            "admin",
            "create-user",
            "--tenant",
            "acme",
            "x",
            "--role",
            "emperor",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("role"));
    let short = cmd(&data)
        .env("SWITCHBOARD_PASSWORD", "short")
        .args(["admin", "create-user", "--tenant", "acme", "y"])
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(2));
    let doc = run(&data, &["export", "--tenant", "acme", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&doc.stdout).unwrap();
    assert_eq!(doc["users"].as_array().map_or(0, Vec::len), 0, "{doc}");
}

#[test]
fn serve_runs_on_postgresql_when_the_database_url_says_so() {
    provider();
    let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL is required under CI (scripts/test-postgres.sh)"
        );
        eprintln!("SKIPPED: SWITCHBOARD_TEST_POSTGRES_URL not set");
        return;
    };
    let url = fresh_database(&url);
    let (_tmp, data) = data_dir();
    let env = [
        ("SWITCHBOARD_DATABASE_URL", url.as_str()),
        ("SWITCHBOARD_DEMO_PASSWORD", "demo password 1"),
    ];
    let served = Served::start(&data, &["--demo"], &env);
    assert_eq!(
        http().get(served.url("/readyz")).send().unwrap().status(),
        200
    );
    assert_eq!(login(&served, "demo", "1002", "demo password 1"), 200);
    assert!(
        !data.join("switchboard.db").exists(),
        "no SQLite database when PostgreSQL is configured"
    );
}

/// A new empty database on the test server (psql comes with the server), so this test shares
/// nothing with the store suite's databases.
fn fresh_database(url: &str) -> String {
    let name = format!("sb_serve_{}", std::process::id());
    let created = std::process::Command::new("psql")
        .args([url, "-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .is_ok_and(|s| s.success());
    assert!(created, "could not create a database with psql on {url}");
    match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => url.to_string(),
    }
}
