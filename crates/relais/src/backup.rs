//! `relais backup PATH` and `relais restore PATH`: a consistent snapshot of the store (see
//! relais_store::snapshot) written as a directory that does not depend on the backend, so a
//! backup of the embedded store restores into PostgreSQL and back.
//!
//! ```text
//! PATH/manifest.json          format, schema version, tables with row counts and SHA-256,
//!                             id sequences, blob count and size; written last
//! PATH/tables/<table>.jsonl   first line the column names, then one JSON array per row
//!                             (integers, strings, null; bytes as {"b64": "…"})
//! PATH/blobs/ab/<sha256>      each referenced blob, named by the SHA-256 of its content
//! ```
//!
//! A backup is written into `PATH.partial` and renamed to `PATH` only when complete and synced:
//! an interrupted backup never looks complete. A restore checks every checksum before it
//! writes anything, and goes only into an empty store of the same schema version.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use base64::Engine;
use relais_store::snapshot::{Row, Value};
use relais_store::snapshot::{SnapshotSink, TABLES};
use relais_store::{BlobHash, ItemId, Store};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;

const FORMAT: &str = "relais-backup";
const VERSION: u32 = 1;
/// Rows per restore transaction.
const RESTORE_CHUNK: usize = 1_000;

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    schema: i64,
    created: i64,
    backend: String,
    tables: Vec<TableEntry>,
    sequences: Vec<(String, i64)>,
    blobs: BlobTotals,
}

#[derive(Serialize, Deserialize)]
struct TableEntry {
    name: String,
    rows: u64,
    sha256: String,
}

#[derive(Serialize, Deserialize, Default, Clone, Copy)]
struct BlobTotals {
    count: u64,
    bytes: u64,
}

pub async fn backup(data: &Path, config: &Config, path: &Path) -> Result<()> {
    if path.exists() {
        bail!("{} exists: a backup goes to a new path", path.display());
    }
    let partial = partial_of(path);
    if partial.exists() {
        fs::remove_dir_all(&partial).with_context(|| format!("cannot remove {}", partial.display()))?;
    }
    fs::create_dir_all(partial.join("tables"))?;
    fs::create_dir_all(partial.join("blobs"))?;
    let store = Store::open(crate::store_config(data, config)).await.context("cannot open the store")?;
    let sink = DirSink::new(partial.clone());
    let (schema, sink) = store.snapshot(sink).await.context("backup failed")?;
    let manifest = sink.finish(schema, backend_name(config))?;
    write_synced(&partial.join("manifest.json"), &serde_json::to_vec_pretty(&manifest)?)?;
    fs::rename(&partial, path).with_context(|| format!("cannot rename {} to {}", partial.display(), path.display()))?;
    sync_dir(path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))?;
    let rows: u64 = manifest.tables.iter().map(|t| t.rows).sum();
    println!(
        "backup complete: {} ({} rows in {} tables, {} blobs, {} octets of content, schema {})",
        path.display(),
        rows,
        manifest.tables.len(),
        manifest.blobs.count,
        manifest.blobs.bytes,
        schema
    );
    Ok(())
}

pub async fn restore(data: &Path, config: &Config, path: &Path) -> Result<()> {
    let manifest: Manifest = serde_json::from_slice(
        &fs::read(path.join("manifest.json"))
            .with_context(|| format!("{} is not a complete backup", path.display()))?,
    )
    .context("manifest.json is damaged")?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        bail!("{} is not a Relais backup of format {VERSION}", path.display());
    }
    let blobs = verify(path, &manifest)?;
    if manifest.schema != relais_store::SCHEMA_VERSION {
        bail!(
            "the backup has schema version {}, this binary writes {}: restore it with the binary that made it",
            manifest.schema,
            relais_store::SCHEMA_VERSION
        );
    }
    if config.store.backend == crate::config::Backend::Sqlite {
        fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    }
    let store = Store::open(crate::store_config(data, config)).await.context("cannot open the target store")?;
    if !store.is_new().await? {
        bail!("the target store is not empty: restore goes into a new data directory or an empty database");
    }
    let mut progress = Progress::new("restore", manifest.blobs.bytes);
    for blob in blobs {
        let content = fs::read(&blob)?;
        progress.blob(content.len() as u64);
        store.restore_blob(content).await?;
    }
    let mut messages = Vec::new();
    for table in TABLES {
        restore_table(&store, path, table, &mut messages, &mut progress).await?;
    }
    store.restore_sequences(manifest.sequences.clone()).await?;
    reindex(&store, messages).await?;
    progress.done();
    println!("restore complete: {} into {}", path.display(), target_name(data, config));
    Ok(())
}

/// Checks the manifest's checksums and every blob's content against its name; returns the
/// blob files. Names every damaged file before refusing.
fn verify(path: &Path, manifest: &Manifest) -> Result<Vec<PathBuf>> {
    let mut damaged = Vec::new();
    for t in &manifest.tables {
        let file = path.join("tables").join(format!("{}.jsonl", t.name));
        match sha256_file(&file) {
            Ok(sum) if sum == t.sha256 => {}
            Ok(_) => damaged.push(format!("tables/{}.jsonl (checksum differs)", t.name)),
            Err(e) => damaged.push(format!("tables/{}.jsonl ({e})", t.name)),
        }
    }
    let mut blobs = Vec::new();
    for fan in fs::read_dir(path.join("blobs")).context("the backup has no blobs directory")? {
        for entry in fs::read_dir(fan?.path())? {
            let file = entry?.path();
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned();
            match sha256_file(&file) {
                Ok(sum) if sum == name => blobs.push(file),
                _ => damaged
                    .push(format!("blobs/{}/{name} (content does not match its name)", &name[..name.len().min(2)])),
            }
        }
    }
    if blobs.len() as u64 != manifest.blobs.count {
        damaged.push(format!("blobs/ ({} blobs, the manifest says {})", blobs.len(), manifest.blobs.count));
    }
    if !damaged.is_empty() {
        bail!("the backup is damaged; nothing was restored:\n  {}", damaged.join("\n  "));
    }
    Ok(blobs)
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
            store.restore_rows(table.to_owned(), columns.clone(), std::mem::take(&mut chunk)).await?;
        }
    }
    progress.rows(chunk.len() as u64);
    store.restore_rows(table.to_owned(), columns, chunk).await?;
    Ok(())
}

