//! Snapshots (backup and restore) on both backends: every table of the schema is either in a
//! snapshot or deliberately derived, and a snapshot restored into a store of the other
//! backend reads back row for row, with the id sequences carried over; a snapshot of an older
//! schema restores and is migrated after.

use relais_store::snapshot::{DERIVED, SnapshotSink, TABLES, schema_tables};
use relais_store::snapshot::{Row, Value};
use relais_store::{
    Backend, BlobHash, CollectionKind, DataType, Filter, MessageIndex, NewCollection, NewItem, Store, StoreConfig,
    TextColumn,
};
use relais_testkit::backends::{DOWNGRADE_TO_11, Fresh, postgres, raw_batch, sqlite};
use relais_testkit::{TempDir, fresh_pg_database, on_both_backends};

/// A snapshot in memory.
#[derive(Default)]
struct Memory {
    tables: Vec<(String, Vec<String>, Vec<Vec<Value>>)>,
    sequences: Vec<(String, i64)>,
    blobs: Vec<(String, Vec<u8>)>,
}

impl SnapshotSink for Memory {
    fn table(&mut self, name: &str, columns: &[String]) -> relais_store::Result<()> {
        self.tables.push((name.to_owned(), columns.to_vec(), Vec::new()));
        Ok(())
    }
    fn rows(&mut self, rows: Vec<Row>) -> relais_store::Result<()> {
        let t = self.tables.last_mut().expect("a table first");
        t.2.extend(rows.into_iter().map(|r| r.0));
        Ok(())
    }
    fn sequences(&mut self, s: &[(String, i64)]) -> relais_store::Result<()> {
        self.sequences = s.to_vec();
        Ok(())
    }
    fn blob(&mut self, hash: BlobHash, data: Vec<u8>) -> relais_store::Result<()> {
        self.blobs.push((hash.as_str().to_owned(), data));
        Ok(())
    }
}

async fn schema_is_covered(f: Fresh) {
    for table in schema_tables(&f.store).await.unwrap() {
        assert!(
            TABLES.contains(&table.as_str()) || DERIVED.contains(&table.as_str()),
            "table {table} is neither in a snapshot nor derived: add it to snapshot::TABLES"
        );
    }
}
on_both_backends!(covered, schema_is_covered);

async fn fill(store: &Store) {
    let a = store.write(|tx| tx.create_account()).await.unwrap();
    let small = store.put_blob(b"Subject: small\r\n\r\nhello\r\n".to_vec()).await.unwrap();
    let big = store.put_blob(vec![b'x'; relais_store::INLINE_BLOB_MAX + 10]).await.unwrap();
    store
        .write(move |tx| {
            let new = NewCollection { kind: CollectionKind::Mailbox, name: "INBOX".into(), parent: None, role: None };
            let inbox = tx.create_collection(a, new)?;
            for blob in [small, big] {
                let item = NewItem { blob: Some(blob), keywords: vec!["$seen".into()], ..NewItem::default() };
                let id = tx.create_item(a, DataType::Email, item)?;
                tx.add_to_mailbox(id, inbox.id)?;
            }
            // More rows than one chunk, so reading in chunks is exercised.
            for _ in 0..2_100 {
                tx.create_item(a, DataType::Email, NewItem::default())?;
            }
            // A destroyed item: its id must never come back after a restore.
            let gone = tx.create_item(a, DataType::Email, NewItem::default())?;
            tx.destroy_item(gone)
        })
        .await
        .unwrap();
}

fn sorted(mut m: Memory) -> Memory {
    for t in &mut m.tables {
        t.2.sort_by_key(|r| format!("{r:?}"));
    }
    m.blobs.sort();
    m
}

