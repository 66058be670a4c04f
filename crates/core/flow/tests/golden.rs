//! Whole flows driven through the sans-IO session: every block, every outcome and error path.

mod common;

use common::*;
use sb_flow::{Finish, FlowError, Input, Limits, Start};
use sb_types::{AgentId, Timestamp};
use serde_json::json;

fn tts(text: &str) -> serde_json::Value {
    json!({ "text": text })
}

// ---- play ----

#[test]
fn play_renders_its_text_and_continues_when_done() {
    let mut h = Host::start(single(
        "play",
        json!({ "say": tts("Hello {{ attrs.caller }}") }),
        &["success"],
    ));
    assert_eq!(h.run(), ["await play tts \"Hello +331234\""]);
    assert_eq!(h.answer(Input::Done), ["do end"]);
    assert_eq!(h.finish, Some(Finish::End));
    assert_eq!(h.session.path(), ["b", "to_success"]);
}

#[test]
fn play_of_a_recorded_prompt_names_it() {
    let mut h = Host::start(single(
        "play",
        json!({ "say": { "prompt": "welcome" } }),
        &["success"],
    ));
    assert_eq!(h.run(), ["await play prompt welcome"]);
}

#[test]
fn failed_play_takes_error_or_ends_the_flow_with_the_reason() {
    let mut h = Host::start(single(
        "play",
        json!({ "say": tts("x") }),
        &["success", "error"],
    ));
    h.run();
    h.answer(Input::Failed("no such file".into()));
    assert_eq!(h.at(), "to_error");
    assert_eq!(h.attr("error.message").as_deref(), Some("no such file"));
    assert_eq!(h.attr("error.block").as_deref(), Some("b"));

    let mut h = Host::start(single("play", json!({ "say": tts("x") }), &["success"]));
    h.run();
    h.answer(Input::Failed("no such file".into()));
    assert_eq!(
        h.finish,
        Some(Finish::Error {
            block: "b".into(),
            message: "no such file".into()
        })
    );
}

// ---- menu ----

fn menu(extra: serde_json::Value) -> serde_json::Value {
    let mut params =
        json!({ "say": tts("Press 1 or 2"), "retries": 1, "no_match_say": tts("Wrong key") });
    if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    single("menu", params, &["1", "2", "no_input", "no_match"])
}

#[test]
fn menu_takes_the_pressed_keys_transition() {
    let mut h = Host::start(menu(json!({})));
    assert_eq!(h.run(), ["await menu tts \"Press 1 or 2\" keys 12"]);
    h.answer(Input::Digits("2".into()));
    assert_eq!(h.at(), "to_2");
}

#[test]
fn menu_reprompts_after_a_wrong_key_then_gives_up_with_no_match() {
    let mut h = Host::start(menu(json!({})));
    h.run();
    assert_eq!(
        h.answer(Input::Digits("7".into())),
        ["await play tts \"Wrong key\""]
    );
    assert_eq!(
        h.answer(Input::Done),
        ["await menu tts \"Press 1 or 2\" keys 12"]
    );
    h.answer(Input::Digits("*".into()));
    assert_eq!(h.at(), "to_no_match");
}

#[test]
fn menu_without_input_retries_silently_then_takes_no_input() {
    let mut h = Host::start(menu(json!({})));
    h.run();
    assert_eq!(
        h.answer(Input::NoInput),
        ["await menu tts \"Press 1 or 2\" keys 12"]
    );
    h.answer(Input::NoInput);
    assert_eq!(h.at(), "to_no_input");
    assert_eq!(h.session.path(), ["b", "to_no_input"]);
}

#[test]
fn menu_treats_speech_as_no_match() {
    let mut h = Host::start(menu(json!({ "retries": 0 })));
    h.run();
    h.answer(Input::Speech("sales".into()));
    assert_eq!(h.at(), "to_no_match");
}

// ---- collect ----

fn collect(extra: serde_json::Value, outcomes: &[&str]) -> serde_json::Value {
    let mut params =
        json!({ "say": tts("Your account?"), "into": "account", "min_digits": 4, "max_digits": 6 });
    if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    single("collect", params, outcomes)
}

