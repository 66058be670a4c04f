//! Flow documents: arbitrary bytes as JSON never panic the compiler, and a program that
//! compiles runs a few steps under arbitrary host answers without panicking.
//!
//! Input layout: the document's JSON, a zero byte, then one byte per host answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sb_flow::{
    AgentId, Catalog, Document, Input, QueueId, Session, SkillId, Start, Step, Timestamp, compile,
};
use std::sync::Arc;

fn catalog() -> Catalog {
    Catalog::default()
        .with_queue("support", QueueId::from_u128(1))
        .with_skill("english", SkillId::from_u128(2))
        .with_agent("alice", AgentId::from_u128(3))
        .with_prompt("welcome")
}

fn answer(byte: u8) -> Input {
    let digits = ["1", "2", "9", "12#", "", "*"];
    match byte % 14 {
        0 => Input::Done,
        1 => Input::Digits(digits[usize::from(byte / 14) % digits.len()].into()),
        2 => Input::Speech("yes".into()),
        3 => Input::NoInput,
        4 => Input::Timeout,
        5 => Input::Recorded {
            recording: "r".into(),
            duration_ms: u64::from(byte),
        },
        6 => Input::Http {
            status: 200 + u16::from(byte / 14) * 10,
            body: "{\"a\": {\"b\": 1}}".into(),
        },
        7 => Input::Busy,
        8 => Input::NoAnswer,
        9 => Input::CallbackAccepted,
        10 => Input::BreakOut,
        11 => Input::Failed("f".into()),
        12 => Input::AgentAnswered {
            agent: AgentId::from_u128(u128::from(byte)),
        },
        _ => Input::Hangup,
    }
}

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (doc, answers) = data.split_at(split);
    let Ok(text) = std::str::from_utf8(doc) else {
        return;
    };
    let Ok(doc) = Document::from_json(text) else {
        return;
    };
    let Ok(program) = compile(&doc, &catalog()) else {
        return;
    };
    let mut now = Timestamp::from_secs(1_795_424_400);
    let mut session = Session::new(Arc::new(program), Start::at(now).attr("caller", "+1"));
    let mut answers = answers.iter().skip(1);
    for _ in 0..2_000 {
        match session.poll() {
            Step::Finished(_) => return,
            Step::Do(_) | Step::Await(_) => {}
            Step::Waiting => {
                let Some(byte) = answers.next() else { return };
                now = now + std::time::Duration::from_secs(u64::from(*byte));
                session.handle_timeout(now);
                let _ = session.handle(now, answer(*byte));
            }
        }
    }
});
