//! Create, rename and delete mailboxes (IMAP CREATE/RENAME/DELETE, RFC 9051 §6.3.4-6; JMAP
//! Mailbox/set; EAS FolderCreate/Update/Delete; EWS CreateFolder…), by full name in the actor's
//! namespaces (`list`), with the rights RFC 4314 §4 asks: creating under a mailbox needs `k`
//! there, deleting needs `x`, renaming `x` on the source and `k` on the new parent. Only the
//! owner creates at the top of its namespace, and a mailbox never moves to another account. A
//! mailbox created under another user's takes its parent's grants. Subscriptions are the
//! user's own and are not changed here (RFC 9051 §6.3.4, §6.3.5). `empty` takes a mailbox's
//! messages out, and its children with them if asked.

use std::collections::{HashMap, HashSet};

use relais_directory::access::{Actor, Rights};
use relais_store::{Collection, CollectionId, CollectionKind, MailboxRole, NewCollection, Store, WriteTx};

use super::list::{Folders, Place, is_other_users, normalise, refuse};
use super::{Checked, SEPARATOR, refusal, require};
use crate::MailError;

/// Creates the mailbox `name` with its missing parents (RFC 9051 §6.3.4), the last level with
/// `role` (RFC 6154 CREATE-SPECIAL-USE); returns it.
pub async fn create(
    store: &Store,
    actor: &Actor,
    name: &str,
    role: Option<MailboxRole>,
) -> Result<CollectionId, MailError> {
    let full = normalise(name);
    if let Some(why) = refuse(&full) {
        return Err(MailError::Cannot(why));
    }
    let actor = actor.clone();
    store.write(move |tx| create_in(tx, &actor, &full, role)).await?
}

fn create_in(
    tx: &mut WriteTx<'_>,
    actor: &Actor,
    full: &str,
    role: Option<MailboxRole>,
) -> relais_store::Result<Checked<CollectionId>> {
    let folders = Folders::load(&mut tx.read(), actor)?;
    if folders.find(full).is_some() {
        return Err(relais_store::Error::AlreadyExists(full.to_owned()));
    }
    // Whose namespace, and under which existing mailbox the new levels go.
    let (owner, mut parent, base, inherited) = match folders.place(full) {
        Place::Personal => (actor.principal, None, String::new(), Vec::new()),
        Place::Under(f) => {
            if let Err(refused) = refusal(f.rights, Rights::CREATE, "creating a mailbox here") {
                return Ok(Err(refused));
            }
            (f.owner(), Some(f.collection.id), format!("{}{SEPARATOR}", f.name), tx.read().grants(f.collection.id)?)
        }
        Place::Nowhere => {
            return Ok(Err(MailError::NoRight { missing: Rights::CREATE, what: "creating a mailbox there" }));
        }
    };
    let parts: Vec<&str> = full[base.len()..].split(SEPARATOR).collect();
    for (i, part) in parts.iter().enumerate() {
        let path = format!("{base}{}", parts[..=i].join(&SEPARATOR.to_string()));
        let found = folders.find(&path).filter(|f| f.owner() == owner).map(|f| f.collection.id);
        parent = Some(match found {
            Some(id) => id,
            None => {
                let role = if i + 1 == parts.len() { role.map(|r| r.as_str().to_owned()) } else { None };
                let new = NewCollection { kind: CollectionKind::Mailbox, name: (*part).to_owned(), parent, role };
                let id = tx.create_collection(owner, new)?.id;
                if !inherited.is_empty() {
                    tx.set_grants(id, &inherited)?;
                }
                id
            }
        });
    }
    parent.map(Ok).ok_or_else(|| relais_store::Error::Invalid("a mailbox needs a name".into()))
}

