//! Typed views of the attributes an audio leg needs: rtpmap, fmtp, direction, ptime,
//! rtcp-mux, rtcp.

use crate::crypto::Crypto;
use crate::model::{MediaDescription, SessionDescription, attr};

/// Media direction (RFC 3264 § 5.1, hold in § 8.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Send and receive (the default).
    SendRecv,
    /// Send only (the offerer holds the other side: `a=sendonly`).
    SendOnly,
    /// Receive only.
    RecvOnly,
    /// Neither.
    Inactive,
}

impl Direction {
    /// From the two halves.
    pub fn new(sends: bool, receives: bool) -> Self {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// This side sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// This side receives media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction an attribute name denotes.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Direction::SendRecv,
            Direction::SendOnly,
            Direction::RecvOnly,
            Direction::Inactive,
        ]
        .into_iter()
        .find(|d| d.as_str().eq_ignore_ascii_case(name))
    }

    /// The answer to an offered direction given what we are willing to do:
    /// we send only if the offerer receives, and receive only if it sends.
    pub fn answer(offered: Direction, local: Direction) -> Direction {
        Direction::new(
            offered.receives() && local.sends(),
            offered.sends() && local.receives(),
        )
    }
}

/// A payload format: an `rtpmap` (or a static payload type) and its `fmtp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Codec {
    /// Payload type.
    pub payload_type: u8,
    /// Encoding name as written (`PCMU`, `opus`, `telephone-event`).
    pub name: String,
    /// Clock rate in Hz.
    pub clock_rate: u32,
    /// Channels (1 unless given).
    pub channels: u16,
    /// Format parameters (`fmtp` value after the payload type).
    pub fmtp: Option<String>,
}

impl Codec {
    /// A codec description.
    pub fn new(payload_type: u8, name: &str, clock_rate: u32, channels: u16) -> Self {
        Codec {
            payload_type,
            name: name.into(),
            clock_rate,
            channels,
            fmtp: None,
        }
    }

    /// Same encoding, clock rate and channels (names compare case-insensitively).
    pub fn same_format(&self, other: &Codec) -> bool {
        self.name.eq_ignore_ascii_case(&other.name)
            && self.clock_rate == other.clock_rate
            && self.channels == other.channels
    }

    /// True for `telephone-event` (RFC 4733).
    pub fn is_telephone_event(&self) -> bool {
        self.name.eq_ignore_ascii_case("telephone-event")
    }

    /// The `rtpmap` value (`0 PCMU/8000`, `111 opus/48000/2`).
    pub fn rtpmap(&self) -> String {
        match self.channels {
            1 => format!("{} {}/{}", self.payload_type, self.name, self.clock_rate),
            c => format!(
                "{} {}/{}/{}",
                self.payload_type, self.name, self.clock_rate, c
            ),
        }
    }
}

/// Static payload types of RFC 3551 that telephony meets.
fn static_codec(pt: u8) -> Option<Codec> {
    let (name, rate) = match pt {
        0 => ("PCMU", 8000),
        3 => ("GSM", 8000),
        4 => ("G723", 8000),
        8 => ("PCMA", 8000),
        9 => ("G722", 8000),
        13 => ("CN", 8000),
        18 => ("G729", 8000),
        _ => return None,
    };
    Some(Codec::new(pt, name, rate, 1))
}

fn parse_rtpmap(value: &str) -> Option<Codec> {
    let (pt, rest) = value.trim().split_once(' ')?;
    let mut parts = rest.trim().split('/');
    let name = parts.next()?;
    let clock_rate = parts.next()?.trim().parse().ok()?;
    let channels = parts.next().map_or(Some(1), |c| c.trim().parse().ok())?;
    Some(Codec::new(pt.parse().ok()?, name, clock_rate, channels))
}

impl MediaDescription {
    /// The payload formats in offer order, with their rtpmap (or static meaning) and fmtp.
    /// Formats that are neither numbers nor known are skipped.
    pub fn codecs(&self) -> Vec<Codec> {
        self.formats
            .iter()
            .filter_map(|f| f.parse::<u8>().ok())
            .filter_map(|pt| self.codec(pt))
            .collect()
    }

    /// One payload format.
    pub fn codec(&self, pt: u8) -> Option<Codec> {
        let mapped = self
            .attributes
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case("rtpmap"))
            .filter_map(|a| a.value.as_deref().and_then(parse_rtpmap))
            .find(|c| c.payload_type == pt);
        let mut codec = mapped.or_else(|| static_codec(pt))?;
        codec.fmtp = self.fmtp(pt).map(str::to_owned);
        Some(codec)
    }

    /// The `fmtp` parameters of a payload type.
    pub fn fmtp(&self, pt: u8) -> Option<&str> {
        self.attributes
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case("fmtp"))
            .filter_map(|a| a.value.as_deref())
            .filter_map(|v| v.trim_start().split_once(' '))
            .find(|(p, _)| p.parse::<u8>().ok() == Some(pt))
            .map(|(_, params)| params.trim())
    }

    /// The direction attribute of this section, if any.
    pub fn direction(&self) -> Option<Direction> {
        self.attributes
            .iter()
            .find_map(|a| Direction::from_name(&a.name))
    }

    /// `a=ptime` in ms.
    pub fn ptime(&self) -> Option<u32> {
        attr(&self.attributes, "ptime")?
            .value
            .as_deref()?
            .trim()
            .parse()
            .ok()
    }

    /// `a=rtcp-mux` (RFC 5761).
    pub fn rtcp_mux(&self) -> bool {
        self.has_flag("rtcp-mux")
    }

    /// The RTCP port from `a=rtcp` (RFC 3605).
    pub fn rtcp_port(&self) -> Option<u16> {
        let v = attr(&self.attributes, "rtcp")?.value.as_deref()?;
        v.split_whitespace().next()?.parse().ok()
    }

    /// The `a=crypto` lines that parse (RFC 4568); malformed ones are skipped.
    pub fn crypto(&self) -> Vec<Crypto> {
        self.attributes
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case("crypto"))
            .filter_map(|a| a.value.as_deref()?.parse().ok())
            .collect()
    }
}

impl SessionDescription {
    /// The effective direction of media section `index`: its own attribute, else the session's,
    /// else sendrecv. A connection address of 0.0.0.0 (RFC 2543 hold) removes receiving.
    pub fn direction_of(&self, index: usize) -> Direction {
        let Some(m) = self.media.get(index) else {
            return Direction::Inactive;
        };
        let session = self
            .attributes
            .iter()
            .find_map(|a| Direction::from_name(&a.name));
        let d = m.direction().or(session).unwrap_or(Direction::SendRecv);
        match self.connection_for(index) {
            Some(c) if c.is_hold_address() => Direction::new(d.sends(), false),
            _ => d,
        }
    }
}
