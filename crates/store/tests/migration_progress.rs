//! The progress of a migration in (`migration_progress`), on SQLite and on PostgreSQL: recorded
//! per account, source and folder; never going back under one UIDVALIDITY; replaced under a
//! new one; and committed or rolled back with the write that carries it.

use relais_store::{AccountId, Error, MigratedObject, MigrationProgress, Store};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

const SOURCE: &str = "imap://alice@old.example:993";

async fn account(store: &Store) -> AccountId {
    store.write(|tx| tx.create_account()).await.expect("create account")
}

async fn progress(store: &Store, account: AccountId, folder: &str) -> Option<(u32, u32)> {
    let folder = folder.to_owned();
    let p = store.read(move |r| r.migration_progress(account, SOURCE, &folder)).await.unwrap();
    p.map(|p: MigrationProgress| (p.uidvalidity, p.last_uid))
}

async fn set(store: &Store, account: AccountId, folder: &'static str, validity: u32, uid: u32) {
    store.write(move |tx| tx.set_migration_progress(account, SOURCE, folder, validity, uid)).await.unwrap();
}

async fn recorded_per_folder(f: Fresh) {
    let store = &f.store;
    let (alice, bob) = (account(store).await, account(store).await);
    assert_eq!(progress(store, alice, "INBOX").await, None);
    // (folder, uidvalidity, last uid written) → what is recorded after it.
    let steps: &[(&'static str, u32, u32, (u32, u32))] = &[
        ("INBOX", 7, 100, (7, 100)),
        ("INBOX", 7, 250, (7, 250)),
        ("INBOX", 7, 120, (7, 250)), // never back under one UIDVALIDITY
        ("Work/2026", 9, 3, (9, 3)),
        ("INBOX", 8, 5, (8, 5)), // a new UIDVALIDITY starts over
    ];
    for &(folder, validity, uid, expected) in steps {
        set(store, alice, folder, validity, uid).await;
        assert_eq!(progress(store, alice, folder).await, Some(expected), "{folder} {validity} {uid}");
    }
    assert_eq!(progress(store, bob, "INBOX").await, None, "another account's progress is its own");
    let all = store.read(move |r| r.migration_sources(alice, SOURCE)).await.unwrap();
    let names: Vec<_> = all.iter().map(|p| p.folder.as_str()).collect();
    assert_eq!(names, ["INBOX", "Work/2026"]);
    let other = store.read(move |r| r.migration_sources(alice, "imap://alice@elsewhere:143")).await.unwrap();
    assert!(other.is_empty(), "another source's progress is its own");
}
on_both_backends!(recorded, recorded_per_folder);

async fn rolled_back_with_its_write(f: Fresh) {
    let store = &f.store;
    let alice = account(store).await;
    set(store, alice, "INBOX", 7, 10).await;
    let failed = store
        .write(move |tx| {
            tx.set_migration_progress(alice, SOURCE, "INBOX", 7, 20)?;
            Err::<(), _>(Error::OverQuota)
        })
        .await;
    assert!(matches!(failed, Err(Error::OverQuota)), "{failed:?}");
    assert_eq!(progress(store, alice, "INBOX").await, Some((7, 10)), "the failed write's progress is not kept");
}
on_both_backends!(rolled_back, rolled_back_with_its_write);

/// Which item each source message became and the folder's HIGHESTMODSEQ: kept per folder,
/// both forgotten when the folder's UIDVALIDITY changes.
async fn items_and_modseq_per_folder(f: Fresh) {
    use relais_store::ItemId;
    let store = &f.store;
    let alice = account(store).await;
    set(store, alice, "INBOX", 7, 2).await;
    store
        .write(move |tx| {
            tx.map_migrated(alice, SOURCE, "INBOX", &[(1, ItemId(10)), (2, ItemId(11))])?;
            tx.map_migrated(alice, SOURCE, "INBOX", &[(2, ItemId(12))])?;
            tx.map_migrated(alice, SOURCE, "Work", &[(1, ItemId(20))])?;
            tx.set_migration_modseq(alice, SOURCE, "INBOX", 4242)
        })
        .await
        .unwrap();
    let items = store.read(move |r| r.migrated_items(alice, SOURCE, "INBOX")).await.unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!((items[&1], items[&2]), (ItemId(10), ItemId(12)), "a UID mapped again takes the newer item");
    let p = store.read(move |r| r.migration_progress(alice, SOURCE, "INBOX")).await.unwrap().unwrap();
    assert_eq!(p.highest_modseq, 4242);
    set(store, alice, "INBOX", 7, 3).await;
    let p = store.read(move |r| r.migration_progress(alice, SOURCE, "INBOX")).await.unwrap().unwrap();
    assert_eq!(p.highest_modseq, 4242, "kept under the same UIDVALIDITY");

    set(store, alice, "INBOX", 8, 1).await;
    let items = store.read(move |r| r.migrated_items(alice, SOURCE, "INBOX")).await.unwrap();
    assert!(items.is_empty(), "a new UIDVALIDITY: the old UIDs mean nothing");
    let p = store.read(move |r| r.migration_progress(alice, SOURCE, "INBOX")).await.unwrap().unwrap();
    assert_eq!(p.highest_modseq, 0);
    let work = store.read(move |r| r.migrated_items(alice, SOURCE, "Work")).await.unwrap();
    assert_eq!(work.len(), 1, "another folder's are its own");
}
on_both_backends!(items_and_modseq, items_and_modseq_per_folder);

async fn dav_objects_per_collection(f: Fresh) {
    let store = &f.store;
    let (alice, bob) = (account(store).await, account(store).await);
    let object = |s: &str, l: &str| MigratedObject { source_etag: s.into(), local_etag: l.into() };
    let put = |account, collection: &'static str, name: &'static str, o: MigratedObject| async move {
        store.write(move |tx| tx.map_migrated_object(account, SOURCE, collection, name, &o)).await.unwrap();
    };
    put(alice, "/cal/a/", "e1.ics", object("\"s1\"", "\"l1\"")).await;
    put(alice, "/cal/a/", "e2.ics", object("\"s2\"", "\"l2\"")).await;
    put(alice, "/cal/a/", "e1.ics", object("\"s3\"", "\"l3\"")).await; // a later run replaces
    put(alice, "/card/a/", "e1.ics", object("\"c\"", "\"d\"")).await;
    put(bob, "/cal/a/", "e1.ics", object("\"b\"", "\"b\"")).await;
    let got = store.read(move |r| r.migrated_objects(alice, SOURCE, "/cal/a/")).await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got["e1.ics"], object("\"s3\"", "\"l3\""));
    assert_eq!(got["e2.ics"], object("\"s2\"", "\"l2\""));
    let other = store.read(move |r| r.migrated_objects(alice, "dav://elsewhere", "/cal/a/")).await.unwrap();
    assert!(other.is_empty(), "another source's objects are its own");
}
on_both_backends!(dav_objects, dav_objects_per_collection);
