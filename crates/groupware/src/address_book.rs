//! Address books and their cards as a client of whole objects sees them (JMAP for Contacts,
//! RFC 9610): the address books an actor reaches in an account with its rights on each (from
//! `relais_directory::access`, as DAV and ActiveSync read them), the accounts that share one
//! with it, the cards of those it may read with their content, and what such a client does
//! beyond `Groupware::put`, `delete` and `transfer`: make an address book under a DAV name of
//! its own, change its properties, subscribe, and delete it only when empty unless asked.
//!
//! A card stays the vCard it was written as; `jscontact` converts it for JMAP.

use relais_directory::access::{self, Actor, Rights};
use relais_store::{
    AccountId, BlobHash, Collection, CollectionId, CollectionKind, DataType, Item, ItemId, Modseq, NewCollection,
    ReadTx, WriteTx,
};

use crate::resources::check;
use crate::{CollectionProps, Error, Groupware, Result};

/// The role of the address book every account is made with (`relais_directory::provision`).
pub const DEFAULT_ROLE: &str = "default";

/// An address book as one actor sees it.
#[derive(Debug, Clone)]
pub struct AddressBook {
    pub collection: Collection,
    /// The actor's rights on it.
    pub rights: Rights,
    /// The owner's subscription, or the sharee's on its grant.
    pub subscribed: bool,
    pub props: CollectionProps,
}

