//! A real Dovecot on loopback for the tests: its own config, passwd-file, maildir and
//! rcgen certificate in a temp dir; POP3, POP3S, IMAP, IMAPS listeners on free ports.
//!
//! `Dovecot::start()` returns `None` (the test prints SKIPPED) when dovecot is not installed,
//! and panics when the environment variable CI is set.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use sb_email::{
    ImapAfter, MailboxSettings, Pop3After, Pop3Auth, Protocol, Security, ServerSettings,
    TlsSettings,
};

pub const USER: &str = "alice";
pub const PASSWORD: &str = "wonder land";

/// A running Dovecot; stopped on drop.
pub struct Dovecot {
    child: Child,
    dir: tempfile::TempDir,
    pub pop3: u16,
    pub pop3s: u16,
    pub imap: u16,
    pub imaps: u16,
    /// A second IMAPS listener on another non-default port.
    pub imaps_alt: u16,
    /// The CA that signed the server certificate (PEM).
    pub ca_pem: String,
    mail_uid: u32,
    serial: std::cell::Cell<u32>,
}

fn dovecot_binary() -> Option<PathBuf> {
    [
        "/usr/sbin/dovecot",
        "/usr/bin/dovecot",
        "/usr/local/sbin/dovecot",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// `N` distinct free local ports: all bound at once, so the system cannot hand out one twice
/// (dovecot refuses a configuration that repeats a listener).
fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    std::array::from_fn(|i| listeners[i].local_addr().unwrap().port())
}

/// A CA and a server certificate for 127.0.0.1 and localhost signed by it.
pub fn certificates() -> (String, String, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    (ca.pem(), cert.pem(), key.serialize_pem())
}

/// `None` when dovecot is missing and CI is not set.
pub fn start(test: &str) -> Option<Dovecot> {
    let Some(binary) = dovecot_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "dovecot is not installed (apt-get install dovecot-imapd dovecot-pop3d) and CI is set"
        );
        println!("SKIPPED {test}: dovecot not installed");
        return None;
    };
    Some(Dovecot::launch(&binary))
}

impl Dovecot {
    fn launch(binary: &Path) -> Self {
        let dir = tempfile::Builder::new().prefix("sbdc").tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let root = root.as_path();
        let (ca_pem, cert_pem, key_pem) = certificates();
        std::fs::write(root.join("server.pem"), cert_pem).unwrap();
        std::fs::write(root.join("server.key"), key_pem).unwrap();
        let probe = root.join("probe");
        std::fs::write(&probe, b"").unwrap();
        let my_uid = std::fs::metadata(&probe).unwrap().uid();
        let my_gid = std::fs::metadata(&probe).unwrap().gid();
        // Dovecot refuses mail access as root: as root, mail belongs to `nobody`.
        let (mail_uid, mail_gid) = if my_uid == 0 {
            (65534, 65534)
        } else {
            (my_uid, my_gid)
        };
        let home = root.join("home");
        std::fs::create_dir_all(&home).unwrap();
        let passwd = format!(
            "{USER}:{{PLAIN}}{PASSWORD}:{mail_uid}:{mail_gid}::{}::\n",
            home.display()
        );
        std::fs::write(root.join("passwd"), passwd).unwrap();
        let [pop3, pop3s, imap, imaps, imaps_alt] = free_ports();
        let mut dovecot = Self {
            child: Command::new("true").spawn().unwrap(),
            pop3,
            pop3s,
            imap,
            imaps,
            imaps_alt,
            ca_pem,
            mail_uid,
            serial: std::cell::Cell::new(0),
            dir,
        };
        let _ = dovecot.child.wait();
        for folder in ["", ".Archive"] {
            for sub in ["cur", "new", "tmp"] {
                std::fs::create_dir_all(dovecot.maildir().join(folder).join(sub)).unwrap();
            }
        }
        dovecot.chown_mail();
        let conf = root.join("dovecot.conf");
        std::fs::write(&conf, dovecot.config(my_uid)).unwrap();
        dovecot.child = Command::new(binary)
            .arg("-F")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        dovecot.wait_ready();
        dovecot
    }

