//! Live calls and call control: an agent lists and controls their own calls (hang up, hold,
//! resume, DTMF, recording start / pause / resume / stop for card payments, transfers,
//! conference, reattach); supervisors and admins see and control every call of the tenant. The
//! same commands also come over the agent console's WebSocket ([`ws_command`]).

use crate::extract::ApiJson;
use crate::{AnyUser, ApiError, AppState, Supervisor};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sb_engine::acd::agent_of;
use sb_engine::calls::{
    CallCommand, CallControl, ConsultView, ControlError, LiveCall, LiveQuality, TransferTo,
};
use sb_types::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calls))
        .routes(routes!(my_calls))
        .routes(routes!(control_call))
        .routes(routes!(send_dtmf))
        .routes(routes!(transfer_call))
}

/// A live call.
#[derive(Serialize, ToSchema, PartialEq)]
pub(super) struct CallView {
    /// The call's id.
    id: String,
    /// `inbound`, `outbound`, or `internal` (a user's phone calling another user).
    direction: &'static str,
    /// The number called (inbound: the tenant's; outbound: the dialled one; internal: the
    /// user name called).
    number: String,
    /// Who called.
    caller: String,
    /// The agent on the call, once connected.
    agent: Option<Uuid>,
    /// `ivr`, `queued`, `ringing` (offered to an agent), `connected` or `held`.
    state: String,
    /// When the call began, milliseconds since the Unix epoch.
    started_at: i64,
    /// Whether it is being recorded.
    recording: bool,
    /// The queue it waited in, once queued.
    queue: Option<String>,
    /// When it was queued, milliseconds since the Unix epoch.
    queued_at: Option<i64>,
    /// The agent whose phone rings with it now.
    offered_to: Option<Uuid>,
    /// The flow's attributes marked for the agent's screen pop.
    screen_pop: BTreeMap<String, String>,
    /// The consultation of a warm transfer, while one runs.
    consult: Option<ConsultInfo>,
    /// Each connected leg's media quality, refreshed every few seconds.
    quality: Vec<QualityView>,
}

/// One leg's media quality now.
#[derive(Serialize, ToSchema, PartialEq)]
pub(super) struct QualityView {
    /// `caller`, `agent` or `external`.
    leg: &'static str,
    /// `good`, `fair` or `poor`.
    level: &'static str,
    /// Mean opinion score (1 to 4.5) of what we received from the leg.
    mos: f64,
    /// Loss in the last reporting interval, in percent.
    loss_percent: f64,
    /// Interarrival jitter, in ms.
    jitter_ms: f64,
    /// Round-trip time, in ms, once measured.
    rtt_ms: Option<f64>,
}

impl From<LiveQuality> for QualityView {
    fn from(q: LiveQuality) -> Self {
        QualityView {
            leg: q.leg,
            level: q.level,
            mos: q.mos,
            loss_percent: q.loss_percent,
            jitter_ms: q.jitter_ms,
            rtt_ms: q.rtt_ms,
        }
    }
}

/// A consultation in progress.
#[derive(Serialize, ToSchema, PartialEq)]
pub(super) struct ConsultInfo {
    /// Who is consulted: the agent's user name, or the number.
    to: String,
    /// `agent` or `number`.
    kind: &'static str,
    /// `ringing`, `talking` or `conference`.
    state: &'static str,
    /// The consulted agent's user id.
    agent: Option<Uuid>,
}

impl From<ConsultView> for ConsultInfo {
    fn from(c: ConsultView) -> Self {
        ConsultInfo {
            to: c.to,
            kind: c.kind,
            state: c.state,
            agent: c.agent.map(|a| a.as_uuid()),
        }
    }
}

impl From<LiveCall> for CallView {
    fn from(c: LiveCall) -> Self {
        CallView {
            id: c.id,
            direction: c.direction,
            number: c.number,
            caller: c.caller,
            agent: c.agent.map(|a| a.as_uuid()),
            state: c.state,
            started_at: c.started_at.as_millis(),
            recording: c.recording,
            queue: c.queue,
            queued_at: c.queued_at.map(|t| t.as_millis()),
            offered_to: c.offered_to.map(|a| a.as_uuid()),
            screen_pop: c.screen_pop,
            consult: c.consult.map(ConsultInfo::from),
            quality: c.quality.into_iter().map(QualityView::from).collect(),
        }
    }
}

