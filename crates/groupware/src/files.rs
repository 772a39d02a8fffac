//! The file store: each account's tree of folders and files, served as plain WebDAV under
//! `/dav/files/` (RFC 4918). Folders are collections of kind `Folder` nested by `parent`, under
//! one root folder per account (role `files`, made on first use); files are items holding any
//! content, with their media type, times and dead properties in `FileMeta` (the item's
//! summary). A folder's own properties are its `CollectionProps`.
//!
//! Every operation is one store transaction, checks included: a whole tree is copied, moved or
//! deleted at once or not at all. What adds to the account (a new file, a file that grew, a
//! copy) is held to its quota in that transaction (`WriteTx::check_quota`).

use std::collections::BTreeMap;

use relais_store::{
    AccountId, BlobRef, Collection, CollectionId, CollectionKind, DataType, Item, NewCollection, NewItem, ReadTx,
    WriteTx,
};
use serde::{Deserialize, Serialize};

use crate::resources::{Condition, Written, growth, room_for};
use crate::{CollectionProps, Error, Groupware, Result, etag};

/// The role of an account's root folder.
pub const ROOT_ROLE: &str = "files";
/// The name of the root folder (it is never shown: the root is the files home itself).
const ROOT_NAME: &str = "~files";
/// How deep folders may nest: a bound on every walk of a tree.
pub const MAX_DEPTH: usize = 64;

/// What a file carries besides its content, kept as JSON in the item's summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileMeta {
    /// The media type the client sent (`Content-Type` of the PUT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Unix seconds of the first PUT and of the last change of content.
    pub created: i64,
    pub modified: i64,
    /// Dead properties: "{namespace}local" → the property's inner XML.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub dead: BTreeMap<String, String>,
}

