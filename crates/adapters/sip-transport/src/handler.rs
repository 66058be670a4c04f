//! The seams to the rest of the node: credentials in, binding changes out, and the requests
//! this crate does not own (INVITE, BYE…) handed to the engine.

use std::collections::HashMap;
use std::sync::Mutex;

use sb_sip::{Method, Request, Response};
use sb_sip_dialog::digest::UserSecret;
use sb_sip_dialog::registrar::RegistrarEvent;
use sb_sip_dialog::transaction::TxId;
use tokio::sync::mpsc;

use crate::peer::Peer;

/// Maps a (realm, user name) to the digest secret; the engine implements it over the store.
#[async_trait::async_trait]
pub trait SipCredentials: Send + Sync + 'static {
    /// The user's secret, `None` for an unknown user (answered exactly like a wrong password).
    async fn secret(&self, realm: &str, username: &str) -> Option<UserSecret>;
}

/// Receives every registrar change so that the store can persist it (and
/// `Registrar::restore` can reload it at the next start). Called on the server task: do not
/// block (push into a channel).
pub trait BindingSink: Send + Sync + 'static {
    /// A binding was created, refreshed or removed.
    fn binding_changed(&self, event: RegistrarEvent);
}

/// A request whose server transaction the engine takes over.
#[derive(Debug, Clone)]
pub struct ServerRequest {
    /// The server transaction: pass it back through the [`Responder`].
    pub tx: TxId,
    /// Where it came from.
    pub peer: Peer,
    /// The request, top Via already stamped with `received`/`rport`.
    pub request: Request,
    /// The digest user who sent it, when the handler asked for authentication
    /// ([`RequestHandler::requires_auth`]).
    pub user: Option<SipUser>,
}

/// A user authenticated by digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipUser {
    /// The realm the credentials were for (the tenant's).
    pub realm: String,
    /// The user name.
    pub username: String,
}

/// Sends responses into a server transaction from any task (provisional ones, then one final).
#[derive(Debug, Clone)]
pub struct Responder {
    tx: TxId,
    sender: mpsc::UnboundedSender<(TxId, Response)>,
}

impl Responder {
    pub(crate) fn new(tx: TxId, sender: mpsc::UnboundedSender<(TxId, Response)>) -> Self {
        Responder { tx, sender }
    }

    /// Queues `response` for the transaction; false when the server has stopped.
    pub fn respond(&self, response: Response) -> bool {
        self.sender.send((self.tx, response)).is_ok()
    }
}

/// Takes the methods the SIP endpoint does not own itself (calls: INVITE, BYE, …).
pub trait RequestHandler: Send + Sync + 'static {
    /// The methods to hand over (besides OPTIONS and REGISTER, which the server answers).
    fn methods(&self) -> Vec<Method>;
    /// Whether `request` must be authenticated by digest (as a proxy: 407) before
    /// [`RequestHandler::on_request`] gets it, for instance an INVITE from a phone rather
    /// than from a trunk. The endpoint challenges it, looks the secret up through
    /// [`SipCredentials`], counts failures towards the source's ban, and hands over only
    /// an authenticated request, with [`ServerRequest::user`] set.
    fn requires_auth(&self, _request: &ServerRequest) -> bool {
        false
    }
    /// A new server transaction for one of [`RequestHandler::methods`]; answer through
    /// `responder` (the transaction layer retransmits and absorbs duplicates).
    fn on_request(&self, request: ServerRequest, responder: Responder);
    /// An ACK outside any transaction (the ACK to a 2xx).
    fn on_ack(&self, _ack: Request, _peer: Peer) {}
    /// A CANCEL matched the INVITE server transaction `tx` (already answered 200): answer
    /// the INVITE with 487 if it is still pending.
    fn on_cancel(&self, _tx: TxId) {}
}

/// Credentials held in memory (tests, demos, a fixed admin account).
#[derive(Debug, Default)]
pub struct StaticCredentials {
    users: HashMap<(String, String), UserSecret>,
}

impl StaticCredentials {
    /// No users.
    pub fn new() -> Self {
        StaticCredentials::default()
    }

    /// Adds a user with a clear-text password.
    pub fn with_password(mut self, realm: &str, user: &str, password: &str) -> Self {
        let secret = UserSecret::Password(password.to_owned());
        self.users
            .insert((realm.to_owned(), user.to_owned()), secret);
        self
    }
}

#[async_trait::async_trait]
impl SipCredentials for StaticCredentials {
    async fn secret(&self, realm: &str, username: &str) -> Option<UserSecret> {
        self.users
            .get(&(realm.to_owned(), username.to_owned()))
            .cloned()
    }
}

/// A [`BindingSink`] that keeps every event (tests, diagnostics).
#[derive(Debug, Default)]
pub struct RecordingSink {
    events: Mutex<Vec<RegistrarEvent>>,
}

impl RecordingSink {
    /// The events so far.
    pub fn events(&self) -> Vec<RegistrarEvent> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl BindingSink for RecordingSink {
    fn binding_changed(&self, event: RegistrarEvent) {
        if let Ok(mut e) = self.events.lock() {
            e.push(event);
        }
    }
}

impl BindingSink for mpsc::UnboundedSender<RegistrarEvent> {
    fn binding_changed(&self, event: RegistrarEvent) {
        let _ = self.send(event);
    }
}
