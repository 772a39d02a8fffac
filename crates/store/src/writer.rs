//! Writes: one transaction per job, and on SQLite one fsync for many jobs (group commit).
//!
//! The SQLite writer thread takes the first queued job, then every job already waiting (up to
//! `group_commit_max`), and runs each inside its own SAVEPOINT of one `BEGIN IMMEDIATE`
//! transaction. A job that fails or panics is rolled back to its savepoint alone; the others
//! commit together.
//!
//! Durability is pipelined: the writer commits with `synchronous = NORMAL` (its frames written
//! to the WAL, no fsync) and hands the group's replies to a sync thread, which fsyncs the WAL
//! once for every group committed since its last fsync, then publishes their notifications and
//! answers them. So no caller hears "done" before its data is durable, yet the writer runs the
//! next group while the disk syncs the last: with the fsync inside COMMIT the writer sat idle
//! for it, and the group commit's cycle was the jobs' work plus the fsync (bench/imap APPEND).
//! A reader may see a group's rows before its fsync ends; anything written that depends on
//! them commits in a later group, whose fsync covers the earlier frames too (the WAL is
//! written in order). A failed fsync stops the writer: what the page cache held may be lost,
//! and the store refuses every write from then on, until the server restarts.
//!
//! Checkpoints (WAL frames copied back into the database file) run on a thread of their own,
//! not in the writer's COMMIT as SQLite's automatic checkpoint does: while a long reader (a
//! backup's snapshot) holds the WAL, it grows by every write, and the first automatic
//! checkpoint after the reader let go copied all of it inside one writer's commit — a stall of
//! seconds for every client waiting on a write (bench/backup).
//!
//! A PASSIVE checkpoint never starts the WAL over: SQLite does that only at a write that finds
//! every frame copied and no reader inside the WAL, which a steady load never gives (the writer
//! appends while the checkpoint copies, readers come and go). So the WAL grew without end — 1.6
//! GB beside a 400 MB database after 30,000 deliveries, every page read searching its index
//! and the next open recovering all of it. The writer therefore starts it over itself
//! (`restart_wal`): between two of its own transactions, once the WAL passes `RESTART_AT`
//! frames and the last PASSIVE checkpoint was held back by no old reader, a RESTART checkpoint
//! copies the little the PASSIVE ones left and waits a few milliseconds at most for the
//! readers inside the WAL to leave; the next commit writes from the WAL's first frame. Done
//! from the checkpoint thread instead, a RESTART took the write lock away from the writer, who
//! then slept in SQLite's busy handler: 445 ms write stalls.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use crate::notify::Notifier;
use crate::sql::Conn;
use crate::sqlite::{CheckpointMode, Journal, SqliteConn};
use crate::tx::WriteTx;
use crate::{Error, Notification, Result};

