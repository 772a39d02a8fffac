//! The Relais store: one typed mailbox/groupware store under every protocol.
//!
//! On disk (embedded default), in the data directory:
//! - `relais.db` (+ `-wal`, `-shm`): SQLite in WAL mode; metadata, change log, full-text index;
//! - `blobs/ab/cd/<sha256>`: message and object content, written and fsynced before the
//!   transaction that references it commits; `blobs/tmp/` holds writes in progress.
//!
//! With PostgreSQL, metadata, blobs (`blob_data`) and the full-text index (tsvector) all live in
//! the database, and notifications cross nodes with LISTEN/NOTIFY.
//!
//! Invariants:
//! - every committed write bumps each account it touches exactly once (`accounts.modseq`) and
//!   logs each changed object at that modseq in `changes`;
//! - nothing is reported done before it is durable: concurrent writes share one SQLite commit
//!   (group commit), and the sync thread fsyncs the WAL before their callers hear of it, while
//!   the writer already runs the next group (`writer.rs`);
//! - database work runs only on blocking threads, never on the async executor's.

mod api_tokens;
mod blob;
mod calendar_event_notifications;
mod devices;
mod directory;
mod error;
mod grants;
mod migrate;
mod migration_progress;
mod model;
mod notify;
mod pending;
mod pg;
mod policies;
mod pool;
mod push_subscriptions;
mod queue;
mod read;
mod recent;
mod resource;
mod search;
pub use grants::{Share, delegate_rights, rights as share_rights};
mod identities;
mod share_notifications;
pub mod snapshot;
mod sql;
mod sqlite;
mod submissions;
mod subscriptions;
mod threads;
mod tree;
mod tx;
mod vacation;
mod web_sessions;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use api_tokens::{ApiToken, api_token_id};
pub use blob::BlobStore;
pub use calendar_event_notifications::{ChangedBy, EventNotification, EventNotificationBody, NewEventNotification};
pub use devices::{Device, SyncState, Wipe};
pub use directory::{AppPassword, Domain, NewPrincipal, Principal, PrincipalKind, Role};
pub use error::Error;
pub use identities::StoredIdentity;
pub use migrate::LATEST as SCHEMA_VERSION;
pub use migration_progress::{MigratedObject, MigrationProgress};
pub use model::*;
pub use pending::PendingCalendarMail;
pub use policies::PolicyScope;
pub use push_subscriptions::{NewPushSubscription, PushSubscription, PushSubscriptionUpdate};
pub use queue::{NewQueued, QueueOutcome, QueueStatus, QueuedMessage, QueuedRecipient};
pub use read::ReadTx;
pub use search::{Cmp, Filter, Hit, IntColumn, MessageIndex, TextColumn, Unindexed};
pub use share_notifications::{NewShareNotification, ShareNotification};
pub use sqlite::Memory as SqliteMemory;
pub use submissions::{NewSubmission, StoredSubmission, UndoStatus};
pub use threads::{ThreadKey, ThreadLink};
pub use tx::WriteTx;
pub use web_sessions::{SessionBounds, WebSession};

use pool::Pool;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum Backend {
    /// The embedded default: everything under one directory.
    Sqlite { dir: PathBuf },
    /// PostgreSQL at `url` (e.g. `postgres://user@host:5432/relais`).
    Postgres { url: String },
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub backend: Backend,
    /// How long the change log keeps entries; older sync states must resynchronise.
    pub change_window: Duration,
    /// Most concurrent database connections for reads (and, on PostgreSQL, writes).
    pub max_connections: usize,
    /// SQLite: each connection's page cache (bounded, so all caches together by
    /// `max_connections + 1` times it) and the memory map the connections share. They are what
    /// makes repeated reads of a large account cheap; they are not a cost per session or per
    /// account.
    pub sqlite_memory: SqliteMemory,
    /// Most writes committed together by one fsync (SQLite).
    pub group_commit_max: usize,
    /// How large an account's collection trees may grow.
    pub limits: CollectionLimits,
    /// SQLite: the store is opened to be filled by a restore (`sqlite::Journal::Bulk`: no WAL,
    /// no fsync per commit) and is durable only after `Store::finish_bulk_load`. Opening
    /// writes `RESTORE_MARKER` into the data directory first; until `finish_bulk_load` removes
    /// it, the store refuses to open any other way. No effect on PostgreSQL.
    pub bulk_load: bool,
}

