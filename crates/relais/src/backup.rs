//! `relais backup PATH` and `relais restore PATH`: a consistent snapshot of the store (see
//! relais_store::snapshot) written as a directory that does not depend on the backend, so a
//! backup of the embedded store restores into PostgreSQL and back.
//!
//! ```text
//! PATH/manifest.json          format, schema version, tables with row counts, SHA-256,
//!                             columns and chunks in order, id sequences, blob count and size;
//!                             for an incremental backup the base it was made from (see
//!                             backup_chain); written last
//! PATH/manifest.sha256        the SHA-256 of manifest.json, as `sha256sum` writes it
//!                             (absent from backups made before it was added)
//! PATH/tables/pack-000001     each table's rows, one JSON array a line (integers, strings,
//! PATH/tables/index.jsonl     null; bytes as {"b64": "…"}), in content-defined chunks: an
//!                             incremental backup holds only those its chain does not (format
//!                             4, see backup_table; formats 1 to 3 had a file per table,
//!                             tables/<table>.jsonl, its first line the column names)
//! PATH/blobs/pack-000001      the referenced blobs' contents one after another (an
//!                             incremental backup: those its chain does not hold), a new pack
//!                             after 1 GiB; see backup_pack
//! PATH/blobs/index.jsonl      one line per blob: its SHA-256, pack, offset and length; its own
//!                             SHA-256 in the manifest (format 3; formats 1 and 2 had a file
//!                             per blob, blobs/ab/<sha256>, which restore still reads)
//! ```
//!
//! A backup is written into `PATH.partial` and renamed to `PATH` only when complete and synced:
//! an interrupted backup never looks complete. A restore checks every checksum (of every link
//! of an incremental chain, manifests included) before it writes anything, and goes only into
//! an empty store. A backup of an older schema (a server since upgraded) restores too: the
//! target is opened at the backup's schema version, the rows go in by column name, then the
//! later migrations run on them exactly as an upgrade in place would have. A backup newer than
//! this binary is refused, naming both versions.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use base64::Engine;
use relais_store::{BlobHash, Store};
use relais_store::snapshot::{TABLES, Value};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::backup_archive::Archiver;
use crate::backup_chain::{self, BaseRef};
use crate::backup_pack::{BlobAt, BlobReader};
use crate::backup_sink::{DirSink, Offloaded, Progress, StopOnDrop};
use crate::backup_table::{self, TableEntry};
use crate::config::Config;

pub(crate) const FORMAT: &str = "relais-backup";
/// Format 1: a full backup; 2: an incremental one (it has a base); both with a file per blob.
/// 3: blobs in packs, full or incremental (with a base). 4: tables in chunks too (see
/// backup_table). Older binaries refuse a format they do not know rather than restore it
/// without its blobs or tables.
const VERSION: u32 = 1;
const VERSION_INCREMENTAL: u32 = 2;
const VERSION_PACKED: u32 = 3;
pub(crate) const VERSION_CHUNKED: u32 = 4;
/// Rows per restore transaction.
const RESTORE_CHUNK: usize = 1_000;
/// Rows per restore write.
const RESTORE_ROWS: usize = 8_000;
/// The schema version of the first Relais that wrote backups: no backup is older. Every table
/// of `TABLES` that a backup of this schema or a later one lacks is one a later migration
/// added, which the restore passes over and the upgrade after it creates.
const OLDEST_SCHEMA: i64 = 10;

#[derive(Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub schema: i64,
    pub created: i64,
    pub backend: String,
    pub tables: Vec<TableEntry>,
    pub sequences: Vec<(String, i64)>,
    /// The blobs in this backup's own directory.
    pub blobs: BlobTotals,
    /// Every blob the snapshot references, wherever in the chain it is (incremental only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced: Option<BlobTotals>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseRef>,
    /// The SHA-256 of blobs/index.jsonl (formats 3 and 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packed: Option<String>,
    /// The SHA-256 of tables/index.jsonl (format 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunked: Option<String>,
    /// The table chunks in this backup's own directory (format 4; the others are in its chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_chunks: Option<BlobTotals>,
}

