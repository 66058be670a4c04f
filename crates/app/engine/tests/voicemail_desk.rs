//! Voicemail messages routed like calls, over a real store and the live ACD: offered to the
//! queue's agents behind live callers, taken, closed (after-contact work follows), routed
//! again after a restart, and only when their mailbox is a voice queue.
#![allow(clippy::unwrap_used)]

mod common;

use common::{T0, store, tenant, wall_clock};
use sb_acd::{AgentState, Enqueue, Presence};
use sb_engine::acd::{AcdHandle, AcdRuntime, InteractionEvent, agent_of};
use sb_engine::voicemails::{DeskError, VoicemailDesk};
use sb_store::{NewUser, NewVoicemail, QueueSpec, Store, Tenant, Voicemail};
use sb_types::{AgentId, Channel, InteractionId, Role};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(5);

struct Node {
    acd: AcdHandle,
    desk: VoicemailDesk,
    _stop: tokio_util::sync::DropGuard,
}

fn node(s: &Arc<dyn Store>) -> Node {
    let stop = CancellationToken::new();
    let acd = AcdRuntime::start(s.clone(), wall_clock, stop.clone());
    let desk = VoicemailDesk::new(acd.clone(), s.clone());
    Node {
        acd,
        desk,
        _stop: stop.drop_guard(),
    }
}

async fn setup(s: &dyn Store) -> (Tenant, AgentId) {
    let t = tenant(s, "acme").await;
    for (name, channel) in [("support", Channel::Voice), ("mail", Channel::Email)] {
        let settings = json!({ "wrap_up_secs": 60 });
        let spec = QueueSpec {
            name: name.into(),
            channel,
            settings,
        };
        s.create_queue(t.id, spec).await.unwrap();
    }
    let new = NewUser {
        username: "1001".into(),
        display_name: "Ann".into(),
        role: Role::Agent,
        password_hash: None,
        now: T0,
    };
    let agent = agent_of(s.create_user(t.id, new).await.unwrap().id);
    (t, agent)
}

async fn leave(s: &dyn Store, t: &Tenant, mailbox: &str, caller: &str) -> Voicemail {
    let new = NewVoicemail {
        tenant_id: t.id,
        call_id: format!("call-{caller}"),
        mailbox: mailbox.into(),
        caller: caller.into(),
        called: "+15550100".into(),
        file: format!("acme/voicemail/{caller}.wav"),
        duration_ms: 4200,
        bytes: 67_244,
        received_at: T0,
    };
    s.add_voicemail(new).await.unwrap()
}

/// Waits until `check` holds.
async fn until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(x) = check() {
            return x;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn state(n: &Node, t: &Tenant, agent: AgentId) -> AgentState {
    n.acd.agent_status(t.id, agent).await.unwrap().state
}

#[tokio::test]
async fn a_message_in_a_queues_mailbox_is_offered_taken_and_closed_like_a_call() {
    let (s, _dir) = store().await;
    let (t, agent) = setup(s.as_ref()).await;
    let n = node(&s);
    let message = leave(s.as_ref(), &t, "support", "+442079460123").await;
    assert!(n.desk.route(&message).await.unwrap());
    assert!(!n.desk.route(&message).await.unwrap(), "routed once");
    assert!(
        n.desk.offer_for(t.id, agent).is_none(),
        "the agent is not ready"
    );
    let refused = n.desk.accept(t.id, agent, &message.id).await;
    assert!(
        matches!(refused, Err(DeskError::NotOffered(_))),
        "{refused:?}"
    );

    n.acd
        .set_agent_state(t.id, agent, Presence::Available)
        .await
        .unwrap();
    let offer = until("the message is offered", || n.desk.offer_for(t.id, agent)).await;
    assert_eq!(offer.voicemail, message.id);
    assert_eq!(
        (offer.mailbox.as_str(), offer.caller.as_str()),
        ("support", "+442079460123")
    );
    assert_eq!(offer.duration_ms, 4200);
    assert!(offer.expires_at > wall_clock().as_millis());
    assert_eq!(state(&n, &t, agent).await, AgentState::Reserved);

    n.desk.accept(t.id, agent, &message.id).await.unwrap();
    assert_eq!(
        n.desk.held_by(t.id, agent),
        std::slice::from_ref(&message.id)
    );
    assert!(n.desk.offer_for(t.id, agent).is_none());
    let working = AgentState::Working { interactions: 1 };
    assert_eq!(state(&n, &t, agent).await, working);

    n.desk.closed(t.id, &message.id).await;
    assert!(n.desk.held_by(t.id, agent).is_empty());
    assert_eq!(
        state(&n, &t, agent).await,
        AgentState::WrapUp,
        "the queue's wrap-up"
    );
}

#[tokio::test]
async fn a_declined_message_goes_back_to_its_place_and_live_callers_come_first() {
    let (s, _dir) = store().await;
    let (t, agent) = setup(s.as_ref()).await;
    let n = node(&s);
    let message = leave(s.as_ref(), &t, "support", "+442079460123").await;
    n.desk.route(&message).await.unwrap();
    // A caller arrives after the message; the queue serves the caller first.
    let support = s.get_queue_by_name(t.id, "support").await.unwrap().id;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let caller = InteractionId::from_u128(7);
    n.acd
        .enqueue(t.id, Enqueue::new(caller, support), tx)
        .await
        .unwrap();
    n.acd
        .set_agent_state(t.id, agent, Presence::Available)
        .await
        .unwrap();
    let event = tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(event, InteractionEvent::Offered { agent: a, .. } if a == agent),
        "the live caller is offered first: {event:?}"
    );
    assert!(n.desk.offer_for(t.id, agent).is_none());
    n.acd.reject(t.id, caller, agent).await.unwrap();
    let offer = until("then the message", || n.desk.offer_for(t.id, agent)).await;
    n.desk.reject(t.id, agent, &offer.voicemail).await.unwrap();
    assert!(
        n.desk.offer_for(t.id, agent).is_none(),
        "not offered to them again at once"
    );
    assert_eq!(state(&n, &t, agent).await, AgentState::Available);
}

