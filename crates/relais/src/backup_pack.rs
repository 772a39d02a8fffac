//! A backup's blobs in pack files (see `backup`): `blobs/pack-000001`, `blobs/pack-000002`, …
//! each the contents of many blobs one after another (a new pack after `PACK_MAX` octets),
//! and `blobs/index.jsonl`, one line `["<sha256>", pack, offset, length]` per blob in the
//! order written, whose own SHA-256 the manifest holds.
//!
//! The first format wrote a file per blob (`blobs/ab/<sha256>`, still read): a backup of
//! 30,000 small messages then spent two thirds of its time in the file system creating inodes
//! (`ext4_create`), and a restore as long opening them again.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

/// The index of a packed backup's blobs, in its `blobs` directory.
pub const INDEX: &str = "index.jsonl";
/// Octets per pack before the next is started (a blob is never split).
const PACK_MAX: u64 = 1 << 30;
/// Octets a `Paced` file lets the kernel hold unwritten.
const PACE: u64 = 32 << 20;

/// A file written front to back that keeps at most about two `PACE` windows of its data
/// unwritten in the page cache (Linux: sync_file_range starts each window's writeback as it
/// fills, and waits for the one before): a backup's gigabytes then reach the disk as they are
/// made, instead of in one flood at the final sync that the server's own fsyncs queue behind.
/// Durability still comes from `sync_all` at the end.
pub struct Paced {
    file: File,
    written: u64,
    started: u64,
}

impl Paced {
    pub fn new(file: File) -> Paced {
        Paced { file, written: 0, started: 0 }
    }

    pub fn sync_all(&self) -> io::Result<()> {
        self.file.sync_all()
    }

