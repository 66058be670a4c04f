//! Sending replies over SMTP (RFC 5321): lettre speaks the protocol, on our own streams.
//!
//! lettre 0.11 builds its own rustls `ClientConfig` from `TlsParameters` and has no way to take
//! ours, so [`SmtpSender`] does not use its TLS: it opens the TCP connection and runs every TLS
//! handshake itself, with the same configuration as POP3 and IMAP (the suites of DESIGN.md
//! § 7, the channel's CA PEM), and hands lettre's `AsyncSmtpConnection` the finished stream.
//! For STARTTLS (RFC 3207) lettre runs the plain part (greeting, `EHLO`, `STARTTLS`); we then
//! take the TCP stream back, drop whatever was read past the `220` (nothing sent before the
//! handshake may be trusted), run our handshake and start a fresh lettre connection on the TLS
//! stream. lettre reads a greeting first on every connection, so that one is given a stand-in
//! `220` and then sends `EHLO` again, as RFC 3207 § 4.2 requires.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use lettre::Address;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream};
use lettre::transport::smtp::commands::Starttls;
use lettre::transport::smtp::extension::{ClientId, Extension};
use rustls::ClientConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::stream::within;
use crate::{EmailError, MailStream, Security, TlsSettings, tls};

/// Where and how to send; one per channel.
#[derive(Clone)]
pub struct SmtpSettings {
    /// Host name or IP address; also the name checked in the server's certificate.
    pub host: String,
    /// Any port (587 submission with STARTTLS, 465 implicit TLS and 25 are the usual ones).
    pub port: u16,
    /// Plain, STARTTLS (never falls back to plain) or implicit TLS.
    pub security: Security,
    /// Certificate checking.
    pub tls: TlsSettings,
    /// Login name for `AUTH` (PLAIN, else LOGIN); `None` sends without logging in.
    pub username: Option<String>,
    /// Password for `AUTH` (never printed by `Debug`).
    pub password: String,
    /// Longest wait for connecting, the TLS handshake or one server answer; sending the
    /// message gets this once more per started MiB.
    pub timeout: Duration,
    /// The name given in `EHLO`; `None` uses the domain of the envelope sender.
    pub helo_name: Option<String>,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("helo_name", &self.helo_name)
            .finish()
    }
}

/// How the connection is secured, with the TLS configuration built once.
#[derive(Clone)]
enum Mode {
    Plain,
    StartTls(Arc<ClientConfig>),
    Tls(Arc<ClientConfig>),
}

/// The SMTP mechanisms we log in with, in order of preference.
const MECHANISMS: &[Mechanism] = &[Mechanism::Plain, Mechanism::Login];
/// What [`EmailError::SmtpRefused::stage`] says for the mail transaction.
const MESSAGE: &str = "the message (MAIL, RCPT or DATA)";

/// Sends messages through one SMTP server: one connection per message, closed with `QUIT`.
///
/// Every TLS handshake is ours (the configuration POP3 and IMAP use); lettre speaks SMTP over
/// the finished stream. For STARTTLS, lettre runs the plain part up to the `220`; the TCP
/// stream is then taken back, anything read past the `220` dropped, and a fresh lettre
/// connection started over TLS, which sends `EHLO` again (RFC 3207 § 4.2).
#[derive(Clone)]
pub struct SmtpSender {
    settings: SmtpSettings,
    mode: Mode,
    helo: Option<ClientId>,
}

