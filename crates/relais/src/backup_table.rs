//! A backup's tables in content-defined chunks (format 4), so that an incremental backup writes
//! only the metadata that changed, as it writes only the blobs that are new:
//!
//! ```text
//! PATH/tables/pack-000001   chunks of table rows one after another (see backup_pack)
//! PATH/tables/index.jsonl   one line per chunk this backup holds: its SHA-256, pack, offset and
//!                           length; the index's own SHA-256 is the manifest's `chunked`
//! ```
//!
//! A table's rows are serialised one JSON array a line, as a format-3 table file has them (its
//! first line, the column names, is in the manifest), and cut into chunks at row boundaries
//! where the content says so: after a row whose line's hash falls under a threshold
//! proportional to the line's length, so a cut comes on average every `TARGET` octets — never
//! before `MIN`, always at `MAX`. Where a chunk ends depends only on its rows, not on where the
//! table starts: a row inserted, changed or deleted changes the chunk around it (and, through
//! `MIN`, at most the next), and every other chunk keeps its SHA-256. A backup writes a chunk
//! only when its chain does not hold it already; the manifest lists every table's chunks in
//! order (SHA-256, rows, octets), wherever in the chain each is, and the table's SHA-256 over
//! the whole (as a format-3 file would have been: column line, then rows), which a restore
//! checks after every chunk's own.
//!
//! The chunks are small (about 5 KiB, against the ~1 MiB first suggested) because they live in
//! packs: a chunk costs an index line and a manifest entry (about 130 octets), not a file, and
//! a small change — a flag set, a message delivered, one expunged — then costs rewriting a
//! chunk of 5 KiB, not of a megabyte, in each table it touches. Changes spread over a mailbox
//! (a flag here, an expunge there) touch one chunk each: with 16 KiB chunks, five such changes
//! in a store of 400 messages rewrote 45% of its table octets; with 5 KiB, 14%.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::backup::{BlobTotals, Manifest};
use crate::backup_pack::{self, BlobAt, BlobReader, PackWriter};

/// The directory of a backup holding its tables (and, format 4, their packs and index).
pub const DIR: &str = "tables";
/// The average distance between two natural cuts, in octets.
const TARGET: u64 = 4 << 10;
/// No cut before a chunk holds this many octets.
const MIN: u64 = 1 << 10;
/// A cut after the row that brings a chunk to this many octets, natural or not.
const MAX: u64 = 64 << 10;

/// One table of a backup's manifest.
#[derive(Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    pub rows: u64,
    /// The SHA-256 of the table as one file: the column names' line, then a line per row.
    pub sha256: String,
    /// Format 4: the column names (in formats 1 to 3, the table file's first line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// Format 4: the rows' chunks in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chunks: Vec<Chunk>,
}

impl TableEntry {
    /// The file a format-3 backup holds the table in; the name a damaged chunk is reported under.
    pub fn file_name(&self) -> String {
        format!("{DIR}/{}.jsonl", self.name)
    }
}

/// A run of consecutive rows of one table, named by the SHA-256 of their lines.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub sha256: String,
    pub rows: u64,
    pub bytes: u64,
}

