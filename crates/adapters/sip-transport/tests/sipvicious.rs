//! SIPVicious (the usual SIP scanner kit) against the server on 127.0.0.1: `svcrack` does not
//! get a password by brute force because the failure tracker bans it after a few tries, and
//! `svwar` cannot tell the existing extensions from the others.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use sb_sip_dialog::digest::BanPolicy;
use sb_sip_transport::SipConfig;

const INSTALL: &str = "pip install sipvicious";
const SVCRACK: &str = "sipvicious_svcrack";
const SVWAR: &str = "sipvicious_svwar";

const USERS: &[(&str, &str)] = &[("1001", "secret"), ("1002", "secret2"), ("1003", "secret3")];

/// What a scanner printed.
struct Scan {
    stdout: String,
    stderr: String,
}

impl Scan {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs one of the SIPVicious tools against `target` from 127.0.0.1 (a free source port,
/// our address given explicitly so that it never resolves the host name), at most 90 s.
async fn scan(tool: &str, args: &[&str], target: SocketAddr) -> Scan {
    let mut command = tokio::process::Command::new(tool);
    command
        .args(args)
        .args(["-b", "127.0.0.1", "-x", "127.0.0.1"])
        .args(["-P", &common::free_port().to_string()])
        .args(["-p", &target.port().to_string()])
        .arg(target.ip().to_string())
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    eprintln!("running: {command:?}");
    let out = tokio::time::timeout(Duration::from_secs(90), command.output())
        .await
        .expect("the scanner finishes within 90 s")
        .expect("the scanner runs");
    let scan = Scan {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    eprintln!(
        "{tool} exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        scan.stdout,
        scan.stderr
    );
    scan
}

/// 200 wrong passwords, then the right one for 1001.
fn wordlist(dir: &Path) -> String {
    let mut words: Vec<String> = (0..200).map(|i| format!("wrong{i}")).collect();
    words.push("secret".to_owned());
    let path = dir.join("passwords.txt");
    std::fs::write(&path, words.join("\n") + "\n").expect("write wordlist");
    path.to_str().expect("utf-8 path").to_owned()
}

fn svcrack_args(wordlist: &str) -> Vec<&str> {
    vec!["-u", "1001", "-d", wordlist, "--maximumtime", "3"]
}

/// Whether svcrack printed 1001's password (its result table: `| 1001 | secret |`).
fn cracked(scan: &Scan) -> bool {
    scan.stdout
        .lines()
        .any(|l| l.contains("1001") && l.contains("secret"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn svcrack_gets_the_password_when_nothing_bans_it() {
    // The control for the test below: with the failure tracker out of the way, the tool does
    // crack a guessable password, so its failure there is the ban's doing.
    if !common::tool_available(SVCRACK, "--version", INSTALL) {
        return;
    }
    let mut config = common::config();
    config.ban = BanPolicy {
        max_failures: 100_000,
        ..BanPolicy::default()
    };
    config.trusted = vec!["127.0.0.0/8".parse().expect("net")];
    let server = common::start_with_users(config, None, USERS).await;
    let dir = common::scratch_dir("sb-svcrack");
    let words = wordlist(&dir);
    let scan = scan(SVCRACK, &svcrack_args(&words), server.addr()).await;
    assert!(cracked(&scan), "svcrack found the password without a ban");
    let _ = std::fs::remove_dir_all(&dir);
    server.stop().await;
}

/// The default ban policy (5 failures in a minute, silence) with a ban short enough to wait
/// out in a test.
fn banning_config(ban: Duration) -> SipConfig {
    let mut config = common::config();
    config.ban = BanPolicy {
        ban,
        ..BanPolicy::default()
    };
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn svcrack_is_banned_before_it_reaches_the_password() {
    if !common::tool_available(SVCRACK, "--version", INSTALL) {
        return;
    }
    let ban = Duration::from_secs(20);
    let server = common::start_with_users(banning_config(ban), None, USERS).await;
    let addr = server.addr();
    let dir = common::scratch_dir("sb-svcrack");
    let words = wordlist(&dir);
    let started = Instant::now();
    let cracking = tokio::spawn(async move { scan(SVCRACK, &svcrack_args(&words), addr).await });

    // The ban is on the source address: from 127.0.0.1 even an OPTIONS gets silence.
    let banned_at = tokio::task::spawn_blocking(move || {
        let probe = common::Client::new(addr);
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut n = 0;
        while Instant::now() < deadline {
            n += 1;
            if probe.options(&format!("probe{n}")).is_none() {
                return Some(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        None
    })
    .await
    .expect("probe")
    .expect("127.0.0.1 is banned within 20 s of the attack's start");
    eprintln!("banned after {:?}", banned_at - started);

    let scan = cracking.await.expect("svcrack");
    assert!(!cracked(&scan), "svcrack did not find the password");
    assert!(
        scan.all().contains("found nothing"),
        "svcrack reports nothing"
    );

    // Still banned while the ban lasts: the right password gets silence too.
    let still =
        tokio::task::spawn_blocking(move || common::Client::new(addr).register("b1", "secret"))
            .await
            .expect("register");
    if banned_at.elapsed() + Duration::from_secs(2) < ban {
        assert_eq!(
            still, None,
            "the right password is not answered during the ban"
        );
    }
    // After the ban, the user (same address) registers again.
    let until = banned_at + ban + Duration::from_secs(1);
    tokio::time::sleep(until.saturating_duration_since(Instant::now())).await;
    let after =
        tokio::task::spawn_blocking(move || common::Client::new(addr).register("b2", "secret"))
            .await
            .expect("register");
    assert_eq!(after, Some(200), "the ban ended");
    let _ = std::fs::remove_dir_all(&dir);
    server.stop().await;
}

/// Runs svwar over `extensions` with `method`: nothing is reported as found.
async fn svwar_finds_nothing(extensions: &str, method: &str, force: bool) {
    let server = common::start_with_users(common::config(), None, USERS).await;
    let mut args = vec!["-e", extensions, "-m", method, "-v", "--maximumtime", "5"];
    if force {
        args.push("--force");
    }
    let scan = scan(SVWAR, &args, server.addr()).await;
    let all = scan.all();
    assert!(
        all.contains("Ok SIP device found"),
        "svwar saw a SIP server and scanned it"
    );
    assert!(!all.contains(" exists"), "no extension reported");
    assert!(
        !scan.stdout.contains("Extension"),
        "no result table: {}",
        scan.stdout
    );
    assert!(all.contains("found nothing"), "svwar reports nothing");
    for (user, _) in USERS {
        assert!(!scan.stdout.contains(user), "{user} not listed");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn svwar_cannot_tell_existing_extensions_with_register() {
    if !common::tool_available(SVWAR, "--version", INSTALL) {
        return;
    }
    // Without --force svwar gives up at once: an unknown extension is challenged like any
    // other. Forced, it takes the first extension's 401 for the same answer as its random
    // probe's and stops, so each existing extension is also scanned on its own.
    svwar_finds_nothing("1000-1010", "REGISTER", true).await;
    for (user, _) in USERS {
        svwar_finds_nothing(user, "REGISTER", true).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn svwar_cannot_tell_existing_extensions_with_options_or_invite() {
    if !common::tool_available(SVWAR, "--version", INSTALL) {
        return;
    }
    svwar_finds_nothing("1000-1010", "OPTIONS", false).await;
    svwar_finds_nothing("1000-1010", "INVITE", false).await;
}