impl fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSender")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// Checks the settings and builds the TLS configuration (the CA PEM is read here).
    pub fn new(settings: SmtpSettings) -> Result<Self, EmailError> {
        tls::server_name(&settings.host)?;
        if settings.port == 0 {
            return Err(EmailError::invalid("SMTP port 0"));
        }
        if settings.timeout.is_zero() {
            return Err(EmailError::invalid("SMTP timeout of zero"));
        }
        if settings.username.as_deref() == Some("") {
            return Err(EmailError::invalid("empty SMTP username"));
        }
        let helo = settings.helo_name.as_deref().map(helo_name).transpose()?;
        let mode = match settings.security {
            Security::Plain => Mode::Plain,
            Security::StartTls => Mode::StartTls(tls::client_config(&settings.tls)?),
            Security::Tls => Mode::Tls(tls::client_config(&settings.tls)?),
        };
        Ok(Self {
            settings,
            mode,
            helo,
        })
    }

    /// Sends an already built RFC 5322 message as is (the bytes are not rewritten), with the
    /// envelope given.
    ///
    /// `raw` must use CRLF line ends (a bare CR or LF is refused: RFC 5321 § 2.3.8, and the
    /// root of "SMTP smuggling"). A final CRLF is the end of the last line; without one, the
    /// server adds it. An empty `envelope_from` sends the null reverse path `<>`.
    pub async fn send(
        &self,
        envelope_from: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> Result<(), EmailError> {
        let envelope = envelope(envelope_from, recipients)?;
        let body = body(raw)?;
        let helo = match &self.helo {
            Some(helo) => helo.clone(),
            None => default_helo(&envelope),
        };
        let mut conn = self.open(&helo).await?;
        let sent = self.transact(&mut conn, &envelope, body).await;
        // QUIT and close; the message is already accepted or refused.
        let _ = within(self.settings.timeout, "QUIT", conn.abort()).await;
        sent
    }

    /// Connects, secures and logs in.
    async fn open(&self, helo: &ClientId) -> Result<AsyncSmtpConnection, EmailError> {
        let s = &self.settings;
        let stream = MailStream::connect_to(&s.host, s.port, s.timeout).await?;
        let mut conn = match &self.mode {
            Mode::Plain => self.greet(Wire::new(stream), helo).await?,
            Mode::Tls(config) => {
                let stream = stream.upgrade_with(config.clone(), &s.host, s.timeout);
                self.greet(Wire::new(stream.await?), helo).await?
            }
            Mode::StartTls(config) => self.starttls(stream, config.clone(), helo).await?,
        };
        if let Some(user) = &s.username
            && let Err(e) = self.login(&mut conn, user).await
        {
            conn.abort().await;
            return Err(e);
        }
        Ok(conn)
    }

    /// Reads the greeting and sends `EHLO`.
    async fn greet(&self, wire: Wire, helo: &ClientId) -> Result<AsyncSmtpConnection, EmailError> {
        let connect = AsyncSmtpConnection::connect_with_transport(Box::new(wire), helo);
        within(self.settings.timeout, "the greeting and EHLO", connect)
            .await?
            .map_err(|e| smtp_error("the greeting or EHLO", e))
    }

    /// Plain greeting and `STARTTLS`, our handshake, then `EHLO` again over TLS.
    async fn starttls(
        &self,
        stream: MailStream,
        config: Arc<ClientConfig>,
        helo: &ClientId,
    ) -> Result<AsyncSmtpConnection, EmailError> {
        let s = &self.settings;
        let wire = Wire::new(stream);
        let slot = wire.slot.clone();
        let mut conn = self.greet(wire, helo).await?;
        if !conn.server_info().supports_feature(Extension::StartTls) {
            conn.abort().await;
            return Err(EmailError::Unsupported { what: "STARTTLS" });
        }
        within(s.timeout, "STARTTLS", conn.command(Starttls))
            .await?
            .map_err(|e| smtp_error("STARTTLS", e))?;
        drop(conn); // with anything read past the 220
        let plain = slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or(EmailError::ConnectionLost)?;
        let tls = plain.upgrade_with(config, &s.host, s.timeout).await?;
        self.greet(Wire::resumed(tls), helo).await
    }

    /// `AUTH` with the first of PLAIN and LOGIN that the server offers.
    async fn login(&self, conn: &mut AsyncSmtpConnection, user: &str) -> Result<(), EmailError> {
        if conn.server_info().get_auth_mechanism(MECHANISMS).is_none() {
            return Err(EmailError::Unsupported {
                what: "SMTP AUTH PLAIN or LOGIN",
            });
        }
        let credentials = Credentials::new(user.to_owned(), self.settings.password.clone());
        let auth = conn.auth(MECHANISMS, &credentials);
        match within(self.settings.timeout, "AUTH", auth).await? {
            Ok(_) => Ok(()),
            Err(e) => Err(match smtp_error("AUTH", e) {
                EmailError::SmtpRefused { code, text, .. } if code >= 500 => EmailError::Auth {
                    detail: format!("{code} {text}"),
                },
                other => other,
            }),
        }
    }

    /// `MAIL`, `RCPT` for each recipient, `DATA`.
    async fn transact(
        &self,
        conn: &mut AsyncSmtpConnection,
        envelope: &Envelope,
        body: &[u8],
    ) -> Result<(), EmailError> {
        let info = conn.server_info();
        if !body.is_ascii() && !info.supports_feature(Extension::EightBitMime) {
            return Err(EmailError::Unsupported {
                what: "8BITMIME (the message has 8-bit bytes)",
            });
        }
        let ascii = |a: &Address| AsRef::<str>::as_ref(a).is_ascii();
        let addresses_ascii = envelope.to().iter().all(ascii) && envelope.from().is_none_or(ascii);
        if !addresses_ascii && !info.supports_feature(Extension::SmtpUtfEight) {
            return Err(EmailError::Unsupported {
                what: "SMTPUTF8 (an address is not ASCII)",
            });
        }
        let mib = u32::try_from(body.len() >> 20).unwrap_or(u32::MAX);
        let limit = self.settings.timeout.saturating_mul(mib.saturating_add(1));
        match within(limit, "sending the message", conn.send(envelope, body)).await? {
            Ok(_) => Ok(()),
            Err(e) if e.is_client() => Err(EmailError::InvalidMessage {
                detail: e.to_string(),
            }),
            Err(e) => Err(smtp_error(MESSAGE, e)),
        }
    }
}

