use crate::fixtures::{T0, assert_conflict, assert_not_found, at, tenant, user};
use sb_store::{LockoutPolicy, NewApiToken, NewUser, Session, Store, UserProfile, UserSkill};
use sb_types::{Duration, Role};

/// Create, read by id and user name, list, update, set password, delete; user names are unique
/// per tenant only.
pub async fn users_crud_and_unique_username_per_tenant(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let u = user(s, a.id, "1001").await;
    let v = user(s, a.id, "1000").await;
    assert_eq!(s.get_user(a.id, u.id).await.expect("get"), u);
    assert_eq!(
        s.get_user_by_username(a.id, "1001").await.expect("by name"),
        u
    );
    let listed = s.list_users(a.id).await.expect("list");
    assert_eq!(listed, [v.clone(), u.clone()], "sorted by username");
    let again = NewUser {
        username: "1001".to_owned(),
        display_name: String::new(),
        role: Role::Agent,
        password_hash: None,
        now: T0,
    };
    assert_conflict(s.create_user(a.id, again.clone()).await);
    let in_b = s
        .create_user(b.id, again)
        .await
        .expect("same name in another tenant");
    assert_eq!(in_b.password_hash, None);

    let profile = UserProfile {
        display_name: "Jane".to_owned(),
        role: Role::Supervisor,
        disabled: true,
    };
    let updated = s
        .update_user(a.id, u.id, profile, at(5))
        .await
        .expect("update");
    assert_eq!(
        (updated.role, updated.disabled, updated.updated_at),
        (Role::Supervisor, true, at(5))
    );
    assert_eq!(updated.created_at, T0);
    let hashed = s
        .set_password_hash(a.id, u.id, Some("$argon2id$new".to_owned()), at(6))
        .await
        .expect("hash");
    assert_eq!(hashed.password_hash.as_deref(), Some("$argon2id$new"));
    assert_eq!(s.get_user(a.id, u.id).await.expect("get"), hashed);
    let cleared = s
        .set_password_hash(a.id, u.id, None, at(7))
        .await
        .expect("clear");
    assert_eq!(cleared.password_hash, None);

    s.delete_user(a.id, u.id).await.expect("delete");
    assert_not_found(s.get_user(a.id, u.id).await);
    assert_not_found(s.delete_user(a.id, u.id).await);
    assert_eq!(s.list_users(a.id).await.expect("list"), [v]);
}

/// Tenant A can neither see nor change tenant B's users, by id or by name.
pub async fn users_are_isolated_between_tenants(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let theirs = user(s, b.id, "2001").await;
    let profile = UserProfile {
        display_name: "x".to_owned(),
        role: Role::Admin,
        disabled: false,
    };
    let policy = LockoutPolicy {
        lock_after: 1,
        lock_for: Duration::from_secs(60),
    };
    assert_not_found(s.get_user(a.id, theirs.id).await);
    assert_not_found(s.get_user_by_username(a.id, "2001").await);
    assert_not_found(s.update_user(a.id, theirs.id, profile, at(1)).await);
    assert_not_found(s.set_password_hash(a.id, theirs.id, None, at(1)).await);
    assert_not_found(s.record_login_failure(a.id, theirs.id, at(1), policy).await);
    assert_not_found(s.reset_login_failures(a.id, theirs.id, at(1)).await);
    assert_not_found(s.delete_user(a.id, theirs.id).await);
    assert!(s.list_users(a.id).await.expect("list").is_empty());
    assert_eq!(
        s.get_user(b.id, theirs.id).await.expect("untouched"),
        theirs
    );
}

/// Deleting a user removes everything that hangs off it, and only that.
pub async fn deleting_user_removes_sessions_tokens_skills_and_memberships(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let u = user(s, a.id, "1001").await;
    let keep = user(s, a.id, "1002").await;
    let skill = s.create_skill(a.id, "french").await.expect("skill");
    let us = UserSkill {
        skill_id: skill.id,
        proficiency: 5,
    };
    s.set_user_skills(a.id, u.id, vec![us])
        .await
        .expect("skills");
    let team = s
        .create_team(a.id, "blue", vec![u.id, keep.id])
        .await
        .expect("team");
    for (who, hash) in [(u.id, "s1"), (keep.id, "s2")] {
        let session = Session {
            id: hash.to_owned(),
            tenant_id: a.id,
            user_id: who,
            created_at: T0,
            expires_at: at(3600),
            ip: None,
        };
        s.create_session(session).await.expect("session");
    }
    let token = NewApiToken {
        user_id: u.id,
        name: "ci".to_owned(),
        token_hash: "t1".to_owned(),
        created_at: T0,
        expires_at: None,
    };
    s.create_api_token(a.id, token).await.expect("token");

    s.delete_user(a.id, u.id).await.expect("delete");
    assert_not_found(s.get_valid_session("s1", at(1)).await);
    assert_not_found(s.find_api_token_by_hash("t1", at(1)).await);
    assert_eq!(
        s.get_team(a.id, team.id).await.expect("team").members,
        [keep.id]
    );
    assert!(s.get_valid_session("s2", at(1)).await.is_ok());
    assert_eq!(
        s.get_skill(a.id, skill.id).await.expect("skill stays"),
        skill
    );
}
