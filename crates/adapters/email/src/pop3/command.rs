//! Commands the client sends.

use std::fmt;

use crate::EmailError;

/// A POP3 command.
#[derive(Clone, PartialEq, Eq)]
pub enum Command {
    /// `CAPA` (RFC 2449): multi-line list of capabilities.
    Capa,
    /// `STLS` (RFC 2595): upgrade to TLS after `+OK`.
    Stls,
    /// `USER name`.
    User(String),
    /// `PASS secret` (never printed by `Debug`).
    Pass(String),
    /// `APOP name digest`, digest = hex MD5 of greeting timestamp + password.
    Apop {
        /// Login name.
        user: String,
        /// Lower-case hex MD5.
        digest: String,
    },
    /// `STAT`: message count and octets.
    Stat,
    /// `UIDL` without argument: multi-line unique-id listing.
    Uidl,
    /// `LIST` without argument: multi-line size listing.
    List,
    /// `RETR n`: the whole message, multi-line.
    Retr(u32),
    /// `DELE n`: mark for deletion; takes effect at `QUIT` only.
    Dele(u32),
    /// `NOOP`.
    Noop,
    /// `RSET`: unmark all deletions.
    Rset,
    /// `QUIT`: commit deletions and close.
    Quit,
}

/// A command without its arguments, to say which command a reply answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    /// `CAPA`.
    Capa,
    /// `STLS`.
    Stls,
    /// `USER`.
    User,
    /// `PASS`.
    Pass,
    /// `APOP`.
    Apop,
    /// `STAT`.
    Stat,
    /// `UIDL`.
    Uidl,
    /// `LIST`.
    List,
    /// `RETR`.
    Retr,
    /// `DELE`.
    Dele,
    /// `NOOP`.
    Noop,
    /// `RSET`.
    Rset,
    /// `QUIT`.
    Quit,
}

impl CommandKind {
    /// The command word.
    pub fn name(self) -> &'static str {
        match self {
            Self::Capa => "CAPA",
            Self::Stls => "STLS",
            Self::User => "USER",
            Self::Pass => "PASS",
            Self::Apop => "APOP",
            Self::Stat => "STAT",
            Self::Uidl => "UIDL",
            Self::List => "LIST",
            Self::Retr => "RETR",
            Self::Dele => "DELE",
            Self::Noop => "NOOP",
            Self::Rset => "RSET",
            Self::Quit => "QUIT",
        }
    }

    /// Whether a positive answer is followed by lines ending with a lone `.`.
    pub fn is_multiline(self) -> bool {
        matches!(self, Self::Capa | Self::Uidl | Self::List | Self::Retr)
    }
}

impl Command {
    /// Which command this is.
    pub fn kind(&self) -> CommandKind {
        match self {
            Self::Capa => CommandKind::Capa,
            Self::Stls => CommandKind::Stls,
            Self::User(_) => CommandKind::User,
            Self::Pass(_) => CommandKind::Pass,
            Self::Apop { .. } => CommandKind::Apop,
            Self::Stat => CommandKind::Stat,
            Self::Uidl => CommandKind::Uidl,
            Self::List => CommandKind::List,
            Self::Retr(_) => CommandKind::Retr,
            Self::Dele(_) => CommandKind::Dele,
            Self::Noop => CommandKind::Noop,
            Self::Rset => CommandKind::Rset,
            Self::Quit => CommandKind::Quit,
        }
    }

    /// The command line with its CRLF; refuses arguments that would inject another command.
    pub(crate) fn encode(&self) -> Result<Vec<u8>, EmailError> {
        let name = self.kind().name();
        let line = match self {
            Self::User(arg) | Self::Pass(arg) => format!("{name} {}", checked(arg)?),
            Self::Apop { user, digest } => format!("APOP {} {}", checked(user)?, checked(digest)?),
            Self::Retr(n) | Self::Dele(n) => format!("{name} {n}"),
            _ => name.to_owned(),
        };
        Ok(format!("{line}\r\n").into_bytes())
    }
}

fn checked(arg: &str) -> Result<&str, EmailError> {
    if arg.is_empty() || arg.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(EmailError::invalid(
            "POP3 arguments must be non-empty, without CR, LF or NUL",
        ));
    }
    Ok(arg)
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(u) => write!(f, "USER {u}"),
            Self::Pass(_) => f.write_str("PASS <redacted>"),
            Self::Apop { user, .. } => write!(f, "APOP {user} <digest>"),
            Self::Retr(n) => write!(f, "RETR {n}"),
            Self::Dele(n) => write!(f, "DELE {n}"),
            other => f.write_str(other.kind().name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_encode_with_crlf() -> Result<(), EmailError> {
        assert_eq!(Command::Retr(7).encode()?, b"RETR 7\r\n");
        assert_eq!(Command::User("bob".into()).encode()?, b"USER bob\r\n");
        assert_eq!(Command::Quit.encode()?, b"QUIT\r\n");
        Ok(())
    }

    #[test]
    fn line_breaks_in_arguments_are_refused() {
        assert!(Command::Pass("a\r\nDELE 1".into()).encode().is_err());
        assert!(Command::User(String::new()).encode().is_err());
    }

    #[test]
    fn debug_hides_the_password() {
        assert_eq!(
            format!("{:?}", Command::Pass("s3cret".into())),
            "PASS <redacted>"
        );
    }
}