/// Deletes the mailbox `name` and its messages (a message also in another mailbox stays
/// there). INBOX cannot be deleted, nor a mailbox with children (RFC 9051 §6.3.5 lets a
/// server refuse).
pub async fn delete(store: &Store, actor: &Actor, name: &str) -> Result<(), MailError> {
    let (actor, name) = (actor.clone(), name.to_owned());
    store
        .write(move |tx| {
            let Some(f) = Folders::resolve(&mut tx.read(), &actor, &name)? else {
                return Ok(Err(MailError::NoMailbox));
            };
            let c = match require(&mut tx.read(), &actor, f.collection.id, Rights::DELETE_COLLECTION, "DELETE")? {
                Ok((c, _)) => c,
                Err(refused) => return Ok(Err(refused)),
            };
            if c.is_inbox() {
                return Ok(Err(MailError::Cannot("INBOX cannot be deleted")));
            }
            let children = tx.read().collections(c.account, CollectionKind::Mailbox)?;
            if children.iter().any(|x| x.parent == Some(c.id)) {
                return Ok(Err(MailError::Cannot("the mailbox has children; delete them first")));
            }
            tx.destroy_collection(c.id)?;
            Ok(Ok(()))
        })
        .await?
}

/// Deletes the mailbox `name` and every mailbox under it in one transaction (ActiveSync
/// FolderDelete, EWS DeleteFolder: a folder goes with its subfolders), each needing `x`; INBOX
/// is not deleted, nor a tree holding it.
pub async fn delete_tree(store: &Store, actor: &Actor, name: &str) -> Result<(), MailError> {
    let (actor, name) = (actor.clone(), name.to_owned());
    store
        .write(move |tx| {
            let Some(f) = Folders::resolve(&mut tx.read(), &actor, &name)? else {
                return Ok(Err(MailError::NoMailbox));
            };
            // The tree, parents before children; deleted the other way round.
            let tree = subtree(tx, &f.collection)?;
            for &id in &tree {
                let c = match require(&mut tx.read(), &actor, id, Rights::DELETE_COLLECTION, "DELETE")? {
                    Ok((c, _)) => c,
                    Err(refused) => return Ok(Err(refused)),
                };
                if c.is_inbox() {
                    return Ok(Err(MailError::Cannot("INBOX cannot be deleted")));
                }
            }
            for &id in tree.iter().rev() {
                tx.destroy_collection(id)?;
            }
            Ok(Ok(()))
        })
        .await?
}

/// The mailbox `root` and every mailbox under it, parents before children, each once (the
/// parent links are followed whatever they hold).
fn subtree(tx: &mut WriteTx<'_>, root: &Collection) -> relais_store::Result<Vec<CollectionId>> {
    let all = tx.read().collections(root.account, CollectionKind::Mailbox)?;
    let mut children: HashMap<CollectionId, Vec<CollectionId>> = HashMap::new();
    for c in &all {
        if let Some(p) = c.parent {
            children.entry(p).or_default().push(c.id);
        }
    }
    let mut tree = vec![root.id];
    let mut seen: HashSet<CollectionId> = tree.iter().copied().collect();
    let mut i = 0;
    while i < tree.len() {
        for &c in children.get(&tree[i]).map_or(&[][..], Vec::as_slice) {
            if seen.insert(c) {
                tree.push(c);
            }
        }
        i += 1;
    }
    Ok(tree)
}

/// What emptying a mailbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Emptied {
    /// Messages taken out of the mailbox.
    pub removed: usize,
    /// Mailboxes under it deleted (with their messages), children before parents.
    pub deleted: Vec<CollectionId>,
}

