//! After-contact work: the agent's disposition and notes for the call they just handled, kept
//! in the tenant's event log (`call.wrap_up`) for reports and in the contact's history; or for
//! the email conversation they just closed, in the event log (`conversation.wrap_up`) and in
//! the conversation's thread as an internal note.

use crate::extract::ApiJson;
use crate::{AnyUser, ApiError, AppState, now};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(wrap_up))
}

/// The longest disposition code.
const MAX_DISPOSITION: usize = 64;
/// The longest notes, in characters.
const MAX_NOTES: usize = 2000;
/// The longest call id.
const MAX_CALL_ID: usize = 128;

/// What the agent records when the call is over.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct WrapUp {
    /// The call it is about (its id in `GET /api/v1/me/calls`), when the console knew it.
    #[serde(default)]
    call: Option<String>,
    /// Or the email conversation it is about; not with `call`. The disposition and notes go
    /// into its thread while the caller is its agent (not after passing it on).
    #[serde(default)]
    conversation: Option<uuid::Uuid>,
    /// The queue the call came from, whose dispositions setting then applies (a code from its
    /// list; one is needed when it says `required`).
    #[serde(default)]
    queue: Option<String>,
    /// The outcome code, e.g. `resolved` or `follow_up` (lower case letters, digits, `_`, `-`).
    #[serde(default)]
    disposition: Option<String>,
    /// Free text, at most 2000 characters.
    #[serde(default)]
    notes: Option<String>,
}

/// Ends the caller's after-contact work, with the call's disposition and notes when given
/// (the state the agent goes to next is `PUT /api/v1/me/state`, before or after).
#[utoipa::path(post, path = "/me/wrap-up", tag = "agents", request_body = WrapUp,
    responses((status = 204, description = "Done: any disposition and notes are in the event log (`call.wrap_up`) and the contact's history"),
        (status = 400, description = "A field is malformed, the call or conversation is not one the agent handled, or the queue requires a disposition"),
        (status = 401)))]
