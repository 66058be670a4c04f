//! Queue rules: overflow, position and EWT, announcements, callbacks, transfers, abandon,
//! the SLA clock, refused inputs and routing changes.

mod common;

use common::*;
use sb_acd::{
    AcdCommand, AcdError, AcdInput, EndOutcome, Enqueue, InteractionStatus, OverflowReason,
    OverflowTarget, QueueMessage, Repeat, SlaOutcome, TransferTarget,
};
use sb_types::{Channel, FlowId};

fn overflows(log: &[AcdCommand]) -> Vec<(OverflowTarget, OverflowReason)> {
    log.iter()
        .filter_map(|c| match c {
            AcdCommand::Overflow { target, reason, .. } => Some((*target, *reason)),
            _ => None,
        })
        .collect()
}

fn sla(log: &[AcdCommand]) -> Vec<sb_acd::SlaRecord> {
    log.iter()
        .filter_map(|c| match c {
            AcdCommand::SlaRecorded(r) => Some(*r),
            _ => None,
        })
        .collect()
}

#[test]
fn full_queue_overflows_new_arrivals_to_its_target() {
    let mut queue = voice_queue(1);
    queue.max_size = Some(2);
    queue.overflow = OverflowTarget::Flow {
        flow: FlowId::from_u128(7),
    };
    let mut h = Harness::new(vec![queue], vec![]);
    for i in 0..3 {
        h.enqueue(100 + i, 1);
    }
    assert_eq!(
        overflows(&h.log),
        vec![(
            OverflowTarget::Flow {
                flow: FlowId::from_u128(7)
            },
            OverflowReason::MaxSize
        )]
    );
    assert_eq!(h.acd.interaction_status(ix(102)), None, "left the ACD");
    assert_eq!(sla(&h.log)[0].outcome, SlaOutcome::Overflowed);
}

#[test]
fn max_wait_overflows_to_another_queue_keeping_the_arrival_time() {
    let mut first = voice_queue(1);
    first.max_wait_secs = Some(60);
    first.overflow = OverflowTarget::Queue { queue: q(2) };
    let mut h = Harness::new(vec![first, voice_queue(2)], vec![]);
    h.enqueue(100, 1);
    h.advance(10.0);
    h.enqueue(101, 2);
    h.advance(50.0);
    assert_eq!(
        overflows(&h.log),
        vec![(
            OverflowTarget::Queue { queue: q(2) },
            OverflowReason::MaxWait
        )]
    );
    assert!(matches!(h.acd.interaction_status(ix(100)),
        Some(InteractionStatus::Waiting { queue, .. }) if queue == q(2)));
    assert_eq!(
        h.acd.position(ix(100)).map(|p| p.position),
        Some(1),
        "arrived before 101"
    );
}

#[test]
fn overflow_targets_that_loop_end_in_rejection() {
    let mut a = voice_queue(1);
    a.max_size = Some(0);
    a.overflow = OverflowTarget::Queue { queue: q(2) };
    let mut b = voice_queue(2);
    b.max_size = Some(0);
    b.overflow = OverflowTarget::Queue { queue: q(1) };
    let mut h = Harness::new(vec![a, b], vec![]);
    h.enqueue(100, 1);
    let last = overflows(&h.log).pop().expect("overflows");
    assert_eq!(last, (OverflowTarget::Reject, OverflowReason::Loop));
    assert_eq!(h.acd.interaction_count(), 0);
}

#[test]
fn position_and_estimated_wait_follow_the_line_and_handle_times() {
    let mut queue = voice_queue(1);
    queue.initial_aht_secs = 120;
    let mut h = Harness::new(vec![queue], vec![agent(1, 1), agent(2, 1)]);
    h.available(1);
    h.input(AcdInput::SetAgentState {
        agent: ag(2),
        state: sb_acd::Presence::Unavailable {
            reason: "break".into(),
        },
    });
    h.enqueue(100, 1);
    h.accept(100, 1);
    for i in 1..=4 {
        h.enqueue(100 + i, 1);
    }
    let p = h.acd.position(ix(104)).expect("waiting");
    assert_eq!(p.position, 4);
    assert_eq!(p.ewt_secs, 4 * 120 / 2, "two staffed agents");
    h.advance(40.0);
    h.complete(100);
    let aht = h.acd.queue_stats(q(1)).expect("queue").aht_ms;
    assert_eq!(
        aht,
        (120_000 * 7 + 40_000) / 8,
        "moving average moved towards 40 s"
    );
    assert_eq!(h.acd.position(ix(104)).map(|p| p.position), Some(3));
}

