//! Strict source learning (anti RTP bleed) and symmetric RTP destinations of one leg.
//!
//! Before latching, only a source whose IP matches the SDP address is accepted (any port,
//! for NAT), or any source when SDP gave none. The first accepted RTP packet latches the full
//! address; afterwards every other source is foreign. We send to the latched address.

use std::net::SocketAddr;

/// How a received packet's source relates to the leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The latched source.
    Known,
    /// Acceptable, and would become the latched source.
    New,
    /// Anyone else: drop and count.
    Foreign,
}

/// The leg's remote addresses, from SDP and learnt.
#[derive(Debug, Clone, Default)]
pub(crate) struct Latch {
    sdp_rtp: Option<SocketAddr>,
    sdp_rtcp: Option<SocketAddr>,
    rtp: Option<SocketAddr>,
    rtcp: Option<SocketAddr>,
}

impl Latch {
    /// A latch expecting media from the IP of `rtp` (SDP), or from anyone.
    pub(crate) fn new(rtp: Option<SocketAddr>, rtcp: Option<SocketAddr>) -> Self {
        let mut latch = Latch::default();
        latch.reset(rtp, rtcp);
        latch
    }

    /// New SDP (re-INVITE, answer): forget the learnt sources.
    pub(crate) fn reset(&mut self, rtp: Option<SocketAddr>, rtcp: Option<SocketAddr>) {
        let usable = |a: &SocketAddr| !a.ip().is_unspecified() && a.port() != 0;
        self.sdp_rtp = rtp.filter(usable);
        self.sdp_rtcp = rtcp.filter(usable);
        self.rtp = None;
        self.rtcp = None;
    }

    /// Judges the source of an RTP packet.
    pub(crate) fn check(&self, from: SocketAddr) -> Source {
        match (self.rtp, self.sdp_rtp) {
            (Some(latched), _) if latched == from => Source::Known,
            (Some(_), _) => Source::Foreign,
            (None, Some(sdp)) if sdp.ip() != from.ip() => Source::Foreign,
            (None, _) => Source::New,
        }
    }

    /// Latches on `from` (after [`Latch::check`] said [`Source::New`] and the packet parsed).
    pub(crate) fn latch(&mut self, from: SocketAddr) {
        self.rtp = Some(from);
    }

    /// Judges (and learns) the source of an RTCP packet on the RTCP port: same IP as the
    /// media, first port seen.
    pub(crate) fn admit_rtcp(&mut self, from: SocketAddr) -> bool {
        if let Some(known) = self.rtcp {
            return known == from;
        }
        let ip = self.rtp.or(self.sdp_rtp).map(|a| a.ip());
        if ip.is_some_and(|ip| ip != from.ip()) {
            return false;
        }
        self.rtcp = Some(from);
        true
    }

    /// The latched source.
    pub(crate) fn latched(&self) -> Option<SocketAddr> {
        self.rtp
    }

    /// Where RTP goes: the latched source, else the SDP address.
    pub(crate) fn rtp_target(&self) -> Option<SocketAddr> {
        self.rtp.or(self.sdp_rtp)
    }

    /// Where RTCP goes: the RTP target when muxed, else the learnt RTCP source, the SDP
    /// `a=rtcp` address, or the RTP target's port + 1.
    pub(crate) fn rtcp_target(&self, mux: bool) -> Option<SocketAddr> {
        let rtp = self.rtp_target();
        if mux {
            return rtp;
        }
        let next = rtp.map(|mut a| {
            a.set_port(a.port().wrapping_add(1));
            a
        });
        self.rtcp.or(self.sdp_rtcp).or(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_sdp_the_first_source_is_latched_and_others_are_foreign() {
        let mut latch = Latch::new(None, None);
        assert_eq!(latch.check(addr("10.0.0.1:4000")), Source::New);
        latch.latch(addr("10.0.0.1:4000"));
        assert_eq!(latch.check(addr("10.0.0.1:4000")), Source::Known);
        assert_eq!(latch.check(addr("10.0.0.1:4002")), Source::Foreign);
        assert_eq!(latch.check(addr("10.0.0.9:4000")), Source::Foreign);
        assert_eq!(latch.rtp_target(), Some(addr("10.0.0.1:4000")));
    }

    #[test]
    fn with_sdp_only_its_ip_may_latch_on_any_port() {
        let mut latch = Latch::new(Some(addr("192.0.2.7:30000")), None);
        assert_eq!(latch.rtp_target(), Some(addr("192.0.2.7:30000")));
        assert_eq!(latch.check(addr("198.51.100.1:30000")), Source::Foreign);
        assert_eq!(latch.check(addr("192.0.2.7:51234")), Source::New);
        latch.latch(addr("192.0.2.7:51234"));
        assert_eq!(latch.rtp_target(), Some(addr("192.0.2.7:51234")));
        assert_eq!(latch.rtcp_target(true), Some(addr("192.0.2.7:51234")));
        assert_eq!(latch.rtcp_target(false), Some(addr("192.0.2.7:51235")));
    }

    #[test]
    fn new_sdp_resets_the_latch() {
        let mut latch = Latch::new(None, None);
        latch.latch(addr("10.0.0.1:4000"));
        latch.reset(Some(addr("10.0.0.2:5000")), Some(addr("10.0.0.2:6000")));
        assert_eq!(latch.latched(), None);
        assert_eq!(latch.check(addr("10.0.0.2:5008")), Source::New);
        assert_eq!(latch.rtcp_target(false), Some(addr("10.0.0.2:6000")));
    }

    #[test]
    fn rtcp_is_learnt_from_the_media_ip_only() {
        let mut latch = Latch::new(Some(addr("10.0.0.2:5000")), None);
        assert!(!latch.admit_rtcp(addr("10.0.0.3:5001")));
        assert!(latch.admit_rtcp(addr("10.0.0.2:5001")));
        assert!(!latch.admit_rtcp(addr("10.0.0.2:7001")));
        assert_eq!(latch.rtcp_target(false), Some(addr("10.0.0.2:5001")));
    }

    #[test]
    fn an_unspecified_sdp_address_means_anyone() {
        let latch = Latch::new(Some(addr("0.0.0.0:0")), None);
        assert_eq!(latch.rtp_target(), None);
        assert_eq!(latch.check(addr("10.0.0.1:4000")), Source::New);
    }
}
