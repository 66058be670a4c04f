//! Via processing at a server transport: `received` and `rport` on the way in (RFC 3261
//! § 18.2.1, RFC 3581 § 4), the response's destination on the way out (§ 18.2.2).

use std::net::{IpAddr, SocketAddr};

use sb_sip::{HeaderName, Host, Request, Via};

/// Stamps the top Via of a request received from `source`: `received` when the sent-by host
/// is not the source address (or when `rport` asks for it), and `rport` filled with the
/// source port, so that the response goes back to where the request came from (symmetric
/// routing through NAT).
pub fn stamp_request(request: &mut Request, source: SocketAddr) -> Result<(), sb_sip::Error> {
    let mut via = request.headers().top_via()?;
    let ip = source.ip().to_canonical();
    if !needs_stamp(&via, ip) {
        return Ok(());
    }
    via.set_received(&host_of(ip), source.port());
    let only_one = request.headers().vias()?.len() == 1;
    let headers = request.headers_mut();
    if only_one {
        // Keeps the field where it was.
        headers.set(HeaderName::Via, via);
    } else {
        headers.remove_first_value(HeaderName::Via)?;
        headers.push_front(HeaderName::Via, via);
    }
    Ok(())
}

/// Prepares a request we send as a client (RFC 3261 § 18.1.1, RFC 3581 § 3): the top Via
/// becomes `SIP/2.0/<transport> <sent_by>;branch=…;rport`, keeping the caller's branch when it
/// is an RFC 3261 one (`z9hG4bK…`) and taking `fresh_branch` otherwise; Content-Length is set
/// to the body's length. Returns the branch used.
pub fn prepare_client_request(
    request: &mut Request,
    transport: &str,
    sent_by: SocketAddr,
    fresh_branch: impl FnOnce() -> String,
) -> Result<String, sb_sip::Error> {
    let vias = if request.headers().contains(HeaderName::Via) {
        request.headers().vias()?
    } else {
        Vec::new()
    };
    let branch = vias
        .first()
        .filter(|v| v.has_rfc3261_branch())
        .and_then(|v| v.branch())
        .map(str::to_owned)
        .unwrap_or_else(fresh_branch);
    let ip = sent_by.ip().to_canonical();
    let mut via = Via::new(transport, host_of(ip), Some(sent_by.port()), &branch);
    via.params.set("rport", None);
    let headers = request.headers_mut();
    if vias.len() <= 1 {
        headers.set(HeaderName::Via, via);
    } else {
        headers.remove_first_value(HeaderName::Via)?;
        headers.push_front(HeaderName::Via, via);
    }
    let length = request.body().len();
    request.headers_mut().set(HeaderName::ContentLength, length);
    Ok(branch)
}

fn needs_stamp(via: &Via, source: IpAddr) -> bool {
    via.rport().is_some() || ip_of(&via.host) != Some(source)
}

/// Where a response with this top Via goes over an unreliable transport: `received` (or the
/// sent-by address) and the `rport` value (or the sent-by port, default 5060). `None` when
/// sent-by is a domain name without `received`: send to the request's source then.
pub fn response_destination(via: &Via) -> Option<SocketAddr> {
    let ip = via
        .received()
        .as_ref()
        .and_then(ip_of)
        .or_else(|| ip_of(&via.host))?;
    let port = match via.rport() {
        Some(Some(p)) if via.received().is_some() => p,
        _ => via.port.unwrap_or(5060),
    };
    Some(SocketAddr::new(ip, port))
}

fn ip_of(host: &Host) -> Option<IpAddr> {
    match host {
        Host::Ipv4(a) => Some(IpAddr::V4(*a)),
        Host::Ipv6(a) => Some(IpAddr::V6(*a).to_canonical()),
        Host::Domain(_) => None,
    }
}

