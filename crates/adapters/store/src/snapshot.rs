//! A tenant's whole configuration as records: what import compares against and export writes.

use crate::{
    CannedResponse, ChannelConfig, Flow, FlowVersion, PointOfContact, Queue, Skill, Team, Tenant,
    Trunk, User, UserSkill,
};
use sb_types::UserId;

/// Everything a [`crate::TenantDocument`] describes, as stored. Backends load it inside the
/// import transaction, so the plan is made against exactly the state it will change.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantSnapshot {
    /// The tenant.
    pub tenant: Tenant,
    /// Its settings document (`{}` when none were set).
    pub settings: serde_json::Value,
    /// Its skills.
    pub skills: Vec<Skill>,
    /// Its users.
    pub users: Vec<User>,
    /// Every user's skills.
    pub user_skills: Vec<(UserId, UserSkill)>,
    /// Its teams.
    pub teams: Vec<Team>,
    /// Its queues.
    pub queues: Vec<Queue>,
    /// Its points of contact.
    pub points_of_contact: Vec<PointOfContact>,
    /// Its flows, each with its latest version.
    pub flows: Vec<(Flow, Option<FlowVersion>)>,
    /// Its trunks.
    pub trunks: Vec<Trunk>,
    /// Its channel accounts.
    pub channels: Vec<ChannelConfig>,
    /// Its canned responses.
    pub canned_responses: Vec<CannedResponse>,
}

impl TenantSnapshot {
    /// An empty snapshot of a tenant that does not exist yet.
    pub fn empty(tenant: Tenant) -> Self {
        TenantSnapshot {
            tenant,
            settings: serde_json::Value::Object(serde_json::Map::new()),
            skills: Vec::new(),
            users: Vec::new(),
            user_skills: Vec::new(),
            teams: Vec::new(),
            queues: Vec::new(),
            points_of_contact: Vec::new(),
            flows: Vec::new(),
            trunks: Vec::new(),
            channels: Vec::new(),
            canned_responses: Vec::new(),
        }
    }

    /// The skills of one user, sorted.
    pub fn skills_of(&self, user: UserId) -> Vec<UserSkill> {
        let mut out: Vec<UserSkill> = self
            .user_skills
            .iter()
            .filter(|(u, _)| *u == user)
            .map(|(_, s)| *s)
            .collect();
        out.sort();
        out
    }
}
