//! The tenant configuration document: the whole configuration of one tenant as one versionable
//! file (YAML or JSON), for `switchboard import` / `export` and the demo tenant.

use crate::ContactKind;
use ipnet::IpNet;
use sb_types::{Channel, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The format version this build reads and writes.
pub const DOCUMENT_VERSION: u32 = 1;

/// The JSON Schema of [`TenantDocument`] (for editors, `switchboard schema`, docs).
pub fn tenant_document_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(TenantDocument)).unwrap_or(Value::Null)
}

fn version_default() -> u32 {
    DOCUMENT_VERSION
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One tenant's configuration. Sections may be omitted; objects are matched by name on import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantDocument {
    /// Format version; only `1` exists.
    #[serde(default = "version_default")]
    pub version: u32,
    /// The tenant itself.
    pub tenant: TenantSection,
    /// Skill names.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Teams and their members.
    #[serde(default)]
    pub teams: Vec<TeamDoc>,
    /// Users (admins, supervisors, agents).
    #[serde(default)]
    pub users: Vec<UserDoc>,
    /// ACD queues.
    #[serde(default)]
    pub queues: Vec<QueueDoc>,
    /// Phone numbers, addresses and chat windows that start flows.
    #[serde(default)]
    pub points_of_contact: Vec<PointOfContactDoc>,
    /// Routing flows.
    #[serde(default)]
    pub flows: Vec<FlowDoc>,
    /// SIP trunks.
    #[serde(default)]
    pub trunks: Vec<TrunkDoc>,
    /// Channel accounts (mailboxes, chat widgets, SMS accounts).
    #[serde(default)]
    pub channels: Vec<ChannelDoc>,
    /// Canned responses of the email channel; those absent from the document are left alone.
    #[serde(default)]
    pub canned_responses: Vec<CannedResponseDoc>,
}

/// The tenant's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantSection {
    /// Slug `[a-z0-9-]{1,63}`; identifies the tenant on import.
    pub name: String,
    /// Human name.
    #[serde(default)]
    pub display_name: String,
    /// Cluster name, e.g. `C14`.
    pub cluster: String,
    /// Networks allowed to use the consoles and the API, e.g. `203.0.113.0/24`; empty allows all.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub ip_allowlist: Vec<IpNet>,
    /// The tenant's settings (reason codes…), a JSON object of at most 64 KiB: replaces the
    /// stored settings on import. Absent, the stored settings are kept; `{}` clears them. Export
    /// omits it when the tenant has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Map<String, Value>>")]
    pub settings: Option<Value>,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamDoc {
    /// Unique name.
    pub name: String,
    /// User names of the members (in this document or already in the tenant).
    #[serde(default)]
    pub members: Vec<String>,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserDoc {
    /// Unique user name; an agent's SIP user name.
    pub username: String,
    /// Human name.
    #[serde(default)]
    pub display_name: String,
    /// admin, supervisor or agent.
    pub role: Role,
    /// Skills with proficiency; replaces the user's skills on import.
    #[serde(default)]
    pub skills: Vec<UserSkillDoc>,
    /// Argon2id PHC string. When absent on import, an existing user's hash is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// A disabled user cannot log in.
    #[serde(default, skip_serializing_if = "is_false")]
    pub disabled: bool,
}

/// A skill of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserSkillDoc {
    /// The skill's name (in this document or already in the tenant).
    pub skill: String,
    /// 1 (best) to 10, as the ACD reads it: a requirement "≤ 5" takes levels 1 to 5.
    pub proficiency: u8,
}

/// A queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueDoc {
    /// Unique name.
    pub name: String,
    /// voice, email, chat or sms.
    pub channel: Channel,
    /// The ACD's queue settings.
    #[serde(default = "empty_object")]
    pub settings: Value,
}

/// A point of contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PointOfContactDoc {
    /// phone, email, chat or sms.
    pub kind: ContactKind,
    /// The number, address or key; unique across all tenants.
    pub address: String,
    /// The flow's name (in this document or already in the tenant).
    pub flow: String,
    /// Settings.
    #[serde(default = "empty_object")]
    pub settings: Value,
}

