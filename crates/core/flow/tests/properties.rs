//! Generated documents and inputs: the compiler never panics, every compiled program ends
//! within its step budget whatever the host answers, runs are deterministic, and menus behave
//! like a simple reference model.

mod common;

use common::*;
use proptest::prelude::*;
use sb_flow::{
    Catalog, Document, Input, Limits, Session, Start, Step, compile, compile_with_limits,
};
use sb_types::{AgentId, Timestamp};
use serde_json::{Value, json};
use std::sync::Arc;

const TYPES: [&str; 19] = [
    "play",
    "menu",
    "collect",
    "voice_menu",
    "check_hours",
    "set_queue",
    "enqueue",
    "transfer",
    "dial",
    "voicemail",
    "set_attributes",
    "branch",
    "distribute",
    "loop",
    "http",
    "send_message",
    "hangup",
    "end",
    "bogus",
];
const IDS: [&str; 6] = ["a", "b", "c", "d", "e", "f"];
const OUTCOMES: [&str; 14] = [
    "success", "error", "timeout", "no_input", "no_match", "1", "2", "#", "open", "closed", "body",
    "done", "default", "answered",
];
const KEYS: [&str; 16] = [
    "say",
    "text",
    "prompt",
    "queue",
    "skills",
    "time_zone",
    "weekly",
    "into",
    "max_digits",
    "choices",
    "weights",
    "cases",
    "set",
    "url",
    "map",
    "to",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from),
        prop::sample::select(
            &[
                "{{ attrs.x }}",
                "1 +",
                "loop {}",
                "welcome",
                "support",
                "UTC",
                "09:00",
                "/a"
            ][..]
        )
        .prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(prop::sample::select(&KEYS[..]), inner, 0..4).prop_map(
                |m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            ),
        ]
    })
}

fn raw_block() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(&IDS[..]),
        prop::sample::select(&TYPES[..]),
        json_value(),
        prop::collection::btree_map(
            prop::sample::select(&OUTCOMES[..]),
            prop::sample::select(&IDS[..]),
            0..4,
        ),
        prop::option::of(prop::sample::select(&IDS[..])),
    )
        .prop_map(|(id, kind, params, transitions, hangup)| {
            json!({ "id": id, "type": kind, "params": params, "transitions": transitions,
                    "on": { "hangup": hangup } })
        })
}

fn raw_document() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(&IDS[..]),
        prop::collection::vec(raw_block(), 0..7),
    )
        .prop_map(|(start, blocks)| json!({ "version": 1, "start": start, "blocks": blocks }))
}