    #[cfg(target_os = "linux")]
    fn pace(&mut self) {
        use std::os::fd::AsRawFd;
        while self.written - self.started >= PACE {
            let fd = self.file.as_raw_fd();
            let (window, len) = (self.started as libc::off64_t, PACE as libc::off64_t);
            let wait =
                libc::SYNC_FILE_RANGE_WAIT_BEFORE | libc::SYNC_FILE_RANGE_WRITE | libc::SYNC_FILE_RANGE_WAIT_AFTER;
            // SAFETY: sync_file_range only reads the descriptor, which `self.file` keeps open.
            // Errors are left to the final sync_all, which reports them.
            unsafe {
                libc::sync_file_range(fd, window, len, libc::SYNC_FILE_RANGE_WRITE);
                if window >= len {
                    libc::sync_file_range(fd, window - len, len, wait);
                }
            }
            self.started += PACE;
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn pace(&mut self) {}
}

impl Write for Paced {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        self.pace();
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

fn pack_name(number: u32) -> String {
    format!("pack-{number:06}")
}

/// Where one blob of a backup is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BlobAt {
    /// In a pack, `len` octets from `offset` (ordered so a sort reads each pack front to back).
    Packed { pack: PathBuf, offset: u64, len: u64 },
    /// A file of its own (a backup made before packs).
    File(PathBuf),
}

/// Appends blobs to packs and their places to the index.
pub struct PackWriter {
    dir: PathBuf,
    /// Whether each closed pack is synced (a backup directory) or left to whoever takes it
    /// next (an archive being written, synced once at its end).
    durable: bool,
    number: u32,
    pack: Option<BufWriter<Paced>>,
    offset: u64,
    index: BufWriter<File>,
    hash: Sha256,
    line: Vec<u8>,
}

impl PackWriter {
    /// Starts the index in `dir` (a backup's `blobs`); packs are made as blobs come.
    pub fn create(dir: &Path, durable: bool) -> io::Result<PackWriter> {
        Ok(PackWriter {
            dir: dir.to_owned(),
            durable,
            number: 0,
            pack: None,
            offset: 0,
            index: BufWriter::new(File::create(dir.join(INDEX))?),
            hash: Sha256::new(),
            line: Vec::new(),
        })
    }

    /// Appends a blob; returns the pack it closed to make room, if it did.
    pub fn add(&mut self, name: &str, data: &[u8]) -> io::Result<Option<PathBuf>> {
        let len = data.len() as u64;
        let mut closed = None;
        if self.pack.is_none() || (self.offset > 0 && self.offset + len > PACK_MAX) {
            closed = self.close_pack()?;
            self.number += 1;
            let file = File::create(self.dir.join(pack_name(self.number)))?;
            self.pack = Some(BufWriter::with_capacity(1 << 20, Paced::new(file)));
            self.offset = 0;
        }
        if let Some(pack) = self.pack.as_mut() {
            pack.write_all(data)?;
        }
        serde_json::to_writer(&mut self.line, &(name, self.number, self.offset, len)).map_err(io::Error::other)?;
        self.line.push(b'\n');
        self.hash.update(&self.line);
        self.index.write_all(&self.line)?;
        self.line.clear();
        self.offset += len;
        Ok(closed)
    }

    /// Closes the current pack, if any: its path.
    fn close_pack(&mut self) -> io::Result<Option<PathBuf>> {
        let Some(pack) = self.pack.take() else { return Ok(None) };
        let file = pack.into_inner().map_err(|e| e.into_error())?;
        if self.durable {
            file.sync_all()?;
        }
        Ok(Some(self.dir.join(pack_name(self.number))))
    }

    /// Closes the last pack and the index (synced when durable); returns the index's SHA-256
    /// and the files closed now: the last pack, if any, then the index.
    pub fn finish(&mut self) -> io::Result<(String, Vec<PathBuf>)> {
        let mut closed: Vec<PathBuf> = self.close_pack()?.into_iter().collect();
        self.index.flush()?;
        if self.durable {
            self.index.get_ref().sync_all()?;
        }
        closed.push(self.dir.join(INDEX));
        Ok((hex::encode(self.hash.finalize_reset()), closed))
    }
}

/// The blobs a packed backup's index lists, by name, once the index matches `sha256` (the
/// manifest's). Each place is checked only when read (`BlobReader`).
pub fn read_index(dir: &Path, sha256: &str) -> Result<Vec<(String, BlobAt)>> {
    read_index_in(dir, "blobs", sha256)
}

/// `read_index` of the packs in `dir/sub` (`blobs`, or `tables` for a backup's table chunks).
pub fn read_index_in(dir: &Path, sub: &str, sha256: &str) -> Result<Vec<(String, BlobAt)>> {
    let packs = dir.join(sub);
    let file = packs.join(INDEX);
    let bytes = fs::read(&file).with_context(|| format!("{sub}/{INDEX} cannot be read"))?;
    if hex::encode(Sha256::digest(&bytes)) != sha256 {
        bail!("{sub}/{INDEX} (checksum differs)");
    }
    let mut out = Vec::new();
    for line in BufReader::new(&bytes[..]).lines() {
        let (name, pack, offset, len): (String, u32, u64, u64) = serde_json::from_str(&line?)
            .with_context(|| format!("{sub}/{INDEX} has a line that is not a pack entry"))?;
        out.push((name, BlobAt::Packed { pack: packs.join(pack_name(pack)), offset, len }));
    }
    Ok(out)
}

/// Reads blobs, keeping the last pack open (blobs read in `BlobAt` order read each pack once,
/// front to back).
#[derive(Default)]
pub struct BlobReader {
    open: Option<(PathBuf, File, u64)>,
}

impl BlobReader {
    pub fn read(&mut self, at: &BlobAt) -> io::Result<Vec<u8>> {
        let (pack, offset, len) = match at {
            BlobAt::File(path) => return fs::read(path),
            BlobAt::Packed { pack, offset, len } => (pack, *offset, *len),
        };
        if self.open.as_ref().is_none_or(|(open, _, _)| open != pack) {
            let file = File::open(pack)?;
            let size = file.metadata()?.len();
            self.open = Some((pack.clone(), file, size));
        }
        let Some((_, file, size)) = self.open.as_mut() else { return Err(io::Error::other("no pack open")) };
        // The index is checksummed, but its places are checked against the pack as it is: a
        // truncated pack is named, and no length asks for more memory than the pack holds.
        if offset.checked_add(len).is_none_or(|end| end > *size) {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the pack is shorter than its index says"));
        }
        let mut data = vec![0; usize::try_from(len).map_err(io::Error::other)?];
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(&mut data)?;
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_written_to_packs_read_back_by_their_index() {
        let dir = std::env::temp_dir().join(format!("relais-pack-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("blobs")).unwrap();
        let mut w = PackWriter::create(&dir.join("blobs"), true).unwrap();
        let blobs: Vec<Vec<u8>> = vec![b"one".to_vec(), Vec::new(), vec![7; 100_000]];
        for (i, b) in blobs.iter().enumerate() {
            w.add(&format!("n{i}"), b).unwrap();
        }
        let (sum, closed) = w.finish().unwrap();
        assert_eq!(closed, [dir.join("blobs/pack-000001"), dir.join("blobs").join(INDEX)]);
        let index = read_index(&dir, &sum).unwrap();
        let mut r = BlobReader::default();
        for ((name, at), (i, b)) in index.iter().zip(blobs.iter().enumerate()) {
            assert_eq!(name, &format!("n{i}"));
            assert_eq!(&r.read(at).unwrap(), b);
        }
        assert!(read_index(&dir, &"0".repeat(64)).unwrap_err().to_string().contains("checksum differs"));
        // A truncated pack: the blob past its end is an error, not a short read.
        let pack = dir.join("blobs").join(pack_name(1));
        let len = fs::metadata(&pack).unwrap().len();
        File::options().write(true).open(&pack).unwrap().set_len(len - 1).unwrap();
        let mut r = BlobReader::default();
        assert!(r.read(&index[0].1).is_ok());
        assert_eq!(r.read(&index[2].1).unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_paced_file_holds_what_was_written() {
        // Past two windows, in writes that do not line up with them.
        let path = std::env::temp_dir().join(format!("relais-paced-test-{}", std::process::id()));
        let mut w = BufWriter::new(Paced::new(File::create(&path).unwrap()));
        let chunk: Vec<u8> = (0..=250u8).cycle().take(1_000_003).collect();
        let n = (2 * PACE as usize) / chunk.len() + 3;
        for _ in 0..n {
            w.write_all(&chunk).unwrap();
        }
        w.flush().unwrap();
        w.get_ref().sync_all().unwrap();
        if cfg!(target_os = "linux") {
            assert_eq!(w.get_ref().started, 2 * PACE, "two windows handed to the kernel");
        }
        let back = fs::read(&path).unwrap();
        assert_eq!(back.len(), n * chunk.len());
        assert!(back.chunks(chunk.len()).all(|c| c == chunk.as_slice()));
        let _ = fs::remove_file(&path);
    }
}
