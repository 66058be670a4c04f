//! Compiling the demo flow, and running whole calls through it.
//!
//! `cargo bench -p sb-flow --bench flow -- --warm-up-time 1 --measurement-time 3`

use criterion::{Criterion, criterion_group, criterion_main};
use sb_flow::{Document, Input, Session, Start, Step, Timestamp, compile, script};
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

fn demo() -> (Document, script::CaseFile) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../examples/flows");
    let doc = std::fs::read_to_string(dir.join("demo-inbound.json")).expect("demo flow");
    let cases = std::fs::read_to_string(dir.join("demo-inbound.cases.yaml")).expect("demo cases");
    let doc = Document::from_json(&doc).expect("demo flow parses");
    (doc, script::parse_cases(&cases).expect("demo cases parse"))
}

/// One call: VIP lookup, welcome, menu, queue, agent answers.
fn call(program: &Arc<sb_flow::Program>) -> usize {
    let now = Timestamp::from_millis(1_795_424_400_000);
    let start = Start::at(now).attr("caller", "+33123456789");
    let mut session = Session::new(Arc::clone(program), start);
    let mut answers = [
        Input::Http {
            status: 200,
            body: r#"{"name": "Ada", "vip": true}"#.into(),
        },
        Input::Done,
        Input::Digits("1".into()),
        Input::AgentAnswered {
            agent: sb_flow::AgentId::from_u128(1),
        },
    ]
    .into_iter();
    let mut actions = 0;
    loop {
        match session.poll() {
            Step::Do(_) | Step::Await(_) => actions += 1,
            Step::Waiting => {
                let input = answers.next().expect("enough answers");
                session.handle(now, input).expect("accepted");
            }
            Step::Finished(_) => return actions,
        }
    }
}

fn benches(c: &mut Criterion) {
    let (doc, cases) = demo();
    let catalog = cases.catalog.clone().unwrap_or_default();
    c.bench_function("compile demo flow (17 blocks)", |b| {
        b.iter(|| compile(black_box(&doc), &catalog).expect("compiles"))
    });
    let program = Arc::new(compile(&doc, &catalog).expect("compiles"));
    c.bench_function("run one call through the demo flow", |b| {
        b.iter(|| call(black_box(&program)))
    });
    c.bench_function("run the 7 demo test cases", |b| {
        b.iter(|| script::run(&program, black_box(&cases)))
    });
}

criterion_group!(flow, benches);
criterion_main!(flow);