#[test]
fn collect_stores_digits_up_to_the_terminator() {
    let mut h = Host::start(collect(
        json!({ "screen_pop": true }),
        &["success", "no_input"],
    ));
    assert_eq!(h.run(), ["await collect tts \"Your account?\" max 6"]);
    assert_eq!(
        h.answer(Input::Digits("12345#99".into())),
        ["do set_attr account = 12345", "do end"]
    );
    assert_eq!(h.at(), "to_success");
    assert_eq!(
        h.session
            .screen_pop()
            .get("account")
            .map(|v| v.to_string())
            .as_deref(),
        Some("12345")
    );
}

#[test]
fn collect_too_short_takes_no_match_after_retries() {
    let mut h = Host::start(collect(
        json!({ "retries": 1 }),
        &["success", "no_input", "no_match"],
    ));
    h.run();
    assert_eq!(
        h.answer(Input::Digits("12".into())),
        ["await collect tts \"Your account?\" max 6"]
    );
    h.answer(Input::Digits("1".into()));
    assert_eq!(h.at(), "to_no_match");
    assert_eq!(h.attr("account"), None);
}

#[test]
fn collect_validation_expression_rejects_an_entry() {
    let doc = collect(
        json!({ "valid": "attrs.account.starts_with(\"9\")" }),
        &["success", "no_input", "no_match"],
    );
    let mut h = Host::start(doc.clone());
    h.run();
    h.answer(Input::Digits("12345".into()));
    assert_eq!(h.at(), "to_no_match");
    let mut h = Host::start(doc);
    h.run();
    h.answer(Input::Digits("98765".into()));
    assert_eq!(h.at(), "to_success");
}

#[test]
fn collect_timeout_takes_no_input() {
    let mut h = Host::start(collect(json!({}), &["success", "no_input"]));
    h.run();
    h.answer(Input::NoInput);
    assert_eq!(h.at(), "to_no_input");
}

#[test]
fn collect_without_no_match_transition_fails_on_a_short_entry() {
    let mut h = Host::start(collect(json!({}), &["success", "no_input", "error"]));
    h.run();
    h.answer(Input::Digits("1".into()));
    assert_eq!(h.at(), "to_error");
    assert_eq!(
        h.attr("error.message").as_deref(),
        Some("no `no_match` transition")
    );
}

// ---- voice menu ----

fn voice() -> serde_json::Value {
    let params = json!({
        "say": tts("Say sales or support"),
        "choices": { "sales": ["sales", "buy"], "support": ["support", "help"] },
        "retries": 0,
    });
    single(
        "voice_menu",
        params,
        &["sales", "support", "3", "no_input", "no_match"],
    )
}

#[test]
fn voice_menu_offers_its_words_and_takes_the_recognised_choice() {
    let mut h = Host::start(voice());
    assert_eq!(
        h.run(),
        ["await collect tts \"Say sales or support\" max 1 words sales|buy|support|help"]
    );
    h.answer(Input::Speech(" HELP ".into()));
    assert_eq!(h.at(), "to_support");
}

#[test]
fn voice_menu_accepts_key_transitions_and_rejects_unknown_words() {
    let mut h = Host::start(voice());
    h.run();
    h.answer(Input::Digits("3".into()));
    assert_eq!(h.at(), "to_3");
    let mut h = Host::start(voice());
    h.run();
    h.answer(Input::Speech("weather".into()));
    assert_eq!(h.at(), "to_no_match");
    let mut h = Host::start(voice());
    h.run();
    h.answer(Input::NoInput);
    assert_eq!(h.at(), "to_no_input");
}

// ---- hours ----