async fn round_trip(from: Fresh, to: Fresh) {
    fill(&from.store).await;
    let (version, snap) = from.store.snapshot(Memory::default()).await.unwrap();
    assert_eq!(version, relais_store::SCHEMA_VERSION);
    assert_eq!(snap.blobs.len(), 2, "both blobs, inline and not");
    assert!(to.store.is_new().await.unwrap());
    for (hash, data) in &snap.blobs {
        assert_eq!(BlobHash::of(data).as_str(), hash);
        to.store.restore_blob(data.clone()).await.unwrap();
    }
    // A row per write, as a table larger than one restore write arrives in several: the
    // directory account (accounts' first row) stays the snapshot's after the writes after it.
    for (name, columns, rows) in &snap.tables {
        for row in rows.chunks(1) {
            to.store.restore_rows(name.clone(), columns.clone(), row.to_vec()).await.unwrap();
        }
    }
    to.store.restore_sequences(snap.sequences.clone()).await.unwrap();
    assert!(!to.store.is_new().await.unwrap());
    let (_, again) = to.store.snapshot(Memory::default()).await.unwrap();
    let (snap, again) = (sorted(snap), sorted(again));
    for (a, b) in snap.tables.iter().zip(&again.tables) {
        assert_eq!(a.0, b.0);
        assert_eq!(a.2, b.2, "rows of {}", a.0);
    }
    assert_eq!(snap.blobs, again.blobs);
    assert_eq!(snap.sequences, again.sequences);
    // The next item gets an id past the destroyed one.
    let last = snap.sequences.iter().find(|(t, _)| t == "items").unwrap().1;
    let account = relais_store::AccountId(
        snap.tables[0]
            .2
            .iter()
            .filter_map(|r| match r[0] {
                Value::Int(i) if i > 0 => Some(i),
                _ => None,
            })
            .max()
            .unwrap(),
    );
    let next = to.store.write(move |tx| tx.create_item(account, DataType::Email, NewItem::default())).await.unwrap();
    assert!(next.0 > last, "{} after {last}", next.0);
}

