//! `relais backup PATH` and `relais restore PATH`: a consistent snapshot of the store (see
//! relais_store::snapshot) written as a directory that does not depend on the backend, so a
//! backup of the embedded store restores into PostgreSQL and back.
//!
//! ```text
//! PATH/manifest.json          format, schema version, tables with row counts and SHA-256,
//!                             id sequences, blob count and size; for an incremental backup
//!                             the base it was made from (see backup_chain); written last
//! PATH/manifest.sha256        the SHA-256 of manifest.json, as `sha256sum` writes it
//!                             (absent from backups made before it was added)
//! PATH/tables/<table>.jsonl   first line the column names, then one JSON array per row
//!                             (integers, strings, null; bytes as {"b64": "…"})
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
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use base64::Engine;
use relais_store::snapshot::{Row, Value};
use relais_store::snapshot::{SnapshotSink, TABLES};
use relais_store::{BlobHash, ItemId, MessageIndex, Store};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::backup_archive::Archiver;
use crate::backup_chain::{self, BaseRef};
use crate::backup_pack::{BlobAt, BlobReader, Paced, PackWriter};
use crate::config::Config;

const FORMAT: &str = "relais-backup";
/// Format 1: a full backup; 2: an incremental one (it has a base); both with a file per blob.
/// 3: blobs in packs, full or incremental (with a base). Older binaries refuse a format they
/// do not know rather than restore it without its blobs.
const VERSION: u32 = 1;
const VERSION_INCREMENTAL: u32 = 2;
const VERSION_PACKED: u32 = 3;
/// Rows per restore transaction.
const RESTORE_CHUNK: usize = 1_000;
/// The schema version of the first Relais that wrote backups: no backup is older. Every table
/// of `TABLES` that a backup of this schema or a later one lacks is one a later migration
/// added, which the restore passes over and the upgrade after it creates.
const OLDEST_SCHEMA: i64 = 10;

#[derive(Serialize, Deserialize)]
pub struct Manifest {
    format: String,
    version: u32,
    schema: i64,
    pub created: i64,
    backend: String,
    tables: Vec<TableEntry>,
    sequences: Vec<(String, i64)>,
    /// The blobs in this backup's own directory.
    pub blobs: BlobTotals,
    /// Every blob the snapshot references, wherever in the chain it is (incremental only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced: Option<BlobTotals>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseRef>,
    /// The SHA-256 of blobs/index.jsonl (format 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packed: Option<String>,
}