/// Rebuilds the full-text index of the restored messages, from their content and summary,
/// as delivery made it.
async fn reindex(store: &Store, messages: Vec<(ItemId, String, String)>) -> Result<()> {
    for batch in messages.chunks(200) {
        let mut texts = Vec::with_capacity(batch.len());
        for (id, blob, summary) in batch {
            let Some(hash) = BlobHash::parse(blob) else { continue };
            let raw = store.blob(hash).await?;
            let summary: relais_mail::summary::Summary = serde_json::from_str(summary).unwrap_or_default();
            let text = tokio::task::spawn_blocking(move || relais_mail::summary::search_text(&raw, &summary)).await?;
            texts.push((*id, text));
        }
        store
            .write(move |tx| {
                for (id, text) in &texts {
                    tx.reindex_text(*id, text)?;
                }
                Ok(())
            })
            .await?;
    }
    Ok(())
}

/// Writes a snapshot into the backup directory, hashing each table file as it goes.
struct DirSink {
    root: PathBuf,
    current: Option<TableFile>,
    tables: Vec<TableEntry>,
    sequences: Vec<(String, i64)>,
    blobs: BlobTotals,
    progress: Progress,
}

struct TableFile {
    name: String,
    out: BufWriter<File>,
    hash: Sha256,
    rows: u64,
}

impl DirSink {
    fn new(root: PathBuf) -> DirSink {
        DirSink {
            root,
            current: None,
            tables: Vec::new(),
            sequences: Vec::new(),
            blobs: BlobTotals::default(),
            progress: Progress::new("backup", 0),
        }
    }

    fn close_table(&mut self) -> relais_store::Result<()> {
        if let Some(mut t) = self.current.take() {
            t.out.flush()?;
            t.out.get_ref().sync_all()?;
            self.tables.push(TableEntry { name: t.name, rows: t.rows, sha256: hex::encode(t.hash.finalize()) });
        }
        Ok(())
    }

    fn finish(mut self, schema: i64, backend: &str) -> Result<Manifest> {
        self.close_table()?;
        sync_tree(&self.root.join("blobs"))?;
        sync_dir(&self.root.join("tables"))?;
        self.progress.done();
        Ok(Manifest {
            format: FORMAT.into(),
            version: VERSION,
            schema,
            created: relais_store::now(),
            backend: backend.into(),
            tables: self.tables,
            sequences: self.sequences,
            blobs: self.blobs,
        })
    }
}

impl SnapshotSink for DirSink {
    fn table(&mut self, name: &str, columns: &[String]) -> relais_store::Result<()> {
        self.close_table()?;
        let out = BufWriter::new(File::create(self.root.join("tables").join(format!("{name}.jsonl")))?);
        let mut t = TableFile { name: name.to_owned(), out, hash: Sha256::new(), rows: 0 };
        write_line(&mut t, serde_json::to_vec(columns).map_err(io_error)?)?;
        self.current = Some(t);
        Ok(())
    }

    fn rows(&mut self, rows: &[Row]) -> relais_store::Result<()> {
        let Some(t) = self.current.as_mut() else { return Ok(()) };
        for row in rows {
            let values: Vec<serde_json::Value> = row.0.iter().map(to_json).collect();
            write_line(t, serde_json::to_vec(&values).map_err(io_error)?)?;
            t.rows += 1;
        }
        self.progress.rows(rows.len() as u64);
        Ok(())
    }

    fn sequences(&mut self, sequences: &[(String, i64)]) -> relais_store::Result<()> {
        self.sequences = sequences.to_vec();
        Ok(())
    }

    fn blobs_total(&mut self, _count: u64, bytes: u64) {
        self.progress.total = bytes;
    }

    fn blob(&mut self, hash: &BlobHash, data: &[u8]) -> relais_store::Result<()> {
        let name = hash.as_str();
        let dir = self.root.join("blobs").join(&name[..2]);
        fs::create_dir_all(&dir)?;
        let mut f = File::create(dir.join(name))?;
        f.write_all(data)?;
        f.sync_all()?;
        self.blobs.count += 1;
        self.blobs.bytes += data.len() as u64;
        self.progress.blob(data.len() as u64);
        Ok(())
    }
}

fn write_line(t: &mut TableFile, mut line: Vec<u8>) -> relais_store::Result<()> {
    line.push(b'\n');
    t.hash.update(&line);
    t.out.write_all(&line)?;
    Ok(())
}

fn io_error(e: serde_json::Error) -> relais_store::Error {
    relais_store::Error::Io(std::io::Error::other(e))
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Int(i) => (*i).into(),
        Value::Text(s) => s.clone().into(),
        Value::Bytes(b) => serde_json::json!({ "b64": base64::engine::general_purpose::STANDARD.encode(b) }),
    }
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

fn backend_name(config: &Config) -> &'static str {
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

/// Syncs a directory and its subdirectories (the blob fan-out) so their entries are durable.
fn sync_tree(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            sync_dir(&p)?;
        }
    }
    sync_dir(dir)
}
