//! What call tasks need from the node.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use sb_media::MediaServer;
use sb_sip_transport::{Resolver, SipClient};
use sb_store::Store;
use sb_types::Timestamp;

use crate::acd::AcdHandle;
use crate::prompts::PromptLibrary;
use crate::trunks::TrunkDirectory;

/// The node's parts a call uses.
#[derive(Clone)]
pub struct CallDeps {
    /// Events and CDRs go to the store's event log.
    pub store: Arc<dyn Store>,
    /// Sends requests (the legs we place, BYEs, ACKs).
    pub client: SipClient,
    /// Locates carriers' servers (RFC 3263).
    pub resolver: Resolver,
    /// Anchors every leg's media.
    pub media: MediaServer,
    /// Trunks: outbound routes and caller-ID rules.
    pub trunks: Arc<TrunkDirectory>,
    /// The SIP UDP/TCP listening address (its port goes in our Contact).
    pub sip_listen: SocketAddr,
    /// The wall clock (events' times).
    pub clock: fn() -> Timestamp,
    /// The live ACD: queued calls are offered to agents through it.
    pub acd: AcdHandle,
    /// Prompts and spoken text for flows and queues.
    pub prompts: PromptLibrary,
    /// The live calls, for the API.
    pub control: super::control::CallControl,
    /// Where call recordings are written (`<dir>/<tenant>/<call>.wav`).
    pub recordings: std::path::PathBuf,
    /// Where each agent takes calls.
    pub devices: crate::devices::AgentDevices,
    /// Agents' persistent lines on this node.
    pub lines: super::Lines,
    /// Flows' HTTP requests, guarded against reaching internal addresses.
    pub http: super::FlowHttp,
    /// Routes voicemail messages left in queues' mailboxes to their agents.
    pub voicemails: crate::voicemails::VoicemailDesk,
    /// Inbound numbers' compiled flows, reused while their published version stays.
    pub programs: super::ProgramCache,
    /// Sends the emails of flows' `send_message` blocks.
    pub email: crate::email::EmailDesk,
    /// Recognises callers' words in voice menus; `None`: menus take keys only.
    pub speech: Option<crate::speech::Recognizer>,
}

impl std::fmt::Debug for CallDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallDeps")
            .field("sip_listen", &self.sip_listen)
            .finish_non_exhaustive()
    }
}

impl CallDeps {
    /// The address a peer at `peer` reaches us on: the listening address, or when that is a
    /// wildcard, the source address the kernel routes towards the peer from.
    pub fn local_ip_towards(&self, peer: SocketAddr) -> IpAddr {
        let ip = self.sip_listen.ip();
        if !ip.is_unspecified() {
            return ip;
        }
        crate::trunks::route_source(peer).unwrap_or(ip)
    }
}
