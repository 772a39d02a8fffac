//! Snapshots (backup and restore) on both backends: every table of the schema is either in a
//! snapshot or deliberately derived, and a snapshot restored into a store of the other
//! backend reads back row for row, with the id sequences carried over.

use relais_store::snapshot::{DERIVED, SnapshotSink, TABLES, schema_tables};
use relais_store::snapshot::{Row, Value};
use relais_store::{BlobHash, CollectionKind, DataType, NewCollection, NewItem, Store};
use relais_testkit::backends::{Fresh, postgres, sqlite};
use relais_testkit::on_both_backends;

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
    fn rows(&mut self, rows: &[Row]) -> relais_store::Result<()> {
        let t = self.tables.last_mut().expect("a table first");
        t.2.extend(rows.iter().map(|r| r.0.clone()));
        Ok(())
    }
    fn sequences(&mut self, s: &[(String, i64)]) -> relais_store::Result<()> {
        self.sequences = s.to_vec();
        Ok(())
    }
    fn blob(&mut self, hash: &BlobHash, data: &[u8]) -> relais_store::Result<()> {
        self.blobs.push((hash.as_str().to_owned(), data.to_vec()));
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
    for (name, columns, rows) in &snap.tables {
        to.store.restore_rows(name.clone(), columns.clone(), rows.clone()).await.unwrap();
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
    fn rows(&mut self, rows: &[Row]) -> relais_store::Result<()> {
        self.inner.rows(rows)
    }
    fn sequences(&mut self, s: &[(String, i64)]) -> relais_store::Result<()> {
        self.inner.sequences(s)
    }
    fn wants(&mut self, hash: &BlobHash) -> bool {
        self.asked += 1;
        !self.held.iter().any(|h| h == hash.as_str())
    }
    fn blob(&mut self, hash: &BlobHash, data: &[u8]) -> relais_store::Result<()> {
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