/// The file in a SQLite data directory while a restore fills it: a store with it was never
/// finished (the restore stopped or the machine did) and is not opened; it is restored again
/// into a new directory.
pub const RESTORE_MARKER: &str = "restore-unfinished";

/// Bounds on an account's collection trees, checked by the store write that creates or
/// moves a collection, so IMAP CREATE, DAV MKCOL/MKCALENDAR and the file store share them:
/// an unbounded tree makes every folder listing of the account slow for everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionLimits {
    /// Most collections of one kind (mailboxes, calendars, address books, …) per account.
    pub max_collections: usize,
    /// Most folders in an account's file store (a synced document tree has many).
    pub max_file_folders: usize,
    /// Most levels of nesting: a top-level collection is at depth 1.
    pub max_depth: usize,
}

impl Default for CollectionLimits {
    fn default() -> Self {
        CollectionLimits { max_collections: 10_000, max_file_folders: 100_000, max_depth: 64 }
    }
}

impl StoreConfig {
    pub fn new(backend: Backend) -> Self {
        StoreConfig {
            backend,
            change_window: Duration::from_secs(30 * 24 * 3600),
            max_connections: 16,
            sqlite_memory: SqliteMemory::default(),
            group_commit_max: 256,
            limits: CollectionLimits::default(),
            bulk_load: false,
        }
    }
}

/// The journal a SQLite store opens with: for a bulk load, after writing `RESTORE_MARKER`
/// (durably, before the database); otherwise WAL, refused while the marker is there.
fn bulk_marker(dir: &Path, bulk_load: bool) -> Result<sqlite::Journal> {
    let marker = dir.join(RESTORE_MARKER);
    if bulk_load {
        std::fs::File::create(&marker)?.sync_all()?;
        std::fs::File::open(dir)?.sync_all()?;
        return Ok(sqlite::Journal::Bulk);
    }
    if marker.exists() {
        return Err(Error::Invalid(format!(
            "{} holds a restore that never finished ({} is there): its database is incomplete and \
             may be damaged; restore the backup again into a new data directory",
            dir.display(),
            RESTORE_MARKER
        )));
    }
    Ok(sqlite::Journal::Wal)
}

/// A handle to the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    config: StoreConfig,
    pool: Pool,
    writer: Option<writer::Writer>,
    blobs: BlobStore,
    notifier: notify::Notifier,
    counters: Arc<writer::Counters>,
    _watcher: notify::Watcher,
}

/// Write statistics since the store was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreStats {
    /// Transactions committed (each one fsync on SQLite).
    pub commits: u64,
    /// Writes (`Store::write` calls) they carried.
    pub writes: u64,
}

impl Store {
    /// Opens (and creates or migrates) the store, on a blocking thread.
    pub async fn open(config: StoreConfig) -> Result<Store> {
        run_blocking(move || Store::open_blocking(config)).await
    }

    /// Opens the store from a thread that is not running async tasks.
    pub fn open_blocking(config: StoreConfig) -> Result<Store> {
        Store::open_blocking_at(config, SCHEMA_VERSION)
    }

    /// Opens (and creates or migrates) the store, applying the migrations only up to
    /// `version`: for a restore of a backup made at that schema version, whose rows must go
    /// into the tables as they were then before the later migrations rewrite them. A store
    /// already past `version` is left as it is (`schema_version` tells); only the snapshot
    /// reading and restoring operations are meant for a store short of `SCHEMA_VERSION` —
    /// the rest of the store's operations expect the latest schema.
    pub async fn open_at_version(config: StoreConfig, version: i64) -> Result<Store> {
        run_blocking(move || Store::open_blocking_at(config, version)).await
    }

