//! The live ACD over a real store: agent states, offers to an interaction's owner, rejects,
//! wrap-up, abandons, owners that go away, and tenants kept apart.
#![allow(clippy::unwrap_used)]

mod common;

use common::{store, tenant, wall_clock};
use sb_acd::{AgentState, EndOutcome, Enqueue, Presence, WithdrawReason};
use sb_engine::acd::{AcdHandle, AcdRuntime, EngineAcdError, InteractionEvent, agent_of};
use sb_store::{Event, NewUser, QueueSpec, Store, Tenant};
use sb_types::{AgentId, Channel, InteractionId, QueueId, Role};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(5);

async fn queue(s: &dyn Store, t: &Tenant, name: &str, settings: Value) -> QueueId {
    let spec = QueueSpec {
        name: name.into(),
        channel: Channel::Voice,
        settings,
    };
    s.create_queue(t.id, spec).await.unwrap().id
}

async fn user(s: &dyn Store, t: &Tenant, name: &str, role: Role) -> AgentId {
    let new = NewUser {
        username: name.into(),
        display_name: name.into(),
        role,
        password_hash: None,
        now: common::T0,
    };
    agent_of(s.create_user(t.id, new).await.unwrap().id)
}

fn start(s: &Arc<dyn Store>) -> (AcdHandle, CancellationToken) {
    let shutdown = CancellationToken::new();
    (
        AcdRuntime::start(s.clone(), wall_clock, shutdown.clone()),
        shutdown,
    )
}

async fn available(acd: &AcdHandle, t: &Tenant, agent: AgentId) {
    let status = acd
        .set_agent_state(t.id, agent, Presence::Available)
        .await
        .unwrap();
    assert_eq!(status.state, AgentState::Available);
}

