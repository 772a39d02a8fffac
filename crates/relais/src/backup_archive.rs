//! `relais backup PATH.tar.gz` and `relais restore PATH.tar.gz`: the backup directory (see
//! `backup`) as one gzip-compressed tar file, for copying off the machine in one piece.
//!
//! Backup writes into `PATH.tar.gz.partial` as it goes: each file of the backup directory (a
//! pack of table chunks or of blobs, an index, the manifest last) is made in `PATH.tar.gz.staging`,
//! appended to the archive once complete and removed, so the staging directory never holds
//! more than one pack of each (before, the whole backup was written there first, then
//! packed: twice the disk and the time). At the end the archive is synced and renamed: an
//! interrupted backup never leaves a file under the final name. Restore unpacks into a
//! directory beside the data directory (entries can only land inside it: no absolute paths,
//! no `..`, no links), restores from it, checksums first, and removes it.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::config::Config;

/// Whether `path` names an archive rather than a directory.
pub fn is_archive(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

pub async fn backup(data: &Path, config: &Config, path: &Path) -> Result<()> {
    if path.exists() {
        bail!("{} exists: a backup goes to a new path", path.display());
    }
    let staging = beside(path, ".staging");
    if staging.exists() {
        fs::remove_dir_all(&staging).with_context(|| format!("cannot remove {}", staging.display()))?;
    }
    let partial = beside(path, ".partial");
    let store = relais_store::Store::open(crate::store_config(data, config)).await.context("cannot open the store")?;
    let archive = Archiver::create(&partial)?;
    let written = crate::backup::snapshot_into(
        &store,
        crate::backup::backend_name(config),
        &staging,
        crate::backup::Held::default(),
        None,
        Some(archive),
    )
    .await;
    let _ = fs::remove_dir_all(&staging);
    let (manifest, schema) = written?;
    println!("{}", crate::backup::Written { manifest, schema }.summary(path));
    fs::rename(&partial, path).with_context(|| format!("cannot rename {} to {}", partial.display(), path.display()))?;
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    println!("archive complete: {} ({} octets)", path.display(), fs::metadata(path)?.len());
    Ok(())
}

/// A gzip-compressed tar file being written, file by file.
pub struct Archiver {
    tar: tar::Builder<GzEncoder<BufWriter<File>>>,
}

impl Archiver {
    pub fn create(archive: &Path) -> Result<Archiver> {
        let file = File::create(archive).with_context(|| format!("cannot create {}", archive.display()))?;
        let mut tar = tar::Builder::new(GzEncoder::new(BufWriter::with_capacity(1 << 20, file), Compression::fast()));
        tar.follow_symlinks(false);
        Ok(Archiver { tar })
    }

    /// Appends the file `root/name` under `name`, then removes it from `root`.
    pub fn add(&mut self, root: &Path, name: &Path) -> std::io::Result<()> {
        let path = root.join(name);
        self.tar.append_path_with_name(&path, name)?;
        fs::remove_file(&path)
    }

    /// Ends the archive and syncs it.
    pub fn finish(self) -> std::io::Result<()> {
        let mut out = self.tar.into_inner()?.finish()?;
        out.flush()?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    }
}

pub async fn restore(data: &Path, config: &Config, path: &Path) -> Result<()> {
    // Beside the data directory, on the disk that must hold the restored data anyway (the
    // system's temporary directory may be a small memory file system).
    let dir = beside(data, &format!(".restore-{}", std::process::id()));
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::create_dir_all(&dir)?;
    let unpacked = tokio::task::spawn_blocking({
        let (archive, dir) = (path.to_owned(), dir.clone());
        move || unpack(&archive, &dir)
    })
    .await?;
    let result = match unpacked {
        Ok(()) => crate::backup::restore(data, config, &dir).await,
        Err(e) => Err(e),
    };
    let _ = fs::remove_dir_all(&dir);
    result
}

fn unpack(archive: &Path, dir: &Path) -> Result<()> {
    let file = File::open(archive).with_context(|| format!("cannot read {}", archive.display()))?;
    let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
    for entry in tar.entries().with_context(|| format!("{} is not a backup archive", archive.display()))? {
        let mut entry = entry.with_context(|| format!("{} is damaged", archive.display()))?;
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            bail!("{}: unexpected entry {:?} in a backup archive", archive.display(), entry.path()?);
        }
        // `unpack_in` refuses absolute paths and `..`: nothing lands outside `dir`.
        if !entry.unpack_in(dir).with_context(|| format!("{} is damaged", archive.display()))? {
            bail!("{}: an entry points outside the archive", archive.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names() {
        for (name, archive) in [("b.tar.gz", true), ("b.TGZ", true), ("b", false), ("b.tar", false), ("x.gz", false)] {
            assert_eq!(is_archive(Path::new(name)), archive, "{name}");
        }
    }

    #[test]
    fn packs_and_unpacks_and_refuses_escapes() {
        let root = std::env::temp_dir().join(format!("relais-archive-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let src = root.join("src");
        fs::create_dir_all(src.join("blobs/ab")).unwrap();
        fs::write(src.join("manifest.json"), b"{}").unwrap();
        fs::write(src.join("blobs/ab/abcd"), b"content").unwrap();
        let archive = root.join("b.tar.gz");
        let mut a = Archiver::create(&archive).unwrap();
        for name in ["blobs/ab/abcd", "manifest.json"] {
            a.add(&src, Path::new(name)).unwrap();
        }
        a.finish().unwrap();
        assert!(!src.join("manifest.json").exists(), "each file leaves the staging directory once archived");
        let out = root.join("out");
        fs::create_dir_all(&out).unwrap();
        unpack(&archive, &out).unwrap();
        assert_eq!(fs::read(out.join("blobs/ab/abcd")).unwrap(), b"content");

        // A hand-made archive with an entry climbing out of the directory is refused.
        let evil = root.join("evil.tar.gz");
        let mut b = tar::Builder::new(GzEncoder::new(File::create(&evil).unwrap(), Compression::fast()));
        let mut header = tar::Header::new_gnu();
        header.set_size(1);
        header.set_entry_type(tar::EntryType::Regular);
        header.as_gnu_mut().unwrap().name[..9].copy_from_slice(b"../escape");
        header.set_cksum();
        b.append(&header, &b"x"[..]).unwrap();
        b.into_inner().unwrap().finish().unwrap();
        let refused = root.join("refused");
        fs::create_dir_all(&refused).unwrap();
        assert!(unpack(&evil, &refused).is_err());
        assert!(!root.join("escape").exists());
        // A truncated archive is refused.
        let bytes = fs::read(&archive).unwrap();
        fs::write(&archive, &bytes[..bytes.len() / 2]).unwrap();
        assert!(unpack(&archive, &root.join("half")).is_err() || !root.join("half/blobs/ab/abcd").exists());
        let _ = fs::remove_dir_all(&root);
    }
}
