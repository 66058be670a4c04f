//! Skills, users (with their skills) and teams.

use super::{ImportOp, Planner, changed, no_duplicates};
use crate::document::{TeamDoc, UserDoc, UserSkillDoc};
use crate::{Skill, StoreError, Team, User, UserSkill, validate};
use sb_types::UserId;

impl Planner<'_, '_> {
    pub(super) fn plan_skills(&mut self, names: &[String]) -> Result<(), StoreError> {
        no_duplicates("skills", names)?;
        for (i, name) in names.iter().enumerate() {
            validate::name(&format!("skills[{i}]"), name)?;
            if self.skills.contains_key(name) {
                self.summary.skills.unchanged += 1;
                continue;
            }
            let skill = Skill {
                id: self.skill_id(),
                tenant_id: self.tenant_id,
                name: name.clone(),
            };
            self.skills.insert(name.clone(), skill.id);
            self.ops.push(ImportOp::InsertSkill(skill));
            self.summary.skills.created += 1;
        }
        Ok(())
    }

    pub(super) fn plan_users(&mut self, users: &[UserDoc]) -> Result<(), StoreError> {
        no_duplicates("users", users.iter().map(|u| &u.username))?;
        for (i, doc) in users.iter().enumerate() {
            self.plan_user(doc)
                .map_err(|e| e.within(&format!("users[{i}]")))?;
        }
        Ok(())
    }

    fn plan_user(&mut self, doc: &UserDoc) -> Result<(), StoreError> {
        validate::username(&doc.username)?;
        validate::display_name(&doc.display_name)?;
        let skills = self.resolve_skills(&doc.skills)?;
        let existing = self.snap.users.iter().find(|u| u.username == doc.username);
        let Some(old) = existing else {
            return self.insert_user(doc, skills);
        };
        let mut user = old.clone();
        user.display_name.clone_from(&doc.display_name);
        user.role = doc.role;
        user.disabled = doc.disabled;
        if doc.password_hash.is_some() {
            user.password_hash.clone_from(&doc.password_hash);
        }
        let profile_changed = user != *old;
        let skills_changed = skills != self.snap.skills_of(old.id);
        if profile_changed {
            user.updated_at = self.now;
            self.ops.push(ImportOp::UpdateUser(user));
        }
        if skills_changed {
            self.ops.push(ImportOp::SetUserSkills {
                user: old.id,
                skills,
            });
        }
        self.summary
            .users
            .count(changed(profile_changed || skills_changed));
        Ok(())
    }

    fn insert_user(&mut self, doc: &UserDoc, skills: Vec<UserSkill>) -> Result<(), StoreError> {
        let user = User {
            id: self.user_id(),
            tenant_id: self.tenant_id,
            username: doc.username.clone(),
            display_name: doc.display_name.clone(),
            role: doc.role,
            password_hash: doc.password_hash.clone(),
            disabled: doc.disabled,
            failed_logins: 0,
            locked_until: None,
            created_at: self.now,
            updated_at: self.now,
        };
        let id = user.id;
        self.users.insert(doc.username.clone(), id);
        self.ops.push(ImportOp::InsertUser(user));
        if !skills.is_empty() {
            self.ops.push(ImportOp::SetUserSkills { user: id, skills });
        }
        self.summary.users.created += 1;
        Ok(())
    }

    /// The user's skills by id, sorted; every name must be known.
    fn resolve_skills(&self, docs: &[UserSkillDoc]) -> Result<Vec<UserSkill>, StoreError> {
        no_duplicates("skills", docs.iter().map(|s| &s.skill))?;
        let mut out = Vec::with_capacity(docs.len());
        for (i, s) in docs.iter().enumerate() {
            let at = format!("skills[{i}]");
            let skill_id = *self.skills.get(&s.skill).ok_or_else(|| {
                StoreError::invalid(format!("{at}.skill"), format!("no skill {:?}", s.skill))
            })?;
            validate::proficiency(&format!("{at}.proficiency"), s.proficiency)?;
            out.push(UserSkill {
                skill_id,
                proficiency: s.proficiency,
            });
        }
        out.sort();
        Ok(out)
    }

    pub(super) fn plan_teams(&mut self, teams: &[TeamDoc]) -> Result<(), StoreError> {
        no_duplicates("teams", teams.iter().map(|t| &t.name))?;
        for (i, doc) in teams.iter().enumerate() {
            self.plan_team(doc)
                .map_err(|e| e.within(&format!("teams[{i}]")))?;
        }
        Ok(())
    }

    fn plan_team(&mut self, doc: &TeamDoc) -> Result<(), StoreError> {
        validate::name("name", &doc.name)?;
        let members = self.resolve_members(&doc.members)?;
        let existing = self.snap.teams.iter().find(|t| t.name == doc.name);
        let Some(old) = existing else {
            let team = Team {
                id: self.team_id(),
                tenant_id: self.tenant_id,
                name: doc.name.clone(),
                members,
            };
            self.ops.push(ImportOp::InsertTeam(team));
            self.summary.teams.created += 1;
            return Ok(());
        };
        let mut old_members = old.members.clone();
        old_members.sort();
        let differs = old_members != members;
        if differs {
            let team = Team {
                members,
                ..old.clone()
            };
            self.ops.push(ImportOp::UpdateTeam(team));
        }
        self.summary.teams.count(changed(differs));
        Ok(())
    }

    fn resolve_members(&self, names: &[String]) -> Result<Vec<UserId>, StoreError> {
        no_duplicates("members", names)?;
        let mut out = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let id = self.users.get(name).ok_or_else(|| {
                StoreError::invalid(format!("members[{i}]"), format!("no user {name:?}"))
            })?;
            out.push(*id);
        }
        out.sort();
        Ok(out)
    }
}
