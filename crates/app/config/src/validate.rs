//! Checks of values that parse but make no sense.

use crate::load::problem;
use crate::{Config, ConfigProblem};
use std::net::SocketAddr;

type SourceOf<'a> = &'a dyn Fn(&str) -> String;

/// Every semantic problem of `config`.
pub(crate) fn validate(config: &Config, source_of: SourceOf<'_>) -> Vec<ConfigProblem> {
    let mut out = Vec::new();
    let mut check = |key: &str, result: Result<(), String>| {
        if let Err(msg) = result {
            out.push(problem(key, &source_of(key), msg));
        }
    };
    check("http.listen", socket_addr(&config.http.listen));
    check("sip.listen", socket_addr(&config.sip.listen));
    check(
        "sip.tls_listen",
        optional_socket_addr(&config.sip.tls_listen),
    );
    check(
        "sip.wss_listen",
        optional_socket_addr(&config.sip.wss_listen),
    );
    check("sip.ws_listen", optional_socket_addr(&config.sip.ws_listen));
    check(
        "sip.digest_algorithms",
        digest_algorithms(&config.sip.digest_algorithms),
    );
    check("media.bind_ip", ip(&config.media.bind_ip));
    check(
        "media.rtp_port_min",
        port_range(config.media.rtp_port_min, config.media.rtp_port_max),
    );
    check(
        "media.media_timeout_secs",
        positive(config.media.media_timeout_secs),
    );
    check(
        "media.max_endpoints",
        at_least(config.media.max_endpoints as u64, 2),
    );
    check(
        "sip.requests_per_source",
        positive(u64::from(config.sip.requests_per_source)),
    );
    check(
        "sip.request_burst_per_source",
        positive(u64::from(config.sip.request_burst_per_source)),
    );
    check("database.url", database_url(&config.database.url));
    check(
        "http.tls_cert",
        tls_pair(&config.http.tls_cert, &config.http.tls_key),
    );
    check("http.tls_key", readable(&config.http.tls_key));
    check(
        "http.trusted_proxy",
        optional_ip(&config.http.trusted_proxy),
    );
    check(
        "flows.http_allow",
        crate::model::networks(&config.flows.http_allow).map(|_| ()),
    );
    check("flows.speech", speech_engine(&config.flows.speech));
    check(
        "flows.speech_python",
        non_empty(&config.flows.speech_python),
    );
    check(
        "flows.speech_workers",
        positive(u64::from(config.flows.speech_workers)),
    );
    check(
        "email.server_allow",
        crate::model::networks(&config.email.server_allow).map(|_| ()),
    );
    check(
        "email.max_message_bytes",
        at_least(config.email.max_message_bytes, 64 * 1024),
    );
    check("email.secret_key", email_key(&config.email.secret_key));
    check("data_dir", non_empty(&config.data_dir.to_string_lossy()));
    check("log.level", non_empty(&config.log.level));
    check(
        "auth.session_ttl_secs",
        positive(config.auth.session_ttl_secs),
    );
    check(
        "auth.lockout_threshold",
        positive(u64::from(config.auth.lockout_threshold)),
    );
    check(
        "auth.login_attempts_per_minute",
        positive(u64::from(config.auth.login_attempts_per_minute)),
    );
    check(
        "auth.argon2_memory_kib",
        at_least(u64::from(config.auth.argon2_memory_kib), 8),
    );
    check(
        "auth.argon2_iterations",
        positive(u64::from(config.auth.argon2_iterations)),
    );
    out
}

/// Empty (generated at start) or 32 bytes in base64.
fn email_key(value: &str) -> Result<(), String> {
    use base64::Engine as _;
    if value.is_empty() {
        return Ok(());
    }
    match base64::engine::general_purpose::STANDARD.decode(value.trim()) {
        Ok(bytes) if bytes.len() == 32 => Ok(()),
        Ok(bytes) => Err(format!("must be 32 bytes in base64, not {}", bytes.len())),
        Err(_) => Err("is not base64 (make one with `openssl rand -base64 32`)".into()),
    }
}

fn digest_algorithms(value: &str) -> Result<(), String> {
    const KNOWN: [&str; 3] = ["SHA-256", "MD5", "SHA-512-256"];
    let names: Vec<&str> = value.split(',').map(str::trim).collect();
    if let Some(bad) = names.iter().find(|n| !KNOWN.contains(n)) {
        return Err(format!(
            "{bad:?} is not a digest algorithm: use a comma-separated list of SHA-256, MD5, SHA-512-256"
        ));
    }
    Ok(())
}

fn optional_socket_addr(value: &str) -> Result<(), String> {
    if value.is_empty() {
        Ok(())
    } else {
        socket_addr(value)
    }
}

fn socket_addr(value: &str) -> Result<(), String> {
    value
        .parse::<SocketAddr>()
        .map(|_| ())
        .map_err(|_| format!("{value:?} is not an address:port such as 0.0.0.0:8443 or [::]:8443"))
}

fn database_url(url: &str) -> Result<(), String> {
    let ok = url.is_empty()
        || url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{url:?} is neither empty (embedded SQLite), sqlite:PATH nor postgres://…"
        ))
    }
}

fn tls_pair(cert: &str, key: &str) -> Result<(), String> {
    if cert.is_empty() != key.is_empty() {
        return Err("http.tls_cert and http.tls_key must be set together".into());
    }
    readable(cert)
}

fn readable(path: &str) -> Result<(), String> {
    if path.is_empty() || std::path::Path::new(path).is_file() {
        Ok(())
    } else {
        Err(format!("file {path:?} does not exist"))
    }
}

fn optional_ip(value: &str) -> Result<(), String> {
    if value.is_empty() || value.parse::<std::net::IpAddr>().is_ok() {
        Ok(())
    } else {
        Err(format!("{value:?} is not an IP address"))
    }
}

fn non_empty(value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(())
    }
}

fn speech_engine(value: &str) -> Result<(), String> {
    match value {
        "pocketsphinx" | "off" => Ok(()),
        other => Err(format!("{other:?} is not one of pocketsphinx, off")),
    }
}

fn positive(value: u64) -> Result<(), String> {
    at_least(value, 1)
}

fn at_least(value: u64, min: u64) -> Result<(), String> {
    if value >= min {
        Ok(())
    } else {
        Err(format!("must be at least {min}"))
    }
}

fn ip(s: &str) -> Result<(), String> {
    s.parse::<std::net::IpAddr>()
        .map(|_| ())
        .map_err(|_| format!("{s:?} is not an IP address"))
}

fn port_range(min: u16, max: u16) -> Result<(), String> {
    if min < 1024 || min >= max || max - min < 3 {
        return Err(format!(
            "the RTP port range {min}-{max} must start at 1024 or above and hold at least two port pairs"
        ));
    }
    Ok(())
}
