//! Legs we place (we are their UAC): an agent's SIP phone (where it is registered) or a number
//! through a trunk; the INVITE runs until it is answered, refused, timed out or cancelled,
//! answering one digest challenge when the target has credentials.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sb_sdp::{NegotiatedStream, SessionDescription};
use sb_sip::{Request, Response, StatusCode};
use sb_sip_dialog::dialog::Dialog;
use sb_sip_dialog::locate::Transport as LocateTransport;
use sb_sip_dialog::wire;
use sb_sip_transport::Destination;
use sb_types::{AgentId, TenantId, UserId};
use tokio::sync::{mpsc, oneshot};

use super::deps::CallDeps;
use super::dialogs::{self, AgentInvite, token};

/// Where an agent's phone is registered.
#[derive(Debug, Clone)]
pub struct AgentPhone {
    /// The agent's user name.
    pub username: String,
    /// The address of record.
    pub aor: String,
    /// The registered Contact (the Request-URI of our INVITE).
    pub contact: String,
    /// Where the REGISTER came from: requests go there (symmetric, through NAT).
    pub dest: Destination,
    /// The transport name.
    pub transport: &'static str,
    /// Registered over (secure) WebSocket: a browser softphone, which takes WebRTC media.
    pub webrtc: bool,
}

/// The agent's phone, from the registrar's live bindings in the store (the most recently
/// refreshed one when it has several); `None` when no phone of the agent is registered.
pub async fn find_phone(deps: &CallDeps, tenant: TenantId, agent: AgentId) -> Option<AgentPhone> {
    find_phone_where(deps, tenant, agent, |_| true).await
}

/// The agent's phone for their chosen device: a desk phone (not the console's softphone)
/// when they chose `Desk`, else any registered phone.
pub async fn device_phone(
    deps: &CallDeps,
    tenant: TenantId,
    agent: AgentId,
    device: &crate::devices::Device,
) -> Option<AgentPhone> {
    match device {
        crate::devices::Device::Desk => find_phone_where(deps, tenant, agent, |p| !p.webrtc).await,
        _ => find_phone(deps, tenant, agent).await,
    }
}

/// The most recently refreshed of the agent's registered phones that `wanted` accepts.
async fn find_phone_where(
    deps: &CallDeps,
    tenant: TenantId,
    agent: AgentId,
    wanted: impl Fn(&AgentPhone) -> bool,
) -> Option<AgentPhone> {
    let user = UserId::from_uuid(agent.as_uuid());
    let username = deps.store.get_user(tenant, user).await.ok()?.username;
    let now = (deps.clock)();
    let bindings = deps
        .store
        .list_live_bindings_of_user(tenant, &username, now)
        .await
        .ok()?;
    pick_phone(bindings, tenant, &username, wanted)
}

/// Among live `bindings`, the latest-expiring phone of `username` in `tenant` that `wanted`
/// accepts.
fn pick_phone(
    bindings: Vec<sb_store::Binding>,
    tenant: TenantId,
    username: &str,
    wanted: impl Fn(&AgentPhone) -> bool,
) -> Option<AgentPhone> {
    let (_, phone) = bindings
        .into_iter()
        .filter(|b| b.tenant_id == tenant && aor_user(&b.aor).as_deref() == Some(username))
        .filter_map(|b| {
            let (dest, transport) = destination_of_source(&b.source)?;
            let kind = b.source.split(':').next().unwrap_or_default();
            let phone = AgentPhone {
                username: username.to_owned(),
                aor: b.aor,
                contact: b.contact,
                dest,
                transport,
                webrtc: kind.eq_ignore_ascii_case("ws") || kind.eq_ignore_ascii_case("wss"),
            };
            wanted(&phone).then_some((b.expires_at, phone))
        })
        .max_by_key(|(expires, _)| *expires)?;
    Some(phone)
}

fn aor_user(aor: &str) -> Option<String> {
    let uri = sb_sip::SipUri::parse(aor).ok()?;
    String::from_utf8(uri.user_decoded()?.to_vec()).ok()
}

/// `udp:192.0.2.4:5060` (the registrar's record of a REGISTER's source) as a destination.
fn destination_of_source(source: &str) -> Option<(Destination, &'static str)> {
    let (kind, addr) = source.split_once(':')?;
    let addr: SocketAddr = addr.parse().ok()?;
    let (transport, name) = match kind.to_ascii_lowercase().as_str() {
        "udp" => (LocateTransport::Udp, "UDP"),
        "tcp" | "ws" => (LocateTransport::Tcp, "TCP"),
        "tls" | "wss" => (LocateTransport::Tls, "TLS"),
        _ => return None,
    };
    Some((Destination { transport, addr }, name))
}

