//! The callee's leg of an internal call handed to another call: the caller's phone (an agent's)
//! had a customer on hold, called a colleague through us, and now joins the two (a REFER with
//! Replaces on the customer's call naming this one, see `calls::replaces`). The colleague's
//! leg moves whole to the customer's call (its media endpoint lent there; a line goes home and
//! is lent anew), the caller's phone is hung up here, and this call ends.

use super::connected::Next;
use super::consult::At;
use super::{Customer, Inbound, NOT_REPLACEABLE, Peer};
use crate::calls::cause::EndCause;
use crate::calls::replaces::{self, FarLeg, Surrender};

impl Inbound {
    /// Hands the callee's leg to the call asking, when the Replaces names this call's dialog
    /// with the caller's phone; `Some` once this call is over.
    pub(super) async fn surrender(&mut self, at: &mut At<'_>, s: Surrender) -> Option<Next> {
        if let Err(why) = self.may_surrender(at, &s) {
            replaces::refuse(s, why);
            return None;
        }
        let agent = match at.agent.peer {
            Peer::Agent { agent, .. } | Peer::DirectAgent(agent) => Some(agent),
            Peer::External => None,
        };
        let far = match at.agent.line {
            true => self.lend_line(at, agent, &s).await,
            false => self.lend_leg(at, agent, &s).await,
        };
        match far {
            Ok(far) => {
                let _ = s.reply.send(Ok(far));
            }
            Err(why) => {
                let _ = s.reply.send(Err(why));
                if !at.agent.line {
                    return None;
                }
                // The line went home but could not be lent on: this call cannot go on.
                let cause = EndCause::new("transfer_failed", 500);
                self.hang_up_caller(&cause).await;
                return Some(Next::Ended(cause));
            }
        }
        let cause = EndCause::new("transferred", 200);
        self.hang_up_caller(&cause).await;
        self.show(|c| c.agent = None);
        Some(Next::Ended(cause))
    }

    /// Whether the Replaces names this internal call's dialog with the caller's phone, with
    /// nothing else going on.
    fn may_surrender(&self, at: &At<'_>, s: &Surrender) -> Result<(), &'static str> {
        let Customer::Caller(uas) = &self.caller else {
            return Err(NOT_REPLACEABLE);
        };
        if !self.internal {
            return Err(NOT_REPLACEABLE);
        }
        let from = uas.invite.headers().from().ok();
        let theirs = from.as_ref().and_then(|f| f.tag()).unwrap_or("");
        if !replaces::names(&s.replaces, &uas.call_id(), &uas.tag, theirs) {
            return Err("Replaces does not name this call's dialog with the phone");
        }
        if at.consult.is_some() || at.reattach.is_some() {
            return Err("the named call is in a consultation");
        }
        Ok(())
    }

    /// The callee's SIP leg, its endpoint lent to the asking call, its dialog's requests
    /// routed there.
    async fn lend_leg(
        &mut self,
        at: &mut At<'_>,
        agent: Option<sb_types::AgentId>,
        s: &Surrender,
    ) -> Result<FarLeg, String> {
        let leg = &*at.agent;
        at.media
            .call
            .lend(leg.endpoint, &s.to)
            .await
            .map_err(|e| format!("the callee's media cannot move: {e}"))?;
        self.registry.insert(&leg.call_id, s.inputs.clone());
        Ok(FarLeg {
            label: leg.label.clone(),
            agent,
            line: false,
            endpoint: leg.endpoint,
            dialog: leg.dialog.clone(),
            sdp: leg.sdp.clone(),
            local: leg.local,
            dest: leg.dest,
            transport: leg.transport,
            call_id: leg.call_id.clone(),
        })
    }

    /// The callee's line: it goes home from this call and is lent to the asking one.
    async fn lend_line(
        &mut self,
        at: &mut At<'_>,
        agent: Option<sb_types::AgentId>,
        s: &Surrender,
    ) -> Result<FarLeg, String> {
        let agent = agent.ok_or("the line has no agent")?;
        let _ = at.media.call.remove_endpoint(at.agent.endpoint).await;
        let lines = &self.deps.lines;
        let loan = lines
            .lend(self.tenant, agent, &s.to, s.inputs.clone())
            .await?;
        Ok(FarLeg {
            label: at.agent.label.clone(),
            agent: Some(agent),
            line: true,
            endpoint: loan.endpoint,
            dialog: loan.dialog,
            sdp: None,
            local: loan.local,
            dest: loan.dest,
            transport: loan.transport,
            call_id: loan.call_id,
        })
    }
}
