//! An SMTP sink on 127.0.0.1 for integration tests: `smtp_sink.py` (Python, aiosmtpd) in a
//! child process, writing every message it accepts (envelope and data) to a temporary
//! directory; [`SmtpSink::received`] reads them back.
//!
//! Standalone on purpose (std and rcgen only), so that other crates' tests can use it:
//!
//! ```ignore
//! #[path = "../../../adapters/email/tests/smtp_sink/mod.rs"]
//! mod smtp_sink;
//! let Some(sink) = smtp_sink::SmtpSink::start("my_test", smtp_sink::SinkOptions::default())
//! else { return };
//! ```
//!
//! aiosmtpd is installed when missing (`pip install aiosmtpd`, then `apt-get install
//! python3-aiosmtpd`). When that is impossible, [`SmtpSink::start`] prints SKIPPED and returns
//! `None` — or panics when the environment variable `CI` is set: in CI the tests must run.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};

/// The sink's script, carried in the test binary and written next to its messages.
const SCRIPT: &str = include_str!("smtp_sink.py");

/// How the sink offers TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SinkTls {
    /// Plain SMTP, no STARTTLS offered.
    #[default]
    None,
    /// STARTTLS offered; `required` refuses mail before it.
    StartTls {
        /// Refuse MAIL until STARTTLS.
        required: bool,
    },
    /// TLS from the first byte (port-465 style).
    Implicit,
}

/// What the sink does.
#[derive(Debug, Clone, Default)]
pub struct SinkOptions {
    /// TLS, with a certificate for 127.0.0.1 and localhost signed by [`SmtpSink::ca_pem`].
    pub tls: SinkTls,
    /// Require `AUTH` (PLAIN or LOGIN) with this user and password before `MAIL`.
    pub login: Option<(String, String)>,
    /// AUTH mechanisms not offered, e.g. `"PLAIN"` to force LOGIN.
    pub exclude_mechanisms: Vec<String>,
    /// Limit the server to TLS 1.2 with these OpenSSL cipher names.
    pub tls12_ciphers: Option<String>,
    /// Recipients refused at `RCPT`, with the whole reply, e.g.
    /// `("nobody@example.org", "550 5.1.1 No such user")`.
    pub refuse: Vec<(String, String)>,
}

/// One message the sink accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// `MAIL FROM` (empty for the null sender).
    pub mail_from: String,
    /// Accepted `RCPT TO`s, in order.
    pub rcpt_to: Vec<String>,
    /// `Some("TLSv1.3 TLS_AES_256_GCM_SHA384")` when the message came over TLS.
    pub tls: Option<String>,
    /// The user that logged in, if any.
    pub login: Option<String>,
    /// The AUTH mechanism used, if any: `"PLAIN"` or `"LOGIN"`.
    pub mechanism: Option<String>,
    /// The data, as received (dot-unstuffed, CRLF line ends).
    pub data: Vec<u8>,
}

/// A running sink; stopped and its directory removed on drop.
pub struct SmtpSink {
    child: Child,
    dir: PathBuf,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    /// The CA that signed its certificate (PEM), to give to the client.
    pub ca_pem: String,
}

