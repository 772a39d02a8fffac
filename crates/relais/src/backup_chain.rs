//! Incremental backups: `relais backup --incremental-from PREVIOUS PATH` writes only the blobs
//! and the table chunks (see backup_table) that PREVIOUS and the backups it was made from (its
//! chain) do not hold — its manifest still lists every table's chunks — and names PREVIOUS in
//! its manifest:
//!
//! ```text
//! "base": { "path": "relais-2026-12-04", "manifest_sha256": "…" }
//! ```
//!
//! `path` is the base's directory name when both backups sit in one directory (the pair can
//! be moved together), else its absolute path; `manifest_sha256` is the checksum of the base's
//! manifest.json, so a base replaced by another backup under the same name is refused. A
//! restore follows the chain from the newest link to the full backup at its end, verifies
//! every checksum of every link before writing anything, and takes each blob the snapshot
//! references, and each chunk of its tables, from whichever link holds it.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::backup::Manifest;
use crate::backup_pack::{self, BlobAt};

/// Links a chain may have: more is a loop or a mistake, not a backup schedule.
const MAX_LINKS: usize = 1_000;

/// An incremental backup's reference to the backup it was made from.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct BaseRef {
    pub path: String,
    pub manifest_sha256: String,
}

/// One backup of a chain: its directory and manifest.
pub struct Link {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

/// The file beside manifest.json holding its SHA-256, as `sha256sum` writes it (so
/// `sha256sum -c manifest.sha256` checks it too): the manifest carries the checksums of
/// everything else, and this one covers the manifest itself — a flipped digit in its id
/// sequences still parses, and would give ids a client has seen again.
pub const MANIFEST_SUM: &str = "manifest.sha256";

/// The content of `MANIFEST_SUM` for a manifest.json of `bytes`.
pub fn manifest_sum_line(bytes: &[u8]) -> String {
    format!("{}  manifest.json\n", hex::encode(Sha256::digest(bytes)))
}

/// Reads a backup's manifest and its checksum; a directory without one is not a complete
/// backup, and one whose manifest.json does not match its `MANIFEST_SUM` is damaged.
pub fn read_manifest(dir: &Path) -> Result<(Manifest, String)> {
    let bytes =
        fs::read(dir.join("manifest.json")).with_context(|| format!("{} is not a complete backup", dir.display()))?;
    let sum = hex::encode(Sha256::digest(&bytes));
    check_manifest_sum(dir, &sum)?;
    let manifest: Manifest =
        serde_json::from_slice(&bytes).with_context(|| format!("{}: manifest.json is damaged", dir.display()))?;
    manifest.check_format(dir)?;
    Ok((manifest, sum))
}

/// Checks manifest.json's SHA-256 against `MANIFEST_SUM`. Backups made before that file was
/// written have none: they restore as they always did, their manifest unchecked (its tables
/// and blobs are still checked against it). A newer Relais restoring a backup that has one
/// sees no difference in the format, so the format number stays.
fn check_manifest_sum(dir: &Path, sum: &str) -> Result<()> {
    let recorded = match fs::read_to_string(dir.join(MANIFEST_SUM)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read {MANIFEST_SUM}", dir.display())),
    };
    if recorded.split_whitespace().next() != Some(sum) {
        bail!(
            "the backup is damaged; nothing was restored: {}: manifest.json (its SHA-256 differs from the one in {MANIFEST_SUM})",
            dir.display()
        );
    }
    Ok(())
}

/// The reference a new backup at `new` records to `base`: the base's name when both are in
/// one directory, else its absolute path.
pub fn base_ref(base: &Path, new: &Path) -> Result<BaseRef> {
    let (_, manifest_sha256) = read_manifest(base)?;
    let base = fs::canonicalize(base).with_context(|| format!("cannot resolve {}", base.display()))?;
    let new_parent = new.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let new_parent =
        fs::canonicalize(new_parent).with_context(|| format!("cannot resolve {}", new_parent.display()))?;
    let path = match (base.parent(), base.file_name()) {
        (Some(parent), Some(name)) if parent == new_parent => name.to_string_lossy().into_owned(),
        _ => base.to_string_lossy().into_owned(),
    };
    Ok(BaseRef { path, manifest_sha256 })
}

/// The chain from `top` (first) to the full backup it rests on (last). A missing base, or one
/// that is not the backup the link was made from, is refused naming both.
pub fn chain(top: &Path) -> Result<Vec<Link>> {
    let (manifest, _) = read_manifest(top)?;
    let mut links = vec![Link { dir: top.to_owned(), manifest }];
    let mut seen = HashSet::new();
    while let Some(base) = links.last().and_then(|l| l.manifest.base.clone()) {
        let from = links.last().map(|l| l.dir.clone()).unwrap_or_default();
        let dir = resolve(&from, &base.path);
        if links.len() >= MAX_LINKS || !seen.insert(fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone())) {
            bail!("{}: the chain of incremental backups loops or is longer than {MAX_LINKS}", top.display());
        }
        if !dir.join("manifest.json").is_file() {
            bail!(
                "{} is an incremental backup made from {}, which is missing or incomplete: \
                 it restores only with every backup it was made from",
                from.display(),
                dir.display()
            );
        }
        let (manifest, sum) = read_manifest(&dir)?;
        if sum != base.manifest_sha256 {
            bail!(
                "{} is not the backup {} was made from (its manifest.json differs): the chain is broken",
                dir.display(),
                from.display()
            );
        }
        links.push(Link { dir, manifest });
    }
    Ok(links)
}