/// Called once the job's transaction committed (Ok) or failed to (Err).
pub(crate) type Reply = Box<dyn FnOnce(Result<()>) + Send>;
/// Runs inside the transaction; `None` means it failed and already answered its caller.
pub(crate) type Job = Box<dyn FnOnce(&mut WriteTx<'_>) -> Option<Reply> + Send>;

pub(crate) struct Writer {
    queue: mpsc::Sender<Job>,
}

/// Counts of committed transactions and of the writes they carried.
#[derive(Default)]
pub(crate) struct Counters {
    pub commits: AtomicU64,
    pub writes: AtomicU64,
}

impl Writer {
    pub fn start(
        mut conn: SqliteConn,
        path: PathBuf,
        notifier: Notifier,
        max: usize,
        counters: Arc<Counters>,
        journal: Journal,
    ) -> Result<Writer> {
        conn.batch("PRAGMA wal_autocheckpoint = 0")?;
        let wal = Arc::new(Wal::default());
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        // A bulk load has no WAL to checkpoint, and no fsync until its end: the thread starts
        // the writeback of what it wrote instead, so that end finds little left to write.
        let after_commits: Box<dyn FnOnce() + Send> = match journal {
            Journal::Wal => {
                let checkpoints = SqliteConn::open(&path, false, crate::sqlite::Memory::CHECKPOINTS, journal)?;
                let seen = wal.clone();
                Box::new(move || checkpoint_loop(checkpoints, &woken, &seen))
            }
            Journal::Bulk => {
                let file = std::fs::File::open(&path)?;
                let flush = std::fs::File::open(path.parent().unwrap_or(Path::new(".")))?;
                Box::new(move || writeback_loop(&file, &flush, &woken))
            }
        };
        std::thread::Builder::new().name("relais-store-checkpoint".into()).spawn(after_commits)?;
        let wal_file = PathBuf::from(format!("{}-wal", path.display()));
        // Pipelined durability needs the WAL: a database SQLite could not turn to WAL (a file
        // system without shared memory) keeps syncing inside each commit.
        let acks = if journal == Journal::Wal && conn.journal_mode()?.eq_ignore_ascii_case("wal") {
            conn.batch("PRAGMA synchronous = NORMAL")?;
            let (to_sync, synced) = mpsc::channel::<Committed>();
            let failed = Arc::new(AtomicBool::new(false));
            let files = SyncTarget { wal: wal_file.clone(), open: None };
            let (notes, stop) = (notifier.clone(), failed.clone());
            std::thread::Builder::new()
                .name("relais-store-sync".into())
                .spawn(move || sync_loop(files, &synced, &notes, &stop))?;
            Acks::AfterSync { to_sync, failed }
        } else {
            Acks::Now(notifier.clone())
        };
        let (queue, jobs) = mpsc::channel::<Job>();
        std::thread::Builder::new().name("relais-store-writer".into()).spawn(move || {
            let mut restarts = Restarts { wal, wal_file, next_try: Instant::now() };
            let commits = Commits { acks: &acks, origin: notifier.origin(), counters: &counters };
            writer_loop(conn, &jobs, &commits, max.max(1), &wake, &mut restarts);
        })?;
        Ok(Writer { queue })
    }

    pub fn submit(&self, job: Job) -> Result<()> {
        self.queue.send(job).map_err(|_| Error::Closed)
    }
}

/// Where the writer's committed groups go: answered or handed to the sync thread (`acks`),
/// their notifications published as `origin`, and counted.
struct Commits<'a> {
    acks: &'a Acks,
    origin: &'a str,
    counters: &'a Counters,
}

/// Takes the jobs as they come, up to `max` in a group, until the store closes; the checkpoint
/// thread is woken after each group.
fn writer_loop(
    mut conn: SqliteConn,
    jobs: &mpsc::Receiver<Job>,
    commits: &Commits<'_>,
    max: usize,
    checkpoint: &mpsc::SyncSender<()>,
    restarts: &mut Restarts,
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < max {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if commits.acks.failed() {
            for job in batch {
                fail_unrun(job, &Error::NotCommitted(SYNC_FAILED.into()));
            }
            continue;
        }
        commit_batch(&mut conn, batch, commits);
        restarts.restart_wal(&mut conn);
        // A wake-up already pending covers this commit too.
        let _ = checkpoint.try_send(());
    }
}

/// The WAL's size past which the writer starts it over: 8,192 frames, 32 MiB of 4 KiB pages.
///
/// Measured (bench/smtp-growth 30000, 20 clients at saturation): a restart itself takes 4–8 ms,
/// yet any restarting raises the p99 write from 20 ms (a WAL never started over) to 47 ms, at
/// the same rate — writing over the WAL's old pages costs more than appending to it. Restarting
/// rarer (16,384 or 65,536 frames), catching up with back-to-back PASSIVE checkpoints first, or
/// truncating the WAL instead (TRUNCATE: 89–116 ms, a fifth fewer messages a second) were each
/// worse. A 20 ms p99 with a WAL four times the database, searched by every read and recovered
/// at every start, is not the better trade.
const RESTART_AT: i64 = 8_192;
/// How far behind the WAL's end the last PASSIVE checkpoint may have stopped for a RESTART to
/// be tried: further back, a reader holds an old snapshot (a backup) and would make it wait.
const RESTART_SLACK: i64 = 2_048;
/// How long a RESTART waits for readers to leave the WAL before it gives up.
const RESTART_PATIENCE: Duration = Duration::from_millis(10);
/// After a RESTART that could not finish, the writer tries again no sooner than this.
const RESTART_BACKOFF: Duration = Duration::from_secs(1);

/// What the checkpoint thread last saw of the WAL, and the lock each checkpoint holds so the
/// writer's RESTART never runs beside the checkpoint thread's PASSIVE (it would wait on it).
#[derive(Default)]
struct Wal {
    frames: AtomicI64,
    copied: AtomicI64,
    checkpointing: Mutex<()>,
}

struct Restarts {
    wal: Arc<Wal>,
    /// The WAL file (`relais.db-wal`), whose size sets how much one restart gives back.
    wal_file: PathBuf,
    next_try: Instant,
}