/// The SDP offer of a leg we place.
pub enum LegOffer {
    /// Plain RTP (SIP phones, trunks).
    Rtp(Box<SessionDescription>),
    /// WebRTC (a browser softphone): ICE-lite, DTLS-SRTP, written by the media server.
    WebRtc(String),
}

impl LegOffer {
    fn body(&self) -> String {
        match self {
            LegOffer::Rtp(sdp) => sdp.to_string(),
            LegOffer::WebRtc(sdp) => sdp.clone(),
        }
    }
}

/// What an answer agreed on the media.
pub enum AnsweredMedia {
    /// The plain RTP stream the phone's SDP answer agreed.
    Rtp(Box<NegotiatedStream>),
    /// The browser's SDP answer, for the media server's WebRTC leg.
    WebRtc(String),
    /// The agent's line, lent to the call: its media is up already.
    Line,
}

/// An answered B leg.
pub struct Answered {
    /// The confirmed dialog with the phone.
    pub dialog: Dialog,
    /// What the answer agreed.
    pub media: AnsweredMedia,
    /// Our SIP address towards the phone.
    pub local: SocketAddr,
    /// Our SDP offer on the leg (for re-offers inside it); `None` on a line.
    pub ours: Option<SessionDescription>,
}

/// How ringing ended.
pub enum RingOutcome {
    /// The agent picked up.
    Answered(Box<Answered>),
    /// The phone refused (busy, declined…), did not answer in time, or could not be reached.
    Failed(StatusCode),
    /// We cancelled it (the offer was withdrawn, the caller left).
    Cancelled,
    /// The phone is ringing.
    Ringing,
}

/// A B leg being set up: cancel it, or wait for its outcome.
pub struct Ringing {
    /// Cancels, or for an offer on the agent's line also answers or declines.
    cancel: Option<oneshot::Sender<Decision>>,
    line: bool,
    /// Progress (ringing) and then the one final outcome.
    pub outcome: mpsc::UnboundedReceiver<RingOutcome>,
    /// The B leg's Call-ID (for an offer on the agent's line, the line's).
    pub call_id: String,
}

/// What is asked of a leg being rung.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Stop ringing.
    Cancel,
    /// Answer (an offer on the agent's line).
    Answer,
    /// Decline (an offer on the agent's line).
    Decline,
}

impl Ringing {
    /// A leg being placed by another means (the agent's line): `decide` reaches it.
    pub fn by_line(
        decide: oneshot::Sender<Decision>,
        outcome: mpsc::UnboundedReceiver<RingOutcome>,
        call_id: String,
    ) -> Self {
        Ringing {
            cancel: Some(decide),
            line: true,
            outcome,
            call_id,
        }
    }

    /// Stops ringing (CANCEL); the outcome follows as [`RingOutcome::Cancelled`].
    pub fn cancel(&mut self) {
        if let Some(c) = self.cancel.take() {
            let _ = c.send(Decision::Cancel);
        }
    }

    /// The offer rings on the agent's line (no INVITE: the console or API answers it).
    pub fn on_line(&self) -> bool {
        self.line
    }

    /// Answers (`true`) or declines an offer on the agent's line; false when it is not one, or
    /// was decided already.
    pub fn decide(&mut self, answer: bool) -> bool {
        if !self.line {
            return false;
        }
        let decision = if answer {
            Decision::Answer
        } else {
            Decision::Decline
        };
        self.cancel.take().is_some_and(|d| d.send(decision).is_ok())
    }
}

/// What an INVITE to an agent's phone says about the call.
#[derive(Debug, Clone, Copy)]
pub struct RingAs<'a> {
    /// The call the leg belongs to (our id).
    pub call: &'a str,
    /// The leg re-attaches the agent to their live call.
    pub reattach: bool,
    /// The agent answered from the console or the API: the phone answers by itself.
    pub auto_answer: bool,
}

impl<'a> RingAs<'a> {
    /// An offer of `call`.
    pub fn offer(call: &'a str) -> Self {
        RingAs {
            call,
            reattach: false,
            auto_answer: false,
        }
    }
}

/// Rings `phone` with our `offer` for at most `timeout`, showing `caller`, as `what` says.
pub fn ring(
    deps: Arc<CallDeps>,
    phone: AgentPhone,
    offer: LegOffer,
    caller: String,
    what: RingAs<'_>,
    timeout: Duration,
) -> Ringing {
    let call_id = format!("{}@switchboard", token());
    let local = SocketAddr::new(
        deps.local_ip_towards(phone.dest.addr),
        deps.sip_listen.port(),
    );
    let invite = dialogs::agent_invite(&AgentInvite {
        contact: &phone.contact,
        aor: &phone.aor,
        caller: &caller,
        local,
        sdp: &offer.body(),
        call_id: &call_id,
        from_tag: &token(),
        transport: phone.transport,
        call: Some(what.call),
        reattach: what.reattach,
        auto_answer: what.auto_answer,
    });
    let target = Target {
        dest: phone.dest,
        transport: phone.transport,
        local,
        credentials: None,
        name: phone.username,
        webrtc: matches!(offer, LegOffer::WebRtc(_)),
    };
    place(deps, invite, target, call_id, timeout)
}

