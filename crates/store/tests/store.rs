//! The store's behaviour, on SQLite and on PostgreSQL.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use relais_store::{
    AccountId, Changes, CollectionKind, DataType, Error, ItemId, Modseq, NewCollection, NewItem, Store, Uid,
};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

async fn account(store: &Store) -> AccountId {
    store.write(|tx| tx.create_account()).await.expect("create account")
}

async fn mailbox(store: &Store, account: AccountId, name: &str) -> relais_store::CollectionId {
    let name = name.to_owned();
    store
        .write(move |tx| {
            tx.create_collection(
                account,
                NewCollection { kind: CollectionKind::Mailbox, name, parent: None, role: None },
            )
        })
        .await
        .expect("create mailbox")
        .id
}

async fn message(store: &Store, account: AccountId, body: &str) -> ItemId {
    let blob = store.put_blob(body.as_bytes().to_vec()).await.expect("put blob");
    store
        .write(move |tx| tx.create_item(account, DataType::Email, NewItem { blob: Some(blob), ..NewItem::default() }))
        .await
        .expect("create message")
}

async fn migrations_and_reopen(f: Fresh) {
    let a = account(&f.store).await;
    drop(f.store);
    // Reopening runs no migration twice and keeps the data.
    let store = Store::open(f.config.clone()).await.expect("reopen");
    assert_eq!(store.read(move |r| r.account_modseq(a)).await.unwrap(), Modseq(0));
    // A data directory from a newer binary is refused.
    store
        .write(|tx| {
            tx.read();
            Ok(())
        })
        .await
        .unwrap();
    drop(store);
    let config = f.config.clone();
    std::thread::spawn(move || mark_newer(&config)).join().unwrap();
    match Store::open(f.config.clone()).await {
        Err(Error::NewerSchema { found: 99, supported }) if supported == relais_store::SCHEMA_VERSION => {}
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a newer schema must be refused"),
    }
}
on_both_backends!(migrations, migrations_and_reopen);

fn mark_newer(config: &relais_store::StoreConfig) {
    match &config.backend {
        relais_store::Backend::Sqlite { dir } => {
            let c = rusqlite_conn(dir);
            c.execute("INSERT INTO schema_version (version, applied) VALUES (99, 0)", []).unwrap();
        }
        relais_store::Backend::Postgres { url } => {
            let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
            c.execute("INSERT INTO schema_version (version, applied) VALUES (99, 0)", &[]).unwrap();
        }
    }
}

fn rusqlite_conn(dir: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("relais.db")).unwrap()
}

