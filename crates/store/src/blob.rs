//! Content-addressed blobs (SHA-256), stored once however many items share them.
//!
//! Files backend: `blobs/ab/cd/<hash>`. A write goes to `blobs/tmp/<random>`, is fsynced,
//! renamed into place and the directory fsynced, all before the caller's transaction references
//! it. PostgreSQL backend: `blob_data` rows, committed before they are referenced.
//!
//! Reference counts live in `blobs` and change in the item's own transaction. A blob whose
//! count fell to zero is collected after a grace period; so is a file nobody ever referenced
//! (a write whose transaction never committed). Writing a blob that already exists refreshes
//! its time stamp, so the collector never removes content a writer is about to reference.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;

use crate::sql::Conn;
use crate::{BlobHash, BlobRef, Error, Result};

#[derive(Clone)]
pub struct BlobStore {
    dir: Option<Arc<PathBuf>>,
    /// Files are written without an fsync each: a bulk load (restore) syncs the whole file
    /// system once at its end (`Store::finish_bulk_load`).
    defer_sync: bool,
}

impl BlobStore {
    pub(crate) fn files(dir: PathBuf) -> Result<BlobStore> {
        fs::create_dir_all(dir.join("tmp"))?;
        Ok(BlobStore { dir: Some(Arc::new(dir)), defer_sync: false })
    }

    pub(crate) fn postgres() -> BlobStore {
        BlobStore { dir: None, defer_sync: false }
    }

    /// The same store, leaving each file's fsync to one sync of the file system at the end.
    pub(crate) fn deferring_sync(self) -> BlobStore {
        BlobStore { defer_sync: true, ..self }
    }

    /// fsyncs `file` or a directory, unless syncs are deferred.
    fn sync(&self, file: &fs::File) -> Result<()> {
        if !self.defer_sync {
            file.sync_all()?;
        }
        Ok(())
    }

