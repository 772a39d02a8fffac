//! CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 9051 §6.3.4-8), in the user's own
//! namespace and in other users' mailboxes shared with it, with the rights RFC 4314 §4 asks:
//! CREATE under a mailbox needs `k` there, DELETE needs `x`, RENAME `x` on the source and `k`
//! on the new parent. Only the owner creates at the top of its namespace, and a mailbox never
//! moves to another account. A mailbox created under another user's takes its parent's ACL.
//! Subscribing to a shared mailbox is the subscriber's own (kept on its grant).

use relais_imap_proto::{Code, MailboxAttribute, MailboxName, Tag};
use relais_store::{AccountId, CollectionId, CollectionKind, NewCollection, share_rights};

use crate::folders::{self, DELIMITER, Folders, Place};
use crate::session::Session;

pub async fn create(s: &mut Session, tag: &Tag, name: MailboxName, special_use: Vec<MailboxAttribute>) {
    let Some(account) = s.account() else { return };
    let full = folders::normalise(name.as_str());
    if let Some(why) = folders::refuse(&full) {
        return s.no(tag, Some(Code::Cannot), why);
    }
    let role = match special_use.as_slice() {
        [] => None,
        [a] => match folders::role_of(a) {
            Some(r) => Some(r.to_owned()),
            None => return s.no(tag, Some(Code::UseAttr), "unsupported special-use attribute"),
        },
        _ => return s.no(tag, Some(Code::UseAttr), "one special-use attribute at most"),
    };
    let Some(existing) = load(s, tag).await else { return };
    if existing.find(&full).is_some() {
        return s.no(tag, Some(Code::AlreadyExists), "already exists");
    }
    // Whose namespace, and under which existing mailbox the new levels go.
    let (owner, under) = match existing.place(&full) {
        Place::Personal => (account, None),
        Place::Under(f) => {
            if !crate::rights::check(s, tag, f, share_rights::CREATE, "creating a mailbox here") {
                return;
            }
            (f.owner(), Some((f.collection.id, f.name.clone())))
        }
        Place::Nowhere => return s.no(tag, Some(Code::NoPerm), "only the owner creates mailboxes there"),
    };
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let folders = Folders::load(&mut tx.read(), account)?;
            if folders.find(&full).is_some() {
                return Err(relais_store::Error::AlreadyExists(full));
            }
            let (mut parent, base, inherited) = match under {
                None => (None, String::new(), Vec::new()),
                Some((id, name)) => (Some(id), format!("{name}{DELIMITER}"), tx.read().grants(id)?),
            };
            // Create the missing parents too (RFC 9051 §6.3.4).
            let parts: Vec<&str> = full[base.len()..].split(DELIMITER).collect();
            for (i, part) in parts.iter().enumerate() {
                let path = format!("{base}{}", parts[..=i].join(&DELIMITER.to_string()));
                let found = folders.find(&path).filter(|f| f.owner() == owner).map(|f| f.collection.id);
                parent = Some(match found {
                    Some(id) => id,
                    None => {
                        let role = if i + 1 == parts.len() { role.clone() } else { None };
                        let new =
                            NewCollection { kind: CollectionKind::Mailbox, name: (*part).to_owned(), parent, role };
                        let id = tx.create_collection(owner, new)?.id;
                        if !inherited.is_empty() {
                            tx.set_grants(id, &inherited)?;
                        }
                        id
                    }
                });
            }
            Ok(())
        })
        .await;
    s.finish(tag, result, "CREATE completed");
}

/// True if `id` has child mailboxes, seen or not by this user.
fn has_children(tx: &mut relais_store::WriteTx<'_>, owner: AccountId, id: CollectionId) -> relais_store::Result<bool> {
    Ok(tx.read().collections(owner, CollectionKind::Mailbox)?.iter().any(|c| c.parent == Some(id)))
}

fn is_inbox(c: &relais_store::Collection) -> bool {
    c.role.as_deref() == Some("inbox") && c.parent.is_none()
}