async fn mailboxes_and_uids(f: Fresh) {
    let store = &f.store;
    let a = account(store).await;
    let inbox = mailbox(store, a, "INBOX").await;
    let archive = mailbox(store, a, "Archive").await;
    let dup = store
        .write(move |tx| {
            tx.create_collection(
                a,
                NewCollection { kind: CollectionKind::Mailbox, name: "INBOX".into(), parent: None, role: None },
            )
        })
        .await;
    assert!(matches!(dup, Err(Error::AlreadyExists(_))), "{dup:?}");

    let mut ids = Vec::new();
    for i in 0..3 {
        let m = message(store, a, &format!("message {i}")).await;
        let uid = store.write(move |tx| tx.add_to_mailbox(m, inbox)).await.unwrap();
        assert_eq!(uid, Uid(i + 1));
        ids.push(m);
    }
    let before = store.read(move |r| r.account_modseq(a)).await.unwrap();
    // Move the second message: a new UID in Archive, gone from INBOX.
    let m = ids[1];
    store
        .write(move |tx| {
            tx.add_to_mailbox(m, archive)?;
            tx.remove_from_mailbox(m, inbox)
        })
        .await
        .unwrap();
    let (entries, changes) =
        store.read(move |r| Ok((r.mailbox_entries(inbox)?, r.mailbox_changes_since(inbox, before)?))).await.unwrap();
    assert_eq!(entries.iter().map(|e| e.uid.0).collect::<Vec<_>>(), vec![1, 3]);
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].uid, changes[0].kind), (Uid(2), relais_store::ChangeKind::Destroyed));
    // One write transaction, one modseq, even though it touched two mailboxes.
    let after = store.read(move |r| r.account_modseq(a)).await.unwrap();
    assert_eq!(after, Modseq(before.0 + 1));
    // Removing from the last mailbox destroys the message.
    store.write(move |tx| tx.remove_from_mailbox(m, archive)).await.unwrap();
    let gone = store.read(move |r| r.item(m)).await;
    assert!(matches!(gone, Err(Error::NotFound(_))));
    // UIDs are never reused.
    let n = message(store, a, "again").await;
    assert_eq!(store.write(move |tx| tx.add_to_mailbox(n, inbox)).await.unwrap(), Uid(4));
    // Flags bump the message's modseq in every mailbox it is in.
    let m0 = ids[0];
    let flagged = store.write(move |tx| tx.set_keywords(m0, &["\\Seen".into()])).await.unwrap();
    let entries = store.read(move |r| r.mailbox_entries(inbox)).await.unwrap();
    assert_eq!(entries[0].modseq, flagged);
    assert_eq!(store.read(move |r| r.item(m0)).await.unwrap().keywords, vec!["\\Seen".to_string()]);
    // A mailbox deleted and created again under its name gets a larger UIDVALIDITY.
    let old = store.read(move |r| r.collection(archive)).await.unwrap();
    store.write(move |tx| tx.destroy_collection(archive)).await.unwrap();
    let again = mailbox(store, a, "Archive").await;
    let new = store.read(move |r| r.collection(again)).await.unwrap();
    assert!(new.uid_validity > old.uid_validity, "{} then {}", old.uid_validity, new.uid_validity);
    assert_eq!(new.uid_next, 1);
}
on_both_backends!(mailboxes, mailboxes_and_uids);

/// Many writers at once: every committed write has its own modseq, the modseqs are
/// contiguous, and a reader that follows the log incrementally ends with exactly the state.
async fn concurrent_change_log(f: Fresh) {
    let store = f.store.clone();
    let a = account(&store).await;
    let calendar = store
        .write(move |tx| {
            tx.create_collection(
                a,
                NewCollection { kind: CollectionKind::Calendar, name: "cal".into(), parent: None, role: None },
            )
        })
        .await
        .unwrap()
        .id;
    let start = store.read(move |r| r.account_modseq(a)).await.unwrap();

    let follower = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut seen = BTreeSet::new();
            let mut since = start;
            let mut rounds = 0;
            loop {
                let c: Changes = store.read(move |r| r.changes_since(a, DataType::Event, since)).await.unwrap();
                assert!(c.until >= since);
                for id in c.created.iter().chain(&c.updated) {
                    seen.insert(*id);
                }
                for id in &c.destroyed {
                    seen.remove(id);
                }
                since = c.until;
                rounds += 1;
                if since.0 >= start.0 + 32 * 20 * 2 {
                    return (seen, rounds);
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };

    let mut writers = Vec::new();
    for w in 0..32 {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            let mut kept = Vec::new();
            let mut modseqs = Vec::new();
            for i in 0..20 {
                let new =
                    NewItem { collection: Some(calendar), uid_text: Some(format!("{w}-{i}")), ..NewItem::default() };
                let (id, m) = store
                    .write(move |tx| {
                        let id = tx.create_item(a, DataType::Event, new)?;
                        Ok((id, tx.modseq(a)?))
                    })
                    .await
                    .unwrap();
                modseqs.push(m);
                // Every other item is destroyed again, in its own write.
                if i % 2 == 0 {
                    modseqs.push(
                        store
                            .write(move |tx| {
                                tx.destroy_item(id)?;
                                tx.modseq(a)
                            })
                            .await
                            .unwrap(),
                    );
                } else {
                    let replacement = NewItem {
                        collection: Some(calendar),
                        uid_text: Some(format!("{w}-{i}b")),
                        ..NewItem::default()
                    };
                    modseqs.push(
                        store
                            .write(move |tx| {
                                tx.replace_item(id, replacement)?;
                                tx.modseq(a)
                            })
                            .await
                            .unwrap(),
                    );
                    kept.push(id);
                }
            }
            (kept, modseqs)
        }));
    }
    let mut kept = BTreeSet::new();
    let mut modseqs = Vec::new();
    for w in writers {
        let (k, m) = w.await.unwrap();
        kept.extend(k.into_iter().map(|i| i.0));
        modseqs.extend(m);
    }
    modseqs.sort();
    let expected: Vec<Modseq> = (1..=32 * 20 * 2).map(|i| Modseq(start.0 + i)).collect();
    assert_eq!(modseqs, expected, "each write has its own, contiguous modseq");

    let (seen, rounds) = tokio::time::timeout(Duration::from_secs(30), follower).await.unwrap().unwrap();
    assert_eq!(seen, kept, "following the log incrementally ({rounds} reads) gives the final state");

    let all = store.read(move |r| r.changes_since(a, DataType::Event, start)).await.unwrap();
    assert_eq!(all.created.iter().copied().collect::<BTreeSet<_>>(), kept);
    assert!(all.updated.is_empty() && all.destroyed.is_empty());
    let in_calendar: BTreeSet<i64> =
        store.read(move |r| r.items_in(calendar)).await.unwrap().iter().map(|i| i.id.0).collect();
    assert_eq!(in_calendar, kept);
}
on_both_backends!(change_log, concurrent_change_log);