impl Manifest {
    pub fn check_format(&self, dir: &Path) -> Result<()> {
        let consistent = match self.version {
            VERSION => self.base.is_none() && self.packed.is_none() && self.chunked.is_none(),
            VERSION_INCREMENTAL => self.base.is_some() && self.packed.is_none() && self.chunked.is_none(),
            VERSION_PACKED => self.packed.is_some() && self.chunked.is_none(),
            VERSION_CHUNKED => {
                self.packed.is_some() && self.chunked.is_some() && self.tables.iter().all(|t| t.columns.is_some())
            }
            _ => bail!(
                "{} is not a Relais backup of format {VERSION}, {VERSION_INCREMENTAL}, {VERSION_PACKED} or {VERSION_CHUNKED}",
                dir.display()
            ),
        };
        if self.format != FORMAT {
            bail!("{} is not a Relais backup", dir.display());
        }
        if !consistent {
            bail!(
                "{}: manifest.json is damaged (format {} with a base: {}, with a pack index: {}, with table chunks: {})",
                dir.display(),
                self.version,
                self.base.is_some(),
                self.packed.is_some(),
                self.chunked.is_some()
            );
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize, Default, Clone, Copy, Debug)]
pub struct BlobTotals {
    pub count: u64,
    pub bytes: u64,
}

/// What a backup wrote.
pub struct Written {
    pub manifest: Manifest,
    pub schema: i64,
}

impl Written {
    pub fn summary(&self, path: &Path) -> String {
        let m = &self.manifest;
        let rows: u64 = m.tables.iter().map(|t| t.rows).sum();
        let base = match (&m.base, m.referenced) {
            (Some(b), Some(r)) => {
                format!(
                    ", incremental from {} which holds the other {} blobs",
                    b.path,
                    r.count.saturating_sub(m.blobs.count)
                )
            }
            _ => String::new(),
        };
        let chunks = match m.table_chunks {
            Some(written) => {
                let all: u64 = m.tables.iter().flat_map(|t| &t.chunks).map(|c| c.bytes).sum();
                format!(" ({} of their {all} octets written here)", written.bytes)
            }
            None => String::new(),
        };
        format!(
            "backup complete: {} ({} rows in {} tables{chunks}, {} blobs, {} octets of content{base}, schema {})",
            path.display(),
            rows,
            m.tables.len(),
            m.blobs.count,
            m.blobs.bytes,
            self.schema
        )
    }
}

/// `relais backup [--incremental-from BASE] PATH`: opens the store and writes the backup.
pub async fn backup(data: &Path, config: &Config, path: &Path, base: Option<&Path>) -> Result<()> {
    let store = Store::open(crate::store_config(data, config)).await.context("cannot open the store")?;
    let written = write(&store, backend_name(config), path, base).await?;
    println!("{}", written.summary(path));
    Ok(())
}

/// Writes a backup of `store` to the new directory `path`; with `base`, an incremental one
/// holding only the blobs and table chunks that `base` and its chain do not.
pub async fn write(store: &Store, backend: &str, path: &Path, base: Option<&Path>) -> Result<Written> {
    if path.exists() {
        bail!("{} exists: a backup goes to a new path", path.display());
    }
    let (base, held) = match base {
        Some(b) if crate::backup_archive::is_archive(b) => {
            bail!("{}: an incremental backup is made from a backup directory, not an archive", b.display())
        }
        Some(b) => {
            let links = backup_chain::chain(b).with_context(|| format!("the base backup {}", b.display()))?;
            let held = Held { blobs: backup_chain::blob_names(&links)?, chunks: backup_chain::chunk_names(&links)? };
            (Some(backup_chain::base_ref(b, path)?), held)
        }
        None => (None, Held::default()),
    };
    let partial = partial_of(path);
    if partial.exists() {
        fs::remove_dir_all(&partial).with_context(|| format!("cannot remove {}", partial.display()))?;
    }
    let (manifest, schema) = snapshot_into(store, backend, &partial, held, base, None).await?;
    sync_dir(&partial)?;
    fs::rename(&partial, path).with_context(|| format!("cannot rename {} to {}", partial.display(), path.display()))?;
    sync_dir(path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))?;
    Ok(Written { manifest, schema })
}

/// What an incremental backup's chain holds already, by SHA-256: not written again.
#[derive(Default)]
pub(crate) struct Held {
    pub blobs: HashSet<String>,
    pub chunks: HashSet<String>,
}

