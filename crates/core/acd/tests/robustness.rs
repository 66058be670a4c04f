//! Hostile input: any sequence of inputs, unknown ids, bad proficiencies, clocks that jump
//! backwards or to the ends of time. The ACD must never panic, and interactions are
//! conserved: every accepted enqueue is either still in the ACD or ended exactly once.

mod common;

use common::*;
use proptest::prelude::*;
use sb_acd::{
    AcdCommand, AcdInput, BullseyeStep, Enqueue, OverflowTarget, Presence, QueueConfig, Repeat,
    SkillRequirement, Strategy as Pick, TransferTarget,
};
use sb_types::{Channel, Timestamp};

fn queues() -> Vec<QueueConfig> {
    let mut a = voice_queue(1);
    a.bullseye = vec![BullseyeStep {
        after_secs: 5,
        max_proficiency: 10,
    }];
    a.skills[0].max_proficiency = 2;
    a.preferred_agent_timeout_secs = Some(3);
    a.max_wait_secs = Some(30);
    a.overflow = OverflowTarget::Queue { queue: q(2) };
    a.position_announcement = Some(Repeat {
        after_secs: 2,
        every_secs: 7,
    });
    let mut b = voice_queue(2);
    b.strategy = Pick::RingAll;
    b.wrap_up_secs = 4;
    b.max_size = Some(3);
    let mut c = QueueConfig::new(q(3), Channel::Chat);
    c.strategy = Pick::LeastOccupied;
    let mut d = QueueConfig::new(q(4), Channel::Email);
    d.max_size = Some(2);
    d.strategy = Pick::RoundRobin;
    vec![a, b, c, d]
}

fn input() -> impl Strategy<Value = AcdInput> {
    let id = || (0..12u128).prop_map(ix);
    let agent_id = || (0..7u128).prop_map(ag);
    let presence = prop_oneof![
        Just(Presence::Available),
        Just(Presence::LoggedOut),
        Just(Presence::Unavailable {
            reason: "break".into()
        }),
    ];
    let enqueue = (
        id(),
        0..6u128,
        any::<Option<i32>>(),
        0..13u8,
        proptest::option::of(agent_id()),
        any::<bool>(),
        any::<Option<i64>>(),
    )
        .prop_map(
            |(interaction, queue, priority, prof, preferred_agent, callback, arrived)| {
                let mut e = Enqueue::new(interaction, q(queue));
                e.priority = priority;
                if prof > 0 {
                    e.skills = vec![SkillRequirement {
                        skill: sk(u128::from(prof % 3)),
                        max_proficiency: prof,
                    }];
                }
                e.preferred_agent = preferred_agent;
                e.callback = callback;
                e.arrived_at = arrived.map(Timestamp::from_millis);
                AcdInput::Enqueue(e)
            },
        );
    prop_oneof![
        4 => enqueue,
        3 => (agent_id(), presence).prop_map(|(agent, state)| AcdInput::SetAgentState { agent, state }),
        4 => (id(), agent_id()).prop_map(|(interaction, agent)| AcdInput::Accept { interaction, agent }),
        1 => (id(), agent_id()).prop_map(|(interaction, agent)| AcdInput::Reject { interaction, agent }),
        1 => id().prop_map(|interaction| AcdInput::Abandon { interaction }),
        2 => id().prop_map(|interaction| AcdInput::Complete { interaction }),
        1 => id().prop_map(|interaction| AcdInput::WrapUpDone { interaction, agent: None }),
        1 => (id(), agent_id()).prop_map(|(interaction, agent)| AcdInput::WrapUpDone { interaction, agent: Some(agent) }),
        1 => (agent_id(), id()).prop_map(|(agent, work)| AcdInput::Engage { agent, work, channel: Channel::Voice }),
        1 => (agent_id(), id(), 0..3u32).prop_map(|(agent, work, wrap_up_secs)| AcdInput::Disengage { agent, work, wrap_up_secs }),
        1 => id().prop_map(|interaction| AcdInput::RequestCallback { interaction }),
        1 => (id(), 0..6u128).prop_map(|(interaction, n)| AcdInput::Transfer { interaction, target: TransferTarget::Queue { queue: q(n) } }),
        1 => (id(), agent_id()).prop_map(|(interaction, agent)| AcdInput::Transfer { interaction, target: TransferTarget::Agent { agent } }),
        1 => agent_id().prop_map(|agent| AcdInput::ConnectionLost { agent }),
        1 => agent_id().prop_map(|agent| AcdInput::ConnectionRestored { agent }),
        1 => agent_id().prop_map(|agent| AcdInput::RemoveAgent { agent }),
        1 => (0..7u128, 0..12u8).prop_map(|(n, p)| AcdInput::UpsertAgent(agent(n, p))),
        1 => (0..4usize, any::<bool>()).prop_map(|(n, ring)| {
            let mut c = queues()[n].clone();
            if ring { c.strategy = Pick::RingAll; }
            AcdInput::UpsertQueue(c)
        }),
        2 => Just(AcdInput::Tick),
    ]
}

fn clock() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => -5_000i64..60_000,
        1 => Just(i64::MAX / 2),
        1 => Just(i64::MIN / 2),
        1 => any::<i64>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_input_sequence_keeps_interactions_conserved(
        steps in proptest::collection::vec((clock(), input()), 1..120),
    ) {
        let agents = (0..5).map(|n| agent(n, (n as u8 % 10) + 1)).collect();
        let mut h = Harness::new(queues(), agents);
        let mut now = h.now;
        let (mut accepted, mut ended) = (0i64, 0i64);
        for (jump, input) in steps {
            now = if jump.abs() > 1_000_000_000 {
                Timestamp::from_millis(jump)
            } else {
                Timestamp::from_millis(now.as_millis().saturating_add(jump))
            };
            let enqueue = matches!(input, AcdInput::Enqueue(_));
            let ok = h.acd.handle(now, input).is_ok();
            accepted += i64::from(enqueue && ok);
            if let Some(t) = h.acd.poll_timeout().filter(|t| *t <= now) {
                h.acd.handle_timeout(t);
            }
            while let Some(c) = h.acd.poll_command() {
                ended += i64::from(matches!(c, AcdCommand::InteractionEnded { .. }));
            }
            prop_assert_eq!(h.acd.interaction_count() as i64, accepted - ended);
        }
    }
}