async fn blob_dedup_and_gc(f: Fresh) {
    let store = &f.store;
    let a = account(store).await;
    // Large enough to be a file on SQLite (small blobs live in the database).
    let content = "same bytes ".repeat(10_000);
    let one = message(store, a, &content).await;
    let two = message(store, a, &content).await;
    let (i1, i2) = store.read(move |r| Ok((r.item(one)?, r.item(two)?))).await.unwrap();
    let hash = i1.blob.clone().unwrap();
    assert_eq!(i1.blob, i2.blob);
    assert_eq!(
        store
            .read({
                let h = hash.clone();
                move |r| r.blob_refs(&h)
            })
            .await
            .unwrap(),
        Some(2)
    );
    if let relais_store::Backend::Sqlite { dir } = &f.config.backend {
        let files = walk(&dir.join("blobs"));
        assert_eq!(files.iter().filter(|p| p.ends_with(hash.as_str())).count(), 1, "stored once");
    }
    assert_eq!(store.blob(hash.clone()).await.unwrap(), content.as_bytes());

    store.write(move |tx| tx.destroy_item(one)).await.unwrap();
    assert_eq!(store.collect_garbage(Duration::ZERO).await.unwrap(), 0, "still referenced");
    assert_eq!(store.blob(hash.clone()).await.unwrap(), content.as_bytes());

    store.write(move |tx| tx.destroy_item(two)).await.unwrap();
    // Within the grace period nothing goes.
    assert_eq!(store.collect_garbage(Duration::from_secs(3600)).await.unwrap(), 0);
    // The released blob's time stamp is the release second; wait it out.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(store.collect_garbage(Duration::ZERO).await.unwrap(), 1);
    assert!(matches!(store.blob(hash.clone()).await, Err(Error::NotFound(_))));
    assert_eq!(
        store
            .read({
                let h = hash.clone();
                move |r| r.blob_refs(&h)
            })
            .await
            .unwrap(),
        None
    );

    // Small blobs are stored inline by the referencing transaction, deduplicated the same way.
    let small1 = message(store, a, "small and shared").await;
    let small2 = message(store, a, "small and shared").await;
    let (s1, s2) = store.read(move |r| Ok((r.item(small1)?, r.item(small2)?))).await.unwrap();
    let small = s1.blob.clone().unwrap();
    assert_eq!(s1.blob, s2.blob);
    assert_eq!(
        store
            .read({
                let h = small.clone();
                move |r| r.blob_refs(&h)
            })
            .await
            .unwrap(),
        Some(2)
    );
    assert_eq!(store.blob(small.clone()).await.unwrap(), b"small and shared");
    // Many at once, in the order asked, inline and file blobs alike; one missing fails them all.
    let large = "large ".repeat(20_000);
    let big = message(store, a, &large).await;
    let big = store.read(move |r| r.item(big)).await.unwrap().blob.unwrap();
    let read = store.blobs(vec![small.clone(), big, small.clone()]).await.unwrap();
    assert_eq!(read, [&b"small and shared"[..], large.as_bytes(), &b"small and shared"[..]]);
    let absent = relais_store::BlobHash::of(b"never stored");
    assert!(matches!(store.blobs(vec![small.clone(), absent]).await, Err(Error::NotFound(_))));
    store
        .write(move |tx| {
            tx.destroy_item(small1)?;
            tx.destroy_item(small2)
        })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    store.collect_garbage(Duration::ZERO).await.unwrap();
    assert!(matches!(store.blob(small).await, Err(Error::NotFound(_))));

    // A blob written but never referenced (its transaction never came) is an orphan.
    let orphan = store.put_blob(vec![b'o'; 100_000]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    store.collect_garbage(Duration::ZERO).await.unwrap();
    assert!(matches!(store.blob(orphan.hash).await, Err(Error::NotFound(_))));
}
on_both_backends!(blobs, blob_dedup_and_gc);

/// A blob put "now" is readable at once whatever its size (a JMAP upload), and collected like
/// any orphan when nothing references it.
async fn blob_put_now(f: Fresh) {
    let store = &f.store;
    let small = store.put_blob_now(b"small upload".to_vec()).await.unwrap();
    assert!(small.inline.is_none());
    assert_eq!(store.blob(small.hash.clone()).await.unwrap(), b"small upload");
    let large = store.put_blob_now(vec![b'u'; 100_000]).await.unwrap();
    assert_eq!(store.blob(large.hash.clone()).await.unwrap().len(), 100_000);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    store.collect_garbage(Duration::ZERO).await.unwrap();
    assert!(matches!(store.blob(small.hash).await, Err(Error::NotFound(_))));
    assert!(matches!(store.blob(large.hash).await, Err(Error::NotFound(_))));
}
on_both_backends!(blobs_now, blob_put_now);

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

async fn notifications(f: Fresh) {
    let a = account(&f.store).await;
    let mut local = f.store.subscribe();
    // A second process or node on the same data: its own Store instance.
    let other = Store::open(f.config.clone()).await.unwrap();
    let mut remote = other.subscribe();
    let m = message(&f.store, a, "hello").await;
    let n = tokio::time::timeout(Duration::from_secs(5), local.recv()).await.unwrap().unwrap();
    assert_eq!(n.account, a);
    assert!(n.touches(DataType::Email));
    let r =
        tokio::time::timeout(Duration::from_secs(5), remote.recv()).await.expect("cross-process notification").unwrap();
    assert_eq!((r.account, r.modseq), (n.account, n.modseq));
    // And the other way.
    other.write(move |tx| tx.set_keywords(m, &["$Junk".into()])).await.unwrap();
    let back = tokio::time::timeout(Duration::from_secs(5), local.recv()).await.unwrap().unwrap();
    assert_eq!(back.modseq, Modseq(n.modseq.0 + 1));
}
on_both_backends!(notify, notifications);

/// A follower of one account hears that account's commits only, from this process and from
/// another sharing the store; a channel nobody follows any more goes away.
async fn account_notifications(f: Fresh) {
    let (a, b) = (account(&f.store).await, account(&f.store).await);
    let mut of_a = f.store.subscribe_account(a);
    let mut of_b = f.store.subscribe_account(b);
    let other = Store::open(f.config.clone()).await.unwrap();
    let mut remote_of_b = other.subscribe_account(b);
    let wait = Duration::from_secs(5);
    message(&f.store, a, "for a").await;
    let n = tokio::time::timeout(wait, of_a.recv()).await.unwrap().unwrap();
    assert_eq!(n.account, a);
    message(&other, b, "for b, from another process").await;
    let n = tokio::time::timeout(wait, of_b.recv()).await.expect("cross-process, per account").unwrap();
    assert_eq!(n.account, b);
    let n = tokio::time::timeout(wait, remote_of_b.recv()).await.unwrap().unwrap();
    assert_eq!(n.account, b);
    assert!(of_a.try_recv().is_err(), "a's follower heard nothing of b");
    assert!(of_b.try_recv().is_err(), "b's follower heard nothing more");
    // Many commits while a follower sleeps: it is told it lagged (and resyncs), never blocks.
    for i in 0..40 {
        message(&f.store, a, &format!("burst {i}")).await;
    }
    let mut lagged = false;
    while let Ok(r) = of_a.try_recv().map(Ok).or_else(|e| match e {
        tokio::sync::broadcast::error::TryRecvError::Lagged(_) => Ok(Err(())),
        _ => Err(()),
    }) {
        lagged |= r.is_err();
    }
    assert!(lagged, "a small channel per account: a sleeper lags");
    assert_eq!(f.store.followed_accounts(), 2);
    drop(of_a);
    message(&f.store, a, "nobody listens").await;
    // Published just after the write returns (SQLite's writer replies first).
    let deadline = tokio::time::Instant::now() + wait;
    while f.store.followed_accounts() != 1 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(f.store.followed_accounts(), 1, "a's channel went with its last follower");
}
on_both_backends!(notify_account, account_notifications);

async fn change_window(f: Fresh) {
    let store = &f.store;
    let a = account(store).await;
    let m = message(store, a, "x").await;
    let now = store.read(move |r| r.account_modseq(a)).await.unwrap();
    store.trim_changes_before(relais_store::now() + 10).await.unwrap();
    let old = store.read(move |r| r.changes_since(a, DataType::Email, Modseq(0))).await;
    assert!(matches!(old, Err(Error::ChangesTooOld { since: 0, .. })), "{old:?}");
    let current = store.read(move |r| r.changes_since(a, DataType::Email, now)).await.unwrap();
    assert!(current.created.is_empty());
    store.write(move |tx| tx.set_keywords(m, &[])).await.unwrap();
    let next = store.read(move |r| r.changes_since(a, DataType::Email, now)).await.unwrap();
    assert_eq!(next.updated, vec![m.0]);
    // A state the server never gave (ahead of it: a restored backup) cannot be answered either.
    let ahead = store.read(move |r| r.changes_since(a, DataType::Email, Modseq(now.0 + 100))).await;
    assert!(matches!(ahead, Err(Error::ChangesTooOld { .. })), "{ahead:?}");
}
on_both_backends!(window, change_window);

async fn failed_write_rolls_back(f: Fresh) {
    let store = &f.store;
    let a = account(store).await;
    let before = store.read(move |r| r.account_modseq(a)).await.unwrap();
    let r: Result<(), _> = store
        .write(move |tx| {
            tx.create_collection(
                a,
                NewCollection { kind: CollectionKind::Calendar, name: "x".into(), parent: None, role: None },
            )?;
            Err(Error::Invalid("changed my mind".into()))
        })
        .await;
    assert!(matches!(r, Err(Error::Invalid(_))));
    // A panicking write is rolled back too, and the store goes on.
    let p: Result<(), _> = store
        .write(move |tx| {
            tx.create_account()?;
            panic!("bug in a write");
        })
        .await;
    assert!(matches!(p, Err(Error::NotCommitted(_))));
    assert_eq!(store.read(move |r| r.account_modseq(a)).await.unwrap(), before);
    assert!(store.read(move |r| r.collections(a, CollectionKind::Calendar)).await.unwrap().is_empty());
    let _ = BTreeMap::<i32, i32>::new();
}
on_both_backends!(rollback, failed_write_rolls_back);

/// Concurrent writers share commits (SQLite group commit); each still gets its own answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_commit_shares_fsyncs() {
    let f = relais_testkit::backends::sqlite().await;
    let a = account(&f.store).await;
    let before = f.store.stats();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let store = f.store.clone();
        tasks.push(tokio::spawn(async move { store.write(move |tx| tx.modseq(a)).await.unwrap() }));
    }
    let mut modseqs = Vec::new();
    for t in tasks {
        modseqs.push(t.await.unwrap());
    }
    modseqs.sort();
    modseqs.dedup();
    assert_eq!(modseqs.len(), 200, "every write answered with its own modseq");
    let after = f.store.stats();
    let (commits, writes) = (after.commits - before.commits, after.writes - before.writes);
    assert_eq!(writes, 200);
    assert!(commits < writes, "{writes} writes took {commits} commits");
}