/// A flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowDoc {
    /// Unique name.
    pub name: String,
    /// The flow document.
    pub document: Value,
    /// Whether this document should be the published version.
    #[serde(default)]
    pub publish: bool,
}

/// A SIP trunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrunkDoc {
    /// Unique name.
    pub name: String,
    /// Trunk settings.
    #[serde(default = "empty_object")]
    pub settings: Value,
}

/// A channel account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelDoc {
    /// voice, email, chat or sms.
    pub kind: Channel,
    /// Unique name within the kind.
    pub name: String,
    /// Account settings.
    #[serde(default = "empty_object")]
    pub settings: Value,
}

/// A canned response: a reusable email answer, a template filled from the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedResponseDoc {
    /// Unique name: 1 to 64 of `a-z`, `0-9`, `-` and `_`.
    pub name: String,
    /// The subject it suggests (one line, at most 200 characters); absent, the conversation's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The text, at most 16 KiB.
    pub body: String,
}

/// What an import did, per section.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Objects that did not exist.
    pub created: u32,
    /// Objects that existed and changed.
    pub updated: u32,
    /// Objects that existed and were identical.
    pub unchanged: u32,
}

impl Counts {
    pub(crate) fn count(&mut self, change: Change) {
        match change {
            Change::Created => self.created += 1,
            Change::Updated => self.updated += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }

    fn add(self, o: Counts) -> Counts {
        Counts {
            created: self.created + o.created,
            updated: self.updated + o.updated,
            unchanged: self.unchanged + o.unchanged,
        }
    }
}

/// How one object fared in an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Created,
    Updated,
    Unchanged,
}

/// The result of [`crate::TenantDocuments::import_tenant_document`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// The imported tenant.
    pub tenant_id: sb_types::TenantId,
    /// The tenant row itself.
    pub tenant: Counts,
    /// Skills.
    pub skills: Counts,
    /// Teams.
    pub teams: Counts,
    /// Users (a change of skills counts as an update).
    pub users: Counts,
    /// Queues.
    pub queues: Counts,
    /// Points of contact.
    pub points_of_contact: Counts,
    /// Flows (a new or re-published version counts as an update).
    pub flows: Counts,
    /// Trunks.
    pub trunks: Counts,
    /// Channel accounts.
    pub channels: Counts,
    /// Canned responses.
    #[serde(default)]
    pub canned_responses: Counts,
}

impl ImportSummary {
    /// The sum over all sections.
    pub fn total(&self) -> Counts {
        [
            self.tenant,
            self.skills,
            self.teams,
            self.users,
            self.queues,
            self.points_of_contact,
            self.flows,
            self.trunks,
            self.channels,
            self.canned_responses,
        ]
        .into_iter()
        .fold(Counts::default(), Counts::add)
    }

    /// Whether the import changed anything.
    pub fn changed(&self) -> bool {
        let t = self.total();
        t.created + t.updated > 0
    }
}

/// Options of [`crate::TenantDocuments::export_tenant_document`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Include users' password hashes (off by default: exports get shared).
    pub include_password_hashes: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "
tenant:
  name: acme
  cluster: C14
  ip_allowlist: [203.0.113.0/24]
skills: [english]
users:
  - username: '1001'
    role: agent
    skills: [{ skill: english, proficiency: 7 }]
flows:
  - name: main
    document: { start: menu }
    publish: true
points_of_contact:
  - { kind: phone, address: '+15550100', flow: main }
