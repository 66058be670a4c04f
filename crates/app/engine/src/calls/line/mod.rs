//! Agents' persistent lines: one call from the agent's phone (the console's softphone, or a SIP
//! phone) to Switchboard that stays up while they work, so that offers connect at once, with
//! no INVITE, ICE or DTLS per call.
//!
//! - A phone opens its line by calling [`LINE_USER`] (`sip:*line@<tenant>`, authenticated
//!   like any call a phone places). We answer at once; the line's media is an endpoint of its
//!   own media task (`serve`), offered calls once it can carry them (a SIP phone's at once, a
//!   browser's at its first SRTP packet). A second line of the same agent replaces the first.
//! - An offer to an agent with a line (`offer`) lends that endpoint to the caller's call: the
//!   console shows the offer from the live call list and answers or declines it through the
//!   API (`answer`, `reject`), or the phone presses 1 on the line. Answered, the caller is
//!   connected to the endpoint at once. Consultations of the agent ring the same way, and a
//!   reloaded console's call comes back onto its new line (answered at once).
//! - When the call lets the agent go (hang-up, transfer), the endpoint goes home and the line
//!   waits for the next offer. A BYE on the line during a call is the agent hanging up (the
//!   call gets it), then the line closes; so does a line whose phone stops sending media.

mod offer;
mod serve;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use sb_media::{CallMedia, EndpointId};
use sb_sip_dialog::dialog::Dialog;
use sb_sip_transport::Destination;
use sb_types::{AgentId, TenantId};
use tokio::sync::{mpsc, oneshot};

use super::registry::CallInput;

pub(super) use offer::ring;
pub(super) use serve::spawn;

/// The user part a phone calls to open its line.
pub const LINE_USER: &str = "*line";

/// Whether `request` opens a line (its Request-URI's user is [`LINE_USER`]).
pub(super) fn opens_line(request: &sb_sip::Request) -> bool {
    request
        .uri()
        .as_sip()
        .and_then(|u| u.user_decoded())
        .is_some_and(|u| u == LINE_USER.as_bytes())
}

/// What a line is asked to do.
enum LineCommand {
    /// Lend the line's endpoint to the call of `to`; requests on the line go to `call`
    /// while it is there.
    Lend {
        to: CallMedia,
        call: mpsc::UnboundedSender<CallInput>,
        reply: oneshot::Sender<Result<Loan, String>>,
    },
    /// Another line of the agent took over: hang this one up.
    Replaced,
}

/// The line, lent to a call: its endpoint is the call's now, and its dialog is the agent's
/// leg (never hung up by the call: the line stays).
#[derive(Debug, Clone)]
pub(super) struct Loan {
    /// The endpoint, now in the call's media.
    pub endpoint: EndpointId,
    /// The line's dialog with the phone.
    pub dialog: Dialog,
    /// Our SIP address towards the phone.
    pub local: SocketAddr,
    /// Where requests to the phone go.
    pub dest: Destination,
    /// Their transport's name.
    pub transport: &'static str,
    /// The line's Call-ID.
    pub call_id: String,
}

/// A live line.
#[derive(Clone)]
struct LineHandle {
    commands: mpsc::UnboundedSender<LineCommand>,
    call_id: String,
    /// A browser's line (WebRTC media) rather than a SIP phone's.
    webrtc: bool,
}

/// The node's live lines, by tenant and agent (cheap to clone).
#[derive(Clone, Default)]
pub struct Lines(Arc<Mutex<HashMap<(TenantId, AgentId), LineHandle>>>);

impl std::fmt::Debug for Lines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("Lines").field("open", &n).finish()
    }
}

impl Lines {
    /// Whether the agent has a line open on this node (`webrtc`: the console's).
    pub fn open(&self, tenant: TenantId, agent: AgentId) -> Option<bool> {
        let lines = self.0.lock().ok()?;
        lines.get(&(tenant, agent)).map(|l| l.webrtc)
    }

    /// Whether offers to the agent may ring on their line: they have one, and their device
    /// allows it (`Registered`: any line; `Desk`: a SIP phone's; a phone number: none).
    pub(super) fn usable(
        &self,
        tenant: TenantId,
        agent: AgentId,
        devices: &crate::devices::AgentDevices,
    ) -> bool {
        use crate::devices::Device;
        let Some(webrtc) = self.open(tenant, agent) else {
            return false;
        };
        match devices.get(tenant, agent) {
            Device::Registered => true,
            Device::Desk => !webrtc,
            Device::Pstn(_) => false,
        }
    }

    fn get(&self, tenant: TenantId, agent: AgentId) -> Option<LineHandle> {
        self.0.lock().ok()?.get(&(tenant, agent)).cloned()
    }

    /// Registers the agent's new line; the one it replaces is told to hang up.
    fn insert(&self, tenant: TenantId, agent: AgentId, line: LineHandle) {
        let old = self
            .0
            .lock()
            .ok()
            .and_then(|mut m| m.insert((tenant, agent), line));
        if let Some(old) = old {
            let _ = old.commands.send(LineCommand::Replaced);
        }
    }

    /// Forgets the agent's line `call_id` (not a newer one that replaced it).
    fn remove(&self, tenant: TenantId, agent: AgentId, call_id: &str) {
        if let Ok(mut m) = self.0.lock()
            && m.get(&(tenant, agent))
                .is_some_and(|l| l.call_id == call_id)
        {
            m.remove(&(tenant, agent));
        }
    }

    /// Lends the agent's line to the call of `to`; `Err` says why it cannot (no line, or it is
    /// in another call).
    pub(super) async fn lend(
        &self,
        tenant: TenantId,
        agent: AgentId,
        to: &CallMedia,
        call: mpsc::UnboundedSender<CallInput>,
    ) -> Result<Loan, String> {
        let line = self.get(tenant, agent).ok_or("the agent has no line")?;
        let (reply, answer) = oneshot::channel();
        let to = to.clone();
        line.commands
            .send(LineCommand::Lend { to, call, reply })
            .map_err(|_| "the agent's line has closed")?;
        answer.await.map_err(|_| "the agent's line has closed")?
    }
}
