//! Requests the handler wants authenticated (an INVITE from a phone): challenged as a proxy
//! would (407, RFC 3261 § 22.3), verified like a REGISTER, then handed over with the user.

use sb_sip_dialog::digest::{AuthRole, Rejection};
use sb_sip_dialog::wire;
use sb_types::Timestamp;

use super::{Endpoint, Output, Pending};
use crate::handler::{ServerRequest, SipUser};

impl Endpoint {
    /// Authenticates `request` (see [`crate::RequestHandler::requires_auth`]): without
    /// Proxy-Authorization for the caller's realm it is challenged with 407; with it, the
    /// secret is looked up ([`Output::Lookup`]) and, once verified, the request comes out
    /// again as [`Output::Request`] with [`ServerRequest::user`] set. Failures count towards
    /// the source's ban as for REGISTER. The realm is the one of the From host.
    pub fn authenticate(&mut self, now: Timestamp, request: ServerRequest) {
        let from = request.request.headers().from().ok().map(|f| f.uri);
        let realm = self.realm_of_uri(from);
        let ServerRequest {
            tx, peer, request, ..
        } = request;
        match wire::credentials_of(&request, AuthRole::Proxy, &realm) {
            Some(credentials) => {
                self.look_up(now, tx, peer, &request, realm, credentials, AuthRole::Proxy)
            }
            None => {
                let why = Rejection::NoCredentials;
                self.challenge(now, tx, peer, &request, &realm, AuthRole::Proxy, why)
            }
        }
        self.pump();
    }

    /// A verified request: the source is known and in good standing, the handler gets it.
    pub(super) fn authenticated(&mut self, _now: Timestamp, p: Pending, username: String) {
        let ip = p.peer.addr.ip().to_canonical();
        self.failures.record_success(&ip);
        self.known.insert(ip, p.since);
        let user = SipUser {
            realm: p.realm,
            username,
        };
        self.outputs.push_back(Output::Request(ServerRequest {
            tx: p.tx,
            peer: p.peer,
            request: p.request,
            user: Some(user),
        }));
    }
}
