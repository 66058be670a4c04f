//! What the server answers, parsed.

/// The server's first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// `+OK` (ready) or `-ERR` (refusing service).
    pub ok: bool,
    /// The text after the status.
    pub text: String,
}

impl Greeting {
    /// The APOP timestamp `<…@…>` in the greeting, angle brackets included (RFC 1939 § 7).
    pub fn apop_timestamp(&self) -> Option<&str> {
        let start = self.text.find('<')?;
        let end = start + self.text[start..].find('>')?;
        let stamp = &self.text[start..=end];
        stamp.contains('@').then_some(stamp)
    }
}

/// One line of a `UIDL` listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UidlEntry {
    /// Message number in this session.
    pub msg: u32,
    /// The server's unique id, stable across sessions.
    pub uidl: String,
}

/// A retrieved message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The message, dot-unstuffed, line ends as sent; only its first `max_message` bytes when
    /// `too_large`.
    pub data: Vec<u8>,
    /// The message was longer than the limit; `data` is its beginning.
    pub too_large: bool,
    /// Octets of the whole message as received (after unstuffing).
    pub octets: u64,
}

/// The answer to one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK` with its text (commands without a listing).
    Ok(String),
    /// `-ERR` with its text.
    Err(String),
    /// `STAT`: count and octets.
    Stat {
        /// Messages in the maildrop.
        count: u32,
        /// Their total size.
        octets: u64,
    },
    /// `CAPA` lines.
    Capa(Vec<String>),
    /// `UIDL` listing.
    Uidl(Vec<UidlEntry>),
    /// `LIST` listing: message number and octets.
    List(Vec<(u32, u64)>),
    /// `RETR`.
    Message(Message),
}

/// Splits a status line into (ok, text), or `None` when it is neither `+OK` nor `-ERR`.
pub(crate) fn status(line: &[u8]) -> Option<(bool, String)> {
    let (ok, rest) = if starts_with_ci(line, b"+OK") {
        (true, &line[3..])
    } else if starts_with_ci(line, b"-ERR") {
        (false, &line[4..])
    } else {
        return None;
    };
    match rest.first() {
        None => Some((ok, String::new())),
        Some(b' ' | b'\t') => Some((ok, String::from_utf8_lossy(&rest[1..]).into_owned())),
        Some(_) => None,
    }
}

fn starts_with_ci(line: &[u8], prefix: &[u8]) -> bool {
    line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// `STAT` text: `count octets [...]`.
pub(crate) fn stat(text: &str) -> Option<Reply> {
    let mut words = text.split_ascii_whitespace();
    let count = words.next()?.parse().ok()?;
    let octets = words.next()?.parse().ok()?;
    Some(Reply::Stat { count, octets })
}

/// The lines of a multi-line body, without their line ends.
fn lines(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    body.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
}

/// A `CAPA`, `UIDL` or `LIST` body; `Err` names the line that does not parse.
pub(crate) fn listing(kind: super::CommandKind, body: &[u8]) -> Result<Reply, String> {
    use super::CommandKind;
    let mut capa = Vec::new();
    let mut uidl = Vec::new();
    let mut list = Vec::new();
    for line in lines(body) {
        let text = std::str::from_utf8(line).map_err(|_| "listing is not UTF-8".to_owned())?;
        let bad = || format!("bad {} line {text:?}", kind.name());
        let mut words = text.split_ascii_whitespace();
        match kind {
            CommandKind::Capa => capa.push(text.to_owned()),
            CommandKind::Uidl => {
                let msg = words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)?;
                let id = words.next().filter(|w| w.len() <= 70).ok_or_else(bad)?;
                uidl.push(UidlEntry {
                    msg,
                    uidl: id.to_owned(),
                });
            }
            _ => {
                let msg = words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)?;
                let size = words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)?;
                list.push((msg, size));
            }
        }
    }
    Ok(match kind {
        CommandKind::Capa => Reply::Capa(capa),
        CommandKind::Uidl => Reply::Uidl(uidl),
        _ => Reply::List(list),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_accepts_ok_err_in_any_case_and_bare() {
        assert_eq!(status(b"+OK ready"), Some((true, "ready".into())));
        assert_eq!(status(b"-err no"), Some((false, "no".into())));
        assert_eq!(status(b"+OK"), Some((true, String::new())));
        assert_eq!(status(b"+OKAY"), None);
        assert_eq!(status(b"* OK imap"), None);
    }

    #[test]
    fn apop_timestamp_is_found_in_the_greeting() {
        let g = Greeting {
            ok: true,
            text: "POP3 <1896.697170952@dbc.mtview.ca.us> hi".into(),
        };
        assert_eq!(
            g.apop_timestamp(),
            Some("<1896.697170952@dbc.mtview.ca.us>")
        );
        let none = Greeting {
            ok: true,
            text: "Dovecot ready.".into(),
        };
        assert_eq!(none.apop_timestamp(), None);
    }
}
