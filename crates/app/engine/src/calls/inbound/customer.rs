//! The customer's leg of a call: the carrier's call we answered (an inbound call), or the party
//! an agent's phone called through the trunk (an outbound call taken over by this task to be
//! transferred, see `adopt`). The rest of the call does not care which.

use std::net::SocketAddr;

use bytes::Bytes;
use sb_sdp::SessionDescription;
use sb_sip::StatusCode;
use sb_sip_dialog::dialog::Dialog;
use sb_sip_dialog::transaction::TxId;
use sb_sip_transport::Destination;

use crate::calls::cause::EndCause;
use crate::calls::deps::CallDeps;
use crate::calls::legs::{self, UasLeg};

/// The party an agent's phone called, once answered: we are its UAC.
pub(in crate::calls) struct CalledLeg {
    /// Its Call-ID.
    pub call_id: String,
    /// The number called.
    pub number: String,
    /// The confirmed dialog.
    pub dialog: Dialog,
    /// Our SIP address towards it.
    pub local: SocketAddr,
    /// Where its requests go.
    pub dest: Destination,
    /// Its transport's name.
    pub transport: &'static str,
}

/// The customer's leg.
pub(in crate::calls) enum Customer {
    /// A carrier's call we answered.
    Caller(UasLeg),
    /// The party an agent's phone called.
    Called(CalledLeg),
}

impl Customer {
    /// The leg's Call-ID.
    pub fn call_id(&self) -> String {
        match self {
            Customer::Caller(uas) => uas.call_id(),
            Customer::Called(c) => c.call_id.clone(),
        }
    }

    /// Who the customer is: the caller's number or user, or the number called.
    pub fn caller(&self) -> String {
        match self {
            Customer::Caller(uas) => uas.caller(),
            Customer::Called(c) => c.number.clone(),
        }
    }

    /// Our SIP address towards the customer.
    pub fn local(&self) -> SocketAddr {
        match self {
            Customer::Caller(uas) => uas.local,
            Customer::Called(c) => c.local,
        }
    }

    /// The INVITE we answer (none for a called party).
    pub fn invite_body(&self) -> Bytes {
        match self {
            Customer::Caller(uas) => uas.invite.body().clone(),
            Customer::Called(_) => Bytes::new(),
        }
    }

    /// The server transaction of the INVITE we answer.
    pub fn tx(&self) -> Option<TxId> {
        match self {
            Customer::Caller(uas) => Some(uas.tx),
            Customer::Called(_) => None,
        }
    }

    /// Answers the caller's INVITE with `status` (again, for a 2xx whose ACK is late); a
    /// called party's INVITE was ours, so nothing is sent.
    pub fn respond(&self, status: StatusCode, sdp: Option<&SessionDescription>) {
        if let Customer::Caller(uas) = self {
            uas.respond(status, sdp);
        }
    }

    /// Refuses the caller's INVITE, saying why (nothing for a called party).
    pub fn refuse(&self, status: StatusCode, warning: &str) {
        self.refuse_for(status, warning, None);
    }

    /// [`Customer::refuse`], asking to retry after `retry_after` seconds.
    pub fn refuse_for(&self, status: StatusCode, warning: &str, retry_after: Option<u32>) {
        if let Customer::Caller(uas) = self {
            uas.refuse_for(status, warning, retry_after);
        }
    }

    /// Hangs the customer up with a BYE and the cause.
    pub async fn hang_up(&mut self, deps: &CallDeps, cause: &EndCause) {
        match self {
            Customer::Caller(uas) => {
                let Some(mut dialog) = uas.dialog() else {
                    return;
                };
                let (local, dest, t) = (uas.local, uas.dest, uas.transport);
                legs::bye(deps, &mut dialog, local, dest, t, cause).await;
            }
            Customer::Called(c) => {
                let (local, dest, t) = (c.local, c.dest, c.transport);
                legs::bye(deps, &mut c.dialog, local, dest, t, cause).await;
            }
        }
    }
}