/// Takes every message out of `mailbox` (ActiveSync ItemOperations EmptyFolderContents, EWS
/// EmptyFolder) in one transaction, and with `subfolders` deletes every mailbox under it; the
/// mailbox itself stays. Needs `t` and `e` there (RFC 4314 §4, as flagging and expunging
/// would), and `x` on each mailbox under it that goes; a refusal leaves everything as it was.
/// A message also in another mailbox stays there.
pub async fn empty(
    store: &Store,
    actor: &Actor,
    mailbox: CollectionId,
    subfolders: bool,
) -> Result<Emptied, MailError> {
    let actor = actor.clone();
    store
        .write(move |tx| {
            let needed = Rights::DELETE_ITEMS | Rights::EXPUNGE;
            let c = match require(&mut tx.read(), &actor, mailbox, needed, "emptying a mailbox")? {
                Ok((c, _)) => c,
                Err(refused) => return Ok(Err(refused)),
            };
            let mut deleted = Vec::new();
            if subfolders {
                let tree = subtree(tx, &c)?;
                for &id in &tree[1..] {
                    if let Err(refused) = require(&mut tx.read(), &actor, id, Rights::DELETE_COLLECTION, "DELETE")? {
                        return Ok(Err(refused));
                    }
                }
                for &id in tree[1..].iter().rev() {
                    tx.destroy_collection(id)?;
                    deleted.push(id);
                }
            }
            let entries = tx.read().mailbox_entries(mailbox)?;
            for e in &entries {
                tx.remove_from_mailbox(e.item, mailbox)?;
            }
            Ok(Ok(Emptied { removed: entries.len(), deleted }))
        })
        .await?
}

/// Renames the mailbox `from` to `to`, its children with it. The new parent must exist, be
/// the same owner's and be held with `k`; only the owner renames to the top of its namespace.
/// INBOX is not renamed (RFC 9051 §6.3.6's move of its messages is not offered, as Dovecot).
pub async fn rename(store: &Store, actor: &Actor, from: &str, to: &str) -> Result<(), MailError> {
    let (from, to) = (normalise(from), normalise(to));
    if to.starts_with(&format!("{from}{SEPARATOR}")) {
        return Err(MailError::Cannot("a mailbox cannot move inside itself"));
    }
    if to == "INBOX" || to.is_empty() {
        return Err(MailError::Cannot("INBOX cannot be renamed"));
    }
    if let Some(why) = refuse(&to) {
        return Err(MailError::Cannot(why));
    }
    let actor = actor.clone();
    store.write(move |tx| rename_in(tx, &actor, &from, &to)).await?
}

fn rename_in(tx: &mut WriteTx<'_>, actor: &Actor, from: &str, to: &str) -> relais_store::Result<Checked<()>> {
    let folders = Folders::load(&mut tx.read(), actor)?;
    let Some(source) = folders.find(from) else { return Ok(Err(MailError::NoMailbox)) };
    if let Err(refused) = require(&mut tx.read(), actor, source.collection.id, Rights::DELETE_COLLECTION, "RENAME")? {
        return Ok(Err(refused));
    }
    if source.collection.is_inbox() {
        return Ok(Err(MailError::Cannot("INBOX cannot be renamed")));
    }
    if folders.find(to).is_some() {
        return Err(relais_store::Error::AlreadyExists(to.to_owned()));
    }
    let (parent_name, leaf) = match to.rsplit_once(SEPARATOR) {
        Some((p, l)) => (Some(p), l.to_owned()),
        None => (None, to.to_owned()),
    };
    let parent = match parent_name.map(|p| folders.find(p)) {
        None if source.owner() == actor.principal && !is_other_users(to) => None,
        None => return Ok(Err(MailError::NoRight { missing: Rights::CREATE, what: "creating a mailbox there" })),
        Some(None) => return Ok(Err(MailError::NoMailbox)),
        Some(Some(p)) if p.owner() != source.owner() => {
            return Ok(Err(MailError::Cannot("a mailbox cannot move to another account")));
        }
        Some(Some(p)) => {
            if let Err(refused) = refusal(p.rights, Rights::CREATE, "RENAME into this mailbox") {
                return Ok(Err(refused));
            }
            Some(p.collection.id)
        }
    };
    tx.rename_collection(source.collection.id, &leaf, parent)?;
    // The owner's subscriptions follow the mailbox and its children (by name, own namespace).
    if source.owner() == actor.principal {
        tx.rename_subscriptions(actor.principal, from, to, SEPARATOR)?;
    }
    Ok(Ok(()))
}