/// Writes a snapshot of `store` as a backup directory at `root` (new), or, with `archive`,
/// through it: each file goes into the archive as soon as it is complete and leaves `root`,
/// which then never holds more than a pack of table chunks and a pack of blobs.
pub(crate) async fn snapshot_into(
    store: &Store,
    backend: &str,
    root: &Path,
    held: Held,
    base: Option<BaseRef>,
    archive: Option<Archiver>,
) -> Result<(Manifest, i64)> {
    fs::create_dir_all(root.join(backup_table::DIR))?;
    fs::create_dir_all(root.join("blobs"))?;
    let sink = DirSink::new(root.to_owned(), held, archive)?;
    // Dropping this future (the server stopping) stops the snapshot at its next row or blob,
    // instead of leaving it to run on its blocking thread; what it wrote stays `.partial`.
    let _stop = StopOnDrop(sink.stopped.clone());
    let (schema, sink) = store.snapshot(Offloaded::new(sink)?).await.context("backup failed")?;
    let sink = sink.finish().context("backup failed")?;
    let (manifest, mut archive) = sink.finish(schema, backend, base)?;
    let bytes = serde_json::to_vec_pretty(&manifest)?;
    // manifest.json last: a directory without it is never taken for a backup, and one still
    // `.partial` is not renamed yet.
    for (name, content) in
        [(backup_chain::MANIFEST_SUM, backup_chain::manifest_sum_line(&bytes).into_bytes()), ("manifest.json", bytes)]
    {
        match archive.as_mut() {
            Some(a) => {
                fs::write(root.join(name), &content)?;
                a.add(root, Path::new(name))?;
            }
            None => write_synced(&root.join(name), &content)?,
        }
    }
    if let Some(a) = archive {
        a.finish()?;
    }
    Ok((manifest, schema))
}

pub async fn restore(data: &Path, config: &Config, path: &Path) -> Result<()> {
    let links = backup_chain::chain(path)?;
    let manifest = &links[0].manifest;
    check_schema(path, manifest.schema)?;
    let (blobs, places) = verify_chain(path, &links)?;
    if config.store.backend == crate::config::Backend::Sqlite {
        fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    }
    let store = open_target(data, config, manifest.schema).await?;
    fill_target(store, path, manifest, blobs, places).await.with_context(|| {
        format!(
            "the restore stopped: {} is incomplete; restore again into a new data directory or an empty database",
            target_name(data, config)
        )
    })?;
    Store::finish_bulk_load(restore_config(data, config)).await.context("cannot write the restored store to disk")?;
    // The search index is derived (not in a backup): the server's indexer builds it as it
    // starts (relais_mail::indexer), and a search before it is done indexes what it reads.
    let upgraded = match manifest.schema < relais_store::SCHEMA_VERSION {
        false => String::new(),
        true => {
            // Opening it again runs the later migrations on the restored rows, as an upgrade
            // of the server that made the backup would have.
            Store::open(crate::store_config(data, config)).await.with_context(|| {
                format!("the rows are restored, but the upgrade from schema {} failed", manifest.schema)
            })?;
            format!(", upgraded from schema {} to {}", manifest.schema, relais_store::SCHEMA_VERSION)
        }
    };
    let chain =
        if links.len() > 1 { format!(" (an incremental backup on {} others)", links.len() - 1) } else { String::new() };
    println!("restore complete: {}{chain} into {}{upgraded}", path.display(), target_name(data, config));
    Ok(())
}

