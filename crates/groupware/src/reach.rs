//! Collections of whole objects — address books and calendars — as a client of whole objects
//! (JMAP for Contacts, JMAP Calendars) sees them: the collections of a kind that an actor
//! reaches in an account with its rights on each (from `relais_directory::access`, as DAV and
//! ActiveSync read them), the accounts that share one with it, the objects of those it may
//! read with their content, and what such a client does beyond `Groupware::put`, `delete` and
//! `transfer`: make a collection under a DAV name of its own, change its properties,
//! subscribe, and delete it only when empty unless asked. `address_book` and `calendar` say
//! which collections of their kind count.

use relais_directory::access::{self, Actor, Rights};
use relais_store::{
    AccountId, BlobHash, Collection, CollectionId, CollectionKind, DataType, Item, ItemId, Modseq, NewCollection,
    ReadTx, WriteTx,
};

use crate::resources::{Scheduling, Transfer, check};
use crate::{CollectionProps, Condition, Error, Groupware, Result, etag};

/// The role of the address book and the calendar every account is made with
/// (`relais_directory::provision`).
pub const DEFAULT_ROLE: &str = "default";

/// A collection as one actor reaches it.
#[derive(Debug, Clone)]
pub struct Reached {
    pub collection: Collection,
    /// The actor's rights on it.
    pub rights: Rights,
    /// The owner's subscription, or the sharee's on its grant.
    pub subscribed: bool,
    pub props: CollectionProps,
}

impl Reached {
    /// The name shown: the DAV display name, else the collection's name.
    pub fn name(&self) -> &str {
        self.props.display_name.as_deref().unwrap_or(&self.collection.name)
    }

    pub fn is_default(&self) -> bool {
        self.collection.role.as_deref() == Some(DEFAULT_ROLE)
    }

    pub fn may(&self, needed: Rights) -> bool {
        self.rights.contains(needed)
    }
}

/// Which collections of an account count, and which of their items: the kind, whether a
/// collection of it counts (a calendar taking events, not a scheduling inbox), and whether an
/// item does (an event, not a task kept in a calendar).
#[derive(Clone, Copy)]
pub(crate) struct Shelf {
    pub kind: CollectionKind,
    pub item_type: DataType,
    pub counts: fn(&Collection) -> bool,
    pub item_counts: fn(&Item) -> bool,
}

/// One object with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub id: ItemId,
    pub collection: CollectionId,
    /// Its DAV name in the collection.
    pub name: String,
    /// Of its last change (its ETag).
    pub modseq: Modseq,
    /// Of its creation.
    pub created: Modseq,
    pub content: Vec<u8>,
}

/// What deleting a collection did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// It holds objects and removing them was not asked: nothing was deleted.
    HasContents,
}

/// Whether rights make a collection visible (listed, or its objects readable).
fn visible(r: Rights) -> bool {
    r.contains(Rights::LOOKUP) || r.contains(Rights::READ_ITEMS)
}

/// Whether rights let the actor change anything in a collection.
fn writing(r: Rights) -> bool {
    [Rights::INSERT, Rights::WRITE_FLAGS, Rights::DELETE_ITEMS, Rights::ADMIN].iter().any(|w| r.contains(*w))
}

/// The collections of the shelf in `account` that `actor` sees, by id.
pub(crate) fn reached(
    r: &mut ReadTx<'_>,
    actor: &Actor,
    account: AccountId,
    shelf: Shelf,
) -> relais_store::Result<Vec<Reached>> {
    let mut out = Vec::new();
    for c in r.collections(account, shelf.kind)? {
        if !(shelf.counts)(&c) {
            continue;
        }
        let rights = access::rights_on(r, actor, &c)?;
        if !visible(rights) {
            continue;
        }
        let subscribed = if c.account == actor.principal {
            c.subscribed
        } else {
            r.share(c.id, actor.principal)?.is_none_or(|s| s.subscribed)
        };
        let props = CollectionProps::parse(&c.props);
        out.push(Reached { collection: c, rights, subscribed, props });
    }
    out.sort_by_key(|b| b.collection.id);
    Ok(out)
}

