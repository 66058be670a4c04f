//! The RTP port pool: even RTP ports with RTCP on the odd port above, allocated round-robin,
//! skipping ports the OS refuses, freed when their [`PortPair`] is dropped.
//!
//! The lock is taken only to pick a candidate port, never on the packet path.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::MediaError;

/// Hands out RTP/RTCP port pairs from a range. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct PortPool {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    ip: IpAddr,
    first: u16,
    pairs: u16,
    range: (u16, u16),
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    next: u16,
    used: HashSet<u16>,
}

/// Two bound sockets: RTP on an even port, RTCP on the port above. The ports go back to the
/// pool when this (or the sockets' owner) is dropped.
#[derive(Debug)]
pub struct PortPair {
    /// The RTP socket (non-blocking).
    pub rtp: UdpSocket,
    /// The RTCP socket (non-blocking).
    pub rtcp: UdpSocket,
    /// Keeps the ports reserved.
    pub lease: PortLease,
}

/// A reserved port pair; dropping it frees the pair.
#[derive(Debug)]
pub struct PortLease {
    shared: Arc<Shared>,
    port: u16,
}

impl PortLease {
    /// The RTP port (RTCP is one above).
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for PortLease {
    fn drop(&mut self) {
        self.shared.lock().used.remove(&self.port);
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl PortPool {
    /// A pool over the even ports of `min..=max` (each with its odd neighbour) on `ip`.
    pub fn new(ip: IpAddr, min: u16, max: u16) -> Result<Self, MediaError> {
        let first = min.saturating_add(min % 2);
        let span = (u32::from(max) + 1).saturating_sub(u32::from(first));
        let pairs = u16::try_from(span / 2).unwrap_or(u16::MAX);
        if min == 0 || pairs == 0 {
            return Err(MediaError::Config(format!(
                "port range {min}-{max} holds no RTP/RTCP pair"
            )));
        }
        let state = Mutex::new(State::default());
        let range = (min, max);
        let shared = Shared {
            ip,
            first,
            pairs,
            range,
            state,
        };
        Ok(PortPool {
            shared: Arc::new(shared),
        })
    }

    /// Number of pairs in the range.
    pub fn capacity(&self) -> usize {
        usize::from(self.shared.pairs)
    }

    /// Number of pairs handed out and not yet freed.
    pub fn in_use(&self) -> usize {
        self.shared.lock().used.len()
    }

    /// Binds the next free pair; ports the OS refuses (taken by another program) are skipped.
    pub fn allocate(&self) -> Result<PortPair, MediaError> {
        for _ in 0..self.shared.pairs {
            let Some(lease) = self.reserve() else { break };
            if let Ok((rtp, rtcp)) = bind_pair(self.shared.ip, lease.port) {
                return Ok(PortPair { rtp, rtcp, lease });
            }
        }
        let (first, last) = self.shared.range;
        Err(MediaError::PortsExhausted { first, last })
    }

    /// Marks the next unused pair as used, round-robin from the last one handed out.
    fn reserve(&self) -> Option<PortLease> {
        let s = &self.shared;
        let mut state = s.lock();
        for _ in 0..s.pairs {
            let index = state.next;
            state.next = (index + 1) % s.pairs;
            let port = s.first + 2 * index;
            if state.used.insert(port) {
                let shared = Arc::clone(s);
                return Some(PortLease { shared, port });
            }
        }
        None
    }
}

fn bind_pair(ip: IpAddr, port: u16) -> std::io::Result<(UdpSocket, UdpSocket)> {
    let rtp = UdpSocket::bind(SocketAddr::new(ip, port))?;
    let rtcp = UdpSocket::bind(SocketAddr::new(ip, port + 1))?;
    rtp.set_nonblocking(true)?;
    rtcp.set_nonblocking(true)?;
    Ok((rtp, rtcp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    /// A free even port with its odd neighbour and the pair above, found by asking the OS.
    fn free_range() -> u16 {
        for _ in 0..50 {
            let probe = UdpSocket::bind((LOCALHOST, 0)).unwrap();
            let port = probe.local_addr().unwrap().port() & !1;
            drop(probe);
            if port < 60_000 && (port..port + 4).all(|p| UdpSocket::bind((LOCALHOST, p)).is_ok()) {
                return port;
            }
        }
        panic!("no free port range on this machine");
    }

    #[test]
    fn pairs_are_even_rtp_ports_with_rtcp_above() {
        let base = free_range();
        let pool = PortPool::new(LOCALHOST, base, base + 3).unwrap();
        let pair = pool.allocate().unwrap();
        let port = pair.rtp.local_addr().unwrap().port();
        assert_eq!(port % 2, 0);
        assert_eq!(pair.rtcp.local_addr().unwrap().port(), port + 1);
        assert_eq!(pair.lease.port(), port);
    }

    #[test]
    fn an_exhausted_pool_says_so_and_reuses_freed_ports() {
        let base = free_range();
        let pool = PortPool::new(LOCALHOST, base, base + 3).unwrap();
        assert_eq!(pool.capacity(), 2);
        let a = pool.allocate().unwrap();
        let b = pool.allocate().unwrap();
        assert_ne!(a.lease.port(), b.lease.port());
        let err = pool.allocate().unwrap_err();
        assert!(matches!(err, MediaError::PortsExhausted { .. }));
        assert!(err.retry());
        let freed = a.lease.port();
        drop(a);
        assert_eq!(pool.in_use(), 1);
        let c = pool.allocate().unwrap();
        assert_eq!(c.lease.port(), freed);
    }

    #[test]
    fn ports_the_os_refuses_are_skipped() {
        let base = free_range();
        let squatter = UdpSocket::bind((LOCALHOST, base + 1)).unwrap();
        let pool = PortPool::new(LOCALHOST, base, base + 3).unwrap();
        let pair = pool.allocate().unwrap();
        assert_eq!(pair.lease.port(), base + 2);
        assert!(matches!(
            pool.allocate(),
            Err(MediaError::PortsExhausted { .. })
        ));
        assert_eq!(pool.in_use(), 1, "the refused port is not left reserved");
        drop(squatter);
    }

    #[test]
    fn a_range_without_a_pair_is_a_config_error() {
        assert!(PortPool::new(LOCALHOST, 10_001, 10_002).is_err());
        assert!(PortPool::new(LOCALHOST, 0, 10).is_err());
        assert_eq!(
            PortPool::new(LOCALHOST, 10_000, 10_001).unwrap().capacity(),
            1
        );
        assert_eq!(
            PortPool::new(LOCALHOST, 10_000, 10_004).unwrap().capacity(),
            2
        );
    }
}
