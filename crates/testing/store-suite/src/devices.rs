use crate::fixtures::{assert_invalid, assert_not_found, tenant, user};
use sb_store::{AgentDevice, Store};

/// An agent's choice reads back, is replaced, is listed with its tenant, and is gone once
/// they go back to their registered phone.
pub async fn an_agents_device_choice_reads_back_until_it_is_cleared(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let ann = user(s, a.id, "1001").await;
    let bob = user(s, a.id, "1002").await;
    assert_eq!(s.get_agent_device(a.id, ann.id).await.expect("get"), None);
    let mobile = AgentDevice::Pstn("+442079460000".into());
    s.set_agent_device(a.id, ann.id, Some(mobile.clone()))
        .await
        .expect("pstn");
    s.set_agent_device(a.id, bob.id, Some(AgentDevice::Desk))
        .await
        .expect("desk");
    assert_eq!(
        s.get_agent_device(a.id, ann.id).await.expect("get"),
        Some(mobile.clone())
    );
    let mut all = s.list_agent_devices().await.expect("list");
    all.sort_by_key(|(_, u, _)| *u == bob.id);
    assert_eq!(
        all,
        vec![(a.id, ann.id, mobile), (a.id, bob.id, AgentDevice::Desk)]
    );
    s.set_agent_device(a.id, ann.id, Some(AgentDevice::Desk))
        .await
        .expect("replaced");
    s.set_agent_device(a.id, bob.id, None)
        .await
        .expect("cleared");
    s.set_agent_device(a.id, bob.id, None)
        .await
        .expect("cleared twice");
    assert_eq!(
        s.list_agent_devices().await.expect("list"),
        vec![(a.id, ann.id, AgentDevice::Desk)]
    );
}

/// A bad number is refused and the stored choice stays; another tenant's user is not found.
pub async fn bad_device_choices_are_refused_and_keep_the_stored_one(s: &dyn Store) {
    let a = tenant(s, "acme").await;
    let b = tenant(s, "globex").await;
    let ann = user(s, a.id, "1001").await;
    s.set_agent_device(a.id, ann.id, Some(AgentDevice::Desk))
        .await
        .expect("desk");
    for bad in ["", "+", "12", "+44 20", "x123", &"9".repeat(21)] {
        let r = s
            .set_agent_device(a.id, ann.id, Some(AgentDevice::Pstn(bad.into())))
            .await;
        assert_invalid(r, "number");
    }
    assert_eq!(
        s.get_agent_device(a.id, ann.id).await.expect("get"),
        Some(AgentDevice::Desk)
    );
    assert_not_found(s.get_agent_device(b.id, ann.id).await);
    assert_not_found(s.set_agent_device(b.id, ann.id, None).await);
}