async fn wrap_up(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    ApiJson(req): ApiJson<WrapUp>,
) -> Result<StatusCode, ApiError> {
    let req = checked(req)?;
    if let Some(call) = &req.call {
        // Notes go only on a call the agent handled (connected now or among their last ones).
        let agent = sb_engine::acd::agent_of(c.user.id);
        let theirs = state
            .calls
            .as_ref()
            .is_some_and(|calls| calls.handled_by(c.tenant.id, call, agent));
        if !theirs {
            return Err(ApiError::invalid("call", "not a call you handled"));
        }
    }
    let conversation = match req.conversation {
        Some(id) => Some(handled_conversation(&state, &c, id).await?),
        None => None,
    };
    if let Some(queue) = &req.queue {
        let found = match state.store.get_queue_by_name(c.tenant.id, queue).await {
            Err(sb_store::StoreError::NotFound { .. }) => {
                return Err(ApiError::invalid("queue", "a queue of the tenant"));
            }
            found => found?,
        };
        allowed(&sb_engine::queue_dispositions(&found.settings), &req)?;
    }
    if req.disposition.is_some() || req.notes.is_some() {
        match &conversation {
            Some(handled) => record_conversation(&state, &c, *handled, &req).await?,
            None => record(&state, &c, &req).await?,
        }
    }
    if let Some(acd) = &state.acd {
        let agent = sb_engine::acd::agent_of(c.user.id);
        if let Err(e) = acd.end_wrap_up(c.tenant.id, agent).await {
            tracing::debug!(error = %e, "no after-contact work to end");
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The conversation `id` of the caller's tenant, and whether the caller is its agent (the
/// one who had it last: a conversation passed on since belongs to someone else).
async fn handled_conversation(
    state: &AppState,
    c: &crate::Caller,
    id: uuid::Uuid,
) -> Result<(sb_types::ConversationId, bool), ApiError> {
    let id = sb_types::ConversationId::from_uuid(id);
    match state.store.get_conversation(c.tenant.id, id).await {
        Ok(found) => Ok((id, found.agent_id == Some(c.user.id))),
        Err(sb_store::StoreError::NotFound { .. }) => Err(ApiError::invalid(
            "conversation",
            "not a conversation of the tenant",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Keeps a conversation's disposition and notes in the event log and, when the caller is
/// still its agent, in its thread (an internal note, so whoever reads the conversation later
/// sees how it ended). An agent who passed it on ends their work all the same.
async fn record_conversation(
    state: &AppState,
    c: &crate::Caller,
    (id, theirs): (sb_types::ConversationId, bool),
    req: &WrapUp,
) -> Result<(), ApiError> {
    let about = ("conversation", serde_json::json!(id.to_string()));
    let subject = format!("conversation:{id}");
    append_wrap_up(state, c, req, ("conversation.wrap_up", subject), about).await?;
    let text = match (&req.disposition, &req.notes) {
        (Some(d), Some(n)) => format!("Wrap-up: {d}\n{n}"),
        (Some(d), None) => format!("Wrap-up: {d}"),
        (None, Some(n)) => format!("Wrap-up notes:\n{n}"),
        (None, None) => return Ok(()),
    };
    if !theirs {
        return Ok(());
    }
    if let Some(desk) = &state.email {
        desk.note(c.tenant.id, c.user.id, id, &text)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(())
}

/// Keeps the disposition and notes in the event log and the contact's history.
async fn record(state: &AppState, c: &crate::Caller, req: &WrapUp) -> Result<(), ApiError> {
    let subject = match &req.call {
        Some(call) => format!("call:{call}"),
        None => format!("user:{}", c.user.id),
    };
    let about = ("call", serde_json::json!(req.call));
    append_wrap_up(state, c, req, ("call.wrap_up", subject), about).await?;
    if let Some(call) = &req.call {
        let (disposition, notes) = (req.disposition.as_deref(), req.notes.as_deref());
        state
            .store
            .set_interaction_wrap_up(c.tenant.id, call, disposition, notes, now())
            .await?;
    }
    Ok(())
}

/// Appends the wrap-up event `kind` on `subject`: who, the queue, the disposition, the notes,
/// and what it was about (`about`: the call or the conversation).
async fn append_wrap_up(
    state: &AppState,
    c: &crate::Caller,
    req: &WrapUp,
    (kind, subject): (&str, String),
    (key, value): (&str, serde_json::Value),
) -> Result<(), ApiError> {
    let mut payload = serde_json::json!({
        "user": c.user.id.to_string(),
        "username": c.user.username,
        "queue": req.queue,
        "disposition": req.disposition,
        "notes": req.notes,
    });
    payload[key] = value;
    let event = sb_store::NewEvent {
        tenant_id: c.tenant.id,
        at: now(),
        kind: kind.into(),
        subject,
        payload,
    };
    state.store.append_event(event).await?;
    Ok(())
}

/// Whether the queue's dispositions setting allows the request.
fn allowed(d: &sb_engine::Dispositions, req: &WrapUp) -> Result<(), ApiError> {
    match &req.disposition {
        None if d.required => Err(ApiError::invalid(
            "disposition",
            "required after a call from this queue",
        )),
        Some(code) if !d.codes.is_empty() && !d.codes.contains(code) => Err(ApiError::invalid(
            "disposition",
            format!("one of {}", d.codes.join(", ")),
        )),
        _ => Ok(()),
    }
}

/// The request with blank fields dropped, or the first problem.
fn checked(req: WrapUp) -> Result<WrapUp, ApiError> {
    let blank_to_none =
        |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if req.call.is_some() && req.conversation.is_some() {
        return Err(ApiError::invalid(
            "conversation",
            "either a call or a conversation",
        ));
    }
    let req = WrapUp {
        conversation: req.conversation,
        call: blank_to_none(req.call),
        queue: blank_to_none(req.queue),
        disposition: blank_to_none(req.disposition),
        notes: blank_to_none(req.notes),
    };
    if let Some(call) = &req.call {
        let ok = |ch: char| ch.is_ascii_alphanumeric() || "-_.@".contains(ch);
        if call.len() > MAX_CALL_ID || !call.chars().all(ok) {
            return Err(ApiError::invalid("call", "a call id"));
        }
    }
    if let Some(code) = &req.disposition {
        let ok = |ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "_-".contains(ch);
        if code.len() > MAX_DISPOSITION || !code.chars().all(ok) {
            return Err(ApiError::invalid(
                "disposition",
                "at most 64 lower case letters, digits, '_' or '-'",
            ));
        }
    }
    if req
        .notes
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTES)
    {
        return Err(ApiError::invalid("notes", "at most 2000 characters"));
    }
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(call: Option<&str>, disposition: Option<&str>, notes: Option<&str>) -> WrapUp {
        WrapUp {
            call: call.map(str::to_owned),
            conversation: None,
            queue: None,
            disposition: disposition.map(str::to_owned),
            notes: notes.map(str::to_owned),
        }
    }

    #[test]
    fn blank_fields_are_dropped() {
        let ok = checked(req(Some("c-1@switchboard"), Some("resolved"), Some("  "))).unwrap();
        assert_eq!(ok.disposition.as_deref(), Some("resolved"));
        assert!(ok.notes.is_none());
        let notes_only = checked(req(None, Some(""), Some("called back"))).unwrap();
        assert_eq!(notes_only.notes.as_deref(), Some("called back"));
        let nothing = checked(req(Some("c-1"), Some(" "), None)).unwrap();
        assert!(nothing.disposition.is_none() && nothing.notes.is_none());
    }

    #[test]
    fn a_queue_can_require_a_disposition_from_its_list() {
        let d = sb_engine::Dispositions {
            codes: vec!["resolved".into(), "callback".into()],
            required: true,
        };
        assert!(allowed(&d, &req(None, Some("resolved"), None)).is_ok());
        assert!(allowed(&d, &req(None, Some("other"), None)).is_err());
        assert!(allowed(&d, &req(None, None, Some("notes only"))).is_err());
        let open = sb_engine::Dispositions::default();
        assert!(allowed(&open, &req(None, None, Some("notes only"))).is_ok());
        assert!(allowed(&open, &req(None, Some("anything"), None)).is_ok());
    }

    #[test]
    fn malformed_fields_are_refused() {
        assert!(checked(req(None, Some("Resolved!"), None)).is_err());
        assert!(checked(req(None, Some(&"a".repeat(65)), None)).is_err());
        assert!(checked(req(Some("c 1"), Some("resolved"), None)).is_err());
        assert!(checked(req(None, None, Some(&"é".repeat(2001)))).is_err());
        assert!(checked(req(None, None, Some(&"é".repeat(2000)))).is_ok());
    }

    #[test]
    fn a_call_and_a_conversation_together_are_refused() {
        let mut both = req(Some("c-1@switchboard"), Some("resolved"), None);
        both.conversation = Some(uuid::Uuid::nil());
        assert!(checked(both).is_err());
    }
}