/// Every change-log row is in the snapshot, however many share one object's id: one item
/// flagged 2,100 times has more rows than a chunk holds (reading after the last `id` read, a
/// chunk ending inside them skipped the rest).
async fn chunks_cut_no_rows(f: Fresh) {
    let store = &f.store;
    let a = store.write(|tx| tx.create_account()).await.unwrap();
    let item = store.write(move |tx| tx.create_item(a, DataType::Email, NewItem::default())).await.unwrap();
    let unchanged = store.write(move |tx| tx.create_item(a, DataType::Email, NewItem::default())).await.unwrap();
    store
        .write(move |tx| {
            for i in 0..2_100 {
                tx.set_keywords(item, &[format!("k{i}")])?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let (_, snap) = store.snapshot(Memory::default()).await.unwrap();
    let (_, columns, rows) = snap.tables.iter().find(|t| t.0 == "changes").unwrap();
    let id = columns.iter().position(|c| c == "id").unwrap();
    let of = |item: relais_store::ItemId| rows.iter().filter(|r| r[id] == Value::Int(item.0)).count();
    // What its creation logged (as for the item never changed), and each of the 2,100 changes.
    assert_eq!(of(item), of(unchanged) + 2_100, "change rows of the item in the snapshot");
}
on_both_backends!(chunks, chunks_cut_no_rows);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_to_postgres() {
    round_trip(sqlite().await, postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_to_sqlite() {
    round_trip(postgres().await, sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restore_refuses_unknown_tables_and_columns() {
    let f = sqlite().await;
    assert!(f.store.restore_rows("sqlite_master".into(), vec!["name".into()], vec![]).await.is_err());
    assert!(f.store.restore_rows("items".into(), vec!["id); DROP TABLE items; --".into()], vec![]).await.is_err());
}

/// A sink that declines the blobs it holds already (an incremental backup's base).
struct Declining {
    inner: Memory,
    held: Vec<String>,
    asked: usize,
}

impl SnapshotSink for Declining {
    fn table(&mut self, name: &str, columns: &[String]) -> relais_store::Result<()> {
        self.inner.table(name, columns)
    }
    fn rows(&mut self, rows: Vec<Row>) -> relais_store::Result<()> {
        self.inner.rows(rows)
    }
    fn sequences(&mut self, s: &[(String, i64)]) -> relais_store::Result<()> {
        self.inner.sequences(s)
    }
    fn wants(&mut self, hash: &BlobHash) -> bool {
        self.asked += 1;
        !self.held.iter().any(|h| h == hash.as_str())
    }
    fn blob(&mut self, hash: BlobHash, data: Vec<u8>) -> relais_store::Result<()> {
        assert!(!self.held.iter().any(|h| h == hash.as_str()), "a declined blob was given");
        self.inner.blob(hash, data)
    }
}

async fn declined_blobs_are_skipped(f: Fresh) {
    fill(&f.store).await;
    let (_, full) = f.store.snapshot(Memory::default()).await.unwrap();
    let held = vec![full.blobs[0].0.clone()];
    let (_, part) = f.store.snapshot(Declining { inner: Memory::default(), held, asked: 0 }).await.unwrap();
    assert_eq!(part.asked, 2, "asked about every referenced blob");
    assert_eq!(part.inner.blobs, full.blobs[1..], "only the blob it did not hold");
    assert_eq!(part.inner.tables.len(), full.tables.len(), "every table all the same");
}
on_both_backends!(declined, declined_blobs_are_skipped);

/// The schema a data directory made before migrations 0012 to 0021 had (see `DOWNGRADE_TO_11`).
const OLD: i64 = 11;

/// A new store's config on the same backend as `like`, not opened yet.
fn unopened(like: &StoreConfig) -> (StoreConfig, Option<TempDir>) {
    match like.backend {
        Backend::Sqlite { .. } => {
            let dir = TempDir::new("relais-store");
            (StoreConfig::new(Backend::Sqlite { dir: dir.path().to_owned() }), Some(dir))
        }
        Backend::Postgres { .. } => (StoreConfig::new(Backend::Postgres { url: fresh_pg_database() }), None),
    }
}

/// A backup made at an older schema restores with this binary: its rows go into a store
/// opened at that schema, then the later migrations run on them (0012 turns the mailbox's
/// `subscribed` into a subscription, 0019 copies received dates beside the mailbox rows, 0021
/// sums each account's usage), and
/// the store ends at the latest version, readable and searchable.
async fn older_schema_restores(f: Fresh) {
    let (a, received) = (f.store.write(|tx| tx.create_account()).await.unwrap(), 1_750_000_000);
    let blob = f.store.put_blob(b"Subject: old\r\n\r\nfrom before the upgrade\r\n".to_vec()).await.unwrap();
    let (inbox, item) = f
        .store
        .write(move |tx| {
            let new = NewCollection { kind: CollectionKind::Mailbox, name: "INBOX".into(), parent: None, role: None };
            let inbox = tx.create_collection(a, new)?.id;
            let item = NewItem { blob: Some(blob), received_at: received, ..NewItem::default() };
            let item = tx.create_item(a, DataType::Email, item)?;
            tx.add_to_mailbox(item, inbox)?;
            Ok((inbox, item))
        })
        .await
        .unwrap();
    drop(f.store);
    raw_batch(&f.config, DOWNGRADE_TO_11);

    let old = Store::open_at_version(f.config.clone(), OLD).await.unwrap();
    assert_eq!(old.schema_version().await.unwrap(), OLD, "opened without migrating");
    let (version, snap) = old.snapshot(Memory::default()).await.unwrap();
    assert_eq!(version, OLD);
    let names: Vec<&str> = snap.tables.iter().map(|t| t.0.as_str()).collect();
    assert!(!names.contains(&"mailbox_subscriptions") && !names.contains(&"devices"), "{names:?}");
    let mm = snap.tables.iter().find(|t| t.0 == "mailbox_messages").unwrap();
    assert!(!mm.1.contains(&"received_at".to_owned()), "{:?}", mm.1);

    let (config, _dir) = unopened(&f.config);
    let to = Store::open_at_version(config.clone(), OLD).await.unwrap();
    assert_eq!(to.schema_version().await.unwrap(), OLD);
    assert!(to.is_new().await.unwrap(), "a table the old schema lacks is not looked for");
    for (_, data) in &snap.blobs {
        to.restore_blob(data.clone()).await.unwrap();
    }
    for (name, columns, rows) in &snap.tables {
        to.restore_rows(name.clone(), columns.clone(), rows.clone()).await.unwrap();
    }
    to.restore_sequences(snap.sequences.clone()).await.unwrap();
    drop(to);

    let store = Store::open(config).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), relais_store::SCHEMA_VERSION);
    let listed = store.read(move |r| r.mailbox_messages(inbox)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].item, listed[0].received_at), (item, received));
    let content = store.blob(listed[0].blob.clone().unwrap()).await.unwrap();
    assert_eq!(content, b"Subject: old\r\n\r\nfrom before the upgrade\r\n");
    assert_eq!(store.read(move |r| r.subscriptions(a)).await.unwrap(), ["INBOX"], "0012 ran on the rows");
    let (_, now) = store.snapshot(Memory::default()).await.unwrap();
    let mm = now.tables.iter().find(|t| t.0 == "mailbox_messages").unwrap();
    let at = mm.1.iter().position(|c| c == "received_at").unwrap();
    assert_eq!(mm.2[0][at], Value::Int(received), "0019 ran on the rows");
    let size = content.len() as u64;
    assert_eq!(store.read(move |r| r.usage(a)).await.unwrap(), size, "0021 summed the account's items");
    // Usable: the search index takes the restored message (as the first search does), and new
    // writes go on.
    assert_eq!(store.read(move |r| r.unindexed_messages(&[inbox], 10)).await.unwrap().len(), 1);
    let index = MessageIndex { body_text: "from before the upgrade".into(), ..MessageIndex::default() };
    store.write(move |tx| tx.index_if_missing(item, &index)).await.unwrap();
    let filter = Filter::Contains(TextColumn::Body, "upgrade".into());
    let hits = store.read(move |r| r.search_messages(&[inbox], &filter)).await.unwrap();
    assert_eq!(hits.iter().map(|h| h.item).collect::<Vec<_>>(), [item]);
    let next = store.write(move |tx| tx.create_item(a, DataType::Email, NewItem::default())).await.unwrap();
    assert!(next.0 > item.0);
}
on_both_backends!(older_schema, older_schema_restores);

/// A store opened at a version it is already past stays as it is; a version this binary does
/// not know is refused.
async fn open_at_version_bounds(f: Fresh) {
    let store = Store::open_at_version(f.config.clone(), OLD).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), relais_store::SCHEMA_VERSION);
    for bad in [0, relais_store::SCHEMA_VERSION + 1] {
        assert!(Store::open_at_version(f.config.clone(), bad).await.is_err(), "{bad}");
    }
}
on_both_backends!(at_version, open_at_version_bounds);

/// A restore's bulk load (SQLite: no WAL, no fsync per write): until `finish_bulk_load`, the
/// data directory says it is unfinished and no ordinary open takes it; after it, the store is
/// in WAL again and holds what was written.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bulk_load_opens_only_once_finished() {
    let dir = TempDir::new("relais-store");
    let normal = StoreConfig::new(Backend::Sqlite { dir: dir.path().to_owned() });
    let bulk = StoreConfig { bulk_load: true, ..normal.clone() };
    let store = Store::open(bulk.clone()).await.unwrap();
    fill(&store).await;
    let (_, written) = store.snapshot(Memory::default()).await.unwrap();
    drop(store);
    let marker = dir.path().join(relais_store::RESTORE_MARKER);
    assert!(marker.exists());
    let refused = Store::open(normal.clone()).await.err().expect("an unfinished restore is not opened");
    assert!(refused.to_string().contains(relais_store::RESTORE_MARKER), "{refused}");

    Store::finish_bulk_load(bulk).await.unwrap();
    assert!(!marker.exists());
    let db = rusqlite::Connection::open(dir.path().join("relais.db")).unwrap();
    let mode: String = db.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    // The indexes the load went without are all back, and nothing else is left of it.
    let fresh = TempDir::new("relais-store");
    drop(Store::open(StoreConfig::new(Backend::Sqlite { dir: fresh.path().to_owned() })).await.unwrap());
    let schema = |db: &rusqlite::Connection| -> Vec<(String, String)> {
        let mut q = db.prepare("SELECT type, name FROM sqlite_master ORDER BY type, name").unwrap();
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    let expected = schema(&rusqlite::Connection::open(fresh.path().join("relais.db")).unwrap());
    assert!(expected.iter().any(|(t, n)| t == "index" && n == "items_account"));
    assert_eq!(schema(&db), expected);
    drop(db);
    let store = Store::open(normal).await.unwrap();
    let (_, read) = store.snapshot(Memory::default()).await.unwrap();
    let (written, read) = (sorted(written), sorted(read));
    for (a, b) in written.tables.iter().zip(&read.tables) {
        assert_eq!(a.2, b.2, "rows of {}", a.0);
    }
    assert_eq!(written.blobs, read.blobs);
}