/// The most of the WAL file one restart gives back to the file system.
///
/// SQLite cuts the WAL file down to `journal_size_limit` in the first commit after a restart,
/// on the writer's thread. After a backup's reader held the WAL for seconds it had grown by
/// every write meanwhile, and cutting all of it back at once took 115 ms in that commit
/// (ftruncate freeing the blocks, with the file system's online discard) — the longest write
/// stall a client saw beside a backup (bench/backup). A step at a time, the rest goes at the
/// following restarts.
const TRIM_STEP: u64 = 16 << 20;

/// The `journal_size_limit` for a restart of a WAL file of `size` octets: at most `TRIM_STEP`
/// below it, never below what the WAL keeps anyway.
fn trim_limit(size: u64) -> u64 {
    size.saturating_sub(TRIM_STEP).max(crate::sqlite::WAL_KEPT_BYTES)
}

impl Restarts {
    /// Starts the WAL over when it has grown past `RESTART_AT` and nothing old holds it; never
    /// waits for the checkpoint thread (skipped while it runs) and at most `RESTART_PATIENCE`
    /// for readers.
    fn restart_wal(&mut self, conn: &mut SqliteConn) {
        let (frames, copied) = (self.wal.frames.load(Ordering::Relaxed), self.wal.copied.load(Ordering::Relaxed));
        if frames < RESTART_AT || copied < frames - RESTART_SLACK || Instant::now() < self.next_try {
            return;
        }
        let Ok(_checkpointing) = self.wal.checkpointing.try_lock() else { return };
        let size = std::fs::metadata(&self.wal_file).map_or(0, |m| m.len());
        if let Err(e) = conn.batch(&format!("PRAGMA journal_size_limit = {}", trim_limit(size))) {
            tracing::warn!(error = %e, "store: cannot set the WAL's size limit");
        }
        let began = Instant::now();
        let result = conn.checkpoint(CheckpointMode::Restart, RESTART_PATIENCE);
        let took_us = began.elapsed().as_micros() as u64;
        tracing::debug!(frames, copied, took_us, complete = ?result.as_ref().map(|d| d.complete), "store: WAL restart");
        match result {
            Ok(done) if done.complete => {
                self.wal.frames.store(0, Ordering::Relaxed);
                self.wal.copied.store(0, Ordering::Relaxed);
                return;
            }
            Ok(done) => {
                tracing::debug!(
                    frames = done.frames,
                    copied = done.copied,
                    "store: readers kept the WAL from starting over"
                );
                self.wal.frames.store(done.frames, Ordering::Relaxed);
                self.wal.copied.store(done.copied, Ordering::Relaxed);
            }
            Err(e) => tracing::warn!(error = %e, "store: WAL restart failed"),
        }
        self.next_try = Instant::now() + RESTART_BACKOFF;
    }
}

/// How often the thread after the writer acts at most.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

/// The checkpoint thread: after commits, at most every `CHECKPOINT_EVERY`, a PASSIVE
/// checkpoint (it waits for no reader or writer and blocks none: what a reader still needs
/// stays in the WAL for the next one). Ends with the writer.
fn checkpoint_loop(mut conn: SqliteConn, woken: &mpsc::Receiver<()>, wal: &Wal) {
    while woken.recv().is_ok() {
        if let Ok(_checkpointing) = wal.checkpointing.lock() {
            let began = Instant::now();
            let result = conn.checkpoint(CheckpointMode::Passive, Duration::ZERO);
            if let Ok(done) = &result {
                let took_us = began.elapsed().as_micros() as u64;
                tracing::trace!(frames = done.frames, copied = done.copied, took_us, "store: checkpoint");
            }
            match result {
                Ok(done) => {
                    wal.frames.store(done.frames, Ordering::Relaxed);
                    wal.copied.store(done.copied, Ordering::Relaxed);
                }
                Err(e) => tracing::warn!(error = %e, "store: checkpoint failed"),
            }
        }
        std::thread::sleep(CHECKPOINT_EVERY);
    }
}