    fn open_blocking_at(config: StoreConfig, version: i64) -> Result<Store> {
        let origin = notify::new_origin();
        let notifier = notify::Notifier::new(origin.clone());
        let counters = Arc::new(writer::Counters::default());
        let (pool, writer, blobs) = match &config.backend {
            Backend::Sqlite { dir } => {
                std::fs::create_dir_all(dir)?;
                let journal = bulk_marker(dir, config.bulk_load)?;
                let path = dir.join("relais.db");
                let mut conn = sqlite::SqliteConn::open(&path, false, config.sqlite_memory, journal)?;
                migrate::run(&mut conn, version)?;
                if config.bulk_load {
                    sqlite::drop_indexes(&mut conn)?;
                }
                let pool = Pool::sqlite(path.clone(), config.max_connections, config.sqlite_memory, journal);
                let writer = writer::Writer::start(
                    conn,
                    path.clone(),
                    notifier.clone(),
                    config.group_commit_max,
                    counters.clone(),
                    journal,
                )?;
                let blobs = BlobStore::files(dir.join("blobs"))?;
                (pool, Some(writer), if config.bulk_load { blobs.deferring_sync() } else { blobs })
            }
            Backend::Postgres { url } => {
                let mut conn = pg::PgConn::connect(url)?;
                migrate::run(&mut conn, version)?;
                let pool = Pool::postgres(url.clone(), config.max_connections);
                pool.give_back(pool::PooledConn::Postgres(conn));
                (pool, None, BlobStore::postgres())
            }
        };
        let journal = if config.bulk_load { sqlite::Journal::Bulk } else { sqlite::Journal::Wal };
        let watcher = notify::Watcher::start(&config.backend, notifier.clone(), journal)?;
        Ok(Store { inner: Arc::new(Inner { config, pool, writer, blobs, notifier, counters, _watcher: watcher }) })
    }

    /// Makes a store filled with `bulk_load` durable and an ordinary one (SQLite): once every
    /// handle to it is dropped, builds the indexes the load went without, turns the database
    /// back to WAL, writes the database file and the blob files to disk, then removes
    /// `RESTORE_MARKER`. Nothing to do on PostgreSQL.
    pub async fn finish_bulk_load(config: StoreConfig) -> Result<()> {
        let Backend::Sqlite { dir } = config.backend else { return Ok(()) };
        run_blocking(move || {
            let path = dir.join("relais.db");
            let mut conn = sqlite::SqliteConn::open(&path, false, config.sqlite_memory, sqlite::Journal::Bulk)?;
            // The index pages go to disk while they are built, as the rows did (see
            // `writer::writeback_loop`). The thread's descriptor closes after the connection:
            // closing one drops every POSIX lock this process holds on the file.
            let (file, flush) = (std::fs::File::open(&path)?, std::fs::File::open(&dir)?);
            let (building, woken) = std::sync::mpsc::channel::<()>();
            let writeback = std::thread::Builder::new()
                .name("relais-store-writeback".into())
                .spawn(move || writer::writeback_loop(&file, &flush, &woken))?;
            let built = sqlite::build_indexes(&mut conn);
            drop(conn);
            drop(building);
            let _ = writeback.join();
            built?;
            // The dropped store's threads close their connections as they stop; turning to WAL
            // needs the database to itself.
            // SQLite refuses the change at once, without waiting, while one is still open.
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            loop {
                let turned = sqlite::SqliteConn::open(&path, false, sqlite::Memory::CHECKPOINTS, sqlite::Journal::Wal)
                    .and_then(|mut conn| conn.journal_mode());
                match turned {
                    Ok(mode) if mode.eq_ignore_ascii_case("wal") => break,
                    Ok(mode) if std::time::Instant::now() >= deadline => {
                        return Err(Error::Invalid(format!(
                            "{}: another connection kept the restored database from turning to WAL (still {mode})",
                            path.display()
                        )));
                    }
                    Err(e) if std::time::Instant::now() >= deadline => return Err(e),
                    _ => std::thread::sleep(Duration::from_millis(20)),
                }
            }
            std::fs::File::open(&path)?.sync_all()?;
            blob::sync_file_system(&dir)?;
            std::fs::remove_file(dir.join(RESTORE_MARKER))?;
            std::fs::File::open(&dir)?.sync_all()?;
            Ok(())
        })
        .await
    }

    pub fn config(&self) -> &StoreConfig {
        &self.inner.config
    }

