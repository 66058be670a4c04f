//! Parsing (RFC 8866 § 5). Lenient where real peers are sloppy (unknown line types are
//! skipped, a missing `s=` or `t=` is filled in), strict where a mistake would change meaning.

use std::str::FromStr;

use crate::error::SdpError;
use crate::model::{
    Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription, Timing,
};

/// Most lines accepted in one description.
const MAX_LINES: usize = 4096;
/// Most media sections accepted.
const MAX_MEDIA: usize = 64;

type Result<T> = std::result::Result<T, SdpError>;

impl FromStr for SessionDescription {
    type Err = SdpError;

    fn from_str(text: &str) -> Result<Self> {
        parse(text)
    }
}

/// Parses a body received as bytes.
pub fn parse_bytes(body: &[u8]) -> Result<SessionDescription> {
    parse(std::str::from_utf8(body).map_err(|_| SdpError::NotUtf8)?)
}

/// Parses a session description.
pub fn parse(text: &str) -> Result<SessionDescription> {
    let mut p = Parser::default();
    let lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    for (n, line) in lines.enumerate().filter(|(_, l)| !l.is_empty()) {
        if n >= MAX_LINES {
            return Err(SdpError::TooLarge);
        }
        p.line(n + 1, line)?;
    }
    p.finish()
}

#[derive(Default)]
struct Parser {
    seen_version: bool,
    origin: Option<Origin>,
    session: Option<SessionDescription>,
}

fn syntax(line: usize, reason: &'static str) -> SdpError {
    SdpError::Syntax { line, reason }
}

impl Parser {
    fn line(&mut self, n: usize, line: &str) -> Result<()> {
        let (kind, value) = line
            .split_once('=')
            .ok_or(syntax(n, "expected <type>=<value>"))?;
        let mut chars = kind.chars();
        let (Some(kind), None) = (chars.next(), chars.next()) else {
            return Err(syntax(n, "line type must be one character"));
        };
        if !self.seen_version {
            return self.version(n, kind, value);
        }
        match self.session.as_mut() {
            None => self.before_session(n, kind, value),
            Some(s) if s.media.is_empty() && kind != 'm' => session_line(s, n, kind, value),
            Some(s) => media_line(s, n, kind, value),
        }
    }

    fn version(&mut self, n: usize, kind: char, value: &str) -> Result<()> {
        if kind != 'v' || value.trim() != "0" {
            return Err(syntax(n, "first line must be v=0"));
        }
        self.seen_version = true;
        Ok(())
    }

    fn before_session(&mut self, n: usize, kind: char, value: &str) -> Result<()> {
        if kind != 'o' {
            return Err(SdpError::Missing('o'));
        }
        self.origin = Some(origin(n, value)?);
        let origin = self.origin.clone().ok_or(SdpError::Missing('o'))?;
        self.session = Some(empty_session(origin));
        Ok(())
    }

    fn finish(self) -> Result<SessionDescription> {
        if !self.seen_version {
            return Err(SdpError::Missing('v'));
        }
        let mut s = self.session.ok_or(SdpError::Missing('o'))?;
        if s.times.is_empty() {
            s.times.push(Timing {
                start: 0,
                stop: 0,
                repeats: Vec::new(),
            });
        }
        Ok(s)
    }
}

fn empty_session(origin: Origin) -> SessionDescription {
    SessionDescription {
        origin,
        session_name: "-".into(),
        info: None,
        uri: None,
        emails: Vec::new(),
        phones: Vec::new(),
        connection: None,
        bandwidths: Vec::new(),
        times: Vec::new(),
        zone: None,
        key: None,
        attributes: Vec::new(),
        media: Vec::new(),
    }
}

fn session_line(s: &mut SessionDescription, n: usize, kind: char, value: &str) -> Result<()> {
    match kind {
        's' => {
            s.session_name = if value.is_empty() {
                "-".into()
            } else {
                value.into()
            }
        }
        'i' => s.info = Some(value.into()),
        'u' => s.uri = Some(value.into()),
        'e' => s.emails.push(value.into()),
        'p' => s.phones.push(value.into()),
        'c' => s.connection = Some(connection(n, value)?),
        'b' => s.bandwidths.push(bandwidth(n, value)?),
        't' => s.times.push(timing(n, value)?),
        'r' => s
            .times
            .last_mut()
            .ok_or(syntax(n, "r= before t="))?
            .repeats
            .push(value.into()),
        'z' => s.zone = Some(value.into()),
        'k' => s.key = Some(value.into()),
        'a' => s.attributes.push(attribute(n, value)?),
        _ => {} // unknown or misplaced types are ignored (RFC 8866 § 5)
    }
    Ok(())
}

