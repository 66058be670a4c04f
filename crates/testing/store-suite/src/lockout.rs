use crate::fixtures::{assert_not_found, at, tenant, user};
use sb_store::{LockoutPolicy, Store, User};
use sb_types::{Duration, Timestamp, UserId};

/// The third failure locks for five minutes and resets the count; a success clears all.
pub async fn lockout_locks_at_threshold_and_expires(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let u = user(s, a.id, "1001").await;
    let policy = LockoutPolicy {
        lock_after: 3,
        lock_for: Duration::from_secs(300),
    };
    let one = s
        .record_login_failure(a.id, u.id, at(1), policy)
        .await
        .expect("1");
    assert_eq!((one.failed_logins, one.locked_until), (1, None));
    assert_eq!(one.updated_at, at(1));
    s.record_login_failure(a.id, u.id, at(2), policy)
        .await
        .expect("2");
    let locked = s
        .record_login_failure(a.id, u.id, at(3), policy)
        .await
        .expect("3");
    assert_eq!(
        (locked.failed_logins, locked.locked_until),
        (0, Some(at(303)))
    );
    assert!(locked.is_locked(at(302)));
    assert!(!locked.is_locked(at(303)));
    assert_eq!(s.get_user(a.id, u.id).await.expect("get"), locked);
    let reset = s
        .reset_login_failures(a.id, u.id, at(400))
        .await
        .expect("reset");
    assert_eq!((reset.failed_logins, reset.locked_until), (0, None));
    let never = LockoutPolicy {
        lock_after: 0,
        lock_for: Duration::from_secs(300),
    };
    for i in 0..5 {
        let r = s
            .record_login_failure(a.id, u.id, at(500 + i), never)
            .await
            .expect("never");
        assert_eq!(r.locked_until, None);
    }
    assert_not_found(
        s.record_login_failure(a.id, UserId::from_u128(9), at(1), policy)
            .await,
    );
}

/// The reference model of lock-out accounting.
#[derive(Debug, Default)]
struct Model {
    failed: u32,
    locked_until: Option<Timestamp>,
}

impl Model {
    fn fail(&mut self, now: Timestamp, p: LockoutPolicy) {
        self.failed += 1;
        if p.lock_after > 0 && self.failed >= p.lock_after {
            self.failed = 0;
            self.locked_until = Some(now + p.lock_for);
        }
    }
    fn reset(&mut self) {
        *self = Model::default();
    }
    fn agrees_with(&self, u: &User) -> bool {
        self.failed == u.failed_logins && self.locked_until == u.locked_until
    }
}

/// A deterministic pseudo-random walk (xorshift) of failures and resets, compared with the model
/// after every step, under several policies.
pub async fn lockout_follows_reference_model(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for (n, lock_after) in [0u32, 1, 2, 5].into_iter().enumerate() {
        let u = user(s, a.id, &format!("10{n}")).await;
        let policy = LockoutPolicy {
            lock_after,
            lock_for: Duration::from_secs(30 + u64::from(lock_after)),
        };
        let mut model = Model::default();
        for step in 0..40i64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let now = at(step * 7);
            let got = if seed.is_multiple_of(5) {
                model.reset();
                s.reset_login_failures(a.id, u.id, now)
                    .await
                    .expect("reset")
            } else {
                model.fail(now, policy);
                s.record_login_failure(a.id, u.id, now, policy)
                    .await
                    .expect("fail")
            };
            assert!(
                model.agrees_with(&got),
                "step {step} policy {policy:?}: model {model:?} store {got:?}"
            );
        }
    }
}
