//! Routing decisions: strategies, priority, aging, bullseye, explanations.

mod common;

use common::*;
use sb_acd::{
    AcdCommand, AcdInput, AgentConfig, BullseyeStep, CapacityRules, Enqueue, PriorityAging,
    SkillRequirement, Strategy, WithdrawReason,
};
use sb_types::Channel;

fn harness_with(strategy: Strategy, agents: Vec<AgentConfig>) -> Harness {
    let mut queue = voice_queue(1);
    queue.strategy = strategy;
    Harness::new(vec![queue], agents)
}

#[test]
fn arrival_is_offered_to_the_longest_idle_agent() {
    let mut h = harness_with(
        Strategy::LongestIdle,
        vec![agent(1, 5), agent(2, 5), agent(3, 5)],
    );
    h.available(2);
    h.advance(10.0);
    h.available(1);
    h.advance(10.0);
    h.available(3);
    let offer = one_offer(&h.enqueue(100, 1));
    assert_eq!(offer.agent, ag(2));
    assert_eq!(offer.explanation.idle_ms, 20_000);
    assert_eq!(offer.explanation.candidates, 3);
}

#[test]
fn most_skilled_strategy_prefers_the_best_proficiency_then_longest_idle() {
    let agents = vec![agent(1, 4), agent(2, 2), agent(3, 2)];
    let mut h = harness_with(Strategy::MostSkilled, agents);
    h.available(1);
    h.advance(5.0);
    h.available(3);
    h.advance(5.0);
    h.available(2);
    let offer = one_offer(&h.enqueue(100, 1));
    assert_eq!(
        offer.agent,
        ag(3),
        "proficiency 2, idle longer than agent 2"
    );
}

#[test]
fn least_occupied_strategy_prefers_the_agent_with_the_lowest_load() {
    let mut queue = sb_acd::QueueConfig::new(q(1), Channel::Chat);
    queue.strategy = Strategy::LeastOccupied;
    let mut h = Harness::new(vec![queue], vec![agent(1, 1), agent(2, 1)]);
    h.available(1);
    h.advance(1.0);
    h.available(2);
    let first = one_offer(&h.enqueue(100, 1));
    assert_eq!(first.agent, ag(1), "equal load: longest idle");
    h.accept(100, 1);
    let second = one_offer(&h.enqueue(101, 1));
    assert_eq!(second.agent, ag(2), "agent 1 holds a chat");
}

#[test]
fn round_robin_rotates_offers_among_agents() {
    let mut queue = sb_acd::QueueConfig::new(q(1), Channel::Chat);
    queue.strategy = Strategy::RoundRobin;
    let mut h = Harness::new(vec![queue], vec![agent(1, 1), agent(2, 1), agent(3, 1)]);
    for a in [1, 2, 3] {
        h.available(a);
    }
    let mut served = Vec::new();
    for i in 0..6 {
        let o = one_offer(&h.enqueue(100 + i, 1));
        h.accept(100 + i, o.agent.as_uuid().as_u128());
        served.push(o.agent.as_uuid().as_u128());
    }
    assert_eq!(
        served[..3]
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        3
    );
    assert_eq!(served[..3], served[3..]);
}

