//! Bounds on an account's collection trees (count per kind, nesting depth), and `/readyz`'s
//! ping giving up when the read pool is starved; on SQLite and on PostgreSQL.

use std::time::{Duration, Instant};

use relais_store::{
    AccountId, CollectionId, CollectionKind, CollectionLimits, Error, NewCollection, Store, StoreConfig,
};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

async fn reopen(fresh: &Fresh, change: impl FnOnce(&mut StoreConfig)) -> Store {
    let mut config = fresh.config.clone();
    change(&mut config);
    Store::open(config).await.expect("reopen store")
}

async fn create(
    store: &Store,
    account: AccountId,
    kind: CollectionKind,
    name: &str,
    parent: Option<CollectionId>,
) -> Result<CollectionId, Error> {
    let name = name.to_owned();
    store.write(move |tx| Ok(tx.create_collection(account, NewCollection { kind, name, parent, role: None })?.id)).await
}

async fn limits(fresh: Fresh) {
    let store =
        reopen(&fresh, |c| c.limits = CollectionLimits { max_collections: 5, max_file_folders: 7, max_depth: 3 }).await;
    let account = store.write(|tx| tx.create_account()).await.expect("account");
    let mb = CollectionKind::Mailbox;
    // Depth: three levels, not four.
    let a = create(&store, account, mb, "a", None).await.expect("a");
    let b = create(&store, account, mb, "b", Some(a)).await.expect("a/b");
    let c = create(&store, account, mb, "c", Some(b)).await.expect("a/b/c");
    let deep = create(&store, account, mb, "d", Some(c)).await;
    assert!(matches!(deep, Err(Error::Limit(_))), "{deep:?}");
    // Count per kind: five mailboxes, not six; another kind has its own count.
    create(&store, account, mb, "x", None).await.expect("x");
    let y = create(&store, account, mb, "y", None).await.expect("y");
    let sixth = create(&store, account, mb, "z", None).await;
    assert!(matches!(sixth, Err(Error::Limit(_))), "{sixth:?}");
    create(&store, account, CollectionKind::Calendar, "cal", None).await.expect("a calendar besides");
    // Moving a subtree under another may not pass the depth either, nor go inside itself.
    let moved = store.write(move |tx| tx.rename_collection(a, "a", Some(y))).await;
    assert!(matches!(moved, Err(Error::Limit(_))), "{moved:?}");
    let inside = store.write(move |tx| tx.rename_collection(a, "a", Some(c))).await;
    assert!(matches!(inside, Err(Error::Invalid(_))), "{inside:?}");
    store.write(move |tx| tx.rename_collection(c, "c", Some(y))).await.expect("a leaf may move under y");
}
on_both_backends!(collection_limits, limits);

async fn starved(fresh: Fresh) {
    let store = reopen(&fresh, |c| c.max_connections = 1).await;
    store.ping(Duration::from_secs(5)).await.expect("ready when idle");
    let (hold, release) = std::sync::mpsc::channel::<()>();
    let slow = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .read(move |_| {
                    let _ = release.recv_timeout(Duration::from_secs(30));
                    Ok(())
                })
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let answer = store.ping(Duration::from_millis(300)).await;
    assert!(matches!(answer, Err(Error::Busy(_))), "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    drop(hold);
    slow.await.expect("join").expect("slow read");
    store.ping(Duration::from_secs(5)).await.expect("ready again");
}
on_both_backends!(ping_when_starved, starved);