/// The envelope, every address checked.
fn envelope(from: &str, recipients: &[String]) -> Result<Envelope, EmailError> {
    let from = if from.is_empty() {
        None
    } else {
        Some(address(from)?)
    };
    let to = recipients
        .iter()
        .map(|r| address(r))
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(from, to).map_err(|_| EmailError::InvalidMessage {
        detail: "no recipient".into(),
    })
}

fn address(text: &str) -> Result<Address, EmailError> {
    text.parse().map_err(|e| EmailError::InvalidMessage {
        detail: format!("{text:?} is not an email address: {e}"),
    })
}

/// `raw` without its final CRLF (lettre ends the data with CRLF . CRLF), once every line end
/// is checked to be CRLF.
fn body(raw: &[u8]) -> Result<&[u8], EmailError> {
    if raw.is_empty() {
        return Err(EmailError::InvalidMessage {
            detail: "empty message".into(),
        });
    }
    let bare = |what: &str, at: usize| EmailError::InvalidMessage {
        detail: format!("bare {what} at byte {at}: lines must end with CRLF"),
    };
    for (i, pair) in raw.windows(2).enumerate() {
        match pair {
            [b'\r', next] if *next != b'\n' => return Err(bare("CR", i)),
            [prev, b'\n'] if *prev != b'\r' => return Err(bare("LF", i + 1)),
            _ => {}
        }
    }
    match (raw.first(), raw.last()) {
        (Some(b'\n'), _) => return Err(bare("LF", 0)),
        (_, Some(b'\r')) => return Err(bare("CR", raw.len() - 1)),
        _ => {}
    }
    Ok(raw.strip_suffix(b"\r\n").unwrap_or(raw))
}

/// A name for `EHLO`: a host name of letters, digits, `-` and `.`, or an address literal.
fn helo_name(name: &str) -> Result<ClientId, EmailError> {
    let literal = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .and_then(|n| n.strip_prefix("IPv6:").or(Some(n)))
        .is_some_and(|ip| ip.parse::<std::net::IpAddr>().is_ok());
    let host = !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if literal || host {
        Ok(ClientId::Domain(name.to_owned()))
    } else {
        Err(EmailError::invalid(format!("EHLO name {name:?}")))
    }
}

/// Whether `name` may be given in `EHLO`.
pub(crate) fn valid_helo_name(name: &str) -> bool {
    helo_name(name).is_ok()
}

/// The envelope sender's domain when it is a plain ASCII name, else lettre's default.
fn default_helo(envelope: &Envelope) -> ClientId {
    envelope
        .from()
        .and_then(|from| helo_name(from.domain()).ok())
        .unwrap_or_default()
}

/// lettre's error as ours: a reply code gives [`EmailError::SmtpRefused`] with the server's
/// text; the rest is I/O or a reply that broke the protocol.
fn smtp_error(stage: &'static str, e: lettre::transport::smtp::Error) -> EmailError {
    use std::error::Error as _;
    if let Some(code) = e.status() {
        let text = e.source().map(|s| s.to_string()).unwrap_or_default();
        return EmailError::SmtpRefused {
            stage,
            code: code.into(),
            text,
        };
    }
    if let Some(io) = e.source().and_then(|s| s.downcast_ref::<io::Error>()) {
        return EmailError::Io(io::Error::new(io.kind(), io.to_string()));
    }
    EmailError::protocol(format!("SMTP {stage}: {e}"))
}

/// The stream lettre drives. It shares the [`MailStream`] so that the plain TCP stream can be
/// taken back for the STARTTLS handshake, and may first serve a stand-in greeting.
#[derive(Debug)]
struct Wire {
    slot: Arc<Mutex<Option<MailStream>>>,
    greeting: &'static [u8],
}

