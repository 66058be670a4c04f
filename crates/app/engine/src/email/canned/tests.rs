use super::*;
use sb_types::{TenantId, Timestamp};

fn variables() -> CannedVariables {
    CannedVariables {
        customer: "jane@example.com".into(),
        customer_name: "Jane O'Brien <VIP>".into(),
        agent_name: "Sam".into(),
        subject: "Order 1234".into(),
        token: "SB-7K3M9Q2T".into(),
        queue: "support".into(),
    }
}

fn response(subject: Option<&str>, body: &str) -> CannedResponse {
    CannedResponse {
        id: uuid::Uuid::from_u128(1),
        tenant_id: TenantId::from_u128(1),
        name: "greeting".into(),
        subject: subject.map(str::to_owned),
        body: body.into(),
        updated_at: Timestamp::from_millis(0),
    }
}

fn spec(subject: Option<&str>, body: &str) -> CannedResponseSpec {
    CannedResponseSpec {
        name: "greeting".into(),
        subject: subject.map(str::to_owned),
        body: body.into(),
    }
}

fn rendered(subject: Option<&str>, body: &str) -> Result<RenderedResponse, CannedResponseError> {
    render_canned_response(&response(subject, body), &variables())
}

/// The error's field and reason, or a panic when it is not `want` (template or render).
#[track_caller]
fn refused(
    got: Result<impl std::fmt::Debug, CannedResponseError>,
    template: bool,
) -> (&'static str, String) {
    match got {
        Err(CannedResponseError::Template {
            name,
            field,
            reason,
        }) if template => {
            assert_eq!(name, "greeting");
            (field, reason)
        }
        Err(CannedResponseError::Render {
            name,
            field,
            reason,
        }) if !template => {
            assert_eq!(name, "greeting");
            (field, reason)
        }
        other => panic!(
            "expected a {} error, got {other:?}",
            ["render", "template"][usize::from(template)]
        ),
    }
}

#[test]
fn every_variable_is_filled_in_as_plain_text() {
    let body = "Dear {{ customer_name }} ({{ customer }}),\n\
                re: {{ subject }} [{{ token }}] in {{ queue | upper }}.\n\
                {% if customer_name %}Kind regards{% else %}Regards{% endif %}, {{ agent_name }}\n";
    let got = rendered(Some("Re: {{ subject }} {{ token }}"), body).expect("render");
    assert_eq!(
        got.body,
        "Dear Jane O'Brien <VIP> (jane@example.com),\n\
         re: Order 1234 [SB-7K3M9Q2T] in SUPPORT.\n\
         Kind regards, Sam"
    );
    assert_eq!(got.subject.as_deref(), Some("Re: Order 1234 SB-7K3M9Q2T"));
    assert_eq!(
        check_canned_response(&spec(Some("Re: {{ subject }}"), body)),
        Ok(())
    );
}

#[test]
fn variables_come_from_the_conversation_and_the_agent() {
    let conversation: Conversation = serde_json::from_value(serde_json::json!({
        "id": uuid::Uuid::from_u128(2), "tenant_id": uuid::Uuid::from_u128(1),
        "channel_id": uuid::Uuid::from_u128(3), "kind": "email",
        "customer": "jane@example.com", "customer_name": "", "subject": "Order 1234",
        "token": "SB-7K3M9Q2T", "state": "open", "queue_id": null, "agent_id": null,
        "created_at": 0, "updated_at": 0, "message_count": 1
    }))
    .expect("conversation");
    let v = CannedVariables::of(&conversation, "Sam", None);
    let want = CannedVariables {
        customer_name: String::new(),
        queue: String::new(),
        ..variables()
    };
    assert_eq!(v, want);
    let got = render_canned_response(
        &response(
            None,
            "{% if customer_name %}Dear {{ customer_name }}{% else %}Hello{% endif %}",
        ),
        &v,
    );
    assert_eq!(got.expect("render").body, "Hello");
}

