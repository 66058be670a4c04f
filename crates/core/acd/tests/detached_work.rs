//! Work the ACD did not route (calls agents place, consultations) and after-contact work
//! that outlives a transfer.

mod common;

use common::*;
use sb_acd::{AcdError, AcdInput, AgentState, TransferTarget};
use sb_types::Channel;

fn engage(h: &mut Harness, agent: u128, work: u128) -> Vec<sb_acd::AcdCommand> {
    h.input(AcdInput::Engage {
        agent: ag(agent),
        work: ix(work),
        channel: Channel::Voice,
    })
}

fn disengage(
    h: &mut Harness,
    agent: u128,
    work: u128,
    wrap_up_secs: u32,
) -> Vec<sb_acd::AcdCommand> {
    h.input(AcdInput::Disengage {
        agent: ag(agent),
        work: ix(work),
        wrap_up_secs,
    })
}

#[test]
fn an_agent_on_a_call_they_placed_is_offered_nothing_until_it_ends() {
    let mut h = Harness::new(vec![voice_queue(1)], vec![agent(1, 1)]);
    h.available(1);
    engage(&mut h, 1, 900);
    let working = AgentState::Working { interactions: 1 };
    assert_eq!(h.acd.agent_state(ag(1)), Some(working));
    assert!(
        offers(&h.enqueue(100, 1)).is_empty(),
        "the agent's phone is busy"
    );
    h.advance(30.0);
    assert!(offers(&h.log).is_empty());
    let o = one_offer(&disengage(&mut h, 1, 900, 0));
    assert_eq!((o.interaction, o.agent), (ix(100), ag(1)));
}

#[test]
fn after_contact_work_of_a_placed_call_ends_when_the_agent_says_or_when_its_time_is_up() {
    let mut h = Harness::new(vec![voice_queue(1)], vec![agent(1, 1), agent(2, 1)]);
    h.available(1);
    h.available(2);
    engage(&mut h, 1, 900);
    engage(&mut h, 2, 901);
    disengage(&mut h, 1, 900, 20);
    disengage(&mut h, 2, 901, 20);
    assert_eq!(h.acd.agent_state(ag(1)), Some(AgentState::WrapUp));
    assert_eq!(h.acd.wrap_ups(ag(1)), vec![ix(900)]);
    h.input(AcdInput::WrapUpDone {
        interaction: ix(900),
        agent: Some(ag(1)),
    });
    assert_eq!(h.acd.agent_state(ag(1)), Some(AgentState::Available));
    assert_eq!(h.acd.agent_state(ag(2)), Some(AgentState::WrapUp));
    h.advance(19.0);
    assert_eq!(h.acd.agent_state(ag(2)), Some(AgentState::WrapUp));
    h.advance(1.0);
    assert_eq!(h.acd.agent_state(ag(2)), Some(AgentState::Available));
}

#[test]
fn after_a_transfer_the_agent_who_handed_over_keeps_the_queues_after_contact_work() {
    let mut sales = voice_queue(1);
    sales.wrap_up_secs = 30;
    let mut h = Harness::new(vec![sales, voice_queue(2)], vec![agent(1, 1), agent(2, 1)]);
    h.available(1);
    one_offer(&h.enqueue(100, 1));
    h.accept(100, 1);
    h.advance(5.0);
    let target = TransferTarget::Agent { agent: ag(2) };
    h.available(2);
    let o = one_offer(&h.input(AcdInput::Transfer {
        interaction: ix(100),
        target,
    }));
    assert_eq!(o.agent, ag(2));
    assert_eq!(h.acd.agent_state(ag(1)), Some(AgentState::WrapUp));
    assert_eq!(h.acd.wrap_ups(ag(1)), vec![ix(100)]);
    h.accept(100, 2);
    assert!(
        offers(&h.enqueue(101, 2)).is_empty(),
        "agent 1 is writing notes, agent 2 is talking"
    );
    assert_eq!(
        h.try_input(AcdInput::WrapUpDone {
            interaction: ix(100),
            agent: None,
        }),
        Err(AcdError::InvalidState {
            interaction: ix(100),
            action: "end wrap-up"
        }),
        "the interaction's own agent is talking"
    );
    let o = one_offer(&h.input(AcdInput::WrapUpDone {
        interaction: ix(100),
        agent: Some(ag(1)),
    }));
    assert_eq!((o.interaction, o.agent), (ix(101), ag(1)));
}

#[test]
fn transfer_from_a_queue_without_wrap_up_frees_the_agent_at_once() {
    let mut h = Harness::new(vec![voice_queue(1), voice_queue(2)], vec![agent(1, 1)]);
    h.available(1);
    one_offer(&h.enqueue(100, 1));
    h.accept(100, 1);
    let out = h.input(AcdInput::Transfer {
        interaction: ix(100),
        target: TransferTarget::Queue { queue: q(2) },
    });
    let o = one_offer(&out);
    assert_eq!(
        (o.interaction, o.agent),
        (ix(100), ag(1)),
        "free, so offered again"
    );
}

#[test]
fn detached_work_is_refused_when_it_does_not_exist_and_engaging_twice_is_one_slot() {
    let mut h = Harness::new(vec![voice_queue(1)], vec![agent(1, 1)]);
    h.available(1);
    let unknown = h.try_input(AcdInput::Disengage {
        agent: ag(1),
        work: ix(5),
        wrap_up_secs: 0,
    });
    assert!(matches!(unknown, Err(AcdError::InvalidState { .. })));
    let nobody = h.try_input(AcdInput::Engage {
        agent: ag(9),
        work: ix(5),
        channel: Channel::Voice,
    });
    assert_eq!(nobody, Err(AcdError::UnknownAgent(ag(9))));
    engage(&mut h, 1, 900);
    engage(&mut h, 1, 900);
    disengage(&mut h, 1, 900, 0);
    assert_eq!(h.acd.agent_state(ag(1)), Some(AgentState::Available));
}
