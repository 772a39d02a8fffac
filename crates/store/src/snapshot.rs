//! Snapshots for backup and restore, in a form that does not depend on the backend: every
//! table's rows (columns by name, values as `Value`), the id sequences, and the content of
//! every referenced blob, all read in one read transaction — a consistent snapshot taken while
//! writers go on (SQLite WAL readers do not block the writer; PostgreSQL REPEATABLE READ).
//!
//! What a snapshot leaves out: the search index (derived from the messages, rebuilt by the
//! first search that finds it missing), notifications (transient), the inline blob rows (blobs
//! travel as content) and the schema version (the manifest carries it).
//! A restore goes into an empty store of the snapshot's schema version, on either backend
//! (`Store::open_at_version`); the migrations after it run once the rows are in. A snapshot of
//! an older schema holds only the tables that schema has: both the reader and `is_new` pass
//! over a table of `TABLES` that the store does not have (yet).

use crate::blob::BlobStore;
use crate::sql::{Conn, Dialect};
/// A snapshot's rows: the only part of the store's SQL layer anyone outside it sees.
pub use crate::sql::{Row, Value};
use crate::{BlobHash, Error, Result, Store, params};

/// Every table a snapshot holds. Restore inserts them in this order (there are no foreign
/// keys, but a reader of a half-restored store sees directory rows before data).
pub const TABLES: &[&str] = &[
    "accounts",
    "domains",
    "principals",
    "aliases",
    "group_members",
    "app_passwords",
    "delegates",
    "dkim_keys",
    "collections",
    "collection_grants",
    "mailbox_subscriptions",
    "items",
    "mailbox_messages",
    "item_instances",
    "message_threads",
    "changes",
    "blobs",
    "queue_messages",
    "queue_recipients",
    "calendar_pending",
    "vacations",
    "vacation_replies",
    "migration_progress",
    "migration_messages",
    "migration_objects",
    "devices",
    "device_sync",
    "device_policies",
    "identities",
    "api_tokens",
    "email_submissions",
    "share_notifications",
    "calendar_event_notifications",
];

/// Tables deliberately not in a snapshot (see the module's documentation).
/// The search index tables are rebuilt from the blobs on the first search that finds them missing.
pub const DERIVED: &[&str] = &[
    "schema_version",
    "notifications",
    "blob_data",
    // The word index a store before schema 22 has (an older backup restores into one).
    "item_text",
    "sqlite_sequence",
    "message_search",
    "message_text",
    "message_headers",
    // Login sessions of the web client: a restore signs people out.
    "web_sessions",
    // JMAP push subscriptions stand on logins (RFC 8620 §7.2), and a lease on a node.
    "push_subscriptions",
    "leases",
];

/// Tables whose ids come from a sequence that must never go back (ids are never reused).
const SEQUENCED: &[&str] = &[
    "accounts",
    "collections",
    "items",
    "domains",
    "app_passwords",
    "queue_messages",
    "queue_recipients",
    "identities",
    "email_submissions",
    "share_notifications",
    "calendar_event_notifications",
];

/// Rows read per statement.
const CHUNK: i64 = 2_000;

/// Where a snapshot goes; called on a blocking thread, in this order: each table (`table`,
/// then its `rows` in chunks), `sequences`, then each blob.
pub trait SnapshotSink: Send {
    fn table(&mut self, name: &str, columns: &[String]) -> Result<()>;
    /// The next rows of the table (given, so a sink may pass them to another thread).
    fn rows(&mut self, rows: Vec<Row>) -> Result<()>;
    fn sequences(&mut self, sequences: &[(String, i64)]) -> Result<()>;
    /// How many blobs follow and their total size (for progress).
    fn blobs_total(&mut self, _count: u64, _bytes: u64) {}
    /// Whether the sink takes this blob's content; a blob it declines (an incremental backup
    /// holds it already in its base) is not read at all.
    fn wants(&mut self, _hash: &BlobHash) -> bool {
        true
    }
    fn blob(&mut self, hash: BlobHash, data: Vec<u8>) -> Result<()>;
}

