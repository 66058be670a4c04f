//! Queue settings as stored (names) → the ACD's queue configuration (ids).

use crate::Names;
use sb_acd::QueueConfig;
use sb_types::{Channel, QueueId};
use serde_json::{Map, Value};

/// The queue setting (not the ACD's) that records every call answered from the queue.
const RECORD: &str = "record";

/// Whether a queue's stored settings ask for every answered call to be recorded
/// (`"record": true`).
pub fn queue_records(settings: &Value) -> bool {
    settings
        .get(RECORD)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The queue setting listing the disposition codes agents choose from after a call.
const DISPOSITIONS: &str = "dispositions";

/// What agents record after a call from a queue: `"dispositions": {"codes": [...],
/// "required": true}` in its settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dispositions {
    /// The codes offered (lower case letters, digits, `_` and `-`); empty: the defaults.
    #[serde(default)]
    pub codes: Vec<String>,
    /// Whether after-call work cannot end without one.
    #[serde(default)]
    pub required: bool,
}

/// The queue's dispositions setting (the defaults when it has none or it is malformed: the
/// setting is checked when the queue is saved).
pub fn queue_dispositions(settings: &Value) -> Dispositions {
    settings
        .get(DISPOSITIONS)
        .and_then(|v| parse_dispositions(v).ok())
        .unwrap_or_default()
}

fn parse_dispositions(value: &Value) -> Result<Dispositions, String> {
    let d: Dispositions = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    let code_ok = |c: &String| {
        (1..=64).contains(&c.len())
            && c.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "_-".contains(ch))
    };
    if let Some(bad) = d.codes.iter().find(|c| !code_ok(c)) {
        return Err(format!(
            "code {bad:?} must be 1 to 64 lower case letters, digits, '_' or '-'"
        ));
    }
    if d.required && d.codes.is_empty() {
        return Err("a required disposition needs codes to choose from".into());
    }
    Ok(d)
}

/// The queue setting naming a CRM page to open for its calls.
const SCREEN_POP_URL: &str = "screen_pop_url";

/// The queue's screen-pop URL template (`{caller}`, `{number}`, `{queue}` and `{call}` are
/// filled in by the console), if it has a valid one.
pub fn queue_screen_pop_url(settings: &Value) -> Option<String> {
    let url = settings.get(SCREEN_POP_URL)?.as_str()?;
    check_screen_pop_url(url).ok().map(|()| url.to_owned())
}

fn check_screen_pop_url(url: &str) -> Result<(), String> {
    let web = url.starts_with("https://") || url.starts_with("http://");
    if !web || url.len() > 2000 || url.chars().any(char::is_whitespace) {
        return Err("must be an http(s) URL without spaces, at most 2000 characters".into());
    }
    Ok(())
}

/// Builds the ACD configuration of queue `id` from its stored `settings`, in which skills and
/// overflow targets are named. Errors name the settings field at fault.
pub fn queue_config(
    id: QueueId,
    name: &str,
    channel: Channel,
    settings: &Value,
    names: &Names,
) -> Result<QueueConfig, (String, String)> {
    let Value::Object(map) = settings else {
        return Err((String::new(), "must be an object".into()));
    };
    let mut map = map.clone();
    for reserved in ["id", "name", "channel"] {
        if map.contains_key(reserved) {
            return Err((
                reserved.into(),
                "is set by the queue itself, not its settings".into(),
            ));
        }
    }
    match map.remove(RECORD) {
        None | Some(Value::Bool(_)) => {}
        Some(_) => return Err((RECORD.into(), "must be true or false".into())),
    }
    if let Some(d) = map.remove(DISPOSITIONS) {
        parse_dispositions(&d).map_err(|e| (DISPOSITIONS.into(), e))?;
    }
    match map.remove(SCREEN_POP_URL) {
        None => {}
        Some(Value::String(url)) => {
            check_screen_pop_url(&url).map_err(|e| (SCREEN_POP_URL.into(), e))?;
        }
        Some(_) => return Err((SCREEN_POP_URL.into(), "must be a string".into())),
    }
    resolve_skills(&mut map, "skills", names)?;
    resolve_overflow(&mut map, names)?;
    map.insert("id".into(), Value::String(id.to_string()));
    map.insert("name".into(), Value::String(name.to_string()));
    map.insert("channel".into(), Value::String(channel.as_str().into()));
    let config: QueueConfig =
        serde_json::from_value(Value::Object(map)).map_err(|e| (String::new(), e.to_string()))?;
    config
        .validate()
        .map_err(|e| (String::new(), e.to_string()))?;
    Ok(config)
}

fn resolve_skills(
    map: &mut Map<String, Value>,
    key: &str,
    names: &Names,
) -> Result<(), (String, String)> {
    let Some(Value::Array(list)) = map.get_mut(key) else {
        return Ok(());
    };
    for (i, item) in list.iter_mut().enumerate() {
        let Some(Value::String(skill)) = item.get_mut("skill") else {
            continue;
        };
        let id = names.skills.get(skill.as_str()).ok_or_else(|| {
            (
                format!("{key}[{i}].skill"),
                format!("unknown skill {skill:?}"),
            )
        })?;
        *skill = id.to_string();
    }
    Ok(())
}

