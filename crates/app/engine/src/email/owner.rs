//! The owner of one routed conversation: keeps its offers as the ACD makes and withdraws
//! them, queues it again when it overflows out of the ACD (an email waits until someone
//! answers it), and forgets it when it leaves the ACD otherwise.

use super::{Inner, Key};
use crate::acd::InteractionEvent;
use sb_acd::{EndOutcome, Enqueue};
use sb_store::ConversationState;
use std::sync::Arc;
use tokio::sync::mpsc::{self, UnboundedReceiver};

pub(super) async fn own(
    inner: Arc<Inner>,
    key: Key,
    enqueue: Enqueue,
    mut events: UnboundedReceiver<InteractionEvent>,
) {
    loop {
        let overflowed = follow(&inner, &key, &mut events).await;
        if !overflowed {
            break;
        }
        tokio::time::sleep(inner.requeue_after).await;
        match requeue(&inner, &key, &enqueue).await {
            Some(rx) => events = rx,
            None => break,
        }
    }
    inner.with(|r| r.remove(&key));
}

/// Follows the interaction until it leaves the ACD; whether it overflowed out of it.
async fn follow(
    inner: &Inner,
    key: &Key,
    events: &mut UnboundedReceiver<InteractionEvent>,
) -> bool {
    while let Some(event) = events.recv().await {
        match event {
            InteractionEvent::Offered { agent, offer } => inner.with(|r| {
                if let Some(x) = r.get_mut(key) {
                    x.offers.retain(|(a, _)| *a != agent);
                    x.offers.push((agent, offer.expires_at));
                }
            }),
            InteractionEvent::OfferWithdrawn { agent, .. } => inner.with(|r| {
                if let Some(x) = r.get_mut(key) {
                    x.offers.retain(|(a, _)| *a != agent);
                }
            }),
            InteractionEvent::Ended { outcome, .. } => {
                return matches!(outcome, EndOutcome::Overflowed { .. });
            }
            // Nobody hears queue messages; an overflow out of the ACD ends it (`Ended`).
            InteractionEvent::PlayMessage { .. }
            | InteractionEvent::AnnouncePosition { .. }
            | InteractionEvent::Overflow { .. } => {}
        }
    }
    false
}

/// Queues a conversation that is still open again, as a new interaction.
async fn requeue(
    inner: &Inner,
    key: &Key,
    template: &Enqueue,
) -> Option<UnboundedReceiver<InteractionEvent>> {
    let (tenant, id) = key;
    let open = inner
        .deps
        .store
        .get_conversation(*tenant, *id)
        .await
        .ok()?
        .state
        == ConversationState::Open;
    if !open {
        return None;
    }
    let interaction = super::offers::new_interaction();
    let enqueue = Enqueue {
        interaction,
        ..template.clone()
    };
    inner.with(|r| {
        let x = r.get_mut(key)?;
        x.interaction = interaction;
        x.offers.clear();
        Some(())
    })?;
    let (tx, rx) = mpsc::unbounded_channel();
    match inner.deps.acd.enqueue(*tenant, enqueue, tx).await {
        Ok(()) => Some(rx),
        Err(e) => {
            tracing::warn!(error = %e, conversation = %id, "conversation not queued again");
            None
        }
    }
}
