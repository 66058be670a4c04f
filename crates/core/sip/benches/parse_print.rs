//! Parse + print of a typical INVITE with SDP and a typical 200 OK.
//!
//! `cargo bench -p sb-sip --bench parse_print -- --warm-up-time 1 --measurement-time 3`

#![allow(clippy::unwrap_used)] // a panic is the failure report

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

include!("data/messages.rs");

fn parse_print(c: &mut Criterion) {
    let mut group = c.benchmark_group("sip");
    for (name, raw) in [("invite_sdp", INVITE), ("ok_200", OK)] {
        // A shared buffer, as a socket read gives: slices cost a reference count each.
        let input = Bytes::from(raw.to_vec());
        assert_eq!(sb_sip::parse(input.clone()).unwrap().to_bytes(), raw);
        group.throughput(Throughput::Bytes(raw.len() as u64));
        group.bench_function(format!("{name}/parse"), |b| {
            b.iter(|| sb_sip::parse(black_box(input.clone())).unwrap())
        });
        group.bench_function(format!("{name}/parse_print"), |b| {
            let mut out = Vec::with_capacity(2048);
            b.iter(|| {
                out.clear();
                sb_sip::parse(black_box(input.clone()))
                    .unwrap()
                    .encode(&mut out);
                black_box(out.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse_print);
criterion_main!(benches);
