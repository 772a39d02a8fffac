//! The embedded backend's connection: SQLite in WAL mode with `synchronous = FULL`, so a
//! commit returns only after the WAL is fsynced — except on the writer's own connection, whose
//! commits a sync thread makes durable before anyone is answered (`writer.rs`). One writer
//! connection and any number of read-only ones share the file; other processes (the CLI) may
//! write too and wait on the busy timeout.

use std::path::Path;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};

use crate::Error;
use crate::sql::{Conn, Dialect, Row, Value, sqlite_placeholders};

pub struct SqliteConn {
    conn: rusqlite::Connection,
}

/// How long a statement waits for a lock another connection holds before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest the WAL file is left after SQLite starts it over (`journal_size_limit`): a WAL
/// grown large while a long reader held it (a backup's snapshot) is cut back to this.
pub(crate) const WAL_KEPT_BYTES: u64 = 64 << 20;

/// A bulk load's secondary indexes: dropped before the rows go in and built again after
/// (`build_indexes`), each by one sort instead of a b-tree insert per row — most of a restore's
/// writing was in them (items has six, the change log three). Their definitions wait in
/// `bulk_load_indexes` meanwhile, so whoever finishes the load finds them. The indexes that
/// keep a UNIQUE or PRIMARY KEY stay: the rows are checked against them as they go in.
pub(crate) fn drop_indexes(conn: &mut SqliteConn) -> Result<(), Error> {
    use crate::sql::Conn;
    conn.batch(
        "BEGIN IMMEDIATE;
         CREATE TABLE IF NOT EXISTS bulk_load_indexes (name TEXT NOT NULL, sql TEXT NOT NULL);
         INSERT INTO bulk_load_indexes (name, sql)
             SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL;",
    )?;
    let names: Vec<String> =
        conn.query("SELECT name FROM bulk_load_indexes", &[])?.into_iter().filter_map(|r| r.text(0).ok()).collect();
    for name in names {
        conn.batch(&format!("DROP INDEX IF EXISTS \"{}\"", name.replace('"', "\"\"")))?;
    }
    conn.batch("COMMIT")
}

/// Builds again the indexes `drop_indexes` set aside (nothing if it did not run).
pub(crate) fn build_indexes(conn: &mut SqliteConn) -> Result<(), Error> {
    use crate::sql::Conn;
    let listed = conn.query_one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bulk_load_indexes'", &[])?;
    if listed.is_none() {
        return Ok(());
    }
    conn.batch("BEGIN IMMEDIATE")?;
    let defs: Vec<String> =
        conn.query("SELECT sql FROM bulk_load_indexes", &[])?.into_iter().filter_map(|r| r.text(0).ok()).collect();
    for sql in defs {
        conn.batch(&sql)?;
    }
    conn.batch("DROP TABLE bulk_load_indexes; COMMIT")
}

/// Turns off SQLite's memory statistics before the library initialises: with them on, every
/// allocation SQLite makes takes one process-wide mutex, and readers on several threads queue
/// on it (seen as futex waits under a CalDAV REPORT load).
fn configure_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is called once, before any connection is opened by this
        // process (Once), which is when SQLite allows it; a refusal (SQLITE_MISUSE because the
        // library was already initialised) leaves the default and is harmless.
        let rc =
            unsafe { rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::os::raw::c_int) };
        if rc != rusqlite::ffi::SQLITE_OK {
            tracing::debug!(rc, "sqlite: memory statistics left on");
        }
    });
}

/// What each SQLite connection may hold in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// The connection's own page cache in KiB (SQLite's `cache_size`): it fills with copies of
    /// the pages the connection reads (and of pages whose newest version is in the WAL) and stays
    /// at most that large.
    pub cache_kib: u32,
    /// How much of the database file is read through a shared memory map (SQLite's `mmap_size`),
    /// in MiB; 0 reads every page into the connection's cache. Mapped pages are the kernel's page
    /// cache: one copy for every connection instead of one per connection's cache, and given
    /// back under memory pressure.
    pub mmap_mib: u32,
}

impl Memory {
    /// For a connection that only checkpoints: it reads WAL frames and writes database pages
    /// through the file, and keeps nothing worth caching.
    pub const CHECKPOINTS: Memory = Memory { cache_kib: 64, mmap_mib: 0 };
}

impl Default for Memory {
    fn default() -> Self {
        Memory { cache_kib: 16 * 1024, mmap_mib: 1024 }
    }
}

/// How a connection journals what it writes. Every connection to one database must use the
/// same: one opened with `Wal` turns the database file over to WAL for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Journal {
    /// WAL with `synchronous = FULL`: a commit is on disk when it returns.
    #[default]
    Wal,
    /// A restore into a new database (`StoreConfig::bulk_load`): the rollback journal in
    /// memory and no fsync, so each row is written once, into the database file, instead of
    /// into the WAL and again by a checkpoint, with an fsync per commit. Nothing is durable
    /// until `Store::finish_bulk_load`; a crash before leaves a file to throw away, which the
    /// data directory's marker says (see `lib.rs`). A database already in WAL (an empty one a
    /// server set up) stays in WAL, still without an fsync per commit: leaving WAL needs the
    /// file to itself, which the store just closed may not have given back yet.
    Bulk,
}