impl Wire {
    fn new(stream: MailStream) -> Self {
        Self {
            slot: Arc::new(Mutex::new(Some(stream))),
            greeting: b"",
        }
    }

    /// A TLS stream after STARTTLS: lettre first reads this greeting, then sends `EHLO`.
    fn resumed(stream: MailStream) -> Self {
        Self {
            greeting: b"220 TLS established (stand-in greeting after STARTTLS)\r\n",
            ..Self::new(stream)
        }
    }

    fn with<R>(
        &self,
        f: impl FnOnce(Pin<&mut MailStream>) -> Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.as_mut() {
            Some(stream) => f(Pin::new(stream)),
            None => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the stream was taken for TLS",
            ))),
        }
    }
}

impl AsyncTokioStream for Wire {
    fn peer_addr(&self) -> io::Result<std::net::SocketAddr> {
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.as_ref() {
            Some(stream) => stream.peer_addr(),
            None => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

impl AsyncRead for Wire {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.greeting.is_empty() {
            let n = this.greeting.len().min(buf.remaining());
            let (now, later) = this.greeting.split_at(n);
            buf.put_slice(now);
            this.greeting = later;
            return Poll::Ready(Ok(()));
        }
        this.with(|s| s.poll_read(cx, buf))
    }
}

impl AsyncWrite for Wire {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.with(|s| s.poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.with(|s| s.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.with(|s| s.poll_shutdown(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_crlf_line_ends_are_sent() {
        assert_eq!(body(b"a\r\nb\r\n").expect("crlf"), b"a\r\nb");
        assert_eq!(body(b"a\r\nb").expect("no final crlf"), b"a\r\nb");
        assert_eq!(body(b"a\r\n\r\n").expect("empty last line"), b"a\r\n");
        for bad in [
            &b"a\nb"[..],
            b"a\rb",
            b"\n",
            b"a\r",
            b"\r",
            b"a\r\n.\n",
            b"",
        ] {
            let err = body(bad).expect_err("refused");
            assert!(!err.retryable());
        }
    }

    #[test]
    fn envelope_addresses_are_checked() {
        let to = |r: &[&str]| r.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(envelope("a@example.com", &to(&["b@example.org"])).is_ok());
        assert!(envelope("", &to(&["b@example.org"])).is_ok());
        for (from, rcpt) in [
            ("a@example.com", to(&[])),
            ("not an address", to(&["b@example.org"])),
            ("a@example.com", to(&["b@example.org\r\nRCPT TO:<c@x>"])),
            ("a@example.com>\r\nRSET", to(&["b@example.org"])),
        ] {
            let err = envelope(from, &rcpt).expect_err("refused");
            assert!(matches!(err, EmailError::InvalidMessage { .. }), "{err}");
        }
    }

    #[test]
    fn ehlo_names_cannot_inject_commands() {
        for good in ["mail.example.com", "[127.0.0.1]", "[IPv6:::1]", "localhost"] {
            assert!(helo_name(good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "x\r\nRSET", "[not-ip]", &"a".repeat(256)] {
            assert!(helo_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn settings_are_checked_when_the_sender_is_built() {
        let settings = SmtpSettings {
            host: "127.0.0.1".into(),
            port: 25,
            security: Security::Plain,
            tls: TlsSettings::default(),
            username: None,
            password: String::new(),
            timeout: Duration::from_secs(5),
            helo_name: None,
        };
        assert!(SmtpSender::new(settings.clone()).is_ok());
        let bad = [
            SmtpSettings {
                host: "bad host".into(),
                ..settings.clone()
            },
            SmtpSettings {
                port: 0,
                ..settings.clone()
            },
            SmtpSettings {
                username: Some(String::new()),
                ..settings.clone()
            },
            SmtpSettings {
                helo_name: Some("x\r\n".into()),
                ..settings.clone()
            },
            SmtpSettings {
                security: Security::Tls,
                tls: TlsSettings {
                    ca_pem: Some("not a pem".into()),
                    accept_invalid_certificates: false,
                },
                ..settings.clone()
            },
        ];
        for settings in bad {
            let err = SmtpSender::new(settings).expect_err("refused");
            assert!(matches!(err, EmailError::InvalidSettings { .. }), "{err}");
        }
    }

    #[test]
    fn password_never_shows_in_debug() {
        let settings = SmtpSettings {
            host: "h".into(),
            port: 25,
            security: Security::Plain,
            tls: TlsSettings::default(),
            username: Some("u".into()),
            password: "hunter2".into(),
            timeout: Duration::from_secs(5),
            helo_name: None,
        };
        assert!(!format!("{settings:?}").contains("hunter2"));
    }
}