/// Writes the blobs, every table's rows and the id sequences into the opened target. Two
/// threads read the backup — one the blobs, one the tables' rows, decoded — into a short queue,
/// and the store's writer takes from it one write after another: the writer is the restore's
/// one resource that cannot be shared, and it never waits for a row to be decoded while there
/// are blobs to write (the blobs are mostly the writer's work, the rows mostly the reading's).
/// The rows of a table go in the order the backup has them.
async fn fill_target(
    store: Store,
    path: &Path,
    manifest: &Manifest,
    blobs: Vec<Named>,
    places: backup_table::Places,
) -> Result<()> {
    let mut progress = Progress::new("restore", manifest.referenced.unwrap_or(manifest.blobs).bytes);
    // A backup of an older schema has only the tables that schema had.
    let mut tables = Vec::new();
    for entry in TABLES.iter().filter_map(|t| manifest.tables.iter().find(|e| e.name == *t)) {
        let (columns, lines) = backup_table::open(path, entry, &places)?;
        tables.push((entry.name.clone(), columns, lines));
    }
    let (queue, mut batches) = tokio::sync::mpsc::channel::<Result<Batch>>(QUEUED);
    let to_blobs = queue.clone();
    let readers = [
        tokio::task::spawn_blocking(move || feed(&to_blobs, read_blobs(blobs, &to_blobs))),
        tokio::task::spawn_blocking(move || feed(&queue, read_rows(tables, &queue))),
    ];
    // Each write waits for the one before: the writer takes them in the order they come.
    while let Some(batch) = batches.recv().await {
        match batch? {
            Batch::Blobs(contents) => {
                let bytes = contents.iter().map(|(_, d)| d.len() as u64).sum();
                let count = contents.len() as u64;
                store.restore_blobs(contents).await?;
                progress.blobs(count, bytes);
            }
            Batch::Rows { table, columns, rows } => {
                let count = rows.len() as u64;
                store.restore_rows(table, columns, rows).await?;
                progress.rows(count);
            }
        }
    }
    // The queue ends when both threads have: a thread that panicked ended it too, with its
    // rows unread.
    for reader in readers {
        reader.await.context("a restore reading thread failed")?;
    }
    store.restore_sequences(manifest.sequences.clone()).await?;
    progress.done();
    Ok(())
}

/// Batches read ahead of the writer: bounds what a restore holds in memory (a blob batch is
/// at most 16 MiB, a batch of rows `RESTORE_ROWS` rows).
const QUEUED: usize = 4;

/// What the reading threads hand the writer.
enum Batch {
    Blobs(Vec<(BlobHash, Vec<u8>)>),
    Rows { table: String, columns: Vec<String>, rows: Vec<Vec<Value>> },
}

/// Queues a reading thread's error, if it stopped on one (a closed queue means the restore
/// stopped already, and has its own error to tell).
fn feed(queue: &tokio::sync::mpsc::Sender<Result<Batch>>, read: Result<()>) {
    if let Err(e) = read {
        let _ = queue.blocking_send(Err(e));
    }
}

/// Hands the writer a batch; an error once the restore has stopped reading the queue.
fn send(queue: &tokio::sync::mpsc::Sender<Result<Batch>>, batch: Batch) -> Result<()> {
    queue.blocking_send(Ok(batch)).map_err(|_| anyhow::anyhow!("the restore stopped"))
}

/// Reads the blobs, in the order that reads each pack front to back, into batches.
fn read_blobs(blobs: Vec<Named>, queue: &tokio::sync::mpsc::Sender<Result<Batch>>) -> Result<()> {
    let (mut batch, mut reader) = (BlobBatch::default(), BlobReader::default());
    for (name, at) in &blobs {
        let hash = BlobHash::parse(name).with_context(|| format!("blob {name}: not a SHA-256 name"))?;
        let content = reader.read(at)?;
        if let Some(full) = batch.add(hash, content) {
            send(queue, Batch::Blobs(full))?;
        }
    }
    if !batch.contents.is_empty() {
        send(queue, Batch::Blobs(batch.contents))?;
    }
    Ok(())
}

/// Reads and decodes every table's rows, table after table, into batches.
fn read_rows(
    tables: Vec<(String, Vec<String>, backup_table::TableLines)>,
    queue: &tokio::sync::mpsc::Sender<Result<Batch>>,
) -> Result<()> {
    let rows_of = |table: &str, columns: &[String], rows: Vec<Vec<Value>>| {
        send(queue, Batch::Rows { table: table.to_owned(), columns: columns.to_vec(), rows })
    };
    for (table, columns, lines) in tables {
        let mut rows = Vec::with_capacity(RESTORE_ROWS);
        for line in lines {
            let JsonRow(row) = serde_json::from_str(&line?).with_context(|| format!("a row of {table}"))?;
            rows.push(row);
            if rows.len() == RESTORE_ROWS {
                rows_of(&table, &columns, std::mem::replace(&mut rows, Vec::with_capacity(RESTORE_ROWS)))?;
            }
        }
        if !rows.is_empty() {
            rows_of(&table, &columns, rows)?;
        }
    }
    Ok(())
}