/// What can be done to a call with an empty body.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub(super) enum Action {
    /// End the call.
    Hangup,
    /// Music on hold for the customer.
    Hold,
    /// Back from hold.
    Resume,
    /// Start recording.
    RecordStart,
    /// Silence the recording (card payments); the span is marked.
    RecordPause,
    /// Record again.
    RecordResume,
    /// Stop recording.
    RecordStop,
    /// Leave a consultation: the customer talks with the consulted party.
    TransferComplete,
    /// Drop the consulted party and go back to the customer.
    TransferCancel,
    /// Join the customer, the agent and the consulted party.
    Conference,
    /// Ring the agent's softphone with their live call again (after a console reload).
    Reattach,
    /// Connect the agent's live call to their line at once (after a console reload that
    /// opened a new line; 409 when they have no free line).
    ReattachLine,
    /// Answer the offer ringing the agent's phone: it is rung again, asked to answer by
    /// itself (`Answer-Mode: Auto`; 409 when nothing rings or the phone is a number).
    Answer,
    /// Decline the offer ringing on the agent's line (409 when nothing rings there).
    Reject,
}

impl Action {
    fn command(self) -> CallCommand {
        match self {
            Action::Hangup => CallCommand::Hangup,
            Action::Hold => CallCommand::Hold,
            Action::Resume => CallCommand::Resume,
            Action::RecordStart => CallCommand::RecordStart,
            Action::RecordPause => CallCommand::RecordPause,
            Action::RecordResume => CallCommand::RecordResume,
            Action::RecordStop => CallCommand::RecordStop,
            Action::TransferComplete => CallCommand::TransferComplete,
            Action::TransferCancel => CallCommand::TransferCancel,
            Action::Conference => CallCommand::Conference,
            Action::Reattach => CallCommand::Reattach,
            Action::ReattachLine => CallCommand::ReattachLine,
            Action::Answer => CallCommand::Answer,
            Action::Reject => CallCommand::Reject,
        }
    }
}

/// DTMF to send to the customer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Dtmf {
    /// 1 to 32 of `0-9 * # A-D`.
    digits: String,
}

/// Where a transfer goes: exactly one of the three.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TransferTarget {
    /// An agent's user id.
    #[serde(default)]
    agent: Option<Uuid>,
    /// A queue's name (blind transfers only).
    #[serde(default)]
    queue: Option<String>,
    /// A phone number, dialled through the tenant's trunk.
    #[serde(default)]
    number: Option<String>,
}

/// How a transfer is made.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum TransferMode {
    /// The agent's leg is hung up at once.
    Blind,
    /// The customer holds while the agent talks with the target first (warm transfer).
    Consult,
}

/// A transfer to make.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TransferRequest {
    /// Where to.
    to: TransferTarget,
    /// `blind` or `consult`.
    mode: TransferMode,
}

/// Longest queue name or number accepted.
const MAX_TARGET: usize = 64;

impl TransferTarget {
    fn target(self) -> Result<TransferTo, ApiError> {
        let too_long = |s: &str| s.is_empty() || s.len() > MAX_TARGET;
        match (self.agent, self.queue, self.number) {
            (Some(a), None, None) => {
                Ok(TransferTo::Agent(agent_of(sb_types::UserId::from_uuid(a))))
            }
            (None, Some(q), None) if !too_long(&q) => Ok(TransferTo::Queue(q)),
            (None, None, Some(n)) if !too_long(&n) => Ok(TransferTo::Number(n)),
            (None, Some(_), None) => Err(ApiError::invalid("to.queue", "1 to 64 characters")),
            (None, None, Some(_)) => Err(ApiError::invalid("to.number", "1 to 64 characters")),
            _ => Err(ApiError::invalid(
                "to",
                "exactly one of agent, queue or number",
            )),
        }
    }
}

/// What these routes fail with: the API's errors, or no call control on this node (503).
enum Failure {
    Api(ApiError),
    Unavailable,
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl From<ControlError> for Failure {
    fn from(e: ControlError) -> Self {
        match e {
            ControlError::NoSuchCall(_) => Failure::Api(ApiError::NotFound("call".into())),
            ControlError::Refused(why) => Failure::Api(ApiError::Conflict(why)),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Api(e) => e.into_response(),
            Failure::Unavailable => {
                let body = serde_json::json!({
                    "error": { "code": "calls_unavailable",
                               "message": "voice calls do not run on this server" }
                });
                (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
            }
        }
    }
}

fn calls(state: &AppState) -> Result<&CallControl, Failure> {
    state.calls.as_ref().ok_or(Failure::Unavailable)
}

/// Every live call of the tenant.
#[utoipa::path(get, path = "/calls", tag = "calls",
    responses((status = 200, body = [CallView]),
        (status = 503, description = "Voice calls do not run on this server")))]