/// What an account holds, for its quota: the sum of its items' sizes, kept by every write that
/// adds, replaces or destroys one (and by nothing of another account), equal at every step to
/// the sum counted afresh.
async fn usage_counts_every_item(f: Fresh) {
    let (a, b) = (account(&f.store).await, account(&f.store).await);
    let usage = |who: AccountId| f.store.read(move |r| r.usage(who));
    assert_eq!(usage(a).await.unwrap(), 0);
    let twelve = message(&f.store, a, "twelve bytes").await;
    let four = message(&f.store, a, "four").await;
    message(&f.store, b, "another account's").await;
    assert_eq!(usage(a).await.unwrap(), 16);
    let blob = f.store.put_blob(b"now twenty-one bytes.".to_vec()).await.unwrap();
    f.store.write(move |tx| tx.replace_item(twelve, NewItem { blob: Some(blob), ..NewItem::default() })).await.unwrap();
    assert_eq!(usage(a).await.unwrap(), 25, "replaced: 21 + 4");
    f.store.write(move |tx| tx.destroy_item(four)).await.unwrap();
    assert_eq!(usage(a).await.unwrap(), 21, "destroyed");
    f.store.write(move |tx| tx.destroy_item(twelve)).await.unwrap();
    assert_eq!(usage(a).await.unwrap(), 0);
    assert_eq!(usage(b).await.unwrap(), 17, "the other account untouched");
}
on_both_backends!(usage, usage_counts_every_item);