impl Store {
    /// Reads a consistent snapshot into `sink`; returns the schema version it has.
    pub async fn snapshot<S: SnapshotSink + 'static>(&self, mut sink: S) -> Result<(i64, S)> {
        let blobs = self.inner.blobs.clone();
        self.inner
            .pool
            .run(move |conn| {
                let begin = match conn.dialect() {
                    Dialect::Sqlite => "BEGIN DEFERRED",
                    Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                };
                conn.batch(begin)?;
                let result = read_snapshot(conn, &blobs, &mut sink);
                conn.batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
                result.map(|v| (v, sink))
            })
            .await
    }

    /// The schema version the store is at (below `SCHEMA_VERSION` only when opened so).
    pub async fn schema_version(&self) -> Result<i64> {
        self.inner.pool.run(|conn| crate::migrate::version(conn)).await
    }

    /// True if the store holds nothing but what a new one has (restore goes only there).
    pub async fn is_new(&self) -> Result<bool> {
        self.inner
            .pool
            .run(|conn| {
                for table in TABLES.iter().filter(|t| **t != "accounts") {
                    if columns_of(conn, table)?.is_empty() {
                        continue; // a table of a later schema version than the store's
                    }
                    if conn.query_one(&format!("SELECT 1 FROM {table} LIMIT 1"), params![])?.is_some() {
                        return Ok(false);
                    }
                }
                Ok(conn.query_one("SELECT 1 FROM accounts WHERE id <> 0 LIMIT 1", params![])?.is_none())
            })
            .await
    }

    /// Writes rows of `table` (columns by name) into a store being restored. The store's own
    /// row of the directory account is replaced by the snapshot's.
    pub async fn restore_rows(&self, table: String, columns: Vec<String>, rows: Vec<Vec<Value>>) -> Result<()> {
        if !TABLES.contains(&table.as_str()) {
            return Err(Error::Invalid(format!("a snapshot has no table {table:?}")));
        }
        if columns.iter().any(|c| !c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')) {
            return Err(Error::Invalid(format!("bad column name in {table}")));
        }
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let sql = format!("INSERT INTO {table} ({}) VALUES ({})", columns.join(", "), placeholders.join(", "));
        // The snapshot's directory account (id 0) replaces the new store's, in whichever batch
        // of the table's rows it comes.
        let id = columns.iter().position(|c| c == "id");
        let replaces_directory =
            table == "accounts" && id.is_some_and(|i| rows.iter().any(|r| matches!(r.get(i), Some(Value::Int(0)))));
        self.write(move |tx| {
            if replaces_directory {
                tx.conn().execute("DELETE FROM accounts WHERE id = 0", params![])?;
            }
            if let Some(row) = rows.iter().find(|r| r.len() != columns.len()) {
                return Err(Error::Invalid(format!("a row of {table} has {} values", row.len())));
            }
            tx.conn().execute_each(&sql, &rows)?;
            Ok(())
        })
        .await
    }

    /// Sets the id sequences so that no id of the snapshot (or destroyed before it) comes back.
    pub async fn restore_sequences(&self, sequences: Vec<(String, i64)>) -> Result<()> {
        self.write(move |tx| {
            for (table, last) in sequences {
                if !SEQUENCED.contains(&table.as_str()) || last < 1 {
                    continue;
                }
                match tx.conn().dialect() {
                    Dialect::Sqlite => {
                        tx.conn().execute("DELETE FROM sqlite_sequence WHERE name = $1", params![table.as_str()])?;
                        tx.conn().execute(
                            "INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)",
                            params![table.as_str(), last],
                        )?;
                    }
                    Dialect::Postgres => {
                        let sql = format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), $1)");
                        tx.conn().query(&sql, params![last])?;
                    }
                }
            }
            Ok(())
        })
        .await
    }

    /// Stores a blob's content for a store being restored; its reference count comes from the
    /// snapshot's `blobs` rows.
    pub async fn restore_blob(&self, data: Vec<u8>) -> Result<()> {
        self.restore_blobs(vec![(BlobHash::of(&data), data)]).await
    }

    /// `restore_blob` for many, each with the SHA-256 its content has (a restore checked every
    /// blob against its name before writing anything; hashing them again here was a third of
    /// the restore's blob phase): those kept in the database in one transaction (one commit
    /// for thousands of small messages, not one each), the others as files.
    pub async fn restore_blobs(&self, contents: Vec<(BlobHash, Vec<u8>)>) -> Result<()> {
        let blobs = self.inner.blobs.clone();
        let inline = |(_, d): &(BlobHash, Vec<u8>)| d.len() <= crate::INLINE_BLOB_MAX || blobs.dir().is_none();
        let (rows, files): (Vec<_>, Vec<_>) = contents.into_iter().partition(inline);
        if !rows.is_empty() {
            let blobs = blobs.clone();
            self.write(move |tx| rows.into_iter().try_for_each(|(hash, d)| blobs.put_row_hashed(tx.conn(), &hash, d)))
                .await?;
        }
        for (hash, data) in files {
            let blobs = blobs.clone();
            crate::run_blocking(move || blobs.put_file_hashed(&hash, &data).map(|_| ())).await?;
        }
        Ok(())
    }
}