async fn list_calls(
    State(state): State<AppState>,
    Supervisor(c): Supervisor,
) -> Result<Json<Vec<CallView>>, Failure> {
    let list = calls(&state)?.list(c.tenant.id);
    Ok(Json(list.into_iter().map(CallView::from).collect()))
}

/// The caller's own live calls (as the agent on them).
#[utoipa::path(get, path = "/me/calls", tag = "calls",
    responses((status = 200, body = [CallView]),
        (status = 503, description = "Voice calls do not run on this server")))]
async fn my_calls(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
) -> Result<Json<Vec<CallView>>, Failure> {
    let list = calls(&state)?.of_agent(c.tenant.id, agent_of(c.user.id));
    Ok(Json(list.into_iter().map(CallView::from).collect()))
}

/// Checks that the caller may control call `id`: agents only calls they hold or that ring them
/// (not those they are consulted on: their own phone hangs up their leg).
fn may_control(control: &CallControl, c: &crate::Caller, id: &str) -> Result<(), Failure> {
    if c.user.role != Role::Agent {
        return Ok(());
    }
    let me = agent_of(c.user.id);
    let mine = control
        .of_agent(c.tenant.id, me)
        .iter()
        .any(|call| call.id == id && (call.agent == Some(me) || call.offered_to == Some(me)));
    if mine {
        Ok(())
    } else {
        Err(ApiError::NotFound("call".into()).into())
    }
}

/// Hangs up, holds, resumes, or starts / pauses / resumes / stops the recording of a call.
#[utoipa::path(post, path = "/calls/{id}/{action}", tag = "calls",
    params(("id" = String, Path, description = "The call's id"),
        ("action" = Action, Path, description = "hangup, hold, resume, record_start, record_pause, record_resume, record_stop, transfer_complete, transfer_cancel, conference, reattach, reattach_line, answer or reject")),
    responses((status = 204, description = "Done"),
        (status = 404, description = "No such live call (or not the agent's)"),
        (status = 409, description = "The call cannot do this now"),
        (status = 503, description = "Voice calls do not run on this server")))]
async fn control_call(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path((id, action)): Path<(String, Action)>,
) -> Result<StatusCode, Failure> {
    if let Some(command) = consultee_command(&state, &c, &id, action)? {
        calls(&state)?.command(c.tenant.id, &id, command).await?;
        return Ok(StatusCode::NO_CONTENT);
    }
    run_command(&state, &c, &id, action.command()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an agent consulted on call `id` may do there from their line: `answer` or `reject`
/// the consultation ringing on it, `hangup` to leave it; `None` for anyone else (an agent
/// without a line is rung on their phone, which hangs up their side).
fn consultee_command(
    state: &AppState,
    c: &crate::Caller,
    id: &str,
    action: Action,
) -> Result<Option<CallCommand>, Failure> {
    let me = agent_of(c.user.id);
    // Without a line, the consultation rings the agent's phone, which hangs up their side.
    if state.lines.open(c.tenant.id, me).is_none() {
        return Ok(None);
    }
    let consulted = calls(state)?.of_agent(c.tenant.id, me).iter().any(|call| {
        call.id == id
            && call.agent != Some(me)
            && call.consult.as_ref().and_then(|k| k.agent) == Some(me)
    });
    if !consulted {
        return Ok(None);
    }
    Ok(match action {
        Action::Answer => Some(CallCommand::Consulted {
            agent: me,
            answer: true,
        }),
        Action::Reject => Some(CallCommand::Consulted {
            agent: me,
            answer: false,
        }),
        Action::Hangup => Some(CallCommand::ConsultLeave { agent: me }),
        _ => None,
    })
}

/// Transfers a call: blind (the agent's leg is hung up at once and the customer goes to the
/// target) or after a consultation (the customer holds while the target rings and talks with
/// the agent; then `transfer_complete`, `transfer_cancel` or `conference`).
#[utoipa::path(post, path = "/calls/{id}/transfer", tag = "calls", request_body = TransferRequest,
    params(("id" = String, Path, description = "The call's id")),
    responses((status = 204, description = "Done (blind) or the target rings (consult)"),
        (status = 400),
        (status = 404, description = "No such live call (or not the agent's)"),
        (status = 409, description = "The call cannot be transferred there now, and why"),
        (status = 503, description = "Voice calls do not run on this server")))]
