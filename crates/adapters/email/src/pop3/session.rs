//! The tokio driver: a connection, the [`Pop3`] core, timeouts.

use std::collections::BTreeSet;

use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Command, Event, Greeting, Limits, Message, Pop3, Reply, UidlEntry};
use crate::stream::{MailStream, within};
use crate::{EmailError, Pop3Auth, Security, ServerSettings};

const READ_CHUNK: usize = 64 * 1024;

/// A logged-in POP3 session (TRANSACTION state).
///
/// Deletions are only marks until [`Pop3Session::quit`] succeeds: dropping the session, a
/// crash or a lost connection deletes nothing (RFC 1939 § 6).
#[derive(Debug)]
pub struct Pop3Session {
    stream: MailStream,
    core: Pop3,
    limits: Limits,
    buf: Vec<u8>,
    timeout: std::time::Duration,
    capabilities: Vec<String>,
    marked: BTreeSet<u32>,
}

/// What a successful `QUIT` committed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Committed {
    /// Message numbers the server has now deleted.
    pub deleted: Vec<u32>,
}

impl Pop3Session {
    /// Connects (plain, `STLS` or implicit TLS), reads the greeting, asks `CAPA`, logs in.
    pub async fn connect(
        server: &ServerSettings,
        auth: Pop3Auth,
        limits: Limits,
    ) -> Result<Self, EmailError> {
        let mut stream = MailStream::connect(server).await?;
        if server.security == Security::Tls {
            stream = stream.upgrade(server).await?;
        }
        let mut session = Self {
            stream,
            core: Pop3::new(limits),
            limits,
            buf: vec![0; READ_CHUNK],
            timeout: server.timeout,
            capabilities: Vec::new(),
            marked: BTreeSet::new(),
        };
        let greeting = session.greeting().await?;
        session.capabilities = session.capa().await;
        if server.security == Security::StartTls {
            session = session.stls(server).await?;
        }
        session.login(server, auth, &greeting).await?;
        Ok(session)
    }

    /// The `CAPA` lines (after `STLS` when used); empty when the server has no `CAPA`.
    pub fn capabilities(&self) -> &[String] {
        &self.capabilities
    }

    /// `STAT`: (message count, octets).
    pub async fn stat(&mut self) -> Result<(u32, u64), EmailError> {
        match self.expect_ok(Command::Stat).await? {
            Reply::Stat { count, octets } => Ok((count, octets)),
            _ => Err(EmailError::protocol("unexpected reply to STAT")),
        }
    }

    /// `UIDL`: every message's number and unique id.
    pub async fn list_uidls(&mut self) -> Result<Vec<UidlEntry>, EmailError> {
        match self.command(Command::Uidl).await? {
            Reply::Uidl(list) => Ok(list),
            Reply::Err(_) => Err(EmailError::Unsupported { what: "POP3 UIDL" }),
            _ => Err(EmailError::protocol("unexpected reply to UIDL")),
        }
    }

    /// `LIST`: every message's number and size.
    pub async fn list_sizes(&mut self) -> Result<Vec<(u32, u64)>, EmailError> {
        match self.expect_ok(Command::List).await? {
            Reply::List(list) => Ok(list),
            _ => Err(EmailError::protocol("unexpected reply to LIST")),
        }
    }

    /// `RETR`: the message, capped at the session's `max_message` (see [`Message::too_large`]).
    pub async fn retrieve(&mut self, msg: u32) -> Result<Message, EmailError> {
        match self.expect_ok(Command::Retr(msg)).await? {
            Reply::Message(message) => Ok(message),
            _ => Err(EmailError::protocol("unexpected reply to RETR")),
        }
    }

    /// `DELE`: marks the message for deletion. Nothing is deleted before [`Self::quit`].
    pub async fn delete(&mut self, msg: u32) -> Result<(), EmailError> {
        self.expect_ok(Command::Dele(msg)).await?;
        self.marked.insert(msg);
        Ok(())
    }

