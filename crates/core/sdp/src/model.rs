//! The SDP model (RFC 8866 § 5): a session section and media sections.

/// `o=`: who made the description and which version it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// User name (`-` when none).
    pub username: String,
    /// Session id (numeric text, kept as written).
    pub session_id: String,
    /// Session version; incremented on every changed re-offer.
    pub session_version: u64,
    /// Network type (`IN`).
    pub net_type: String,
    /// Address type (`IP4` or `IP6`).
    pub addr_type: String,
    /// Address of the originator.
    pub address: String,
}

/// `c=`: where media goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Network type (`IN`).
    pub net_type: String,
    /// Address type (`IP4` or `IP6`).
    pub addr_type: String,
    /// Address (may carry `/ttl` for multicast).
    pub address: String,
}

impl Connection {
    /// `IN IP4 <addr>` or `IN IP6 <addr>` chosen by the address' shape.
    pub fn new(address: &str) -> Self {
        let addr_type = if address.contains(':') { "IP6" } else { "IP4" };
        Connection {
            net_type: "IN".into(),
            addr_type: addr_type.into(),
            address: address.into(),
        }
    }

    /// True for the RFC 2543 hold address `0.0.0.0` (or `::`).
    pub fn is_hold_address(&self) -> bool {
        self.address == "0.0.0.0" || self.address == "::"
    }
}

/// `b=`: a bandwidth line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bandwidth {
    /// Type (`AS`, `CT`, `TIAS`, …).
    pub kind: String,
    /// Value (kbit/s for AS and CT).
    pub value: u64,
}

/// `t=` and its `r=` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// Start (NTP seconds, 0 = unbounded).
    pub start: u64,
    /// Stop (NTP seconds, 0 = unbounded).
    pub stop: u64,
    /// Repeat lines, kept as text.
    pub repeats: Vec<String>,
}

/// `a=name` or `a=name:value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Name.
    pub name: String,
    /// Value after the first colon, if any.
    pub value: Option<String>,
}

impl Attribute {
    /// A property attribute (`a=rtcp-mux`).
    pub fn flag(name: &str) -> Self {
        Attribute {
            name: name.into(),
            value: None,
        }
    }

    /// A value attribute (`a=ptime:20`).
    pub fn value(name: &str, value: impl Into<String>) -> Self {
        Attribute {
            name: name.into(),
            value: Some(value.into()),
        }
    }
}

/// A media section (`m=` and its lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// Media type (`audio`, `video`, `application`…).
    pub media: String,
    /// Port; 0 rejects or disables the stream.
    pub port: u16,
    /// Number of ports (`m=audio 4000/2 …`).
    pub port_count: Option<u16>,
    /// Transport protocol (`RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`…).
    pub proto: String,
    /// Formats (payload type numbers for RTP).
    pub formats: Vec<String>,
    /// `i=`.
    pub info: Option<String>,
    /// `c=` lines of this section (usually zero or one).
    pub connections: Vec<Connection>,
    /// `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// `k=` (obsolete, kept).
    pub key: Option<String>,
    /// `a=` lines, in order.
    pub attributes: Vec<Attribute>,
}

/// A whole session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=`.
    pub origin: Origin,
    /// `s=` (`-` when empty).
    pub session_name: String,
    /// `i=`.
    pub info: Option<String>,
    /// `u=`.
    pub uri: Option<String>,
    /// `e=` lines.
    pub emails: Vec<String>,
    /// `p=` lines.
    pub phones: Vec<String>,
    /// Session-level `c=`.
    pub connection: Option<Connection>,
    /// Session-level `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// `t=` lines with their `r=` lines.
    pub times: Vec<Timing>,
    /// `z=`.
    pub zone: Option<String>,
    /// `k=` (obsolete, kept).
    pub key: Option<String>,
    /// Session-level `a=` lines.
    pub attributes: Vec<Attribute>,
    /// Media sections.
    pub media: Vec<MediaDescription>,
}

/// Looks up the value of the first attribute named `name`.
pub(crate) fn attr<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

impl SessionDescription {
    /// First session-level attribute named `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        attr(&self.attributes, name)
    }

    /// The connection that applies to media section `index` (media level first).
    pub fn connection_for(&self, index: usize) -> Option<&Connection> {
        let m = self.media.get(index)?;
        m.connections.first().or(self.connection.as_ref())
    }
}

impl MediaDescription {
    /// First attribute named `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        attr(&self.attributes, name)
    }

    /// True if a property attribute named `name` is present.
    pub fn has_flag(&self, name: &str) -> bool {
        self.attribute(name).is_some()
    }
}
