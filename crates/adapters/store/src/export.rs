//! Export: a snapshot written as a [`TenantDocument`], sorted so that exports diff cleanly.

use crate::document::{
    CannedResponseDoc, ChannelDoc, FlowDoc, PointOfContactDoc, QueueDoc, TeamDoc, TenantSection,
    TrunkDoc, UserDoc, UserSkillDoc,
};
use crate::{DOCUMENT_VERSION, ExportOptions, TenantDocument, TenantSnapshot, User};
use sb_types::{SkillId, UserId};
use std::collections::HashMap;

impl TenantSnapshot {
    /// The document that, imported into this tenant, changes nothing.
    pub fn to_document(&self, options: ExportOptions) -> TenantDocument {
        let mut skills: Vec<String> = self.skills.iter().map(|s| s.name.clone()).collect();
        skills.sort();
        TenantDocument {
            version: DOCUMENT_VERSION,
            tenant: self.tenant_section(),
            skills,
            teams: self.team_docs(),
            users: self.user_docs(options),
            queues: self.queue_docs(),
            points_of_contact: self.poc_docs(),
            flows: self.flow_docs(),
            trunks: self.trunk_docs(),
            channels: self.channel_docs(),
            canned_responses: self.canned_response_docs(),
        }
    }

    fn tenant_section(&self) -> TenantSection {
        TenantSection {
            name: self.tenant.name.clone(),
            display_name: self.tenant.display_name.clone(),
            cluster: self.tenant.cluster.clone(),
            ip_allowlist: self.tenant.ip_allowlist.clone(),
            settings: self.settings_doc(),
        }
    }

    /// The settings to export: none when the tenant has none (`{}`).
    fn settings_doc(&self) -> Option<serde_json::Value> {
        let empty = self
            .settings
            .as_object()
            .is_some_and(serde_json::Map::is_empty);
        (!empty).then(|| self.settings.clone())
    }

    fn usernames(&self) -> HashMap<UserId, &str> {
        self.users
            .iter()
            .map(|u| (u.id, u.username.as_str()))
            .collect()
    }

    fn team_docs(&self) -> Vec<TeamDoc> {
        let names = self.usernames();
        let mut out: Vec<TeamDoc> = self
            .teams
            .iter()
            .map(|t| {
                let mut members: Vec<String> = t
                    .members
                    .iter()
                    .filter_map(|id| names.get(id).map(|n| (*n).to_owned()))
                    .collect();
                members.sort();
                TeamDoc {
                    name: t.name.clone(),
                    members,
                }
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    fn user_docs(&self, options: ExportOptions) -> Vec<UserDoc> {
        let skill_names: HashMap<SkillId, &str> = self
            .skills
            .iter()
            .map(|s| (s.id, s.name.as_str()))
            .collect();
        let mut out: Vec<UserDoc> = self
            .users
            .iter()
            .map(|u| self.user_doc(u, &skill_names, options))
            .collect();
        out.sort_by(|a, b| a.username.cmp(&b.username));
        out
    }

    fn user_doc(
        &self,
        u: &User,
        skill_names: &HashMap<SkillId, &str>,
        options: ExportOptions,
    ) -> UserDoc {
        let mut skills: Vec<UserSkillDoc> = self
            .skills_of(u.id)
            .into_iter()
            .filter_map(|s| {
                let name = skill_names.get(&s.skill_id)?;
                Some(UserSkillDoc {
                    skill: (*name).to_owned(),
                    proficiency: s.proficiency,
                })
            })
            .collect();
        skills.sort_by(|a, b| a.skill.cmp(&b.skill));
        UserDoc {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            skills,
            password_hash: u
                .password_hash
                .clone()
                .filter(|_| options.include_password_hashes),
            disabled: u.disabled,
        }
    }

    fn queue_docs(&self) -> Vec<QueueDoc> {
        let mut out: Vec<QueueDoc> = self
            .queues
            .iter()
            .map(|q| QueueDoc {
                name: q.name.clone(),
                channel: q.channel,
                settings: q.settings.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    fn poc_docs(&self) -> Vec<PointOfContactDoc> {
        let mut out: Vec<PointOfContactDoc> = self
            .points_of_contact
            .iter()
            .map(|p| PointOfContactDoc {
                kind: p.kind,
                address: p.address.clone(),
                flow: p.flow.clone(),
                settings: p.settings.clone(),
            })
            .collect();
        out.sort_by(|a, b| (a.kind, &a.address).cmp(&(b.kind, &b.address)));
        out
    }

    /// Each flow's latest version, published when it is the one that runs. Flows that never had
    /// a version have nothing to export.
    fn flow_docs(&self) -> Vec<FlowDoc> {
        let mut out: Vec<FlowDoc> = self
            .flows
            .iter()
            .filter_map(|(f, latest)| {
                let v = latest.as_ref()?;
                Some(FlowDoc {
                    name: f.name.clone(),
                    document: v.document.clone(),
                    publish: f.published_version == Some(v.version),
                })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    fn trunk_docs(&self) -> Vec<TrunkDoc> {
        let mut out: Vec<TrunkDoc> = self
            .trunks
            .iter()
            .map(|t| TrunkDoc {
                name: t.name.clone(),
                settings: t.settings.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    fn channel_docs(&self) -> Vec<ChannelDoc> {
        let mut out: Vec<ChannelDoc> = self
            .channels
            .iter()
            .map(|c| ChannelDoc {
                kind: c.kind,
                name: c.name.clone(),
                settings: c.settings.clone(),
            })
            .collect();
        out.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        out
    }

    fn canned_response_docs(&self) -> Vec<CannedResponseDoc> {
        let mut out: Vec<CannedResponseDoc> = self
            .canned_responses
            .iter()
            .map(|r| CannedResponseDoc {
                name: r.name.clone(),
                subject: r.subject.clone(),
                body: r.body.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}
