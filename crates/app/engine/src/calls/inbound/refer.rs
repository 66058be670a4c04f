//! A transfer started from the agent's SIP phone: its REFER (RFC 3515) names the target in
//! Refer-To. Blind: a user of the tenant (an agent), a queue's name, or a number, carried out
//! as the console's blind transfer. Attended: Refer-To carries Replaces naming the phone's
//! second call, which it placed through us; that call's far leg is handed to this one and
//! bridged to the caller (see `calls::replaces`). Either way we accept the REFER (202), report
//! the result to the phone in a NOTIFY (a `message/sipfrag` status line), and hang up the
//! phone's leg once the caller has gone on.

use bytes::Bytes;
use sb_sip::{HeaderName, MediaType, Request, StatusCode, Uri};
use serde_json::json;

use super::blind::Blind;
use super::consult::At;
use super::{AgentLeg, Inbound, Peer};
use crate::acd::agent_of;
use crate::calls::control::TransferTo;
use crate::calls::dialogs;
use crate::calls::registry::CallInput;

/// How long the call named by a Replaces has to hand its leg over.
const SURRENDER_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// What a REFER asks for, once read.
pub(super) enum Referral {
    /// A blind transfer to this user part (or number).
    To(String),
    /// An attended transfer: the caller goes to the far side of the dialog named.
    Replaces(sb_sip::Replaces),
    /// Refused with this status and reason.
    Refused(StatusCode, &'static str),
}

/// Reads the target of a REFER from the agent's phone.
pub(super) fn read(request: &Request) -> Referral {
    let Ok(refer_to) = request.headers().refer_to() else {
        return Referral::Refused(StatusCode::BAD_REQUEST, "a REFER needs one Refer-To");
    };
    match crate::calls::replaces::of_refer(request) {
        Ok(Some(replaces)) => return Referral::Replaces(replaces),
        Ok(None) => {}
        Err(why) => return Referral::Refused(StatusCode::BAD_REQUEST, why),
    }
    let user = match &refer_to.uri {
        Uri::Sip(sip) => sip
            .user_decoded()
            .map(|u| String::from_utf8_lossy(&u).into_owned()),
        Uri::Tel(tel) => Some(tel.digits()),
        _ => None,
    };
    match user.filter(|u| !u.is_empty() && u.len() <= 64) {
        Some(u) => Referral::To(u),
        None => Referral::Refused(StatusCode::BAD_REQUEST, "Refer-To names nobody"),
    }
}

impl Inbound {
    /// Carries out the REFER's transfer to `user`; `Some` when the caller goes there (the
    /// phone has been told 200), `None` when it failed (the phone has been told why and keeps
    /// the call).
    pub(super) async fn referred(&mut self, agent: &mut AgentLeg, user: &str) -> Option<Blind> {
        let to = self.refer_target(user).await;
        self.log
            .record("refer", json!({ "from": agent.label, "to": user }))
            .await;
        match self.blind_target(agent, to).await {
            Ok(target) => {
                self.notify_refer(agent, "SIP/2.0 200 OK").await;
                Some(target)
            }
            Err(why) => {
                tracing::info!(%why, "a phone's REFER could not be carried out");
                self.notify_refer(agent, "SIP/2.0 503 Service Unavailable")
                    .await;
                None
            }
        }
    }

    /// Carries out a phone's attended transfer: the call owning the dialog `replaces` names
    /// hands over its far leg, which the caller is bridged to; the phone is told 200 and its
    /// leg hung up. When it cannot be done the phone is told why and keeps the call.
    pub(super) async fn replaced(&mut self, at: &mut At<'_>, replaces: sb_sip::Replaces) {
        let named = replaces.call_id.to_string();
        self.log
            .record(
                "refer",
                json!({ "from": at.agent.label, "replaces": named }),
            )
            .await;
        let mut leg = match self.far_leg_of(at, replaces).await {
            Ok(leg) => leg,
            Err((status_line, why)) => {
                tracing::info!(%why, "a phone's attended transfer could not be carried out");
                self.notify_refer(at.agent, status_line).await;
                return;
            }
        };
        let _ = at.media.call.stop_play(at.media.endpoint).await;
        if let Err(e) = at.media.call.connect(at.media.endpoint, leg.endpoint).await {
            tracing::warn!(error = %e, "the transferred call's media could not be joined");
        }
        if !leg.line {
            self.ids.push(leg.call_id.clone());
        }
        // A colleague takes the ACD interaction over, as after a consultation.
        let (peer, events) = self.hand_over(at.agent, leg.peer).await;
        leg.peer = peer;
        leg.interaction_events = events;
        self.notify_refer(at.agent, "SIP/2.0 200 OK").await;
        self.log
            .record(
                "transferred",
                json!({ "mode": "attended", "from": at.agent.label, "to": leg.label }),
            )
            .await;
        self.take_over(at, leg, true).await;
    }