/// Bulk reads for JMAP: items by id in chunks (missing ids left out, id order), and a
/// mailbox's messages with their threads and keywords in one query.
async fn bulk_reads(f: Fresh) {
    let store = &f.store;
    let a = account(store).await;
    let inbox = mailbox(store, a, "INBOX").await;
    let mut ids = Vec::new();
    for n in 0..1203 {
        ids.push(message(store, a, &format!("message {n}")).await);
    }
    let (first, second) = (ids[0], ids[1]);
    store
        .write(move |tx| {
            tx.add_to_mailbox(second, inbox)?;
            tx.add_to_mailbox(first, inbox)?;
            tx.set_keywords(first, &["\\Seen".to_owned()])?;
            Ok(())
        })
        .await
        .unwrap();
    let mut asked: Vec<ItemId> = ids.iter().rev().copied().collect();
    asked.push(ItemId(i64::MAX));
    asked.push(first);
    let got = store.read(move |r| r.items(&asked)).await.unwrap();
    assert_eq!(got.iter().map(|i| i.id).collect::<Vec<_>>(), ids, "every one once, in id order");
    let threads = store.read(move |r| r.mailbox_threads(inbox)).await.unwrap();
    assert_eq!(threads.len(), 2);
    assert_eq!(threads[0].0, second, "in UID order");
    assert_eq!(threads[1], (first, first.0, vec!["\\Seen".to_owned()]));
}
on_both_backends!(bulk, bulk_reads);

