//! Printing in the order RFC 8866 § 5 requires, with CRLF line ends.

use std::fmt::{self, Display, Formatter};

use crate::model::{
    Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription,
};

impl Display for SessionDescription {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "v=0\r\n{}s={}\r\n", self.origin, self.session_name)?;
        opt(f, 'i', self.info.as_deref())?;
        opt(f, 'u', self.uri.as_deref())?;
        self.emails
            .iter()
            .try_for_each(|e| write!(f, "e={e}\r\n"))?;
        self.phones
            .iter()
            .try_for_each(|p| write!(f, "p={p}\r\n"))?;
        if let Some(c) = &self.connection {
            write!(f, "{c}")?;
        }
        self.bandwidths.iter().try_for_each(|b| write!(f, "{b}"))?;
        for t in &self.times {
            write!(f, "t={} {}\r\n", t.start, t.stop)?;
            t.repeats.iter().try_for_each(|r| write!(f, "r={r}\r\n"))?;
        }
        opt(f, 'z', self.zone.as_deref())?;
        opt(f, 'k', self.key.as_deref())?;
        self.attributes.iter().try_for_each(|a| write!(f, "{a}"))?;
        self.media.iter().try_for_each(|m| write!(f, "{m}"))
    }
}

fn opt(f: &mut Formatter<'_>, kind: char, value: Option<&str>) -> fmt::Result {
    match value {
        Some(v) => write!(f, "{kind}={v}\r\n"),
        None => Ok(()),
    }
}

impl Display for Origin {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "o={} {} {} {} {} {}\r\n",
            self.username,
            self.session_id,
            self.session_version,
            self.net_type,
            self.addr_type,
            self.address
        )
    }
}

impl Display for Connection {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "c={} {} {}\r\n",
            self.net_type, self.addr_type, self.address
        )
    }
}

impl Display for Bandwidth {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "b={}:{}\r\n", self.kind, self.value)
    }
}

impl Display for Attribute {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(v) => write!(f, "a={}:{}\r\n", self.name, v),
            None => write!(f, "a={}\r\n", self.name),
        }
    }
}

impl Display for MediaDescription {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "m={} {}", self.media, self.port)?;
        if let Some(count) = self.port_count {
            write!(f, "/{count}")?;
        }
        write!(f, " {}", self.proto)?;
        self.formats
            .iter()
            .try_for_each(|fmt| write!(f, " {fmt}"))?;
        f.write_str("\r\n")?;
        opt(f, 'i', self.info.as_deref())?;
        self.connections.iter().try_for_each(|c| write!(f, "{c}"))?;
        self.bandwidths.iter().try_for_each(|b| write!(f, "{b}"))?;
        opt(f, 'k', self.key.as_deref())?;
        self.attributes.iter().try_for_each(|a| write!(f, "{a}"))
    }
}