fn hours(outcomes: &[&str]) -> serde_json::Value {
    let params = json!({
        "time_zone": "Europe/Paris",
        "weekly": [{ "days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "18:00" }],
        "holidays": ["2026-12-25"],
    });
    single("check_hours", params, outcomes)
}

fn at(rfc3339: &str) -> Timestamp {
    let t: jiff_ts::Timestamp = rfc3339.parse().expect("RFC 3339 instant");
    Timestamp::from_millis(t.as_millisecond())
}

mod jiff_ts {
    pub use jiff::Timestamp;
}

fn hours_outcome(when: &str, outcomes: &[&str]) -> String {
    let mut h = Host::new(program(hours(outcomes)), Start::at(at(when)));
    h.run();
    h.at().to_owned()
}

#[test]
fn check_hours_branches_on_the_local_time_and_holidays() {
    let all = ["open", "closed", "holiday"];
    assert_eq!(hours_outcome("2026-11-23T10:00:00+01:00", &all), "to_open");
    assert_eq!(
        hours_outcome("2026-11-23T18:00:00+01:00", &all),
        "to_closed"
    );
    assert_eq!(
        hours_outcome("2026-11-22T12:00:00+01:00", &all),
        "to_closed"
    );
    assert_eq!(
        hours_outcome("2026-12-25T10:00:00+01:00", &all),
        "to_holiday"
    );
    assert_eq!(
        hours_outcome("2026-12-25T10:00:00+01:00", &["open", "closed"]),
        "to_closed"
    );
}

#[test]
fn check_hours_follows_summer_time() {
    // 08:30 UTC is 10:30 in Paris in summer and 09:30 in winter: open both times; 07:30 UTC is
    // 09:30 in summer (open) but 08:30 in winter (closed).
    assert_eq!(
        hours_outcome("2026-07-06T07:30:00Z", &["open", "closed"]),
        "to_open"
    );
    assert_eq!(
        hours_outcome("2026-11-23T07:30:00Z", &["open", "closed"]),
        "to_closed"
    );
}

// ---- queueing ----

fn queue_flow(enqueue: serde_json::Value, transitions: serde_json::Value) -> serde_json::Value {
    json!({
        "start": "route",
        "blocks": [
            { "id": "route", "type": "set_queue",
              "params": { "queue": "sales", "skills": ["french"], "priority": "if attrs.vip == true { 10 } else { 1 }" },
              "transitions": { "success": "q", "error": "oops" } },
            { "id": "q", "type": "enqueue", "params": enqueue, "transitions": transitions },
            { "id": "after", "type": "hangup" },
            { "id": "oops", "type": "end" }
        ],
        "on": { "hangup": "after" }
    })
}

#[test]
fn enqueue_uses_the_routing_set_before_it() {
    let doc = queue_flow(json!({}), json!({}));
    let mut h = Host::new(program(doc), Start::at(MONDAY_10H_PARIS).attr("vip", true));
    assert_eq!(h.run(), ["await enqueue sales priority 10"]);
    h.answer(Input::AgentAnswered {
        agent: AgentId::from_u128(7),
    });
    assert_eq!(
        h.finish,
        Some(Finish::Connected {
            agent: AgentId::from_u128(7)
        })
    );
    assert_eq!(h.attr("agent"), Some(AgentId::from_u128(7).to_string()));
    assert_eq!(h.attr("queue").as_deref(), Some("sales"));
}

#[test]
fn enqueue_parameters_override_the_routing() {
    let doc = queue_flow(
        json!({ "queue": "support", "priority": 3, "skills": ["english"] }),
        json!({}),
    );
    let mut h = Host::start(doc);
    assert_eq!(h.run(), ["await enqueue support priority 3"]);
}

#[test]
fn enqueue_times_out_at_its_deadline() {
    let doc = queue_flow(
        json!({ "max_wait_secs": 60 }),
        json!({ "timeout": "after" }),
    );
    let mut h = Host::start(doc);
    h.run();
    assert_eq!(
        h.session.deadline(),
        Some(MONDAY_10H_PARIS + std::time::Duration::from_secs(60))
    );
    assert!(h.advance(59_999).is_empty());
    assert_eq!(h.advance(1), ["do hangup"]);
    assert_eq!(h.finish, Some(Finish::Hangup));
}

#[test]
fn enqueue_break_out_and_callback_take_their_transitions() {
    let treatment = json!({ "treatment": { "break_out_key": "*", "callback_offer": true } });
    let doc = queue_flow(
        treatment,
        json!({ "break_out": "after", "callback": "oops" }),
    );
    let mut h = Host::start(doc.clone());
    h.run();
    h.answer(Input::BreakOut);
    assert_eq!(h.at(), "after");
    let mut h = Host::start(doc);
    h.run();
    h.answer(Input::CallbackAccepted);
    assert_eq!(h.at(), "oops");
}

#[test]
fn accepted_callback_without_a_transition_ends_the_flow() {
    let mut h = Host::start(queue_flow(json!({}), json!({})));
    h.run();
    h.answer(Input::CallbackAccepted);
    assert_eq!(h.finish, Some(Finish::CallbackAccepted));
}

#[test]
fn agent_answer_runs_the_handler_then_the_answered_transition() {
    let mut doc = queue_flow(json!({}), json!({ "answered": "oops" }));
    doc["blocks"][1]["on"] = json!({ "agent_answer": "after" });
    let mut h = Host::start(doc.clone());
    h.run();
    h.answer(Input::AgentAnswered {
        agent: AgentId::from_u128(1),
    });
    assert_eq!(h.at(), "after");
    doc["blocks"][1]["on"] = json!({});
    let mut h = Host::start(doc);
    h.run();
    h.answer(Input::AgentAnswered {
        agent: AgentId::from_u128(1),
    });
    assert_eq!(h.at(), "oops");
}

#[test]
fn enqueue_without_any_queue_fails() {
    let doc = single("enqueue", json!({}), &["error"]);
    let mut h = Host::start(doc);
    h.run();
    assert_eq!(h.at(), "to_error");
    assert!(h.attr("error.message").unwrap().contains("no queue"));
}

#[test]
fn a_priority_expression_that_is_not_a_number_fails_the_block() {
    let doc = single(
        "set_queue",
        json!({ "priority": "\"high\"" }),
        &["success", "error"],
    );
    let mut h = Host::start(doc);
    h.run();
    assert_eq!(h.at(), "to_error");
}

#[test]
fn enqueue_passes_the_treatment_to_the_host() {
    let params = json!({ "queue": "support", "max_wait_secs": 30, "treatment": {
        "music_on_hold": "hold-music", "announce_every_secs": 45, "announce_position": true,
        "announce_ewt": true, "callback_offer": true, "break_out_key": "#" } });
    let doc = single("enqueue", params, &["timeout", "callback", "break_out"]);
    let mut h = Host::start(doc);
    h.run();
    let step = h.session.poll();
    assert_eq!(step, sb_flow::Step::Waiting);
    let mut s = sb_flow::Session::new(
        program(single(
            "enqueue",
            json!({ "queue": "support", "treatment": {
        "music_on_hold": "hold-music", "announce_every_secs": 45, "announce_position": true,
        "announce_ewt": true, "break_out_key": "#" } }),
            &["break_out"],
        )),
        Start::at(MONDAY_10H_PARIS),
    );
    let sb_flow::Step::Await(sb_flow::Action::Enqueue { treatment, .. }) = s.poll() else {
        panic!()
    };
    assert_eq!(treatment.music_on_hold.as_deref(), Some("hold-music"));
    assert_eq!(
        treatment.announce_every,
        Some(std::time::Duration::from_secs(45))
    );
    assert!(treatment.announce_position && treatment.announce_ewt && !treatment.callback_offer);
    assert_eq!(treatment.break_out_key, Some('#'));
}

// ---- transfer and dial ----

#[test]
fn transfer_to_an_agent_ends_the_flow_when_connected() {
    let mut h = Host::start(single(
        "transfer",
        json!({ "to": { "agent": "alice" } }),
        &[],
    ));
    assert_eq!(h.run(), ["await transfer agent alice"]);
    h.answer(Input::Done);
    assert_eq!(h.finish, Some(Finish::Transferred));
}

#[test]
fn transfer_to_a_number_renders_it_and_handles_busy_and_no_answer() {
    let doc = single(
        "transfer",
        json!({ "to": { "number": "+44{{ attrs.ext }}" }, "timeout_secs": 20 }),
        &["busy", "no_answer"],
    );
    let start = || Start::at(MONDAY_10H_PARIS).attr("ext", 2000);
    let mut h = Host::new(program(doc.clone()), start());
    assert_eq!(h.run(), ["await transfer number +442000"]);
    h.answer(Input::Busy);
    assert_eq!(h.at(), "to_busy");
    let mut h = Host::new(program(doc), start());
    h.run();
    h.advance(20_000);
    assert_eq!(h.at(), "to_no_answer");
}

#[test]
fn transfer_to_a_queue_and_dial_take_success() {
    let mut h = Host::start(single(
        "transfer",
        json!({ "to": { "queue": "support" } }),
        &["success"],
    ));
    assert_eq!(h.run(), ["await transfer queue support"]);
    h.answer(Input::Done);
    assert_eq!(h.at(), "to_success");
    let mut h = Host::start(single(
        "dial",
        json!({ "number": "+331", "caller_id": "{{ attrs.caller }}" }),
        &["success"],
    ));
    assert_eq!(h.run(), ["await dial +331"]);
    h.answer(Input::Done);
    assert_eq!(h.at(), "to_success");
}

#[test]
fn dial_without_a_busy_transition_takes_error() {
    let mut h = Host::start(single(
        "dial",
        json!({ "number": "+331" }),
        &["success", "error"],
    ));
    h.run();
    h.answer(Input::Busy);
    assert_eq!(h.at(), "to_error");
    assert_eq!(
        h.attr("error.message").as_deref(),
        Some("no `busy` transition")
    );
}

// ---- voicemail ----

#[test]
fn voicemail_greets_records_and_stores_the_recording() {
    let params = json!({ "say": tts("Leave a message"), "max_len_secs": 60, "mailbox": "sales" });
    let mut h = Host::start(single("voicemail", params, &["success"]));
    assert_eq!(h.run(), ["await play tts \"Leave a message\""]);
    assert_eq!(h.answer(Input::Done), ["await record"]);
    let out = h.answer(Input::Recorded {
        recording: "vm-1".into(),
        duration_ms: 4200,
    });
    assert_eq!(
        out,
        [
            "do set_attr voicemail.recording = vm-1",
            "do set_attr voicemail.duration_ms = 4200",
            "do end"
        ]
    );
    assert_eq!(h.at(), "to_success");
}

#[test]
fn voicemail_without_greeting_records_at_once_and_silence_falls_back_to_success() {
    let mut h = Host::start(single("voicemail", json!({}), &["success"]));
    let mut s = sb_flow::Session::new(
        program(single("voicemail", json!({}), &["success"])),
        Start::default(),
    );
    let sb_flow::Step::Await(sb_flow::Action::Record {
        max_len,
        beep,
        silence_end,
        mailbox,
    }) = s.poll()
    else {
        panic!()
    };
    assert_eq!(
        (max_len.as_secs(), beep, silence_end.as_secs(), mailbox),
        (120, true, 5, None)
    );
    assert_eq!(h.run(), ["await record"]);
    h.answer(Input::NoInput);
    assert_eq!(h.at(), "to_success");
}

// ---- attributes, branch, distribute, loop ----

#[test]
fn set_attributes_runs_in_order_and_marks_screen_pop() {
    let params = json!({ "set": [
        { "name": "n", "value": "40 + 2" },
        { "name": "label", "value": "`n=${attrs.n}`", "screen_pop": true },
        { "name": "half", "value": "attrs.n / 4.0" },
    ] });
    let mut h = Host::start(single("set_attributes", params, &["success"]));
    assert_eq!(
        h.run(),
        [
            "do set_attr n = 42",
            "do set_attr label = n=42",
            "do set_attr half = 10.5",
            "do end"
        ]
    );
    assert_eq!(h.session.screen_pop().len(), 1);
}

#[test]
fn branch_takes_the_first_true_case_else_default() {
    let params = json!({ "cases": [
        { "when": "attrs.score > 90", "then": "gold" },
        { "when": "attrs.score > 50", "then": "silver" },
    ] });
    let doc = single("branch", params, &["gold", "silver", "default"]);
    for (score, expected) in [(95, "to_gold"), (60, "to_silver"), (10, "to_default")] {
        let mut h = Host::new(program(doc.clone()), Start::default().attr("score", score));
        h.run();
        assert_eq!(h.at(), expected, "score {score}");
    }
}

#[test]
fn branch_condition_that_fails_takes_error() {
    let params = json!({ "cases": [{ "when": "attrs.score.len() > 90", "then": "gold" }] });
    let mut h = Host::start(single("branch", params, &["gold", "default", "error"]));
    h.run();
    assert_eq!(h.at(), "to_error");
}

#[test]
fn distribute_is_deterministic_for_a_seed_and_follows_the_weights() {
    let doc = single(
        "distribute",
        json!({ "weights": { "a": 70, "b": 30 } }),
        &["a", "b"],
    );
    let p = program(doc);
    let run = |seed| {
        let mut h = Host::new(p.clone(), Start::default().seed(seed));
        h.run();
        h.at().to_owned()
    };
    assert_eq!(run(1234), run(1234));
    let a = (0..2000).filter(|s| run(*s) == "to_a").count();
    assert!((1300..1500).contains(&a), "{a} of 2000 went to a");
}

#[test]
fn loop_runs_its_body_n_times_then_resets() {
    let doc = json!({
        "start": "l",
        "blocks": [
            { "id": "l", "type": "loop", "params": { "counter": "i", "times": 3 },
              "transitions": { "body": "say", "done": "bye" } },
            { "id": "say", "type": "play", "params": { "say": tts("pass {{ attrs.i }}") },
              "transitions": { "success": "l" } },
            { "id": "bye", "type": "hangup" }
        ]
    });
    let mut h = Host::start(doc);
    assert_eq!(h.run(), ["await play tts \"pass 1\""]);
    assert_eq!(h.answer(Input::Done), ["await play tts \"pass 2\""]);
    assert_eq!(h.answer(Input::Done), ["await play tts \"pass 3\""]);
    assert_eq!(h.answer(Input::Done), ["do hangup"]);
    assert_eq!(h.attr("i").as_deref(), Some("0"));
}

// ---- http and messages ----

fn http(extra: serde_json::Value, outcomes: &[&str]) -> serde_json::Value {
    let mut params = json!({
        "method": "post",
        "url": "https://crm.invalid/c/{{ attrs.caller }}",
        "headers": { "x-token": "t-{{ attrs.caller | length }}" },
        "body": "{\"from\": \"{{ attrs.caller }}\"}",
        "timeout_secs": 3,
        "map": { "name": "/customer/name", "tier": "/customer/tier", "missing": "/nope" },
        "screen_pop": ["name"],
    });
    if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    single("http", params, outcomes)
}

#[test]
fn http_request_is_rendered_and_its_json_mapped_into_attributes() {
    let mut h = Host::start(http(json!({}), &["success", "error"]));
    let mut s = sb_flow::Session::new(
        program(http(json!({}), &["success"])),
        Start::default().attr("caller", "+33"),
    );
    let sb_flow::Step::Await(sb_flow::Action::HttpRequest {
        method,
        url,
        headers,
        body,
        timeout,
    }) = s.poll()
    else {
        panic!()
    };
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "https://crm.invalid/c/+33")
    );
    assert_eq!(headers, [("x-token".to_owned(), "t-3".to_owned())]);
    assert_eq!(body.as_deref(), Some("{\"from\": \"+33\"}"));
    assert_eq!(timeout.as_secs(), 3);
    h.run();
    let out = h.answer(Input::Http {
        status: 200,
        body: r#"{"customer": {"name": "Ada", "tier": 2}}"#.into(),
    });
    assert_eq!(
        out,
        ["do set_attr name = Ada", "do set_attr tier = 2", "do end"]
    );
    assert_eq!(h.attr("http.status").as_deref(), Some("200"));
    assert_eq!(h.attr("missing"), None);
    assert_eq!(h.session.screen_pop().keys().collect::<Vec<_>>(), ["name"]);
}