/// A mailbox's newest messages a page at a time, collapsed by thread or not (JMAP Email/query
/// of a mailbox by receivedAt): the same as sorting every message (received date, then id,
/// both newest first) and keeping each thread's first, across the store's internal pages;
/// messages of another mailbox never in it.
async fn mailbox_pages(f: Fresh) {
    let store = &f.store;
    let a = account(store).await;
    let (inbox, other) = (mailbox(store, a, "INBOX").await, mailbox(store, a, "Other").await);
    let made = store
        .write(move |tx| {
            let mut made: Vec<(ItemId, i64, i64)> = Vec::new();
            for n in 0..1300i64 {
                // Pairs share a received date; threads of three (the first starts it).
                let thread = (n % 3 != 0).then(|| made[usize::try_from(n - n % 3).unwrap_or(0)].0.0);
                let new =
                    NewItem { received_at: 1_000 + (n * 7919 % 1300) / 2, thread_id: thread, ..NewItem::default() };
                let received_at = new.received_at;
                let id = tx.create_item(a, DataType::Email, new)?;
                tx.add_to_mailbox(id, if n % 10 == 9 { other } else { inbox })?;
                made.push((id, thread.unwrap_or(id.0), received_at));
            }
            Ok(made)
        })
        .await
        .unwrap();
    let mut inbox_rows: Vec<(ItemId, i64, i64)> =
        made.iter().enumerate().filter(|(n, _)| n % 10 != 9).map(|(_, r)| *r).collect();
    inbox_rows.sort_by(|x, y| y.2.cmp(&x.2).then(y.0.cmp(&x.0)));
    let all: Vec<ItemId> = inbox_rows.iter().map(|r| r.0).collect();
    let mut seen = BTreeSet::new();
    let collapsed: Vec<ItemId> = inbox_rows.iter().filter(|r| seen.insert(r.1)).map(|r| r.0).collect();
    for (skip, take) in [(0, 50), (0, 2000), (40, 10), (500, 30), (505, 300), (1169, 5), (5000, 5), (3, 0)] {
        let page = store.read(move |r| r.mailbox_newest(inbox, false, skip, take)).await.unwrap();
        assert_eq!(page, all.iter().skip(skip).take(take).copied().collect::<Vec<_>>(), "flat {skip} {take}");
        let page = store.read(move |r| r.mailbox_newest(inbox, true, skip, take)).await.unwrap();
        assert_eq!(page, collapsed.iter().skip(skip).take(take).copied().collect::<Vec<_>>(), "threads {skip} {take}");
    }
    assert_eq!(store.read(move |r| r.mailbox_total(inbox, false)).await.unwrap(), all.len() as u64);
    assert_eq!(store.read(move |r| r.mailbox_total(inbox, true)).await.unwrap(), collapsed.len() as u64);
    let empty = mailbox(store, a, "Empty").await;
    assert!(store.read(move |r| r.mailbox_newest(empty, true, 0, 50)).await.unwrap().is_empty());
    assert_eq!(store.read(move |r| r.mailbox_total(empty, true)).await.unwrap(), 0);
}
on_both_backends!(mailbox_newest, mailbox_pages);