impl Manifest {
    pub fn check_format(&self, dir: &Path) -> Result<()> {
        let consistent = match self.version {
            VERSION => self.base.is_none() && self.packed.is_none(),
            VERSION_INCREMENTAL => self.base.is_some() && self.packed.is_none(),
            VERSION_PACKED => self.packed.is_some(),
            _ => bail!(
                "{} is not a Relais backup of format {VERSION}, {VERSION_INCREMENTAL} or {VERSION_PACKED}",
                dir.display()
            ),
        };
        if self.format != FORMAT {
            bail!("{} is not a Relais backup", dir.display());
        }
        if !consistent {
            bail!(
                "{}: manifest.json is damaged (format {} with a base: {}, with a pack index: {})",
                dir.display(),
                self.version,
                self.base.is_some(),
                self.packed.is_some()
            );
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct TableEntry {
    name: String,
    rows: u64,
    sha256: String,
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
        format!(
            "backup complete: {} ({} rows in {} tables, {} blobs, {} octets of content{base}, schema {})",
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
/// holding only the blobs that `base` and its chain do not.
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
            (Some(backup_chain::base_ref(b, path)?), backup_chain::blob_names(&links)?)
        }
        None => (None, HashSet::new()),
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

/// Writes a snapshot of `store` as a backup directory at `root` (new), or, with `archive`,
/// through it: each file goes into the archive as soon as it is complete and leaves `root`,
/// which then never holds more than a table and a pack.
pub(crate) async fn snapshot_into(
    store: &Store,
    backend: &str,
    root: &Path,
    held: HashSet<String>,
    base: Option<BaseRef>,
    archive: Option<Archiver>,
) -> Result<(Manifest, i64)> {
    fs::create_dir_all(root.join("tables"))?;
    fs::create_dir_all(root.join("blobs"))?;
    let sink = DirSink::new(root.to_owned(), held, archive)?;
    // Dropping this future (the server stopping) stops the snapshot at its next row or blob,
    // instead of leaving it to run on its blocking thread; what it wrote stays `.partial`.
    let _stop = StopOnDrop(sink.stopped.clone());
    let (schema, sink) = store.snapshot(sink).await.context("backup failed")?;
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
    let blobs = verify_chain(path, &links)?;
    if config.store.backend == crate::config::Backend::Sqlite {
        fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    }
    let store = open_target(data, config, manifest.schema).await?;
    let mut progress = Progress::new("restore", manifest.referenced.unwrap_or(manifest.blobs).bytes);
    let mut batch = BlobBatch::default();
    let mut reader = BlobReader::default();
    let mut writing = InFlight::default();
    for (_, at) in &blobs {
        let content = reader.read(at)?;
        progress.blob(content.len() as u64);
        if let Some(full) = batch.add(content) {
            let store = store.clone();
            writing.next(async move { store.restore_blobs(full).await }).await?;
        }
    }
    writing.finish().await?;
    store.restore_blobs(batch.contents).await?;
    let mut messages = Vec::new();
    // A backup of an older schema has only the tables that schema had.
    for table in TABLES.iter().filter(|t| manifest.tables.iter().any(|e| e.name == **t)) {
        restore_table(&store, path, table, &mut messages, &mut progress).await?;
    }
    store.restore_sequences(manifest.sequences.clone()).await?;
    let (store, upgraded) = match manifest.schema < relais_store::SCHEMA_VERSION {
        false => (store, String::new()),
        true => {
            // Opening it again runs the later migrations on the restored rows, as an upgrade
            // of the server that made the backup would have.
            drop(store);
            let store = Store::open(crate::store_config(data, config)).await.with_context(|| {
                format!("the rows are restored, but the upgrade from schema {} failed", manifest.schema)
            })?;
            (store, format!(", upgraded from schema {} to {}", manifest.schema, relais_store::SCHEMA_VERSION))
        }
    };
    // After the upgrade: the index is the latest schema's.
    reindex(&store, messages, blobs.into_iter().collect()).await?;
    progress.done();
    let chain =
        if links.len() > 1 { format!(" (an incremental backup on {} others)", links.len() - 1) } else { String::new() };
    println!("restore complete: {}{chain} into {}{upgraded}", path.display(), target_name(data, config));
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
    Ok(store)
}

/// Blobs restored per transaction: at most `RESTORE_CHUNK` of them and 16 MiB.
#[derive(Default)]
struct BlobBatch {
    contents: Vec<Vec<u8>>,
    bytes: usize,
}

impl BlobBatch {
    /// Adds a blob; returns the batch when it is full.
    fn add(&mut self, content: Vec<u8>) -> Option<Vec<Vec<u8>>> {
        self.bytes += content.len();
        self.contents.push(content);
        if self.contents.len() < RESTORE_CHUNK && self.bytes < 16 << 20 {
            return None;
        }
        self.bytes = 0;
        Some(std::mem::take(&mut self.contents))
    }
}

/// Checks every link of the chain (tables of the newest, blob contents of all) and that every
/// blob the snapshot references is in one of them; returns where the blobs to restore are, in
/// the order that reads each pack front to back. Names every damaged file before refusing.
fn verify_chain(path: &Path, links: &[backup_chain::Link]) -> Result<Vec<Named>> {
    let mut damaged = Vec::new();
    let mut held: HashMap<String, BlobAt> = HashMap::new();
    for (i, link) in links.iter().enumerate() {
        let (blobs, problems) = verify(&link.dir, &link.manifest)?;
        let prefix = if i == 0 { String::new() } else { format!("{} (base): ", link.dir.display()) };
        damaged.extend(problems.into_iter().map(|p| format!("{prefix}{p}")));
        for (name, file) in blobs {
            held.entry(name).or_insert(file);
        }
    }
    // Missing blobs are named even beside other damage; but a damaged blobs table may not
    // even read, and is reported already.
    let mut files = match backup_chain::needed_blobs(path) {
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
    Ok(files)
}

/// A blob's name and where it is.
type Named = (String, BlobAt);

/// Checks one backup directory's checksums: its tables against the manifest and every blob's
/// content against its name. Returns the good blobs and what is damaged.
fn verify(path: &Path, manifest: &Manifest) -> Result<(Vec<Named>, Vec<String>)> {
    let mut damaged = Vec::new();
    for t in &manifest.tables {
        let file = path.join("tables").join(format!("{}.jsonl", t.name));
        match sha256_file(&file) {
            Ok(sum) if sum == t.sha256 => {}
            Ok(_) => damaged.push(format!("tables/{}.jsonl (checksum differs)", t.name)),
            Err(e) => damaged.push(format!("tables/{}.jsonl ({e})", t.name)),
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
    let (mut blobs, mut reader) = (Vec::with_capacity(listed.len()), BlobReader::default());
    for (name, at) in listed {
        match reader.read(&at) {
            Ok(data) if hex::encode(Sha256::digest(&data)) == name => blobs.push((name, at)),
            Ok(_) => damaged.push(format!("blob {name} (content does not match its name)")),
            Err(e) => damaged.push(format!("blob {name} ({e})")),
        }
    }
    if blobs.len() as u64 != manifest.blobs.count {
        damaged.push(format!("blobs/ ({} blobs, the manifest says {})", blobs.len(), manifest.blobs.count));
    }
    Ok((blobs, damaged))
}

/// Writes one table's rows back; notes the messages whose text the index needs.
async fn restore_table(
    store: &Store,
    path: &Path,
    table: &str,
    messages: &mut Vec<(ItemId, String, String)>,
    progress: &mut Progress,
) -> Result<()> {
    let file = path.join("tables").join(format!("{table}.jsonl"));
    let mut lines = BufReader::new(File::open(&file).with_context(|| format!("{} missing", file.display()))?).lines();
    let header = lines.next().transpose()?.with_context(|| format!("{} is empty", file.display()))?;
    let columns: Vec<String> = serde_json::from_str(&header).with_context(|| format!("{} header", file.display()))?;
    let pick = |name: &str| columns.iter().position(|c| c == name);
    let email = if table == "items" {
        (pick("id"), pick("data_type"), pick("blob_hash"), pick("summary"))
    } else {
        Default::default()
    };
    let mut chunk = Vec::with_capacity(RESTORE_CHUNK);
    let mut writing = InFlight::default();
    for line in lines {
        let values: Vec<serde_json::Value> = serde_json::from_str(&line?)?;
        let row = values.into_iter().map(from_json).collect::<Result<Vec<_>>>()?;
        if let (Some(id), Some(kind), Some(blob), Some(summary)) = email
            && let (Some(Value::Int(id)), Some(Value::Int(3)), Some(Value::Text(blob)), Some(Value::Text(summary))) =
                (row.get(id), row.get(kind), row.get(blob), row.get(summary))
        {
            messages.push((ItemId(*id), blob.clone(), summary.clone()));
        }
        chunk.push(row);
        if chunk.len() == RESTORE_CHUNK {
            progress.rows(chunk.len() as u64);
            let (store, table, columns, rows) =
                (store.clone(), table.to_owned(), columns.clone(), std::mem::take(&mut chunk));
            writing.next(async move { store.restore_rows(table, columns, rows).await }).await?;
        }
    }
    writing.finish().await?;
    progress.rows(chunk.len() as u64);
    store.restore_rows(table.to_owned(), columns, chunk).await?;
    Ok(())
}

/// One store write in flight while the caller reads and decodes what the next one writes: the
/// writer thread and the reading run on two cores instead of taking turns. A write's error
/// comes back at the next call (or at `finish`), before anything more is written.
#[derive(Default)]
struct InFlight(Option<tokio::task::JoinHandle<relais_store::Result<()>>>);

impl InFlight {
    /// Waits for the write before, then starts `write`.
    async fn next(&mut self, write: impl Future<Output = relais_store::Result<()>> + Send + 'static) -> Result<()> {
        self.finish().await?;
        self.0 = Some(tokio::spawn(write));
        Ok(())
    }

    /// Waits for the write in flight, if any.
    async fn finish(&mut self) -> Result<()> {
        if let Some(write) = self.0.take() {
            write.await.context("a restore write stopped")??;
        }
        Ok(())
    }
}

/// Builds the search index of the restored messages (derived, so not in a backup), from their
/// content and summary, as delivery made it: the first search after a restore finds it whole
/// instead of indexing every message it reads. The contents are read from the backup's packs (`places`, checked
/// already), not back out of the store just written: reading them from SQLite, one query per
/// blob through a WAL full of the restore's own writes, was a fifth of a restore's time.
async fn reindex(
    store: &Store,
    messages: Vec<(ItemId, String, String)>,
    places: HashMap<String, BlobAt>,
) -> Result<()> {
    let places = Arc::new(places);
    let mut reader = Some(BlobReader::default());
    let mut writing = InFlight::default();
    for batch in messages.chunks(200) {
        let batch: Vec<(ItemId, String, String)> = batch.to_vec();
        let (places, mut blobs) = (places.clone(), reader.take().unwrap_or_default());
        // A content the backup does not hold (no item should reference one) is read from the store.
        let (elsewhere, batch): (Vec<_>, Vec<_>) =
            batch.into_iter().partition(|(_, name, _)| !places.contains_key(name));
        let elsewhere: Vec<(ItemId, BlobHash, String)> = elsewhere
            .into_iter()
            .filter_map(|(id, name, summary)| Some((id, BlobHash::parse(&name)?, summary)))
            .collect();
        let stored = store.blobs(elsewhere.iter().map(|(_, hash, _)| hash.clone()).collect()).await?;
        let (indexes, blobs) = tokio::task::spawn_blocking(move || {
            let index = |id: ItemId, raw: &[u8], summary: &str| {
                let summary: relais_mail::summary::Summary = serde_json::from_str(summary).unwrap_or_default();
                (id, relais_mail::search::index(raw, &summary))
            };
            let mut indexes: Vec<(ItemId, MessageIndex)> =
                elsewhere.iter().zip(&stored).map(|((id, _, summary), raw)| index(*id, raw, summary)).collect();
            for (id, name, summary) in batch {
                if let Some(at) = places.get(&name) {
                    indexes.push(index(id, &blobs.read(at)?, &summary));
                }
            }
            Ok::<_, std::io::Error>((indexes, blobs))
        })
        .await??;
        reader = Some(blobs);
        let store = store.clone();
        let write = async move {
            store
                .write(move |tx| {
                    for (id, index) in &indexes {
                        tx.index_message(*id, index)?;
                    }
                    Ok(())
                })
                .await
        };
        writing.next(write).await?;
    }
    writing.finish().await
}

/// Writes a snapshot into the backup directory, hashing each table file as it goes.
struct DirSink {
    root: PathBuf,
    current: Option<TableFile>,
    tables: Vec<TableEntry>,
    sequences: Vec<(String, i64)>,
    blobs: BlobTotals,
    referenced: BlobTotals,
    /// Blobs the base chain holds: not written again.
    held: HashSet<String>,
    progress: Progress,
    /// Set when the backup is abandoned: every further call fails.
    stopped: Arc<AtomicBool>,
    packs: PackWriter,
    /// The archive each complete file goes into (and leaves the directory), if any.
    archive: Option<Archiver>,
}

/// Stops a snapshot when the future writing it is dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

struct TableFile {
    name: String,
    out: BufWriter<Paced>,
    hash: Sha256,
    rows: u64,
    /// The line being written (kept to reuse its allocation).
    line: Vec<u8>,
}

impl DirSink {
    fn new(root: PathBuf, held: HashSet<String>, archive: Option<Archiver>) -> Result<DirSink> {
        let packs = PackWriter::create(&root.join("blobs"), archive.is_none())?;
        Ok(DirSink {
            root,
            current: None,
            tables: Vec::new(),
            sequences: Vec::new(),
            blobs: BlobTotals::default(),
            referenced: BlobTotals::default(),
            held,
            progress: Progress::new("backup", 0),
            stopped: Arc::new(AtomicBool::new(false)),
            packs,
            archive,
        })
    }

    /// A file of the backup is complete: into the archive with it, if there is one.
    fn closed(&mut self, path: &Path) -> std::io::Result<()> {
        match self.archive.as_mut() {
            Some(a) => a.add(&self.root, path.strip_prefix(&self.root).unwrap_or(path)),
            None => Ok(()),
        }
    }

    fn check(&self) -> relais_store::Result<()> {
        match self.stopped.load(Ordering::Relaxed) {
            true => Err(relais_store::Error::Io(std::io::Error::other("the backup was abandoned"))),
            false => Ok(()),
        }
    }

    fn close_table(&mut self) -> relais_store::Result<()> {
        if let Some(mut t) = self.current.take() {
            t.out.flush()?;
            if self.archive.is_none() {
                t.out.get_ref().sync_all()?;
            }
            self.closed(&self.root.join("tables").join(format!("{}.jsonl", t.name)))?;
            self.tables.push(TableEntry { name: t.name, rows: t.rows, sha256: hex::encode(t.hash.finalize()) });
        }
        Ok(())
    }

    fn finish(mut self, schema: i64, backend: &str, base: Option<BaseRef>) -> Result<(Manifest, Option<Archiver>)> {
        self.close_table()?;
        // Each table file, pack and the index were synced as they were closed; now their names.
        let (index, closed) = self.packs.finish()?;
        for path in closed {
            self.closed(&path)?;
        }
        if self.archive.is_none() {
            sync_dir(&self.root.join("blobs"))?;
            sync_dir(&self.root.join("tables"))?;
        }
        self.progress.done();
        let manifest = Manifest {
            format: FORMAT.into(),
            version: VERSION_PACKED,
            schema,
            created: relais_store::now(),
            backend: backend.into(),
            tables: self.tables,
            sequences: self.sequences,
            blobs: self.blobs,
            referenced: base.as_ref().map(|_| self.referenced),
            base,
            packed: Some(index),
        };
        Ok((manifest, self.archive))
    }
}

impl SnapshotSink for DirSink {
    fn table(&mut self, name: &str, columns: &[String]) -> relais_store::Result<()> {
        self.check()?;
        self.close_table()?;
        let file = File::create(self.root.join("tables").join(format!("{name}.jsonl")))?;
        let out = BufWriter::new(Paced::new(file));
        let mut t = TableFile { name: name.to_owned(), out, hash: Sha256::new(), rows: 0, line: Vec::new() };
        serde_json::to_writer(&mut t.line, columns).map_err(io_error)?;
        write_line(&mut t)?;
        self.current = Some(t);
        Ok(())
    }

    fn rows(&mut self, rows: &[Row]) -> relais_store::Result<()> {
        self.check()?;
        let Some(t) = self.current.as_mut() else { return Ok(()) };
        for row in rows {
            serde_json::to_writer(&mut t.line, &JsonRow(&row.0)).map_err(io_error)?;
            write_line(t)?;
            t.rows += 1;
        }
        self.progress.rows(rows.len() as u64);
        Ok(())
    }

    fn sequences(&mut self, sequences: &[(String, i64)]) -> relais_store::Result<()> {
        self.sequences = sequences.to_vec();
        Ok(())
    }

    fn blobs_total(&mut self, count: u64, bytes: u64) {
        self.referenced = BlobTotals { count, bytes };
        // An incremental backup writes an unknown part of it: no ETA then.
        self.progress.total = if self.held.is_empty() { bytes } else { 0 };
    }

    fn wants(&mut self, hash: &BlobHash) -> bool {
        !self.held.contains(hash.as_str())
    }

    fn blob(&mut self, hash: &BlobHash, data: &[u8]) -> relais_store::Result<()> {
        self.check()?;
        if let Some(pack) = self.packs.add(hash.as_str(), data)? {
            self.closed(&pack)?;
        }
        self.blobs.count += 1;
        self.blobs.bytes += data.len() as u64;
        self.progress.blob(data.len() as u64);
        Ok(())
    }
}

/// Writes the line in `t.line` (and a line end) and hashes it; leaves `t.line` empty for the next.
fn write_line(t: &mut TableFile) -> relais_store::Result<()> {
    t.line.push(b'\n');
    t.hash.update(&t.line);
    t.out.write_all(&t.line)?;
    t.line.clear();
    Ok(())
}

/// A row as a JSON array, serialised from the row's values without copying them (integers,
/// strings, null; bytes as {"b64": "…"}).
struct JsonRow<'a>(&'a [Value]);

impl serde::Serialize for JsonRow<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for v in self.0 {
            match v {
                Value::Null => seq.serialize_element(&())?,
                Value::Int(i) => seq.serialize_element(i)?,
                Value::Text(t) => seq.serialize_element(t.as_str())?,
                Value::Bytes(b) => seq.serialize_element(&B64(b))?,
            }
        }
        return seq.end();

        struct B64<'a>(&'a [u8]);
        impl serde::Serialize for B64<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("b64", &base64::engine::general_purpose::STANDARD.encode(self.0))?;
                map.end()
            }
        }
    }
}

fn io_error(e: serde_json::Error) -> relais_store::Error {
    relais_store::Error::Io(std::io::Error::other(e))
}

fn from_json(v: serde_json::Value) -> Result<Value> {
    Ok(match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Number(n) => Value::Int(n.as_i64().context("a number that is not an integer")?),
        serde_json::Value::String(s) => Value::Text(s),
        serde_json::Value::Object(o) => {
            let b64 = o.get("b64").and_then(|v| v.as_str()).context("an object that is not bytes")?;
            Value::Bytes(base64::engine::general_purpose::STANDARD.decode(b64)?)
        }
        other => bail!("unexpected value {other}"),
    })
}