/// The other accounts that share a collection of the shelf with `actor`, by id, each with
/// whether `actor` may change something in one of them.
pub(crate) fn sharing_accounts(
    r: &mut ReadTx<'_>,
    actor: &Actor,
    shelf: Shelf,
) -> relais_store::Result<Vec<(AccountId, bool)>> {
    let mut out: Vec<(AccountId, bool)> = Vec::new();
    for s in r.shares(actor.principal)? {
        let rights = Rights::from_bits(s.rights);
        if s.collection.kind != shelf.kind
            || !(shelf.counts)(&s.collection)
            || s.collection.account == actor.principal
            || !visible(rights)
        {
            continue;
        }
        match out.iter_mut().find(|(a, _)| *a == s.collection.account) {
            Some((_, w)) => *w |= writing(rights),
            None => out.push((s.collection.account, writing(rights))),
        }
    }
    out.sort_by_key(|(a, _)| *a);
    Ok(out)
}

/// The items of the shelf in `account` that `actor` may read: those of `ids`, or all.
pub(crate) fn items(
    r: &mut ReadTx<'_>,
    actor: &Actor,
    account: AccountId,
    shelf: Shelf,
    ids: Option<Vec<ItemId>>,
) -> relais_store::Result<Vec<Item>> {
    let readable: Vec<CollectionId> = reached(r, actor, account, shelf)?
        .into_iter()
        .filter(|b| b.may(Rights::READ_ITEMS))
        .map(|b| b.collection.id)
        .collect();
    let mut items = Vec::new();
    match ids {
        Some(ids) => {
            for id in ids {
                match r.item(id) {
                    Ok(i) if i.data_type == shelf.item_type => items.push(i),
                    Ok(_) | Err(relais_store::Error::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            items.retain(|i| i.collection.is_some_and(|c| readable.contains(&c)));
        }
        None => {
            for b in readable {
                items.extend(r.items_in(b)?);
            }
        }
    }
    items.retain(shelf.item_counts);
    Ok(items)
}

/// A DAV name for a new object with `uid`: the UID when it is a safe path segment, else its
/// hash, then `.{extension}`.
pub(crate) fn object_name(uid: &str, extension: &str) -> String {
    let safe = !uid.is_empty()
        && uid.len() <= 200
        && !uid.starts_with('.')
        && uid.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b));
    if safe {
        format!("{uid}.{extension}")
    } else {
        format!("{}.{extension}", &BlobHash::of(uid.as_bytes()).to_string()[..32])
    }
}

/// A DAV name for a new collection called `shown`: its letters and digits, lower case, with
/// `-2`, `-3`… when another collection of the account holds the name; `fallback` when
/// nothing is left of it.
fn collection_name(shown: &str, taken: &[String], fallback: &str) -> String {
    let mut base: String = shown
        .chars()
        .map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    base.truncate(base.char_indices().nth(64).map_or(base.len(), |(i, _)| i));
    if base.is_empty() {
        base = fallback.into();
    }
    std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(|n| !taken.contains(n))
        .unwrap_or(base)
}

impl Groupware {
    /// Writes an object a client of whole objects changed (a JMAP `/set` update): its new
    /// `content`, if any, over the version it read — If-Match on that version's ETag, so a
    /// change made meanwhile over another protocol is refused (`PreconditionFailed`), never
    /// overwritten — then moves it to `target` when that is another collection. A move the
    /// rights do not allow is refused before anything is written. The write is `put`'s, so a
    /// scheduled event is scheduled as a CalDAV PUT's is — unless `scheduling` holds it.
    pub async fn change_object(
        &self,
        actor: &Actor,
        (source, name, read): (&Reached, &str, Modseq),
        target: &Reached,
        (content, scheduling): (Option<Vec<u8>>, Scheduling),
    ) -> Result<()> {
        let moving = target.collection.id != source.collection.id;
        if moving && !(target.may(Rights::INSERT) && source.may(Rights::DELETE_ITEMS | Rights::EXPUNGE)) {
            return Err(Error::Forbidden);
        }
        if let Some(content) = content {
            let cond = Condition { if_match: Some(vec![etag(read)]), if_none_match: None };
            match scheduling {
                Scheduling::Implicit => self.put(actor, &source.collection, name, content, cond).await?,
                Scheduling::Held => self.put_unscheduled(actor, &source.collection, name, content, cond).await?,
            };
        }
        if moving {
            let mode = Transfer { keep_source: false, overwrite: false };
            self.transfer(actor, (&source.collection, name), (&target.collection, name), mode).await?;
        }
        Ok(())
    }

    /// Deletes an object a client of whole objects read at `read` (a JMAP `/set` destroy), as
    /// `delete` does — scheduling included, unless `scheduling` holds it — with If-Match on
    /// that version's ETag.
    pub async fn delete_read(
        &self,
        actor: &Actor,
        (collection, name, read): (&Reached, &str, Modseq),
        scheduling: Scheduling,
    ) -> Result<()> {
        let cond = Condition { if_match: Some(vec![etag(read)]), if_none_match: None };
        match scheduling {
            Scheduling::Implicit => self.delete(actor, &collection.collection, name, cond).await,
            Scheduling::Held => self.delete_unscheduled(actor, &collection.collection, name, cond).await,
        }
    }

    /// The collections of the shelf in `account` that `actor` sees.
    pub(crate) async fn reached(&self, actor: &Actor, account: AccountId, shelf: Shelf) -> Result<Vec<Reached>> {
        let actor = actor.clone();
        Ok(self.store.read(move |r| reached(r, &actor, account, shelf)).await?)
    }

    /// The objects of the shelf in `account` that `actor` may read: those named by `ids`
    /// (others and unknown ones left out), or every one of every collection it may read.
    pub(crate) async fn resources(
        &self,
        actor: &Actor,
        account: AccountId,
        shelf: Shelf,
        ids: Option<Vec<ItemId>>,
    ) -> Result<Vec<Resource>> {
        let actor = actor.clone();
        let items = self.store.read(move |r| items(r, &actor, account, shelf, ids)).await?;
        let items: Vec<_> = items.into_iter().filter(|i| i.blob.is_some() && i.collection.is_some()).collect();
        let hashes: Vec<BlobHash> = items.iter().filter_map(|i| i.blob.clone()).collect();
        let contents = self.store.blobs(hashes).await?;
        Ok(items
            .into_iter()
            .zip(contents)
            .map(|(i, content)| Resource {
                id: i.id,
                collection: i.collection.unwrap_or(CollectionId(0)),
                name: i.name.unwrap_or_default(),
                modseq: i.modseq,
                created: i.created_modseq,
                content,
            })
            .collect())
    }

    /// Makes a collection of the shelf in `account` by `actor` (who must act for it), shown
    /// as `props.display_name`, under a DAV name made from it (`fallback` when none is left).
    pub(crate) async fn create_reached(
        &self,
        actor: &Actor,
        account: AccountId,
        (shelf, fallback): (Shelf, &'static str),
        props: CollectionProps,
    ) -> Result<Collection> {
        let actor = actor.clone();
        self.store
            .write(move |tx| {
                if !access::acts_for(&mut tx.read(), &actor, account)? {
                    return Ok(Err(Error::Forbidden));
                }
                let taken: Vec<String> =
                    tx.read().collections(account, shelf.kind)?.into_iter().map(|c| c.name).collect();
                let name = collection_name(props.display_name.as_deref().unwrap_or_default(), &taken, fallback);
                let new = NewCollection { kind: shelf.kind, name, parent: None, role: None };
                let c = tx.create_collection(account, new)?;
                tx.set_collection_props(c.id, &props.to_json())?;
                Ok(Ok(tx.read().collection(c.id)?))
            })
            .await?
    }

    /// Changes the properties of collection `id` by `actor`, who needs `ADMIN` on it: `edit`
    /// runs on them as they are in the write's own transaction, so a concurrent change of
    /// another property is kept.
    pub(crate) async fn edit_reached(
        &self,
        actor: &Actor,
        (shelf, id): (Shelf, CollectionId),
        edit: impl FnOnce(&mut CollectionProps) + Send + 'static,
    ) -> Result<()> {
        self.write_reached(actor, (shelf, id), Rights::ADMIN, move |tx, c| {
            let mut props = CollectionProps::parse(&c.props);
            edit(&mut props);
            tx.set_collection_props(c.id, &props.to_json())?;
            Ok(Ok(()))
        })
        .await
    }

    /// Subscribes `actor` to collection `id` or not: the owner's own flag, a sharee's on its
    /// grant. Anyone who sees the collection may.
    pub(crate) async fn subscribe_reached(
        &self,
        actor: &Actor,
        (shelf, id): (Shelf, CollectionId),
        on: bool,
    ) -> Result<()> {
        let me = actor.principal;
        self.write_reached(actor, (shelf, id), Rights::NONE, move |tx, c| {
            if c.account == me {
                tx.set_subscribed(c.id, on)?;
                return Ok(Ok(()));
            }
            match tx.set_share_subscribed(c.id, me, on) {
                Ok(()) => Ok(Ok(())),
                // A full-access delegate holds no grant to keep a subscription on.
                Err(relais_store::Error::NotFound(_)) => Ok(Err(Error::Forbidden)),
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// Deletes collection `id` by `actor`, who needs `DELETE_COLLECTION` on it, with its
    /// objects only when `remove_contents`; the default one is never deleted (as over DAV).
    pub(crate) async fn delete_reached(
        &self,
        actor: &Actor,
        (shelf, id): (Shelf, CollectionId),
        remove_contents: bool,
    ) -> Result<Removal> {
        self.write_reached(actor, (shelf, id), Rights::DELETE_COLLECTION, move |tx, c| {
            if c.role.as_deref() == Some(DEFAULT_ROLE) {
                return Ok(Err(Error::Conflict("the default collection cannot be deleted".into())));
            }
            if !remove_contents && !tx.read().items_in(c.id)?.is_empty() {
                return Ok(Ok(Removal::HasContents));
            }
            tx.destroy_collection(c.id)?;
            Ok(Ok(Removal::Removed))
        })
        .await
    }

    /// Runs `f` on collection `id` in one write, once `reached_with` found it and the actor's
    /// `needed` rights in that same transaction.
    async fn write_reached<T: Send + 'static>(
        &self,
        actor: &Actor,
        (shelf, id): (Shelf, CollectionId),
        needed: Rights,
        f: impl FnOnce(&mut WriteTx<'_>, Collection) -> relais_store::Result<Result<T>> + Send + 'static,
    ) -> Result<T> {
        let actor = actor.clone();
        self.store
            .write(move |tx| match reached_with(tx, &actor, (shelf, id), needed)? {
                Ok(c) => f(tx, c),
                Err(e) => Ok(Err(e)),
            })
            .await?
    }
}

/// The collection `id` of the shelf, if `actor` sees it (else `NotFound`) and holds `needed`
/// on it (else `Forbidden`), read in the write's own transaction.
fn reached_with(
    tx: &mut WriteTx<'_>,
    actor: &Actor,
    (shelf, id): (Shelf, CollectionId),
    needed: Rights,
) -> relais_store::Result<Result<Collection>> {
    let c = match tx.read().collection(id) {
        Ok(c) if c.kind == shelf.kind && (shelf.counts)(&c) => c,
        Ok(_) | Err(relais_store::Error::NotFound(_)) => return Ok(Err(Error::NotFound)),
        Err(e) => return Err(e),
    };
    if !visible(access::rights_on(&mut tx.read(), actor, &c)?) {
        return Ok(Err(Error::NotFound));
    }
    Ok(check(tx, actor, &c, needed)?.map(|()| c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_for_dav() {
        assert_eq!(object_name("abc-1@x.test", "vcf"), "abc-1@x.test.vcf");
        for odd in ["", "a/b", "../x", "urn:uuid:1", "ä"] {
            let n = object_name(odd, "ics");
            assert!(n.len() == 36 && n.ends_with(".ics"), "{odd}: {n}");
        }
        assert_eq!(collection_name("Work Contacts!", &[], "contacts"), "work-contacts");
        assert_eq!(collection_name("Work", &["work".into(), "work-2".into()], "contacts"), "work-3");
        assert_eq!(collection_name("!!", &[], "calendar"), "calendar");
    }
}
