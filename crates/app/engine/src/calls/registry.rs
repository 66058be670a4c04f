//! Which call task a request belongs to: by Call-ID (one per leg) and, for CANCEL, by the
//! server transaction of the INVITE that started the call.

use std::collections::HashMap;
use std::sync::Mutex;

use sb_sip_dialog::transaction::TxId;
use sb_sip_transport::{Responder, ServerRequest};
use tokio::sync::mpsc::UnboundedSender;

/// What the router hands to a call task.
#[derive(Debug)]
pub(crate) enum CallInput {
    /// A request inside one of the call's dialogs (BYE, re-INVITE, INFO…).
    Request(Box<ServerRequest>, Responder),
    /// An ACK to a 2xx we sent.
    Ack,
    /// The caller cancelled the INVITE that started the call (already answered 200).
    Cancel,
    /// A command from the API ([`super::control::CallControl`]).
    Control(super::control::CallCommand, super::control::Reply),
    /// Another call asks for this call's far leg: a phone's REFER with Replaces named one of
    /// this call's dialogs (see [`super::replaces`]).
    Surrender(Box<super::replaces::Surrender>),
}

#[derive(Debug, Default)]
struct Inner {
    by_call_id: HashMap<String, UnboundedSender<CallInput>>,
    by_tx: HashMap<TxId, String>,
}

/// The live calls' inputs.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    inner: Mutex<Inner>,
}

impl Registry {
    /// Routes requests with `call_id` to `sender`.
    pub fn insert(&self, call_id: &str, sender: UnboundedSender<CallInput>) {
        if let Ok(mut i) = self.inner.lock() {
            i.by_call_id.insert(call_id.to_owned(), sender);
        }
    }

    /// Routes a CANCEL of the INVITE transaction `tx` to the call with `call_id`.
    pub fn insert_invite(&self, tx: TxId, call_id: &str) {
        if let Ok(mut i) = self.inner.lock() {
            i.by_tx.insert(tx, call_id.to_owned());
        }
    }

    /// Hands `input` to the call with `call_id`; false when there is none.
    pub fn send(&self, call_id: &str, input: CallInput) -> bool {
        let sender = self
            .inner
            .lock()
            .ok()
            .and_then(|i| i.by_call_id.get(call_id).cloned());
        sender.is_some_and(|s| s.send(input).is_ok())
    }

    /// The inputs of the call with `call_id`.
    pub fn sender(&self, call_id: &str) -> Option<UnboundedSender<CallInput>> {
        let inner = self.inner.lock().ok()?;
        inner.by_call_id.get(call_id).cloned()
    }

    /// Hands a CANCEL to the call started by `tx`; false when no call owns it.
    pub fn cancel(&self, tx: TxId) -> bool {
        let call_id = self
            .inner
            .lock()
            .ok()
            .and_then(|i| i.by_tx.get(&tx).cloned());
        call_id.is_some_and(|c| self.send(&c, CallInput::Cancel))
    }

    /// The call's INVITE is answered: no CANCEL can match it any more.
    pub fn forget_invite(&self, tx: TxId) {
        if let Ok(mut i) = self.inner.lock() {
            i.by_tx.remove(&tx);
        }
    }

    /// The call is over: forget its Call-IDs and its INVITE.
    pub fn remove(&self, call_ids: &[String]) {
        if let Ok(mut i) = self.inner.lock() {
            for c in call_ids {
                i.by_call_id.remove(c);
            }
            i.by_tx.retain(|_, c| !call_ids.contains(c));
        }
    }

    /// The call of `owner` is over: forget those of `call_ids` still routed to it (a leg
    /// handed to another call is that call's now) and its INVITE.
    pub fn remove_owned(&self, call_ids: &[String], owner: &UnboundedSender<CallInput>) {
        if let Ok(mut i) = self.inner.lock() {
            for c in call_ids {
                if i.by_call_id.get(c).is_some_and(|s| s.same_channel(owner)) {
                    i.by_call_id.remove(c);
                }
            }
            i.by_tx.retain(|_, c| !call_ids.contains(c));
        }
    }

    /// Live Call-IDs (tests, metrics).
    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.by_call_id.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    #[test]
    fn both_legs_call_ids_and_the_invite_reach_one_call_until_it_is_removed() {
        let r = Registry::default();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let invite = TxId::from_raw(7);
        r.insert("a-leg", tx.clone());
        r.insert("b-leg", tx);
        r.insert_invite(invite, "b-leg");
        assert!(r.cancel(invite));
        assert!(matches!(rx.try_recv(), Ok(CallInput::Cancel)));
        r.forget_invite(invite);
        assert!(!r.cancel(invite), "an answered INVITE cannot be cancelled");
        r.remove(&["a-leg".into(), "b-leg".into()]);
        assert_eq!(r.len(), 0);
        assert!(!r.send("a-leg", CallInput::Cancel));
    }

    #[test]
    fn a_leg_handed_to_another_call_stays_routed_there_when_the_first_call_ends() {
        let r = Registry::default();
        let (first, _first_rx) = mpsc::unbounded_channel();
        let (second, mut second_rx) = mpsc::unbounded_channel();
        r.insert("phone-leg", first.clone());
        r.insert("carrier-leg", first.clone());
        r.insert("carrier-leg", second.clone());
        r.remove_owned(&["phone-leg".into(), "carrier-leg".into()], &first);
        assert!(r.sender("phone-leg").is_none());
        assert!(
            r.send("carrier-leg", CallInput::Cancel),
            "the second call has it"
        );
        assert!(matches!(second_rx.try_recv(), Ok(CallInput::Cancel)));
    }
}