/// Where a placed leg goes and how it authenticates.
pub struct Target {
    /// The next hop.
    pub dest: Destination,
    /// Its transport name.
    pub transport: &'static str,
    /// Our SIP address towards it.
    pub local: SocketAddr,
    /// Digest user name and password for its challenges (a carrier's).
    pub credentials: Option<(String, String)>,
    /// For logs: the agent or trunk.
    pub name: String,
    /// The offer is WebRTC (a browser softphone).
    pub webrtc: bool,
}

/// Places `invite` (its Call-ID `call_id`) to `target` for at most `timeout`: a leg we are
/// the UAC of, answered, refused, timed out or cancelled. `None` for `invite` fails at once
/// (the target's address could not be written).
pub fn place(
    deps: Arc<CallDeps>,
    invite: Option<Request>,
    target: Target,
    call_id: String,
    timeout: Duration,
) -> Ringing {
    let (cancel_tx, cancel_rx) = oneshot::channel();
    let (outcome_tx, outcome) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let result = match invite {
            Some(invite) => run(&deps, invite, &target, timeout, cancel_rx, &outcome_tx).await,
            None => RingOutcome::Failed(StatusCode::NOT_FOUND),
        };
        let _ = outcome_tx.send(result);
    });
    Ringing {
        cancel: Some(cancel_tx),
        line: false,
        outcome,
        call_id,
    }
}

async fn run(
    deps: &CallDeps,
    mut invite: Request,
    target: &Target,
    timeout: Duration,
    mut cancel: oneshot::Receiver<Decision>,
    progress: &mpsc::UnboundedSender<RingOutcome>,
) -> RingOutcome {
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut stopped: Option<RingOutcome> = None;
    let mut challenged = false;
    let response = loop {
        let (ptx, mut prx) = mpsc::unbounded_channel();
        let send = deps
            .client
            .send_with_progress(invite.clone(), target.dest, ptx);
        tokio::pin!(send);
        let response = loop {
            tokio::select! {
                r = &mut send => break r,
                Some(p) = prx.recv() => {
                    if p.status() == StatusCode::RINGING || p.status() == StatusCode::SESSION_PROGRESS {
                        let _ = progress.send(RingOutcome::Ringing);
                    }
                }
                r = &mut cancel, if stopped.is_none() => {
                    tracing::debug!(to = %target.name, closed = r.is_err(), "placing cancelled");
                    stopped = Some(RingOutcome::Cancelled);
                    send_cancel(deps, &invite, target.dest);
                }
                _ = &mut deadline, if stopped.is_none() => {
                    tracing::debug!(to = %target.name, "placing timed out");
                    stopped = Some(RingOutcome::Failed(StatusCode::REQUEST_TIMEOUT));
                    send_cancel(deps, &invite, target.dest);
                }
            }
        };
        let again = match (&response, &target.credentials, challenged, &stopped) {
            (Ok(r), Some((user, password)), false, None)
                if matches!(r.status().as_u16(), 401 | 407) =>
            {
                dialogs::authorized(&invite, r, user, password)
            }
            _ => None,
        };
        match again {
            Some(next) => {
                challenged = true;
                invite = next;
            }
            None => break response,
        }
    };
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            tracing::info!(to = %target.name, error = %e, "the INVITE got no answer");
            return stopped.unwrap_or(RingOutcome::Failed(StatusCode::REQUEST_TIMEOUT));
        }
    };
    if response.status().class() != 2 {
        return stopped.unwrap_or(RingOutcome::Failed(response.status()));
    }
    let answered = confirm(deps, &invite, &response, target).await;
    match (stopped, answered) {
        (None, Some(answered)) => RingOutcome::Answered(Box::new(answered)),
        (stopped, Some(mut answered)) => {
            // Answered as we gave up: hang up at once.
            let cause = super::cause::EndCause::new("offer_withdrawn", 487);
            let (local, dest, t) = (target.local, target.dest, target.transport);
            super::legs::bye(deps, &mut answered.dialog, local, dest, t, &cause).await;
            stopped.unwrap_or(RingOutcome::Cancelled)
        }
        (stopped, None) => stopped.unwrap_or(RingOutcome::Failed(StatusCode::NOT_ACCEPTABLE_HERE)),
    }
}

