use crate::fixtures::{assert_conflict, assert_invalid, assert_not_found, tenant, user};
use sb_store::{Store, UserSkill};
use sb_types::{SkillId, TeamId};

/// Skills are unique per tenant; a user's skills are replaced as a whole, checked for range,
/// duplicates and tenant.
pub async fn skills_and_user_skills_replace_and_validate(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let fr = s.create_skill(a.id, "french").await.expect("fr");
    let de = s.create_skill(a.id, "german").await.expect("de");
    assert_conflict(s.create_skill(a.id, "french").await);
    let theirs = s
        .create_skill(b.id, "french")
        .await
        .expect("same name elsewhere");
    assert_eq!(
        s.list_skills(a.id).await.expect("list"),
        [fr.clone(), de.clone()]
    );
    assert_not_found(s.get_skill(a.id, theirs.id).await);
    assert_not_found(s.delete_skill(a.id, theirs.id).await);

    let u = user(s, a.id, "1001").await;
    let mut want = vec![
        UserSkill {
            skill_id: fr.id,
            proficiency: 7,
        },
        UserSkill {
            skill_id: de.id,
            proficiency: 3,
        },
    ];
    s.set_user_skills(a.id, u.id, want.clone())
        .await
        .expect("set");
    want.sort();
    assert_eq!(s.user_skills(a.id, u.id).await.expect("get"), want);
    let only_de = vec![UserSkill {
        skill_id: de.id,
        proficiency: 10,
    }];
    s.set_user_skills(a.id, u.id, only_de.clone())
        .await
        .expect("replace");
    assert_eq!(s.user_skills(a.id, u.id).await.expect("get"), only_de);

    let zero = vec![UserSkill {
        skill_id: fr.id,
        proficiency: 0,
    }];
    assert_invalid(
        s.set_user_skills(a.id, u.id, zero).await,
        "skills[0].proficiency",
    );
    let twice = vec![
        UserSkill {
            skill_id: fr.id,
            proficiency: 1,
        },
        UserSkill {
            skill_id: fr.id,
            proficiency: 2,
        },
    ];
    assert_invalid(s.set_user_skills(a.id, u.id, twice).await, "skills");
    let foreign = vec![UserSkill {
        skill_id: theirs.id,
        proficiency: 5,
    }];
    assert_not_found(s.set_user_skills(a.id, u.id, foreign).await);
    let unknown = vec![UserSkill {
        skill_id: SkillId::from_u128(1),
        proficiency: 5,
    }];
    assert_not_found(s.set_user_skills(a.id, u.id, unknown).await);
    assert_eq!(
        s.user_skills(a.id, u.id)
            .await
            .expect("unchanged after failures"),
        only_de
    );
    assert_not_found(s.user_skills(b.id, u.id).await);
    assert_not_found(s.set_user_skills(b.id, u.id, Vec::new()).await);

    s.delete_skill(a.id, de.id).await.expect("delete");
    assert!(s.user_skills(a.id, u.id).await.expect("get").is_empty());
}

/// Teams are unique per tenant and may only hold users of their tenant.
pub async fn teams_hold_only_same_tenant_users(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let u1 = user(s, a.id, "1001").await;
    let u2 = user(s, a.id, "1002").await;
    let stranger = user(s, b.id, "2001").await;
    let team = s
        .create_team(a.id, "blue", vec![u2.id, u1.id])
        .await
        .expect("create");
    let mut sorted = vec![u1.id, u2.id];
    sorted.sort();
    assert_eq!(team.members, sorted);
    assert_eq!(s.get_team(a.id, team.id).await.expect("get"), team);
    assert_conflict(s.create_team(a.id, "blue", Vec::new()).await);
    assert_not_found(s.create_team(a.id, "red", vec![stranger.id]).await);
    assert_eq!(
        s.list_teams(a.id).await.expect("list"),
        std::slice::from_ref(&team),
        "failed create left nothing"
    );
    assert_not_found(s.set_team_members(a.id, team.id, vec![stranger.id]).await);
    assert_eq!(
        s.get_team(a.id, team.id).await.expect("get"),
        team,
        "failed update changed nothing"
    );
    let changed = s
        .set_team_members(a.id, team.id, vec![u1.id])
        .await
        .expect("set");
    assert_eq!(changed.members, [u1.id]);
    assert_not_found(s.get_team(b.id, team.id).await);
    assert_not_found(s.set_team_members(b.id, team.id, Vec::new()).await);
    assert_not_found(s.delete_team(b.id, team.id).await);
    s.delete_team(a.id, team.id).await.expect("delete");
    assert_not_found(s.get_team(a.id, team.id).await);
    assert_not_found(s.get_team(a.id, TeamId::from_u128(3)).await);
}