";

    #[test]
    fn yaml_document_parses_with_defaults() {
        let doc: TenantDocument = serde_yaml_ng::from_str(YAML).expect("parse");
        assert_eq!(doc.version, DOCUMENT_VERSION);
        assert_eq!(doc.tenant.ip_allowlist.len(), 1);
        assert_eq!(doc.users[0].role, Role::Agent);
        assert!(!doc.users[0].disabled && doc.users[0].password_hash.is_none());
        assert_eq!(doc.points_of_contact[0].settings, serde_json::json!({}));
        assert!(doc.queues.is_empty() && doc.trunks.is_empty());
        assert!(doc.canned_responses.is_empty(), "older documents have none");
    }

    #[test]
    fn canned_responses_parse_with_an_optional_subject() {
        let with = format!(
            "{YAML}canned_responses:\n  - {{ name: greeting, body: 'Hello {{{{ customer_name }}}}' }}\n  - {{ name: refund, subject: 'Your refund', body: x }}\n"
        );
        let doc: TenantDocument = serde_yaml_ng::from_str(&with).expect("parse");
        assert_eq!(doc.canned_responses.len(), 2);
        assert_eq!(doc.canned_responses[0].body, "Hello {{ customer_name }}");
        assert_eq!(doc.canned_responses[0].subject, None);
        assert_eq!(
            doc.canned_responses[1].subject.as_deref(),
            Some("Your refund")
        );
        let json = serde_json::to_value(&doc).expect("json");
        assert!(json["canned_responses"][0].get("subject").is_none());
        let typo = with.replace("subject:", "subjet:");
        assert!(serde_yaml_ng::from_str::<TenantDocument>(&typo).is_err());
    }

    #[test]
    fn unknown_fields_are_rejected_at_every_level() {
        let top = YAML.replace("skills: [english]", "skills: [english]\nextra: 1");
        assert!(serde_yaml_ng::from_str::<TenantDocument>(&top).is_err());
        let nested = YAML.replace("role: agent", "role: agent\n    pasword_hash: x");
        let err = serde_yaml_ng::from_str::<TenantDocument>(&nested).expect_err("typo");
        assert!(err.to_string().contains("pasword_hash"), "{err}");
    }

    #[test]
    fn json_round_trip_omits_absent_hashes_and_false_flags() {
        let doc: TenantDocument = serde_yaml_ng::from_str(YAML).expect("parse");
        let json = serde_json::to_value(&doc).expect("json");
        let user = &json["users"][0];
        assert!(user.get("password_hash").is_none() && user.get("disabled").is_none());
        assert_eq!(
            serde_json::from_value::<TenantDocument>(json).expect("back"),
            doc
        );
    }

    #[test]
    fn json_schema_describes_sections_and_closes_objects() {
        let schema = tenant_document_schema();
        assert_eq!(schema["additionalProperties"], serde_json::json!(false));
        assert_eq!(schema["required"], serde_json::json!(["tenant"]));
        let allowlist = &schema["$defs"]["TenantSection"]["properties"]["ip_allowlist"];
        assert_eq!(allowlist["items"]["type"], "string");
    }

    #[test]
    fn tenant_settings_are_an_optional_object_omitted_when_absent() {
        let with = YAML.replace(
            "  cluster: C14\n",
            "  cluster: C14\n  settings: { reason_codes: [lunch] }\n",
        );
        let doc: TenantDocument = serde_yaml_ng::from_str(&with).expect("parse");
        let settings = serde_json::json!({"reason_codes": ["lunch"]});
        assert_eq!(doc.tenant.settings, Some(settings.clone()));
        let json = serde_json::to_value(&doc).expect("json");
        assert_eq!(json["tenant"]["settings"], settings);
        let without: TenantDocument = serde_yaml_ng::from_str(YAML).expect("parse");
        assert_eq!(without.tenant.settings, None);
        let json = serde_json::to_value(&without).expect("json");
        assert!(json["tenant"].get("settings").is_none());
        let schema = tenant_document_schema();
        let property = &schema["$defs"]["TenantSection"]["properties"]["settings"];
        assert_eq!(
            property["type"],
            serde_json::json!(["object", "null"]),
            "{property}"
        );
    }

    #[test]
    fn summary_totals_and_change_flag() {
        let mut s = ImportSummary {
            tenant_id: sb_types::TenantId::from_u128(1),
            tenant: Counts::default(),
            skills: Counts::default(),
            teams: Counts::default(),
            users: Counts::default(),
            queues: Counts::default(),
            points_of_contact: Counts::default(),
            flows: Counts::default(),
            trunks: Counts::default(),
            channels: Counts::default(),
            canned_responses: Counts::default(),
        };
        s.users.unchanged = 3;
        assert!(!s.changed());
        s.flows.updated = 1;
        s.canned_responses.unchanged = 2;
        assert!(s.changed());
        assert_eq!(
            s.total(),
            Counts {
                created: 0,
                updated: 1,
                unchanged: 5
            }
        );
    }
}