fn read_snapshot(conn: &mut dyn Conn, blobs: &BlobStore, sink: &mut dyn SnapshotSink) -> Result<i64> {
    let version = crate::migrate::version(conn)?;
    for table in TABLES {
        let columns = columns_of(conn, table)?;
        if columns.is_empty() {
            continue; // a table of a later schema version than the store's: not in the snapshot
        }
        sink.table(table, &columns)?;
        copy_table(conn, table, &columns, sink)?;
    }
    sink.sequences(&sequences(conn)?)?;
    if let Some(r) =
        conn.query_one("SELECT count(*), CAST(coalesce(sum(size), 0) AS BIGINT) FROM blobs WHERE refs > 0", params![])?
    {
        sink.blobs_total(r.int(0)? as u64, r.int(1)? as u64);
    }
    let referenced = conn.query("SELECT hash FROM blobs WHERE refs > 0 ORDER BY hash", params![])?;
    for row in referenced {
        let text = row.text(0)?;
        let hash = BlobHash::parse(&text).ok_or_else(|| Error::Corrupt(format!("blob hash {text:?}")))?;
        if !sink.wants(&hash) {
            continue;
        }
        let data = match blobs.get_row(conn, &hash) {
            Err(Error::NotFound(_)) if blobs.dir().is_some() => blobs.get_file(&hash)?,
            other => other?,
        };
        sink.blob(hash, data)?;
    }
    Ok(version)
}

/// Every row of a table, `CHUNK` at a time, each exactly once, in the order the backend
/// keeps them: on SQLite after the last rowid read (every table has one), on PostgreSQL from a
/// cursor of the snapshot's transaction. No sort: the rows' order is not the backup's concern.
///
/// This replaced chunks after the last `id` read, which lost rows: `changes.id` is the changed
/// object's id, not a key, and a chunk ending inside the rows of one object (an item flagged
/// many times) skipped the rest of them (`chunks_cut_no_rows`); and sorted OFFSET chunks for
/// tables with no `id`, each a sort of the whole table.
fn copy_table(conn: &mut dyn Conn, table: &str, columns: &[String], sink: &mut dyn SnapshotSink) -> Result<()> {
    let list = columns.join(", ");
    match conn.dialect() {
        Dialect::Sqlite => {
            let sql = format!("SELECT rowid, {list} FROM {table} WHERE rowid > $1 ORDER BY rowid LIMIT {CHUNK}");
            let mut last = i64::MIN;
            loop {
                let mut rows = conn.query(&sql, params![last])?;
                let Some(tail) = rows.last() else { return Ok(()) };
                last = tail.int(0)?;
                for row in &mut rows {
                    row.0.remove(0);
                }
                sink.rows(rows)?;
            }
        }
        Dialect::Postgres => {
            // A cursor per table: the FETCH statement is prepared and cached by its text, and
            // its columns are those of the cursor it was first prepared for.
            let cursor = format!("relais_snapshot_{table}");
            conn.batch(&format!("DECLARE {cursor} NO SCROLL CURSOR FOR SELECT {list} FROM {table}"))?;
            let fetch = format!("FETCH {CHUNK} FROM {cursor}");
            loop {
                let rows = conn.query(&fetch, params![])?;
                if rows.is_empty() {
                    break;
                }
                sink.rows(rows)?;
            }
            conn.batch(&format!("CLOSE {cursor}"))
        }
    }
}

/// The columns of a table as this backend has them (PostgreSQL's own full-text column left out).
pub(crate) fn columns_of(conn: &mut dyn Conn, table: &str) -> Result<Vec<String>> {
    let rows = match conn.dialect() {
        Dialect::Sqlite => {
            conn.query(&format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"), params![])?
        }
        Dialect::Postgres => conn.query(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 AND data_type <> 'tsvector' \
             ORDER BY ordinal_position",
            params![table],
        )?,
    };
    rows.iter().map(|r| r.text(0)).collect()
}

/// The highest id each sequenced table has given (0: none yet); a table of a later schema
/// version than the store's (`identities` before 24) has none to give.
fn sequences(conn: &mut dyn Conn) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for table in SEQUENCED {
        if columns_of(conn, table)?.is_empty() {
            continue;
        }
        let last = match conn.dialect() {
            Dialect::Sqlite => conn.query_one("SELECT seq FROM sqlite_sequence WHERE name = $1", params![*table])?,
            Dialect::Postgres => conn.query_one(
                &format!("SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id')), 0)"),
                params![],
            )?,
        };
        out.push((table.to_string(), last.map_or(Ok(0), |r| r.int(0))?));
    }
    Ok(out)
}

/// Every table of this backend's schema (for the test that keeps `TABLES` complete).
pub async fn schema_tables(store: &Store) -> Result<Vec<String>> {
    store
        .inner
        .pool
        .run(|conn| {
            let rows = match conn.dialect() {
                Dialect::Sqlite => conn.query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'item_text%' ORDER BY name",
                    params![],
                )?,
                Dialect::Postgres => conn.query(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = current_schema() ORDER BY table_name",
                    params![],
                )?,
            };
            rows.iter().map(|r| r.text(0)).collect()
        })
        .await
}