/// How often a bulk load's writeback thread has the disk flush what was written back so far.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// The bulk load's counterpart of `checkpoint_loop`: until `woken`'s sender is dropped (a
/// message on it after each commit), every `CHECKPOINT_EVERY` it starts the writeback of the
/// database file, and every `FLUSH_EVERY` it fsyncs `flush`, the database's directory, which
/// has the disk flush its own cache — the writer goes on meanwhile. Writing back is not all of
/// what makes a file durable: on this VM the first fsync after 800 MB written back without one
/// took 0.7 s, even of another, tiny file (the disk's cache flushed); spread over the load, it
/// costs the writer nothing, and the fsync at the load's end finds almost nothing left. Not an
/// fsync of the database file itself: Linux tells a write-back error once to each descriptor
/// open when it happened, and marks it seen; the fsync at the end, on a descriptor opened
/// later, must be the one that is told.
pub(crate) fn writeback_loop(file: &std::fs::File, flush: &std::fs::File, woken: &mpsc::Receiver<()>) {
    let mut flushed = Instant::now();
    loop {
        match woken.recv_timeout(CHECKPOINT_EVERY) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        start_writeback(file);
        if flushed.elapsed() >= FLUSH_EVERY {
            // Only to have the flush early: the fsyncs at the end say whether the load is on disk.
            let _ = flush.sync_all();
            flushed = Instant::now();
        }
        std::thread::sleep(CHECKPOINT_EVERY);
    }
}