/// ACKs the 2xx and reads its SDP answer; a 2xx without a usable answer is hung up.
async fn confirm(
    deps: &CallDeps,
    invite: &Request,
    response: &Response,
    target: &Target,
) -> Option<Answered> {
    let local = target.local;
    let seed = wire::uac_seed(invite, response).ok()?;
    let mut dialog = Dialog::uac(seed, true);
    let cseq = invite.headers().cseq().map(|c| c.seq).unwrap_or(1);
    if let Some(ack) = dialogs::ack_of(&dialog, cseq, local) {
        let _ = deps.client.send_ack(ack, target.dest).await;
    }
    match answered_media(invite.body(), response.body(), target.webrtc) {
        Some(media) => Some(Answered {
            dialog,
            ours: our_offer(invite.body(), &media),
            media,
            local,
        }),
        None => {
            let cause = super::cause::EndCause::new("agent_sdp_refused", 488);
            super::legs::bye(
                deps,
                &mut dialog,
                local,
                target.dest,
                target.transport,
                &cause,
            )
            .await;
            None
        }
    }
}

/// Our offer, narrowed to what the answer agreed (see [`super::reoffer::agreed`]).
fn our_offer(offer: &[u8], media: &AnsweredMedia) -> Option<SessionDescription> {
    let offer = sb_sdp::parse_bytes(offer).ok()?;
    match media {
        AnsweredMedia::Rtp(stream) => Some(super::reoffer::agreed(offer, stream)),
        _ => Some(offer),
    }
}

/// The media an answer agreed to our offer; `None` when it is unusable.
fn answered_media(offer: &[u8], answer: &[u8], webrtc: bool) -> Option<AnsweredMedia> {
    if webrtc {
        // The media server checks the browser's answer (fingerprint, ICE, codec).
        let text = std::str::from_utf8(answer).ok()?;
        return (!text.trim().is_empty()).then(|| AnsweredMedia::WebRtc(text.to_owned()));
    }
    let offer = sb_sdp::parse_bytes(offer).ok()?;
    sb_sdp::parse_bytes(answer)
        .ok()
        .and_then(|answer| sb_sdp::accept_answer(&offer, &answer).ok())
        .and_then(|streams| super::sdp::first_stream(&streams).ok().cloned())
        .map(|stream| AnsweredMedia::Rtp(Box::new(stream)))
}

fn send_cancel(deps: &CallDeps, invite: &Request, to: Destination) {
    let Some(cancel) = dialogs::cancel_of(invite, None) else {
        return;
    };
    let client = deps.client.clone();
    tokio::spawn(async move {
        let _ = client.send(cancel, to).await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registrar_source_becomes_where_requests_go() {
        let (d, t) = destination_of_source("udp:192.0.2.4:5062").expect("udp");
        assert_eq!((d.addr, t), ("192.0.2.4:5062".parse().unwrap(), "UDP"));
        assert_eq!(
            destination_of_source("tls:[2001:db8::1]:5061").map(|x| x.1),
            Some("TLS")
        );
        assert!(destination_of_source("carrier pigeon").is_none());
    }

    fn binding(aor: &str, source: &str, expires_ms: i64) -> sb_store::Binding {
        sb_store::Binding {
            tenant_id: TenantId::from_u128(1),
            aor: aor.into(),
            contact: format!("sip:{source}"),
            expires_at: sb_types::Timestamp::from_millis(expires_ms),
            call_id: "c".into(),
            cseq: 1,
            path: Vec::new(),
            source: source.into(),
        }
    }

    #[test]
    fn a_desk_phone_is_chosen_over_a_later_softphone_and_the_latest_phone_otherwise() {
        let all = || {
            vec![
                binding("sip:3002@desk", "udp:192.0.2.4:5062", 1_000),
                binding("sip:3002@desk", "wss:192.0.2.9:50123", 2_000),
                binding("sip:3003@desk", "udp:192.0.2.5:5062", 3_000),
            ]
        };
        let tenant = TenantId::from_u128(1);
        let any = pick_phone(all(), tenant, "3002", |_| true).expect("a phone");
        assert!(
            any.webrtc,
            "the latest registration: the console's softphone"
        );
        let desk = pick_phone(all(), tenant, "3002", |p| !p.webrtc).expect("the desk phone");
        assert_eq!(desk.dest.addr, "192.0.2.4:5062".parse().unwrap());
        assert!(pick_phone(all(), TenantId::from_u128(2), "3002", |_| true).is_none());
        let only_browser = vec![binding("sip:3002@desk", "ws:192.0.2.9:1", 5)];
        assert!(pick_phone(only_browser, tenant, "3002", |p| !p.webrtc).is_none());
    }

    #[test]
    fn the_user_of_an_address_of_record_is_the_agent_name() {
        assert_eq!(aor_user("sip:1001@acme.example").as_deref(), Some("1001"));
        assert_eq!(aor_user("not a uri"), None);
    }
}
