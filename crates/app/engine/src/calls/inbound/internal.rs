//! A call between two of the tenant's users: a phone dials another user's name (an extension,
//! such as `2002`). The caller's phone is the customer's leg (`Customer::Caller`); the callee
//! is rung like a flow's transfer to an agent (on their line, else their registered phone or
//! their number) while the caller's phone rings back on our 180. The caller is answered only
//! once the callee answers; a CANCEL meanwhile stops the ringing (487), a callee on another
//! call is busy (486), one who does not answer in time is unavailable (480). Answered, the
//! call is like any other: hold, recording, transfers, and the caller's phone can join its
//! other call to the callee (REFER with Replaces on that call naming this one, see
//! `calls::replaces`).

use std::sync::Arc;
use std::time::Duration;

use sb_flow::{Input, Session, Start};
use sb_sip::StatusCode;
use sb_types::{AgentId, TenantId};
use serde_json::json;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::{AckWait, Customer, Inbound, Interrupt, Outcome, adopt, transfer};
use crate::calls::cause::EndCause;
use crate::calls::control::LiveCall;
use crate::calls::deps::CallDeps;
use crate::calls::events::CallLog;
use crate::calls::legs::UasLeg;
use crate::calls::registry::{CallInput, Registry};

/// How long the callee is rung.
const RING_LIMIT: Duration = Duration::from_secs(30);

/// A phone's call to another user of its tenant.
pub(in crate::calls) struct Internal {
    pub deps: Arc<CallDeps>,
    pub registry: Arc<Registry>,
    pub tenant: TenantId,
    /// The caller's phone (its INVITE not answered yet).
    pub phone: UasLeg,
    /// The caller's user name.
    pub from: String,
    /// The callee, and their user name.
    pub callee: (AgentId, String),
    pub inputs: UnboundedReceiver<CallInput>,
    pub inputs_tx: UnboundedSender<CallInput>,
    /// The caller's ACD engagement (when they are an agent).
    pub engaged: Option<crate::acd::Engagement>,
}

/// Runs the call until it ends.
pub(in crate::calls) async fn internal(i: Internal) {
    let call_id = i.phone.call_id();
    let log = CallLog::new(
        i.deps.store.clone(),
        i.tenant,
        call_id.clone(),
        i.deps.clock,
    );
    let (callee, name) = i.callee;
    let live = LiveCall {
        number: name.clone(),
        caller: i.from.clone(),
        ..LiveCall::new(call_id.clone(), "internal", "ringing", log.now())
    };
    i.deps.control.register(i.tenant, live, i.inputs_tx.clone());
    let mut call = Inbound {
        deps: i.deps,
        registry: i.registry,
        tenant: i.tenant,
        number: name.clone(),
        caller: Customer::Caller(i.phone),
        inputs: i.inputs,
        inputs_tx: i.inputs_tx,
        log,
        ids: vec![call_id.clone()],
        legs_done: Vec::new(),
        placed_by: i.engaged,
        early: true,
        internal: true,
    };
    let created = json!({ "direction": "internal", "caller": i.from, "number": name });
    call.log.record("created", created).await;
    call.ring_colleague(callee).await;
    call.deps.control.remove(&call_id);
    call.registry.remove_owned(&call.ids, &call.inputs_tx);
    if let Some(engaged) = call.placed_by.take() {
        call.release_placer(engaged).await;
    }
}

impl Inbound {
    /// Rings `callee` and, once they answer, answers the caller and connects them.
    async fn ring_colleague(&mut self, callee: AgentId) {
        let Some(program) = adopt::no_flow() else {
            self.caller
                .refuse(StatusCode::SERVER_INTERNAL_ERROR, "no call program");
            return self.finish(None, EndCause::new("failed", 500), None).await;
        };
        if self.deps.control.busy(self.tenant, callee) {
            self.caller.refuse(StatusCode::BUSY_HERE, "on another call");
            let cause = EndCause::new("busy", 486);
            return self.finish(None, cause, None).await;
        }
        let Ok(mut media) = self.open_media().await else {
            let cause = EndCause::new("not_answered", 503);
            return self.finish(None, cause, None).await;
        };
        self.caller.respond(StatusCode::RINGING, None);
        // Phones send nothing before they are answered.
        let _ = media.call.expect_media(media.endpoint, false).await;
        let mut acks = AckWait::done();
        let rung = transfer::to_agent(self, &mut media, &mut acks, callee, RING_LIMIT).await;
        self.early = false;
        let leg = match rung {
            Ok(Outcome::Connected(leg)) => leg,
            Ok(outcome) => {
                let (status, cause) = unanswered(outcome);
                self.caller.refuse(status, cause.reason);
                return self.finish(Some(&media), cause, None).await;
            }
            Err(interrupt) => {
                let cause = match interrupt {
                    Interrupt::Hangup(cause) => cause,
                    Interrupt::MediaTimeout => EndCause::new("media_timeout", 408),
                };
                self.caller.respond(StatusCode::REQUEST_TERMINATED, None);
                return self.finish(Some(&media), cause, None).await;
            }
        };
        self.answered_now(&media);
        let _ = media.call.expect_media(media.endpoint, true).await;
        let answered_at = self.log.now();
        self.log
            .record("answered", json!({ "number": self.number }))
            .await;
        let mut session = Session::new(program, Start::at(answered_at));
        let mut acks = AckWait::new();
        let cause = self
            .talk(&mut session, &mut media, *leg, &mut acks, None)
            .await;
        self.finish(Some(&media), cause, Some(answered_at)).await;
    }
}

/// What the caller is told when the callee did not answer, and why the call ended.
fn unanswered(outcome: Outcome) -> (StatusCode, EndCause) {
    match outcome {
        Outcome::Input(Input::Busy) => (StatusCode::BUSY_HERE, EndCause::new("busy", 486)),
        Outcome::Input(Input::NoAnswer) => (
            StatusCode::TEMPORARILY_UNAVAILABLE,
            EndCause::new("no_answer", 480),
        ),
        _ => (
            StatusCode::TEMPORARILY_UNAVAILABLE,
            EndCause::new("unreachable", 480),
        ),
    }
}
