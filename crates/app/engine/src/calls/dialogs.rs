//! Building the messages of the two legs: the INVITE to the carrier (with the trunk's caller
//! ID and, when challenged, digest credentials), our responses to the phone, and requests
//! inside either dialog (ACK, BYE).

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;
use sb_sdp::SessionDescription;
use sb_sip::{
    HeaderName, Host, MAGIC_COOKIE, MediaType, Method, NameAddr, Request, Response, SipUri,
    StatusCode, Uri, Via,
};
use sb_sip_dialog::dialog::Dialog;
use sb_sip_dialog::digest::{Challenge, DigestClient};
use sb_sip_dialog::e164::E164;
use sb_sip_dialog::trunk::caller_id::CallerIdRequest;
use sb_sip_dialog::wire;
use sb_sip_transport::{Destination, Peer, Transport};

use crate::trunks::OutboundTrunk;

/// What we allow inside our calls' dialogs.
const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER";

/// A fresh random token (tags, Call-IDs, branches, cnonces).
pub fn token() -> String {
    let (a, b) = uuid::Uuid::new_v4().as_u64_pair();
    format!("{a:016x}{:08x}", b as u32)
}

fn host_of(ip: IpAddr) -> Host {
    match ip {
        IpAddr::V4(v4) => Host::Ipv4(v4),
        IpAddr::V6(v6) => Host::Ipv6(v6),
    }
}

/// Our Contact at `local`.
pub fn contact(local: SocketAddr) -> String {
    let mut uri = SipUri::new(host_of(local.ip()));
    uri.user = Some("switchboard".into());
    uri.port = Some(local.port());
    format!("<{uri}>")
}

fn via(local: SocketAddr, transport: &str) -> Via {
    let branch = format!("{MAGIC_COOKIE}{}", token());
    Via::new(transport, host_of(local.ip()), Some(local.port()), &branch)
}

fn sdp_type() -> MediaType {
    MediaType::new("application", "sdp")
}

/// The number's URI at the trunk's proxy (`sip:+442079460000@sbc.carrier;user=phone`).
fn number_uri(number: &E164, trunk: &OutboundTrunk) -> SipUri {
    let mut uri = SipUri::new(trunk.proxy.host.clone());
    uri.port = trunk.proxy.port;
    uri.user = Some(number.as_str().into());
    uri.params.set("user", Some("phone"));
    uri
}

/// The parts of the INVITE we place through a trunk.
pub struct CarrierInvite<'a> {
    /// The dialled number.
    pub number: &'a E164,
    /// The trunk.
    pub trunk: &'a OutboundTrunk,
    /// Our SIP address towards the carrier.
    pub local: SocketAddr,
    /// Our SDP offer.
    pub sdp: &'a SessionDescription,
    /// The leg's Call-ID.
    pub call_id: &'a str,
    /// Our From tag.
    pub from_tag: &'a str,
    /// The identity the call asks to present (the trunk's rules decide).
    pub caller_id: &'a CallerIdRequest,
}

/// The INVITE to the carrier, its identity set by the trunk's caller-ID rules (From,
/// P-Asserted-Identity, Privacy), or our own address when the trunk has none.
pub fn carrier_invite(c: &CarrierInvite<'_>) -> Request {
    let target = number_uri(c.number, c.trunk);
    let mut r = Request::new(Method::Invite, Uri::Sip(target.clone()));
    let mut own = SipUri::new(host_of(c.local.ip()));
    own.user = Some("switchboard".into());
    let mut from = NameAddr::new(Uri::Sip(own));
    from.set_tag(c.from_tag);
    let h = r.headers_mut();
    h.push(HeaderName::Via, via(c.local, "UDP"));
    h.push(HeaderName::MaxForwards, 70);
    h.push(HeaderName::From, from);
    h.push(HeaderName::To, NameAddr::new(Uri::Sip(target)));
    h.push(HeaderName::CallId, c.call_id);
    h.push(HeaderName::CSeq, "1 INVITE");
    h.push(HeaderName::Contact, contact(c.local));
    h.push(HeaderName::Allow, ALLOW);
    if let Some(rules) = &c.trunk.plan.caller_id {
        rules.resolve(c.caller_id).apply(&mut r);
    }
    r.set_body(Some(&sdp_type()), Bytes::from(c.sdp.to_string()));
    r
}

