//! A flow's `send_message` during a call. Email goes through the tenant's email channel
//! (`EmailDesk::send_notice`); the caller waits in silence meanwhile and may hang up, which
//! does not stop the email (the flow's hang-up handler may rely on it). Each message is logged
//! as `call.message` with its channel, addresses and Message-ID or error. SMS has no channel
//! in this version: the block takes its error path.

use sb_flow::{Input, MessageChannel};
use serde_json::json;

use super::{AckWait, CallerMedia, Inbound, Interrupt};
use crate::email::Notice;

/// What the flow sends.
pub(super) struct Message {
    pub channel: MessageChannel,
    pub from: Option<String>,
    pub to: String,
    pub subject: Option<String>,
    pub body: String,
}

impl Message {
    /// The message a `SendMessage` action asks for; any other action back.
    pub(super) fn of(action: sb_flow::Action) -> Result<Message, Box<sb_flow::Action>> {
        match action {
            sb_flow::Action::SendMessage {
                channel,
                from,
                to,
                subject,
                body,
            } => Ok(Message {
                channel,
                from,
                to,
                subject,
                body,
            }),
            other => Err(Box::new(other)),
        }
    }
}

/// Sends the message while watching the caller; the flow's answer, or why the caller left.
pub(super) async fn send(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    message: Message,
) -> Result<Input, Interrupt> {
    let sending = start(call, message);
    tokio::pin!(sending);
    loop {
        tokio::select! {
            done = &mut sending => {
                return Ok(done.unwrap_or_else(|e| Input::Failed(format!("message not sent: {e}"))));
            }
            event = call.caller_event(media, acks) => {
                event?;
            }
        }
    }
}

/// Starts sending in a task of its own, so a caller who hangs up does not cancel it; the task
/// logs the message and answers the flow.
pub(super) fn start(call: &Inbound, message: Message) -> tokio::task::JoinHandle<Input> {
    let desk = call.deps.email.clone();
    let log = call.log.clone();
    let tenant = call.tenant;
    tokio::spawn(async move {
        let Message {
            channel,
            from,
            to,
            subject,
            body,
        } = message;
        if channel == MessageChannel::Sms {
            let why = "SMS is not available in this version";
            let payload = json!({ "channel": "sms", "to": to, "error": why });
            log.record("message", payload).await;
            return Input::Failed(why.into());
        }
        let notice = Notice {
            from,
            to: to.clone(),
            subject,
            body,
        };
        let sent = desk.send_notice(tenant, notice).await;
        let payload = match &sent {
            Ok(s) => json!({
                "channel": "email", "to": to, "from": s.from, "message_id": s.message_id,
            }),
            Err(e) => json!({ "channel": "email", "to": to, "error": e.to_string() }),
        };
        log.record("message", payload).await;
        match sent {
            Ok(_) => Input::Done,
            Err(e) => Input::Failed(format!("email not sent: {e}")),
        }
    })
}
