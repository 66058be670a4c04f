//! Wire shapes of the records (only this crate knows JSON shapes).

use sb_store::{Skill, Team, Tenant, User};
use sb_types::Role;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A user as the API shows it (never the password hash).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: Uuid,
    /// Unique user name within the tenant (an agent's SIP user name).
    pub username: String,
    /// Human name.
    pub display_name: String,
    /// `admin`, `supervisor` or `agent`.
    #[schema(value_type = String, example = "agent")]
    pub role: Role,
    /// Whether the user may not log in.
    pub disabled: bool,
    /// Whether the account is locked after failed logins.
    pub locked: bool,
    /// Whether a password is set.
    pub has_password: bool,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at: i64,
}

impl UserView {
    /// The view of `user` at `now`.
    pub fn of(user: &User, now: sb_types::Timestamp) -> Self {
        UserView {
            id: user.id.as_uuid(),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
            disabled: user.disabled,
            locked: user.is_locked(now),
            has_password: user.password_hash.is_some(),
            created_at: user.created_at.as_millis(),
        }
    }
}

/// The caller and their tenant.
#[derive(Serialize, ToSchema)]
pub struct MeView {
    /// The calling user.
    pub user: UserView,
    /// The tenant's name.
    pub tenant: String,
    /// The tenant's display name.
    pub tenant_display_name: String,
}

/// A tenant's settings.
#[derive(Serialize, ToSchema)]
pub struct TenantView {
    /// Id.
    pub id: Uuid,
    /// Unique slug.
    pub name: String,
    /// Human name.
    pub display_name: String,
    /// Cluster the tenant lives on.
    pub cluster: String,
    /// Networks allowed to use the consoles and the API (empty: all).
    pub ip_allowlist: Vec<String>,
}

impl From<&Tenant> for TenantView {
    fn from(t: &Tenant) -> Self {
        TenantView {
            id: t.id.as_uuid(),
            name: t.name.clone(),
            display_name: t.display_name.clone(),
            cluster: t.cluster.clone(),
            ip_allowlist: t.ip_allowlist.iter().map(|n| n.to_string()).collect(),
        }
    }
}

/// A skill.
#[derive(Serialize, ToSchema)]
pub struct SkillView {
    /// Id.
    pub id: Uuid,
    /// Unique name.
    pub name: String,
}

impl From<&Skill> for SkillView {
    fn from(s: &Skill) -> Self {
        SkillView {
            id: s.id.as_uuid(),
            name: s.name.clone(),
        }
    }
}

/// A team.
#[derive(Serialize, ToSchema)]
pub struct TeamView {
    /// Id.
    pub id: Uuid,
    /// Unique name.
    pub name: String,
    /// Member user ids.
    pub members: Vec<Uuid>,
}

impl From<&Team> for TeamView {
    fn from(t: &Team) -> Self {
        TeamView {
            id: t.id.as_uuid(),
            name: t.name.clone(),
            members: t.members.iter().map(|m| m.as_uuid()).collect(),
        }
    }
}
