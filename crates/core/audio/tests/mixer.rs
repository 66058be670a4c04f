//! Mixer: each party hears the saturated sum of the others it may hear.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use proptest::prelude::*;
use sb_audio::{AudioError, FRAME_SAMPLES, MixMode, Mixer, PartyId};

fn constant(v: i16) -> [i16; FRAME_SAMPLES] {
    [v; FRAME_SAMPLES]
}

#[test]
fn each_party_hears_the_sum_of_the_others() {
    let mut m = Mixer::new();
    for (id, v) in [(1, 100), (2, 20), (3, 3)] {
        m.add(PartyId(id), MixMode::Full).unwrap();
        m.push(PartyId(id), &constant(v)).unwrap();
    }
    m.mix();
    assert_eq!(m.output(PartyId(1)).unwrap()[0], 23);
    assert_eq!(m.output(PartyId(2)).unwrap()[0], 103);
    assert_eq!(m.output(PartyId(3)).unwrap()[0], 120);
}

#[test]
fn a_whisper_is_heard_by_the_agent_only_and_a_listener_by_no_one() {
    let (caller, agent, supervisor) = (PartyId(1), PartyId(2), PartyId(3));
    let mut m = Mixer::new();
    m.add(caller, MixMode::Full).unwrap();
    m.add(agent, MixMode::Full).unwrap();
    m.add(supervisor, MixMode::Listen).unwrap();
    let push = |m: &mut Mixer| {
        m.push(caller, &constant(1000)).unwrap();
        m.push(agent, &constant(200)).unwrap();
        m.push(supervisor, &constant(30)).unwrap();
        m.mix();
    };
    push(&mut m);
    assert_eq!(m.output(caller).unwrap()[0], 200);
    assert_eq!(m.output(agent).unwrap()[0], 1000);
    assert_eq!(m.output(supervisor).unwrap()[0], 1200);

    m.set_mode(supervisor, MixMode::Whisper { to: agent })
        .unwrap();
    push(&mut m);
    assert_eq!(
        m.output(caller).unwrap()[0],
        200,
        "the caller never hears a whisper"
    );
    assert_eq!(m.output(agent).unwrap()[0], 1030);
    assert_eq!(m.output(supervisor).unwrap()[0], 1200);

    m.set_mode(supervisor, MixMode::Full).unwrap();
    push(&mut m);
    assert_eq!(
        m.output(caller).unwrap()[0],
        230,
        "after a barge everyone hears the supervisor"
    );
    assert_eq!(m.output(agent).unwrap()[0], 1030);
}

#[test]
fn sums_saturate_instead_of_wrapping() {
    let mut m = Mixer::new();
    for id in 0..3 {
        m.add(PartyId(id), MixMode::Full).unwrap();
        m.push(
            PartyId(id),
            &constant(if id == 2 { i16::MIN } else { 30000 }),
        )
        .unwrap();
    }
    m.mix();
    assert_eq!(m.output(PartyId(2)).unwrap()[0], i16::MAX);
    assert_eq!(m.output(PartyId(0)).unwrap()[0], -2768, "30000 - 32768");
    m.push(PartyId(2), &constant(i16::MIN)).unwrap();
    m.push(PartyId(1), &constant(i16::MIN)).unwrap();
    m.mix();
    assert_eq!(m.output(PartyId(0)).unwrap()[0], i16::MIN);
}

#[test]
fn a_party_that_sent_nothing_this_tick_is_silent() {
    let mut m = Mixer::new();
    m.add(PartyId(1), MixMode::Full).unwrap();
    m.add(PartyId(2), MixMode::Full).unwrap();
    m.push(PartyId(1), &constant(500)).unwrap();
    m.mix();
    assert_eq!(m.output(PartyId(2)).unwrap()[0], 500);
    m.mix();
    assert_eq!(m.output(PartyId(2)).unwrap()[0], 0);
}

#[test]
fn bad_ids_and_frame_sizes_are_errors() {
    let mut m = Mixer::new();
    m.add(PartyId(1), MixMode::Full).unwrap();
    assert_eq!(
        m.add(PartyId(1), MixMode::Listen),
        Err(AudioError::DuplicateParty(1))
    );
    assert_eq!(
        m.push(PartyId(9), &constant(0)),
        Err(AudioError::UnknownParty(9))
    );
    assert_eq!(
        m.push(PartyId(1), &[0; 80]),
        Err(AudioError::FrameSize {
            got: 80,
            expected: FRAME_SAMPLES
        })
    );
    m.remove(PartyId(1)).unwrap();
    assert!(m.is_empty());
}

/// Reference model: what party `me` hears, computed sample by sample from the definitions.
fn reference(parties: &[(u32, MixMode, i16)], me: usize) -> i16 {
    let my_id = parties[me].0;
    let heard: i32 = parties
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != me)
        .filter(|(_, (_, mode, _))| match mode {
            MixMode::Full => true,
            MixMode::Listen => false,
            MixMode::Whisper { to } => *to == PartyId(my_id),
        })
        .map(|(_, (_, _, v))| i32::from(*v))
        .sum();
    heard.clamp(-32768, 32767) as i16
}

fn mode() -> impl Strategy<Value = MixMode> {
    prop_oneof![
        4 => Just(MixMode::Full),
        1 => Just(MixMode::Listen),
        1 => (0u32..6).prop_map(|to| MixMode::Whisper { to: PartyId(to) }),
    ]
}

proptest! {
    #[test]
    fn mixer_matches_the_reference_model(
        parties in proptest::collection::vec((mode(), any::<i16>()), 1..6)
    ) {
        let parties: Vec<(u32, MixMode, i16)> =
            parties.into_iter().enumerate().map(|(i, (m, v))| (i as u32, m, v)).collect();
        let mut mixer = Mixer::new();
        for &(id, mode, v) in &parties {
            mixer.add(PartyId(id), mode).unwrap();
            mixer.push(PartyId(id), &constant(v)).unwrap();
        }
        mixer.mix();
        for (i, &(id, _, _)) in parties.iter().enumerate() {
            let out = mixer.output(PartyId(id)).unwrap();
            prop_assert!(out.iter().all(|&s| s == reference(&parties, i)));
        }
    }
}

#[test]
fn in_a_three_party_call_each_hears_the_others_tones_and_not_its_own() {
    use sb_audio::{ToneGenerator, ToneSpec, tone_power_ratio};
    let freqs = [500.0, 1000.0, 1500.0];
    let mut gens: Vec<ToneGenerator> = freqs
        .iter()
        .map(|&f| ToneGenerator::new(ToneSpec::beep(f, 1000)).unwrap())
        .collect();
    let mut m = Mixer::new();
    for id in 0..3 {
        m.add(PartyId(id), MixMode::Full).unwrap();
    }
    let mut heard = vec![Vec::new(); 3];
    for _ in 0..10 {
        for (id, g) in gens.iter_mut().enumerate() {
            let mut frame = [0i16; FRAME_SAMPLES];
            g.fill(&mut frame);
            m.push(PartyId(id as u32), &frame).unwrap();
        }
        m.mix();
        for (id, out) in heard.iter_mut().enumerate() {
            out.extend_from_slice(m.output(PartyId(id as u32)).unwrap());
        }
    }
    for (me, out) in heard.iter().enumerate() {
        for (other, &f) in freqs.iter().enumerate() {
            let share = tone_power_ratio(out, f, 8000);
            if other == me {
                assert!(share < 0.001, "party {me} hears itself: {share}");
            } else {
                assert!(
                    (share - 0.5).abs() < 0.02,
                    "party {me} hears {f} Hz at {share}"
                );
            }
        }
    }
}