/// `invite` again with credentials answering the 401/407 `challenge` (CSeq + 1, new
/// branch); `None` when no challenge can be answered with `username`/`password`.
pub fn authorized(
    invite: &Request,
    challenge: &Response,
    username: &str,
    password: &str,
) -> Option<Request> {
    let proxy = challenge.status() == StatusCode::PROXY_AUTHENTICATION_REQUIRED;
    let (ask, answer) = if proxy {
        (
            HeaderName::ProxyAuthenticate,
            HeaderName::ProxyAuthorization,
        )
    } else {
        (HeaderName::WwwAuthenticate, HeaderName::Authorization)
    };
    let uri = invite.uri().to_string();
    let credentials = challenge
        .headers()
        .all(ask)
        .filter_map(|h| Challenge::parse(&h.value_unfolded()).ok())
        .find_map(|c| {
            let mut client = DigestClient::new(username, password);
            client.authorize(&c, "INVITE", &uri, &token()).ok()
        })?;
    let mut again = invite.clone();
    let seq = invite.headers().cseq().ok()?.seq + 1;
    let h = again.headers_mut();
    h.remove(HeaderName::Via);
    h.remove(HeaderName::Authorization);
    h.remove(HeaderName::ProxyAuthorization);
    let sent_by = invite.headers().top_via().ok()?;
    let local = SocketAddr::new(sent_by_ip(&sent_by.host)?, sent_by.port.unwrap_or(5060));
    h.push_front(HeaderName::Via, via(local, "UDP"));
    h.set(HeaderName::CSeq, format!("{seq} INVITE"));
    h.push(answer, credentials.to_string());
    Some(again)
}

fn sent_by_ip(host: &Host) -> Option<IpAddr> {
    match host {
        Host::Ipv4(v4) => Some(IpAddr::V4(*v4)),
        Host::Ipv6(v6) => Some(IpAddr::V6(*v6)),
        Host::Domain(_) => None,
    }
}

/// The CANCEL of `invite` (same branch, Call-ID, From, To and CSeq number; RFC 3261 § 9.1).
pub fn cancel_of(invite: &Request, reason: Option<&str>) -> Option<Request> {
    let h = invite.headers();
    let mut c = Request::new(Method::Cancel, invite.uri().clone());
    let seq = h.cseq().ok()?.seq;
    let ch = c.headers_mut();
    ch.push(HeaderName::Via, h.get(HeaderName::Via)?);
    ch.push(HeaderName::MaxForwards, 70);
    ch.push(HeaderName::From, h.get(HeaderName::From)?);
    ch.push(HeaderName::To, h.get(HeaderName::To)?);
    ch.push(HeaderName::CallId, h.get(HeaderName::CallId)?);
    ch.push(HeaderName::CSeq, format!("{seq} CANCEL"));
    if let Some(r) = reason {
        ch.push(HeaderName::new("Reason"), r);
    }
    Some(c)
}

/// The next request `method` inside `dialog`, sent from `local` over `transport`.
pub fn in_dialog(
    dialog: &mut Dialog,
    method: &str,
    local: SocketAddr,
    transport: &str,
) -> Option<Request> {
    let head = dialog.next_request(method);
    let mut r = wire::request_of(&head, via(local, transport)).ok()?;
    r.headers_mut().push(HeaderName::Contact, contact(local));
    Some(r)
}

/// The ACK to the 2xx of the INVITE with CSeq `invite_cseq`.
pub fn ack_of(dialog: &Dialog, invite_cseq: u32, local: SocketAddr) -> Option<Request> {
    let head = dialog.ack(invite_cseq);
    wire::request_of(&head, via(local, "UDP")).ok()
}

/// Our response to the phone's INVITE, with our tag, Contact and, when given, SDP.
pub fn response_to(
    invite: &Request,
    status: StatusCode,
    tag: &str,
    local: SocketAddr,
    sdp: Option<&SessionDescription>,
) -> Response {
    let mut r = invite.make_response(status, Some(tag));
    if status.class() <= 2 && status != StatusCode::TRYING {
        r.headers_mut().push(HeaderName::Contact, contact(local));
        r.headers_mut().push(HeaderName::Allow, ALLOW);
    }
    if let Some(sdp) = sdp {
        r.set_body(Some(&sdp_type()), Bytes::from(sdp.to_string()));
    }
    r
}

/// The SIP transport name and destination that reach a peer we heard from: UDP to its
/// source address (symmetric, through NAT), or the same kind of connection.
pub fn destination_of(peer: Peer) -> (Destination, &'static str) {
    match peer.transport {
        Transport::Tcp(_) => (Destination::tcp(peer.addr), "TCP"),
        Transport::Tls(_) => {
            let transport = sb_sip_dialog::locate::Transport::Tls;
            let addr = peer.addr;
            (Destination { transport, addr }, "TLS")
        }
        _ => (Destination::udp(peer.addr), "UDP"),
    }
}