fn resolve_overflow(map: &mut Map<String, Value>, names: &Names) -> Result<(), (String, String)> {
    let Some(Value::Object(overflow)) = map.get_mut("overflow") else {
        return Ok(());
    };
    if let Some(Value::String(queue)) = overflow.get_mut("queue") {
        let id = names.queues.get(queue.as_str()).ok_or_else(|| {
            (
                "overflow.queue".to_string(),
                format!("unknown queue {queue:?}"),
            )
        })?;
        *queue = id.to_string();
    }
    if let Some(Value::String(flow)) = overflow.get_mut("flow") {
        let id = names.flows.get(flow.as_str()).ok_or_else(|| {
            (
                "overflow.flow".to_string(),
                format!("unknown flow {flow:?}"),
            )
        })?;
        *flow = id.to_string();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names() -> Names {
        let mut n = Names::default();
        n.skills
            .insert("english".into(), sb_types::SkillId::from_u128(7));
        n.queues.insert("sales".into(), QueueId::from_u128(9));
        n
    }

    #[test]
    fn named_skills_and_overflow_become_ids() {
        let settings = json!({
            "service_level_secs": 30,
            "skills": [{"skill": "english", "max_proficiency": 5}],
            "overflow": {"kind": "queue", "queue": "sales"},
            "max_wait_secs": 300
        });
        let cfg = queue_config(
            QueueId::from_u128(1),
            "support",
            Channel::Voice,
            &settings,
            &names(),
        )
        .unwrap();
        assert_eq!(cfg.skills[0].skill, sb_types::SkillId::from_u128(7));
        assert_eq!(cfg.service_level_secs, 30);
        assert_eq!(
            cfg.overflow,
            sb_acd::OverflowTarget::Queue {
                queue: QueueId::from_u128(9)
            }
        );
    }

    #[test]
    fn dispositions_are_checked_when_the_queue_is_configured() {
        let id = QueueId::from_u128(1);
        let config = |d: serde_json::Value| {
            queue_config(
                id,
                "q",
                Channel::Voice,
                &json!({ "dispositions": d }),
                &names(),
            )
        };
        let good = json!({"codes": ["resolved", "follow_up"], "required": true});
        assert!(config(good.clone()).is_ok());
        let read = queue_dispositions(&json!({ "dispositions": good }));
        assert_eq!(read.codes, ["resolved", "follow_up"]);
        assert!(read.required);
        for bad in [
            json!({"codes": ["Resolved!"]}),
            json!({"required": true}),
            json!({"codes": ["ok"], "colour": "red"}),
            json!(["ok"]),
        ] {
            let err = config(bad.clone()).unwrap_err();
            assert_eq!(err.0, "dispositions", "{bad}: {err:?}");
        }
        assert_eq!(queue_dispositions(&json!({})), Dispositions::default());
    }

    #[test]
    fn a_screen_pop_url_must_be_a_web_address() {
        let id = QueueId::from_u128(1);
        let config = |u: serde_json::Value| {
            queue_config(
                id,
                "q",
                Channel::Voice,
                &json!({ "screen_pop_url": u }),
                &names(),
            )
        };
        let good = "https://crm.example.com/search?phone={caller}";
        assert!(config(json!(good)).is_ok());
        assert_eq!(
            queue_screen_pop_url(&json!({ "screen_pop_url": good })).as_deref(),
            Some(good)
        );
        for bad in [json!("javascript:alert(1)"), json!("https://a b"), json!(7)] {
            assert_eq!(
                config(bad.clone()).unwrap_err().0,
                "screen_pop_url",
                "{bad}"
            );
        }
        let stored_bad = json!({ "screen_pop_url": "ftp://x" });
        assert_eq!(queue_screen_pop_url(&stored_bad), None);
    }

    #[test]
    fn the_record_setting_is_ours_not_the_acds_and_must_be_a_boolean() {
        let id = QueueId::from_u128(1);
        let recorded = json!({"record": true});
        assert!(queue_config(id, "q", Channel::Voice, &recorded, &names()).is_ok());
        assert!(queue_records(&recorded));
        assert!(!queue_records(&json!({})));
        let bad = json!({"record": "yes"});
        let err = queue_config(id, "q", Channel::Voice, &bad, &names()).unwrap_err();
        assert_eq!(err.0, "record");
    }

    #[test]
    fn unknown_names_and_bad_values_name_the_field() {
        let bad_skill = json!({"skills": [{"skill": "klingon"}]});
        let err = queue_config(
            QueueId::from_u128(1),
            "q",
            Channel::Voice,
            &bad_skill,
            &names(),
        )
        .unwrap_err();
        assert_eq!(err.0, "skills[0].skill");
        let bad_strategy = json!({"strategy": "coin_toss"});
        let err = queue_config(
            QueueId::from_u128(1),
            "q",
            Channel::Voice,
            &bad_strategy,
            &names(),
        )
        .unwrap_err();
        assert!(err.1.contains("coin_toss"), "{err:?}");
        let reserved = json!({"id": "x"});
        assert_eq!(
            queue_config(
                QueueId::from_u128(1),
                "q",
                Channel::Voice,
                &reserved,
                &names()
            )
            .unwrap_err()
            .0,
            "id"
        );
    }
}
