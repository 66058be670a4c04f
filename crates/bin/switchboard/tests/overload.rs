//! Admission control by lateness with `switchboard serve` and SIPp as the carrier: once the
//! node has run its tasks late (here: the process is stopped for 100 ms ten times, as a
//! starved machine would leave it), a new call is refused with 503 and `Retry-After: 5`, and
//! the refusal is logged and counted at `/metrics` beside the lateness. (That calls are taken again once the lateness has left the 5 s window
//! is shown by the media crate's tests: here a loaded test machine could keep it late.)
#![allow(clippy::unwrap_used)]

mod common;

use common::agents::{events, import, serve_with};
use common::sipp::{caller_audio, place_call, sipp, sipp_errors};
use common::{data_dir, free_port, http, sip_addr, sipp_available};
use std::time::Duration;

/// Tenant `ovl-a`: +15550190 answers and hangs up.
fn tenant() -> String {
    "version: 1\ntenant: { name: ovl-a, display_name: Ovl A, cluster: C1, ip_allowlist: [] }\n\
     trunks:\n  - name: carrier\n    settings: { inbound_sources: [\"127.0.0.1/32\"] }\n\
     points_of_contact:\n  - { kind: phone, address: \"+15550190\", flow: bye }\n\
     flows:\n  - name: bye\n    publish: true\n    document:\n      version: 1\n      \
     name: Bye\n      start: bye\n      blocks:\n        - { id: bye, type: hangup }\n"
        .into()
}

#[test]
fn a_node_that_ran_late_refuses_new_calls_with_503_and_retry_after() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    import(tmp.path(), &data, &tenant());
    let served = serve_with(&data, &[("SWITCHBOARD_MEDIA_ADMISSION_LAG_MS", "20")]);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    caller_audio(dir.path());
    // The first call starts the lateness probe, and is taken.
    place_call(dir.path(), &target, "+15550190", "caller_silent.xml", 0);

    for _ in 0..10 {
        served.signal("-STOP");
        std::thread::sleep(Duration::from_millis(100));
        served.signal("-CONT");
        std::thread::sleep(Duration::from_millis(30));
    }
    let refused = sipp(
        dir.path(),
        "inbound_503.xml",
        free_port(),
        &["-s", "+15550190", &target],
    )
    .status()
    .unwrap();
    assert!(
        refused.success(),
        "503 with Retry-After: {}",
        sipp_errors(dir.path())
    );
    let ended: Vec<_> = events(&data, "ovl-a")
        .into_iter()
        .filter(|(kind, _)| kind == "call.ended")
        .map(|(_, p)| p["reason"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ended, ["flow_ended", "not_answered"]);

    // Operators see it at /metrics: the refusal, and the lateness behind it.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let metrics = http()
        .get(served.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("switchboard_media_refused_total{reason=\"overloaded\"} 1"),
        "{metrics}"
    );
    let lag: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("switchboard_media_lag_p99_seconds "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no lateness gauge: {metrics}"));
    assert!(
        lag >= 0.02,
        "the p99 lateness is over the 20 ms limit: {lag}"
    );
}
