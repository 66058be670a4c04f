//! REGISTER: challenge, credentials lookup, verification, failure tracking, registrar.

use sb_sip::{Host, Request, StatusCode};
use sb_sip_dialog::digest::{
    Admission, AuthAttempt, AuthRole, DigestServer, DigestServerConfig, Rejection, UserSecret,
    Verdict,
};
use sb_sip_dialog::transaction::TxId;
use sb_sip_dialog::wire;
use sb_types::Timestamp;

use super::{Endpoint, LookupId, Output, Pending};
use crate::config::BanAnswer;
use crate::peer::{Peer, Transport};
use crate::realm::realm_of_host;

/// Most realms with replay state kept at once; beyond, an arbitrary one is forgotten (its
/// outstanding nonce counts could then be replayed once, within the nonce lifetime).
const MAX_REALMS: usize = 10_000;

impl Endpoint {
    pub(super) fn register(&mut self, now: Timestamp, id: TxId, peer: Peer, request: &Request) {
        let realm = self.realm_of(request);
        let Some(credentials) = wire::credentials_of(request, AuthRole::Server, &realm) else {
            let role = AuthRole::Server;
            return self.challenge(
                now,
                id,
                peer,
                request,
                &realm,
                role,
                Rejection::NoCredentials,
            );
        };
        self.look_up(now, id, peer, request, realm, credentials, AuthRole::Server);
    }

