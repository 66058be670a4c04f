//! An offer on the agent's line: the line's endpoint is lent to the caller's call at once (not
//! connected yet), and the offer waits for the console's or API's answer, a decline, the
//! ring time or the call's cancel.

use std::time::Duration;

use sb_media::CallMedia;
use sb_sip::StatusCode;
use sb_types::{AgentId, TenantId};
use tokio::sync::{mpsc, oneshot};

use super::Loan;
use crate::calls::deps::CallDeps;
use crate::calls::registry::CallInput;
use crate::calls::ring::{Answered, AnsweredMedia, Decision, RingOutcome, Ringing};

/// Offers the call of `media` on `agent`'s line for at most `timeout`; `Err` says why it
/// cannot (no line, the line is on another call). On any end but an answer, the call must
/// remove the loaned endpoint (it goes home).
pub(in crate::calls) async fn ring(
    deps: &CallDeps,
    tenant: TenantId,
    agent: AgentId,
    media: &CallMedia,
    call: mpsc::UnboundedSender<CallInput>,
    timeout: Duration,
) -> Result<(Ringing, Loan), String> {
    let loan = deps.lines.lend(tenant, agent, media, call).await?;
    let (decide_tx, decide) = oneshot::channel();
    let (outcome_tx, outcome) = mpsc::unbounded_channel();
    let answered = Answered {
        dialog: loan.dialog.clone(),
        media: AnsweredMedia::Line,
        local: loan.local,
        ours: None,
    };
    let _ = outcome_tx.send(RingOutcome::Ringing);
    tokio::spawn(async move {
        let result = tokio::select! {
            d = decide => match d {
                Ok(Decision::Answer) => RingOutcome::Answered(Box::new(answered)),
                Ok(Decision::Decline) => RingOutcome::Failed(StatusCode::DECLINE),
                Ok(Decision::Cancel) | Err(_) => RingOutcome::Cancelled,
            },
            () = tokio::time::sleep(timeout) => RingOutcome::Failed(StatusCode::REQUEST_TIMEOUT),
        };
        let _ = outcome_tx.send(result);
    });
    let ringing = Ringing::by_line(decide_tx, outcome, loan.call_id.clone());
    Ok((ringing, loan))
}
