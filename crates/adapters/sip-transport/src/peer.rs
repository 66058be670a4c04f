//! Where a message came from and where its answer goes.

use std::fmt;
use std::net::SocketAddr;

/// A stream connection (TCP, TLS, WebSocket), named by the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// The transport a message arrived on. Responses to a request that came over a connection go
/// back on that connection (RFC 3261 § 18.2.2, RFC 7118 § 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// The UDP socket.
    Udp,
    /// One TCP connection.
    Tcp(ConnId),
    /// One TLS connection (SIPS, RFC 3261 § 26.2): SIP framed exactly as over TCP.
    Tls(ConnId),
    /// One WebSocket connection (RFC 7118): one SIP message per WebSocket message.
    Ws(ConnId),
    /// One WebSocket connection over TLS.
    Wss(ConnId),
}

impl Transport {
    /// The connection, for every transport but UDP.
    pub fn conn(&self) -> Option<ConnId> {
        match *self {
            Transport::Udp => None,
            Transport::Tcp(c) | Transport::Tls(c) | Transport::Ws(c) | Transport::Wss(c) => Some(c),
        }
    }

    /// The lower-case name used in binding sources: `udp`, `tcp`, `tls`, `ws`, `wss`.
    pub fn name(&self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp(_) => "tcp",
            Transport::Tls(_) => "tls",
            Transport::Ws(_) => "ws",
            Transport::Wss(_) => "wss",
        }
    }
}

/// The remote end of a received message: transport and source address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Peer {
    /// UDP or a connection.
    pub transport: Transport,
    /// The source address as the socket saw it.
    pub addr: SocketAddr,
}

impl Peer {
    /// A UDP peer.
    pub fn udp(addr: SocketAddr) -> Self {
        Peer {
            transport: Transport::Udp,
            addr,
        }
    }

    /// A peer on TCP connection `conn`.
    pub fn tcp(conn: ConnId, addr: SocketAddr) -> Self {
        Peer {
            transport: Transport::Tcp(conn),
            addr,
        }
    }

    /// True for connection transports (no retransmissions, RFC 3261 § 17).
    pub fn is_reliable(&self) -> bool {
        self.transport != Transport::Udp
    }

    /// True when messages were cut from a byte stream by Content-Length (TCP, TLS); UDP
    /// datagrams and WebSocket messages are whole messages, Content-Length optional.
    pub fn is_byte_stream(&self) -> bool {
        matches!(self.transport, Transport::Tcp(_) | Transport::Tls(_))
    }
}

impl fmt::Display for Peer {
    /// `udp:192.0.2.1:5060`, `tcp:…`, `tls:…`, `ws:…` or `wss:192.0.2.1:40312`: the form
    /// stored with bindings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.transport.name(), self.addr)
    }
}