#[tokio::test]
async fn open_messages_in_voice_queues_are_routed_again_when_the_node_starts() {
    let (s, _dir) = store().await;
    let (t, agent) = setup(s.as_ref()).await;
    let open = leave(s.as_ref(), &t, "support", "+442079460001").await;
    let done = leave(s.as_ref(), &t, "support", "+442079460002").await;
    let user = s.get_user_by_username(t.id, "1001").await.unwrap().id;
    s.close_voicemail(t.id, &done.id, user, T0).await.unwrap();
    let general = leave(s.as_ref(), &t, "general", "+442079460003").await;
    let email = leave(s.as_ref(), &t, "mail", "+442079460004").await;

    let n = node(&s);
    assert_eq!(
        n.desk.restore().await.unwrap(),
        1,
        "only the open one in a voice queue"
    );
    assert!(
        !n.desk.route(&general).await.unwrap(),
        "no such queue: listed only"
    );
    assert!(
        !n.desk.route(&email).await.unwrap(),
        "an email queue takes no voicemail"
    );
    n.acd
        .set_agent_state(t.id, agent, Presence::Available)
        .await
        .unwrap();
    let offer = until("the open message", || n.desk.offer_for(t.id, agent)).await;
    assert_eq!(offer.voicemail, open.id);
}

#[tokio::test]
async fn a_message_that_overflows_a_full_queue_is_queued_again_until_it_gets_in() {
    let (s, _dir) = store().await;
    let (t, agent) = setup(s.as_ref()).await;
    let spec = QueueSpec {
        name: "tiny".into(),
        channel: Channel::Voice,
        settings: json!({ "max_size": 1 }),
    };
    let tiny = s.create_queue(t.id, spec).await.unwrap().id;
    let stop = CancellationToken::new();
    let acd = AcdRuntime::start(s.clone(), wall_clock, stop.clone());
    let _stop = stop.drop_guard();
    let wait = Duration::from_millis(50);
    let desk = VoicemailDesk::with_requeue_after(acd.clone(), s.clone(), wait);
    // A caller fills the queue: the message overflows, and keeps trying.
    let (tx, _caller_events) = tokio::sync::mpsc::unbounded_channel();
    let caller = InteractionId::from_u128(7);
    acd.enqueue(t.id, Enqueue::new(caller, tiny), tx)
        .await
        .unwrap();
    let message = leave(s.as_ref(), &t, "tiny", "+442079460123").await;
    assert!(desk.route(&message).await.unwrap());
    tokio::time::sleep(wait * 4).await;
    acd.abandon(t.id, caller).await.unwrap();
    acd.set_agent_state(t.id, agent, Presence::Available)
        .await
        .unwrap();
    let offer = until("queued once there is room", || desk.offer_for(t.id, agent)).await;
    assert_eq!(offer.voicemail, message.id);
    let events = s.read_events(t.id, 0, 1000).await.unwrap();
    let overflows = events
        .iter()
        .filter(|e| e.kind == "interaction.overflowed")
        .count();
    assert!(overflows >= 2, "it overflowed and tried again: {overflows}");
}
