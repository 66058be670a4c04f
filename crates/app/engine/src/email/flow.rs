//! A new conversation runs its point of contact's flow: the flow reads the message (sender,
//! subject, body) in attributes, may check hours, call HTTP, send an automatic answer, set
//! skills and priority, and queues it. Voice-only blocks are answered as a caller who says
//! nothing would be (prompts done, menus and recordings without input), so one flow may serve
//! a number and a mailbox. The flow's part ends when the conversation is queued.

use super::{EmailDeps, ingest::Prepared};
use crate::calls::{HttpCall, flow_http_send};
use sb_acd::SkillRequirement;
use sb_flow::{Action, Input, MessageChannel, Session, Start, Step};
use sb_store::{ContactKind, Conversation};
use sb_types::{QueueId, TenantId};
use std::sync::Arc;

/// The most steps a flow takes for one message (the flow's own budget stops it earlier).
const MAX_STEPS: usize = 10_000;
/// How much of the body the flow sees as `body`.
const BODY_FOR_FLOW: usize = 4_000;

/// Where the flow sent the conversation.
#[derive(Debug, Default)]
pub(super) struct Routing {
    /// The queue, with the flow's priority and extra skills.
    pub queue: Option<QueueId>,
    pub priority: Option<i32>,
    pub skills: Vec<SkillRequirement>,
    /// Automatic answers the flow asked for: `(to, subject, body)`.
    pub answers: Vec<(String, Option<String>, String)>,
    /// Why it was not queued.
    pub problem: Option<String>,
}

/// Runs the flow of the point of contact `address` for a new conversation.
pub(super) async fn run(
    deps: &EmailDeps,
    tenant: TenantId,
    address: &str,
    conversation: &Conversation,
    message: &Prepared,
) -> Routing {
    let program = match program(deps, tenant, address).await {
        Ok(p) => p,
        Err(why) => {
            return Routing {
                problem: Some(why),
                ..Routing::default()
            };
        }
    };
    let parsed = &message.parsed;
    let start = Start::at((deps.clock)())
        .attr("channel", "email")
        .attr("caller", conversation.customer.as_str())
        .attr("from", conversation.customer.as_str())
        .attr("customer_name", conversation.customer_name.as_str())
        .attr("subject", parsed.subject.as_str())
        .attr(
            "body",
            super::ingest::cut(&parsed.text, BODY_FOR_FLOW).as_str(),
        )
        .attr("to", address)
        .attr("conversation", conversation.token.as_str())
        .seed(u64::from(conversation.id.as_uuid().as_u128() as u32));
    let mut session = Session::new(program, start);
    drive(deps, &mut session, address).await
}

async fn drive(deps: &EmailDeps, session: &mut Session, address: &str) -> Routing {
    let mut routing = Routing::default();
    for _ in 0..MAX_STEPS {
        let action = match session.poll() {
            Step::Do(_) => continue,
            Step::Await(action) => action,
            Step::Waiting => break,
            Step::Finished(finish) => {
                routing.problem = Some(format!("the flow ended ({finish:?}) without queueing"));
                return routing;
            }
        };
        let input = match action {
            Action::Enqueue {
                queue,
                priority,
                skills,
                ..
            } => {
                routing.queue = Some(queue.id);
                routing.priority =
                    Some(priority.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32);
                routing.skills = skills
                    .iter()
                    .map(|s| SkillRequirement {
                        skill: s.id,
                        max_proficiency: 10,
                    })
                    .collect();
                return routing;
            }
            Action::Transfer {
                target: sb_flow::Target::Queue(queue),
                ..
            } => {
                routing.queue = Some(queue.id);
                return routing;
            }
            other => answer(deps, other, address, &mut routing).await,
        };
        if let Err(e) = session.handle((deps.clock)(), input) {
            routing.problem = Some(format!("the flow refused an answer: {e}"));
            return routing;
        }
    }
    routing.problem = Some("the flow stopped without queueing".into());
    routing
}

/// The answer to an action that does not queue; `address` is the mailbox the email came to.
async fn answer(deps: &EmailDeps, action: Action, address: &str, routing: &mut Routing) -> Input {
    match action {
        Action::Play { .. } | Action::SetAttr { .. } | Action::End | Action::Hangup => Input::Done,
        Action::Collect { .. } | Action::Menu { .. } | Action::Record { .. } => Input::NoInput,
        action @ Action::HttpRequest { .. } => match HttpCall::of(action) {
            Ok(call) => flow_http_send(deps.http.clone(), call).await,
            Err(other) => Input::Failed(format!("{} is not an HTTP request", other.kind())),
        },
        Action::SendMessage {
            channel: MessageChannel::Email,
            from: Some(from),
            ..
        } if !from.eq_ignore_ascii_case(address) => Input::Failed(format!(
            "an automatic answer goes from the mailbox the email came to ({address}), not {from}"
        )),
        Action::SendMessage {
            channel: MessageChannel::Email,
            to,
            subject,
            body,
            ..
        } => {
            routing.answers.push((to, subject, body));
            Input::Done
        }
        Action::SendMessage {
            channel: MessageChannel::Sms,
            ..
        } => Input::Failed("SMS is not available in this version".into()),
        Action::Transfer { .. } | Action::Dial { .. } => {
            Input::Failed("an email can only be transferred to a queue".into())
        }
        Action::Enqueue { .. } => Input::Done,
    }
}

/// The compiled published flow of the email point of contact `address`.
async fn program(
    deps: &EmailDeps,
    tenant: TenantId,
    address: &str,
) -> Result<Arc<sb_flow::Program>, String> {
    let store = &*deps.store;
    let contacts = store
        .list_points_of_contact(tenant)
        .await
        .map_err(|e| format!("points of contact: {e}"))?;
    let poc = contacts
        .into_iter()
        .filter(|p| p.kind == ContactKind::Email)
        .find(|p| p.address.eq_ignore_ascii_case(address))
        .ok_or_else(|| format!("no email point of contact for {address}"))?;
    let flow = store
        .get_flow_by_name(tenant, &poc.flow)
        .await
        .map_err(|e| format!("flow {:?}: {e}", poc.flow))?;
    let version = store
        .get_published_flow(tenant, flow.id)
        .await
        .map_err(|e| format!("flow {:?} has no published version: {e}", poc.flow))?;
    crate::names::compile_published(
        store,
        deps.prompts.as_ref(),
        tenant,
        &poc.flow,
        &version.document,
    )
    .await
    .map(Arc::new)
}