impl AddressBook {
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

/// Whether rights make an address book visible (listed, or its cards readable).
fn visible(r: Rights) -> bool {
    r.contains(Rights::LOOKUP) || r.contains(Rights::READ_ITEMS)
}

/// Whether rights let the actor change anything in an address book.
fn writing(r: Rights) -> bool {
    [Rights::INSERT, Rights::WRITE_FLAGS, Rights::DELETE_ITEMS, Rights::ADMIN].iter().any(|w| r.contains(*w))
}

/// The address books of `account` that `actor` sees, by id.
pub fn address_books(r: &mut ReadTx<'_>, actor: &Actor, account: AccountId) -> relais_store::Result<Vec<AddressBook>> {
    let mut out = Vec::new();
    for c in r.collections(account, CollectionKind::AddressBook)? {
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
        out.push(AddressBook { collection: c, rights, subscribed, props });
    }
    out.sort_by_key(|b| b.collection.id);
    Ok(out)
}

/// The other accounts that share an address book with `actor`, by id, each with whether
/// `actor` may change something in one of them.
pub fn sharing_accounts(r: &mut ReadTx<'_>, actor: &Actor) -> relais_store::Result<Vec<(AccountId, bool)>> {
    let mut out: Vec<(AccountId, bool)> = Vec::new();
    for s in r.shares(actor.principal)? {
        let rights = Rights::from_bits(s.rights);
        if s.collection.kind != CollectionKind::AddressBook
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

/// One card with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: ItemId,
    pub book: CollectionId,
    /// Its DAV name in the address book.
    pub name: String,
    /// Of its last change (its ETag).
    pub modseq: Modseq,
    /// Of its creation.
    pub created: Modseq,
    pub content: Vec<u8>,
}

/// What deleting an address book did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// It holds cards and removing them was not asked: nothing was deleted.
    HasContents,
}

/// The ids of the cards of `account` that `actor` may read, without their content (what a
/// shared account's /changes may name).
pub fn card_ids(r: &mut ReadTx<'_>, actor: &Actor, account: AccountId) -> relais_store::Result<Vec<ItemId>> {
    Ok(card_items(r, actor, account, None)?.into_iter().map(|i| i.id).collect())
}

/// The items of the cards of `account` that `actor` may read: those of `ids`, or all.
fn card_items(
    r: &mut ReadTx<'_>,
    actor: &Actor,
    account: AccountId,
    ids: Option<Vec<ItemId>>,
) -> relais_store::Result<Vec<Item>> {
    let readable: Vec<CollectionId> = address_books(r, actor, account)?
        .into_iter()
        .filter(|b| b.may(Rights::READ_ITEMS))
        .map(|b| b.collection.id)
        .collect();
    let mut items = Vec::new();
    match ids {
        Some(ids) => {
            for id in ids {
                match r.item(id) {
                    Ok(i) if i.data_type == DataType::Contact => items.push(i),
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
    Ok(items)
}

/// A DAV name for a new card with `uid`: the UID when it is a safe path segment, else its hash.
pub fn card_name(uid: &str) -> String {
    let safe = !uid.is_empty()
        && uid.len() <= 200
        && !uid.starts_with('.')
        && uid.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b));
    if safe { format!("{uid}.vcf") } else { format!("{}.vcf", &BlobHash::of(uid.as_bytes()).to_string()[..32]) }
}

/// A DAV name for a new address book called `shown`: its letters and digits, lower case, with
/// `-2`, `-3`… when another address book of the account holds the name.
fn book_name(shown: &str, taken: &[String]) -> String {
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
        base = "contacts".into();
    }
    std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(|n| !taken.contains(n))
        .unwrap_or(base)
}

impl Groupware {
    /// The address books of `account` that `actor` sees.
    pub async fn address_books(&self, actor: &Actor, account: AccountId) -> Result<Vec<AddressBook>> {
        let actor = actor.clone();
        Ok(self.store.read(move |r| address_books(r, &actor, account)).await?)
    }

    /// The cards of `account` that `actor` may read: those named by `ids` (others and unknown
    /// ones left out), or every card of every address book it may read.
    pub async fn cards(&self, actor: &Actor, account: AccountId, ids: Option<Vec<ItemId>>) -> Result<Vec<Card>> {
        let actor = actor.clone();
        let items = self.store.read(move |r| card_items(r, &actor, account, ids)).await?;
        let items: Vec<_> = items.into_iter().filter(|i| i.blob.is_some() && i.collection.is_some()).collect();
        let hashes: Vec<BlobHash> = items.iter().filter_map(|i| i.blob.clone()).collect();
        let contents = self.store.blobs(hashes).await?;
        Ok(items
            .into_iter()
            .zip(contents)
            .map(|(i, content)| Card {
                id: i.id,
                book: i.collection.unwrap_or(CollectionId(0)),
                name: i.name.unwrap_or_default(),
                modseq: i.modseq,
                created: i.created_modseq,
                content,
            })
            .collect())
    }

    /// Makes an address book in `account` by `actor` (who must act for it), shown as
    /// `props.display_name`, under a DAV name made from it.
    pub async fn create_address_book(
        &self,
        actor: &Actor,
        account: AccountId,
        props: CollectionProps,
    ) -> Result<Collection> {
        let actor = actor.clone();
        self.store
            .write(move |tx| {
                if !access::acts_for(&mut tx.read(), &actor, account)? {
                    return Ok(Err(Error::Forbidden));
                }
                let taken: Vec<String> =
                    tx.read().collections(account, CollectionKind::AddressBook)?.into_iter().map(|c| c.name).collect();
                let name = book_name(props.display_name.as_deref().unwrap_or_default(), &taken);
                let new = NewCollection { kind: CollectionKind::AddressBook, name, parent: None, role: None };
                let c = tx.create_collection(account, new)?;
                tx.set_collection_props(c.id, &props.to_json())?;
                Ok(Ok(tx.read().collection(c.id)?))
            })
            .await?
    }

    /// Changes the properties of address book `id` by `actor`, who needs `ADMIN` on it: `edit`
    /// runs on them as they are in the write's own transaction, so a concurrent change of
    /// another property is kept.
    pub async fn edit_address_book(
        &self,
        actor: &Actor,
        id: CollectionId,
        edit: impl FnOnce(&mut CollectionProps) + Send + 'static,
    ) -> Result<()> {
        self.write_book(actor, id, Rights::ADMIN, move |tx, c| {
            let mut props = CollectionProps::parse(&c.props);
            edit(&mut props);
            tx.set_collection_props(c.id, &props.to_json())?;
            Ok(Ok(()))
        })
        .await
    }

    /// Subscribes `actor` to address book `id` or not: the owner's own flag, a sharee's on its
    /// grant. Anyone who sees the address book may.
    pub async fn subscribe_address_book(&self, actor: &Actor, id: CollectionId, on: bool) -> Result<()> {
        let me = actor.principal;
        self.write_book(actor, id, Rights::NONE, move |tx, c| {
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

    /// Deletes address book `id` by `actor`, who needs `DELETE_COLLECTION` on it, with its
    /// cards only when `remove_contents` (RFC 9610 §2.3 onDestroyRemoveContents); the default
    /// address book is never deleted (as over DAV).
    pub async fn delete_address_book(&self, actor: &Actor, id: CollectionId, remove_contents: bool) -> Result<Removal> {
        self.write_book(actor, id, Rights::DELETE_COLLECTION, move |tx, c| {
            if c.role.as_deref() == Some(DEFAULT_ROLE) {
                return Ok(Err(Error::Conflict("the default address book cannot be deleted".into())));
            }
            if !remove_contents && !tx.read().items_in(c.id)?.is_empty() {
                return Ok(Ok(Removal::HasContents));
            }
            tx.destroy_collection(c.id)?;
            Ok(Ok(Removal::Removed))
        })
        .await
    }

    /// Runs `f` on address book `id` in one write, once `book_with` found it and the actor's
    /// `needed` rights in that same transaction.
    async fn write_book<T: Send + 'static>(
        &self,
        actor: &Actor,
        id: CollectionId,
        needed: Rights,
        f: impl FnOnce(&mut WriteTx<'_>, Collection) -> relais_store::Result<Result<T>> + Send + 'static,
    ) -> Result<T> {
        let actor = actor.clone();
        self.store
            .write(move |tx| match book_with(tx, &actor, id, needed)? {
                Ok(c) => f(tx, c),
                Err(e) => Ok(Err(e)),
            })
            .await?
    }
}

/// The address book `id`, if `actor` sees it (else `NotFound`) and holds `needed` on it
/// (else `Forbidden`), read in the write's own transaction.
fn book_with(
    tx: &mut WriteTx<'_>,
    actor: &Actor,
    id: CollectionId,
    needed: Rights,
) -> relais_store::Result<Result<Collection>> {
    let c = match tx.read().collection(id) {
        Ok(c) if c.kind == CollectionKind::AddressBook => c,
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
        assert_eq!(card_name("abc-1@x.test"), "abc-1@x.test.vcf");
        for odd in ["", "a/b", "../x", "urn:uuid:1", "ä"] {
            let n = card_name(odd);
            assert!(n.len() == 36 && n.ends_with(".vcf"), "{odd}: {n}");
        }
        assert_eq!(book_name("Work Contacts!", &[]), "work-contacts");
        assert_eq!(book_name("Work", &["work".into(), "work-2".into()]), "work-3");
        assert_eq!(book_name("!!", &[]), "contacts");
    }
}
