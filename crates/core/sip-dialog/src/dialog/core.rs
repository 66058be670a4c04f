//! The dialog state of RFC 3261 § 12: identifiers, sequence numbers, remote target, route set,
//! and the heads of requests sent within the dialog.

use sb_types::Timestamp;
use serde::{Deserialize, Serialize};

use super::glare::{Glare, ReinviteOutcome};
use super::session_timer::SessionTimer;
use crate::Error;

/// A dialog's identity: Call-ID and the two tags, from this side's point of view.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DialogId {
    /// The Call-ID.
    pub call_id: String,
    /// Our tag (From tag of our requests).
    pub local_tag: String,
    /// The peer's tag.
    pub remote_tag: String,
}

impl DialogId {
    /// The dialog a received request belongs to: our tag is in To, theirs in From.
    pub fn of_request(call_id: &str, from_tag: &str, to_tag: &str) -> DialogId {
        DialogId {
            call_id: call_id.into(),
            local_tag: to_tag.into(),
            remote_tag: from_tag.into(),
        }
    }

    /// The dialog a received response belongs to: our tag is in From, theirs in To.
    pub fn of_response(call_id: &str, from_tag: &str, to_tag: &str) -> DialogId {
        DialogId {
            call_id: call_id.into(),
            local_tag: from_tag.into(),
            remote_tag: to_tag.into(),
        }
    }
}

/// Early or confirmed (RFC 3261 § 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DialogState {
    /// Created by a provisional response with a To tag.
    Early,
    /// Established by a 2xx.
    Confirmed,
    /// Ended (BYE, or a final non-2xx for an early dialog).
    Terminated,
}

/// Which side of the dialog-creating request we were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DialogRole {
    /// We sent the INVITE (we generated the Call-ID: the "owner" of RFC 3261 § 14.1).
    Uac,
    /// We received it.
    Uas,
}

/// What a dialog is created from: the fields of the dialog-creating request and response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogSeed {
    /// The identity.
    pub id: DialogId,
    /// Our URI (From of the INVITE if we are the UAC, To if the UAS), without tag.
    pub local_uri: String,
    /// The peer's URI, without tag.
    pub remote_uri: String,
    /// The CSeq of the INVITE.
    pub invite_cseq: u32,
    /// The peer's Contact URI.
    pub remote_target: String,
    /// The Record-Route URIs in header order, as received.
    pub record_route: Vec<String>,
    /// Whether the request came over TLS to a `sips:` URI.
    pub secure: bool,
}

/// The start of a request to send within the dialog; the caller adds Via, Max-Forwards,
/// Contact, body and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// The method.
    pub method: String,
    /// The Request-URI.
    pub request_uri: String,
    /// The Route header URIs, in order.
    pub route: Vec<String>,
    /// Call-ID.
    pub call_id: String,
    /// From URI and tag.
    pub from: (String, String),
    /// To URI and tag.
    pub to: (String, String),
    /// CSeq number.
    pub cseq: u32,
}

/// What a dialog tells its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogEvent {
    /// The re-INVITE refused with 491 may be sent again now (RFC 3261 § 14.1).
    RetryReinvite,
    /// We are the session refresher and the refresh is due (RFC 4028 § 10).
    RefreshSession,
    /// No refresh came in time: send BYE (RFC 4028 § 10).
    SessionExpired,
}

/// One dialog.
#[derive(Debug, Clone)]
pub struct Dialog {
    id: DialogId,
    role: DialogRole,
    state: DialogState,
    local_uri: String,
    remote_uri: String,
    local_cseq: u32,
    remote_cseq: Option<u32>,
    remote_target: String,
    route_set: Vec<String>,
    secure: bool,
    glare: Glare,
    session_timer: Option<SessionTimer>,
}

impl Dialog {
    /// The UAC's dialog, from its INVITE and a response with a To tag (§ 12.1.2): the route
    /// set is the Record-Route reversed. `local_cseq` continues from the INVITE's.
    pub fn uac(seed: DialogSeed, confirmed: bool) -> Dialog {
        let mut route_set = seed.record_route.clone();
        route_set.reverse();
        Dialog::build(seed, DialogRole::Uac, confirmed, route_set)
    }

    /// The UAS's dialog, from a received INVITE (§ 12.1.1): the route set is the Record-Route
    /// in order. `local_seq` is where our own CSeq numbering starts (a random number below 2^31).
    pub fn uas(seed: DialogSeed, confirmed: bool, local_seq: u32) -> Dialog {
        let route_set = seed.record_route.clone();
        let remote = seed.invite_cseq;
        let mut d = Dialog::build(seed, DialogRole::Uas, confirmed, route_set);
        d.local_cseq = local_seq;
        d.remote_cseq = Some(remote);
        d
    }

