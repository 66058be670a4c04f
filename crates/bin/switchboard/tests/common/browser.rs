//! The agent console in headless Chromium, driven one command at a time by
//! `web/e2e/agent.mjs` (see its header for the commands).

use super::Served;
use super::sipp::wait_exit;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The `web/` directory.
pub fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../web")
}

/// Whether Node.js, the console's packages and Chromium are here; under CI they must be.
pub fn browser_available() -> bool {
    let node = Command::new("node").arg("--version").output().is_ok();
    let packages = web_dir().join("node_modules/playwright-core").exists();
    let chromium = Path::new("/usr/bin/chromium").exists();
    let found = node && packages && chromium;
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "under CI the console test needs node ({node}), web/node_modules ({packages}) \
             and /usr/bin/chromium ({chromium})"
        );
        eprintln!("SKIPPED: node, web/node_modules or chromium missing");
    }
    found
}

/// Where test `name` saves its screenshots (one directory per test: they run in parallel).
pub fn shots_dir(name: &str) -> PathBuf {
    let root = std::env::var_os("SB_SHOTS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../target/console-shots"),
        PathBuf::from,
    );
    root.join(name)
}

/// Who logs in: tenant, user name, password.
pub type Login<'a> = (&'a str, &'a str, &'a str);

/// The console in Chromium, one command at a time.
pub struct Agent {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    /// Every line the driver printed so far.
    pub seen: Vec<String>,
}

impl Agent {
    /// Starts the browser for `login`; its fake microphone plays `tone` when given.
    pub fn start(served: &Served, login: Login<'_>, shots: &Path, tone: Option<&Path>) -> Agent {
        let (tenant, user, password) = login;
        let mut command = Command::new("node");
        command
            .arg("e2e/agent.mjs")
            .current_dir(web_dir())
            .env("SB_URL", served.url(""))
            .env("SB_TENANT", tenant)
            .env("SB_USER", user)
            .env("SB_PASSWORD", password)
            .env("SB_SHOTS", shots)
            .env("SB_TIMEOUT_MS", "45000")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(tone) = tone {
            command.env("SB_TONE_WAV", tone);
        }
        let mut child = command.spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut agent = Agent {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        };
        agent.expect("ready:start");
        agent
    }

    /// Waits for a line starting with `prefix`; panics on an `err` line or a silent minute.
    pub fn expect(&mut self, prefix: &str) {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no {prefix:?} from the console: {:?}", self.seen));
            self.seen.push(line.clone());
            assert!(!line.starts_with("err "), "{line} after {:?}", self.seen);
            if line.starts_with(prefix) {
                return;
            }
        }
    }

    /// Runs one command and waits for its `ok`.
    pub fn run(&mut self, command: &str) {
        writeln!(self.stdin, "{command}").unwrap();
        self.expect(&format!("ok {command}"));
    }

    /// Whether a line equal to `line` was printed.
    pub fn saw(&self, line: &str) -> bool {
        self.seen.iter().any(|l| l == line)
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        if wait_exit(&mut self.child, Duration::from_secs(10)).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
