//! The owner of one item routed by a desk (a voicemail message, an email conversation): it
//! keeps the item's offers as the ACD makes and withdraws them, queues it again when it
//! overflows out of the ACD (such items wait until someone deals with them), and forgets it
//! when it leaves the ACD otherwise.

use super::{AcdHandle, InteractionEvent};
use sb_acd::{EndOutcome, Enqueue};
use sb_types::{AgentId, InteractionId, TenantId, Timestamp};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver};

/// A routed item as its desk keeps it: its interaction now, and the agents it is offered to.
pub trait RoutedItem: Send + 'static {
    /// The offers open now: agent and expiry.
    fn offers(&mut self) -> &mut Vec<(AgentId, Timestamp)>;
    /// The agent who holds the item (took its offer), if any.
    fn holder(&mut self) -> &mut Option<AgentId>;
    /// The interaction the item waits as now.
    fn interaction(&self) -> InteractionId;
    /// The item waits as `interaction` now.
    fn set_interaction(&mut self, interaction: InteractionId);
}

/// What a desk keeps of its routed items, as their owners change it.
pub trait RoutedItems: Send + Sync + 'static {
    /// The item's key (tenant and id).
    type Key: Clone + Eq + Hash + Send + Sync + std::fmt::Debug + 'static;
    /// What the desk keeps per item.
    type Item: RoutedItem;
    /// The ACD the items wait in.
    fn acd(&self) -> &AcdHandle;
    /// The routed items (the lock guards the map only).
    fn items(&self) -> &Mutex<HashMap<Self::Key, Self::Item>>;
    /// The key's tenant.
    fn tenant(key: &Self::Key) -> TenantId;
    /// How long an item that overflowed stays out before it is queued again.
    fn requeue_after(&self) -> Duration;
    /// Whether the item still waits for someone (not closed meanwhile).
    fn still_open(&self, key: &Self::Key) -> impl Future<Output = bool> + Send;

    /// Nobody holds the item any more and no offer of it is open (it was closed or passed
    /// on, even while its after-contact work lasts).
    fn release(&self, key: &Self::Key) {
        self.with_item(key, |x| {
            *x.holder() = None;
            x.offers().clear();
        });
    }

    /// Runs `f` on the item, if the desk still routes it.
    fn with_item<T>(&self, key: &Self::Key, f: impl FnOnce(&mut Self::Item) -> T) -> Option<T> {
        let mut items = self.items().lock().unwrap_or_else(PoisonError::into_inner);
        items.get_mut(key).map(f)
    }
}

/// Follows one item from its first [`Enqueue`] until it leaves the ACD for good.
pub async fn own<D: RoutedItems>(
    desk: Arc<D>,
    key: D::Key,
    enqueue: Enqueue,
    mut events: UnboundedReceiver<InteractionEvent>,
) {
    let mut current = enqueue.interaction;
    loop {
        let overflowed = follow(&*desk, &key, &mut events).await;
        if !overflowed {
            break;
        }
        tokio::time::sleep(desk.requeue_after()).await;
        match requeue(&*desk, &key, &enqueue, current).await {
            Some((interaction, rx)) => (current, events) = (interaction, rx),
            None => break,
        }
    }
    // The desk may have routed the item anew meanwhile (a transfer): that one is not ours.
    let mut items = desk.items().lock().unwrap_or_else(PoisonError::into_inner);
    if items.get(&key).is_some_and(|x| x.interaction() == current) {
        items.remove(&key);
    }
}

/// Follows the interaction until it leaves the ACD; whether it overflowed out of it.
async fn follow<D: RoutedItems>(
    desk: &D,
    key: &D::Key,
    events: &mut UnboundedReceiver<InteractionEvent>,
) -> bool {
    while let Some(event) = events.recv().await {
        match event {
            InteractionEvent::Offered { agent, offer } => {
                desk.with_item(key, |x| {
                    x.offers().retain(|(a, _)| *a != agent);
                    x.offers().push((agent, offer.expires_at));
                });
            }
            InteractionEvent::OfferWithdrawn { agent, .. } => {
                desk.with_item(key, |x| x.offers().retain(|(a, _)| *a != agent));
            }
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

/// Queues an item that is still open again, as a new interaction.
async fn requeue<D: RoutedItems>(
    desk: &D,
    key: &D::Key,
    template: &Enqueue,
    current: InteractionId,
) -> Option<(InteractionId, UnboundedReceiver<InteractionEvent>)> {
    if !desk.still_open(key).await {
        return None;
    }
    let interaction = InteractionId::from_uuid(uuid::Uuid::now_v7());
    desk.with_item(key, |x| {
        (x.interaction() == current).then(|| {
            x.set_interaction(interaction);
            x.offers().clear();
        })
    })??;
    let enqueue = Enqueue {
        interaction,
        ..template.clone()
    };
    let (tx, rx) = mpsc::unbounded_channel();
    match desk.acd().enqueue(D::tenant(key), enqueue, tx).await {
        Ok(()) => Some((interaction, rx)),
        Err(e) => {
            tracing::warn!(error = %e, item = ?key, "not queued again");
            None
        }
    }
}
