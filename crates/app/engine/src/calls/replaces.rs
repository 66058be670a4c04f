//! An attended transfer from a SIP phone (RFC 5589 § 7): the agent's phone holds the caller,
//! places a second call through us (to a number, through the trunk), then sends a REFER on
//! the held call whose Refer-To carries `Replaces` (RFC 3891) naming the second call's dialog.
//! We are a party to both dialogs, so nobody is re-INVITEd: the second call hands its far leg
//! (the carrier's dialog and media endpoint, lent whole) to the first call, which bridges the
//! caller to it; both of the phone's legs are then hung up.
//!
//! The second call may also be a call to a colleague (an internal call, `inbound::internal`):
//! the colleague's leg is handed over the same way (their line, when they took it there, is
//! lent anew) and the ACD interaction moves to them, as when a consultation completes.
//!
//! This module reads the Refer-To and carries the hand-over between the two call tasks:
//! [`Surrender`] asks the call that owns the named dialog for its far leg, [`FarLeg`] is the
//! answer.

use std::net::SocketAddr;

use sb_media::{CallMedia, EndpointId};
use sb_sdp::SessionDescription;
use sb_sip::{Replaces, Request, Uri};
use sb_sip_dialog::dialog::Dialog;
use sb_sip_transport::Destination;
use tokio::sync::{mpsc, oneshot};

use super::registry::CallInput;

/// Reads `Replaces` from the Refer-To of a REFER: `None` when there is none; an error when
/// there is one that does not parse.
pub fn of_refer(request: &Request) -> Result<Option<Replaces>, &'static str> {
    let Ok(refer_to) = request.headers().refer_to() else {
        return Ok(None);
    };
    let Uri::Sip(sip) = &refer_to.uri else {
        return Ok(None);
    };
    let Some(raw) = sip.headers.get("Replaces") else {
        return Ok(None);
    };
    let decoded = sb_sip::percent_decode(raw).ok_or("Replaces is not escaped properly")?;
    let text = String::from_utf8(decoded).map_err(|_| "Replaces is not text")?;
    Replaces::parse(&text)
        .map(Some)
        .map_err(|_| "Replaces needs a Call-ID, a to-tag and a from-tag")
}

/// Whether `replaces` names the dialog `call_id` in which we are the side tagged `ours` and
/// the phone `theirs` (RFC 3891 § 3: the to-tag is ours, the dialog's receiver of the
/// replacement).
pub fn names(replaces: &Replaces, call_id: &str, ours: &str, theirs: &str) -> bool {
    *replaces.call_id == *call_id
        && replaces.to_tag() == ours
        && replaces.from_tag() == theirs
        && !replaces.early_only()
}

/// A call's request to the call that owns the dialog a Replaces names: give up your far leg
/// to me.
#[derive(Debug)]
pub struct Surrender {
    /// The dialog named (the phone's leg of the call asked).
    pub replaces: Replaces,
    /// The media of the call taking the leg: the endpoint is lent there.
    pub to: CallMedia,
    /// Where the leg's requests go from now on.
    pub inputs: mpsc::UnboundedSender<CallInput>,
    /// The far leg, or why not.
    pub reply: oneshot::Sender<Result<FarLeg, String>>,
}

/// A far leg handed over (its endpoint is lent to the taker's media already).
#[derive(Debug)]
pub struct FarLeg {
    /// The number or the agent's user name it is connected to.
    pub label: String,
    /// The agent on it (a colleague the phone called), or `None` for a number.
    pub agent: Option<sb_types::AgentId>,
    /// It is the agent's line (never hung up with a BYE).
    pub line: bool,
    /// Its media endpoint (now in the taker's call).
    pub endpoint: EndpointId,
    /// The confirmed dialog with the far side.
    pub dialog: Dialog,
    /// Our SDP on it (none on a line).
    pub sdp: Option<SessionDescription>,
    /// Our SIP address towards it.
    pub local: SocketAddr,
    /// Where its requests go.
    pub dest: Destination,
    /// Its transport's name.
    pub transport: &'static str,
    /// Its Call-ID.
    pub call_id: String,
}

/// Refuses a surrender: the dialog is not one that can be handed over.
pub fn refuse(s: Surrender, why: &str) {
    let _ = s.reply.send(Err(why.to_owned()));
}

/// A REFER from an agent's phone with `refer_to` (a whole header line, or nothing), for tests.
#[cfg(test)]
pub(crate) fn refer(refer_to: &str) -> Request {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_is_read_from_the_escaped_refer_to_and_names_one_dialog() {
        let r = refer(
            "Refer-To: <sip:+15550123@127.0.0.1?Replaces=2-77%40127.0.0.1%3Bto-tag%3Dours%3Bfrom-tag%3Dphone>\r\n",
        );
        let replaces = of_refer(&r).unwrap().expect("a Replaces");
        assert_eq!(&*replaces.call_id, "2-77@127.0.0.1");
        assert!(names(&replaces, "2-77@127.0.0.1", "ours", "phone"));
        assert!(
            !names(&replaces, "2-77@127.0.0.1", "phone", "ours"),
            "tags swapped"
        );
        assert!(!names(&replaces, "2-78@127.0.0.1", "ours", "phone"));
    }

    #[test]
    fn a_refer_without_replaces_or_with_a_broken_one_is_told_apart() {
        assert!(
            of_refer(&refer("Refer-To: <sip:2002@127.0.0.1>\r\n"))
                .unwrap()
                .is_none()
        );
        assert!(
            of_refer(&refer("Refer-To: <tel:+15550123>\r\n"))
                .unwrap()
                .is_none()
        );
        assert!(of_refer(&refer("")).unwrap().is_none());
        let no_tags = "Refer-To: <sip:2002@h?Replaces=abc%3Bto-tag%3D1>\r\n";
        assert!(of_refer(&refer(no_tags)).is_err());
        let early =
            "Refer-To: <sip:2002@h?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2%3Bearly-only>\r\n";
        let replaces = of_refer(&refer(early)).unwrap().unwrap();
        assert!(
            !names(&replaces, "abc", "1", "2"),
            "only confirmed dialogs are joined"
        );
    }
}