    /// Runs `f` in one write transaction and returns once it is durable. On SQLite, writes
    /// queued together share one commit; on PostgreSQL each runs in its own transaction.
    /// An `Err` from `f` rolls back everything `f` did.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteTx<'_>) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let limits = self.inner.config.limits;
        let job: writer::Job = Box::new(move |wtx| match f(wtx.with_limits(limits)) {
            Ok(value) => Some(Box::new(move |committed: Result<()>| {
                let _ = reply.send(committed.map(|()| value));
            }) as writer::Reply),
            Err(e) => {
                let _ = reply.send(Err(e));
                None
            }
        });
        match &self.inner.writer {
            Some(w) => w.submit(job)?,
            None => {
                let inner = self.inner.clone();
                self.inner
                    .pool
                    .run(move |conn| {
                        writer::run_alone(conn, job, &inner.notifier, &inner.counters);
                        Ok(())
                    })
                    .await?;
            }
        }
        answer.await.map_err(|_| Error::NotCommitted("the write failed or panicked; see the log".into()))?
    }

    /// Runs `f` on a consistent snapshot.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut ReadTx<'_>) -> Result<T> + Send + 'static,
    {
        self.inner
            .pool
            .run(move |conn| {
                let begin = match conn.dialect() {
                    sql::Dialect::Sqlite => "BEGIN DEFERRED",
                    sql::Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                };
                conn.batch(begin)?;
                let result = f(&mut ReadTx::new(conn));
                conn.batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
                result
            })
            .await
    }

    /// Writes `data` durably and returns its address; the caller then references it from an
    /// item in a write transaction. Identical content is stored once.
    pub async fn put_blob(&self, data: Vec<u8>) -> Result<BlobRef> {
        if data.len() <= INLINE_BLOB_MAX {
            // Written by the referencing transaction itself: no fsync of its own.
            let hash = BlobHash::of(&data);
            return Ok(BlobRef { hash, size: data.len() as u64, inline: Some(data.into()) });
        }
        let blobs = self.inner.blobs.clone();
        match blobs.dir() {
            Some(_) => run_blocking(move || blobs.put_file(&data)).await,
            None => self.inner.pool.run(move |conn| blobs.put_row(conn, &data)).await,
        }
    }

    /// Writes `data` durably now, whatever its size: content that no transaction references
    /// yet and that must be readable before one does (a JMAP upload). Unreferenced, it is
    /// collected after the garbage collector's grace like any orphan.
    pub async fn put_blob_now(&self, data: Vec<u8>) -> Result<BlobRef> {
        let blobs = self.inner.blobs.clone();
        match blobs.dir() {
            Some(_) => run_blocking(move || blobs.put_file(&data)).await,
            None => self.inner.pool.run(move |conn| blobs.put_row(conn, &data)).await,
        }
    }

    /// The bytes of a blob, or `NotFound`.
    pub async fn blob(&self, hash: BlobHash) -> Result<Vec<u8>> {
        let blobs = self.inner.blobs.clone();
        self.inner
            .pool
            .run(move |conn| match blobs.get_row(conn, &hash) {
                Err(Error::NotFound(_)) if blobs.dir().is_some() => blobs.get_file(&hash),
                other => other,
            })
            .await
    }

    /// The bytes of many blobs, in order, read in one go (a restore's index rebuild: one
    /// round trip to the pool per batch, not per message); `NotFound` if any is missing.
    pub async fn blobs(&self, hashes: Vec<BlobHash>) -> Result<Vec<Vec<u8>>> {
        let blobs = self.inner.blobs.clone();
        self.inner
            .pool
            .run(move |conn| {
                let read = |hash: &BlobHash| match blobs.get_row(conn, hash) {
                    Err(Error::NotFound(_)) if blobs.dir().is_some() => blobs.get_file(hash),
                    other => other,
                };
                hashes.iter().map(read).collect()
            })
            .await
    }

    /// Deletes blobs nobody has referenced for `grace`, and orphaned files older than that.
    /// Returns how many blobs were removed.
    pub async fn collect_garbage(&self, grace: Duration) -> Result<usize> {
        let blobs = self.inner.blobs.clone();
        let cutoff = now() - i64::try_from(grace.as_secs()).unwrap_or(i64::MAX);
        let removed = self
            .write(move |tx| Ok(blobs.collect(tx.conn(), cutoff)? + blobs.collect_orphan_rows(tx.conn(), cutoff)?))
            .await?;
        let blobs = self.inner.blobs.clone();
        let store = self.clone();
        let orphans = run_blocking(move || blobs.orphan_files(cutoff)).await?;
        let mut swept = 0;
        for hash in orphans {
            let known = store.read({
                let hash = hash.clone();
                move |r| r.blob_refs(&hash)
            });
            if known.await?.is_none() {
                let blobs = self.inner.blobs.clone();
                swept += run_blocking(move || blobs.remove_file_if_old(&hash, cutoff)).await?;
            }
        }
        Ok(removed + swept)
    }

    /// Drops change-log entries older than the configured window.
    pub async fn trim_changes(&self) -> Result<u64> {
        let window = i64::try_from(self.inner.config.change_window.as_secs()).unwrap_or(i64::MAX);
        self.trim_changes_before(now().saturating_sub(window)).await
    }

    /// Drops change-log entries written before `cutoff` (unix seconds); clients whose state is
    /// older get `Error::ChangesTooOld`.
    pub async fn trim_changes_before(&self, cutoff: i64) -> Result<u64> {
        let accounts = self.read(move |r| r.accounts_with_changes_before(cutoff)).await?;
        let mut trimmed = 0;
        for account in accounts {
            trimmed += self.write(move |tx| tx.trim_account_changes(account, cutoff)).await?;
        }
        self.write(|tx| tx.purge_notifications()).await?;
        Ok(trimmed)
    }

    /// Notifications of commits from this process and from others sharing the store.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Notification> {
        self.inner.notifier.subscribe()
    }

    /// Notifications of one account's commits (from this process and others): what a session
    /// that follows a mailbox, a calendar or a device's folders waits on. A receiver that lags
    /// gets `Lagged` and should resynchronise from the change log.
    pub fn subscribe_account(&self, account: AccountId) -> tokio::sync::broadcast::Receiver<Notification> {
        self.inner.notifier.subscribe_account(account)
    }

    /// How many accounts someone follows through `subscribe_account` (a channel each).
    pub fn followed_accounts(&self) -> usize {
        self.inner.notifier.followed_accounts()
    }

    /// At shutdown, once no more writes come: copies the WAL into the database file and empties
    /// it (SQLite), so the next open has nothing to recover and the data directory is one file
    /// plus the blobs. Waits up to `patience` for readers still inside and for another
    /// checkpoint still running; a reader that stays only leaves the WAL as it is (the next
    /// open recovers it). Nothing to do on PostgreSQL.
    pub async fn checkpoint_for_shutdown(&self, patience: Duration) -> Result<bool> {
        let Backend::Sqlite { dir } = &self.inner.config.backend else { return Ok(true) };
        let path = dir.join("relais.db");
        run_blocking(move || {
            let mut conn = sqlite::SqliteConn::open(&path, false, sqlite::Memory::CHECKPOINTS, sqlite::Journal::Wal)?;
            // SQLite answers at once, without its busy handler, while another connection holds
            // the checkpointer lock (the checkpoint thread copying the last frames, the writer
            // starting the WAL over): that is tried again until the patience runs out.
            let deadline = std::time::Instant::now() + patience;
            loop {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if conn.checkpoint(sqlite::CheckpointMode::Truncate, left)?.complete {
                    return Ok(true);
                }
                if left.is_zero() {
                    return Ok(false);
                }
                std::thread::sleep(left.min(Duration::from_millis(10)));
            }
        })
        .await
    }

    pub fn stats(&self) -> StoreStats {
        use std::sync::atomic::Ordering::Relaxed;
        StoreStats {
            commits: self.inner.counters.commits.load(Relaxed),
            writes: self.inner.counters.writes.load(Relaxed),
        }
    }

    /// Checks the database answers (`/readyz`), and that a read connection can be had within
    /// `within`: when every connection is held by slow reads, the node is not ready even
    /// though the database itself answers (`Error::Busy`).
    pub async fn ping(&self, within: Duration) -> Result<()> {
        let ping = self.inner.pool.run_within(within, |conn| {
            ReadTx::new(conn).account_modseq(AccountId::DIRECTORY)?;
            Ok(())
        });
        // A database that takes the connection but does not answer is not ready either.
        tokio::time::timeout(within.saturating_mul(2), ping).await.map_err(|_| Error::Busy(within))?
    }
}

/// Blobs up to this size are stored in the database, in the transaction that references them.
pub const INLINE_BLOB_MAX: usize = 64 * 1024;

/// Runs blocking work off the async executor's threads.
async fn run_blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::NotCommitted(format!("blocking task failed: {e}")))?
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
