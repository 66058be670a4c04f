//! A blind transfer started from the agent's SIP phone: its REFER (RFC 3515) names the target
//! in Refer-To — a user of the tenant (an agent), a queue's name, or a number. We accept it
//! (202), carry it out as the console's blind transfer does, and report the result to the phone
//! in a NOTIFY (a `message/sipfrag` status line); the phone's leg is then hung up. An attended
//! transfer (Refer-To with Replaces) is refused: the consultation must go through us (the
//! console's consult), since the phone's second call is not one of ours.

use bytes::Bytes;
use sb_sip::{HeaderName, MediaType, Request, StatusCode, Uri};
use serde_json::json;

use super::blind::Blind;
use super::{AgentLeg, Inbound};
use crate::acd::agent_of;
use crate::calls::control::TransferTo;
use crate::calls::dialogs;

/// What a REFER asks for, once read.
pub(super) enum Referral {
    /// A blind transfer to this user part (or number).
    To(String),
    /// Refused with this status and reason.
    Refused(StatusCode, &'static str),
}

/// Reads the target of a REFER from the agent's phone.
pub(super) fn read(request: &Request) -> Referral {
    let Ok(refer_to) = request.headers().refer_to() else {
        return Referral::Refused(StatusCode::BAD_REQUEST, "a REFER needs one Refer-To");
    };
    let user = match &refer_to.uri {
        Uri::Sip(sip) => {
            if sip.headers.contains("Replaces") {
                return Referral::Refused(
                    StatusCode::NOT_IMPLEMENTED,
                    "attended transfer from the phone is not supported: consult from the console",
                );
            }
            sip.user_decoded()
                .map(|u| String::from_utf8_lossy(&u).into_owned())
        }
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

    fn refer(refer_to: &str) -> Request {
        let text = format!(
            "REFER sip:sb@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n\
             From: <sip:agent@127.0.0.1>;tag=a\r\nTo: <sip:+44@127.0.0.1>;tag=b\r\n\
             Call-ID: c1\r\nCSeq: 1 REFER\r\nMax-Forwards: 70\r\n{refer_to}Content-Length: 0\r\n\r\n"
        );
        match sb_sip::parse(text.into_bytes()) {
            Ok(sb_sip::Message::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_refer_names_a_user_a_number_or_is_refused() {
        let to = |h: &str| match read(&refer(h)) {
            Referral::To(u) => u,
            Referral::Refused(s, why) => format!("refused {} {why}", s.as_u16()),
        };
        assert_eq!(to("Refer-To: <sip:2002@127.0.0.1>\r\n"), "2002");
        assert_eq!(to("Refer-To: sip:+15550123@x.example\r\n"), "+15550123");
        assert_eq!(to("Refer-To: <tel:+15550123>\r\n"), "+15550123");
        assert!(to("").starts_with("refused 400"));
        assert!(
            to("Refer-To: <sip:2002@h?Replaces=abc%3Bto-tag%3D1>\r\n").starts_with("refused 501")
        );
        assert!(to("Refer-To: <sip:h.example>\r\n").starts_with("refused 400"));
    }
}