#[test]
fn http_errors_take_the_error_transition() {
    for answer in [
        Input::Http {
            status: 503,
            body: String::new(),
        },
        Input::Http {
            status: 200,
            body: "not json".into(),
        },
        Input::Failed("dns".into()),
    ] {
        let mut h = Host::start(http(json!({}), &["success", "error"]));
        h.run();
        h.answer(answer.clone());
        assert_eq!(h.at(), "to_error", "{answer:?}");
    }
}

#[test]
fn http_timeout_takes_timeout_at_the_deadline() {
    let mut h = Host::start(http(json!({}), &["success", "timeout"]));
    h.run();
    assert!(h.advance(2_999).is_empty());
    h.advance(1);
    assert_eq!(h.at(), "to_timeout");
}

#[test]
fn http_answer_over_the_size_limit_takes_error() {
    let limits = Limits {
        http_body_len: 10,
        ..Limits::default()
    };
    let mut h = Host::new(
        program_with(http(json!({}), &["success", "error"]), &limits),
        Start::default(),
    );
    h.run();
    h.answer(Input::Http {
        status: 200,
        body: r#"{"customer": {}}"#.into(),
    });
    assert_eq!(h.at(), "to_error");
}

#[test]
fn http_url_must_render_to_http() {
    let mut h = Host::start(http(
        json!({ "url": "{{ attrs.caller }}" }),
        &["success", "error"],
    ));
    h.run();
    assert_eq!(h.at(), "to_error");
}