async fn enqueue(
    acd: &AcdHandle,
    t: &Tenant,
    n: u128,
    q: QueueId,
) -> (InteractionId, mpsc::UnboundedReceiver<InteractionEvent>) {
    let id = InteractionId::from_u128(n);
    let (tx, rx) = mpsc::unbounded_channel();
    acd.enqueue(t.id, Enqueue::new(id, q), tx).await.unwrap();
    (id, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<InteractionEvent>) -> InteractionEvent {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("an event in time")
        .expect("the channel open")
}

/// The next offer on the owner's channel (skipping withdrawals and announcements).
async fn next_offer(rx: &mut mpsc::UnboundedReceiver<InteractionEvent>) -> AgentId {
    loop {
        if let InteractionEvent::Offered { agent, offer } = next(rx).await {
            assert_eq!(agent, offer.agent);
            return agent;
        }
    }
}

/// Waits until the tenant's event log satisfies `done`, and returns it.
async fn log_until(s: &dyn Store, t: &Tenant, done: impl Fn(&[Event]) -> bool) -> Vec<Event> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let events = s.read_events(t.id, 0, 1000).await.unwrap();
        if done(&events) {
            return events;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "log never got there: {events:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn has(
    events: &[Event],
    kind: &str,
    subject: impl ToString,
    pred: impl Fn(&Value) -> bool,
) -> bool {
    let subject = subject.to_string();
    events
        .iter()
        .any(|e| e.kind == kind && e.subject == subject && pred(&e.payload))
}

#[tokio::test]
async fn an_available_agent_is_offered_an_enqueued_interaction_on_the_owners_channel() {
    let (s, _dir) = store().await;
    let t = tenant(s.as_ref(), "acme").await;
    let q = queue(s.as_ref(), &t, "support", json!({})).await;
    let agent = user(s.as_ref(), &t, "1001", Role::Agent).await;
    let (acd, _stop) = start(&s);
    let before = acd.agent_status(t.id, agent).await.unwrap();
    assert_eq!(before.state, AgentState::LoggedOut);
    available(&acd, &t, agent).await;
    let (id, mut rx) = enqueue(&acd, &t, 1, q).await;
    match next(&mut rx).await {
        InteractionEvent::Offered { agent: a, offer } => {
            assert_eq!(a, agent);
            assert_eq!(offer.interaction, id);
            assert_eq!(offer.queue, q);
        }
        other => panic!("expected an offer, got {other:?}"),
    }
    let status = acd.agent_status(t.id, agent).await.unwrap();
    assert_eq!(status.state, AgentState::Reserved);
    log_until(s.as_ref(), &t, |e| {
        has(e, "interaction.queued", id, |_| true) && has(e, "interaction.offered", id, |_| true)
    })
    .await;
}

#[tokio::test]
async fn a_rejected_offer_goes_to_the_next_available_agent() {
    let (s, _dir) = store().await;
    let t = tenant(s.as_ref(), "acme").await;
    let q = queue(s.as_ref(), &t, "support", json!({})).await;
    let a = user(s.as_ref(), &t, "1001", Role::Agent).await;
    let b = user(s.as_ref(), &t, "1002", Role::Supervisor).await;
    let (acd, _stop) = start(&s);
    available(&acd, &t, a).await;
    available(&acd, &t, b).await;
    let (id, mut rx) = enqueue(&acd, &t, 1, q).await;
    let first = next_offer(&mut rx).await;
    acd.reject(t.id, id, first).await.unwrap();
    let second = next_offer(&mut rx).await;
    assert_ne!(first, second);
    assert!([a, b].contains(&second));
    let err = acd.accept(t.id, id, first).await.unwrap_err();
    assert!(matches!(err, EngineAcdError::Refused(_)), "{err:?}");
    acd.accept(t.id, id, second).await.unwrap();
}

#[tokio::test]
async fn accept_and_complete_go_through_wrap_up_per_queue_settings_and_log_agent_states() {
    let (s, _dir) = store().await;
    let t = tenant(s.as_ref(), "acme").await;
    let wrap = queue(s.as_ref(), &t, "support", json!({"wrap_up_secs": 60})).await;
    let plain = queue(s.as_ref(), &t, "sales", json!({})).await;
    let agent = user(s.as_ref(), &t, "1001", Role::Agent).await;
    let (acd, _stop) = start(&s);
    available(&acd, &t, agent).await;

    let (id, mut rx) = enqueue(&acd, &t, 1, wrap).await;
    assert_eq!(next_offer(&mut rx).await, agent);
    acd.accept(t.id, id, agent).await.unwrap();
    let working = acd.agent_status(t.id, agent).await.unwrap();
    assert_eq!(working.state, AgentState::Working { interactions: 1 });
    acd.complete(t.id, id).await.unwrap();
    assert_eq!(
        acd.agent_status(t.id, agent).await.unwrap().state,
        AgentState::WrapUp
    );
    acd.wrap_up_done(t.id, id).await.unwrap();
    assert!(matches!(
        next(&mut rx).await,
        InteractionEvent::Ended { outcome: EndOutcome::Handled { agent: a, .. }, .. } if a == agent
    ));
    assert_eq!(
        acd.agent_status(t.id, agent).await.unwrap().state,
        AgentState::Available
    );

    let (id2, mut rx2) = enqueue(&acd, &t, 2, plain).await;
    assert_eq!(next_offer(&mut rx2).await, agent);
    acd.accept(t.id, id2, agent).await.unwrap();
    acd.complete(t.id, id2).await.unwrap();
    assert_eq!(
        acd.agent_status(t.id, agent).await.unwrap().state,
        AgentState::Available,
        "no wrap-up in a queue without one"
    );
    let state_is = |name: &'static str| move |p: &Value| p["state"]["state"] == name;
    let events = log_until(s.as_ref(), &t, |e| {
        has(e, "interaction.ended", id2, |_| true)
    })
    .await;
    for state in ["available", "reserved", "working", "wrap_up"] {
        assert!(
            has(&events, "agent.state_changed", agent, state_is(state)),
            "{state}"
        );
    }
    assert!(has(&events, "interaction.sla", id, |p| p["outcome"]
        == "answered"));
    assert!(has(
        &events,
        "interaction.ended",
        id,
        |p| p["outcome"]["kind"] == "handled"
    ));
}

#[tokio::test]
async fn abandoning_a_waiting_interaction_ends_it_in_the_log() {
    let (s, _dir) = store().await;
    let t = tenant(s.as_ref(), "acme").await;
    let q = queue(s.as_ref(), &t, "support", json!({})).await;
    user(s.as_ref(), &t, "1001", Role::Agent).await;
    let (acd, _stop) = start(&s);
    let (id, mut rx) = enqueue(&acd, &t, 1, q).await;
    acd.abandon(t.id, id).await.unwrap();
    assert!(matches!(
        next(&mut rx).await,
        InteractionEvent::Ended {
            outcome: EndOutcome::Abandoned,
            ..
        }
    ));
    log_until(s.as_ref(), &t, |e| {
        has(e, "interaction.ended", id, |p| {
            p["outcome"]["kind"] == "abandoned"
        }) && has(e, "interaction.sla", id, |p| p["outcome"] == "abandoned")
    })
    .await;
    let again = acd.abandon(t.id, id).await.unwrap_err();
    assert!(matches!(again, EngineAcdError::Refused(_)), "{again:?}");
}

#[tokio::test]
async fn an_owner_that_goes_away_abandons_its_waiting_interaction_and_frees_the_agent() {
    let (s, _dir) = store().await;
    let t = tenant(s.as_ref(), "acme").await;
    let q = queue(s.as_ref(), &t, "support", json!({})).await;
    let agent = user(s.as_ref(), &t, "1001", Role::Agent).await;
    let (acd, _stop) = start(&s);
    let (waiting, rx) = enqueue(&acd, &t, 1, q).await;
    drop(rx);
    log_until(s.as_ref(), &t, |e| {
        has(e, "interaction.ended", waiting, |p| {
            p["outcome"]["kind"] == "abandoned"
        })
    })
    .await;
    available(&acd, &t, agent).await;
    let (ringing, mut rx) = enqueue(&acd, &t, 2, q).await;
    assert_eq!(next_offer(&mut rx).await, agent);
    drop(rx);
    log_until(s.as_ref(), &t, |e| {
        has(e, "interaction.ended", ringing, |_| true)
    })
    .await;
    assert_eq!(
        acd.agent_status(t.id, agent).await.unwrap().state,
        AgentState::Available
    );
}

#[tokio::test]
async fn each_tenant_has_its_own_acd() {
    let (s, _dir) = store().await;
    let a = tenant(s.as_ref(), "alpha").await;
    let b = tenant(s.as_ref(), "beta").await;
    let qa = queue(s.as_ref(), &a, "support", json!({})).await;
    let qb = queue(s.as_ref(), &b, "support", json!({})).await;
    let alpha_agent = user(s.as_ref(), &a, "1001", Role::Agent).await;
    let beta_agent = user(s.as_ref(), &b, "1001", Role::Agent).await;
    let (acd, _stop) = start(&s);
    available(&acd, &a, alpha_agent).await;
    let (_, mut rx) = enqueue(&acd, &b, 1, qb).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        rx.try_recv().is_err(),
        "beta's call offered to alpha's agent"
    );
    // Another tenant's queue and agents do not exist here.
    let (tx, _rx) = mpsc::unbounded_channel();
    let foreign = acd
        .enqueue(b.id, Enqueue::new(InteractionId::from_u128(2), qa), tx)
        .await
        .unwrap_err();
    assert!(matches!(foreign, EngineAcdError::Refused(_)), "{foreign:?}");
    let foreign = acd
        .set_agent_state(b.id, alpha_agent, Presence::Available)
        .await;
    assert!(
        matches!(foreign, Err(EngineAcdError::Refused(_))),
        "{foreign:?}"
    );
    let beta: Vec<AgentId> = acd
        .agents(b.id)
        .await
        .unwrap()
        .iter()
        .map(|s| s.agent)
        .collect();
    assert_eq!(beta, vec![beta_agent]);
    // Beta's agent is offered beta's waiting call as soon as they are available.
    acd.set_agent_state(b.id, beta_agent, Presence::Available)
        .await
        .unwrap();
    assert_eq!(next_offer(&mut rx).await, beta_agent);
}

