//! Building the out-of-dialog requests the trunk machines send.

use sb_sip::{HeaderName, MAGIC_COOKIE, Method, NameAddr, Request, SipUri, Uri, Via};

use crate::rng::SplitMix;

/// The parts of a new out-of-dialog request.
pub(super) struct Skeleton<'a> {
    pub method: Method,
    pub request_uri: &'a SipUri,
    pub from: &'a SipUri,
    pub from_tag: &'a str,
    pub to: &'a SipUri,
    pub call_id: &'a str,
    pub cseq: u32,
    /// Our address: the Via sent-by and transport come from it.
    pub local: &'a SipUri,
}

/// A request with Via (fresh RFC 3261 branch; sent-by and transport from our contact — the
/// transport may rewrite sent-by when it sends from another address), Max-Forwards 70, From
/// with tag, To without tag, Call-ID and CSeq.
pub(super) fn build(s: &Skeleton<'_>, rng: &mut SplitMix) -> Request {
    let mut r = Request::new(s.method.clone(), Uri::Sip(s.request_uri.clone()));
    let transport = match s.local.transport() {
        Some(t) if s.local.secure && t == "tcp" => "TLS".to_owned(),
        Some(t) => t.to_ascii_uppercase(),
        None if s.local.secure => "TLS".to_owned(),
        None => "UDP".to_owned(),
    };
    let branch = format!("{MAGIC_COOKIE}{}", rng.token());
    let via = Via::new(&transport, s.local.host.clone(), s.local.port, &branch);
    let mut from = NameAddr::new(Uri::Sip(s.from.clone()));
    from.set_tag(s.from_tag);
    let h = r.headers_mut();
    h.push(HeaderName::Via, via);
    h.push(HeaderName::MaxForwards, 70);
    h.push(HeaderName::From, from);
    h.push(HeaderName::To, NameAddr::new(Uri::Sip(s.to.clone())));
    h.push(HeaderName::CallId, s.call_id);
    h.push(HeaderName::CSeq, format!("{} {}", s.cseq, s.method));
    r
}

/// True when `response` answers the request with this Call-ID and CSeq number.
pub(super) fn answers(response: &sb_sip::Response, call_id: &str, cseq: u32) -> bool {
    let h = response.headers();
    h.call_id().is_ok_and(|c| c == call_id) && h.cseq().is_ok_and(|c| c.seq == cseq)
}