/// Refuses, before anything is written, a backup whose schema this binary cannot restore:
/// one newer than it (its tables may hold what this binary does not know), or one older than
/// any backup Relais ever wrote.
fn check_schema(path: &Path, schema: i64) -> Result<()> {
    let latest = relais_store::SCHEMA_VERSION;
    if schema > latest {
        bail!(
            "{}: the backup has schema version {schema}, newer than this binary's {latest}: \
             restore it with a Relais at least as new as the one that made it",
            path.display()
        );
    }
    if schema < OLDEST_SCHEMA {
        bail!(
            "{}: the backup says schema version {schema}, older than any Relais that wrote backups \
             (schema {OLDEST_SCHEMA}): its manifest.json is wrong",
            path.display()
        );
    }
    Ok(())
}

/// Opens the target store at the backup's schema version and checks that the restore can go
/// there: an empty store, not already past that version (the later migrations must run on
/// the restored rows, so a store a newer Relais has set up, empty or not, is refused).
async fn open_target(data: &Path, config: &Config, schema: i64) -> Result<Store> {
    let sqlite = config.store.backend == crate::config::Backend::Sqlite;
    // A database already there is checked as it is, before the bulk load marks the directory
    // as an unfinished restore (which only a finished restore clears).
    if !sqlite || data.join("relais.db").exists() {
        let store = Store::open_at_version(crate::store_config(data, config), schema)
            .await
            .context("cannot open the target store")?;
        if !store.is_new().await? {
            bail!("the target store is not empty: restore goes into a new data directory or an empty database");
        }
        let at = store.schema_version().await?;
        if at != schema {
            bail!(
                "the target store is already at schema version {at}, the backup is of {schema}: the migrations \
                 after {schema} must run on the restored rows; restore into a new data directory or a new database"
            );
        }
        if !sqlite {
            return Ok(store);
        }
    }
    Store::open_at_version(restore_config(data, config), schema).await.context("cannot open the target store")
}

/// The target store's configuration: on SQLite a bulk load (no WAL, no fsync per write; one
/// sync at the end, `Store::finish_bulk_load`).
fn restore_config(data: &Path, config: &Config) -> relais_store::StoreConfig {
    let mut sc = crate::store_config(data, config);
    sc.bulk_load = true;
    sc
}

/// Blobs restored per transaction: at most `RESTORE_CHUNK` of them and 16 MiB.
#[derive(Default)]
struct BlobBatch {
    contents: Vec<(BlobHash, Vec<u8>)>,
    bytes: usize,
}

impl BlobBatch {
    /// Adds a blob (its content checked against its name); returns the batch when it is full.
    fn add(&mut self, hash: BlobHash, content: Vec<u8>) -> Option<Vec<(BlobHash, Vec<u8>)>> {
        self.bytes += content.len();
        self.contents.push((hash, content));
        if self.contents.len() < RESTORE_CHUNK && self.bytes < 16 << 20 {
            return None;
        }
        self.bytes = 0;
        Some(std::mem::take(&mut self.contents))
    }
}

/// Checks every link of the chain (table files and blob contents of all; the newest's table
/// chunks, wherever in the chain each is) and that every blob the snapshot references is in
/// one of them; returns where the blobs to restore are, in the order that reads each pack front
/// to back, and where each table chunk is. Names every damaged file and chunk before refusing.
fn verify_chain(path: &Path, links: &[backup_chain::Link]) -> Result<(Vec<Named>, backup_table::Places)> {
    let prefix = |i: usize, link: &backup_chain::Link| match i {
        0 => String::new(),
        _ => format!("{} (base): ", link.dir.display()),
    };
    let mut places = backup_table::Places::new();
    let mut unlisted = vec![None; links.len()];
    for (i, link) in links.iter().enumerate() {
        match backup_table::held(&link.dir, &link.manifest) {
            Ok(chunks) => chunks.into_iter().for_each(|(name, at)| {
                places.entry(name).or_insert(at);
            }),
            Err(e) => unlisted[i] = Some(format!("{}{e:#}", prefix(i, link))),
        }
    }
    // The tables' chunks are checked on a thread of their own while the blobs are.
    let (checked, table_damage) = std::thread::scope(|scope| {
        let tables = scope.spawn(|| backup_table::verify(&links[0].manifest.tables, &places));
        let checked: Vec<_> = links.iter().map(|link| verify(&link.dir, &link.manifest)).collect();
        let table_damage = tables.join().unwrap_or_else(|_| vec!["tables/ (checking failed)".into()]);
        (checked, table_damage)
    });
    let mut damaged = Vec::new();
    let mut held: HashMap<String, BlobAt> = HashMap::new();
    for (i, (link, checked)) in links.iter().zip(checked).enumerate() {
        let (blobs, problems) = checked?;
        damaged.extend(problems.into_iter().map(|p| format!("{}{p}", prefix(i, link))));
        for (name, file) in blobs {
            held.entry(name).or_insert(file);
        }
        damaged.extend(unlisted[i].take());
    }
    damaged.extend(table_damage);
    // Missing blobs are named even beside other damage; but a damaged blobs table may not
    // even read, and is reported already.
    let blobs_table =
        links[0].manifest.tables.iter().find(|t| t.name == "blobs").context("the backup has no blobs table");
    let needed = blobs_table.and_then(|t| backup_table::open(path, t, &places));
    let mut files = match needed.and_then(|(columns, lines)| backup_chain::needed_blobs(&columns, lines)) {
        Ok(needed) => {
            let (files, missing) = backup_chain::locate(&needed, &held);
            damaged.extend(missing);
            files
        }
        Err(_) if !damaged.is_empty() => Vec::new(),
        Err(e) => return Err(e),
    };
    if !damaged.is_empty() {
        bail!("the backup is damaged; nothing was restored:\n  {}", damaged.join("\n  "));
    }
    files.sort_unstable_by(|a, b| a.1.cmp(&b.1));
    Ok((files, places))
}