    /// The blob directory, when blobs are files.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref().map(PathBuf::as_path)
    }

    fn path(dir: &Path, hash: &BlobHash) -> PathBuf {
        let h = hash.as_str();
        dir.join(&h[0..2]).join(&h[2..4]).join(h)
    }

    pub(crate) fn put_file(&self, data: &[u8]) -> Result<BlobRef> {
        self.put_file_hashed(&BlobHash::of(data), data)
    }

    /// `put_file` of content whose hash the caller computed (a restore checked it already).
    pub(crate) fn put_file_hashed(&self, hash: &BlobHash, data: &[u8]) -> Result<BlobRef> {
        let dir = self.dir().ok_or_else(|| Error::Invalid("blobs are not files".into()))?;
        let hash = hash.clone();
        let target = Self::path(dir, &hash);
        let size = data.len() as u64;
        // Refresh the time stamp of an existing copy. The collector moves a file aside before
        // it checks the time stamp again, so if the path still exists after the refresh, the
        // collector has either not started on it or will put it back.
        let refreshed =
            fs::File::options().append(true).open(&target).and_then(|f| f.set_modified(SystemTime::now())).is_ok();
        if refreshed && target.exists() {
            return Ok(BlobRef::existing(hash, size));
        }
        let tmp = dir.join("tmp").join(format!("{:016x}", rand::thread_rng().r#gen::<u64>()));
        let mut file = fs::File::create(&tmp)?;
        file.write_all(data)?;
        self.sync(&file)?;
        drop(file);
        let parent = target.parent().ok_or_else(|| Error::Corrupt("blob path".into()))?;
        if !parent.exists() {
            fs::create_dir_all(parent)?;
            // New fan-out directories must be durable in their own parents too.
            for d in [parent.parent(), parent.parent().and_then(Path::parent)].into_iter().flatten() {
                self.sync(&fs::File::open(d)?)?;
            }
        }
        fs::rename(&tmp, &target)?;
        self.sync(&fs::File::open(parent)?)?;
        Ok(BlobRef::existing(hash, size))
    }

    pub(crate) fn get_file(&self, hash: &BlobHash) -> Result<Vec<u8>> {
        let dir = self.dir().ok_or_else(|| Error::Invalid("blobs are not files".into()))?;
        fs::read(Self::path(dir, hash)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(format!("blob {hash}")),
            _ => Error::Io(e),
        })
    }

    pub(crate) fn put_row(&self, conn: &mut dyn Conn, data: &[u8]) -> Result<BlobRef> {
        let hash = BlobHash::of(data);
        self.put_row_hashed(conn, &hash, data.to_vec())?;
        Ok(BlobRef::existing(hash, data.len() as u64))
    }

    /// `put_row` of content whose hash the caller computed (off the writer: a restore).
    pub(crate) fn put_row_hashed(&self, conn: &mut dyn Conn, hash: &BlobHash, data: Vec<u8>) -> Result<()> {
        conn.execute(
            "INSERT INTO blob_data (hash, data, touched) VALUES ($1, $2, $3)
             ON CONFLICT (hash) DO UPDATE SET touched = excluded.touched",
            crate::params![hash.as_str(), data, crate::now()],
        )?;
        Ok(())
    }

    pub(crate) fn get_row(&self, conn: &mut dyn Conn, hash: &BlobHash) -> Result<Vec<u8>> {
        conn.query_one("SELECT data FROM blob_data WHERE hash = $1", crate::params![hash.as_str()])?
            .ok_or_else(|| Error::NotFound(format!("blob {hash}")))?
            .bytes(0)
    }

    /// Inside a write transaction: removes blobs unreferenced since before `cutoff`.
    pub(crate) fn collect(&self, conn: &mut dyn Conn, cutoff: i64) -> Result<usize> {
        let rows = conn.query("SELECT hash FROM blobs WHERE refs <= 0 AND released_at < $1", crate::params![cutoff])?;
        let mut removed = 0;
        for row in rows {
            let Some(hash) = BlobHash::parse(&row.text(0)?) else {
                continue;
            };
            // Inline content (both backends) goes with its reference row; a file, if any, after
            // its time stamp says nobody is about to use it again.
            conn.execute(
                "DELETE FROM blob_data WHERE hash = $1 AND touched < $2 \
                 AND NOT EXISTS (SELECT 1 FROM blobs WHERE blobs.hash = $1 AND blobs.refs > 0)",
                crate::params![hash.as_str(), cutoff],
            )?;
            let row_left =
                conn.query_one("SELECT 1 FROM blob_data WHERE hash = $1", crate::params![hash.as_str()])?.is_some();
            let gone = !row_left
                && match self.dir() {
                    Some(dir) => remove_if_old(&Self::path(dir, &hash), cutoff)?,
                    None => true,
                };
            if gone {
                conn.execute("DELETE FROM blobs WHERE hash = $1 AND refs <= 0", crate::params![hash.as_str()])?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// PostgreSQL: removes blob rows written before `cutoff` that no item ever referenced (a
    /// write whose transaction never came). Returns how many.
    pub(crate) fn collect_orphan_rows(&self, conn: &mut dyn Conn, cutoff: i64) -> Result<usize> {
        let n = conn.execute(
            "DELETE FROM blob_data WHERE touched < $1 AND NOT EXISTS (SELECT 1 FROM blobs WHERE blobs.hash = blob_data.hash)",
            crate::params![cutoff],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Files older than `cutoff`, to be checked against the reference table; and stale temp files
    /// are removed on the way.
    pub(crate) fn orphan_files(&self, cutoff: i64) -> Result<Vec<BlobHash>> {
        let Some(dir) = self.dir() else {
            return Ok(Vec::new());
        };
        for entry in fs::read_dir(dir.join("tmp"))? {
            let path = entry?.path();
            remove_if_old(&path, cutoff)?;
        }
        let mut out = Vec::new();
        for a in subdirs(dir)? {
            for b in subdirs(&a)? {
                for entry in fs::read_dir(&b)? {
                    let entry = entry?;
                    if let Some(hash) = entry.file_name().to_str().and_then(BlobHash::parse)
                        && modified(&entry.path())? < cutoff
                    {
                        out.push(hash);
                    }
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn remove_file_if_old(&self, hash: &BlobHash, cutoff: i64) -> Result<usize> {
        let Some(dir) = self.dir() else { return Ok(0) };
        Ok(usize::from(remove_if_old(&Self::path(dir, hash), cutoff)?))
    }
}

fn subdirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if entry.file_type()?.is_dir() && name.len() == 2 {
            out.push(entry.path());
        }
    }
    Ok(out)
}

fn modified(path: &Path) -> Result<i64> {
    let t = fs::metadata(path)?.modified()?;
    Ok(t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs() as i64)
}

/// Removes `path` unless it was touched at or after `cutoff`. The file is first moved aside and
/// its time checked again, so a writer refreshing it at the same moment wins.
fn remove_if_old(path: &Path, cutoff: i64) -> Result<bool> {
    match modified(path) {
        Ok(t) if t >= cutoff => return Ok(false),
        Ok(_) => {}
        Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(e),
    }
    let aside = path.with_extension("gc");
    fs::rename(path, &aside)?;
    if modified(&aside)? >= cutoff {
        fs::rename(&aside, path)?;
        return Ok(false);
    }
    fs::remove_file(&aside)?;
    Ok(true)
}

/// Writes everything of the file system holding `dir` to disk (syncfs(2) on Linux; sync(2)
/// elsewhere): after a bulk load wrote its blob files without an fsync each.
pub(crate) fn sync_file_system(dir: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let d = fs::File::open(dir)?;
        // SAFETY: syncfs only reads the descriptor, which `d` keeps open for the call.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(Error::Io(std::io::Error::last_os_error()));
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        // SAFETY: sync takes no arguments and cannot fail.
        unsafe { libc::sync() };
    }
    Ok(())
}
