//! The writing side of `relais backup`: `DirSink` takes a store's snapshot (see
//! relais_store::snapshot) and writes it as a backup directory — each table's rows cut into
//! chunks (backup_table), the blobs into packs (backup_pack) — or, through an `Archiver`, as
//! one archive; and `Progress`, what a backup or a restore shows on a terminal.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::Result;
use base64::Engine;
use relais_store::BlobHash;
use relais_store::snapshot::{Row, SnapshotSink, Value};
use sha2::{Digest, Sha256};

use crate::backup::{BlobTotals, FORMAT, Held, Manifest, VERSION_CHUNKED, sync_dir};
use crate::backup_archive::Archiver;
use crate::backup_chain::BaseRef;
use crate::backup_pack::PackWriter;
use crate::backup_table::{self, Chunk, ChunkWriter, TableEntry};

/// Writes a snapshot into the backup directory: each table in chunks, hashed whole as it goes.
pub(crate) struct DirSink {
    root: PathBuf,
    current: Option<TableFile>,
    tables: Vec<TableEntry>,
    sequences: Vec<(String, i64)>,
    blobs: BlobTotals,
    referenced: BlobTotals,
    /// Blobs the base chain holds: not written again.
    held: Arc<HashSet<String>>,
    /// The tables' chunks (those the base chain holds are not written again).
    chunks: ChunkWriter,
    /// The SHA-256 of the chunks' index, once the last table is written.
    chunked: Option<String>,
    progress: Progress,
    /// Set when the backup is abandoned: every further call fails.
    pub stopped: Arc<AtomicBool>,
    packs: PackWriter,
    /// The archive each complete file goes into (and leaves the directory), if any.
    archive: Option<Archiver>,
}