    /// Queues a credentials lookup for a REGISTER (`Server` role) or a request the handler
    /// wants authenticated (`Proxy` role); [`Endpoint::handle_secret`] continues.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn look_up(
        &mut self,
        now: Timestamp,
        id: TxId,
        peer: Peer,
        request: &Request,
        realm: String,
        credentials: sb_sip_dialog::digest::Credentials,
        role: AuthRole,
    ) {
        if self.pending.len() >= self.config.max_pending_lookups {
            let busy = request.make_response(StatusCode::SERVICE_UNAVAILABLE, None);
            return self.send(now, id, busy);
        }
        let lookup = LookupId(self.next_lookup);
        self.next_lookup = self.next_lookup.wrapping_add(1);
        let username = credentials.username.clone();
        let pending = Pending {
            role,
            since: now,
            realm: realm.clone(),
            tx: id,
            peer,
            request: request.clone(),
            credentials,
        };
        self.pending.insert(lookup, pending);
        self.outputs.push_back(Output::Lookup {
            id: lookup,
            realm,
            username,
        });
    }

    pub(super) fn verify(&mut self, now: Timestamp, p: Pending, secret: Option<UserSecret>) {
        let source = p.peer.addr.ip().to_canonical().to_string();
        let uri = p.request.uri().to_string();
        let method = p.request.method().as_str().to_owned();
        let attempt = AuthAttempt {
            method: &method,
            source: &source,
            request_uri: &uri,
            credentials: &p.credentials,
        };
        let verdict = self.with_digest(p.role, &p.realm, |d| {
            d.verify(now, attempt, secret.as_ref())
        });
        match verdict {
            Verdict::Authorized { username } if p.role == AuthRole::Proxy => {
                self.authenticated(now, p, username)
            }
            Verdict::Authorized { username } => self.authorized(now, p, &username),
            Verdict::Rejected(why) => self.rejected(now, p, why),
        }
    }

    fn rejected(&mut self, now: Timestamp, p: Pending, why: Rejection) {
        let ip = p.peer.addr.ip().to_canonical();
        let banned = why.is_failure()
            && matches!(
                self.failures.record_failure(now, &ip),
                Admission::Banned { .. }
            );
        match (banned, self.config.ban_answer) {
            (false, _) => self.challenge(now, p.tx, p.peer, &p.request, &p.realm, p.role, why),
            (true, BanAnswer::Forbidden) => {
                self.answer(now, p.tx, &p.request, StatusCode::FORBIDDEN)
            }
            (true, BanAnswer::Drop) => self.layer.handle_transport_error(p.tx),
        }
    }

    fn authorized(&mut self, now: Timestamp, p: Pending, username: &str) {
        let ip = p.peer.addr.ip().to_canonical();
        self.failures.record_success(&ip);
        if !aor_belongs_to(&p.request, username) {
            return self.answer(now, p.tx, &p.request, StatusCode::FORBIDDEN);
        }
        self.known.insert(ip, now);
        let tag = self.tag();
        let response = wire::register_of(&p.request, Some(p.peer.to_string()))
            .and_then(|r| self.registrar.handle_register(now, &r))
            .map(|bindings| wire::register_ok(&p.request, &bindings, now, &tag))
            .unwrap_or_else(|e| wire::error_response(&p.request, &e, &tag));
        self.send(now, p.tx, response);
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn challenge(
        &mut self,
        now: Timestamp,
        id: TxId,
        peer: Peer,
        request: &Request,
        realm: &str,
        role: AuthRole,
        why: Rejection,
    ) {
        let source = peer.addr.ip().to_canonical().to_string();
        let mut answer = self.with_digest(role, realm, |d| d.reject(now, &source, why));
        if matches!(peer.transport, Transport::Ws(_) | Transport::Wss(_)) {
            md5_last(&mut answer.challenges);
        }
        let tag = self.tag();
        self.send(now, id, wire::challenge(request, &answer, &tag));
    }

    /// The realm a REGISTER is authenticated in: with `realm_per_domain`, the one named by
    /// its To host ([`realm_of_host`]), else the default.
    fn realm_of(&self, request: &Request) -> String {
        self.realm_of_uri(request.headers().to().ok().map(|to| to.uri))
    }

    /// The realm of a SIP URI's host (the default one without `realm_per_domain`).
    pub(super) fn realm_of_uri(&self, uri: Option<sb_sip::Uri>) -> String {
        let default = self.digest.realm();
        if !self.config.realm_per_domain {
            return default.to_owned();
        }
        match uri.as_ref().and_then(|u| u.as_sip()).map(|u| &u.host) {
            Some(Host::Domain(domain)) => realm_of_host(domain, default),
            _ => default.to_owned(),
        }
    }

    /// Runs `f` on the digest server of `realm` in `role`. Servers other than the default
    /// realm's registrar are made on demand (same nonce key and algorithms) and kept only
    /// while they track nonce counts, so realms named by scanners cost nothing once answered.
    fn with_digest<R>(
        &mut self,
        role: AuthRole,
        realm: &str,
        f: impl FnOnce(&mut DigestServer) -> R,
    ) -> R {
        if role == AuthRole::Server && realm == self.digest.realm() {
            return f(&mut self.digest);
        }
        let key = (role, realm.to_owned());
        if !self.realms.contains_key(&key) && self.realms.len() >= MAX_REALMS {
            let victim = self.realms.keys().next().cloned();
            victim.map(|v| self.realms.remove(&v));
        }
        let template = &self.digest_config;
        let server = self.realms.entry(key.clone()).or_insert_with(|| {
            DigestServer::new(DigestServerConfig {
                realm: realm.to_owned(),
                role,
                ..template.clone()
            })
        });
        let result = f(server);
        if server.tracked_nonces() == 0 {
            self.realms.remove(&key);
        }
        result
    }

    fn answer(&mut self, now: Timestamp, id: TxId, request: &Request, status: StatusCode) {
        let tag = self.tag();
        self.send(now, id, request.make_response(status, Some(&tag)));
    }
}

/// A user may only register their own address of record: the To URI's user part must be
/// the authenticated user name.
fn aor_belongs_to(request: &Request, username: &str) -> bool {
    let Ok(to) = request.headers().to() else {
        return false;
    };
    to.uri
        .as_sip()
        .and_then(|s| s.user_decoded())
        .is_some_and(|user| user == username.as_bytes())
}

/// Browsers' SIP stacks (JsSIP) speak MD5 only and keep the *last* challenge header they
/// read, so over WebSocket the MD5 challenge goes last whatever the configured order; the
/// others keep theirs (strongest first, RFC 8760).
fn md5_last(challenges: &mut [sb_sip_dialog::digest::Challenge]) {
    challenges.sort_by_key(|c| c.algorithm == sb_sip_dialog::digest::Algorithm::Md5);
}