#[test]
fn send_message_renders_sms_and_email() {
    let doc = single(
        "send_message",
        json!({ "channel": "email", "to": "{{ attrs.mail }}", "subject": "Hi {{ attrs.name }}", "body": "b",
                "from": " sales@x.example " }),
        &["success", "error"],
    );
    let p = program(doc);
    let mut s = sb_flow::Session::new(
        p.clone(),
        Start::default().attr("mail", "a@b.c").attr("name", "Ada"),
    );
    let sb_flow::Step::Await(sb_flow::Action::SendMessage {
        channel,
        from,
        to,
        subject,
        body,
    }) = s.poll()
    else {
        panic!()
    };
    assert_eq!(
        (channel, to.as_str(), subject.as_deref(), body.as_str()),
        (sb_flow::MessageChannel::Email, "a@b.c", Some("Hi Ada"), "b")
    );
    assert_eq!(from.as_deref(), Some("sales@x.example"));
    let mut h = Host::new(p.clone(), Start::default());
    h.run();
    h.answer(Input::Done);
    assert_eq!(h.at(), "to_success");
    let mut h = Host::new(p, Start::default());
    h.run();
    h.answer(Input::Failed("smtp down".into()));
    assert_eq!(h.at(), "to_error");
}

// ---- events ----

fn hangup_flow(block_handler: Option<&str>, doc_handler: Option<&str>) -> serde_json::Value {
    let mut doc = json!({
        "start": "p",
        "blocks": [
            { "id": "p", "type": "play", "params": { "say": tts("hi") }, "transitions": { "success": "x", "error": "log" } },
            { "id": "x", "type": "end" },
            { "id": "log", "type": "set_attributes", "params": { "set": [{ "name": "gone", "value": "true" }] },
              "transitions": { "success": "more" } },
            { "id": "more", "type": "play", "params": { "say": tts("nobody hears this") },
              "transitions": { "success": "x", "error": "doc_log" } },
            { "id": "doc_log", "type": "end" }
        ]
    });
    if let Some(h) = block_handler {
        doc["blocks"][0]["on"] = json!({ "hangup": h });
    }
    if let Some(h) = doc_handler {
        doc["on"] = json!({ "hangup": h });
    }
    doc
}