impl SqliteConn {
    /// Opens `path` with the memory `memory` gives each connection, journaling as `journal`.
    pub fn open(path: &Path, read_only: bool, memory: Memory, journal: Journal) -> Result<Self, Error> {
        configure_library();
        let conn = rusqlite::Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(128);
        match journal {
            Journal::Wal => conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?,
            Journal::Bulk => {
                let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
                if !mode.eq_ignore_ascii_case("wal") {
                    conn.execute_batch("PRAGMA journal_mode = MEMORY;")?;
                }
                conn.execute_batch("PRAGMA synchronous = OFF;")?;
            }
        }
        conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY;")?;
        conn.execute_batch(&format!("PRAGMA journal_size_limit = {WAL_KEPT_BYTES};"))?;
        conn.execute_batch(&format!("PRAGMA cache_size = -{};", memory.cache_kib.max(64)))?;
        conn.execute_batch(&format!("PRAGMA mmap_size = {};", u64::from(memory.mmap_mib) << 20))?;
        if read_only {
            conn.execute_batch("PRAGMA query_only = ON;")?;
        }
        Ok(SqliteConn { conn })
    }

    /// The journal mode the database is in (`wal`, `memory`, `delete`, …).
    pub fn journal_mode(&mut self) -> Result<String, Error> {
        Ok(self.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?)
    }

    /// SQLite's counter of commits made by *other* connections (cross-process wake-ups).
    pub fn data_version(&mut self) -> Result<i64, Error> {
        Ok(self.conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Bytes(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
        })
    }
}

fn value_of(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        // Only integer columns exist; a real would be a schema bug, keep it visible.
        ValueRef::Real(f) => Value::Text(f.to_string()),
        // Checked as UTF-8 the fast way first (a FETCH reads every message's summary text);
        // only text that is not valid is replaced, character by character.
        ValueRef::Text(t) => Value::Text(match std::str::from_utf8(t) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(t).into_owned(),
        }),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

impl Conn for SqliteConn {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, Error> {
        let mut stmt = self.conn.prepare_cached(&sqlite_placeholders(sql))?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }

    fn execute_each(&mut self, sql: &str, each: &[Vec<Value>]) -> Result<u64, Error> {
        // One rewrite and one cache lookup for all of them.
        let mut stmt = self.conn.prepare_cached(&sqlite_placeholders(sql))?;
        each.iter().try_fold(0, |n, params| Ok(n + stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, Error> {
        let mut stmt = self.conn.prepare_cached(&sqlite_placeholders(sql))?;
        let width = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(width);
            for i in 0..width {
                row.push(value_of(r.get_ref(i)?));
            }
            out.push(Row(row));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), Error> {
        Ok(self.conn.execute_batch(sql)?)
    }
}

impl SqliteConn {
    /// False while a transaction is open.
    pub fn in_autocommit(&self) -> bool {
        self.conn.is_autocommit()
    }

    /// Runs a WAL checkpoint of `mode`, waiting at most `patience` for the readers and writers
    /// it must wait for (RESTART and TRUNCATE wait for every reader to leave the WAL; PASSIVE
    /// waits for none), then goes back to the connection's usual busy timeout.
    pub fn checkpoint(&mut self, mode: CheckpointMode, patience: Duration) -> Result<Checkpointed, Error> {
        self.conn.busy_timeout(patience)?;
        let sql = match mode {
            CheckpointMode::Passive => "PRAGMA wal_checkpoint(PASSIVE)",
            CheckpointMode::Restart => "PRAGMA wal_checkpoint(RESTART)",
            CheckpointMode::Truncate => "PRAGMA wal_checkpoint(TRUNCATE)",
        };
        let done = self.conn.query_row(sql, [], |r| {
            Ok(Checkpointed { complete: r.get::<_, i64>(0)? == 0, frames: r.get(1)?, copied: r.get(2)? })
        });
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(done?)
    }
}

/// How far a checkpoint goes (SQLite's modes of the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointMode {
    /// Copies what no reader still needs; waits for nobody.
    Passive,
    /// Copies everything, then waits until no reader uses the WAL, so the next write starts it
    /// over from its first frame.
    Restart,
    /// As `Restart`, and empties the WAL file.
    Truncate,
}

/// What a checkpoint did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpointed {
    /// Everything was copied and (RESTART/TRUNCATE) no reader was left in the WAL.
    pub complete: bool,
    /// Frames in the WAL (-1 when the database is not in WAL mode).
    pub frames: i64,
    /// Of them, frames now copied into the database file.
    pub copied: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_connection_gets_the_memory_it_is_given() {
        let dir = std::env::temp_dir().join(format!("relais-sqlite-memory-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.db");
        for (memory, mmap) in
            [(Memory { cache_kib: 2048, mmap_mib: 64 }, 64 << 20), (Memory { cache_kib: 2048, mmap_mib: 0 }, 0)]
        {
            let c = SqliteConn::open(&path, false, memory, Journal::Wal).unwrap();
            let got: i64 = c.conn.query_row("PRAGMA mmap_size", [], |r| r.get(0)).unwrap();
            assert_eq!(got, mmap);
            let cache: i64 = c.conn.query_row("PRAGMA cache_size", [], |r| r.get(0)).unwrap();
            assert_eq!(cache, -2048);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