async fn transfer_call(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<TransferRequest>,
) -> Result<StatusCode, Failure> {
    let to = req.to.target()?;
    let consult = matches!(req.mode, TransferMode::Consult);
    run_command(&state, &c, &id, CallCommand::Transfer { to, consult }).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends DTMF digits to the customer (RFC 4733, or tones when the leg has none).
#[utoipa::path(post, path = "/calls/{id}/dtmf", tag = "calls", request_body = Dtmf,
    params(("id" = String, Path, description = "The call's id")),
    responses((status = 204, description = "Sent"), (status = 400),
        (status = 404, description = "No such live call (or not the agent's)"),
        (status = 409, description = "The call cannot do this now"),
        (status = 503, description = "Voice calls do not run on this server")))]
async fn send_dtmf(
    State(state): State<AppState>,
    AnyUser(c): AnyUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Dtmf>,
) -> Result<StatusCode, Failure> {
    let digits = dtmf_digits(&req.digits)?;
    run_command(&state, &c, &id, CallCommand::SendDtmf(digits)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A call-control command over the agent console's WebSocket:
/// `{"type": "command", "id": …, "call": "<call id>", "action": "hold"}` with `digits` for
/// `dtmf`, and `to` and `mode` for `transfer` (as their REST bodies). The answer is
/// `{"type": "result", "id": …, "ok": true}` or `… "ok": false, "status": 409, "error": "…"`,
/// with the status the REST route would have given.
pub(super) async fn ws_command(
    state: &AppState,
    c: &crate::Caller,
    msg: &serde_json::Value,
) -> serde_json::Value {
    let id = msg.get("id").cloned().unwrap_or(serde_json::Value::Null);
    let outcome = match ws_parse(msg) {
        Ok((call, command)) => run_command(state, c, &call, command).await,
        Err(e) => Err(Failure::Api(e)),
    };
    match outcome {
        Ok(()) => serde_json::json!({ "type": "result", "id": id, "ok": true }),
        Err(Failure::Api(e)) => {
            let (status, code) = e.status_and_code();
            serde_json::json!({ "type": "result", "id": id, "ok": false,
                "status": status.as_u16(), "code": code, "error": e.to_string() })
        }
        Err(Failure::Unavailable) => serde_json::json!({ "type": "result", "id": id,
            "ok": false, "status": 503, "code": "calls_unavailable",
            "error": "voice calls do not run on this server" }),
    }
}

/// The call and the command a WebSocket command message names.
fn ws_parse(msg: &serde_json::Value) -> Result<(String, CallCommand), ApiError> {
    let call = msg
        .get("call")
        .and_then(|v| v.as_str())
        .filter(|c| !c.is_empty() && c.len() <= 200)
        .ok_or_else(|| ApiError::invalid("call", "the call's id"))?;
    let action = msg
        .get("action")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let command = match action {
        "dtmf" => {
            let digits = msg.get("digits").and_then(|v| v.as_str());
            CallCommand::SendDtmf(dtmf_digits(digits.unwrap_or_default())?)
        }
        "transfer" => {
            let req: TransferRequest = serde_json::from_value(serde_json::json!({
                "to": msg.get("to"), "mode": msg.get("mode"),
            }))
            .map_err(|e| ApiError::invalid("to", e.to_string()))?;
            let consult = matches!(req.mode, TransferMode::Consult);
            CallCommand::Transfer {
                to: req.to.target()?,
                consult,
            }
        }
        other => serde_json::from_value::<Action>(serde_json::Value::String(other.to_owned()))
            .map_err(|_| ApiError::invalid("action", format!("{other:?} is not a call action")))?
            .command(),
    };
    Ok((call.to_owned(), command))
}

/// DTMF digits to send: 1 to 32 of `0-9 * # A-D`.
fn dtmf_digits(digits: &str) -> Result<String, ApiError> {
    let valid = |ch: char| ch.is_ascii_digit() || "*#ABCD".contains(ch);
    if digits.is_empty() || digits.len() > 32 || !digits.chars().all(valid) {
        return Err(ApiError::invalid("digits", "1 to 32 of 0-9 * # A-D"));
    }
    Ok(digits.to_owned())
}

/// Carries out `command` on call `id` for the caller, as the REST routes do.
async fn run_command(
    state: &AppState,
    c: &crate::Caller,
    id: &str,
    command: CallCommand,
) -> Result<(), Failure> {
    let control = calls(state)?;
    may_control(control, c, id)?;
    control.command(c.tenant.id, id, command).await?;
    Ok(())
}