#[test]
fn caller_hang_up_runs_the_blocks_handler_until_a_block_needs_the_caller() {
    let mut h = Host::start(hangup_flow(Some("log"), Some("doc_log")));
    h.run();
    assert_eq!(h.answer(Input::Hangup), ["do set_attr gone = true"]);
    assert_eq!(h.finish, Some(Finish::CallerHungUp));
    assert_eq!(h.session.path(), ["p", "log", "more"]);
}

#[test]
fn caller_hang_up_falls_back_to_the_document_handler_then_to_the_end() {
    let mut h = Host::start(hangup_flow(None, Some("doc_log")));
    h.run();
    assert_eq!(h.answer(Input::Hangup), ["do end"]);
    assert_eq!(h.at(), "doc_log");
    let mut h = Host::start(hangup_flow(None, None));
    h.run();
    h.answer(Input::Hangup);
    assert_eq!(h.finish, Some(Finish::CallerHungUp));
}

#[test]
fn answers_after_the_end_or_of_the_wrong_kind_are_refused() {
    let mut h = Host::start(single("play", json!({ "say": tts("x") }), &["success"]));
    h.run();
    let err = h
        .session
        .handle(h.now, Input::Digits("1".into()))
        .unwrap_err();
    assert_eq!(
        err,
        FlowError::UnexpectedInput {
            waiting: "play",
            got: "digits"
        }
    );
    assert_eq!(h.session.poll(), sb_flow::Step::Waiting);
    h.answer(Input::Done);
    assert!(h.session.is_finished());
    let err = h.session.handle(h.now, Input::Done).unwrap_err();
    assert_eq!(err, FlowError::NotWaiting { got: "done" });
}