    /// `NOOP`: keeps the session alive.
    pub async fn noop(&mut self) -> Result<(), EmailError> {
        self.expect_ok(Command::Noop).await.map(drop)
    }

    /// `QUIT`: the server deletes the marked messages and closes. Only an `+OK` commits.
    pub async fn quit(mut self) -> Result<Committed, EmailError> {
        self.expect_ok(Command::Quit).await?;
        let _ = self.stream.shutdown().await;
        Ok(Committed {
            deleted: self.marked.into_iter().collect(),
        })
    }

    async fn greeting(&mut self) -> Result<Greeting, EmailError> {
        match self.next_event("the greeting").await? {
            Event::Greeting(g) if g.ok => Ok(g),
            Event::Greeting(g) => Err(EmailError::Server {
                command: "greeting",
                text: g.text,
            }),
            _ => Err(EmailError::protocol("expected a greeting")),
        }
    }

    async fn capa(&mut self) -> Vec<String> {
        match self.command(Command::Capa).await {
            Ok(Reply::Capa(lines)) => lines,
            _ => Vec::new(),
        }
    }

    async fn stls(mut self, server: &ServerSettings) -> Result<Self, EmailError> {
        if let Reply::Err(_) = self.command(Command::Stls).await? {
            return Err(EmailError::Unsupported { what: "POP3 STLS" });
        }
        if !self.core.is_quiet() {
            return Err(EmailError::protocol("plaintext data after the STLS reply"));
        }
        self.stream = self.stream.upgrade(server).await?;
        self.core = Pop3::after_stls(self.limits);
        self.capabilities = self.capa().await;
        Ok(self)
    }

    async fn login(
        &mut self,
        server: &ServerSettings,
        auth: Pop3Auth,
        greeting: &Greeting,
    ) -> Result<(), EmailError> {
        let user = server.username.clone();
        let reply = match auth {
            Pop3Auth::UserPass => match self.command(Command::User(user)).await? {
                Reply::Err(text) => Reply::Err(text),
                _ => self.command(Command::Pass(server.password.clone())).await?,
            },
            Pop3Auth::Apop => {
                let stamp = greeting.apop_timestamp().ok_or(EmailError::Unsupported {
                    what: "POP3 APOP (no timestamp in the greeting)",
                })?;
                let digest = hex::encode(Md5::digest(format!("{stamp}{}", server.password)));
                self.command(Command::Apop { user, digest }).await?
            }
        };
        match reply {
            Reply::Err(detail) => Err(EmailError::Auth { detail }),
            _ => Ok(()),
        }
    }

    /// Sends `command`; a `-ERR` becomes [`EmailError::Server`].
    async fn expect_ok(&mut self, command: Command) -> Result<Reply, EmailError> {
        let kind = command.kind();
        match self.command(command).await? {
            Reply::Err(text) => Err(EmailError::Server {
                command: kind.name(),
                text,
            }),
            reply => Ok(reply),
        }
    }

    async fn command(&mut self, command: Command) -> Result<Reply, EmailError> {
        let kind = command.kind();
        self.core.send(command)?;
        while let Some(bytes) = self.core.poll_transmit() {
            within(
                self.timeout,
                "sending a command",
                self.stream.write_all(&bytes),
            )
            .await??;
        }
        match self.next_event("a reply").await? {
            Event::Reply { command, reply } if command == kind => Ok(reply),
            _ => Err(EmailError::protocol(format!(
                "expected the reply to {}",
                kind.name()
            ))),
        }
    }

    async fn next_event(&mut self, during: &'static str) -> Result<Event, EmailError> {
        loop {
            match self.core.poll_event() {
                Some(Event::Violation(detail)) => return Err(EmailError::protocol(detail)),
                Some(event) => return Ok(event),
                None => {}
            }
            let n = within(self.timeout, during, self.stream.read(&mut self.buf)).await??;
            if n == 0 {
                return Err(EmailError::ConnectionLost);
            }
            self.core.handle_input(&self.buf[..n]);
        }
    }
}
