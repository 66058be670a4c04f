//! Jitter buffer: reorder, drop late, fill gaps, adapt depth to jitter.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use sb_rtp::{JitterBuffer, JitterConfig, Playout};
use sb_types::Timestamp;

fn t(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn buffer() -> JitterBuffer<u16> {
    JitterBuffer::new(JitterConfig {
        min_depth: 2,
        max_depth: 10,
        ..JitterConfig::default()
    })
}

fn push(jb: &mut JitterBuffer<u16>, at: i64, seq: u16) -> bool {
    jb.push(t(at), seq, u32::from(seq) * 160, seq)
}

#[test]
fn reordered_frames_play_in_sequence_order() {
    let mut jb = buffer();
    for (at, seq) in [(0, 10), (20, 12), (21, 11), (40, 13)] {
        assert!(push(&mut jb, at, seq));
    }
    let played: Vec<_> = (0..4).map(|_| jb.pop()).collect();
    assert_eq!(played, [10, 11, 12, 13].map(Playout::Frame));
}

#[test]
fn playout_waits_for_the_target_depth() {
    let mut jb = buffer();
    assert_eq!(jb.pop(), Playout::Buffering);
    push(&mut jb, 0, 1);
    assert_eq!(jb.pop(), Playout::Buffering);
    push(&mut jb, 20, 2);
    assert_eq!(jb.pop(), Playout::Frame(1));
}

#[test]
fn a_gap_is_filled_with_a_missing_slot_and_the_late_frame_is_dropped() {
    let mut jb = buffer();
    push(&mut jb, 20, 1);
    push(&mut jb, 40, 2);
    assert_eq!(jb.pop(), Playout::Frame(1));
    push(&mut jb, 80, 4);
    assert_eq!(jb.pop(), Playout::Frame(2));
    assert_eq!(
        jb.pop(),
        Playout::Missing,
        "frame 3 is missing when its slot comes"
    );
    assert!(!push(&mut jb, 90, 3), "frame 3 came after its slot");
    assert_eq!(jb.late, 1);
    push(&mut jb, 100, 5);
    assert_eq!(jb.pop(), Playout::Frame(4));
    assert_eq!(jb.concealed, 1);
}

#[test]
fn duplicates_are_refused() {
    let mut jb = buffer();
    assert!(push(&mut jb, 0, 7));
    assert!(!push(&mut jb, 1, 7));
    assert_eq!(jb.len(), 1);
}

#[test]
fn sequence_numbers_wrap() {
    let mut jb = buffer();
    for (i, seq) in [65534u16, 65535, 0, 1].into_iter().enumerate() {
        push(&mut jb, i as i64 * 20, seq);
    }
    let played: Vec<_> = (0..4).map(|_| jb.pop()).collect();
    assert_eq!(played, [65534, 65535, 0, 1].map(Playout::Frame));
}

#[test]
fn depth_grows_with_jitter_and_shrinks_when_it_calms() {
    let mut jb = buffer();
    let mut seq = 0u16;
    let mut at = 0i64;
    // Phase 1: delays alternate 0 and 60 ms, |D| = 60 ms: J → 60, target = ceil(4·60/20)+1 = 13
    // capped at 10.
    for i in 0..200 {
        push(&mut jb, at + if i % 2 == 1 { 60 } else { 0 }, seq);
        seq = seq.wrapping_add(1);
        at += 20;
        jb.pop();
    }
    assert_eq!(jb.target_depth(), 10);
    assert!(jb.len() >= 8, "the buffer deepened: {}", jb.len());
    // Phase 2: no jitter for a minute: J decays towards 0, target back to the minimum.
    for _ in 0..3000 {
        push(&mut jb, at + 60, seq);
        seq = seq.wrapping_add(1);
        at += 20;
        jb.pop();
    }
    assert!(jb.jitter_ms() < 0.1, "{}", jb.jitter_ms());
    assert_eq!(jb.target_depth(), 2);
    assert!(
        jb.len() <= 4,
        "the buffer shrank to near its target: {}",
        jb.len()
    );
    assert!(jb.skipped > 0);
}

#[test]
fn an_underrun_rebuffers_one_frame_deeper() {
    let mut jb = buffer();
    push(&mut jb, 0, 1);
    push(&mut jb, 20, 2);
    assert_eq!(jb.pop(), Playout::Frame(1));
    assert_eq!(jb.pop(), Playout::Frame(2));
    assert_eq!(jb.pop(), Playout::Missing);
    assert_eq!(jb.target_depth(), 3);
    push(&mut jb, 80, 4);
    push(&mut jb, 100, 5);
    assert_eq!(jb.pop(), Playout::Buffering);
    push(&mut jb, 120, 6);
    assert_eq!(jb.pop(), Playout::Frame(4));
}