/// Valid parameters and outcomes for each block type.
fn template(kind: usize) -> (&'static str, Value, &'static [&'static str]) {
    let say = json!({ "text": "hi {{ attrs.caller }}" });
    match kind % 18 {
        0 => ("play", json!({ "say": say }), &["success", "error"]),
        1 => (
            "menu",
            json!({ "say": say, "retries": 1 }),
            &["1", "2", "no_input", "no_match"],
        ),
        2 => (
            "collect",
            json!({ "into": "acct", "max_digits": 4, "retries": 1 }),
            &["success", "no_input", "no_match"],
        ),
        3 => (
            "voice_menu",
            json!({ "choices": { "yes": ["yes"], "no": ["no"] } }),
            &["yes", "no", "no_input", "no_match"],
        ),
        4 => (
            "check_hours",
            json!({ "time_zone": "Europe/Paris", "weekly": [{ "days": ["mon"], "open": "09:00", "close": "17:00" }] }),
            &["open", "closed"],
        ),
        5 => (
            "set_queue",
            json!({ "queue": "support", "priority": "attrs.len()" }),
            &["success", "error"],
        ),
        6 => (
            "enqueue",
            json!({ "max_wait_secs": 30, "treatment": { "break_out_key": "*" } }),
            &["timeout", "break_out", "error", "answered"],
        ),
        7 => (
            "transfer",
            json!({ "to": { "number": "+1{{ attrs.acct }}" } }),
            &["success", "busy", "no_answer", "error"],
        ),
        8 => (
            "dial",
            json!({ "number": "+1" }),
            &["success", "busy", "no_answer"],
        ),
        9 => ("voicemail", json!({ "say": say }), &["success", "no_input"]),
        10 => (
            "set_attributes",
            json!({ "set": [{ "name": "n", "value": "(attrs.n ?? 0) + 1" }] }),
            &["success", "error"],
        ),
        11 => (
            "branch",
            json!({ "cases": [{ "when": "attrs.n > 2", "then": "big" }] }),
            &["big", "default", "error"],
        ),
        12 => (
            "distribute",
            json!({ "weights": { "x": 50, "y": 50 } }),
            &["x", "y"],
        ),
        13 => (
            "loop",
            json!({ "counter": "i", "times": 2 }),
            &["body", "done"],
        ),
        14 => (
            "http",
            json!({ "url": "https://h/{{ attrs.n }}", "map": { "v": "/v" } }),
            &["success", "timeout", "error"],
        ),
        15 => (
            "send_message",
            json!({ "channel": "sms", "to": "{{ attrs.caller }}", "body": "b" }),
            &["success", "error"],
        ),
        16 => ("hangup", json!({}), &[]),
        _ => ("end", json!({}), &[]),
    }
}

/// A document that compiles: block `i` leads to `i + 1` by its first outcome, the others go
/// anywhere (loops included); only the last block may have no outcome.
fn valid_document() -> impl Strategy<Value = Value> {
    prop::collection::vec((0usize..18, prop::collection::vec(0usize..8, 6), any::<bool>()), 1..8).prop_map(|specs| {
        let n = specs.len();
        let blocks: Vec<Value> = specs.iter().enumerate().map(|(i, (kind, targets, handler))| {
            let kind = if i + 1 < n && *kind >= 16 { kind % 16 } else { *kind };
            let (ty, params, outcomes) = template(kind);
            let transitions: serde_json::Map<String, Value> = outcomes.iter().enumerate().map(|(j, o)| {
                let t = if j == 0 && i + 1 < n { i + 1 } else { targets.get(j).copied().unwrap_or(0) % n };
                ((*o).to_owned(), Value::from(format!("b{t}")))
            }).collect();
            let on = if *handler { json!({ "hangup": format!("b{}", n - 1), "agent_answer": "b0" }) } else { json!({}) };
            json!({ "id": format!("b{i}"), "type": ty, "params": params, "transitions": transitions, "on": on })
        }).collect();
        json!({ "start": "b0", "blocks": blocks })
    })
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        Just(Input::Done),
        "[0-9*#]{0,6}".prop_map(Input::Digits),
        prop::sample::select(&["yes", "no", "maybe"][..]).prop_map(|w| Input::Speech(w.into())),
        Just(Input::NoInput),
        Just(Input::Timeout),
        ("[a-z]{1,4}", 0u64..100_000).prop_map(|(recording, duration_ms)| Input::Recorded {
            recording,
            duration_ms
        }),
        (
            100u16..600,
            prop::sample::select(&["{\"v\": 1}", "oops", "{}", "[1]"][..])
        )
            .prop_map(|(status, body)| Input::Http {
                status,
                body: body.into()
            }),
        Just(Input::Busy),
        Just(Input::NoAnswer),
        Just(Input::CallbackAccepted),
        Just(Input::BreakOut),
        Just(Input::Failed("x".into())),
        any::<u8>().prop_map(|n| Input::AgentAnswered {
            agent: AgentId::from_u128(u128::from(n))
        }),
        Just(Input::Hangup),
    ]
}

fn small_limits() -> Limits {
    Limits {
        max_steps: 300,
        max_steps_without_input: 60,
        ..Limits::default()
    }
}