    /// Asks the call owning the dialog `replaces` names for its far leg (lent to this call's
    /// media); the error is the NOTIFY's status line and why.
    async fn far_leg_of(
        &mut self,
        at: &mut At<'_>,
        replaces: sb_sip::Replaces,
    ) -> Result<AgentLeg, (&'static str, String)> {
        const GONE: &str = "SIP/2.0 481 Call/Transaction Does Not Exist";
        let owner = self.registry.sender(&replaces.call_id);
        let Some(owner) = owner.filter(|o| !o.same_channel(&self.inputs_tx)) else {
            return Err((GONE, "Replaces names no other live call".into()));
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let ask = crate::calls::replaces::Surrender {
            replaces,
            to: at.media.call.clone(),
            inputs: self.inputs_tx.clone(),
            reply,
        };
        if owner.send(CallInput::Surrender(Box::new(ask))).is_err() {
            return Err((GONE, "the named call has ended".into()));
        }
        let far = match tokio::time::timeout(SURRENDER_WAIT, answer).await {
            Ok(Ok(Ok(far))) => far,
            Ok(Ok(Err(why))) => return Err(("SIP/2.0 403 Forbidden", why)),
            _ => return Err((GONE, "the named call did not answer".into())),
        };
        Ok(AgentLeg {
            peer: far.agent.map_or(Peer::External, Peer::DirectAgent),
            label: far.label,
            endpoint: far.endpoint,
            dialog: far.dialog,
            sdp: far.sdp,
            local: far.local,
            dest: far.dest,
            transport: far.transport,
            call_id: far.call_id,
            record: false,
            interaction_events: None,
            line: far.line,
        })
    }

    /// A user of the tenant is an agent, a queue's name a queue, anything else a number.
    async fn refer_target(&self, user: &str) -> TransferTo {
        if let Ok(u) = self
            .deps
            .store
            .get_user_by_username(self.tenant, user)
            .await
        {
            return TransferTo::Agent(agent_of(u.id));
        }
        if self
            .deps
            .store
            .get_queue_by_name(self.tenant, user)
            .await
            .is_ok()
        {
            return TransferTo::Queue(user.to_owned());
        }
        TransferTo::Number(user.to_owned())
    }

    /// Tells the phone how its REFER ended (the implicit subscription ends with it).
    async fn notify_refer(&self, agent: &mut AgentLeg, status_line: &str) {
        let (local, dest, t) = (agent.local, agent.dest, agent.transport);
        let Some(mut notify) = dialogs::in_dialog(&mut agent.dialog, "NOTIFY", local, t) else {
            return;
        };
        let h = notify.headers_mut();
        h.push(HeaderName::new("Event"), "refer");
        h.push(
            HeaderName::new("Subscription-State"),
            "terminated;reason=noresource",
        );
        let mut sipfrag = MediaType::new("message", "sipfrag");
        sipfrag.params.set("version", Some("2.0"));
        notify.set_body(Some(&sipfrag), Bytes::from(format!("{status_line}\r\n")));
        if let Err(e) = self.deps.client.send(notify, dest).await {
            tracing::debug!(error = %e, "the REFER's NOTIFY was not answered");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::replaces::refer;

    #[test]
    fn a_refer_names_a_user_a_number_or_is_refused() {
        let to = |h: &str| match read(&refer(h)) {
            Referral::To(u) => u,
            Referral::Refused(s, why) => format!("refused {} {why}", s.as_u16()),
            Referral::Replaces(r) => format!("replaces {}", r.call_id),
        };
        assert_eq!(to("Refer-To: <sip:2002@127.0.0.1>\r\n"), "2002");
        assert_eq!(to("Refer-To: sip:+15550123@x.example\r\n"), "+15550123");
        assert_eq!(to("Refer-To: <tel:+15550123>\r\n"), "+15550123");
        assert!(to("").starts_with("refused 400"));
        assert!(
            to("Refer-To: <sip:2002@h?Replaces=abc%3Bto-tag%3D1>\r\n").starts_with("refused 400")
        );
        let bad_escape = "Refer-To: <sip:2002@h?Replaces=abc%3>\r\n";
        assert!(
            to(bad_escape).starts_with("refused 400"),
            "{}",
            to(bad_escape)
        );
        let attended = "Refer-To: <sip:2002@h?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2>\r\n";
        assert!(matches!(read(&refer(attended)), Referral::Replaces(r) if &*r.call_id == "abc"));
        assert!(to("Refer-To: <sip:h.example>\r\n").starts_with("refused 400"));
    }
}