#[test]
fn a_response_without_a_subject_or_with_a_blank_one_keeps_the_conversations() {
    assert_eq!(rendered(None, "Hi").expect("render").subject, None);
    let blank = rendered(Some("{% if 0 %}x{% endif %} "), "Hi").expect("render");
    assert_eq!(blank.subject, None);
}

#[test]
fn an_unknown_variable_is_an_error_when_saved_and_when_filled_in() {
    let (field, reason) = refused(
        check_canned_response(&spec(None, "Hi {{ agnet_name }}")),
        true,
    );
    assert_eq!(field, "body");
    assert!(
        reason.contains("`agnet_name`") && reason.contains("agent_name"),
        "{reason}"
    );
    let (field, _) = refused(check_canned_response(&spec(Some("{{ nope }}"), "Hi")), true);
    assert_eq!(field, "subject");
    let (field, reason) = refused(rendered(None, "Hi {{ agnet_name }}"), false);
    assert_eq!(field, "body");
    assert!(reason.contains("undefined"), "{reason}");
}

#[test]
fn a_syntax_error_or_an_unknown_filter_is_refused_when_saved() {
    let (field, reason) = refused(check_canned_response(&spec(None, "Hi\n{{ customer ")), true);
    assert_eq!(field, "body");
    assert!(reason.contains("never closed"), "{reason}");
    let (_, reason) = refused(
        check_canned_response(&spec(None, "{% if %}x{% endif %}")),
        true,
    );
    assert!(reason.contains("syntax error"), "{reason}");
    let (_, reason) = refused(
        check_canned_response(&spec(None, "{{ customer | shout }}")),
        true,
    );
    assert!(reason.contains("shout"), "{reason}");
}

#[test]
fn a_loop_is_refused_before_it_runs() {
    let hostile = "{% for i in range(100000000) %}{{ customer }}{% endfor %}";
    let (field, reason) = refused(check_canned_response(&spec(None, hostile)), true);
    assert_eq!(field, "body");
    assert!(reason.contains("`for`"), "{reason}");
    let (_, reason) = refused(rendered(None, hostile), false);
    assert!(reason.contains("`for`"), "{reason}");
    let error = rendered(None, "{% set a = subject ~ subject %}{{ a }}").expect_err("set");
    assert!(
        error
            .to_string()
            .starts_with("canned response \"greeting\""),
        "{error}"
    );
    assert!(rendered(None, "{{ subject * 100000000 }}").is_err());
}

#[test]
fn a_runaway_template_is_stopped_by_fuel() {
    let runaway = "{{ token }} ".repeat(60_000);
    let (field, reason) = refused(rendered(None, &runaway), false);
    assert_eq!(field, "body");
    assert!(reason.contains("fuel"), "{reason}");
    let (_, reason) = refused(rendered(Some(&runaway), "Hi"), false);
    assert!(reason.contains("fuel"), "{reason}");
}

#[test]
fn a_rendering_longer_than_the_limit_is_refused() {
    let mut v = variables();
    v.customer_name = "n".repeat(MAX_RENDERED_BYTES / 2);
    let twice = response(None, "{{ customer_name }}{{ customer_name }}");
    assert!(
        render_canned_response(&twice, &v).is_ok(),
        "exactly the limit"
    );
    let thrice = response(None, "{{ customer_name }}{{ customer_name }}!");
    let (field, reason) = refused(render_canned_response(&thrice, &v), false);
    assert_eq!(field, "body");
    assert!(reason.contains("at most 65536"), "{reason}");
}

#[test]
fn a_subject_that_renders_a_line_break_is_refused() {
    let header_injection = "Hi{{ '\\r\\nBcc: x@evil.example' }}";
    let (field, reason) = refused(rendered(Some(header_injection), "Hi"), false);
    assert_eq!(field, "subject");
    assert!(reason.contains("line break"), "{reason}");
    let (field, _) = refused(
        check_canned_response(&spec(Some(header_injection), "Hi")),
        true,
    );
    assert_eq!(field, "subject");
}