impl SmtpSink {
    /// Starts a sink; `None` (after printing SKIPPED) when aiosmtpd cannot be installed and CI
    /// is not set.
    pub fn start(test: &str, options: SinkOptions) -> Option<Self> {
        let Some(python) = python() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "aiosmtpd is required under CI (pip install aiosmtpd) and could not be installed"
            );
            println!("SKIPPED {test}: aiosmtpd not installed and not installable");
            return None;
        };
        Some(Self::launch(python, &options))
    }

    fn launch(python: &str, options: &SinkOptions) -> Self {
        let dir = scratch_dir();
        let script = dir.join("smtp_sink.py");
        std::fs::write(&script, SCRIPT).unwrap();
        let (ca_pem, cert_pem, key_pem) = certificates();
        std::fs::write(dir.join("server.pem"), cert_pem).unwrap();
        std::fs::write(dir.join("server.key"), key_pem).unwrap();
        let log = std::fs::File::create(dir.join("sink.log")).unwrap();
        let child = Command::new(python)
            .arg(&script)
            .args(arguments(&dir, options))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut sink = Self {
            child,
            dir,
            port: 0,
            ca_pem,
        };
        sink.port = sink.wait_for_port();
        sink
    }

    fn wait_for_port(&mut self) -> u16 {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(port) = std::fs::read_to_string(self.dir.join("port")) {
                return port.trim().parse().unwrap();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the SMTP sink exited with {status}; log:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP sink did not start; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every message accepted so far, in order of arrival.
    pub fn received(&self) -> Vec<Received> {
        let mut numbers: Vec<u32> = std::fs::read_dir(&self.dir)
            .unwrap()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".eml")?.parse().ok()
            })
            .collect();
        numbers.sort_unstable();
        numbers.into_iter().map(|n| self.read(n)).collect()
    }

    /// Waits up to `timeout` for at least `count` messages, and returns all of them.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.len() >= count || Instant::now() >= deadline {
                return received;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn read(&self, n: u32) -> Received {
        let envelope = std::fs::read_to_string(self.dir.join(format!("{n}.env"))).unwrap();
        let mut received = Received {
            mail_from: String::new(),
            rcpt_to: Vec::new(),
            tls: None,
            login: None,
            mechanism: None,
            data: std::fs::read(self.dir.join(format!("{n}.eml"))).unwrap(),
        };
        for line in envelope.lines() {
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            let some = |v: &str| (v != "none").then(|| v.to_owned());
            match key {
                "from" => received.mail_from = value.to_owned(),
                "to" => received.rcpt_to.push(value.to_owned()),
                "tls" => received.tls = some(value),
                "login" => received.login = some(value),
                "mechanism" => received.mechanism = some(value),
                _ => {}
            }
        }
        received
    }

    /// What the script wrote to stderr (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sink.log")).unwrap_or_default()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn arguments(dir: &Path, options: &SinkOptions) -> Vec<String> {
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let mut args = vec!["--dir".to_owned(), path("")];
    let tls = match options.tls {
        SinkTls::None => "none",
        SinkTls::StartTls { .. } => "starttls",
        SinkTls::Implicit => "implicit",
    };
    args.extend(["--tls".into(), tls.into()]);
    args.extend(["--cert".into(), path("server.pem")]);
    args.extend(["--key".into(), path("server.key")]);
    if options.tls == (SinkTls::StartTls { required: true }) {
        args.push("--require-starttls".into());
    }
    if let Some((user, password)) = &options.login {
        args.extend(["--user".into(), user.clone()]);
        args.extend(["--password".into(), password.clone()]);
    }
    for mechanism in &options.exclude_mechanisms {
        args.extend(["--exclude-mechanism".into(), mechanism.clone()]);
    }
    if let Some(ciphers) = &options.tls12_ciphers {
        args.extend(["--tls12-ciphers".into(), ciphers.clone()]);
    }
    for (address, reply) in &options.refuse {
        args.extend(["--refuse".into(), format!("{address}={reply}")]);
    }
    args
}

/// A CA and a certificate for 127.0.0.1 and localhost signed by it: (CA, cert, key) PEM.
fn certificates() -> (String, String, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    (ca.pem(), cert.pem(), key.serialize_pem())
}

fn scratch_dir() -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("sb-smtp-sink-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A Python interpreter that can import aiosmtpd, installing it once per test process.
fn python() -> Option<&'static str> {
    static PYTHON: OnceLock<Option<&'static str>> = OnceLock::new();
    *PYTHON.get_or_init(find_or_install)
}

const INTERPRETERS: [&str; 2] = ["python3", "/usr/bin/python3"];

fn find_or_install() -> Option<&'static str> {
    let ready = || INTERPRETERS.into_iter().find(|py| has_aiosmtpd(py));
    if let Some(py) = ready() {
        return Some(py);
    }
    const PIP: &[&str] = &["-m", "pip", "install", "--quiet", "aiosmtpd"];
    // Debian's own Python refuses pip without this (PEP 668).
    const PIP_SYSTEM: &[&str] = &[
        "-m",
        "pip",
        "install",
        "--quiet",
        "--break-system-packages",
        "aiosmtpd",
    ];
    for py in INTERPRETERS {
        eprintln!("installing aiosmtpd with {py} -m pip");
        if (run(py, PIP) || run(py, PIP_SYSTEM))
            && let Some(py) = ready()
        {
            return Some(py);
        }
    }
    eprintln!("installing python3-aiosmtpd with apt-get");
    let apt = ["install", "-y", "-q", "python3-aiosmtpd"];
    if !run("apt-get", &apt) {
        let _ = run("apt-get", &["update", "-q"]) && run("apt-get", &apt);
    }
    ready()
}

fn has_aiosmtpd(python: &str) -> bool {
    run(python, &["-c", "import aiosmtpd.smtp"])
}

/// Runs `program` quietly; whether it ran and succeeded.
fn run(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .is_ok_and(|s| s.success())
}
