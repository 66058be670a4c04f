use crate::fixtures::{T0, assert_conflict, assert_not_found, at, tenant, user};
use sb_store::{ApiTokenId, NewApiToken, Session, Store};

fn session(hash: &str, s: &sb_store::User, expires: i64) -> Session {
    Session {
        id: hash.to_owned(),
        tenant_id: s.tenant_id,
        user_id: s.id,
        created_at: T0,
        expires_at: at(expires),
        ip: Some("192.0.2.1".to_owned()),
    }
}

/// A session is valid strictly before its expiry; logout, per-user logout and purge work; a
/// session cannot name a user of another tenant.
pub async fn sessions_expire_and_are_deleted(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let u = user(s, a.id, "1001").await;
    let stranger = user(s, b.id, "2001").await;
    s.create_session(session("h1", &u, 60))
        .await
        .expect("create");
    s.create_session(session("h2", &u, 120))
        .await
        .expect("create");
    assert_eq!(
        s.get_valid_session("h1", at(59)).await.expect("valid"),
        session("h1", &u, 60)
    );
    assert_not_found(s.get_valid_session("h1", at(60)).await);
    assert_not_found(s.get_valid_session("nope", at(1)).await);
    let mut forged = session("h3", &stranger, 60);
    forged.tenant_id = a.id;
    assert_not_found(s.create_session(forged).await);
    assert!(
        s.create_session(session("h1", &u, 60)).await.is_err(),
        "hash is unique"
    );
    assert_eq!(s.purge_expired_sessions(at(60)).await.expect("purge"), 1);
    assert_not_found(s.get_valid_session("h1", at(1)).await);
    s.create_session(session("h4", &u, 600))
        .await
        .expect("create");
    s.create_session(session("h5", &stranger, 600))
        .await
        .expect("create");
    assert_eq!(
        s.delete_sessions_for_user(b.id, u.id)
            .await
            .expect("wrong tenant"),
        0
    );
    assert_eq!(
        s.delete_sessions_for_user(a.id, u.id)
            .await
            .expect("logout all"),
        2
    );
    s.delete_session("h5").await.expect("logout");
    s.delete_session("h5").await.expect("logout twice is fine");
    assert_not_found(s.get_valid_session("h5", at(1)).await);
}

/// Tokens are found by hash until they expire, listed and revoked per tenant only.
pub async fn api_tokens_expire_and_are_tenant_scoped(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "beta").await;
    let u = user(s, a.id, "1001").await;
    let v = user(s, a.id, "1002").await;
    let stranger = user(s, b.id, "2001").await;
    let new = |user_id, name: &str, hash: &str, expires: Option<i64>| NewApiToken {
        user_id,
        name: name.to_owned(),
        token_hash: hash.to_owned(),
        created_at: T0,
        expires_at: expires.map(at),
    };
    let t1 = s
        .create_api_token(a.id, new(u.id, "ci", "x1", Some(100)))
        .await
        .expect("t1");
    let t2 = s
        .create_api_token(a.id, new(v.id, "ci", "x2", None))
        .await
        .expect("same name, other user");
    assert_conflict(s.create_api_token(a.id, new(u.id, "ci", "x3", None)).await);
    assert_not_found(
        s.create_api_token(a.id, new(stranger.id, "evil", "x4", None))
            .await,
    );
    assert_eq!(
        s.find_api_token_by_hash("x1", at(99)).await.expect("valid"),
        t1
    );
    assert_not_found(s.find_api_token_by_hash("x1", at(100)).await);
    assert_eq!(
        s.find_api_token_by_hash("x2", at(1_000_000))
            .await
            .expect("no expiry"),
        t2
    );
    assert_eq!(s.list_api_tokens(a.id, None).await.expect("all").len(), 2);
    assert_eq!(
        s.list_api_tokens(a.id, Some(v.id)).await.expect("v's"),
        std::slice::from_ref(&t2)
    );
    assert!(s.list_api_tokens(b.id, None).await.expect("b's").is_empty());
    assert_not_found(s.revoke_api_token(b.id, t1.id).await);
    s.revoke_api_token(a.id, t1.id).await.expect("revoke");
    assert_not_found(s.find_api_token_by_hash("x1", at(1)).await);
    assert_not_found(
        s.revoke_api_token(a.id, ApiTokenId(uuid_of(7).as_uuid()))
            .await,
    );
}

fn uuid_of(n: u128) -> sb_types::TenantId {
    sb_types::TenantId::from_u128(n)
}
