//! Glue to the `sb-sip` message model: [`TxMessage`] for [`sb_sip::Message`], and the
//! conversions between messages and this crate's plain data (REGISTER, credentials,
//! challenges, dialog seeds, in-dialog requests).

use sb_sip::{
    Contacts, HeaderName, Message, Method, NameAddr, Request, Response, StatusCode, Uri, Via,
};
use sb_types::Timestamp;

use crate::Error;
use crate::dialog::{DialogSeed, RequestHead};
use crate::digest::{AuthRole, ChallengeResponse, Credentials};
use crate::registrar::{Binding, ContactParam, Q, Register};
use crate::registration::RegisterResponse;
use crate::transaction::TxMessage;

impl TxMessage for Message {
    fn status(&self) -> Option<u16> {
        self.as_response().map(|r| r.status().as_u16())
    }

    fn method(&self) -> Option<&str> {
        self.as_request().map(|r| r.method().as_str())
    }

    fn cseq_method(&self) -> Option<String> {
        self.headers()
            .cseq()
            .ok()
            .map(|c| c.method.as_str().to_owned())
    }

    fn branch(&self) -> Option<String> {
        self.headers().top_via().ok()?.branch().map(str::to_owned)
    }

    fn sent_by(&self) -> Option<String> {
        Some(self.headers().top_via().ok()?.sent_by())
    }

    fn ack_for(&self, response: &Self) -> Self {
        match self {
            Message::Request(r) => Message::Request(ack_for_non_2xx(r, response)),
            other => other.clone(),
        }
    }

    fn trying(&self) -> Self {
        match self {
            Message::Request(r) => Message::Response(r.make_response(StatusCode::TRYING, None)),
            other => other.clone(),
        }
    }
}

/// RFC 3261 § 17.1.1.3: Request-URI, Call-ID, From, CSeq number, top Via and Route of the
/// INVITE; To of the response.
fn ack_for_non_2xx(invite: &Request, response: &Message) -> Request {
    let mut ack = Request::new(Method::Ack, invite.uri().clone());
    let (src, h) = (invite.headers(), ack.headers_mut());
    if let Ok(via) = src.top_via() {
        h.push(HeaderName::Via, via);
    }
    h.push(HeaderName::MaxForwards, 70);
    copy_first(src, h, HeaderName::From);
    copy_first(response.headers(), h, HeaderName::To);
    copy_first(src, h, HeaderName::CallId);
    if let Ok(cseq) = src.cseq() {
        h.push(HeaderName::CSeq, format!("{} ACK", cseq.seq));
    }
    for route in src.all(HeaderName::Route) {
        h.push(HeaderName::Route, route.value_unfolded());
    }
    ack
}

fn copy_first(from: &sb_sip::Headers, to: &mut sb_sip::Headers, name: HeaderName) {
    if let Some(v) = from.first(name.clone()).map(|h| h.value_unfolded()) {
        to.push(name, v);
    }
}

/// The address of record of a REGISTER's To URI in canonical form (RFC 3261 § 10.3 step 5):
/// URI parameters and headers dropped, the user part unescaped, the host lower-cased.
pub fn canonical_aor(uri: &Uri) -> String {
    match uri {
        Uri::Sip(s) => {
            let scheme = if s.secure { "sips" } else { "sip" };
            let user = s
                .user_decoded()
                .map(|u| format!("{}@", String::from_utf8_lossy(&u)))
                .unwrap_or_default();
            let host = s.host.to_string().to_ascii_lowercase();
            let port = s.port.map(|p| format!(":{p}")).unwrap_or_default();
            format!("{scheme}:{user}{host}{port}")
        }
        other => other.to_string(),
    }
}

/// The registrar's view of a REGISTER. `source` is the transport address (or flow) it came
/// from, stored with the bindings.
pub fn register_of(request: &Request, source: Option<String>) -> Result<Register, Error> {
    let h = request.headers();
    Ok(Register {
        aor: canonical_aor(&h.to()?.uri),
        call_id: h.call_id()?.to_owned(),
        cseq: h.cseq()?.seq,
        expires: h.expires().ok(),
        contacts: contacts_of(h)?,
        path: h
            .name_addrs(HeaderName::Path)?
            .iter()
            .map(ToString::to_string)
            .collect(),
        source,
    })
}

