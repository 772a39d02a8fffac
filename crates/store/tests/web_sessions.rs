//! The web client's sessions in the store (migration 0023), on SQLite and on PostgreSQL: found
//! by their token's hash, bounded per account and in all, ended by time, by logout, by a
//! password change and by the principal's removal, and purged.

use relais_store::{AccountId, NewPrincipal, PrincipalKind, Role, SessionBounds, Store};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

const BOUNDS: SessionBounds = SessionBounds { idle: 60, lifetime: 600, per_account: 3, total: 5 };
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

async fn open(store: &Store, hash: &str, account: AccountId, now: i64) -> bool {
    let hash = hash.to_owned();
    store.write(move |tx| tx.open_web_session(&hash, account, "csrf", now, BOUNDS)).await.expect("open")
}

async fn live(store: &Store, hash: &str, now: i64) -> bool {
    let hash = hash.to_owned();
    let s = store.read(move |r| r.web_session(&hash)).await.expect("read");
    s.is_some_and(|s| s.live(now, BOUNDS.idle))
}

async fn count(store: &Store, account: Option<AccountId>) -> u64 {
    store.read(move |r| r.web_session_count(account)).await.expect("count")
}

async fn open_find_touch_close(f: Fresh) {
    let store = &f.store;
    let ann = principal(store, "ann").await;
    assert!(open(store, "h1", ann, T0).await);
    let s = store.read(|r| r.web_session("h1")).await.unwrap().expect("stored");
    assert_eq!((s.account, s.csrf.as_str(), s.created, s.last_used, s.expires), (ann, "csrf", T0, T0, T0 + 600));
    assert_eq!(store.read(|r| r.web_session("h2")).await.unwrap(), None);
    // Idle: used at T0 + 50, still live at T0 + 100; a touch never moves back.
    assert!(!live(store, "h1", T0 + 60).await);
    store.write(|tx| tx.touch_web_session("h1", T0 + 50)).await.unwrap();
    store.write(|tx| tx.touch_web_session("h1", T0 + 10)).await.unwrap();
    assert_eq!(store.read(|r| r.web_session("h1")).await.unwrap().unwrap().last_used, T0 + 50);
    assert!(live(store, "h1", T0 + 100).await);
    // The lifetime ends it however recently used.
    store.write(|tx| tx.touch_web_session("h1", T0 + 590)).await.unwrap();
    assert!(!live(store, "h1", T0 + 600).await);
    assert!(store.write(|tx| tx.close_web_session("h1")).await.unwrap());
    assert!(!store.write(|tx| tx.close_web_session("h1")).await.unwrap());
}
on_both_backends!(basics, open_find_touch_close);

async fn bounds_per_account_and_in_all(f: Fresh) {
    let store = &f.store;
    let (ann, bob, cy) = (principal(store, "ann").await, principal(store, "bob").await, principal(store, "cy").await);
    for i in 0..5 {
        assert!(open(store, &format!("a{i}"), ann, T0 + i).await);
    }
    // Ann keeps her newest three.
    assert_eq!(count(store, Some(ann)).await, 3);
    assert!(!live(store, "a1", T0 + 5).await && live(store, "a2", T0 + 5).await && live(store, "a4", T0 + 5).await);
    assert!(open(store, "b0", bob, T0).await && open(store, "b1", bob, T0).await);
    assert_eq!(count(store, None).await, 5);
    // Full of live sessions: Cy is refused, Ann (at her bound) still gets in.
    assert!(!open(store, "c0", cy, T0 + 10).await);
    assert!(open(store, "a5", ann, T0 + 10).await);
    assert!(!live(store, "a2", T0 + 10).await);
    // Once Bob's are idle, they are purged to make room.
    store.write(|tx| tx.touch_web_session("a5", T0 + 70)).await.unwrap();
    store.write(|tx| tx.touch_web_session("a4", T0 + 70)).await.unwrap();
    store.write(|tx| tx.touch_web_session("a3", T0 + 70)).await.unwrap();
    assert!(open(store, "c0", cy, T0 + 80).await);
    assert_eq!(count(store, Some(bob)).await, 0);
    assert_eq!(count(store, None).await, 4);
}
on_both_backends!(bounds, bounds_per_account_and_in_all);

/// Logins of one account at once still leave it at its bound.
async fn racing_logins_keep_the_bound(f: Fresh) {
    let ann = principal(&f.store, "ann").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let store = f.store.clone();
        tasks.push(tokio::spawn(async move { open(&store, &format!("r{i}"), ann, T0 + i).await }));
    }
    for t in tasks {
        assert!(t.await.expect("task"));
    }
    assert_eq!(count(&f.store, Some(ann)).await, u64::from(BOUNDS.per_account));
}
on_both_backends!(race, racing_logins_keep_the_bound);

async fn credential_changes_and_removal_end_sessions(f: Fresh) {
    let store = &f.store;
    let (ann, bob) = (principal(store, "ann").await, principal(store, "bob").await);
    assert!(open(store, "a0", ann, T0).await && open(store, "a1", ann, T0).await && open(store, "b0", bob, T0).await);
    store.write(move |tx| tx.set_secret(ann, Some("new"))).await.unwrap();
    assert_eq!(count(store, Some(ann)).await, 0);
    assert!(live(store, "b0", T0).await);
    // Disabling (no password) ends them too.
    assert!(open(store, "a2", ann, T0).await);
    store.write(move |tx| tx.set_secret(ann, None)).await.unwrap();
    assert_eq!(count(store, Some(ann)).await, 0);
    // Revoking an app password leaves them: the web sign-in takes the password alone, so no
    // session stands on an app password (a user revoking one in Settings stays signed in).
    store.write(move |tx| tx.set_secret(ann, Some("again"))).await.unwrap();
    store.write(move |tx| tx.add_app_password(ann, "phone", "$argon2id$x")).await.unwrap();
    assert!(open(store, "a3", ann, T0).await);
    store.write(move |tx| tx.revoke_app_password(ann, "phone")).await.unwrap();
    assert!(live(store, "a3", T0).await);
    // Removing a principal ends its sessions (Bob's b0), and only its own.
    store.write(move |tx| tx.remove_principal(bob)).await.unwrap();
    assert_eq!((count(store, Some(ann)).await, count(store, None).await), (1, 1));
}
on_both_backends!(credentials, credential_changes_and_removal_end_sessions);

async fn purge_deletes_ended_sessions(f: Fresh) {
    let store = &f.store;
    let ann = principal(store, "ann").await;
    assert!(open(store, "old", ann, T0).await && open(store, "idle", ann, T0 + 500).await);
    assert!(open(store, "used", ann, T0 + 500).await);
    store.write(|tx| tx.touch_web_session("used", T0 + 590)).await.unwrap();
    assert_eq!(store.write(|tx| tx.purge_web_sessions(T0 + 600, BOUNDS.idle)).await.unwrap(), 2);
    assert!(live(store, "used", T0 + 600).await);
    assert_eq!(count(store, None).await, 1);
}
on_both_backends!(purge, purge_deletes_ended_sessions);