/// Starts writing the file's dirty pages to disk without waiting for them (Linux:
/// sync_file_range); durability still comes from the fsync at the end of the load.
fn start_writeback(file: &std::fs::File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: sync_file_range only reads the descriptor, which `file` keeps open. An error
        // only means the final fsync writes more.
        unsafe { libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

fn commit_batch(conn: &mut SqliteConn, batch: Vec<Job>, &Commits { acks, origin, counters }: &Commits<'_>) {
    let mut done: Vec<(Reply, Vec<Notification>)> = Vec::with_capacity(batch.len());
    for job in batch {
        // SQLite may abandon the whole transaction on an I/O or full-disk error inside a job;
        // then the jobs before it were rolled back too: tell them, and start a new one.
        if conn.in_autocommit() {
            abandon(&mut done);
            if let Err(e) = conn.batch("BEGIN IMMEDIATE") {
                tracing::error!(error = %e, "store: cannot begin a write transaction");
                drop(job);
                continue;
            }
        }
        if let Err(e) = conn.batch("SAVEPOINT job") {
            tracing::error!(error = %e, "store: cannot open a savepoint");
            drop(job);
            continue;
        }
        match run_job(conn, job, origin) {
            Some((reply, notes)) => match conn.batch("RELEASE job") {
                Ok(()) => done.push((reply, notes)),
                Err(e) => {
                    rollback_job(conn);
                    reply(Err(Error::NotCommitted(e.to_string())));
                }
            },
            None => rollback_job(conn),
        }
    }
    if conn.in_autocommit() {
        abandon(&mut done);
    } else {
        if let Some(done) = commit(conn, done, counters) {
            acks.committed(done);
        }
    }
}

/// Undoes the current job, if its savepoint still exists.
fn rollback_job(conn: &mut SqliteConn) {
    if !conn.in_autocommit()
        && let Err(e) = conn.batch("ROLLBACK TO job; RELEASE job")
    {
        tracing::error!(error = %e, "store: rollback to savepoint failed");
    }
}

/// Answers jobs whose work was lost with the transaction around them.
fn abandon(done: &mut Vec<(Reply, Vec<Notification>)>) {
    for (reply, _) in done.drain(..) {
        reply(Err(Error::NotCommitted("the transaction was rolled back by the database".into())));
    }
}

/// A committed group's jobs: each one's reply and the notifications to publish before it.
type Committed = Vec<(Reply, Vec<Notification>)>;

/// What the writer does with a group once it committed.
enum Acks {
    /// Its commit was durable when it returned (SQLite not in WAL; a bulk load, durable only at
    /// its end): publish and answer at once.
    Now(Notifier),
    /// Its frames are in the WAL, not yet fsynced: the sync thread answers after its fsync.
    AfterSync { to_sync: mpsc::Sender<Committed>, failed: Arc<AtomicBool> },
}

impl Acks {
    fn failed(&self) -> bool {
        matches!(self, Acks::AfterSync { failed, .. } if failed.load(Ordering::Acquire))
    }

    fn committed(&self, done: Committed) {
        match self {
            Acks::Now(notifier) => publish_and_answer(notifier, done),
            Acks::AfterSync { to_sync, .. } => {
                if let Err(mpsc::SendError(done)) = to_sync.send(done) {
                    // The sync thread is gone (it only ends when the writer does): nothing
                    // will make these durable.
                    abandon_unsynced(done);
                }
            }
        }
    }
}

/// Publishes each job's notifications and answers it: a writer's OK comes after its
/// notification, so a session that checks its notifications per command (IMAP rights, a
/// revoked credential) sees a change whose author was already told it is done.
fn publish_and_answer(notifier: &Notifier, done: Committed) {
    for (reply, notes) in done {
        for n in notes {
            notifier.publish(n);
        }
        reply(Ok(()));
    }
}

const SYNC_FAILED: &str = "the store could not make its writes durable (fsync failed); it takes no more writes until the server restarts";

fn abandon_unsynced(done: Committed) {
    for (reply, _) in done {
        reply(Err(Error::NotCommitted(SYNC_FAILED.into())));
    }
}

/// The file whose fsync makes committed groups durable: the WAL, opened again whenever the file
/// at its path is no longer the one held open.
///
/// Never the database file: closing a descriptor of it would drop every POSIX lock this process
/// holds on it, SQLite's included, and another process (the CLI) could then write beside the
/// server. SQLite takes no lock on the WAL file itself (WAL locks are on `-shm`).
struct SyncTarget {
    wal: PathBuf,
    open: Option<(std::fs::File, (u64, u64))>,
}

/// What makes the committed groups durable (the WAL's fsync; in tests, a stand-in).
trait MakeDurable {
    fn sync(&mut self) -> std::io::Result<()>;
}

impl MakeDurable for SyncTarget {
    fn sync(&mut self) -> std::io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        // While the writer's connection is open in WAL mode the WAL exists; gone, it is an
        // error like any other (the store then stops taking writes).
        let m = std::fs::metadata(&self.wal)?;
        let now = (m.dev(), m.ino());
        let held = match self.open.take() {
            Some(same) if same.1 == now => same,
            // Who the opened file is, read from it: the path may have changed again meanwhile.
            _ => {
                let file = std::fs::File::open(&self.wal)?;
                let m = file.metadata()?;
                (file, (m.dev(), m.ino()))
            }
        };
        self.open.insert(held).0.sync_data()
    }
}

/// The sync thread: takes every group committed so far, fsyncs once, then publishes and answers
/// them in commit order. Ends with the writer.
fn sync_loop(mut target: impl MakeDurable, committed: &mpsc::Receiver<Committed>, notifier: &Notifier, failed: &AtomicBool) {
    while let Ok(first) = committed.recv() {
        let mut groups = vec![first];
        groups.extend(committed.try_iter());
        if failed.load(Ordering::Acquire) {
            groups.into_iter().for_each(abandon_unsynced);
            continue;
        }
        match target.sync() {
            Ok(()) => groups.into_iter().for_each(|done| publish_and_answer(notifier, done)),
            Err(e) => {
                tracing::error!(error = %e, "store: fsync of the WAL failed; the store takes no more writes");
                failed.store(true, Ordering::Release);
                groups.into_iter().for_each(abandon_unsynced);
            }
        }
    }
}

/// Commits; the group back to be answered once it committed, or `None` (each job answered
/// with the error).
fn commit(conn: &mut dyn Conn, done: Committed, counters: &Counters) -> Option<Committed> {
    match conn.batch("COMMIT") {
        Ok(()) => {
            counters.commits.fetch_add(1, Ordering::Relaxed);
            counters.writes.fetch_add(done.len() as u64, Ordering::Relaxed);
            Some(done)
        }
        Err(e) => {
            tracing::error!(error = %e, "store: commit failed");
            let _ = conn.batch("ROLLBACK");
            for (reply, _) in done {
                reply(Err(Error::NotCommitted(e.to_string())));
            }
            None
        }
    }
}

/// A job that could not even start: run it against nothing so its caller gets an error.
fn fail_unrun(job: Job, e: &Error) {
    tracing::error!(error = %e, "store: write not run");
    // Dropping the job drops its reply channel; the caller sees NotCommitted.
    drop(job);
}

/// Runs one job; on success returns its reply and the notifications to publish after commit.
fn run_job(conn: &mut dyn Conn, job: Job, origin: &str) -> Option<(Reply, Vec<Notification>)> {
    let mut tx = WriteTx::new(conn);
    match catch_unwind(AssertUnwindSafe(|| job(&mut tx))) {
        Ok(Some(reply)) => match tx.finish(origin) {
            Ok(notes) => Some((reply, notes)),
            Err(e) => {
                reply(Err(e));
                None
            }
        },
        Ok(None) => None,
        Err(_) => {
            tracing::error!("store: a write job panicked; rolled back");
            None
        }
    }
}

/// PostgreSQL: one job, one transaction (the server groups concurrent WAL flushes itself).
pub(crate) fn run_alone(conn: &mut dyn Conn, job: Job, notifier: &Notifier, counters: &Counters) {
    if let Err(e) = conn.batch("BEGIN") {
        fail_unrun(job, &e);
        return;
    }
    match run_job(conn, job, notifier.origin()) {
        Some(ok) => {
            if let Some(done) = commit(conn, vec![ok], counters) {
                publish_and_answer(notifier, done);
            }
        }
        None => {
            if let Err(e) = conn.batch("ROLLBACK") {
                tracing::error!(error = %e, "store: rollback failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::WAL_KEPT_BYTES;

    /// A stand-in for the WAL's fsync: each sync waits for a go, and fails if told so.
    struct Gate(mpsc::Receiver<bool>);

    impl MakeDurable for Gate {
        fn sync(&mut self) -> std::io::Result<()> {
            match self.0.recv() {
                Ok(true) => Ok(()),
                _ => Err(std::io::Error::other("the disk is gone")),
            }
        }
    }

    /// A committed group of one job whose answer goes to `answers`.
    fn group(answers: &mpsc::Sender<Result<()>>) -> Committed {
        let answers = answers.clone();
        vec![(Box::new(move |r: Result<()>| answers.send(r).unwrap()) as Reply, Vec::new())]
    }

    #[test]
    fn no_one_is_answered_before_the_sync_and_a_failed_sync_stops_the_writes() {
        let (go, gate) = mpsc::channel();
        let (to_sync, synced) = mpsc::channel::<Committed>();
        let failed = Arc::new(AtomicBool::new(false));
        let stop = failed.clone();
        let syncer = std::thread::spawn(move || sync_loop(Gate(gate), &synced, &Notifier::new("t".into()), &stop));
        let acks = Acks::AfterSync { to_sync, failed };
        let (answers, answered) = mpsc::channel();
        acks.committed(group(&answers));
        // The sync thread waits on its fsync: nothing is answered meanwhile.
        assert!(answered.recv_timeout(Duration::from_millis(200)).is_err());
        go.send(true).unwrap();
        assert!(answered.recv_timeout(Duration::from_secs(10)).unwrap().is_ok());
        // A failed fsync: the group is refused, and so is every write after it.
        acks.committed(group(&answers));
        go.send(false).unwrap();
        assert!(matches!(answered.recv_timeout(Duration::from_secs(10)).unwrap(), Err(Error::NotCommitted(_))));
        assert!(acks.failed());
        acks.committed(group(&answers));
        assert!(matches!(answered.recv_timeout(Duration::from_secs(10)).unwrap(), Err(Error::NotCommitted(_))));
        drop(acks);
        syncer.join().unwrap();
    }

    #[test]
    fn the_sync_follows_the_file_at_the_wal_s_path() {
        let dir = relais_testkit::TempDir::new("relais-sync-target");
        let wal = dir.path().join("x.db-wal");
        let mut target = SyncTarget { wal: wal.clone(), open: None };
        // No WAL: an error, nothing held open.
        assert!(target.sync().is_err());
        assert!(target.open.is_none());
        std::fs::write(&wal, b"one").unwrap();
        target.sync().unwrap();
        let first = target.open.as_ref().map(|(_, id)| *id).unwrap();
        target.sync().unwrap();
        assert_eq!(target.open.as_ref().map(|(_, id)| *id), Some(first));
        // Another file put at the path (the first still open, so its inode is not reused).
        let next = dir.path().join("next");
        std::fs::write(&next, b"two").unwrap();
        std::fs::rename(&next, &wal).unwrap();
        target.sync().unwrap();
        let now = target.open.as_ref().map(|(_, id)| *id).unwrap();
        assert_ne!(now, first);
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(&wal).unwrap();
        assert_eq!(now, (m.dev(), m.ino()));
    }

    #[test]
    fn a_restart_gives_back_one_step_of_a_large_wal_at_most() {
        assert_eq!(trim_limit(0), WAL_KEPT_BYTES);
        assert_eq!(trim_limit(WAL_KEPT_BYTES + TRIM_STEP / 2), WAL_KEPT_BYTES);
        assert_eq!(trim_limit(900 << 20), (900 << 20) - TRIM_STEP);
    }
}