/// Changes cut at a state for a client's maxChanges (RFC 8620 §5.2): each step ends at a modseq
/// whose changes all fit, the steps add up to the whole, and a transaction that alone changed
/// more than the bound cannot be cut.
async fn changes_at_most(f: Fresh) {
    let store = &f.store;
    let a = account(store).await;
    let start = store.read(move |r| r.account_modseq(a)).await.unwrap();
    let mut made = Vec::new();
    for n in 0..7 {
        made.push(message(store, a, &format!("one {n}")).await);
    }
    let first = made[0];
    store.write(move |tx| tx.set_keywords(first, &["x".to_owned()]).map(|_| ())).await.unwrap();
    let (mut since, mut seen, mut steps) = (start, Vec::new(), 0);
    loop {
        let step = store.read(move |r| r.changes_since_at_most(a, DataType::Email, since, 3)).await.unwrap();
        let (c, more) = step.expect("single changes always fit");
        assert!(c.created.len() + c.updated.len() + c.destroyed.len() <= 3);
        seen.extend(c.created.iter().chain(&c.updated).copied());
        since = c.until;
        steps += 1;
        if !more {
            break;
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen, made.iter().map(|i| i.0).collect::<Vec<_>>());
    assert_eq!(steps, 3, "3 + 3 + 1 messages (the update folds into its creation)");
    let whole = store.read(move |r| r.changes_since_at_most(a, DataType::Email, start, 100)).await.unwrap();
    let (c, more) = whole.unwrap();
    assert_eq!((c.created.len(), more), (7, false));
    // Five messages in one transaction: no cut of 3 exists.
    let before = store.read(move |r| r.account_modseq(a)).await.unwrap();
    store
        .write(move |tx| {
            for _ in 0..5 {
                tx.create_item(a, DataType::Email, NewItem::default())?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let none = store.read(move |r| r.changes_since_at_most(a, DataType::Email, before, 3)).await.unwrap();
    assert!(none.is_none());
    let fits = store.read(move |r| r.changes_since_at_most(a, DataType::Email, before, 5)).await.unwrap();
    assert_eq!(fits.map(|(c, more)| (c.created.len(), more)), Some((5, false)));
}
on_both_backends!(changes_bounded, changes_at_most);