/// A blob's name and where it is.
type Named = (String, BlobAt);

/// Checks one backup directory's checksums: its tables against the manifest and every blob's
/// content against its name. Returns the good blobs and what is damaged.
fn verify(path: &Path, manifest: &Manifest) -> Result<(Vec<Named>, Vec<String>)> {
    let mut damaged = Vec::new();
    // Format 4's tables are in chunks, checked by `backup_table::verify`.
    for t in manifest.tables.iter().filter(|t| t.columns.is_none()) {
        match sha256_file(&path.join(t.file_name())) {
            Ok(sum) if sum == t.sha256 => {}
            Ok(_) => damaged.push(format!("{} (checksum differs)", t.file_name())),
            Err(e) => damaged.push(format!("{} ({e})", t.file_name())),
        }
    }
    let mut listed = match backup_chain::blob_files(path, manifest) {
        Ok(listed) => listed,
        Err(e) => {
            damaged.push(format!("{e:#}"));
            Vec::new()
        }
    };
    listed.sort_unstable_by(|a, b| a.1.cmp(&b.1));
    // On every core: hashing the blobs was a restore's largest part before anything is written.
    // Each thread takes a run of the sorted list, so it reads its part of a pack front to back.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    let part = listed.len().div_ceil(threads).max(1);
    let checked: Vec<(Vec<Named>, Vec<String>)> = std::thread::scope(|scope| {
        let parts: Vec<_> = listed.chunks(part).map(|run| scope.spawn(move || check_blobs(run))).collect();
        parts.into_iter().map(|t| t.join().unwrap_or_else(|_| (Vec::new(), vec!["blobs/ (checking failed)".into()]))).collect()
    });
    let mut blobs = Vec::with_capacity(listed.len());
    for (good, bad) in checked {
        blobs.extend(good);
        damaged.extend(bad);
    }
    if blobs.len() as u64 != manifest.blobs.count {
        damaged.push(format!("blobs/ ({} blobs, the manifest says {})", blobs.len(), manifest.blobs.count));
    }
    Ok((blobs, damaged))
}

/// Reads each blob of `run` and checks its content against its name: the good ones, and
/// what is damaged.
fn check_blobs(run: &[Named]) -> (Vec<Named>, Vec<String>) {
    let (mut good, mut damaged, mut reader) = (Vec::with_capacity(run.len()), Vec::new(), BlobReader::default());
    for (name, at) in run {
        match reader.read(at) {
            Ok(data) if hex::encode(Sha256::digest(&data)) == *name => good.push((name.clone(), at.clone())),
            Ok(_) => damaged.push(format!("blob {name} (content does not match its name)")),
            Err(e) => damaged.push(format!("blob {name} ({e})")),
        }
    }
    (good, damaged)
}

/// A row of a backup's table read from its JSON line straight into the store's values
/// (integers, strings, null; bytes as `{"b64": "…"}`), with no JSON tree between: building
/// one was most of a restore's reading thread, which the store's writer waited on.
struct JsonRow(Vec<Value>);