pub async fn delete(s: &mut Session, tag: &Tag, name: MailboxName) {
    let Some(folders) = load(s, tag).await else { return };
    let Some(f) = folders.find(name.as_str()).cloned() else {
        return s.no(tag, Some(Code::Nonexistent), "no such mailbox");
    };
    if is_inbox(&f.collection) {
        return s.no(tag, Some(Code::Cannot), "INBOX cannot be deleted");
    }
    if !crate::rights::check(s, tag, &f, share_rights::DELETE_MAILBOX, "DELETE") {
        return;
    }
    let (id, owner) = (f.collection.id, f.owner());
    let result = s
        .imap
        .store()
        .write(move |tx| {
            if has_children(tx, owner, id)? {
                return Err(relais_store::Error::Invalid("the mailbox has children; delete them first".into()));
            }
            tx.destroy_collection(id)
        })
        .await;
    s.finish(tag, result, "DELETE completed");
}

pub async fn rename(s: &mut Session, tag: &Tag, from: MailboxName, to: MailboxName) {
    let (from, to) = (folders::normalise(from.as_str()), folders::normalise(to.as_str()));
    if to.starts_with(&format!("{from}{DELIMITER}")) {
        return s.no(tag, Some(Code::Cannot), "a mailbox cannot move inside itself");
    }
    let Some(folders) = load(s, tag).await else { return };
    let Some(source) = folders.find(&from).cloned() else {
        return s.no(tag, Some(Code::Nonexistent), "no such mailbox");
    };
    if is_inbox(&source.collection) || to == "INBOX" || to.is_empty() {
        // RFC 9051 §6.3.6's INBOX rename (move all messages) is not offered.
        return s.no(tag, Some(Code::Cannot), "INBOX cannot be renamed");
    }
    if let Some(why) = folders::refuse(&to) {
        return s.no(tag, Some(Code::Cannot), why);
    }
    if !crate::rights::check(s, tag, &source, share_rights::DELETE_MAILBOX, "RENAME") {
        return;
    }
    if folders.find(&to).is_some() {
        return s.no(tag, Some(Code::AlreadyExists), "already exists");
    }
    let (parent_name, leaf) = match to.rsplit_once(DELIMITER) {
        Some((p, l)) => (Some(p), l.to_owned()),
        None => (None, to.clone()),
    };
    // The new parent: an existing mailbox of the same owner, held with k; or the top of the
    // user's own namespace.
    let parent = match parent_name.map(|p| folders.find(p)) {
        None if Some(source.owner()) == s.account() && !folders::is_other_users(&to) => None,
        None => return s.no(tag, Some(Code::NoPerm), "only the owner creates mailboxes there"),
        Some(None) => return s.no(tag, Some(Code::Nonexistent), "the new parent does not exist"),
        Some(Some(p)) if p.owner() != source.owner() => {
            return s.no(tag, Some(Code::Cannot), "a mailbox cannot move to another account");
        }
        Some(Some(p)) => {
            if !crate::rights::check(s, tag, p, share_rights::CREATE, "RENAME into this mailbox") {
                return;
            }
            Some(p.collection.id)
        }
    };
    let id = source.collection.id;
    let result = s.imap.store().write(move |tx| tx.rename_collection(id, &leaf, parent)).await;
    s.finish(tag, result, "RENAME completed");
}

pub async fn subscribe(s: &mut Session, tag: &Tag, name: MailboxName, on: bool) {
    let Some(account) = s.account() else { return };
    let full = folders::normalise(name.as_str());
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let folders = Folders::load(&mut tx.read(), account)?;
            let f = folders.get(&full)?;
            if f.owner() == account {
                tx.set_subscribed(f.collection.id, on)
            } else {
                tx.set_share_subscribed(f.collection.id, account, on)
            }
        })
        .await;
    s.finish(tag, result, if on { "SUBSCRIBE completed" } else { "UNSUBSCRIBE completed" });
}

/// Every mailbox the user can reach, or the NO already answered.
pub(crate) async fn load(s: &mut Session, tag: &Tag) -> Option<Folders> {
    let account = s.account()?;
    match s.imap.store().read(move |r| Folders::load(r, account)).await {
        Ok(f) => Some(f),
        Err(e) => {
            s.store_error(tag, &e);
            None
        }
    }
}