/// A base's directory as `link` recorded it.
fn resolve(link: &Path, recorded: &str) -> PathBuf {
    let recorded = Path::new(recorded);
    if recorded.is_absolute() {
        return recorded.to_owned();
    }
    link.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join(recorded)
}

/// The names (SHA-256) of every blob the links hold, by their pack indexes (or, made before
/// packs, by listing their blob directories).
pub fn blob_names(links: &[Link]) -> Result<HashSet<String>> {
    let mut names = HashSet::new();
    for link in links {
        let listed = blob_files(&link.dir, &link.manifest).with_context(|| format!("{}", link.dir.display()))?;
        names.extend(listed.into_iter().map(|(name, _)| name));
    }
    Ok(names)
}

/// Every blob of one backup directory, by name, and where it is: from the pack index the
/// manifest vouches for, or, in a backup made before packs, a file per blob.
pub fn blob_files(dir: &Path, manifest: &Manifest) -> Result<Vec<(String, BlobAt)>> {
    if let Some(sum) = &manifest.packed {
        return backup_pack::read_index(dir, sum);
    }
    let mut out = Vec::new();
    let blobs = dir.join("blobs");
    for fan in fs::read_dir(&blobs).with_context(|| format!("{} has no blobs directory", dir.display()))? {
        for entry in fs::read_dir(fan?.path())? {
            let file = entry?.path();
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned();
            out.push((name, BlobAt::File(file)));
        }
    }
    Ok(out)
}

/// The names (SHA-256) of every table chunk the links hold (format 4; none before it).
pub fn chunk_names(links: &[Link]) -> Result<HashSet<String>> {
    let mut names = HashSet::new();
    for link in links {
        let listed =
            crate::backup_table::held(&link.dir, &link.manifest).with_context(|| format!("{}", link.dir.display()))?;
        names.extend(listed.into_iter().map(|(name, _)| name));
    }
    Ok(names)
}

/// The blobs a restore needs: those the snapshot's `blobs` table (its `columns` and rows)
/// references (refs > 0).
pub fn needed_blobs(columns: &[String], lines: impl Iterator<Item = Result<String>>) -> Result<Vec<String>> {
    let at = |name: &str| columns.iter().position(|c| c == name).with_context(|| format!("tables/blobs has no {name}"));
    let (hash, refs) = (at("hash")?, at("refs")?);
    let mut out = Vec::new();
    for line in lines {
        let row: Vec<serde_json::Value> = serde_json::from_str(&line?)?;
        let referenced = row.get(refs).and_then(|v| v.as_i64()).is_some_and(|r| r > 0);
        if let (true, Some(h)) = (referenced, row.get(hash).and_then(|v| v.as_str())) {
            out.push(h.to_owned());
        }
    }
    Ok(out)
}

/// Where each needed blob is in the chain (the newest link holding it); names those no link holds.
pub fn locate(needed: &[String], held: &HashMap<String, BlobAt>) -> (Vec<(String, BlobAt)>, Vec<String>) {
    let (mut found, mut missing) = (Vec::with_capacity(needed.len()), Vec::new());
    for name in needed {
        match held.get(name) {
            Some(at) => found.push((name.clone(), at.clone())),
            None => missing.push(format!("blob {name} (referenced, but in no backup of the chain)")),
        }
    }
    (found, missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_resolve_beside_the_link_or_absolute() {
        assert_eq!(resolve(Path::new("/b/incr"), "full"), Path::new("/b/full"));
        assert_eq!(resolve(Path::new("incr"), "full"), Path::new("./full"));
        assert_eq!(resolve(Path::new("/b/incr"), "/elsewhere/full"), Path::new("/elsewhere/full"));
    }
}