fn media_line(s: &mut SessionDescription, n: usize, kind: char, value: &str) -> Result<()> {
    if kind == 'm' {
        if s.media.len() >= MAX_MEDIA {
            return Err(SdpError::TooLarge);
        }
        s.media.push(media(n, value)?);
        return Ok(());
    }
    let Some(m) = s.media.last_mut() else {
        return Ok(());
    };
    match kind {
        'i' => m.info = Some(value.into()),
        'c' => m.connections.push(connection(n, value)?),
        'b' => m.bandwidths.push(bandwidth(n, value)?),
        'k' => m.key = Some(value.into()),
        'a' => m.attributes.push(attribute(n, value)?),
        _ => {}
    }
    Ok(())
}

fn fields<const N: usize>(n: usize, value: &str, what: &'static str) -> Result<[String; N]> {
    let parts: Vec<String> = value.split_whitespace().map(str::to_owned).collect();
    parts.try_into().map_err(|_| syntax(n, what))
}

fn origin(n: usize, value: &str) -> Result<Origin> {
    let [username, session_id, version, net_type, addr_type, address] =
        fields(n, value, "o= needs 6 fields")?;
    let session_version = version
        .parse()
        .map_err(|_| syntax(n, "o= version is not a number"))?;
    Ok(Origin {
        username,
        session_id,
        session_version,
        net_type,
        addr_type,
        address,
    })
}

fn connection(n: usize, value: &str) -> Result<Connection> {
    let [net_type, addr_type, address] = fields(n, value, "c= needs 3 fields")?;
    Ok(Connection {
        net_type,
        addr_type,
        address,
    })
}

fn bandwidth(n: usize, value: &str) -> Result<Bandwidth> {
    let (kind, v) = value
        .split_once(':')
        .ok_or(syntax(n, "b= needs <type>:<value>"))?;
    let value = v
        .trim()
        .parse()
        .map_err(|_| syntax(n, "b= value is not a number"))?;
    let kind = kind.trim();
    if kind.is_empty() || kind.contains(char::is_whitespace) {
        return Err(syntax(n, "b= type is empty"));
    }
    Ok(Bandwidth {
        kind: kind.into(),
        value,
    })
}

fn timing(n: usize, value: &str) -> Result<Timing> {
    let [start, stop] = fields(n, value, "t= needs 2 fields")?;
    let num = |s: String| s.parse().map_err(|_| syntax(n, "t= time is not a number"));
    Ok(Timing {
        start: num(start)?,
        stop: num(stop)?,
        repeats: Vec::new(),
    })
}

fn attribute(n: usize, value: &str) -> Result<Attribute> {
    let (name, v) = match value.split_once(':') {
        Some((name, v)) => (name, Some(v.to_owned())),
        None => (value, None),
    };
    if name.is_empty() {
        return Err(syntax(n, "attribute without a name"));
    }
    Ok(Attribute {
        name: name.into(),
        value: v,
    })
}

fn media(n: usize, value: &str) -> Result<MediaDescription> {
    let mut parts = value.split_whitespace();
    let (Some(media), Some(port), Some(proto)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(syntax(n, "m= needs media, port and protocol"));
    };
    let (port, port_count) = match port.split_once('/') {
        Some((p, c)) => (p, Some(c.parse().map_err(|_| syntax(n, "m= port count"))?)),
        None => (port, None),
    };
    Ok(MediaDescription {
        media: media.into(),
        port: port
            .parse()
            .map_err(|_| syntax(n, "m= port is not a number"))?,
        port_count,
        proto: proto.into(),
        formats: parts.map(str::to_owned).collect(),
        info: None,
        connections: Vec::new(),
        bandwidths: Vec::new(),
        key: None,
        attributes: Vec::new(),
    })
}
