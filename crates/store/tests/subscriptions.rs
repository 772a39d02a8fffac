//! Subscriptions by name (`mailbox_subscriptions`, migration 0012), on SQLite and on
//! PostgreSQL: names kept whether a mailbox has them or not, moved by a rename, and the
//! migration carrying the subscriptions kept on the mailboxes before it over by full name.

use relais_store::{AccountId, CollectionKind, NewCollection, Store};
use relais_testkit::backends::{DOWNGRADE_TO_11, Fresh, raw_batch};
use relais_testkit::on_both_backends;

async fn account(store: &Store) -> AccountId {
    store.write(|tx| tx.create_account()).await.expect("create account")
}

async fn by_name(f: Fresh) {
    let store = &f.store;
    let (a, b) = (account(store).await, account(store).await);
    let on = |account, name: &'static str, on| store.write(move |tx| tx.set_subscription(account, name, on));
    assert!(on(a, "Work/Old", true).await.unwrap());
    assert!(!on(a, "Work/Old", true).await.unwrap(), "already there");
    on(a, "Work", true).await.unwrap();
    on(a, "Workshop", true).await.unwrap();
    on(b, "Work", true).await.unwrap();
    store.write(move |tx| tx.rename_subscriptions(a, "Work", "Jobs", '/')).await.unwrap();
    let names = store.read(move |r| r.subscriptions(a)).await.unwrap();
    assert_eq!(names, ["Jobs", "Jobs/Old", "Workshop"], "a prefix that is not a parent stays");
    assert_eq!(store.read(move |r| r.subscriptions(b)).await.unwrap(), ["Work"], "another account's");
    assert!(on(a, "Jobs", false).await.unwrap());
    assert!(!store.read(move |r| r.is_subscribed(a, "Jobs")).await.unwrap());
}
on_both_backends!(by_name_on, by_name);

/// Before 0012 a subscription was a flag on the mailbox; the migration lists those flagged by
/// their full names (INBOX by its role), and nothing else.
async fn migrated(f: Fresh) {
    let store = &f.store;
    let a = account(store).await;
    let mk = |name: &str, parent, role: Option<&str>| NewCollection {
        kind: CollectionKind::Mailbox,
        name: name.into(),
        parent,
        role: role.map(str::to_owned),
    };
    let (inbox, work) = (mk("Inbox", None, Some("inbox")), mk("Work", None, None));
    let (inbox, work) = store
        .write(move |tx| Ok((tx.create_collection(a, inbox)?.id, tx.create_collection(a, work)?.id)))
        .await
        .unwrap();
    let (sub, old) = (mk("2026", Some(work), None), mk("Old", Some(inbox), None));
    store.write(move |tx| Ok((tx.create_collection(a, sub)?, tx.create_collection(a, old)?))).await.unwrap();
    drop(f.store);
    let downgrade = format!("{DOWNGRADE_TO_11} UPDATE collections SET subscribed = 0 WHERE id = {};", work.0);
    raw_batch(&f.config, &downgrade);
    let store = Store::open(f.config.clone()).await.expect("migrate");
    let names = store.read(move |r| r.subscriptions(a)).await.unwrap();
    assert_eq!(names, ["INBOX", "INBOX/Old", "Work/2026"]);
}
on_both_backends!(migrated_on, migrated);
