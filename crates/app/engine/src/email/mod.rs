//! The email channel: tenants' own mailboxes polled, messages threaded into conversations,
//! new and reopened conversations routed by the point of contact's flow to an email queue and
//! offered to agents with email capacity; agents reply (SMTP), write notes and close.
//!
//! Contents:
//! - [`EmailDesk`] — the node's email channels: [`EmailDesk::start`] runs one poller per
//!   channel; offers, accept/reject, [`EmailDesk::reply`], [`EmailDesk::forward`],
//!   [`EmailDesk::note`], [`EmailDesk::close`], [`EmailDesk::transfer`] to a queue or an agent
//!   ([`TransferTo`]); [`EmailDesk::status`] per channel.
//! - [`EmailDeps`] — what it needs from the node; [`EmailDeskError`] — what it refuses.
//! - [`channel_settings`] — checks and seals an admin's channel settings before storing.
//! - Canned responses: [`check_canned_response`] before storing, [`render_canned_response`]
//!   fills one in for a conversation ([`CannedVariables`]).
//!
//! Design note: nothing is lost and nothing is duplicated (the `sb-email` contract): a poll's
//! messages are written as files (synced), then stored with the mailbox's new cursor in one
//! transaction, and only then acknowledged on the server; keys stored but not acknowledged
//! (a crash in between) are acknowledged at the poller's next start. Routing is in memory like
//! every ACD interaction: [`EmailDesk::restore`] queues the open, routed conversations again
//! when the node starts. One owner task per routed conversation takes the ACD's events for it
//! (`acd::owner`, shared with the voicemail desk).

mod canned;
mod files;
mod flow;
mod guard;
mod ingest;
mod notice;
mod offers;
mod poller;
mod reply;
mod status;
mod transfer;

pub use canned::{
    CANNED_FUEL, CANNED_VARIABLES, CannedResponseError, CannedVariables, MAX_RENDERED_BYTES,
    RenderedResponse, check_canned_response, render_canned_response,
};
pub use notice::{Notice, SentNotice};
pub use offers::EmailOffer;
pub use reply::{ForwardRequest, OutgoingFile, ReplyRequest};
pub use status::ChannelStatus;
pub use transfer::TransferTo;