/// Stops a snapshot when the future writing it is dropped.
pub(crate) struct StopOnDrop(pub Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The table being written: its chunks so far, and the SHA-256 of the whole.
struct TableFile {
    name: String,
    columns: Vec<String>,
    hash: Sha256,
    rows: u64,
    chunks: Vec<Chunk>,
    /// The line being written (kept to reuse its allocation).
    line: Vec<u8>,
}

impl DirSink {
    pub fn new(root: PathBuf, held: Held, archive: Option<Archiver>) -> Result<DirSink> {
        let packs = PackWriter::create(&root.join("blobs"), archive.is_none())?;
        let chunks = ChunkWriter::create(&root.join(backup_table::DIR), archive.is_none(), held.chunks)?;
        Ok(DirSink {
            root,
            current: None,
            tables: Vec::new(),
            sequences: Vec::new(),
            blobs: BlobTotals::default(),
            referenced: BlobTotals::default(),
            held: Arc::new(held.blobs),
            chunks,
            chunked: None,
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
            if let Some(cut) = self.chunks.end_table()? {
                t.chunks.push(cut.chunk);
                cut.closed.map_or(Ok(()), |pack| self.closed(&pack))?;
            }
            let sha256 = hex::encode(t.hash.finalize());
            let (name, rows, columns, chunks) = (t.name, t.rows, Some(t.columns), t.chunks);
            self.tables.push(TableEntry { name, rows, sha256, columns, chunks });
        }
        Ok(())
    }

    /// The tables are all written: their last pack and index closed (and into the archive,
    /// if there is one, before the blobs' packs).
    fn close_tables(&mut self) -> relais_store::Result<()> {
        self.close_table()?;
        if self.chunked.is_none() {
            let (sum, closed) = self.chunks.finish()?;
            for path in closed {
                self.closed(&path)?;
            }
            self.chunked = Some(sum);
        }
        Ok(())
    }

    pub fn finish(mut self, schema: i64, backend: &str, base: Option<BaseRef>) -> Result<(Manifest, Option<Archiver>)> {
        self.close_tables()?;
        // Each pack and index was synced as it was closed; now their names.
        let (index, closed) = self.packs.finish()?;
        for path in closed {
            self.closed(&path)?;
        }
        if self.archive.is_none() {
            sync_dir(&self.root.join("blobs"))?;
            sync_dir(&self.root.join(backup_table::DIR))?;
        }
        self.progress.done();
        let manifest = Manifest {
            format: FORMAT.into(),
            version: VERSION_CHUNKED,
            schema,
            created: relais_store::now(),
            backend: backend.into(),
            tables: self.tables,
            sequences: self.sequences,
            blobs: self.blobs,
            referenced: base.as_ref().map(|_| self.referenced),
            base,
            packed: Some(index),
            chunked: self.chunked,
            table_chunks: Some(self.chunks.totals),
        };
        Ok((manifest, self.archive))
    }
}

impl SnapshotSink for DirSink {
    fn table(&mut self, name: &str, columns: &[String]) -> relais_store::Result<()> {
        self.check()?;
        self.close_table()?;
        let (columns, mut hash) = (columns.to_vec(), Sha256::new());
        // The whole table's SHA-256 is that of a format-3 file: the column names first.
        let mut line = serde_json::to_vec(&columns).map_err(io_error)?;
        line.push(b'\n');
        hash.update(&line);
        line.clear();
        self.current = Some(TableFile { name: name.to_owned(), columns, hash, rows: 0, chunks: Vec::new(), line });
        Ok(())
    }

    fn rows(&mut self, rows: Vec<Row>) -> relais_store::Result<()> {
        self.check()?;
        let Some(t) = self.current.as_mut() else { return Ok(()) };
        let mut closed = Vec::new();
        for row in &rows {
            serde_json::to_writer(&mut t.line, &JsonRow(&row.0)).map_err(io_error)?;
            t.line.push(b'\n');
            t.hash.update(&t.line);
            t.rows += 1;
            if let Some(cut) = self.chunks.row(&t.line)? {
                t.chunks.push(cut.chunk);
                closed.extend(cut.closed);
            }
            t.line.clear();
        }
        for pack in closed {
            self.closed(&pack)?;
        }
        self.progress.rows(rows.len() as u64);
        Ok(())
    }

    fn sequences(&mut self, sequences: &[(String, i64)]) -> relais_store::Result<()> {
        self.sequences = sequences.to_vec();
        // The sequences come after the last table (`SnapshotSink`).
        self.close_tables()
    }

    fn blobs_total(&mut self, count: u64, bytes: u64) {
        self.referenced = BlobTotals { count, bytes };
        // An incremental backup writes an unknown part of it: no ETA then.
        self.progress.total = if self.held.is_empty() { bytes } else { 0 };
    }

    fn wants(&mut self, hash: &BlobHash) -> bool {
        !self.held.contains(hash.as_str())
    }

    fn blob(&mut self, hash: BlobHash, data: Vec<u8>) -> relais_store::Result<()> {
        self.check()?;
        if let Some(pack) = self.packs.add(hash.as_str(), &data)? {
            self.closed(&pack)?;
        }
        self.blobs.count += 1;
        self.blobs.bytes += data.len() as u64;
        self.progress.blobs(1, data.len() as u64);
        Ok(())
    }
}

/// A snapshot's parts on their way to the thread writing them.
enum Part {
    Table(String, Vec<String>),
    Rows(Vec<Row>),
    Sequences(Vec<(String, i64)>),
    BlobsTotal(u64, u64),
    Blobs(Vec<(BlobHash, Vec<u8>)>),
}

/// Blobs sent to the writing thread together: at most this many …
const BLOBS_PER_PART: usize = 64;
/// … and about this many octets (a larger blob goes alone).
const BLOB_OCTETS_PER_PART: usize = 4 << 20;

/// A `DirSink` run on a thread of its own: the snapshot's reading (the store's rows and blobs,
/// on the thread of its read transaction) and the writing (rows to JSON, chunks cut and
/// hashed, packs written) overlap on two cores, where one thread took turns at both — the
/// backup's CPU time was about half each. At most two parts wait between them (a part: one
/// read of rows, or a few MiB of blobs).
pub(crate) struct Offloaded {
    to: Option<mpsc::SyncSender<Part>>,
    worker: Option<std::thread::JoinHandle<relais_store::Result<DirSink>>>,
    held: Arc<HashSet<String>>,
    blobs: Vec<(BlobHash, Vec<u8>)>,
    blob_octets: usize,
}

impl Offloaded {
    pub fn new(sink: DirSink) -> std::io::Result<Offloaded> {
        let held = sink.held.clone();
        let (to, from) = mpsc::sync_channel::<Part>(2);
        let worker = std::thread::Builder::new().name("relais-backup-write".into()).spawn(move || {
            let mut sink = sink;
            for part in from {
                match part {
                    Part::Table(name, columns) => sink.table(&name, &columns)?,
                    Part::Rows(rows) => sink.rows(rows)?,
                    Part::Sequences(sequences) => sink.sequences(&sequences)?,
                    Part::BlobsTotal(count, octets) => sink.blobs_total(count, octets),
                    Part::Blobs(blobs) => {
                        for (hash, data) in blobs {
                            sink.blob(hash, data)?;
                        }
                    }
                }
            }
            Ok(sink)
        })?;
        Ok(Offloaded { to: Some(to), worker: Some(worker), held, blobs: Vec::new(), blob_octets: 0 })
    }

    fn send(&mut self, part: Part) -> relais_store::Result<()> {
        let sent = self.to.as_ref().map(|to| to.send(part));
        match sent {
            Some(Ok(())) => Ok(()),
            // The writing thread stopped: its error says why.
            _ => Err(self.join().err().unwrap_or_else(|| {
                relais_store::Error::Io(std::io::Error::other("the backup's writing thread stopped"))
            })),
        }
    }

    fn send_blobs(&mut self) -> relais_store::Result<()> {
        if self.blobs.is_empty() {
            return Ok(());
        }
        self.blob_octets = 0;
        let blobs = std::mem::take(&mut self.blobs);
        self.send(Part::Blobs(blobs))
    }

    fn join(&mut self) -> relais_store::Result<DirSink> {
        self.to = None;
        match self.worker.take().map(std::thread::JoinHandle::join) {
            Some(Ok(done)) => done,
            Some(Err(_)) => Err(relais_store::Error::Io(std::io::Error::other("the backup's writing thread panicked"))),
            None => Err(relais_store::Error::Io(std::io::Error::other("the backup's writing thread stopped"))),
        }
    }

    /// Waits for everything sent to be written: the sink, to finish.
    pub fn finish(mut self) -> relais_store::Result<DirSink> {
        self.send_blobs()?;
        self.join()
    }
}

/// A snapshot that failed drops its sink: the writing thread is let finish the parts it has
/// and waited for, so nothing writes into the backup's `.partial` directory afterwards.
impl Drop for Offloaded {
    fn drop(&mut self) {
        self.to = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl SnapshotSink for Offloaded {
    fn table(&mut self, name: &str, columns: &[String]) -> relais_store::Result<()> {
        self.send(Part::Table(name.to_owned(), columns.to_vec()))
    }

    fn rows(&mut self, rows: Vec<Row>) -> relais_store::Result<()> {
        self.send(Part::Rows(rows))
    }

    fn sequences(&mut self, sequences: &[(String, i64)]) -> relais_store::Result<()> {
        self.send(Part::Sequences(sequences.to_vec()))
    }

    fn blobs_total(&mut self, count: u64, bytes: u64) {
        // An error here comes back at the next part.
        let _ = self.send(Part::BlobsTotal(count, bytes));
    }

    fn wants(&mut self, hash: &BlobHash) -> bool {
        !self.held.contains(hash.as_str())
    }

    fn blob(&mut self, hash: BlobHash, data: Vec<u8>) -> relais_store::Result<()> {
        self.blob_octets += data.len();
        self.blobs.push((hash, data));
        if self.blobs.len() >= BLOBS_PER_PART || self.blob_octets >= BLOB_OCTETS_PER_PART {
            self.send_blobs()?;
        }
        Ok(())
    }
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

/// Rows, blobs, octets and rate on a terminal, at most twice a second; silent otherwise.
pub(crate) struct Progress {
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
    pub fn new(what: &'static str, total: u64) -> Progress {
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

    pub fn rows(&mut self, n: u64) {
        self.rows += n;
        self.show(false);
    }

    pub fn blobs(&mut self, count: u64, bytes: u64) {
        self.blobs += count;
        self.bytes += bytes;
        self.show(false);
    }

    pub fn done(&mut self) {
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
