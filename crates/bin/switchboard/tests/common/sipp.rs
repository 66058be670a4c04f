//! SIPp runs for the tests: the scenarios in `tests/scenarios`, their error logs, a tone.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The path of scenario `name` in `tests/scenarios`.
pub fn scenario(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// SIPp with `args`, in `dir`, on a free local port (or `port`), at most 20 s per call.
pub fn sipp(dir: &Path, file: &str, port: u16, args: &[&str]) -> Command {
    let mut c = Command::new("sipp");
    c.current_dir(dir)
        .args(["-sf", &scenario(file), "-m", "1", "-i", "127.0.0.1"])
        .args(["-p", &port.to_string()])
        .args([
            "-timeout",
            "20s",
            "-timeout_error",
            "-nostdin",
            "-trace_err",
        ])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Waits for the caller (30 s) and the agent's phone (15 s) to end and checks that both
/// ended well; `phone_did` says what the phone was to do (a failure names it, with SIPp's
/// error log).
pub fn assert_caller_and_phone_done(
    dir: &Path,
    caller: &mut Child,
    phone: &mut Child,
    phone_did: &str,
) {
    let caller = wait_exit(caller, Duration::from_secs(30));
    let phone = wait_exit(phone, Duration::from_secs(15));
    let errors = sipp_errors(dir);
    assert!(caller.is_some_and(|s| s.success()), "the caller: {errors}");
    assert!(phone.is_some_and(|s| s.success()), "{phone_did}: {errors}");
}

/// SIPp's error log, for a failed run.
pub fn sipp_errors(dir: &Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        out.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
    }
    out
}

/// Waits for `child` to exit, at most `limit`.
pub fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// 2 s of a 1 kHz tone in PCMU, raw, for SIPp's `rtp_stream`.
pub fn pcmu_tone(path: &Path) {
    let samples: Vec<i16> = (0..16_000)
        .map(|n| {
            let phase = 2.0 * std::f64::consts::PI * 1000.0 * f64::from(n) / 8000.0;
            (phase.sin() * 8000.0) as i16
        })
        .collect();
    let mut codes = vec![0u8; samples.len()];
    sb_audio::g711::Law::Mu.encode_frame(&samples, &mut codes);
    std::fs::write(path, codes).unwrap();
}

/// A carrier's caller running `scenario` (e.g. `caller_talks.xml`) that dials `number` at
/// `target` and talks for `talk_ms` (`-d`), its media on a free loopback port.
pub fn dial_in(dir: &Path, scenario: &str, number: &str, talk_ms: u32, target: &str) -> Command {
    let media = super::free_port().to_string();
    let talk = talk_ms.to_string();
    let args = [
        "-s",
        number,
        "-d",
        &talk,
        "-mi",
        "127.0.0.1",
        "-mp",
        &media,
        target,
    ];
    sipp(dir, scenario, super::free_port(), &args)
}

/// Places a call to `number` at `target` with `scenario` (`-d` = `talk_ms`) and waits (40 s at
/// most) for SIPp to end well.
pub fn place_call(dir: &Path, target: &str, number: &str, scenario: &str, talk_ms: u32) {
    let mut caller = dial_in(dir, scenario, number, talk_ms, target)
        .spawn()
        .unwrap();
    let status = wait_exit(&mut caller, Duration::from_secs(40));
    assert!(
        status.is_some_and(|s| s.success()),
        "the caller: {}",
        sipp_errors(dir)
    );
}

/// What a SIPp caller scenario plays, in its working directory `dir`: `tone.pcmu` (2 s of
/// 1 kHz) and `dtmf_1.pcap` (the digit 1 in RFC 4733, from SIPp's package).
pub fn caller_audio(dir: &Path) {
    pcmu_tone(&dir.join("tone.pcmu"));
    std::fs::copy(
        "/usr/share/sip-tester/dtmf_2833_1.pcap",
        dir.join("dtmf_1.pcap"),
    )
    .unwrap();
}

/// The carrier behind an outbound trunk (`carrier_uas.xml`, echoing the audio) on `port`:
/// digest `trunkuser` / `trunk-secret`, expects +442079460000 from +15550100.
pub fn spawn_carrier(dir: &Path, port: u16) -> Child {
    let media = super::free_port().to_string();
    let args = [
        "-rtp_echo",
        "-mi",
        "127.0.0.1",
        "-mp",
        &media,
        "-key",
        "trunk_user",
        "trunkuser",
        "-key",
        "trunk_password",
        "trunk-secret",
    ];
    sipp(dir, "carrier_uas.xml", port, &args).spawn().unwrap()
}
