//! Agent states, timeouts, presence bound to a connection, multichannel capacity.

mod common;

use common::*;
use sb_acd::{
    AcdCommand, AcdInput, AgentConfig, AgentState, CapacityRules, EndOutcome, InteractionStatus,
    Presence, QueueConfig, REASON_DISCONNECTED, REASON_MISSED, WithdrawReason,
};
use sb_types::Channel;

fn unavailable(reason: &str) -> AgentState {
    AgentState::Unavailable {
        reason: reason.into(),
    }
}

#[test]
fn missed_offer_makes_the_agent_unavailable_and_returns_the_interaction_to_its_place() {
    let mut h = Harness::new(vec![voice_queue(1)], vec![agent(1, 1), agent(2, 1)]);
    h.enqueue(100, 1);
    h.advance(1.0);
    h.enqueue(101, 1);
    h.advance(1.0);
    h.enqueue(102, 1);
    let o = one_offer(&h.available(1));
    assert_eq!(o.interaction, ix(100));
    assert_eq!(h.acd.position(ix(101)).map(|p| p.position), Some(1));
    h.advance(20.0);
    assert_eq!(h.acd.agent_state(ag(1)), Some(unavailable(REASON_MISSED)));
    assert!(h.log.iter().any(|c| matches!(c,
        AcdCommand::OfferWithdrawn { reason: WithdrawReason::Timeout, agent, .. } if *agent == ag(1))));
    assert_eq!(
        h.acd.position(ix(100)).map(|p| p.position),
        Some(1),
        "back at the head"
    );
    assert_eq!(h.acd.position(ix(101)).map(|p| p.position), Some(2));
    let next = one_offer(&h.available(2));
    assert_eq!(next.interaction, ix(100));
}

#[test]
fn rejected_offer_goes_to_another_agent_and_not_back_to_the_rejecter_for_a_while() {
    let mut h = Harness::new(vec![voice_queue(1)], vec![agent(1, 1), agent(2, 1)]);
    h.available(1);
    let o = one_offer(&h.enqueue(100, 1));
    assert_eq!(o.agent, ag(1));
    let out = h.input(AcdInput::Reject {
        interaction: ix(100),
        agent: ag(1),
    });
    assert!(
        offers(&out).is_empty(),
        "agent 1 is the only one available and declined"
    );
    assert_eq!(h.acd.agent_state(ag(1)), Some(AgentState::Available));
    h.advance(59.0);
    assert_eq!(offers(&h.log).len(), 1, "cool-down of 60 s");
    h.advance(1.0);
    let again = offers(&h.log).pop().map(|o| o.agent);
    assert_eq!(again, Some(ag(1)), "offered again after the cool-down");
    h.input(AcdInput::Reject {
        interaction: ix(100),
        agent: ag(1),
    });
    let o = one_offer(&h.available(2));
    assert_eq!((o.interaction, o.agent), (ix(100), ag(2)));
}

#[test]
fn wrap_up_ends_by_itself_at_its_limit() {
    let mut queue = voice_queue(1);
    queue.wrap_up_secs = 30;
    let mut h = Harness::new(vec![queue], vec![agent(1, 1)]);
    h.available(1);
    h.enqueue(100, 1);
    h.accept(100, 1);
    h.advance(60.0);
    h.complete(100);
    assert_eq!(h.acd.agent_state(ag(1)), Some(AgentState::WrapUp));
    h.enqueue(101, 1);
    assert!(
        offers(&h.log).iter().all(|o| o.interaction != ix(101)),
        "no offer during wrap-up"
    );
    h.advance(30.0);
    let ended = h.log.iter().find_map(|c| match c {
        AcdCommand::InteractionEnded {
            interaction,
            outcome,
            ..
        } if *interaction == ix(100) => Some(*outcome),
        _ => None,
    });
    assert_eq!(
        ended,
        Some(EndOutcome::Handled {
            agent: ag(1),
            talk_ms: 60_000,
            wrap_ms: 30_000
        })
    );
    assert_eq!(offers(&h.log).pop().map(|o| o.interaction), Some(ix(101)));
}

#[test]
fn next_state_asked_during_work_applies_after_wrap_up() {
    let mut queue = voice_queue(1);
    queue.wrap_up_secs = 30;
    let mut h = Harness::new(vec![queue], vec![agent(1, 1)]);
    h.available(1);
    h.enqueue(100, 1);
    h.accept(100, 1);
    let lunch = Presence::Unavailable {
        reason: "lunch".into(),
    };
    h.input(AcdInput::SetAgentState {
        agent: ag(1),
        state: lunch.clone(),
    });
    assert_eq!(
        h.acd.agent_state(ag(1)),
        Some(AgentState::Working { interactions: 1 })
    );
    assert!(h.log.iter().any(|c| matches!(c,
        AcdCommand::AgentStateChanged { next: Some(n), .. } if *n == lunch)));
    assert!(h.acd.wrap_ups(ag(1)).is_empty(), "talking, not wrapping up");
    h.complete(100);
    assert_eq!(h.acd.agent_state(ag(1)), Some(AgentState::WrapUp));
    assert_eq!(h.acd.wrap_ups(ag(1)), vec![ix(100)]);
    h.input(AcdInput::WrapUpDone {
        interaction: ix(100),
        agent: None,
    });
    assert_eq!(h.acd.agent_state(ag(1)), Some(unavailable("lunch")));
    assert!(h.acd.wrap_ups(ag(1)).is_empty());
    assert!(
        h.acd.wrap_ups(ag(9)).is_empty(),
        "an unknown agent has none"
    );
}