#[test]
fn queue_messages_and_position_announcements_play_on_schedule() {
    let mut queue = voice_queue(1);
    queue.messages = vec![QueueMessage {
        prompt: "hold-music".into(),
        after_secs: 0,
        repeat_secs: Some(30),
    }];
    queue.position_announcement = Some(Repeat {
        after_secs: 15,
        every_secs: 60,
    });
    let mut h = Harness::new(vec![queue], vec![]);
    h.enqueue(100, 1);
    h.enqueue(101, 1);
    h.advance(80.0);
    let mut events = Vec::new();
    for c in &h.log {
        match c {
            AcdCommand::PlayMessage { interaction, .. } if *interaction == ix(101) => {
                events.push("msg".to_string())
            }
            AcdCommand::AnnouncePosition {
                interaction,
                position,
                ..
            } if *interaction == ix(101) => events.push(format!("pos{position}")),
            _ => {}
        }
    }
    assert_eq!(
        events,
        ["msg", "pos2", "msg", "msg", "pos2"],
        "0, 15, 30, 60, 75 s"
    );
}

#[test]
fn callback_keeps_its_place_and_is_offered_as_a_callback() {
    let mut queue = voice_queue(1);
    queue.max_wait_secs = Some(60);
    queue.position_announcement = Some(Repeat {
        after_secs: 10,
        every_secs: 10,
    });
    let mut h = Harness::new(vec![queue], vec![agent(1, 1)]);
    h.enqueue(100, 1);
    h.advance(1.0);
    h.enqueue(101, 1);
    h.input(AcdInput::RequestCallback {
        interaction: ix(100),
    });
    let before = h.log.len();
    h.advance(120.0);
    let announced = h.log[before..].iter().any(|c| {
        matches!(c,
        AcdCommand::AnnouncePosition { interaction, .. } if *interaction == ix(100))
    });
    assert!(!announced, "a callback hears nothing");
    assert_eq!(
        h.acd.position(ix(100)).map(|p| p.position),
        Some(1),
        "no max-wait overflow, same place"
    );
    let o = one_offer(&h.available(1));
    assert_eq!(o.interaction, ix(100));
    assert!(o.callback);
}

#[test]
fn abandon_ends_the_interaction_once_and_stops_the_sla_clock() {
    let mut queue = voice_queue(1);
    queue.service_level_secs = 20;
    let mut h = Harness::new(vec![queue], vec![agent(1, 1)]);
    h.enqueue(100, 1);
    h.advance(25.0);
    h.input(AcdInput::Abandon {
        interaction: ix(100),
    });
    let r = sla(&h.log);
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].outcome, r[0].waited_ms, r[0].within_target),
        (SlaOutcome::Abandoned, 25_000, false)
    );
    assert!(h.log.iter().any(|c| matches!(
        c,
        AcdCommand::InteractionEnded {
            outcome: EndOutcome::Abandoned,
            ..
        }
    )));
    assert_eq!(
        h.try_input(AcdInput::Abandon {
            interaction: ix(100)
        }),
        Err(AcdError::UnknownInteraction(ix(100)))
    );
    let stats = h.acd.queue_stats(q(1)).expect("queue");
    assert_eq!((stats.abandoned, stats.abandoned_after_target), (1, 1));
}

#[test]
fn sla_clock_counts_an_answer_once_across_misses_and_transfers() {
    let mut h = Harness::new(
        vec![voice_queue(1), voice_queue(2)],
        vec![agent(1, 1), agent(2, 1)],
    );
    h.available(1);
    h.enqueue(100, 1);
    h.advance(20.0);
    h.available(2);
    h.advance(5.0);
    h.accept(100, 2);
    h.input(AcdInput::Transfer {
        interaction: ix(100),
        target: TransferTarget::Queue { queue: q(2) },
    });
    let again = offers(&h.log)
        .pop()
        .expect("offered again after the transfer");
    h.accept(100, again.agent.as_uuid().as_u128());
    h.complete(100);
    let r = sla(&h.log);
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].queue, r[0].waited_ms, r[0].within_target),
        (q(1), 25_000, false)
    );
    let ended = h
        .log
        .iter()
        .filter(|c| matches!(c, AcdCommand::InteractionEnded { .. }))
        .count();
    assert_eq!(ended, 1);
}

