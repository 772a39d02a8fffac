//! Address books and their cards as a client of whole objects sees them (JMAP for Contacts,
//! RFC 9610): every address book of an account counts, and every card in it (`reach` does
//! the rest: what an actor reaches, whole cards, address books made, changed, subscribed and
//! deleted only when empty unless asked).
//!
//! A card stays the vCard it was written as; `jscontact` converts it for JMAP.

use relais_directory::access::Actor;
use relais_store::{AccountId, CollectionId, CollectionKind, DataType, ItemId, ReadTx};

use crate::reach::{self, Shelf, object_name};
use crate::{CollectionProps, Groupware, Result};

pub use crate::reach::{DEFAULT_ROLE, Reached as AddressBook, Removal, Resource as Card};

/// Address books: every one, and every card in them.
const BOOKS: Shelf =
    Shelf { kind: CollectionKind::AddressBook, item_type: DataType::Contact, counts: |_| true, item_counts: |_| true };

/// The address books of `account` that `actor` sees, by id.
pub fn address_books(r: &mut ReadTx<'_>, actor: &Actor, account: AccountId) -> relais_store::Result<Vec<AddressBook>> {
    reach::reached(r, actor, account, BOOKS)
}

/// The other accounts that share an address book with `actor`, by id, each with whether
/// `actor` may change something in one of them.
pub fn sharing_accounts(r: &mut ReadTx<'_>, actor: &Actor) -> relais_store::Result<Vec<(AccountId, bool)>> {
    reach::sharing_accounts(r, actor, BOOKS)
}

/// The ids of the cards of `account` that `actor` may read, without their content (what a
/// shared account's /changes may name).
pub fn card_ids(r: &mut ReadTx<'_>, actor: &Actor, account: AccountId) -> relais_store::Result<Vec<ItemId>> {
    Ok(reach::items(r, actor, account, BOOKS, None)?.into_iter().map(|i| i.id).collect())
}

/// A DAV name for a new card with `uid`: the UID when it is a safe path segment, else its hash.
pub fn card_name(uid: &str) -> String {
    object_name(uid, "vcf")
}

impl Groupware {
    /// The address books of `account` that `actor` sees.
    pub async fn address_books(&self, actor: &Actor, account: AccountId) -> Result<Vec<AddressBook>> {
        self.reached(actor, account, BOOKS).await
    }

    /// The cards of `account` that `actor` may read: those named by `ids` (others and unknown
    /// ones left out), or every card of every address book it may read.
    pub async fn cards(&self, actor: &Actor, account: AccountId, ids: Option<Vec<ItemId>>) -> Result<Vec<Card>> {
        self.resources(actor, account, BOOKS, ids).await
    }

    /// Makes an address book in `account` by `actor` (who must act for it), shown as
    /// `props.display_name`, under a DAV name made from it.
    pub async fn create_address_book(
        &self,
        actor: &Actor,
        account: AccountId,
        props: CollectionProps,
    ) -> Result<relais_store::Collection> {
        self.create_reached(actor, account, (BOOKS, "contacts"), props).await
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
        self.edit_reached(actor, (BOOKS, id), edit).await
    }

    /// Subscribes `actor` to address book `id` or not: the owner's own flag, a sharee's on its
    /// grant. Anyone who sees the address book may.
    pub async fn subscribe_address_book(&self, actor: &Actor, id: CollectionId, on: bool) -> Result<()> {
        self.subscribe_reached(actor, (BOOKS, id), on).await
    }

    /// Deletes address book `id` by `actor`, who needs `DELETE_COLLECTION` on it, with its
    /// cards only when `remove_contents` (RFC 9610 §2.3 onDestroyRemoveContents); the default
    /// address book is never deleted (as over DAV).
    pub async fn delete_address_book(&self, actor: &Actor, id: CollectionId, remove_contents: bool) -> Result<Removal> {
        self.delete_reached(actor, (BOOKS, id), remove_contents).await
    }
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
    }
}
