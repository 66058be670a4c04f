#![allow(clippy::unwrap_used)]

use sb_config::{Sources, load};
use std::io::Write;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

#[test]
fn defaults_need_no_file() {
    let config = load(&Sources::default()).unwrap();
    assert_eq!(config.http.listen, "0.0.0.0:8443");
    assert_eq!(config.sip.listen, "0.0.0.0:5060");
    assert!(config.database.url.is_empty());
    assert_eq!(
        config.sqlite_path(),
        std::path::Path::new("./data/switchboard.db")
    );
}

#[test]
fn environment_overrides_file_which_overrides_defaults() {
    let f = file("[http]\nlisten = \"127.0.0.1:9000\"\n[sip]\nlisten = \"127.0.0.1:5070\"\n");
    let sources = Sources {
        file: Some(f.path().into()),
        env: env(&[
            ("SWITCHBOARD_HTTP_LISTEN", "127.0.0.1:9443"),
            ("SWITCHBOARD_AUTH_LOCKOUT_THRESHOLD", "3"),
        ]),
        data_dir: None,
    };
    let config = load(&sources).unwrap();
    assert_eq!(config.http.listen, "127.0.0.1:9443");
    assert_eq!(config.sip.listen, "127.0.0.1:5070");
    assert_eq!(config.auth.lockout_threshold, 3);
}

#[test]
fn database_url_from_environment_selects_postgres() {
    let sources = Sources {
        env: env(&[("SWITCHBOARD_DATABASE_URL", "postgres://u@127.0.0.1/sb")]),
        ..Default::default()
    };
    assert!(load(&sources).unwrap().is_postgres());
}

#[test]
fn data_dir_flag_wins() {
    let sources = Sources {
        env: env(&[("SWITCHBOARD_DATA_DIR", "/env")]),
        data_dir: Some("/flag".into()),
        ..Default::default()
    };
    assert_eq!(
        load(&sources).unwrap().data_dir,
        std::path::Path::new("/flag")
    );
}

#[test]
fn every_problem_is_reported_at_once_with_its_key() {
    let f = file("colour = 1\n[http]\nlisten = \"nope\"\ntls = \"yes\"\n[sip]\nlisten = 5060\n");
    let sources = Sources {
        file: Some(f.path().into()),
        env: env(&[
            ("SWITCHBOARD_AUTH_LOCKOUT_SECS", "soon"),
            ("SWITCHBOARD_DATABASE_URL", "mysql://x"),
        ]),
        data_dir: None,
    };
    let err = load(&sources).unwrap_err();
    let keys: Vec<&str> = err.problems().iter().map(|p| p.key.as_str()).collect();
    for key in [
        "colour",
        "http.tls",
        "sip.listen",
        "auth.lockout_secs",
        "http.listen",
        "database.url",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}\n{err}");
    }
    let text = err.to_string();
    assert!(text.contains("SWITCHBOARD_AUTH_LOCKOUT_SECS"), "{text}");
    assert!(text.contains("unknown key"), "{text}");
}

#[test]
fn unreadable_or_malformed_file_is_a_problem_not_a_panic() {
    let missing = Sources {
        file: Some("/no/such/file.toml".into()),
        ..Default::default()
    };
    assert!(
        load(&missing)
            .unwrap_err()
            .to_string()
            .contains("cannot read file")
    );
    let f = file("[http\nlisten=");
    let bad = Sources {
        file: Some(f.path().into()),
        ..Default::default()
    };
    assert!(
        load(&bad)
            .unwrap_err()
            .to_string()
            .contains("not valid TOML")
    );
}

#[test]
fn tls_cert_without_key_is_rejected() {
    let sources = Sources {
        env: env(&[("SWITCHBOARD_HTTP_TLS_CERT", "/etc/hostname")]),
        ..Default::default()
    };
    let err = load(&sources).unwrap_err();
    assert!(
        err.problems().iter().any(|p| p.key == "http.tls_cert"),
        "{err}"
    );
}

