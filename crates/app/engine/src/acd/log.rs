//! The event-log writer: appends in order, off the tenant tasks' routing path.

use sb_store::{NewEvent, Store};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Spawns the writer; it stops once every sender is gone, after writing what was sent.
pub(super) fn spawn_writer(store: Arc<dyn Store>) -> mpsc::UnboundedSender<NewEvent> {
    let (tx, mut rx) = mpsc::unbounded_channel::<NewEvent>();
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            let kind = event.kind.clone();
            if let Err(e) = store.append_event(event).await {
                tracing::warn!(error = %e, %kind, "could not append an ACD event");
            }
        }
    });
    tx
}
