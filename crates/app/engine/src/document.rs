//! Domain validation of a tenant configuration document.

use crate::trunks::TrunkSettings;
use crate::{Names, flow_catalog, queue_config};
use sb_sip_dialog::trunk::inbound::{TrunkMatcher, TrunkSource};
use sb_store::TenantDocument;
use std::fmt;

/// One problem in a document, with the path of the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Field path such as `flows[0].document/blocks/2/params/queue`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Seals the passwords of the document's email channels with the node's key, so a document
/// never puts a password in the database in clear (call after [`validate_document`]).
pub fn seal_channel_passwords(doc: &mut TenantDocument, secrets: &sb_email::SecretKey) {
    for c in doc.channels.iter_mut() {
        if c.kind == sb_types::Channel::Email
            && let Ok(sealed) = crate::email::channel_settings(&c.settings, secrets)
        {
            c.settings = sealed;
        }
    }
}

/// Every domain problem of `doc` (empty when it may be imported). `known` holds the names that
/// already exist in the tenant (the document may refer to them without redefining them).
pub fn validate_document(doc: &TenantDocument, known: Names) -> Vec<Problem> {
    let names = known.with_document_names(doc);
    let mut out = Vec::new();
    if let Some(settings) = doc.tenant.settings.as_ref().filter(|s| !s.is_null())
        && let Err((field, message)) = crate::TenantSettings::parse(settings)
    {
        let field = if field.is_empty() {
            "tenant.settings".to_owned()
        } else {
            format!("tenant.settings.{field}")
        };
        out.push(Problem { field, message });
    }
    for (i, q) in doc.queues.iter().enumerate() {
        let id = names
            .queues
            .get(&q.name)
            .copied()
            .unwrap_or(sb_types::QueueId::from_u128(0));
        if let Err((field, message)) = queue_config(id, &q.name, q.channel, &q.settings, &names) {
            let field = if field.is_empty() {
                format!("queues[{i}].settings")
            } else {
                format!("queues[{i}].settings.{field}")
            };
            out.push(Problem { field, message });
        }
    }
    for (i, c) in doc.channels.iter().enumerate() {
        if c.kind != sb_types::Channel::Email {
            continue;
        }
        if let Err(problems) = sb_email::EmailChannelSettings::from_json(&c.settings) {
            out.extend(problems.into_iter().map(|p| Problem {
                field: format!("channels[{i}].settings.{}", p.field),
                message: p.message,
            }));
        }
    }
    let catalog = flow_catalog(&names);
    for (i, f) in doc.flows.iter().enumerate() {
        let parsed = serde_json::from_value::<sb_flow::Document>(f.document.clone());
        let result = match parsed {
            Ok(flow) => sb_flow::compile(&flow, &catalog).map(|_| ()),
            Err(e) => Err(vec![sb_flow::Diagnostic {
                block: None,
                path: String::new(),
                kind: sb_flow::DiagnosticKind::BadDocument,
                message: e.to_string(),
            }]),
        };
        for d in result.err().into_iter().flatten() {
            out.push(Problem {
                field: format!("flows[{i}].document{}", d.path),
                message: d.to_string(),
            });
        }
    }
    out.extend(trunk_problems(doc));
    out.extend(canned_problems(doc));
    out
}

/// Canned responses whose templates an admin could not save through the API either.
fn canned_problems(doc: &TenantDocument) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, r) in doc.canned_responses.iter().enumerate() {
        let spec = sb_store::CannedResponseSpec {
            name: r.name.clone(),
            subject: r.subject.clone(),
            body: r.body.clone(),
        };
        if let Err(e) = crate::email::check_canned_response(&spec) {
            out.push(Problem {
                field: format!("canned_responses[{i}].{}", e.field()),
                message: e.to_string(),
            });
        }
    }
    out
}

/// Trunk settings that do not check, and trunks that claim the same network.
fn trunk_problems(doc: &TenantDocument) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut sources = Vec::new();
    for (i, t) in doc.trunks.iter().enumerate() {
        match TrunkSettings::plan(&t.settings) {
            Ok(plan) => sources.push(TrunkSource {
                tenant: sb_types::TenantId::from_u128(0),
                trunk: sb_types::TrunkId::from_u128(i as u128),
                sources: plan.sources,
                numbers: Vec::new(),
                national: None,
            }),
            Err((field, message)) => out.push(Problem {
                field: if field.is_empty() {
                    format!("trunks[{i}].settings")
                } else {
                    format!("trunks[{i}].settings.{field}")
                },
                message,
            }),
        }
    }
    if let Err(e @ sb_sip_dialog::Error::AmbiguousTrunk { .. }) =
        TrunkMatcher::new(sources, Vec::new())
    {
        out.push(Problem {
            field: "trunks".into(),
            message: e.to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> TenantDocument {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../examples/demo.yaml"
        ))
        .unwrap();
        serde_yaml_ng::from_str(&text).unwrap()
    }

    #[test]
    fn the_demo_document_is_valid() {
        assert_eq!(validate_document(&demo(), Names::default()), vec![]);
    }

    #[test]
    fn a_canned_response_with_a_loop_or_an_unknown_variable_is_refused_with_its_path() {
        let mut doc = demo();
        let canned = |name: &str, body: &str| sb_store::CannedResponseDoc {
            name: name.into(),
            subject: None,
            body: body.into(),
        };
        doc.canned_responses = vec![
            canned("fine", "Dear {{ customer_name }},"),
            canned("looping", "{% for i in range(9) %}x{% endfor %}"),
            canned("unknown", "{{ password }}"),
        ];
        let problems = validate_document(&doc, Names::default());
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["canned_responses[1].body", "canned_responses[2].body"],
            "{problems:?}"
        );
    }

    #[test]
    fn tenant_settings_with_a_bad_reason_code_are_refused_with_its_path() {
        let mut doc = demo();
        doc.tenant.settings = Some(serde_json::json!({"reason_codes": ["lunch", "Lunch!"]}));
        let problems = validate_document(&doc, Names::default());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "tenant.settings.reason_codes[1]");
        doc.tenant.settings = Some(serde_json::json!({"reason_codes": ["lunch", "coaching"]}));
        assert_eq!(validate_document(&doc, Names::default()), vec![]);
    }

    #[test]
    fn a_flow_that_names_an_unknown_queue_is_refused_with_its_path() {
        let mut doc = demo();
        let text = doc.flows[0]
            .document
            .to_string()
            .replace("\"support\"", "\"nowhere\"");
        doc.flows[0].document = serde_json::from_str(&text).unwrap();
        let problems = validate_document(&doc, Names::default());
        assert!(
            problems
                .iter()
                .any(|p| p.field.starts_with("flows[0].document") && p.message.contains("nowhere")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_queue_may_refer_to_a_skill_that_exists_only_in_the_tenant() {
        let mut doc = demo();
        doc.skills.retain(|s| s != "english");
        for u in &mut doc.users {
            u.skills.retain(|s| s.skill != "english");
        }
        assert!(!validate_document(&doc, Names::default()).is_empty());
        let mut known = Names::default();
        known
            .skills
            .insert("english".into(), sb_types::SkillId::from_u128(99));
        assert_eq!(validate_document(&doc, known), vec![]);
    }

    #[test]
    fn bad_queue_settings_are_refused_with_their_path() {
        let mut doc = demo();
        doc.queues[0].settings["strategy"] = serde_json::json!("coin_toss");
        let problems = validate_document(&doc, Names::default());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "queues[0].settings");
    }
}