fn contacts_of(h: &sb_sip::Headers) -> Result<Vec<ContactParam>, Error> {
    if !h.contains(HeaderName::Contact) {
        return Ok(Vec::new());
    }
    let star = || ContactParam {
        uri: "*".into(),
        expires: None,
        q: None,
    };
    Ok(match h.contacts()? {
        // `*` with more Contact lines: keep both so that the registrar refuses it.
        Contacts::Star if h.count(HeaderName::Contact) > 1 => vec![star(), star()],
        Contacts::Star => vec![star()],
        Contacts::List(list) => list.iter().map(contact_param).collect(),
    })
}

fn contact_param(na: &NameAddr) -> ContactParam {
    ContactParam {
        uri: na.uri.to_string(),
        expires: na.expires(),
        q: na.q_millis().and_then(Q::from_thousandths),
    }
}

/// The 200 OK to a REGISTER: every current binding as a Contact with its remaining expiry,
/// and the Path echoed (RFC 3327 § 5.3).
pub fn register_ok(
    request: &Request,
    bindings: &[Binding],
    now: Timestamp,
    to_tag: &str,
) -> Response {
    let mut ok = request.make_response(StatusCode::OK, Some(to_tag));
    let h = ok.headers_mut();
    for b in bindings {
        let q = b.q.map(|q| format!(";q={q}")).unwrap_or_default();
        h.push(
            HeaderName::Contact,
            format!("<{}>;expires={}{q}", b.contact, b.expires_in(now)),
        );
    }
    for p in request.headers().all(HeaderName::Path) {
        h.push(HeaderName::Path, p.value_unfolded());
    }
    ok
}

/// The error response for a refused request, with `Min-Expires` for 423 and `Retry-After`
/// for a 500 caused by a pending re-INVITE.
pub fn error_response(request: &Request, error: &Error, to_tag: &str) -> Response {
    let status = StatusCode::new(error.status()).unwrap_or(StatusCode::SERVER_INTERNAL_ERROR);
    let mut r = request.make_response(status, Some(to_tag));
    match error {
        Error::IntervalTooBrief { min_expires } => {
            r.headers_mut().push(HeaderName::MinExpires, min_expires)
        }
        Error::InviteInProgress { retry_after } => {
            r.headers_mut().push(HeaderName::RetryAfter, retry_after)
        }
        Error::SessionIntervalTooSmall { min_se } => {
            r.headers_mut().push(HeaderName::MinSe, min_se)
        }
        _ => {}
    }
    r
}

/// The digest credentials in a request for `realm` (Authorization for
/// [`AuthRole::Server`], Proxy-Authorization for [`AuthRole::Proxy`]).
pub fn credentials_of(request: &Request, role: AuthRole, realm: &str) -> Option<Credentials> {
    let name = match role {
        AuthRole::Server => HeaderName::Authorization,
        AuthRole::Proxy => HeaderName::ProxyAuthorization,
    };
    let all = request.headers().all(name);
    all.filter_map(|h| Credentials::parse(&h.value_unfolded()).ok())
        .find(|c| c.realm == realm)
}

/// The 401/407 answering `request` with the challenges.
pub fn challenge(request: &Request, answer: &ChallengeResponse, to_tag: &str) -> Response {
    let status = StatusCode::new(answer.status).unwrap_or(StatusCode::UNAUTHORIZED);
    let mut r = request.make_response(status, Some(to_tag));
    for c in &answer.challenges {
        r.headers_mut().push(HeaderName::new(answer.header), c);
    }
    r
}