    fn build(
        seed: DialogSeed,
        role: DialogRole,
        confirmed: bool,
        route_set: Vec<String>,
    ) -> Dialog {
        Dialog {
            id: seed.id,
            role,
            state: if confirmed {
                DialogState::Confirmed
            } else {
                DialogState::Early
            },
            local_uri: seed.local_uri,
            remote_uri: seed.remote_uri,
            local_cseq: seed.invite_cseq,
            remote_cseq: None,
            remote_target: seed.remote_target,
            route_set,
            secure: seed.secure,
            glare: Glare::default(),
            session_timer: None,
        }
    }

    /// The identity.
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    /// The state.
    pub fn state(&self) -> DialogState {
        self.state
    }

    /// Our role in the dialog-creating transaction.
    pub fn role(&self) -> DialogRole {
        self.role
    }

    /// The remote target (where requests go when there is no route set).
    pub fn remote_target(&self) -> &str {
        &self.remote_target
    }

    /// The route set.
    pub fn route_set(&self) -> &[String] {
        &self.route_set
    }

    /// Whether the dialog is secure (`sips`).
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// Our last CSeq number.
    pub fn local_cseq(&self) -> u32 {
        self.local_cseq
    }

    /// The peer's last CSeq number, if it has sent a request.
    pub fn remote_cseq(&self) -> Option<u32> {
        self.remote_cseq
    }

    /// The UAC saw the 2xx: the dialog is confirmed and, if it was early, its route set is
    /// recomputed from the 2xx's Record-Route (§ 13.2.2.4) and its target from the Contact.
    pub fn confirm_uac(&mut self, record_route: &[String], contact: Option<&str>) {
        if self.state == DialogState::Early {
            self.route_set = record_route.iter().rev().cloned().collect();
        }
        self.set_target(contact);
        self.state = DialogState::Confirmed;
    }

    /// The UAS sent its 2xx (its route set was fixed by the INVITE).
    pub fn confirm_uas(&mut self) {
        self.state = DialogState::Confirmed;
    }

    /// BYE sent or received, or the early dialog failed.
    pub fn terminate(&mut self) {
        self.state = DialogState::Terminated;
        self.session_timer = None;
        self.glare = Glare::default();
    }

    /// The head of a new request within the dialog (not ACK or CANCEL): the local CSeq goes up
    /// by one.
    pub fn next_request(&mut self, method: &str) -> RequestHead {
        self.local_cseq = self.local_cseq.wrapping_add(1).max(1);
        self.head(method, self.local_cseq)
    }

    /// The head of the ACK for a 2xx to the INVITE with this CSeq (§ 13.2.2.4).
    pub fn ack(&self, invite_cseq: u32) -> RequestHead {
        self.head("ACK", invite_cseq)
    }

    fn head(&self, method: &str, cseq: u32) -> RequestHead {
        let (request_uri, route) = route(&self.route_set, &self.remote_target);
        RequestHead {
            method: method.into(),
            request_uri,
            route,
            call_id: self.id.call_id.clone(),
            from: (self.local_uri.clone(), self.id.local_tag.clone()),
            to: (self.remote_uri.clone(), self.id.remote_tag.clone()),
            cseq,
        }
    }

    /// A request arrived within the dialog (§ 12.2.2). A CSeq not above the last one is refused
    /// (500); a target refresh request (INVITE, UPDATE, SUBSCRIBE, NOTIFY, REFER) with a
    /// Contact replaces the remote target. ACK and CANCEL are not counted.
    pub fn handle_request(
        &mut self,
        method: &str,
        cseq: u32,
        contact: Option<&str>,
    ) -> Result<(), Error> {
        if matches!(method, "ACK" | "CANCEL") {
            return Ok(());
        }
        if let Some(last) = self.remote_cseq.filter(|last| cseq <= *last) {
            return Err(Error::OutOfOrder { cseq, stored: last });
        }
        self.remote_cseq = Some(cseq);
        if is_target_refresh(method) {
            self.set_target(contact);
        }
        Ok(())
    }

    /// A 2xx to our target refresh request arrived: its Contact is the new remote target.
    pub fn handle_refresh_response(&mut self, contact: Option<&str>) {
        self.set_target(contact);
    }

    fn set_target(&mut self, contact: Option<&str>) {
        if let Some(c) = contact.filter(|c| !c.is_empty()) {
            self.remote_target = c.to_owned();
        }
    }