// ---- limits ----

#[test]
fn a_flow_looping_without_input_ends_on_the_step_budget() {
    let doc = json!({
        "start": "a",
        "blocks": [
            { "id": "a", "type": "branch", "params": { "cases": [] }, "transitions": { "default": "b" } },
            { "id": "b", "type": "set_attributes", "params": { "set": [] }, "transitions": { "success": "a" } }
        ]
    });
    let mut h = Host::start(doc);
    h.run();
    assert!(matches!(h.finish, Some(Finish::StepBudget { .. })));
    assert_eq!(h.session.steps(), Limits::default().max_steps_without_input);
}

#[test]
fn a_flow_looping_through_prompts_ends_on_the_total_budget() {
    let doc = json!({
        "start": "a",
        "blocks": [{ "id": "a", "type": "play", "params": { "say": tts("again") }, "transitions": { "success": "a" } }]
    });
    let limits = Limits {
        max_steps: 50,
        ..Limits::default()
    };
    let mut h = Host::new(program_with(doc, &limits), Start::default());
    h.run();
    let mut answers = 0;
    while !h.session.is_finished() {
        h.answer(Input::Done);
        answers += 1;
    }
    assert_eq!(answers, 50);
    assert_eq!(h.finish, Some(Finish::StepBudget { block: "a".into() }));
}