fn host_of(ip: IpAddr) -> Host {
    match ip {
        IpAddr::V4(a) => Host::Ipv4(a),
        IpAddr::V6(a) => Host::Ipv6(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(via: &str) -> Request {
        let raw = format!(
            "OPTIONS sip:x@example.com SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\n\
             From: <sip:a@example.com>;tag=1\r\nTo: <sip:x@example.com>\r\nCall-ID: c1\r\n\
             CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        );
        match sb_sip::parse(raw.into_bytes()) {
            Ok(sb_sip::Message::Request(r)) => r,
            other => panic!("not a request: {other:?}"),
        }
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("address")
    }

    fn top(r: &Request) -> Via {
        r.headers().top_via().expect("via")
    }

    #[test]
    fn a_matching_sent_by_without_rport_is_left_untouched() {
        let mut r = request("SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKa");
        let before = r.headers().get(HeaderName::Via).map(str::to_owned);
        stamp_request(&mut r, addr("192.0.2.1:5070")).expect("stamped");
        assert_eq!(r.headers().get(HeaderName::Via).map(str::to_owned), before);
        assert_eq!(response_destination(&top(&r)), Some(addr("192.0.2.1:5070")));
    }

    #[test]
    fn a_natted_sent_by_gets_received_and_answers_go_to_the_source_ip() {
        let mut r = request("SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKa");
        stamp_request(&mut r, addr("203.0.113.9:40000")).expect("stamped");
        let via = top(&r);
        assert_eq!(via.params.get("received"), Some("203.0.113.9"));
        assert_eq!(via.rport(), None);
        assert_eq!(response_destination(&via), Some(addr("203.0.113.9:5070")));
    }

    #[test]
    fn rport_is_filled_and_answers_go_to_the_source_port() {
        let mut r = request("SIP/2.0/UDP 10.0.0.5:5070;rport;branch=z9hG4bKa");
        stamp_request(&mut r, addr("203.0.113.9:40000")).expect("stamped");
        let via = top(&r);
        assert_eq!(via.rport(), Some(Some(40000)));
        assert_eq!(via.branch(), Some("z9hG4bKa"));
        assert_eq!(response_destination(&via), Some(addr("203.0.113.9:40000")));
    }

    #[test]
    fn rport_gets_received_even_when_the_host_matches() {
        let mut r = request("SIP/2.0/UDP 192.0.2.1;rport;branch=z9hG4bKa");
        stamp_request(&mut r, addr("192.0.2.1:6000")).expect("stamped");
        assert_eq!(top(&r).params.get("received"), Some("192.0.2.1"));
        assert_eq!(response_destination(&top(&r)), Some(addr("192.0.2.1:6000")));
    }

    #[test]
    fn a_single_via_keeps_its_place_among_the_headers() {
        let mut r = request("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKa");
        stamp_request(&mut r, addr("198.51.100.1:5060")).expect("stamped");
        let first = r.headers().iter().next().map(|h| h.name().clone());
        assert_eq!(first, Some(HeaderName::Via));
    }

    #[test]
    fn separate_via_lines_keep_their_order() {
        let mut r = request(
            "SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKa\r\nVia: SIP/2.0/UDP 10.0.0.6;branch=z9hG4bKb",
        );
        stamp_request(&mut r, addr("198.51.100.1:5060")).expect("stamped");
        let vias = r.headers().vias().expect("vias");
        assert_eq!(vias.len(), 2);
        assert_eq!(vias[0].params.get("received"), Some("198.51.100.1"));
        assert_eq!(vias[1].branch(), Some("z9hG4bKb"));
    }

    #[test]
    fn only_the_top_via_of_a_combined_line_is_stamped() {
        let mut r =
            request("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKa, SIP/2.0/UDP 10.0.0.6;branch=z9hG4bKb");
        stamp_request(&mut r, addr("198.51.100.1:5060")).expect("stamped");
        let vias = r.headers().vias().expect("vias");
        assert_eq!(vias.len(), 2);
        assert_eq!(vias[0].params.get("received"), Some("198.51.100.1"));
        assert_eq!(vias[1].params.get("received"), None);
        assert_eq!(vias[1].branch(), Some("z9hG4bKb"));
    }

    #[test]
    fn a_domain_sent_by_is_stamped_and_routed_by_received() {
        let mut r = request("SIP/2.0/UDP phone.example.com;branch=z9hG4bKa");
        assert_eq!(response_destination(&top(&r)), None);
        stamp_request(&mut r, addr("[2001:db8::1]:5062")).expect("stamped");
        assert_eq!(
            response_destination(&top(&r)),
            Some(addr("[2001:db8::1]:5060"))
        );
    }

    #[test]
    fn ipv4_mapped_sources_compare_as_ipv4() {
        let mut r = request("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa");
        stamp_request(&mut r, addr("[::ffff:192.0.2.1]:5060")).expect("stamped");
        assert_eq!(top(&r).params.get("received"), None);
    }
}