impl FileMeta {
    pub fn of(item: &Item) -> FileMeta {
        if item.summary.is_empty() {
            return FileMeta::default();
        }
        serde_json::from_str(&item.summary).unwrap_or_else(|e| {
            tracing::warn!(error = %e, item = %item.id, "unreadable file metadata ignored");
            FileMeta::default()
        })
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A path resolved in the file store.
#[derive(Debug, Clone)]
pub enum Entry {
    Folder(Collection),
    /// A file, with the folder holding it.
    File(Collection, Box<Item>),
}

impl Entry {
    /// The folder holding this entry (`None` for the root).
    pub fn parent(&self) -> Option<CollectionId> {
        match self {
            Entry::Folder(c) => c.parent,
            Entry::File(folder, _) => Some(folder.id),
        }
    }
}

/// What a path names.
#[derive(Debug, Clone)]
pub enum Lookup {
    Found(Entry),
    /// Nothing by that name; `parent` is the folder it would be created in, `None` when a
    /// folder on the way is missing too (RFC 4918 §9.3.1, §9.7.1: 409).
    Missing {
        parent: Option<Collection>,
    },
}

/// What COPY or MOVE does to a tree (RFC 4918 §9.8, §9.9).
#[derive(Debug, Clone, Copy)]
pub struct TreeTransfer {
    pub keep_source: bool,
    pub overwrite: bool,
    /// Depth infinity (a folder's members come along) or 0 (the folder alone; COPY only).
    pub deep: bool,
}

impl Groupware {
    /// Resolves `segments` under `account`'s root folder (made if the account has none yet).
    pub async fn file_lookup(&self, account: AccountId, segments: Vec<String>) -> Result<Lookup> {
        if segments.len() > MAX_DEPTH {
            return Err(Error::Conflict(format!("paths are at most {MAX_DEPTH} folders deep")));
        }
        // One read walks the path; the root is made (once per account) only when it is missing.
        let path = segments.clone();
        if let Some(found) = self.store.read(move |r| walk(r, account, &path)).await? {
            return Ok(found);
        }
        self.store
            .write(move |tx| tx.collection_with_role(account, CollectionKind::Folder, ROOT_ROLE, ROOT_NAME))
            .await?;
        let found = self.store.read(move |r| walk(r, account, &segments)).await?.ok_or(Error::NotFound)?;
        Ok(found)
    }

    /// The members of a folder: its folders, then its files, each by name.
    pub async fn folder_members(&self, folder: &Collection) -> Result<(Vec<Collection>, Vec<Item>)> {
        let (account, id) = (folder.account, folder.id);
        let members = self
            .store
            .read(move |r| {
                let folders = r.child_collections(account, CollectionKind::Folder, Some(id))?;
                let mut files = r.items_in(id)?;
                files.sort_by(|a, b| a.name.cmp(&b.name));
                Ok((folders, files))
            })
            .await?;
        Ok(members)
    }

    /// Creates or replaces the file `name` in `folder` (PUT).
    pub async fn put_file(
        &self,
        folder: &Collection,
        name: &str,
        body: Vec<u8>,
        content_type: Option<String>,
        cond: Condition,
    ) -> Result<Written> {
        room_for(&self.store, None, folder, name, body.len() as u64).await?;
        let blob = self.store.put_blob(body).await?;
        let (folder, name) = (folder.clone(), name.to_owned());
        self.store
            .write(move |tx| {
                if tx.read().child_collection(folder.account, CollectionKind::Folder, Some(folder.id), &name)?.is_some()
                {
                    return Ok(Err(Error::Conflict("a folder has this name".into())));
                }
                let existing = tx.read().item_by_name(folder.id, &name)?;
                if !cond.holds(existing.as_ref().map(|i| i.modseq)) {
                    return Ok(Err(Error::PreconditionFailed));
                }
                tx.check_quota(folder.account, growth(blob.size, existing.as_ref()))?;
                let now = tx.now();
                let mut meta =
                    existing.as_ref().map(FileMeta::of).unwrap_or(FileMeta { created: now, ..Default::default() });
                meta.modified = now;
                meta.content_type = content_type;
                let new = file_item(&folder, &name, blob, &meta, now);
                let written = match existing {
                    Some(old) => {
                        tx.replace_item(old.id, new)?;
                        Written::Replaced { etag: etag(tx.read().item(old.id)?.modseq) }
                    }
                    None => {
                        let id = tx.create_item(folder.account, DataType::File, new)?;
                        Written::Created { etag: etag(tx.read().item(id)?.modseq) }
                    }
                };
                Ok(Ok(written))
            })
            .await?
    }

    /// Replaces a file's dead properties (PROPPATCH); its content stays, its ETag changes.
    pub async fn set_file_props(&self, file: &Item, dead: BTreeMap<String, String>) -> Result<()> {
        let id = file.id;
        self.store
            .write(move |tx| {
                let item = tx.read().item(id)?;
                let mut meta = FileMeta::of(&item);
                meta.dead = dead;
                tx.set_summary(id, &meta.to_json())
            })
            .await?;
        Ok(())
    }

    /// Makes the folder `name` in `parent` (MKCOL).
    pub async fn make_folder(&self, parent: &Collection, name: &str, props: CollectionProps) -> Result<Collection> {
        let (parent, name) = (parent.clone(), name.to_owned());
        self.store
            .write(move |tx| {
                if taken(tx, &parent, &name)? {
                    return Ok(Err(Error::AlreadyExists));
                }
                // A file must still fit below the new folder (see `file_lookup`).
                if depth_of(tx, parent.id)? + 1 >= MAX_DEPTH {
                    return Ok(Err(Error::Conflict(format!("folders nest at most {MAX_DEPTH} deep"))));
                }
                let c = tx.create_collection(parent.account, folder(&name, parent.id))?;
                tx.set_collection_props(c.id, &props.to_json())?;
                Ok(Ok(tx.read().collection(c.id)?))
            })
            .await?
    }

    /// Deletes a file, or a folder with everything in it (DELETE).
    pub async fn delete_entry(&self, entry: &Entry, cond: Condition) -> Result<()> {
        let entry = entry.clone();
        self.store
            .write(move |tx| {
                let current = match &entry {
                    Entry::File(_, item) => tx.read().item(item.id).map(|i| i.modseq),
                    Entry::Folder(c) => tx.read().collection(c.id).map(|c| c.modseq),
                };
                if !cond.holds(current.ok()) {
                    return Ok(Err(Error::PreconditionFailed));
                }
                remove(tx, &entry, 0)?;
                Ok(Ok(()))
            })
            .await?
    }

    /// Copies or moves `entry` to `name` in `to` (COPY, MOVE). `Ok(true)` when something there
    /// was replaced (204), `Ok(false)` when the target is new (201).
    pub async fn transfer_entry(&self, entry: &Entry, to: &Collection, name: &str, mode: TreeTransfer) -> Result<bool> {
        let (entry, to, name) = (entry.clone(), to.clone(), name.to_owned());
        self.store
            .write(move |tx| {
                if let Entry::Folder(src) = &entry {
                    if src.parent.is_none() || inside(tx, to.id, src.id)? {
                        return Ok(Err(Error::Conflict("a folder cannot go inside itself".into())));
                    }
                    // Folders stay within MAX_DEPTH, so every walk of a tree is bounded.
                    if depth_of(tx, to.id)? + 1 + height_of(tx, src)? >= MAX_DEPTH {
                        return Ok(Err(Error::Conflict(format!("folders nest at most {MAX_DEPTH} deep"))));
                    }
                }
                let existing = entry_named(tx, &to, &name)?;
                let same = match (&existing, &entry) {
                    (Some(Entry::Folder(a)), Entry::Folder(b)) => a.id == b.id,
                    (Some(Entry::File(_, a)), Entry::File(_, b)) => a.id == b.id,
                    _ => false,
                };
                if same {
                    return Ok(Err(Error::Conflict("source and destination are the same".into())));
                }
                let replaced = existing.is_some();
                if let Some(old) = existing {
                    if !mode.overwrite {
                        return Ok(Err(Error::AlreadyExists));
                    }
                    if let (Entry::Folder(old), Some(from)) = (&old, entry.parent())
                        && inside(tx, from, old.id)?
                    {
                        return Ok(Err(Error::Conflict("the destination holds the source".into())));
                    }
                    remove(tx, &old, 0)?;
                }
                // A copy adds to the account (after what it replaces was taken out); a move does not.
                let adding = match (&entry, mode.keep_source) {
                    (Entry::File(_, item), true) => item.size,
                    (Entry::Folder(src), true) if mode.deep => tree_size(&mut tx.read(), src)?,
                    _ => 0,
                };
                tx.check_quota(to.account, adding)?;
                match (&entry, mode.keep_source) {
                    (Entry::File(_, item), true) => copy_file(tx, item, &to, &name)?,
                    (Entry::File(_, item), false) => tx.move_item(item.id, to.id, &name)?,
                    (Entry::Folder(src), true) => copy_folder(tx, src, &to, &name, mode.deep, 0)?,
                    (Entry::Folder(src), false) => tx.rename_collection(src.id, &name, Some(to.id))?,
                }
                Ok(Ok(replaced))
            })
            .await?
    }
}

/// The octets of every file in the tree under `root`.
fn tree_size(r: &mut ReadTx<'_>, root: &Collection) -> relais_store::Result<u64> {
    let (mut total, mut level) = (0u64, vec![root.clone()]);
    for _ in 0..=MAX_DEPTH {
        let mut next = Vec::new();
        for f in &level {
            total = total.saturating_add(r.items_in(f.id)?.iter().map(|i| i.size).sum());
            next.extend(r.child_collections(f.account, CollectionKind::Folder, Some(f.id))?);
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    Ok(total)
}

/// What `segments` names under `account`'s root folder; `None` while the account has no root.
fn walk(r: &mut ReadTx<'_>, account: AccountId, segments: &[String]) -> relais_store::Result<Option<Lookup>> {
    let Some(mut folder) = r.collection_by_role(account, CollectionKind::Folder, ROOT_ROLE)? else { return Ok(None) };
    let Some((last, dirs)) = segments.split_last() else { return Ok(Some(Lookup::Found(Entry::Folder(folder)))) };
    for name in dirs {
        match r.child_collection(account, CollectionKind::Folder, Some(folder.id), name)? {
            Some(next) => folder = next,
            None => return Ok(Some(Lookup::Missing { parent: None })),
        }
    }
    if let Some(sub) = r.child_collection(account, CollectionKind::Folder, Some(folder.id), last)? {
        return Ok(Some(Lookup::Found(Entry::Folder(sub))));
    }
    Ok(Some(match r.item_by_name(folder.id, last)? {
        Some(item) => Lookup::Found(Entry::File(folder, Box::new(item))),
        None => Lookup::Missing { parent: Some(folder) },
    }))
}

fn folder(name: &str, parent: CollectionId) -> NewCollection {
    NewCollection { kind: CollectionKind::Folder, name: name.to_owned(), parent: Some(parent), role: None }
}

fn file_item(folder: &Collection, name: &str, blob: BlobRef, meta: &FileMeta, now: i64) -> NewItem {
    NewItem {
        collection: Some(folder.id),
        blob: Some(blob),
        received_at: now,
        summary: meta.to_json(),
        name: Some(name.to_owned()),
        ..NewItem::default()
    }
}

/// Whether `name` in `parent` is a folder or a file already.
fn taken(tx: &mut WriteTx<'_>, parent: &Collection, name: &str) -> relais_store::Result<bool> {
    Ok(entry_named(tx, parent, name)?.is_some())
}

fn entry_named(tx: &mut WriteTx<'_>, parent: &Collection, name: &str) -> relais_store::Result<Option<Entry>> {
    if let Some(c) = tx.read().child_collection(parent.account, CollectionKind::Folder, Some(parent.id), name)? {
        return Ok(Some(Entry::Folder(c)));
    }
    Ok(tx.read().item_by_name(parent.id, name)?.map(|i| Entry::File(parent.clone(), Box::new(i))))
}

/// How many folders lie above `id` (the root: 0), up to MAX_DEPTH + 1.
fn depth_of(tx: &mut WriteTx<'_>, mut id: CollectionId) -> relais_store::Result<usize> {
    for depth in 0..=MAX_DEPTH {
        match tx.read().collection(id)?.parent {
            Some(p) => id = p,
            None => return Ok(depth),
        }
    }
    Ok(MAX_DEPTH + 1)
}

/// How many levels of folders lie below `folder` (none: 0), up to MAX_DEPTH + 1.
fn height_of(tx: &mut WriteTx<'_>, folder: &Collection) -> relais_store::Result<usize> {
    let mut level = vec![folder.clone()];
    for height in 0..=MAX_DEPTH {
        let mut next = Vec::new();
        for f in &level {
            next.extend(tx.read().child_collections(f.account, CollectionKind::Folder, Some(f.id))?);
        }
        if next.is_empty() {
            return Ok(height);
        }
        level = next;
    }
    Ok(MAX_DEPTH + 1)
}

/// Whether folder `id` is `ancestor` or lies below it.
fn inside(tx: &mut WriteTx<'_>, mut id: CollectionId, ancestor: CollectionId) -> relais_store::Result<bool> {
    for _ in 0..=MAX_DEPTH {
        if id == ancestor {
            return Ok(true);
        }
        match tx.read().collection(id)?.parent {
            Some(p) => id = p,
            None => return Ok(false),
        }
    }
    Ok(false)
}

/// Removes a file, or a folder and everything below it.
fn remove(tx: &mut WriteTx<'_>, entry: &Entry, depth: usize) -> relais_store::Result<()> {
    match entry {
        Entry::File(_, item) => tx.destroy_item(item.id),
        Entry::Folder(c) => {
            if depth > MAX_DEPTH {
                return Err(relais_store::Error::Invalid("folders nest too deep".into()));
            }
            for sub in tx.read().child_collections(c.account, CollectionKind::Folder, Some(c.id))? {
                remove(tx, &Entry::Folder(sub), depth + 1)?;
            }
            tx.destroy_collection(c.id)
        }
    }
}

fn copy_file(tx: &mut WriteTx<'_>, item: &Item, to: &Collection, name: &str) -> relais_store::Result<()> {
    let hash = item.blob.clone().ok_or_else(|| relais_store::Error::Corrupt("a file without content".into()))?;
    let mut meta = FileMeta::of(item);
    let now = tx.now();
    (meta.created, meta.modified) = (now, now);
    let new = file_item(to, name, BlobRef::existing(hash, item.size), &meta, now);
    tx.create_item(to.account, DataType::File, new)?;
    Ok(())
}

/// Copies folder `src` as `name` in `to`, with its properties, and with its members if `deep`.
fn copy_folder(
    tx: &mut WriteTx<'_>,
    src: &Collection,
    to: &Collection,
    name: &str,
    deep: bool,
    depth: usize,
) -> relais_store::Result<()> {
    if depth > MAX_DEPTH {
        return Err(relais_store::Error::Invalid("folders nest too deep".into()));
    }
    let copy = tx.create_collection(to.account, folder(name, to.id))?;
    tx.set_collection_props(copy.id, &src.props)?;
    if !deep {
        return Ok(());
    }
    for item in tx.read().items_in(src.id)? {
        copy_file(tx, &item, &copy, item.name.as_deref().unwrap_or_default())?;
    }
    for sub in tx.read().child_collections(src.account, CollectionKind::Folder, Some(src.id))? {
        copy_folder(tx, &sub, &copy, &sub.name, true, depth + 1)?;
    }
    Ok(())
}