#[test]
fn ring_all_rings_every_eligible_agent_and_withdraws_the_others_on_accept() {
    let mut h = harness_with(
        Strategy::RingAll,
        vec![agent(1, 1), agent(2, 1), agent(3, 1)],
    );
    for a in [1, 2, 3] {
        h.available(a);
    }
    let rung = offers(&h.enqueue(100, 1));
    assert_eq!(rung.len(), 3);
    let out = h.accept(100, 2);
    let withdrawn: Vec<_> = out
        .iter()
        .filter_map(|c| match c {
            AcdCommand::OfferWithdrawn { agent, reason, .. } => Some((*agent, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(withdrawn.len(), 2);
    assert!(
        withdrawn
            .iter()
            .all(|(a, r)| *a != ag(2) && *r == WithdrawReason::AcceptedElsewhere)
    );
    assert!(matches!(
        h.acd.interaction_status(ix(100)),
        Some(sb_acd::InteractionStatus::Connected { agent }) if agent == ag(2)
    ));
}

#[test]
fn freed_agent_takes_the_highest_priority_interaction_first() {
    let mut h = harness_with(Strategy::LongestIdle, vec![agent(1, 1)]);
    h.enqueue(100, 1);
    h.advance(1.0);
    let mut vip = Enqueue::new(ix(101), q(1));
    vip.priority = Some(10);
    h.enqueue_with(vip);
    let offer = one_offer(&h.available(1));
    assert_eq!(offer.interaction, ix(101));
    assert_eq!(offer.explanation.priority, 10);
}

#[test]
fn equal_priority_is_served_first_in_first_out() {
    let mut h = harness_with(Strategy::LongestIdle, vec![agent(1, 1)]);
    for i in 0..5 {
        h.enqueue(100 + i, 1);
        h.advance(1.0);
    }
    h.available(1);
    for i in 0..5 {
        let o = offers(&h.log).pop().expect("an offer");
        assert_eq!(o.interaction, ix(100 + i));
        h.accept(100 + i, 1);
        h.complete(100 + i);
    }
}

#[test]
fn priority_aging_lets_a_long_waiting_interaction_pass_a_newer_higher_one() {
    let mut queue = voice_queue(1);
    queue.priority = PriorityAging {
        initial: 0,
        acceleration_per_min: 10,
    };
    let mut h = Harness::new(vec![queue], vec![agent(1, 1)]);
    h.enqueue(100, 1);
    h.advance(120.0);
    let mut high = Enqueue::new(ix(101), q(1));
    high.priority = Some(15);
    h.enqueue_with(high);
    let o = one_offer(&h.available(1));
    assert_eq!(o.interaction, ix(100), "0 + 10 × 2 min = 20 > 15");
    assert_eq!(o.explanation.priority, 20);
}

#[test]
fn freed_agent_compares_queues_by_effective_priority() {
    let mut low = voice_queue(1);
    low.priority.initial = 1;
    let mut high = voice_queue(2);
    high.priority.initial = 5;
    let mut h = Harness::new(vec![low, high], vec![agent(1, 1)]);
    h.enqueue(100, 1);
    h.advance(30.0);
    h.enqueue(101, 2);
    let o = one_offer(&h.available(1));
    assert_eq!(o.interaction, ix(101));
}

fn bullseye_queue() -> sb_acd::QueueConfig {
    let mut queue = voice_queue(1);
    queue.skills[0].max_proficiency = 2;
    queue.bullseye = vec![
        BullseyeStep {
            after_secs: 30,
            max_proficiency: 5,
        },
        BullseyeStep {
            after_secs: 90,
            max_proficiency: 10,
        },
    ];
    queue
}

#[test]
fn bullseye_widens_the_proficiency_accepted_as_the_wait_grows() {
    let mut h = Harness::new(vec![bullseye_queue()], vec![agent(1, 4), agent(2, 8)]);
    h.available(1);
    h.available(2);
    assert!(offers(&h.enqueue(100, 1)).is_empty(), "nobody at level ≤ 2");
    h.advance(29.9);
    assert!(offers(&h.log).is_empty());
    h.advance(0.1);
    let o = one_offer(&h.log);
    assert_eq!(o.agent, ag(1), "after 30 s level 4 ≤ 5 qualifies");
    let s = o.explanation.skill.expect("skill match");
    assert_eq!((s.proficiency, s.allowed), (4, 5));
    let text = o.explanation.to_string();
    assert!(text.contains("4 ≤ 5 required after 30 s"), "{text}");
    h.accept(100, 1);
    h.enqueue(101, 1);
    h.advance(90.0);
    let o = offers(&h.log).pop().expect("second offer");
    assert_eq!(
        (o.interaction, o.agent),
        (ix(101), ag(2)),
        "after 90 s any level"
    );
}

#[test]
fn freed_agent_only_takes_interactions_old_enough_for_its_level() {
    let mut h = Harness::new(vec![bullseye_queue()], vec![agent(1, 4)]);
    h.enqueue(100, 1);
    h.advance(10.0);
    assert!(offers(&h.available(1)).is_empty());
    h.advance(20.0);
    assert_eq!(one_offer(&h.log).interaction, ix(100));
}

#[test]
fn interaction_skills_restrict_the_agents_offered() {
    let spanish = sk(9);
    let agents = vec![agent(1, 1), agent(2, 1).with_skill(spanish, 3)];
    let mut h = harness_with(Strategy::LongestIdle, agents);
    h.available(1);
    h.advance(1.0);
    h.available(2);
    let mut e = Enqueue::new(ix(100), q(1));
    e.skills = vec![SkillRequirement {
        skill: spanish,
        max_proficiency: 5,
    }];
    let o = one_offer(&h.enqueue_with(e));
    assert_eq!(
        o.agent,
        ag(2),
        "agent 1 idles longer but lacks the language"
    );
}

#[test]
fn queue_without_skills_takes_any_agent_with_capacity_for_its_channel() {
    let queue = sb_acd::QueueConfig::new(q(1), Channel::Email);
    let mut no_email = AgentConfig::new(ag(1));
    no_email.capacity = CapacityRules {
        email: 0,
        ..CapacityRules::default()
    };
    let mut h = Harness::new(vec![queue], vec![no_email, AgentConfig::new(ag(2))]);
    h.available(1);
    h.available(2);
    assert_eq!(one_offer(&h.enqueue(100, 1)).agent, ag(2));
}

#[test]
fn preferred_agent_is_waited_for_until_the_timeout_then_anyone_gets_it() {
    let mut queue = voice_queue(1);
    queue.preferred_agent_timeout_secs = Some(20);
    let mut h = Harness::new(vec![queue], vec![agent(1, 1), agent(2, 1)]);
    h.available(2);
    let mut e = Enqueue::new(ix(100), q(1));
    e.preferred_agent = Some(ag(1));
    assert!(
        offers(&h.enqueue_with(e)).is_empty(),
        "agent 2 is free but not preferred"
    );
    h.advance(10.0);
    let o = one_offer(&h.available(1));
    assert_eq!(o.agent, ag(1));
    assert!(o.explanation.reserved);
    h.input(AcdInput::Reject {
        interaction: ix(100),
        agent: ag(1),
    });
    assert_eq!(offers(&h.log).pop().map(|o| o.agent), Some(ag(2)));
}

#[test]
fn preferred_agent_reservation_expires() {
    let mut queue = voice_queue(1);
    queue.preferred_agent_timeout_secs = Some(20);
    let mut h = Harness::new(vec![queue], vec![agent(1, 1), agent(2, 1)]);
    h.available(2);
    let mut e = Enqueue::new(ix(100), q(1));
    e.preferred_agent = Some(ag(1));
    h.enqueue_with(e);
    h.advance(19.0);
    assert!(offers(&h.log).is_empty());
    h.advance(1.0);
    assert_eq!(one_offer(&h.log).agent, ag(2));
}

#[test]
fn every_offer_explains_itself_in_one_sentence() {
    let mut queue = voice_queue(1);
    queue.skills[0].max_proficiency = 5;
    queue.bullseye = vec![BullseyeStep {
        after_secs: 30,
        max_proficiency: 5,
    }];
    let mut h = Harness::new(
        vec![queue],
        vec![agent(1, 3), agent(2, 3), agent(3, 3), agent(4, 2)],
    );
    h.available(2);
    h.advance(312.0);
    for a in [1, 3, 4] {
        h.available(a);
    }
    let o = one_offer(&h.enqueue(100, 1));
    assert_eq!(o.agent, ag(2));
    let text = o.explanation.to_string();
    assert_eq!(
        text,
        format!(
            "skill {} 3 ≤ 5 required after 0 s, idle 312 s, longest idle among 4 eligible, priority 0",
            sk(1)
        )
    );
}

#[test]
fn interactions_released_together_are_matched_in_priority_order() {
    let mut low = bullseye_queue();
    low.priority.initial = 1;
    let mut high = bullseye_queue();
    high.id = q(2);
    high.priority.initial = 9;
    let mut h = Harness::new(vec![low, high], vec![agent(1, 4)]);
    h.available(1);
    h.enqueue(100, 1);
    h.enqueue(101, 2);
    h.advance(30.0);
    assert_eq!(
        one_offer(&h.log).interaction,
        ix(101),
        "both reach the 30 s step at once"
    );
}
