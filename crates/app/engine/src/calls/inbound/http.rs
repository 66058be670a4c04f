//! A flow's HTTP request during a call (the `http` block: a CRM look-up, a ticket…). The caller
//! waits in silence while it runs and may hang up meanwhile. Internal addresses are refused
//! unless allowed (`FlowHttp`), redirects are not followed, the time is capped and at most a little more than the flow accepts of the body is read; the
//! flow maps the answer into attributes (and the agent's screen pop). Each request is logged as
//! `call.http` with its host and status or error.

use std::time::Duration;

use sb_flow::Input;
use serde_json::json;

use super::{AckWait, CallerMedia, Inbound, Interrupt};

/// The longest a request may take, whatever the flow says.
const MAX_TIMEOUT: Duration = Duration::from_secs(30);
/// The most of a body read: one byte over the flow's own limit (it refuses what is longer).
const MAX_BODY: usize = 256 * 1024 + 1;

/// What the flow asks for.
pub(crate) struct HttpCall {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub timeout: Duration,
}

impl HttpCall {
    /// The request an `HttpRequest` action asks for; any other action back.
    pub(crate) fn of(action: sb_flow::Action) -> Result<HttpCall, Box<sb_flow::Action>> {
        match action {
            sb_flow::Action::HttpRequest {
                method,
                url,
                headers,
                body,
                timeout,
            } => Ok(HttpCall {
                method,
                url,
                headers,
                body,
                timeout,
            }),
            other => Err(Box::new(other)),
        }
    }
}

/// Runs the request while watching the caller; the flow's answer, or why the caller left.
pub async fn perform(
    call: &mut Inbound,
    media: &mut CallerMedia,
    acks: &mut AckWait,
    request: HttpCall,
) -> Result<Input, Interrupt> {
    let log = call.log.clone();
    let answer = logged(call.deps.http.clone(), log, request);
    tokio::pin!(answer);
    loop {
        tokio::select! {
            input = &mut answer => return Ok(input),
            event = call.caller_event(media, acks) => {
                event?;
            }
        }
    }
}

/// Runs the request and logs it (also after the caller has hung up: a hang-up handler's).
pub(super) async fn logged(
    http: super::super::FlowHttp,
    log: super::super::events::CallLog,
    request: HttpCall,
) -> Input {
    let (method, host) = (request.method.clone(), host_of(&request.url));
    let input = send(http, request).await;
    let outcome = match &input {
        Input::Http { status, .. } => json!({ "status": status }),
        Input::Timeout => json!({ "error": "timeout" }),
        Input::Failed(why) => json!({ "error": why }),
        _ => json!({}),
    };
    let mut payload = json!({ "method": method, "host": host });
    if let (Some(p), Some(o)) = (payload.as_object_mut(), outcome.as_object()) {
        p.extend(o.clone());
    }
    log.record("http", payload).await;
    input
}

/// The host a request goes to, for the log (the path and query may carry the caller's data).
fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Runs one request of a flow (also for interactions without a caller: email).
pub(crate) async fn send(http: super::super::FlowHttp, r: HttpCall) -> Input {
    let Ok(method) = reqwest::Method::from_bytes(r.method.to_ascii_uppercase().as_bytes()) else {
        return Input::Failed(format!("{:?} is not an HTTP method", r.method));
    };
    let url = match reqwest::Url::parse(&r.url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => return Input::Failed(format!("{:?} is not an http(s) URL", r.url)),
    };
    if let Err(why) = http.check(&url) {
        return Input::Failed(why);
    }
    let mut builder = http
        .client()
        .request(method, url)
        .timeout(r.timeout.min(MAX_TIMEOUT));
    for (name, value) in &r.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if let Some(body) = r.body {
        builder = builder.body(body);
    }
    let response = match builder.send().await {
        Ok(response) => response,
        Err(e) if e.is_timeout() => return Input::Timeout,
        Err(e) => return Input::Failed(format!("HTTP request failed: {e}")),
    };
    let status = response.status().as_u16();
    match read_body(response).await {
        Ok(body) => Input::Http { status, body },
        Err(e) if e.is_timeout() => Input::Timeout,
        Err(e) => Input::Failed(format!("HTTP answer unreadable: {e}")),
    }
}

/// The body as text, cut after [`MAX_BODY`] bytes.
async fn read_body(mut response: reqwest::Response) -> Result<String, reqwest::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_BODY.saturating_sub(bytes.len());
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() >= MAX_BODY {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