/// Whether a chunk may end after `line`: its hash under a threshold that makes the chance
/// `line.len() / TARGET`, so cuts come every `TARGET` octets on average whatever a table's row
/// size. FNV-1a then MurmurHash3's 64-bit finaliser: fast, and the same on every machine and
/// release (a different hash would cut every table differently, and a backup after an upgrade
/// would share no chunk with the one before).
fn natural_cut(line: &[u8]) -> bool {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in line {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    u128::from(h) * u128::from(TARGET) < (line.len() as u128) << 64
}

/// A chunk cut, and the pack its writing closed, if it did.
pub struct Cut {
    pub chunk: Chunk,
    pub closed: Option<PathBuf>,
}

/// Cuts each table's lines into chunks and writes those the chain does not hold to packs.
pub struct ChunkWriter {
    packs: PackWriter,
    /// Chunks the base chain holds: named in the manifest, not written again.
    held: HashSet<String>,
    /// Chunks this backup wrote (two tables, or two places of one, may have one in common).
    written: HashSet<String>,
    /// The chunks written here and their octets.
    pub totals: BlobTotals,
    buf: Vec<u8>,
    rows: u64,
}

impl ChunkWriter {
    /// Starts the index in `dir` (a backup's `tables`); `durable` as for `PackWriter`.
    pub fn create(dir: &Path, durable: bool, held: HashSet<String>) -> io::Result<ChunkWriter> {
        Ok(ChunkWriter {
            packs: PackWriter::create(dir, durable)?,
            held,
            written: HashSet::new(),
            totals: BlobTotals::default(),
            buf: Vec::new(),
            rows: 0,
        })
    }

    /// Appends one row's line (with its line end); returns the chunk it ended, if it did.
    pub fn row(&mut self, line: &[u8]) -> io::Result<Option<Cut>> {
        self.buf.extend_from_slice(line);
        self.rows += 1;
        let len = self.buf.len() as u64;
        if len >= MIN && (len >= MAX || natural_cut(line)) {
            return self.cut().map(Some);
        }
        Ok(None)
    }

    /// Ends a table: its last chunk, if rows came since the last cut.
    pub fn end_table(&mut self) -> io::Result<Option<Cut>> {
        match self.rows {
            0 => Ok(None),
            _ => self.cut().map(Some),
        }
    }

    fn cut(&mut self) -> io::Result<Cut> {
        let sha256 = hex::encode(Sha256::digest(&self.buf));
        let bytes = self.buf.len() as u64;
        let mut closed = None;
        if !self.held.contains(&sha256) && self.written.insert(sha256.clone()) {
            closed = self.packs.add(&sha256, &self.buf)?;
            self.totals.count += 1;
            self.totals.bytes += bytes;
        }
        let chunk = Chunk { sha256, rows: self.rows, bytes };
        self.buf.clear();
        self.rows = 0;
        Ok(Cut { chunk, closed })
    }

    /// Closes the last pack and the index: the index's SHA-256 and the files closed now.
    pub fn finish(&mut self) -> io::Result<(String, Vec<PathBuf>)> {
        self.packs.finish()
    }
}

/// The chunks one backup directory holds itself, and where (none before format 4).
pub fn held(dir: &Path, manifest: &Manifest) -> Result<Vec<(String, BlobAt)>> {
    match &manifest.chunked {
        Some(sum) => backup_pack::read_index_in(dir, DIR, sum),
        None => Ok(Vec::new()),
    }
}

/// Where each chunk is in the chain: the newest link holding it.
pub type Places = HashMap<String, BlobAt>;

/// One table's rows as lines: from its file (formats 1 to 3), or from its chunks in order,
/// each checked against its SHA-256 as it is read (format 4).
pub enum TableLines {
    File(io::Lines<BufReader<File>>),
    Chunks { chunks: std::vec::IntoIter<(Chunk, BlobAt)>, reader: BlobReader, lines: std::vec::IntoIter<String> },
}

/// The columns and rows of one table of the backup at `dir`.
pub fn open(dir: &Path, entry: &TableEntry, places: &Places) -> Result<(Vec<String>, TableLines)> {
    let Some(columns) = &entry.columns else {
        let file = dir.join(entry.file_name());
        let mut lines =
            BufReader::new(File::open(&file).with_context(|| format!("{} missing", file.display()))?).lines();
        let header = lines.next().transpose()?.with_context(|| format!("{} is empty", file.display()))?;
        let columns = serde_json::from_str(&header).with_context(|| format!("{} header", file.display()))?;
        return Ok((columns, TableLines::File(lines)));
    };
    let mut chunks = Vec::with_capacity(entry.chunks.len());
    for (i, c) in entry.chunks.iter().enumerate() {
        let at = places.get(&c.sha256).with_context(|| chunk_problem(entry, i, c, "in no backup of the chain"))?;
        chunks.push((c.clone(), at.clone()));
    }
    let reader = BlobReader::default();
    Ok((columns.clone(), TableLines::Chunks { chunks: chunks.into_iter(), reader, lines: Vec::new().into_iter() }))
}

impl Iterator for TableLines {
    type Item = Result<String>;

    fn next(&mut self) -> Option<Result<String>> {
        let (chunks, reader, lines) = match self {
            TableLines::File(lines) => return lines.next().map(|l| l.map_err(Into::into)),
            TableLines::Chunks { chunks, reader, lines } => (chunks, reader, lines),
        };
        loop {
            if let Some(line) = lines.next() {
                return Some(Ok(line));
            }
            let (chunk, at) = chunks.next()?;
            match read_chunk(reader, &chunk, &at) {
                Ok(text) => *lines = text.lines().map(str::to_owned).collect::<Vec<_>>().into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// A chunk's lines, once its content matches its name, size and row count.
fn read_chunk(reader: &mut BlobReader, chunk: &Chunk, at: &BlobAt) -> Result<String> {
    let data = reader.read(at)?;
    if data.len() as u64 != chunk.bytes || hex::encode(Sha256::digest(&data)) != chunk.sha256 {
        bail!("checksum differs");
    }
    let text = String::from_utf8(data).context("not text")?;
    if text.bytes().filter(|b| *b == b'\n').count() as u64 != chunk.rows {
        bail!("holds another number of rows than the manifest says");
    }
    Ok(text)
}

fn chunk_problem(entry: &TableEntry, i: usize, c: &Chunk, what: &str) -> String {
    format!("{} chunk {} of {} ({}): {what}", entry.file_name(), i + 1, entry.chunks.len(), c.sha256)
}

/// Checks every chunk of every format-4 table of a manifest, wherever in the chain it is, and
/// each table whole against its SHA-256; returns what is damaged, each chunk by table, number,
/// name and the backup that holds it.
pub fn verify(manifest_tables: &[TableEntry], places: &Places) -> Vec<String> {
    let mut damaged = Vec::new();
    let mut reader = BlobReader::default();
    for entry in manifest_tables {
        let Some(columns) = &entry.columns else { continue };
        let mut whole = Sha256::new();
        let mut header = serde_json::to_vec(columns).unwrap_or_default();
        header.push(b'\n');
        whole.update(&header);
        let before = damaged.len();
        for (i, c) in entry.chunks.iter().enumerate() {
            let Some(at) = places.get(&c.sha256) else {
                damaged.push(chunk_problem(entry, i, c, "in no backup of the chain"));
                continue;
            };
            match read_chunk(&mut reader, c, at) {
                Ok(text) => whole.update(text.as_bytes()),
                Err(e) => damaged.push(chunk_problem(entry, i, c, &format!("in {}: {e:#}", pack_dir(at)))),
            }
        }
        let rows: u64 = entry.chunks.iter().map(|c| c.rows).sum();
        if damaged.len() == before && (hex::encode(whole.finalize()) != entry.sha256 || rows != entry.rows) {
            damaged.push(format!("{} (its chunks do not make the table the manifest names)", entry.file_name()));
        }
    }
    damaged
}

/// The backup directory a chunk's pack is in, for a message.
fn pack_dir(at: &BlobAt) -> String {
    let path = match at {
        BlobAt::Packed { pack, .. } => pack.as_path(),
        BlobAt::File(path) => path.as_path(),
    };
    path.parent().and_then(Path::parent).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize, changed: Option<usize>) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| {
                let tag = if Some(i) == changed { "changed" } else { "row" };
                format!("[{i},\"{tag} {i}\",\"{}\"]\n", "x".repeat(i % 300)).into_bytes()
            })
            .collect()
    }

    fn chunks_of(dir: &Path, lines: &[Vec<u8>], held: HashSet<String>) -> (Vec<Chunk>, BlobTotals) {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        let mut w = ChunkWriter::create(dir, false, held).unwrap();
        let mut out = Vec::new();
        for line in lines {
            out.extend(w.row(line).unwrap().map(|c| c.chunk));
        }
        out.extend(w.end_table().unwrap().map(|c| c.chunk));
        w.finish().unwrap();
        (out, w.totals)
    }

    #[test]
    fn a_change_rewrites_only_the_chunks_around_it() {
        let root = std::env::temp_dir().join(format!("relais-chunks-test-{}", std::process::id()));
        let before = rows(20_000, None);
        let (full, written) = chunks_of(&root.join("a"), &before, HashSet::new());
        assert!(full.len() > 50, "{} chunks", full.len());
        assert_eq!(full.iter().map(|c| c.rows).sum::<u64>(), 20_000);
        assert_eq!(written.bytes, before.iter().map(|l| l.len() as u64).sum::<u64>());
        assert!(full.iter().all(|c| c.bytes >= MIN || c == full.last().unwrap()));
        // One row changed, one inserted near the start and two appended: the rest is held.
        let mut after = rows(20_002, Some(12_345));
        after.insert(100, b"[\"inserted\"]\n".to_vec());
        let held: HashSet<String> = full.iter().map(|c| c.sha256.clone()).collect();
        let (incr, written) = chunks_of(&root.join("b"), &after, held);
        assert_eq!(incr.iter().map(|c| c.rows).sum::<u64>(), 20_003);
        assert!(written.count <= 6, "{} of {} chunks written", written.count, incr.len());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn chunks_read_back_in_order_and_damage_is_named() {
        let root = std::env::temp_dir().join(format!("relais-chunks-read-{}", std::process::id()));
        let lines = rows(3_000, None);
        let (chunks, _) = chunks_of(&root.join(DIR), &lines, HashSet::new());
        let mut whole = Sha256::new();
        whole.update(b"[\"a\"]\n");
        lines.iter().for_each(|l| whole.update(l));
        let entry = TableEntry {
            name: "items".into(),
            rows: 3_000,
            sha256: hex::encode(whole.finalize()),
            columns: Some(vec!["a".into()]),
            chunks: chunks.clone(),
        };
        let index = std::fs::read(root.join(DIR).join(backup_pack::INDEX)).unwrap();
        let places: Places =
            backup_pack::read_index_in(&root, DIR, &hex::encode(Sha256::digest(&index))).unwrap().into_iter().collect();
        assert_eq!(verify(std::slice::from_ref(&entry), &places), Vec::<String>::new());
        let (columns, read) = open(&root, &entry, &places).unwrap();
        assert_eq!(columns, ["a"]);
        let read: Vec<String> = read.collect::<Result<_>>().unwrap();
        assert_eq!(read.len(), 3_000);
        assert!(read.iter().zip(&lines).all(|(r, l)| format!("{r}\n").as_bytes() == l.as_slice()));
        // A bit flipped in the third chunk: that chunk is named, by table, number and name.
        let BlobAt::Packed { pack, offset, .. } = &places[&chunks[2].sha256] else { panic!("not packed") };
        let mut raw = std::fs::read(pack).unwrap();
        raw[*offset as usize + 3] ^= 4;
        std::fs::write(pack, raw).unwrap();
        let damaged = verify(std::slice::from_ref(&entry), &places);
        assert_eq!(damaged.len(), 1, "{damaged:?}");
        let expected = format!("tables/items.jsonl chunk 3 of {} ({})", chunks.len(), chunks[2].sha256);
        assert!(damaged[0].starts_with(&expected) && damaged[0].ends_with("checksum differs"), "{damaged:?}");
        // Two chunks swapped in the manifest: each is sound, the table is not.
        let mut swapped = entry;
        swapped.chunks.swap(0, 1);
        swapped.chunks.truncate(2);
        swapped.rows = swapped.chunks.iter().map(|c| c.rows).sum();
        let damaged = verify(std::slice::from_ref(&swapped), &places);
        assert!(damaged[0].contains("do not make the table"), "{damaged:?}");
        let _ = std::fs::remove_dir_all(&root);
    }
}
