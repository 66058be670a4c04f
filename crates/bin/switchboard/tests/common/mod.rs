//! Running the real `switchboard` binary in a temporary data directory.
#![allow(dead_code, clippy::unwrap_used)]

pub mod agents;
pub mod browser;
pub mod mail;
pub mod sipp;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

/// A `switchboard` command with a private data directory and cheap password hashing.
pub fn cmd(data: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SWITCHBOARD_DATA_DIR", data)
        .env("SWITCHBOARD_AUTH_ARGON2_MEMORY_KIB", "64")
        .env("SWITCHBOARD_AUTH_ARGON2_ITERATIONS", "1")
        .env("SWITCHBOARD_HTTP_LISTEN", "127.0.0.1:0")
        .env("SWITCHBOARD_SIP_LISTEN", "127.0.0.1:0")
        .env("SWITCHBOARD_SIP_TLS_LISTEN", "127.0.0.1:0")
        .env("SWITCHBOARD_SIP_WSS_LISTEN", "127.0.0.1:0")
        .stdin(Stdio::null());
    // SB_TEST_SERVE_LOG=<filter> (e.g. `info,sb_engine=debug`) shows the server's log when
    // debugging a test (run it with --nocapture).
    if let Some(level) = std::env::var_os("SB_TEST_SERVE_LOG") {
        c.env("SWITCHBOARD_LOG_LEVEL", level);
    }
    c
}

pub fn run(data: &Path, args: &[&str]) -> Output {
    cmd(data).args(args).output().unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A running `switchboard serve`, killed on drop if still running.
pub struct Served {
    pub child: Child,
    pub port: u16,
    pub stdout: Vec<String>,
}

impl Served {
    /// Starts `serve` with extra args/env and waits until it prints its address.
    // The child is waited for by `Drop for Served`; if `serve` never starts, the test fails and
    // the process is reaped when the test binary exits.
    #[allow(clippy::zombie_processes)]
    pub fn start(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Served {
        let mut c = cmd(data);
        c.arg("serve").args(args).stdout(Stdio::piped()).stderr(
            if std::env::var_os("SB_TEST_SERVE_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            },
        );
        // Tests run side by side on loaded machines: the runtime's lateness would refuse calls
        // at random (a test that wants it sets it again).
        c.env("SWITCHBOARD_MEDIA_ADMISSION_LAG_MS", "0");
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn().unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut stdout = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "serve exited early: {stdout:?}"
            );
            stdout.push(line.trim_end().to_string());
            if let Some(port) = port_of(&line) {
                std::thread::spawn(move || for _ in reader.lines() {});
                return Served {
                    child,
                    port,
                    stdout,
                };
            }
            assert!(Instant::now() < deadline, "serve did not start: {stdout:?}");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{}", self.port, path)
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Waits for the process to exit, at most `limit`.
    pub fn wait(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn port_of(line: &str) -> Option<u16> {
    let rest = line.split("serving the API on https://127.0.0.1:").nth(1)?;
    rest.split('/').next()?.parse().ok()
}

pub fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    (dir, path)
}

pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap()
}

/// Whether SIPp is installed; without it a test fails under CI and is skipped elsewhere.
pub fn sipp_available() -> bool {
    let found = Command::new("sipp").arg("-v").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "sipp is required under CI (apt-get install sip-tester)"
        );
        eprintln!("SKIPPED: sipp not installed (apt-get install sip-tester)");
    }
    found
}

/// Whether `tool` runs (`tool -h`); under CI it must (the test script installs it with the
/// Debian package `package`).
pub fn tool_available(tool: &str, package: &str) -> bool {
    let found = Command::new(tool).arg("-h").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is required under CI (apt-get install {package})"
        );
        eprintln!("SKIPPED: {tool} not installed (apt-get install {package})");
    }
    found
}

/// The UDP/TCP SIP address `serve` printed.
pub fn sip_addr(served: &Served) -> std::net::SocketAddr {
    served
        .stdout
        .iter()
        .find_map(|l| l.strip_prefix("SIP over UDP and TCP on "))
        .unwrap_or_else(|| panic!("no SIP line in {:?}", served.stdout))
        .parse()
        .unwrap()
}

/// A local port free for both UDP and TCP right now (SIPp binds both).
pub fn free_port() -> u16 {
    loop {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}
