//! The flow's hang-up handler on a call: once the caller has hung up (and the call has ended),
//! what the flow still does without them runs here: HTTP requests, messages, attributes.

use std::time::Duration;

use sb_flow::{Action, Input, Session, Step};

use super::Inbound;
use super::http::HttpCall;
use super::message::Message;

/// The longest a flow's hang-up handler may run after the caller has left.
const AFTER_HANGUP: Duration = Duration::from_secs(60);

/// Runs what the flow does once the caller has hung up (its `on.hangup` handler: log a
/// missed call with an HTTP request, send an email): actions that need no caller, for at most
/// [`AFTER_HANGUP`] (an action still running then is answered `Timeout`).
pub(super) async fn after_hangup(call: &mut Inbound, session: &mut Session) {
    let deadline = tokio::time::Instant::now() + AFTER_HANGUP;
    loop {
        let action = match session.poll() {
            Step::Do(action) => {
                super::ivr::note(call, &action).await;
                continue;
            }
            Step::Await(action) => action,
            Step::Waiting | Step::Finished(_) => return,
        };
        let work = without_caller(call, action);
        let input = tokio::time::timeout_at(deadline, work)
            .await
            .unwrap_or(Input::Timeout);
        if let Err(e) = session.handle(call.log.now(), input) {
            tracing::warn!(error = %e, "the flow refused the host's answer after the hang-up");
            return;
        }
    }
}

/// The answer to an action once the caller has gone.
async fn without_caller(call: &Inbound, action: Action) -> Input {
    let action = match HttpCall::of(action) {
        Ok(request) => {
            let (http, log) = (call.deps.http.clone(), call.log.clone());
            return super::http::logged(http, log, request).await;
        }
        Err(other) => *other,
    };
    match Message::of(action) {
        Ok(message) => super::message::start(call, message)
            .await
            .unwrap_or_else(|e| Input::Failed(format!("message not sent: {e}"))),
        Err(other) if matches!(*other, Action::SetAttr { .. } | Action::End) => Input::Done,
        Err(_) => Input::Hangup,
    }
}