    /// Starts a re-INVITE or UPDATE with an offer: refused while another one is in progress in
    /// either direction (§ 14.1), otherwise returns the request head.
    pub fn begin_reinvite(&mut self, method: &str) -> Result<RequestHead, Error> {
        self.glare.begin_local()?;
        Ok(self.next_request(method))
    }

    /// The final response to our re-INVITE arrived. For 491 a retry time is chosen from
    /// `random` (any value; the caller's randomness) as § 14.1 says, and
    /// [`DialogEvent::RetryReinvite`] fires then.
    pub fn end_reinvite(&mut self, now: Timestamp, status: u16, random: u32) -> ReinviteOutcome {
        let outcome = self
            .glare
            .end_local(now, status, random, self.role == DialogRole::Uac);
        if (200..300).contains(&status) {
            self.refreshed(now);
        }
        outcome
    }

    /// A re-INVITE or UPDATE with an offer arrived: `Err` carries the answer (491 when ours is
    /// pending, 500 with Retry-After when theirs is).
    pub fn receive_reinvite(&mut self, random: u32) -> Result<(), Error> {
        self.glare.begin_remote(random)
    }

    /// We answered the peer's re-INVITE or UPDATE with a final response.
    pub fn answered_reinvite(&mut self, now: Timestamp, status: u16) {
        self.glare.end_remote();
        if (200..300).contains(&status) {
            self.refreshed(now);
        }
    }

    /// Arms session timers (RFC 4028) as negotiated.
    pub fn set_session_timer(&mut self, timer: Option<SessionTimer>) {
        self.session_timer = timer;
    }

    /// The session timer, if any.
    pub fn session_timer(&self) -> Option<&SessionTimer> {
        self.session_timer.as_ref()
    }

    fn refreshed(&mut self, now: Timestamp) {
        if let Some(t) = &mut self.session_timer {
            t.refreshed(now);
        }
    }

    /// The next deadline (re-INVITE retry, session refresh or expiry).
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let timer = self
            .session_timer
            .as_ref()
            .and_then(SessionTimer::poll_timeout);
        [self.glare.poll_timeout(), timer]
            .into_iter()
            .flatten()
            .min()
    }

    /// Runs due timers and returns what fired.
    pub fn handle_timeout(&mut self, now: Timestamp) -> Vec<DialogEvent> {
        let mut fired = Vec::new();
        if self.glare.handle_timeout(now) {
            fired.push(DialogEvent::RetryReinvite);
        }
        if let Some(e) = self
            .session_timer
            .as_mut()
            .and_then(|t| t.handle_timeout(now))
        {
            fired.push(e);
        }
        fired
    }
}

fn is_target_refresh(method: &str) -> bool {
    matches!(
        method,
        "INVITE" | "UPDATE" | "SUBSCRIBE" | "NOTIFY" | "REFER"
    )
}

/// Request-URI and Route for a route set and remote target (§ 12.2.1.1): loose routing when the
/// first route has `lr`, strict routing (the first route becomes the Request-URI and the target
/// goes last) otherwise.
pub fn route(route_set: &[String], target: &str) -> (String, Vec<String>) {
    match route_set.split_first() {
        None => (target.to_owned(), Vec::new()),
        Some((first, _)) if is_loose(first) => (target.to_owned(), route_set.to_vec()),
        Some((first, rest)) => {
            let mut route = rest.to_vec();
            route.push(target.to_owned());
            (strip_params(first), route)
        }
    }
}

fn uri_part(route: &str) -> &str {
    let s = route.trim();
    match (s.find('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => s.get(a + 1..b).unwrap_or(s),
        _ => s,
    }
}

fn is_loose(route: &str) -> bool {
    let uri = uri_part(route);
    let params = uri.split('?').next().unwrap_or("");
    params.split(';').skip(1).any(|p| {
        p.trim().eq_ignore_ascii_case("lr") || p.trim().to_ascii_lowercase().starts_with("lr=")
    })
}

/// A strict-routing Request-URI may not carry header or method parameters: drop everything
/// after the host part's parameters that are not allowed (RFC 3261 § 19.1.1 table: `method`
/// and headers are not allowed in a Request-URI).
fn strip_params(route: &str) -> String {
    let uri = uri_part(route);
    let no_headers = uri.split('?').next().unwrap_or(uri);
    no_headers
        .split(';')
        .filter(|p| !p.trim().to_ascii_lowercase().starts_with("method="))
        .collect::<Vec<_>>()
        .join(";")
}