/// Rows, blobs, octets and rate on a terminal, at most twice a second; silent otherwise.
struct Progress {
    what: &'static str,
    on: bool,
    started: Instant,
    shown: Instant,
    rows: u64,
    blobs: u64,
    bytes: u64,
    total: u64,
}

impl Progress {
    fn new(what: &'static str, total: u64) -> Progress {
        let now = Instant::now();
        Progress {
            what,
            on: std::io::stderr().is_terminal(),
            started: now,
            shown: now,
            rows: 0,
            blobs: 0,
            bytes: 0,
            total,
        }
    }

    fn rows(&mut self, n: u64) {
        self.rows += n;
        self.show(false);
    }

    fn blob(&mut self, bytes: u64) {
        self.blobs += 1;
        self.bytes += bytes;
        self.show(false);
    }

    fn done(&mut self) {
        self.show(true);
        if self.on {
            eprintln!();
        }
    }

    fn show(&mut self, force: bool) {
        if !self.on || (!force && self.shown.elapsed().as_millis() < 500) {
            return;
        }
        self.shown = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = self.bytes as f64 / secs;
        let eta = match (self.total > self.bytes, rate > 0.0) {
            (true, true) => format!(", ETA {:.0} s", (self.total - self.bytes) as f64 / rate),
            _ => String::new(),
        };
        eprint!(
            "\r{}: {} rows, {} blobs, {:.1} MiB at {:.1} MiB/s{eta}   ",
            self.what,
            self.rows,
            self.blobs,
            self.bytes as f64 / 1_048_576.0,
            rate / 1_048_576.0
        );
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

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)?.sync_all()?;
    Ok(())
}