    fn config(&self, my_uid: u32) -> String {
        let root = self.dir.path().display();
        let users = if my_uid == 0 {
            String::new()
        } else {
            let name = std::env::var("USER").unwrap_or_else(|_| "nobody".into());
            format!("default_internal_user = {name}\ndefault_login_user = {name}\n")
        };
        format!(
            r#"instance_name = sbtest{imap}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
{users}ssl = yes
ssl_cert = <{root}/server.pem
ssl_key = <{root}/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login apop
auth_failure_delay = 0
mail_location = maildir:{root}/mail
mailbox_idle_check_interval = 1 secs
first_valid_uid = 1
last_valid_uid = 0
first_valid_gid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
  inet_listener imaps_alt {{
    port = {imaps_alt}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = {pop3s}
    ssl = yes
  }}
}}
protocol pop3 {{
  pop3_uidl_format = %08Xu%08Xv
}}
"#,
            imap = self.imap,
            imaps = self.imaps,
            imaps_alt = self.imaps_alt,
            pop3 = self.pop3,
            pop3s = self.pop3s,
        )
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        for port in [self.pop3, self.pop3s, self.imap, self.imaps, self.imaps_alt] {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                if let Ok(Some(status)) = self.child.try_wait() {
                    panic!("dovecot exited with {status}; log:\n{}", self.log());
                }
                assert!(
                    Instant::now() < deadline,
                    "dovecot not ready; log:\n{}",
                    self.log()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// Dovecot's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// The user's maildir (INBOX).
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    fn chown_mail(&self) {
        fn walk(path: &Path, uid: u32) {
            let _ = std::os::unix::fs::chown(path, Some(uid), Some(uid));
            if let Ok(entries) = std::fs::read_dir(path) {
                for entry in entries.flatten() {
                    walk(&entry.path(), uid);
                }
            }
        }
        walk(&self.maildir(), self.mail_uid);
        walk(&self.dir.path().join("home"), self.mail_uid);
    }

    /// Delivers a message into INBOX (`new/`), as an MDA would.
    pub fn deliver(&self, raw: &[u8]) {
        let n = self.serial.get() + 1;
        self.serial.set(n);
        let name = format!("{n}.M{n}P{}.sbtest", std::process::id());
        let tmp = self.maildir().join("tmp").join(&name);
        std::fs::write(&tmp, raw).unwrap();
        let _ = std::os::unix::fs::chown(&tmp, Some(self.mail_uid), Some(self.mail_uid));
        std::fs::rename(&tmp, self.maildir().join("new").join(&name)).unwrap();
    }

    /// Maildir flags of every INBOX message in `cur/` (new/ ones have none).
    pub fn inbox_flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        for sub in ["new", "cur"] {
            for entry in std::fs::read_dir(self.maildir().join(sub))
                .unwrap()
                .flatten()
            {
                let name = entry.file_name().to_string_lossy().into_owned();
                flags.push(
                    name.split_once(":2,")
                        .map(|(_, f)| f.to_owned())
                        .unwrap_or_default(),
                );
            }
        }
        flags
    }

    /// Server settings for `port` and `security`, trusting our CA.
    pub fn server(&self, port: u16, security: Security) -> ServerSettings {
        ServerSettings {
            host: "127.0.0.1".into(),
            port,
            security,
            tls: TlsSettings {
                ca_pem: Some(self.ca_pem.clone()),
                accept_invalid_certificates: false,
            },
            username: USER.into(),
            password: PASSWORD.into(),
            timeout: Duration::from_secs(10),
        }
    }

    /// POP3 mailbox settings, deleting after ack.
    pub fn pop3(&self, port: u16, security: Security) -> MailboxSettings {
        let protocol = Protocol::Pop3 {
            after: Pop3After::Delete,
            auth: Pop3Auth::UserPass,
        };
        MailboxSettings::new(self.server(port, security), protocol)
    }

    /// IMAP INBOX settings, flagging `\Seen` after ack.
    pub fn imap(&self, port: u16, security: Security) -> MailboxSettings {
        let protocol = Protocol::Imap {
            folder: "INBOX".into(),
            after: ImapAfter::MarkSeen,
        };
        MailboxSettings::new(self.server(port, security), protocol)
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Test messages: CRLF, dot lines, 8-bit text, a long line.
pub fn messages() -> Vec<Vec<u8>> {
    (1..=3)
        .map(|i| {
            format!(
                "From: Customer {i} <c{i}@example.org>\r\nTo: support@example.com\r\n\
                 Subject: Order {i}\r\nMessage-ID: <m{i}@example.org>\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\n\
                 Hello, commande n\u{b0}{i} \u{e9}t\u{e9} livr\u{e9}e ?\r\n.\r\n..\r\n.starts with a dot\r\n\
                 {}\r\n-- \r\nCustomer {i}\r\n",
                "x".repeat(1500 * i)
            )
            .into_bytes()
        })
        .collect()
}

/// `raw` sorted, to compare without depending on delivery order.
pub fn sorted(mut raw: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    raw.sort();
    raw
}
