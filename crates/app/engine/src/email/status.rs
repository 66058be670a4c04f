//! What each channel's poller last did, for the admin's channel page.

use super::Inner;
use sb_types::{ChannelId, TenantId};
use serde::Serialize;
use std::sync::PoisonError;

/// One channel's retrieval state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelStatus {
    /// The channel.
    pub channel: ChannelId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Its name.
    pub name: String,
    /// `starting`, `ok`, `retrying` (a connection or server error; backing off), `failing`
    /// (the settings or the login are wrong: nothing retrieved until they change) or
    /// `disabled` (the admin switched retrieval off; replies still go out).
    pub state: &'static str,
    /// The last error, if the last poll failed.
    pub error: Option<String>,
    /// When the last poll succeeded, milliseconds since the Unix epoch.
    pub last_ok_at: Option<i64>,
    /// When the next poll is due, milliseconds since the Unix epoch.
    pub next_poll_at: Option<i64>,
    /// Messages stored since the node started.
    pub stored: u64,
    /// Of those, messages kept though broken (unparseable, or cut at the size limit).
    pub flagged: u64,
    /// Messages fetched again and recognised as already stored.
    pub duplicates: u64,
}

impl ChannelStatus {
    pub(super) fn starting(tenant: TenantId, channel: ChannelId, name: &str) -> Self {
        ChannelStatus {
            channel,
            tenant,
            name: name.to_owned(),
            state: "starting",
            error: None,
            last_ok_at: None,
            next_poll_at: None,
            stored: 0,
            flagged: 0,
            duplicates: 0,
        }
    }
}

pub(super) fn of_tenant(inner: &Inner, tenant: TenantId) -> Vec<ChannelStatus> {
    let map = inner.status.lock().unwrap_or_else(PoisonError::into_inner);
    let mut out: Vec<ChannelStatus> = map
        .values()
        .filter(|s| s.tenant == tenant)
        .cloned()
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

pub(super) fn update(inner: &Inner, channel: ChannelId, f: impl FnOnce(&mut ChannelStatus)) {
    let mut map = inner.status.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(s) = map.get_mut(&channel) {
        f(s);
    }
}

pub(super) fn set(inner: &Inner, status: ChannelStatus) {
    let mut map = inner.status.lock().unwrap_or_else(PoisonError::into_inner);
    map.insert(status.channel, status);
}

pub(super) fn remove(inner: &Inner, channel: ChannelId) {
    let mut map = inner.status.lock().unwrap_or_else(PoisonError::into_inner);
    map.remove(&channel);
}