#[tokio::test]
async fn an_agent_created_after_the_start_is_routed_once_they_set_their_state() {
    let (s, _dir) = store().await;
    let t = tenant(s.as_ref(), "acme").await;
    let q = queue(s.as_ref(), &t, "support", json!({})).await;
    let (acd, _stop) = start(&s);
    assert!(acd.agents(t.id).await.unwrap().is_empty());
    let agent = user(s.as_ref(), &t, "1001", Role::Agent).await;
    let admin = user(s.as_ref(), &t, "boss", Role::Admin).await;
    available(&acd, &t, agent).await;
    let refused = acd.set_agent_state(t.id, admin, Presence::Available).await;
    assert!(
        matches!(refused, Err(EngineAcdError::Refused(_))),
        "{refused:?}"
    );
    let (_, mut rx) = enqueue(&acd, &t, 1, q).await;
    assert_eq!(next_offer(&mut rx).await, agent);
}

#[tokio::test]
async fn an_unanswered_offer_times_out_and_goes_to_the_next_agent() {
    let (s, _dir) = store().await;
    let t = tenant(s.as_ref(), "acme").await;
    let q = queue(s.as_ref(), &t, "support", json!({"offer_timeout_secs": 1})).await;
    let a = user(s.as_ref(), &t, "1001", Role::Agent).await;
    let b = user(s.as_ref(), &t, "1002", Role::Agent).await;
    let (acd, _stop) = start(&s);
    available(&acd, &t, a).await;
    available(&acd, &t, b).await;
    let (_, mut rx) = enqueue(&acd, &t, 1, q).await;
    let first = next_offer(&mut rx).await;
    let started = std::time::Instant::now();
    match next(&mut rx).await {
        InteractionEvent::OfferWithdrawn { agent, reason, .. } => {
            assert_eq!(agent, first);
            assert_eq!(reason, WithdrawReason::Timeout);
        }
        other => panic!("expected the offer withdrawn, got {other:?}"),
    }
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(800), "{waited:?}");
    let second = next_offer(&mut rx).await;
    assert_ne!(first, second);
    let missed = acd.agent_status(t.id, first).await.unwrap();
    assert_eq!(
        missed.state,
        AgentState::Unavailable {
            reason: sb_acd::REASON_MISSED.into()
        }
    );
    assert_eq!(missed.reason.as_deref(), Some(sb_acd::REASON_MISSED));
}
