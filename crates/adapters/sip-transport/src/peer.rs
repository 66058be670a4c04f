//! Where a message came from and where its answer goes.

use std::fmt;
use std::net::SocketAddr;

/// A TCP connection, named by the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// The transport a message arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// The UDP socket.
    Udp,
    /// One TCP connection: responses go back on it (RFC 3261 § 18.2.2).
    Tcp(ConnId),
}

/// The remote end of a received message: transport and source address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Peer {
    /// UDP or a TCP connection.
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

    /// True for stream transports (no retransmissions, RFC 3261 § 17).
    pub fn is_reliable(&self) -> bool {
        matches!(self.transport, Transport::Tcp(_))
    }
}

impl fmt::Display for Peer {
    /// `udp:192.0.2.1:5060` or `tcp:192.0.2.1:40312`: the form stored with bindings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = match self.transport {
            Transport::Udp => "udp",
            Transport::Tcp(_) => "tcp",
        };
        write!(f, "{t}:{}", self.addr)
    }
}