#[test]
fn transfer_to_a_queue_keeps_the_original_arrival_when_configured() {
    let mut keep = voice_queue(2);
    keep.keep_arrival_on_transfer = true;
    let mut fresh = voice_queue(3);
    fresh.keep_arrival_on_transfer = false;
    let mut h = Harness::new(vec![voice_queue(1), keep, fresh], vec![]);
    h.enqueue(100, 1);
    h.advance(30.0);
    h.enqueue(101, 2);
    h.enqueue(102, 3);
    h.input(AcdInput::Transfer {
        interaction: ix(100),
        target: TransferTarget::Queue { queue: q(2) },
    });
    assert_eq!(h.acd.position(ix(100)).map(|p| p.position), Some(1));
    h.input(AcdInput::Transfer {
        interaction: ix(100),
        target: TransferTarget::Queue { queue: q(3) },
    });
    assert_eq!(h.acd.position(ix(100)).map(|p| p.position), Some(2));
}

#[test]
fn transfer_to_an_agent_waits_for_that_agent_only() {
    let mut h = Harness::new(
        vec![voice_queue(1)],
        vec![agent(1, 1), agent(2, 1), agent(3, 1)],
    );
    h.available(1);
    h.enqueue(100, 1);
    h.accept(100, 1);
    h.available(2);
    let out = h.input(AcdInput::Transfer {
        interaction: ix(100),
        target: TransferTarget::Agent { agent: ag(3) },
    });
    assert!(
        offers(&out).is_empty(),
        "agent 2 is free but was not asked for"
    );
    let o = one_offer(&h.available(3));
    assert_eq!((o.interaction, o.agent), (ix(100), ag(3)));
    assert!(o.explanation.reserved);
}

#[test]
fn transfer_to_a_queue_of_another_channel_is_refused_and_changes_nothing() {
    let chat = sb_acd::QueueConfig::new(q(2), Channel::Chat);
    let mut h = Harness::new(vec![voice_queue(1), chat], vec![]);
    h.enqueue(100, 1);
    let r = h.try_input(AcdInput::Transfer {
        interaction: ix(100),
        target: TransferTarget::Queue { queue: q(2) },
    });
    assert_eq!(r, Err(AcdError::ChannelMismatch { queue: q(2) }));
    assert!(
        matches!(h.acd.interaction_status(ix(100)), Some(InteractionStatus::Waiting { queue, .. }) if queue == q(1))
    );
}

#[test]
fn refused_inputs_name_what_is_wrong() {
    let mut h = Harness::new(vec![voice_queue(1)], vec![agent(1, 1)]);
    assert_eq!(
        h.try_input(AcdInput::Enqueue(Enqueue::new(ix(1), q(9)))),
        Err(AcdError::UnknownQueue(q(9)))
    );
    h.enqueue(1, 1);
    assert_eq!(
        h.try_input(AcdInput::Enqueue(Enqueue::new(ix(1), q(1)))),
        Err(AcdError::DuplicateInteraction(ix(1)))
    );
    assert_eq!(
        h.try_input(AcdInput::Accept {
            interaction: ix(1),
            agent: ag(1)
        }),
        Err(AcdError::NoSuchOffer {
            interaction: ix(1),
            agent: ag(1)
        })
    );
    assert_eq!(
        h.try_input(AcdInput::ConnectionLost { agent: ag(5) }),
        Err(AcdError::UnknownAgent(ag(5)))
    );
    h.available(1);
    assert_eq!(
        h.try_input(AcdInput::RemoveAgent { agent: ag(1) }),
        Err(AcdError::AgentBusy(ag(1)))
    );
}

#[test]
fn publishing_a_routing_change_reroutes_waiting_interactions() {
    let mut strict = voice_queue(1);
    strict.skills[0].max_proficiency = 1;
    let mut h = Harness::new(vec![strict.clone()], vec![agent(1, 5)]);
    h.available(1);
    assert!(offers(&h.enqueue(100, 1)).is_empty());
    strict.skills[0].max_proficiency = 5;
    let o = one_offer(&h.input(AcdInput::UpsertQueue(strict)));
    assert_eq!(o.interaction, ix(100));
}

#[test]
fn new_agent_profile_takes_effect_at_once() {
    let mut h = Harness::new(vec![voice_queue(1)], vec![]);
    h.enqueue(100, 1);
    h.input(AcdInput::UpsertAgent(agent(7, 3)));
    let o = one_offer(&h.available(7));
    assert_eq!(o.agent, ag(7));
}