use crate::acd::{AcdHandle, EngineAcdError};
use crate::calls::FlowHttp;
use crate::prompts::PromptLibrary;
use sb_email::SecretKey;
use sb_store::{Store, StoreError};
use sb_types::{AgentId, ChannelId, ConversationId, InteractionId, TenantId, Timestamp};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Everything the desk refuses or fails with.
#[derive(Debug, thiserror::Error)]
pub enum EmailDeskError {
    /// The conversation is not offered to this agent now.
    #[error("conversation {0} is not offered to you")]
    NotOffered(ConversationId),
    /// The request is not valid (an empty reply, a bad address…).
    #[error("{0}")]
    Invalid(String),
    /// The channel's settings cannot be used (stored before a check, or the key changed).
    #[error("the email channel's settings: {0}")]
    Settings(String),
    /// A mail server (the mailbox's or the SMTP relay) refused or could not be reached.
    #[error("mail server: {0}")]
    Mail(#[from] sb_email::EmailError),
    /// A file could not be written or read.
    #[error("file: {0}")]
    File(#[from] std::io::Error),
    /// The ACD refused or is unavailable.
    #[error(transparent)]
    Acd(#[from] EngineAcdError),
    /// The store failed or the object does not exist.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EmailDeskError {
    /// Whether trying again later may succeed (a server or connection problem, not wrong
    /// settings, a refused login or a refused request).
    pub fn retryable(&self) -> bool {
        match self {
            Self::Mail(e) => e.retryable(),
            Self::File(_) | Self::Store(_) | Self::Acd(_) => true,
            Self::NotOffered(_) | Self::Invalid(_) | Self::Settings(_) => false,
        }
    }
}

/// What the desk needs from the node.
#[derive(Clone)]
pub struct EmailDeps {
    /// Conversations, channels, points of contact, flows.
    pub store: Arc<dyn Store>,
    /// The live ACD.
    pub acd: AcdHandle,
    /// Opens the sealed passwords of channel settings.
    pub secrets: SecretKey,
    /// Where raw messages are kept (`<dir>/<tenant>/<channel>/<hash>.eml`).
    pub mail_dir: PathBuf,
    /// The largest message kept whole.
    pub max_message_bytes: u64,
    /// The client of flows' HTTP requests (`flows.http_allow`).
    pub http: FlowHttp,
    /// Which addresses mail servers may be on: public ones, or the networks of
    /// `email.server_allow` (only [`FlowHttp::permits`] is used).
    pub servers: FlowHttp,
    /// Prompt names flows may use (for compiling the point of contact's flow).
    pub prompts: Option<PromptLibrary>,
    /// The wall clock.
    pub clock: fn() -> Timestamp,
}

/// A routed conversation: its interaction, its offers, the agent who took it.
#[derive(Debug, Clone)]
struct Routed {
    interaction: InteractionId,
    queue: sb_types::QueueId,
    queue_name: String,
    offers: Vec<(AgentId, Timestamp)>,
    agent: Option<AgentId>,
    customer: String,
    subject: String,
    since: Timestamp,
}

type Key = (TenantId, ConversationId);

struct Inner {
    deps: EmailDeps,
    routed: Mutex<HashMap<Key, Routed>>,
    status: Mutex<HashMap<ChannelId, ChannelStatus>>,
    requeue_after: Duration,
}

impl Inner {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<Key, Routed>) -> T) -> T {
        f(&mut self.routed.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn now(&self) -> Timestamp {
        (self.deps.clock)()
    }
}

impl crate::acd::owner::RoutedItem for Routed {
    fn offers(&mut self) -> &mut Vec<(AgentId, Timestamp)> {
        &mut self.offers
    }

    fn holder(&mut self) -> &mut Option<AgentId> {
        &mut self.agent
    }

    fn interaction(&self) -> InteractionId {
        self.interaction
    }

    fn set_interaction(&mut self, interaction: InteractionId) {
        self.interaction = interaction;
    }
}

impl crate::acd::owner::RoutedItems for Inner {
    type Key = Key;
    type Item = Routed;

    fn items(&self) -> &Mutex<HashMap<Key, Routed>> {
        &self.routed
    }

    fn acd(&self) -> &AcdHandle {
        &self.deps.acd
    }

    fn tenant(key: &Key) -> TenantId {
        key.0
    }

    fn requeue_after(&self) -> Duration {
        self.requeue_after
    }

    async fn still_open(&self, (tenant, id): &Key) -> bool {
        let conversation = self.deps.store.get_conversation(*tenant, *id).await;
        conversation.is_ok_and(|c| c.state == sb_store::ConversationState::Open)
    }
}

/// The node's email channels. Cheap to clone.
#[derive(Clone)]
pub struct EmailDesk {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmailDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailDesk").finish_non_exhaustive()
    }
}

/// How long a conversation that overflowed its queue stays out of the ACD before it is
/// queued again.
pub const REQUEUE_AFTER: Duration = Duration::from_secs(60);

impl EmailDesk {
    /// A desk with these parts; nothing runs until [`EmailDesk::start`].
    pub fn new(deps: EmailDeps) -> Self {
        let inner = Inner {
            deps,
            routed: Mutex::new(HashMap::new()),
            status: Mutex::new(HashMap::new()),
            requeue_after: REQUEUE_AFTER,
        };
        EmailDesk {
            inner: Arc::new(inner),
        }
    }

    /// Runs the mailbox pollers until `shutdown`: one per email channel of every tenant,
    /// started, restarted and stopped as channels are added, changed and removed.
    pub fn start(&self, shutdown: tokio_util::sync::CancellationToken) {
        tokio::spawn(poller::supervise(self.clone(), shutdown));
    }

    /// The channels of `tenant` this node polls, with their last results.
    pub fn status(&self, tenant: TenantId) -> Vec<ChannelStatus> {
        status::of_tenant(&self.inner, tenant)
    }

    /// The raw MIME of a stored message (as received, or as sent), when it has a file; with
    /// `limit`, only its first `limit` bytes (enough for the headers, without reading a large
    /// message's attachments).
    pub async fn raw_message(
        &self,
        message: &sb_store::ConversationMessage,
        limit: Option<u64>,
    ) -> Result<Option<Vec<u8>>, EmailDeskError> {
        use tokio::io::AsyncReadExt as _;
        let Some(file) = &message.raw_file else {
            return Ok(None);
        };
        // The store accepts only relative paths without `..` (`validate::relative_file`).
        let path = self.inner.deps.mail_dir.join(file);
        let Some(limit) = limit else {
            return Ok(Some(tokio::fs::read(path).await?));
        };
        let mut head = Vec::new();
        tokio::fs::File::open(path)
            .await?
            .take(limit)
            .read_to_end(&mut head)
            .await?;
        Ok(Some(head))
    }

    /// Queues every tenant's open conversations that were routed before (at most 200 per
    /// tenant, the oldest first); how many were queued.
    pub async fn restore(&self) -> Result<usize, EmailDeskError> {
        offers::restore(self).await
    }
}

/// Checks a channel's settings as an admin gives them and seals its passwords with the node's
/// key: the JSON to store, or every problem as `(field, message)`.
pub fn channel_settings(
    settings: &serde_json::Value,
    secrets: &SecretKey,
) -> Result<serde_json::Value, Vec<(String, String)>> {
    let parsed = sb_email::EmailChannelSettings::from_json(settings).map_err(|ps| {
        ps.into_iter()
            .map(|p| (p.field, p.message))
            .collect::<Vec<_>>()
    })?;
    let sealed = parsed
        .sealed(secrets)
        .map_err(|e| vec![("password".to_owned(), e.to_string())])?;
    serde_json::to_value(sealed).map_err(|e| vec![("settings".to_owned(), e.to_string())])
}
