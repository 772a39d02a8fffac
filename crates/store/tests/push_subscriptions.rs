//! JMAP push subscriptions and leases in the store (migration 0027), on SQLite and on
//! PostgreSQL: bounded per principal, changed and destroyed only by their principal, listed
//! live once verified and until they expire, purged, gone with the principal; a lease held by
//! one holder until it ends.

use relais_store::{AccountId, NewPrincipal, NewPushSubscription, PrincipalKind, PushSubscriptionUpdate, Role, Store};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

const T0: i64 = 1_800_000_000;

async fn principal(store: &Store, local: &str) -> AccountId {
    let local = local.to_owned();
    store
        .write(move |tx| {
            let domain = match tx.read().domain("example.test")? {
                Some(d) => d.id,
                None => tx.add_domain("example.test")?,
            };
            tx.create_principal(NewPrincipal {
                kind: PrincipalKind::User,
                local_part: local,
                domain,
                display_name: String::new(),
                secret: Some("x".into()),
                role: Role::User,
            })
        })
        .await
        .expect("principal")
}

fn new(device: &str, expires: i64) -> NewPushSubscription {
    NewPushSubscription {
        device_client_id: device.into(),
        url: format!("https://push.example/{device}"),
        keys: None,
        verification_code: format!("code-{device}"),
        expires,
        types: Some(r#"["Email"]"#.into()),
        credential: "{}".into(),
    }
}

async fn create(store: &Store, account: AccountId, n: NewPushSubscription) -> relais_store::Result<i64> {
    store.write(move |tx| tx.create_push_subscription(account, n, 3)).await
}

async fn lifecycle(f: Fresh) {
    let store = &f.store;
    let (ann, bob) = (principal(store, "ann").await, principal(store, "bob").await);
    let a1 = create(store, ann, new("a1", T0 + 100)).await.expect("a1");
    let a2 = create(store, ann, new("a2", T0 + 200)).await.expect("a2");
    create(store, ann, new("a3", T0 + 300)).await.expect("a3");
    // The bound: a fourth is refused, another principal's count is its own.
    let refused = create(store, ann, new("a4", T0 + 300)).await;
    assert!(matches!(refused, Err(relais_store::Error::Limit(_))), "{refused:?}");
    let b1 = create(store, bob, new("b1", T0 + 100)).await.expect("b1");

    let listed = store.read(move |r| r.push_subscriptions(ann)).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.device_client_id.as_str()).collect::<Vec<_>>(), ["a1", "a2", "a3"]);
    let s = &listed[0];
    assert_eq!((s.id, s.account, s.verified, s.expires, s.failures), (a1, ann, false, T0 + 100, 0));
    assert_eq!((s.url.as_str(), s.verification_code.as_str()), ("https://push.example/a1", "code-a1"));
    assert_eq!(s.types.as_deref(), Some(r#"["Email"]"#));

    // Nothing is live before it is verified.
    assert!(store.read(|r| r.live_push_subscriptions(T0, 10)).await.unwrap().is_empty());
    let verify = PushSubscriptionUpdate { verified: Some(true), ..Default::default() };
    let up = verify.clone();
    assert!(store.write(move |tx| tx.update_push_subscription(ann, a1, &up)).await.unwrap());
    // Another principal's id is not found for an update or a destroy.
    let up = verify.clone();
    assert!(!store.write(move |tx| tx.update_push_subscription(bob, a2, &up)).await.unwrap());
    assert!(!store.write(move |tx| tx.destroy_push_subscription(bob, a2)).await.unwrap());
    let up = verify.clone();
    assert!(store.write(move |tx| tx.update_push_subscription(bob, b1, &up)).await.unwrap());
    let live: Vec<i64> =
        store.read(|r| r.live_push_subscriptions(T0, 10)).await.unwrap().iter().map(|s| s.id).collect();
    assert_eq!(live, [a1, b1]);
    // Types and expiry changed; an unchanged field stays.
    let up = PushSubscriptionUpdate {
        expires: Some(T0 + 50),
        types: Some(None),
        push_state: Some("1:5".into()),
        ..Default::default()
    };
    assert!(store.write(move |tx| tx.update_push_subscription(ann, a1, &up)).await.unwrap());
    let s = store.read(move |r| r.push_subscription(a1)).await.unwrap().expect("a1");
    assert_eq!((s.verified, s.expires, s.types, s.push_state.as_deref()), (true, T0 + 50, None, Some("1:5")));
    // Expired: not live, then purged.
    let live = store.read(|r| r.live_push_subscriptions(T0 + 60, 10)).await.unwrap();
    assert_eq!(live.iter().map(|s| s.id).collect::<Vec<_>>(), [b1]);
    assert_eq!(store.write(|tx| tx.purge_push_subscriptions(T0 + 60)).await.unwrap(), 1);
    assert!(store.read(move |r| r.push_subscription(a1)).await.unwrap().is_none());

    // Failures counted in a row, a success starts over.
    assert_eq!(store.write(move |tx| tx.note_push_outcome(b1, None)).await.unwrap(), 1);
    assert_eq!(store.write(move |tx| tx.note_push_outcome(b1, None)).await.unwrap(), 2);
    assert_eq!(store.write(move |tx| tx.note_push_outcome(b1, Some("2:9"))).await.unwrap(), 0);
    assert_eq!(store.read(move |r| r.push_subscription(b1)).await.unwrap().unwrap().push_state.as_deref(), Some("2:9"));

    assert!(store.write(move |tx| tx.destroy_push_subscription(ann, a2)).await.unwrap());
    assert_eq!(store.read(move |r| r.push_subscriptions(ann)).await.unwrap().len(), 1);
    // Gone with the principal.
    store.write(move |tx| tx.remove_principal(bob)).await.unwrap();
    assert!(store.read(move |r| r.push_subscription(b1)).await.unwrap().is_none());
}

async fn leases(f: Fresh) {
    let store = &f.store;
    let claim = |holder: &'static str, now: i64| store.write(move |tx| tx.claim_lease("push", holder, now, 60));
    assert!(claim("node-a", T0).await.unwrap());
    // Held: another cannot take it; its holder renews it.
    assert!(!claim("node-b", T0 + 30).await.unwrap());
    assert!(claim("node-a", T0 + 30).await.unwrap());
    assert!(!claim("node-b", T0 + 89).await.unwrap());
    // Ended: the other takes it, and the first no longer has it.
    assert!(claim("node-b", T0 + 90).await.unwrap());
    assert!(!claim("node-a", T0 + 91).await.unwrap());
    // Given up by its holder only.
    store.write(|tx| tx.release_lease("push", "node-a")).await.unwrap();
    assert!(!claim("node-a", T0 + 92).await.unwrap());
    store.write(|tx| tx.release_lease("push", "node-b")).await.unwrap();
    assert!(claim("node-a", T0 + 93).await.unwrap());
}

on_both_backends!(subscriptions, lifecycle);
on_both_backends!(lease, leases);