/// Drives a session with `inputs`, then with `Failed` (which every wait accepts); returns the
/// log and how many answers were given.
fn drive(session: &mut Session, inputs: &[(Input, u16)]) -> (Vec<String>, usize) {
    let mut log = Vec::new();
    let mut now = Timestamp::from_millis(1_795_424_400_000);
    let mut next = inputs.iter();
    let mut answers = 0;
    let cap = 300 * 40;
    for _ in 0..cap {
        match session.poll() {
            Step::Finished(f) => {
                log.push(format!("finish {f:?}"));
                return (log, answers);
            }
            Step::Do(a) | Step::Await(a) => log.push(a.to_string()),
            Step::Waiting => {
                let (input, delay) = next
                    .next()
                    .cloned()
                    .unwrap_or((Input::Failed("end".into()), 0));
                now = now + std::time::Duration::from_millis(u64::from(delay) * 100);
                session.handle_timeout(now);
                let accepted = session.handle(now, input.clone());
                log.push(format!("{input:?} {}", accepted.is_ok()));
                answers += 1;
            }
        }
    }
    panic!("session did not end after {cap} polls: {log:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_documents_never_panic_the_compiler(doc in raw_document()) {
        if let Ok(doc) = serde_json::from_value::<Document>(doc) {
            let result = compile(&doc, &catalog());
            if let Err(diags) = result {
                prop_assert!(!diags.is_empty());
                prop_assert!(diags.iter().all(|d| d.path.starts_with('/')));
            }
            let _ = compile(&doc, &Catalog::default());
        }
    }

    #[test]
    fn any_program_ends_within_its_step_budget_whatever_the_host_answers(
        doc in valid_document(),
        inputs in prop::collection::vec((input(), 0u16..400), 0..40),
        seed in any::<u64>(),
    ) {
        let doc: Document = serde_json::from_value(doc).unwrap();
        let program = Arc::new(compile_with_limits(&doc, &catalog(), &small_limits()).map_err(|d| TestCaseError::fail(format!("{d:?}")))?);
        let start = Start::at(MONDAY_10H_PARIS).attr("caller", "+33").seed(seed);
        let mut session = Session::new(program.clone(), start.clone());
        let (log, _) = drive(&mut session, &inputs);
        prop_assert!(session.is_finished());
        prop_assert!(session.steps() <= small_limits().max_steps);
        // Deterministic: the same start and answers give the same run.
        let mut again = Session::new(program, start);
        prop_assert_eq!(drive(&mut again, &inputs).0, log);
    }

    #[test]
    fn menu_matches_its_reference_model(
        retries in 0u32..4,
        answers in prop::collection::vec(prop_oneof![
            "[0-9*#]{0,2}".prop_map(Input::Digits),
            Just(Input::NoInput),
            Just(Input::Timeout),
            Just(Input::Speech("one".into())),
        ], 0..8),
    ) {
        let doc = single("menu", json!({ "retries": retries }), &["1", "2", "no_input", "no_match"]);
        let mut h = Host::start(doc);
        h.run();
        let mut used = 0;
        for a in &answers {
            if h.session.is_finished() { break; }
            h.answer(a.clone());
            used += 1;
        }
        let (expected, consumed) = menu_model(retries, &answers);
        prop_assert_eq!(used, consumed);
        match expected {
            Some(outcome) => prop_assert_eq!(h.at(), format!("to_{outcome}")),
            None => prop_assert_eq!(h.session.poll(), Step::Waiting),
        }
    }
}

/// The menu as a table: keys 1 and 2 are offered; returns the outcome (if reached) and the
/// answers consumed.
fn menu_model(retries: u32, answers: &[Input]) -> (Option<String>, usize) {
    for (i, a) in answers.iter().enumerate() {
        let attempt = u32::try_from(i).unwrap_or(u32::MAX);
        let miss = match a {
            Input::Digits(d) => match d.chars().next() {
                Some(k @ ('1' | '2')) => return (Some(k.to_string()), i + 1),
                Some(_) => "no_match",
                None => "no_input",
            },
            Input::Speech(_) => "no_match",
            _ => "no_input",
        };
        if attempt >= retries {
            return (Some(miss.to_owned()), i + 1);
        }
    }
    (None, answers.len())
}
