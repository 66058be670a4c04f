//! Parses and prints a sample message in a loop, for profilers that count instructions or
//! sample stacks (the criterion bench measures wall time).
//!
//! `N=100000 valgrind --tool=callgrind target/release/examples/parse_loop invite`
//! (`ok` for the 200 OK).

#![allow(clippy::unwrap_used)] // a panic is the failure report

use bytes::Bytes;

include!("../benches/data/messages.rs");

fn main() {
    let raw = match std::env::args().nth(1).as_deref() {
        Some("ok") => OK,
        _ => INVITE,
    };
    let rounds: usize = std::env::var("N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let input = Bytes::from(raw.to_vec());
    let mut out = Vec::with_capacity(2048);
    for _ in 0..rounds {
        out.clear();
        sb_sip::parse(std::hint::black_box(input.clone()))
            .unwrap()
            .encode(&mut out);
    }
    assert_eq!(out, raw);
}
