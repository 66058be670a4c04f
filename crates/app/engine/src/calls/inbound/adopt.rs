//! An outbound call taken over to be transferred. A call an agent's phone placed through the
//! trunk runs as a plain two-leg bridge (`calls::outbound`) until the agent transfers it (the
//! API's `transfer`, blind or with a consultation, or a REFER from their SIP phone, with or
//! without Replaces). Then this task takes the call as it is (same channel of inputs, so the
//! registry and the live call need no change; same media call, recording and log) and runs it
//! as a carrier's call connected to that agent: the called party is the customer, the
//! agent's phone the agent's leg, and every transfer of an inbound call applies. The agent
//! stays engaged in the ACD until their leg leaves the call, then has the tenant's
//! after-contact work for outbound calls.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use sb_flow::{Program, Session, Start};
use sb_types::TenantId;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::{AckWait, AgentLeg, CalledLeg, CallerMedia, Customer, Inbound};
use crate::calls::cause::EndCause;
use crate::calls::deps::CallDeps;
use crate::calls::events::CallLog;
use crate::calls::registry::{CallInput, Registry};

/// A connected outbound call handed over.
pub(in crate::calls) struct Adoption {
    pub deps: Arc<CallDeps>,
    pub registry: Arc<Registry>,
    pub tenant: TenantId,
    /// The call's log (its id is the called party's Call-ID).
    pub log: CallLog,
    /// The called party.
    pub customer: CalledLeg,
    /// The call's media: the customer's endpoint and our SDP on that leg.
    pub media: CallerMedia,
    /// The agent's phone.
    pub agent: AgentLeg,
    /// The call's inputs (the registry and the live call route there already).
    pub inputs: UnboundedReceiver<CallInput>,
    pub inputs_tx: UnboundedSender<CallInput>,
    /// The recording running, if any.
    pub recording: Option<PathBuf>,
    /// The agent's ACD engagement for the call.
    pub engaged: Option<crate::acd::Engagement>,
    /// What asked for the transfer (a command, a REFER): handled first.
    pub first: CallInput,
}

/// How the taken-over call ended.
pub(in crate::calls) struct Adopted {
    pub cause: EndCause,
    /// The figures of every leg but the customer's (agents, numbers) that left; the
    /// customer's endpoint is still in the call's media.
    pub legs: Vec<serde_json::Value>,
}

/// Runs the taken-over call until it ends.
pub(in crate::calls) async fn adopt(a: Adoption) -> Adopted {
    let number = a.customer.number.clone();
    let mut call = Inbound {
        deps: a.deps,
        registry: a.registry,
        tenant: a.tenant,
        number,
        caller: Customer::Called(a.customer),
        inputs: a.inputs,
        inputs_tx: a.inputs_tx,
        log: a.log,
        ids: Vec::new(),
        legs_done: Vec::new(),
        placed_by: a.engaged,
        early: false,
        internal: false,
    };
    let mut media = a.media;
    let _ = call.inputs_tx.send(a.first);
    let cause = match no_flow() {
        Some(program) => {
            let mut session = Session::new(program, Start::at(call.log.now()));
            let mut acks = AckWait::done();
            let (first, recording) = (a.agent, a.recording);
            call.talk(&mut session, &mut media, first, &mut acks, recording)
                .await
        }
        None => {
            // Cannot happen (the program is a constant, compiled by a test): end the call
            // cleanly all the same.
            let cause = EndCause::new("transfer_failed", 500);
            call.hang_up_caller(&cause).await;
            let mut agent = a.agent;
            agent.hang_up(&call.deps, &cause).await;
            cause
        }
    };
    call.registry.remove_owned(&call.ids, &call.inputs_tx);
    if let Some(engaged) = call.placed_by.take() {
        call.release_placer(engaged).await;
    }
    drop(media);
    Adopted {
        cause,
        legs: std::mem::take(&mut call.legs_done),
    }
}

/// The flow of a taken-over call: none (it ends at once; a transfer to a queue waits there
/// by the queue's own limits).
pub(super) fn no_flow() -> Option<Arc<Program>> {
    static PROGRAM: OnceLock<Option<Arc<Program>>> = OnceLock::new();
    PROGRAM
        .get_or_init(|| {
            let doc = r#"{ "start": "done", "blocks": [{ "id": "done", "type": "end" }] }"#;
            let compiled = sb_flow::compile_json(doc, &sb_flow::Catalog::default());
            compiled.ok().map(Arc::new)
        })
        .clone()
}

impl Inbound {
    /// The agent who placed the call leaves it: their engagement ends, with the tenant's
    /// after-contact work for outbound calls.
    pub(super) async fn release_placer(&self, engaged: crate::acd::Engagement) {
        let store = self.deps.store.as_ref();
        let settings = crate::TenantSettings::of(store, self.tenant).await;
        engaged.release(settings.outbound_wrap_up_secs).await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_flow_of_a_taken_over_call_compiles() {
        assert!(super::no_flow().is_some());
    }
}