#[test]
fn the_sip_flood_protection_is_set_from_the_environment_and_never_zero() {
    let sources = Sources {
        env: env(&[
            ("SWITCHBOARD_SIP_REQUESTS_PER_SOURCE", "400"),
            ("SWITCHBOARD_SIP_REQUEST_BURST_PER_SOURCE", "1000"),
        ]),
        ..Default::default()
    };
    let config = load(&sources).unwrap();
    assert_eq!(config.sip.requests_per_source, 400);
    assert_eq!(config.sip.request_burst_per_source, 1000);
    let zero = Sources {
        env: env(&[("SWITCHBOARD_SIP_REQUESTS_PER_SOURCE", "0")]),
        ..Default::default()
    };
    let err = load(&zero).unwrap_err();
    assert!(
        err.problems()
            .iter()
            .any(|p| p.key == "sip.requests_per_source"),
        "{err}"
    );
}

#[test]
fn the_email_section_checks_its_key_networks_and_size_all_at_once() {
    let good = Sources {
        env: env(&[
            (
                "SWITCHBOARD_EMAIL_SECRET_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ),
            ("SWITCHBOARD_EMAIL_SERVER_ALLOW", "127.0.0.0/8, 10.1.2.3"),
        ]),
        ..Default::default()
    };
    let config = load(&good).unwrap();
    assert_eq!(config.email.server_allow_nets().len(), 2);
    assert!(config.email.poll, "polling is on by default");
    let bad = Sources {
        env: env(&[
            ("SWITCHBOARD_EMAIL_SECRET_KEY", "c2hvcnQ="),
            ("SWITCHBOARD_EMAIL_SERVER_ALLOW", "office"),
            ("SWITCHBOARD_EMAIL_MAX_MESSAGE_BYTES", "10"),
        ]),
        ..Default::default()
    };
    let err = load(&bad).unwrap_err();
    for key in [
        "email.secret_key",
        "email.server_allow",
        "email.max_message_bytes",
    ] {
        assert!(err.problems().iter().any(|p| p.key == key), "{key}: {err}");
    }
}

#[test]
fn the_speech_recogniser_is_pocketsphinx_by_default_and_checked() {
    let config = load(&Sources::default()).unwrap();
    assert_eq!(config.flows.speech, "pocketsphinx");
    assert_eq!(config.flows.speech_python, "python3");
    assert_eq!(config.flows.speech_workers, 1);
    let off = Sources {
        env: env(&[
            ("SWITCHBOARD_FLOWS_SPEECH", "off"),
            ("SWITCHBOARD_FLOWS_SPEECH_PYTHON", "/opt/py/bin/python3"),
            ("SWITCHBOARD_FLOWS_SPEECH_WORKERS", "3"),
        ]),
        ..Default::default()
    };
    let config = load(&off).unwrap();
    assert_eq!(config.flows.speech, "off");
    assert_eq!(config.flows.speech_python, "/opt/py/bin/python3");
    assert_eq!(config.flows.speech_workers, 3);
    let bad = Sources {
        env: env(&[
            ("SWITCHBOARD_FLOWS_SPEECH", "vosk"),
            ("SWITCHBOARD_FLOWS_SPEECH_PYTHON", " "),
            ("SWITCHBOARD_FLOWS_SPEECH_WORKERS", "0"),
        ]),
        ..Default::default()
    };
    let err = load(&bad).unwrap_err();
    for key in [
        "flows.speech",
        "flows.speech_python",
        "flows.speech_workers",
    ] {
        assert!(err.problems().iter().any(|p| p.key == key), "{key}: {err}");
    }
}

#[test]
fn admission_by_lateness_is_on_by_default_and_can_be_turned_off() {
    let config = load(&Sources::default()).unwrap();
    assert_eq!(config.media.admission_lag_ms, 8);
    let off = Sources {
        env: env(&[("SWITCHBOARD_MEDIA_ADMISSION_LAG_MS", "0")]),
        ..Default::default()
    };
    assert_eq!(load(&off).unwrap().media.admission_lag_ms, 0);
}