#[test]
fn overflow_to_itself_or_to_another_channel_is_refused() {
    let chat = sb_acd::QueueConfig::new(q(2), Channel::Chat);
    let mut h = Harness::new(vec![voice_queue(1), chat], vec![]);
    for target in [q(1), q(2)] {
        let mut bad = voice_queue(1);
        bad.overflow = OverflowTarget::Queue { queue: target };
        let r = h.try_input(AcdInput::UpsertQueue(bad));
        assert!(
            matches!(r, Err(AcdError::InvalidConfig { ref field, .. }) if field == "overflow.queue"),
            "{r:?}"
        );
    }
}

#[test]
fn queue_channel_cannot_change_while_interactions_wait() {
    let mut h = Harness::new(vec![voice_queue(1)], vec![]);
    h.enqueue(100, 1);
    let mut changed = voice_queue(1);
    changed.channel = Channel::Chat;
    assert!(h.try_input(AcdInput::UpsertQueue(changed.clone())).is_err());
    h.input(AcdInput::Abandon {
        interaction: ix(100),
    });
    assert!(h.try_input(AcdInput::UpsertQueue(changed)).is_ok());
}

#[test]
fn a_late_deadline_call_replays_no_missed_announcements() {
    let mut queue = voice_queue(1);
    queue.position_announcement = Some(Repeat {
        after_secs: 10,
        every_secs: 10,
    });
    let mut h = Harness::new(vec![queue], vec![]);
    h.enqueue(100, 1);
    let late = h.now + std::time::Duration::from_secs(1_000);
    h.acd.handle_timeout(late);
    let announced = h
        .drain()
        .iter()
        .filter(|c| matches!(c, AcdCommand::AnnouncePosition { .. }))
        .count();
    assert_eq!(announced, 1);
    assert_eq!(
        h.acd.poll_timeout(),
        Some(late + std::time::Duration::from_secs(10))
    );
}

#[test]
fn hang_up_reports_are_forgiving_about_the_state() {
    let mut h = Harness::new(vec![voice_queue(1)], vec![agent(1, 1)]);
    h.enqueue(100, 1);
    h.complete(100);
    assert!(
        h.log.iter().any(|c| matches!(
            c,
            AcdCommand::InteractionEnded {
                outcome: EndOutcome::Abandoned,
                ..
            }
        )),
        "ended before an answer"
    );
    h.available(1);
    h.enqueue(101, 1);
    h.accept(101, 1);
    h.input(AcdInput::Abandon {
        interaction: ix(101),
    });
    assert!(
        h.log.iter().any(|c| matches!(
            c,
            AcdCommand::InteractionEnded {
                outcome: EndOutcome::Handled { .. },
                ..
            }
        )),
        "a hang-up after the answer completes"
    );
    let records = sla(&h.log);
    assert_eq!(
        records.iter().map(|r| r.outcome).collect::<Vec<_>>(),
        [SlaOutcome::Abandoned, SlaOutcome::Answered]
    );
}

#[test]
fn an_agent_sees_the_queues_they_serve_with_waiting_count_and_oldest_arrival() {
    let mut other = sb_acd::QueueConfig::new(q(2), Channel::Voice);
    other.skills.push(sb_acd::SkillRequirement {
        skill: sk(9),
        max_proficiency: 10,
    });
    let mut h = Harness::new(vec![voice_queue(1), other], vec![agent(1, 1)]);
    assert_eq!(
        h.acd.agent_queues(ag(1))[0].oldest,
        None,
        "nobody waits yet"
    );
    let first = h.now;
    h.enqueue(100, 1);
    h.advance(5.0);
    h.enqueue(101, 1);
    h.enqueue(200, 2);
    let seen = h.acd.agent_queues(ag(1));
    assert_eq!(
        seen.len(),
        1,
        "not the queue needing a skill the agent lacks: {seen:?}"
    );
    assert_eq!((seen[0].queue, seen[0].waiting), (q(1), 2));
    assert_eq!(seen[0].oldest, Some(first), "the first arrival");
    h.available(1);
    h.accept(100, 1);
    let seen = h.acd.agent_queues(ag(1));
    assert_eq!((seen[0].waiting, seen[0].staffed), (1, 1), "{seen:?}");
    assert!(
        seen[0].oldest > Some(first),
        "the longest wait is now 101's"
    );
    assert!(h.acd.agent_queues(ag(7)).is_empty(), "unknown agent");
}