/// The parts of the INVITE that rings an agent's phone (the B leg).
pub struct AgentInvite<'a> {
    /// The phone's registered Contact (the Request-URI).
    pub contact: &'a str,
    /// The agent's address of record (To).
    pub aor: &'a str,
    /// Who calls, shown on the phone (From user part and display name).
    pub caller: &'a str,
    /// Our SIP address towards the phone.
    pub local: SocketAddr,
    /// Our SDP offer.
    pub sdp: &'a str,
    /// The leg's Call-ID.
    pub call_id: &'a str,
    /// Our From tag.
    pub from_tag: &'a str,
    /// The transport name towards the phone.
    pub transport: &'a str,
    /// The call it belongs to (our id, as the API and the console name it).
    pub call: Option<&'a str>,
    /// The agent's live call comes back to a phone that lost it (a reloaded console): the
    /// console answers it by itself.
    pub reattach: bool,
    /// The agent answered from the console or the API: the phone is asked to answer by
    /// itself.
    pub auto_answer: bool,
}

/// RFC 5373's request that the phone answer without its user.
pub const ANSWER_MODE_HEADER: &str = "Answer-Mode";

/// The header naming the call an agent's INVITE belongs to (the console matches its offer
/// with the call it sees in its snapshot).
pub const CALL_HEADER: &str = "X-Switchboard-Call";

/// The header marking an INVITE that re-attaches the agent to their live call.
pub const REATTACH_HEADER: &str = "X-Switchboard-Reattach";

/// The INVITE to an agent's phone; `None` when the contact or AOR is not a URI.
pub fn agent_invite(a: &AgentInvite<'_>) -> Option<Request> {
    let target = Uri::parse(a.contact).ok()?;
    let to = Uri::parse(a.aor).ok()?;
    let mut r = Request::new(Method::Invite, target);
    let mut own = SipUri::new(host_of(a.local.ip()));
    let digits: String = a
        .caller
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+-._".contains(*c))
        .take(32)
        .collect();
    own.user = Some(if digits.is_empty() {
        "anonymous".into()
    } else {
        digits.as_str().into()
    });
    let mut from = NameAddr::new(Uri::Sip(own));
    from.set_tag(a.from_tag);
    let h = r.headers_mut();
    h.push(HeaderName::Via, via(a.local, a.transport));
    h.push(HeaderName::MaxForwards, 70);
    h.push(HeaderName::From, from);
    h.push(HeaderName::To, NameAddr::new(to));
    h.push(HeaderName::CallId, a.call_id);
    h.push(HeaderName::CSeq, "1 INVITE");
    h.push(HeaderName::Contact, contact(a.local));
    h.push(HeaderName::Allow, ALLOW);
    if let Some(call) = a.call {
        h.push(HeaderName::new(CALL_HEADER), call);
    }
    if a.auto_answer {
        h.push(HeaderName::new(ANSWER_MODE_HEADER), "Auto");
        h.push(
            HeaderName::new("Call-Info"),
            format!("<sip:{}>;answer-after=0", a.local),
        );
    }
    if a.reattach {
        h.push(HeaderName::new(REATTACH_HEADER), "1");
    }
    r.set_body(Some(&sdp_type()), Bytes::from(a.sdp.to_owned()));
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite(auto_answer: bool) -> Request {
        let a = AgentInvite {
            contact: "sip:2001@192.0.2.7:5062",
            aor: "sip:2001@acme",
            caller: "+44 20 7946 0123",
            local: "192.0.2.1:5060".parse().expect("address"),
            sdp: "",
            call_id: "c1@switchboard",
            from_tag: "t1",
            transport: "UDP",
            call: Some("call-1"),
            reattach: false,
            auto_answer,
        };
        agent_invite(&a).expect("an INVITE")
    }

    #[test]
    fn an_offer_answered_from_the_console_asks_the_phone_to_answer_by_itself() {
        let asked = invite(true);
        assert_eq!(asked.headers().get(ANSWER_MODE_HEADER), Some("Auto"));
        assert_eq!(
            asked.headers().get("Call-Info"),
            Some("<sip:192.0.2.1:5060>;answer-after=0")
        );
        let plain = invite(false);
        assert_eq!(plain.headers().get(ANSWER_MODE_HEADER), None);
        assert_eq!(plain.headers().get("Call-Info"), None);
        assert_eq!(plain.headers().get(CALL_HEADER), Some("call-1"));
    }
}