/// The UAC's dialog seed from its INVITE and a response with a To tag.
pub fn uac_seed(invite: &Request, response: &Response) -> Result<DialogSeed, Error> {
    let (req, resp) = (invite.headers(), response.headers());
    let (from, to) = (req.from()?, resp.to()?);
    Ok(DialogSeed {
        id: crate::dialog::DialogId {
            call_id: req.call_id()?.to_owned(),
            local_tag: from.tag().unwrap_or_default().to_owned(),
            remote_tag: to
                .tag()
                .ok_or(Error::Malformed("response without To tag"))?
                .to_owned(),
        },
        local_uri: from.uri.to_string(),
        remote_uri: to.uri.to_string(),
        invite_cseq: req.cseq()?.seq,
        remote_target: first_contact(resp)?,
        record_route: resp
            .record_routes()?
            .iter()
            .map(ToString::to_string)
            .collect(),
        secure: is_sips(invite.uri()),
    })
}

/// The UAS's dialog seed from a received INVITE and the To tag it chose.
pub fn uas_seed(invite: &Request, local_tag: &str) -> Result<DialogSeed, Error> {
    let h = invite.headers();
    let (from, to) = (h.from()?, h.to()?);
    Ok(DialogSeed {
        id: crate::dialog::DialogId {
            call_id: h.call_id()?.to_owned(),
            local_tag: local_tag.to_owned(),
            remote_tag: from.tag().unwrap_or_default().to_owned(),
        },
        local_uri: to.uri.to_string(),
        remote_uri: from.uri.to_string(),
        invite_cseq: h.cseq()?.seq,
        remote_target: first_contact(h)?,
        record_route: h.record_routes()?.iter().map(ToString::to_string).collect(),
        secure: is_sips(invite.uri()),
    })
}

fn first_contact(h: &sb_sip::Headers) -> Result<String, Error> {
    let contacts = h.contacts()?;
    let first = contacts
        .addresses()
        .first()
        .ok_or(Error::Malformed("Contact"))?;
    Ok(first.uri.to_string())
}

fn is_sips(uri: &Uri) -> bool {
    uri.as_sip().is_some_and(|s| s.secure)
}

/// A request from a dialog's [`RequestHead`] with our Via on top.
pub fn request_of(head: &RequestHead, via: Via) -> Result<Request, Error> {
    let method: Method = head.method.parse()?;
    let mut r = Request::new(method, Uri::parse(&head.request_uri)?);
    let h = r.headers_mut();
    h.push(HeaderName::Via, via);
    h.push(HeaderName::MaxForwards, 70);
    h.push(HeaderName::From, tagged(&head.from.0, &head.from.1));
    h.push(HeaderName::To, tagged(&head.to.0, &head.to.1));
    h.push(HeaderName::CallId, &head.call_id);
    h.push(HeaderName::CSeq, format!("{} {}", head.cseq, head.method));
    for route in &head.route {
        let bracketed = if route.trim_start().starts_with('<') {
            route.clone()
        } else {
            format!("<{route}>")
        };
        h.push(HeaderName::Route, bracketed);
    }
    Ok(r)
}

fn tagged(uri: &str, tag: &str) -> String {
    if tag.is_empty() {
        format!("<{uri}>")
    } else {
        format!("<{uri}>;tag={tag}")
    }
}

/// A REGISTER response as [`crate::registration::RegistrationClient`] reads it. The granted
/// expiry is the `expires` of the Contact equal to `our_contact`, else the Expires header.
pub fn register_response_of(response: &Response, our_contact: &str) -> RegisterResponse {
    let h = response.headers();
    let contacts = h.contacts().ok();
    let ours = contacts.as_ref().and_then(|c| {
        c.addresses()
            .iter()
            .find(|a| a.uri.to_string() == our_contact)
    });
    let challenge_header = match response.status().as_u16() {
        407 => HeaderName::ProxyAuthenticate,
        _ => HeaderName::WwwAuthenticate,
    };
    RegisterResponse {
        status: response.status().as_u16(),
        expires: ours
            .and_then(NameAddr::expires)
            .or_else(|| h.expires().ok()),
        min_expires: h.min_expires().ok(),
        challenges: h
            .all(challenge_header)
            .map(|v| v.value_unfolded())
            .collect(),
    }
}
