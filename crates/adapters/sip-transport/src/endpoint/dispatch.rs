//! Which request goes where: OPTIONS and CANCEL answered here, REGISTER to the registrar,
//! the handler's methods out, everything else refused.

use sb_sip::{HeaderName, Message, Method, Request, StatusCode};
use sb_sip_dialog::transaction::TxId;
use sb_types::Timestamp;

use super::{Endpoint, Output};
use crate::handler::ServerRequest;
use crate::peer::Peer;

/// Methods any SIP stack knows: refused with 405 (they exist, not here), others with 501.
const KNOWN: [Method; 14] = [
    Method::Invite,
    Method::Ack,
    Method::Bye,
    Method::Cancel,
    Method::Register,
    Method::Options,
    Method::Info,
    Method::Prack,
    Method::Subscribe,
    Method::Notify,
    Method::Update,
    Method::Message,
    Method::Refer,
    Method::Publish,
];

impl Endpoint {
    pub(super) fn dispatch(&mut self, now: Timestamp, id: TxId, peer: Peer, message: &Message) {
        let Some(request) = message.as_request() else {
            return;
        };
        let method = request.method().clone();
        if method == Method::Options {
            return self.options(now, id, request);
        }
        if method == Method::Register {
            return self.register(now, id, peer, request);
        }
        if method == Method::Cancel {
            return self.cancel(now, id, request);
        }
        if self.handled.contains(&method) {
            let (tx, request) = (id, request.clone());
            return self.outputs.push_back(Output::Request(ServerRequest {
                tx,
                peer,
                request,
                user: None,
            }));
        }
        self.refuse(now, id, request);
    }

    /// The Allow header value: what this endpoint (with its handler) accepts.
    pub(super) fn allow(&self) -> String {
        let mut methods = vec!["OPTIONS", "REGISTER"];
        for m in &self.handled {
            if !methods.contains(&m.as_str()) {
                methods.push(m.as_str());
            }
        }
        if self.handled.contains(&Method::Invite) {
            methods.extend(["ACK", "CANCEL"]);
        }
        methods.join(", ")
    }

    fn options(&mut self, now: Timestamp, id: TxId, request: &Request) {
        let tag = self.tag();
        let mut ok = request.make_response(StatusCode::OK, Some(&tag));
        let allow = self.allow();
        let h = ok.headers_mut();
        h.push(HeaderName::Allow, allow);
        h.push(HeaderName::Accept, "application/sdp");
        h.push(HeaderName::Supported, "path");
        self.send(now, id, ok);
    }

    fn cancel(&mut self, now: Timestamp, id: TxId, request: &Request) {
        let tag = self.tag();
        let Some(target) = self.layer.cancel_target(id) else {
            let missing = StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST;
            return self.send(now, id, request.make_response(missing, Some(&tag)));
        };
        self.send(now, id, request.make_response(StatusCode::OK, Some(&tag)));
        if self.handled.contains(&Method::Invite) {
            self.outputs.push_back(Output::Cancel(target));
        }
    }

    fn refuse(&mut self, now: Timestamp, id: TxId, request: &Request) {
        let tag = self.tag();
        let method = request.method();
        let response = if *method == Method::Bye {
            let missing = StatusCode::CALL_OR_TRANSACTION_DOES_NOT_EXIST;
            request.make_response(missing, Some(&tag))
        } else if KNOWN.contains(method) {
            let mut r = request.make_response(StatusCode::METHOD_NOT_ALLOWED, Some(&tag));
            r.headers_mut().push(HeaderName::Allow, self.allow());
            r
        } else {
            request.make_response(StatusCode::NOT_IMPLEMENTED, Some(&tag))
        };
        self.send(now, id, response);
    }
}
