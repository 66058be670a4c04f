//! The data of server location: transports, targets, queries and DNS records as plain structs.

use std::fmt;
use std::net::IpAddr;

/// A transport we can reach a SIP server over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    /// UDP (`SIP+D2U`, `_sip._udp`).
    Udp,
    /// TCP (`SIP+D2T`, `_sip._tcp`).
    Tcp,
    /// TLS over TCP (`SIPS+D2T`, `_sips._tcp`).
    Tls,
}

impl Transport {
    /// The Via / `transport=` token.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
        }
    }

    /// The SRV owner prefix (RFC 3263 § 4.1).
    pub(crate) fn srv_prefix(self) -> &'static str {
        match self {
            Transport::Udp => "_sip._udp.",
            Transport::Tcp => "_sip._tcp.",
            Transport::Tls => "_sips._tcp.",
        }
    }

    /// The default port: 5061 for TLS, 5060 otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            Transport::Tls => 5061,
            _ => 5060,
        }
    }

    /// The NAPTR service field for this transport.
    pub(crate) fn from_naptr_service(service: &str, secure_only: bool) -> Option<Transport> {
        let t = match service.to_ascii_uppercase().as_str() {
            "SIP+D2U" => Transport::Udp,
            "SIP+D2T" => Transport::Tcp,
            "SIPS+D2T" => Transport::Tls,
            _ => return None,
        };
        (!secure_only || t == Transport::Tls).then_some(t)
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One place to send the request, in the order to try them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    /// The transport.
    pub transport: Transport,
    /// The address.
    pub ip: IpAddr,
    /// The port.
    pub port: u16,
}

/// The record type of a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    /// NAPTR (RFC 3403).
    Naptr,
    /// SRV (RFC 2782).
    Srv,
    /// A (IPv4 addresses).
    A,
    /// AAAA (IPv6 addresses).
    Aaaa,
}

/// A DNS question the machine wants answered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Query {
    /// The owner name, lower case, without the trailing dot.
    pub name: String,
    /// The record type.
    pub kind: RecordType,
}

/// A NAPTR record (RFC 3403 § 4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NaptrRecord {
    /// Lower is tried first.
    pub order: u16,
    /// Lower is tried first among equal orders.
    pub preference: u16,
    /// `s` for a record whose replacement is an SRV owner name (the only kind used for SIP).
    pub flags: String,
    /// `SIP+D2U`, `SIP+D2T`, `SIPS+D2T`, …
    pub service: String,
    /// The replacement domain (the SRV owner name).
    pub replacement: String,
}

/// An SRV record (RFC 2782).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvRecord {
    /// Lower is tried first.
    pub priority: u16,
    /// Relative weight among records of equal priority.
    pub weight: u16,
    /// The port.
    pub port: u16,
    /// The target host name (`.` means "no service here").
    pub target: String,
}

/// One record of an answer; records of another type than the query's are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A NAPTR record.
    Naptr(NaptrRecord),
    /// An SRV record.
    Srv(SrvRecord),
    /// An A or AAAA record's address.
    Address(IpAddr),
}

/// Lower case without the trailing dot: the form names are compared in.
pub(crate) fn canonical_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}