fn hostile_set(expr: &str) -> Host {
    let params =
        json!({ "set": [{ "name": "before", "value": "1" }, { "name": "x", "value": expr }] });
    let mut h = Host::start(single("set_attributes", params, &["success", "error"]));
    h.run();
    h
}

#[test]
fn hostile_expressions_end_the_block_with_its_error_transition() {
    for hostile in [
        "loop {}",
        "let s = \"x\"; loop { s += s; }",
        "let a = []; loop { a.push(a.len()); }",
        "fn f(n) { f(n + 1) } f(0)",
        "let m = #{}; let i = 0; loop { m[`k${i}`] = i; i += 1; }",
        "\"x\".pad(100000000, \"y\")",
        "[].pad(100000000, 0)",
        "let s = \"ab\"; for i in 0..40 { s = s + s; } s",
        "[1, 2, 3]",
    ] {
        let h = hostile_set(hostile);
        assert_eq!(h.at(), "to_error", "{hostile}");
        assert_eq!(h.attr("before").as_deref(), Some("1"), "{hostile}");
        assert!(
            h.attr("error.message").unwrap().starts_with("x: "),
            "{hostile}"
        );
    }
}

#[test]
fn hostile_branch_condition_takes_error() {
    let params = json!({ "cases": [{ "when": "while true {}; true", "then": "t" }] });
    let mut h = Host::start(single("branch", params, &["t", "default", "error"]));
    h.run();
    assert_eq!(h.at(), "to_error");
}

#[test]
fn templates_that_run_out_of_fuel_or_size_take_error() {
    let big = "y".repeat(16 * 1024);
    let chain = vec!["attrs.big"; 100].join(" ~ ");
    let doc = single(
        "play",
        json!({ "say": tts(&format!("{{{{ {chain} }}}}")) }),
        &["success", "error"],
    );
    let mut h = Host::new(program(doc), Start::default().attr("big", big.as_str()));
    h.run();
    assert_eq!(h.at(), "to_error");
    let limits = Limits {
        template_fuel: 5,
        ..Limits::default()
    };
    let doc = single(
        "play",
        json!({ "say": tts("{% if attrs.a %}{{ attrs.a ~ attrs.a ~ attrs.a ~ attrs.a }}{% endif %}") }),
        &["success", "error"],
    );
    let mut h = Host::new(program_with(doc, &limits), Start::default().attr("a", "z"));
    h.run();
    assert_eq!(h.at(), "to_error");
    assert!(
        h.attr("error.message").unwrap().contains("fuel"),
        "{:?}",
        h.attr("error.message")
    );
}