impl<'de> serde::Deserialize<'de> for JsonRow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<JsonRow, D::Error> {
        struct Values;
        impl<'de> serde::de::Visitor<'de> for Values {
            type Value = JsonRow;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a row: an array of values")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<JsonRow, A::Error> {
                let mut row = Vec::with_capacity(seq.size_hint().unwrap_or(8).min(64));
                while let Some(JsonValue(v)) = seq.next_element()? {
                    row.push(v);
                }
                Ok(JsonRow(row))
            }
        }
        d.deserialize_seq(Values)
    }
}

/// One value of a row (see `JsonRow`).
struct JsonValue(Value);

impl<'de> serde::Deserialize<'de> for JsonValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<JsonValue, D::Error> {
        use serde::de::Error;
        struct One;
        impl<'de> serde::de::Visitor<'de> for One {
            type Value = JsonValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("null, an integer, a string or {\"b64\": …}")
            }
            fn visit_unit<E: Error>(self) -> std::result::Result<JsonValue, E> {
                Ok(JsonValue(Value::Null))
            }
            fn visit_none<E: Error>(self) -> std::result::Result<JsonValue, E> {
                Ok(JsonValue(Value::Null))
            }
            fn visit_i64<E: Error>(self, v: i64) -> std::result::Result<JsonValue, E> {
                Ok(JsonValue(Value::Int(v)))
            }
            fn visit_u64<E: Error>(self, v: u64) -> std::result::Result<JsonValue, E> {
                i64::try_from(v).map(|v| JsonValue(Value::Int(v))).map_err(|_| E::custom("an integer out of range"))
            }
            fn visit_f64<E: Error>(self, _: f64) -> std::result::Result<JsonValue, E> {
                Err(E::custom("a number that is not an integer"))
            }
            fn visit_str<E: Error>(self, v: &str) -> std::result::Result<JsonValue, E> {
                Ok(JsonValue(Value::Text(v.to_owned())))
            }
            fn visit_string<E: Error>(self, v: String) -> std::result::Result<JsonValue, E> {
                Ok(JsonValue(Value::Text(v)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<JsonValue, A::Error> {
                let not_bytes = || A::Error::custom("an object that is not bytes");
                if map.next_key::<String>()?.as_deref() != Some("b64") {
                    return Err(not_bytes());
                }
                let text: String = map.next_value()?;
                if map.next_key::<String>()?.is_some() {
                    return Err(not_bytes());
                }
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map(|b| JsonValue(Value::Bytes(b)))
                    .map_err(|e| A::Error::custom(format!("bytes that are not base64: {e}")))
            }
        }
        d.deserialize_any(One)
    }
}

fn partial_of(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

pub fn backend_name(config: &Config) -> &'static str {
    match config.store.backend {
        crate::config::Backend::Sqlite => "sqlite",
        crate::config::Backend::Postgres => "postgres",
    }
}

fn target_name(data: &Path, config: &Config) -> String {
    match config.store.backend {
        crate::config::Backend::Sqlite => data.display().to_string(),
        crate::config::Backend::Postgres => "the configured PostgreSQL database".into(),
    }
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

fn write_synced(path: &Path, data: &[u8]) -> Result<()> {
    let mut f = File::create(path)?;
    f.write_all(data)?;
    f.sync_all()?;
    Ok(())
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_reads_back_as_the_values_written() {
        let JsonRow(row) = serde_json::from_str(r#"[null, -7, 9223372036854775807, "é\n\"x\"", {"b64": "AAH/"}]"#)
            .expect("a row");
        let want = vec![
            Value::Null,
            Value::Int(-7),
            Value::Int(i64::MAX),
            Value::Text("é\n\"x\"".into()),
            Value::Bytes(vec![0, 1, 255]),
        ];
        assert_eq!(row, want);
        for bad in [
            r#"[1.5]"#,
            r#"[9223372036854775808]"#,
            r#"[true]"#,
            r#"[[1]]"#,
            r#"[{"b64": "AA", "x": 1}]"#,
            r#"[{"hex": "00"}]"#,
            r#"[{"b64": "not base64!"}]"#,
            r#"{"a": 1}"#,
        ] {
            assert!(serde_json::from_str::<JsonRow>(bad).is_err(), "{bad} was taken");
        }
    }
}