#[test]
fn lost_connection_makes_the_agent_unavailable_after_the_grace_period() {
    let mut h = Harness::new(vec![voice_queue(1)], vec![agent(1, 1), agent(2, 1)]);
    h.available(1);
    h.input(AcdInput::ConnectionLost { agent: ag(1) });
    assert!(
        offers(&h.enqueue(100, 1)).is_empty(),
        "no offers to a disconnected agent"
    );
    h.advance(29.0);
    assert_eq!(h.acd.agent_state(ag(1)), Some(AgentState::Available));
    h.advance(1.0);
    assert_eq!(
        h.acd.agent_state(ag(1)),
        Some(unavailable(REASON_DISCONNECTED))
    );
    h.advance(900.0);
    assert_eq!(
        h.acd.agent_state(ag(1)),
        Some(AgentState::LoggedOut),
        "no ghost agents"
    );
}

#[test]
fn connection_restored_within_grace_keeps_the_agent_available() {
    let mut h = Harness::new(vec![voice_queue(1)], vec![agent(1, 1)]);
    h.available(1);
    h.input(AcdInput::ConnectionLost { agent: ag(1) });
    h.enqueue(100, 1);
    h.advance(10.0);
    let o = one_offer(&h.input(AcdInput::ConnectionRestored { agent: ag(1) }));
    assert_eq!(o.interaction, ix(100));
    h.advance(60.0);
    assert_ne!(
        h.acd.agent_state(ag(1)),
        Some(unavailable(REASON_DISCONNECTED))
    );
}

#[test]
fn offer_ringing_when_the_grace_period_ends_is_withdrawn() {
    let mut queue = voice_queue(1);
    queue.offer_timeout_secs = 60;
    let mut h = Harness::new(vec![queue], vec![agent(1, 1)]);
    h.available(1);
    h.enqueue(100, 1);
    h.input(AcdInput::ConnectionLost { agent: ag(1) });
    h.advance(30.0);
    assert!(h.log.iter().any(|c| matches!(
        c,
        AcdCommand::OfferWithdrawn {
            reason: WithdrawReason::Disconnected,
            ..
        }
    )));
    assert!(matches!(
        h.acd.interaction_status(ix(100)),
        Some(InteractionStatus::Waiting { .. })
    ));
}

fn multichannel() -> Harness {
    let queues = vec![
        QueueConfig::new(q(1), Channel::Voice),
        QueueConfig::new(q(2), Channel::Chat),
        QueueConfig::new(q(3), Channel::Email),
    ];
    Harness::new(queues, vec![AgentConfig::new(ag(1))])
}

#[test]
fn agent_holds_up_to_three_chats_and_two_emails_at_once() {
    let mut h = multichannel();
    h.available(1);
    for i in 0..4 {
        h.enqueue(100 + i, 2);
    }
    for i in 0..3 {
        h.enqueue(200 + i, 3);
    }
    let got = offers(&h.log);
    assert_eq!(got.iter().filter(|o| o.channel == Channel::Chat).count(), 3);
    assert_eq!(
        got.iter().filter(|o| o.channel == Channel::Email).count(),
        2
    );
    assert_eq!(h.acd.queue_stats(q(2)).map(|s| s.waiting), Some(1));
}

#[test]
fn voice_preempts_nothing_and_blocks_other_channels_while_held() {
    let mut h = multichannel();
    h.available(1);
    h.enqueue(100, 2);
    h.accept(100, 1);
    assert!(
        offers(&h.enqueue(101, 1)).is_empty(),
        "voice waits for the chat to end"
    );
    h.complete(100);
    assert_eq!(offers(&h.log).pop().map(|o| o.interaction), Some(ix(101)));
    h.accept(101, 1);
    assert!(
        offers(&h.enqueue(102, 2)).is_empty(),
        "no chat while on a call"
    );
}

#[test]
fn capacity_rules_can_forbid_a_combination() {
    let mut a = AgentConfig::new(ag(1));
    a.capacity = CapacityRules {
        max_total: Some(2),
        ..CapacityRules::default()
    };
    let queues = vec![
        QueueConfig::new(q(2), Channel::Chat),
        QueueConfig::new(q(3), Channel::Email),
    ];
    let mut h = Harness::new(queues, vec![a]);
    h.available(1);
    h.enqueue(100, 2);
    h.enqueue(101, 2);
    h.enqueue(102, 3);
    assert_eq!(offers(&h.log).len(), 2, "total of two");
}

#[test]
fn logging_out_during_work_applies_when_work_is_done() {
    let mut h = Harness::new(vec![voice_queue(1)], vec![agent(1, 1)]);
    h.available(1);
    h.enqueue(100, 1);
    h.accept(100, 1);
    h.input(AcdInput::SetAgentState {
        agent: ag(1),
        state: Presence::LoggedOut,
    });
    assert_eq!(h.acd.queue_stats(q(1)).map(|s| s.staffed), Some(1));
    h.complete(100);
    assert_eq!(h.acd.agent_state(ag(1)), Some(AgentState::LoggedOut));
    assert_eq!(h.acd.queue_stats(q(1)).map(|s| s.staffed), Some(0));
}

#[test]
fn ring_all_offers_that_ring_out_do_not_mark_agents_missed() {
    let mut queue = voice_queue(1);
    queue.strategy = sb_acd::Strategy::RingAll;
    let mut h = Harness::new(vec![queue], vec![agent(1, 1), agent(2, 1)]);
    h.available(1);
    h.available(2);
    assert_eq!(offers(&h.enqueue(100, 1)).len(), 2);
    h.advance(20.0);
    assert_eq!(
        h.acd.agent_state(ag(1)),
        Some(AgentState::Reserved),
        "rung again"
    );
    assert_eq!(offers(&h.log).len(), 4);
}
