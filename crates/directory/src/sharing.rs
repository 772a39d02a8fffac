//! Sharing as domain operations: who a collection is shared with, read and changed by an
//! [`Actor`]. IMAP SETACL/DELETEACL/GETACL/MYRIGHTS (RFC 4314), DAV ACL and the DAV:acl
//! property (RFC 3744), `relais admin share`, JMAP `shareWith` (RFC 9670), and later EWS
//! folder permissions all call these; none reads or writes grant rows itself.
//!
//! The rule, the same over every protocol (docs/security.md):
//! - reading or changing a collection's sharing needs [`Rights::ADMIN`] on it
//!   ([`may_change_sharing`]): its owner, the owner's full-access delegates, and whoever was
//!   granted `a` / `DAV:write-acl` / Exchange `Owner`;
//! - the owner holds every right and is never a grantee: its rights cannot be changed or
//!   removed (a change naming the owner is refused; an ACL replacing every grant leaves it be);
//! - a grant names a known principal; an unknown one is refused;
//! - someone who cannot see the collection at all is told it does not exist, so sharing
//!   reveals nothing about another account's collections.
//!
//! Each operation is one store transaction: the check and the change see the same grants.

use relais_store::{AccountId, Collection, CollectionId, Principal, ReadTx, WriteTx};

use crate::Directory;
use crate::access::{Actor, Rights, may_change_sharing, rights_on};
use crate::share_notifications as notices;

/// Why a sharing operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum SharingError {
    /// The collection does not exist, or the actor may not see it (answered alike).
    #[error("no such collection")]
    NotFound,
    /// The actor sees the collection but does not hold the administer right.
    #[error("reading or changing sharing needs the administer right")]
    NotPermitted,
    /// The change names the collection's owner, whose rights are fixed.
    #[error("the owner always holds every right")]
    Owner,
    /// The grantee is not a principal of the directory.
    #[error("unknown principal")]
    UnknownGrantee,
    #[error(transparent)]
    Store(#[from] relais_store::Error),
}

/// How a grant changes (RFC 4314 §3.1: `+rights`, `-rights`, `rights`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantChange {
    Add(Rights),
    Remove(Rights),
    /// Replace; [`Rights::NONE`] removes the grant (DELETEACL).
    Replace(Rights),
}

impl GrantChange {
    pub fn apply(self, now: Rights) -> Rights {
        match self {
            GrantChange::Add(r) => now | r,
            GrantChange::Remove(r) => now & !r,
            GrantChange::Replace(r) => r,
        }
    }
}

/// Who a collection is shared with: its owner (every right) and each grantee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acl {
    pub owner: Principal,
    /// By grantee id; the rights of each grant as stored.
    pub grants: Vec<(Principal, Rights)>,
}

/// The outcome of a check inside a transaction: a store failure (outer) rolls back; a refusal
/// (inner) is found before anything is written.
type Checked<T> = relais_store::Result<Result<T, SharingError>>;

/// The collection, or `NotFound`.
fn existing(r: &mut ReadTx<'_>, collection: CollectionId) -> Checked<Collection> {
    match r.collection(collection) {
        Ok(c) => Ok(Ok(c)),
        Err(relais_store::Error::NotFound(_)) => Ok(Err(SharingError::NotFound)),
        Err(e) => Err(e),
    }
}

/// The collection, if `actor` may read or change its sharing.
fn administered(r: &mut ReadTx<'_>, actor: &Actor, collection: CollectionId) -> Checked<Collection> {
    let c = match existing(r, collection)? {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let held = rights_on(r, actor, &c)?;
    Ok(if may_change_sharing(held) {
        Ok(c)
    } else if held.sees() {
        Err(SharingError::NotPermitted)
    } else {
        Err(SharingError::NotFound)
    })
}

/// Refuses the owner of `c` and unknown principals as grantees.
fn check_grantee(r: &mut ReadTx<'_>, c: &Collection, grantee: AccountId) -> Checked<()> {
    if grantee == c.account {
        return Ok(Err(SharingError::Owner));
    }
    Ok(match r.principal(grantee)? {
        Some(_) => Ok(()),
        None => Err(SharingError::UnknownGrantee),
    })
}

/// Changes one grantee's rights on `collection` (IMAP SETACL, DELETEACL); returns them.
pub fn change_grant(
    tx: &mut WriteTx<'_>,
    actor: &Actor,
    collection: CollectionId,
    grantee: AccountId,
    change: GrantChange,
) -> Checked<Rights> {
    let c = match administered(&mut tx.read(), actor, collection)? {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    if let Err(e) = check_grantee(&mut tx.read(), &c, grantee)? {
        return Ok(Err(e));
    }
    lock_sharing(tx, &c, &[grantee], false)?;
    let before = tx.read().grant(c.id, grantee)?;
    let next = change.apply(Rights::from_bits(before));
    let told = notices::changed(&[(grantee, before)], &[(grantee, next.bits())]);
    notices::lock(tx, &c, &told)?;
    tx.set_grant(c.id, grantee, next.bits())?;
    notices::tell(tx, actor, &c, &told)?;
    Ok(Ok(next))
}

/// Replaces every grant of `collection` (DAV ACL). A grant naming the owner is left out (its
/// rights are fixed, and DAV clients send its ACE back); grants to one principal add up.
pub fn replace_grants(
    tx: &mut WriteTx<'_>,
    actor: &Actor,
    collection: CollectionId,
    grants: &[(AccountId, Rights)],
) -> Checked<()> {
    let c = match administered(&mut tx.read(), actor, collection)? {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let mut merged: Vec<(AccountId, i64)> = Vec::new();
    for (grantee, rights) in grants.iter().filter(|(g, _)| *g != c.account) {
        if let Err(e) = check_grantee(&mut tx.read(), &c, *grantee)? {
            return Ok(Err(e));
        }
        match merged.iter_mut().find(|(g, _)| g == grantee) {
            Some(m) => m.1 |= rights.bits(),
            None => merged.push((*grantee, rights.bits())),
        }
    }
    let named: Vec<AccountId> = merged.iter().map(|(g, _)| *g).collect();
    lock_sharing(tx, &c, &named, true)?;
    let told = notices::changed(&tx.read().grants(c.id)?, &merged);
    notices::lock(tx, &c, &told)?;
    tx.set_grants(c.id, &merged)?;
    notices::tell(tx, actor, &c, &told)?;
    Ok(Ok(()))
}

/// Changes several grantees' rights on `collection` at once (JMAP `shareWith`, whole or by
/// patch): every grantee is checked before anything is written, so one refusal changes
/// nothing. With `others_removed`, every grant `changes` does not name is removed (the whole
/// set given). Unlike [`replace_grants`], a change naming the owner is refused
/// ([`SharingError::Owner`]): JMAP says the owner is never among the sharees.
pub fn change_grants(
    tx: &mut WriteTx<'_>,
    actor: &Actor,
    collection: CollectionId,
    changes: &[(AccountId, GrantChange)],
    others_removed: bool,
) -> Checked<()> {
    let c = match administered(&mut tx.read(), actor, collection)? {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    for (grantee, _) in changes {
        if let Err(e) = check_grantee(&mut tx.read(), &c, *grantee)? {
            return Ok(Err(e));
        }
    }
    let named: Vec<AccountId> = changes.iter().map(|(g, _)| *g).collect();
    lock_sharing(tx, &c, &named, others_removed)?;
    let before = tx.read().grants(c.id)?;
    let mut now = before.clone();
    if others_removed {
        for g in now.iter_mut().filter(|(g, _)| !changes.iter().any(|(n, _)| n == g)) {
            g.1 = Rights::NONE.bits();
        }
    }
    // In order: two changes to one grantee add up.
    for (grantee, change) in changes {
        let held = now.iter().find(|(g, _)| g == grantee).map_or(Rights::NONE, |(_, b)| Rights::from_bits(*b));
        let next = change.apply(held);
        match now.iter_mut().find(|(g, _)| g == grantee) {
            Some(g) => g.1 = next.bits(),
            None => now.push((*grantee, next.bits())),
        }
    }
    let told = notices::changed(&before, &now);
    notices::lock(tx, &c, &told)?;
    // Each grantee named, and each removed, written as before (the collection's state moves).
    for (grantee, bits) in &now {
        if changes.iter().any(|(n, _)| n == grantee) || told.iter().any(|(t, _, _)| t == grantee) {
            tx.set_grant(c.id, *grantee, *bits)?;
        }
    }
    notices::tell(tx, actor, &c, &told)?;
    Ok(Ok(()))
}

/// Locks, in ascending order, the accounts a change of the collection's sharing may write —
/// its owner, the grantees `named` and, when the others are removed, its current grantees —
/// before the grants it starts from are read. Every such change locks the owner, so on
/// PostgreSQL (READ COMMITTED) two at once run one after the other and the second reads what
/// the first wrote (reading before any lock lost the first's change); taking them all in one
/// ascending pass is the order every writer of several accounts keeps. A grantee added
/// meanwhile is locked later, when it is told (`notices::lock`).
fn lock_sharing(tx: &mut WriteTx<'_>, c: &Collection, named: &[AccountId], current: bool) -> relais_store::Result<()> {
    let mut accounts: Vec<AccountId> = named.to_vec();
    if current {
        accounts.extend(tx.read().grants(c.id)?.into_iter().map(|(g, _)| g));
    }
    notices::lock_ascending(tx, c, accounts)
}

/// Who `collection` is shared with (IMAP GETACL, DAV:acl, EWS Permissions).
pub fn acl(r: &mut ReadTx<'_>, actor: &Actor, collection: CollectionId) -> Checked<Acl> {
    let c = match administered(r, actor, collection)? {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let Some(owner) = r.principal(c.account)? else { return Ok(Err(SharingError::NotFound)) };
    let mut grants = Vec::new();
    for (grantee, bits) in r.grants(c.id)? {
        if let Some(p) = r.principal(grantee)? {
            grants.push((p, Rights::from_bits(bits)));
        }
    }
    Ok(Ok(Acl { owner, grants }))
}

/// What `actor` holds on `collection` (IMAP MYRIGHTS, DAV:current-user-privilege-set);
/// `NotFound` when nothing, as if it did not exist.
pub fn my_rights(r: &mut ReadTx<'_>, actor: &Actor, collection: CollectionId) -> Checked<Rights> {
    let c = match existing(r, collection)? {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let held = rights_on(r, actor, &c)?;
    Ok(if held.is_empty() { Err(SharingError::NotFound) } else { Ok(held) })
}

/// The collection `path` names in `account`: `mail/<mailbox>/<child>…` (INBOX in any case),
/// `calendars/<name>` (calendars and task lists) or `addressbooks/<name>`, as `relais admin
/// share` takes it.
pub fn collection_at(r: &mut ReadTx<'_>, account: AccountId, path: &str) -> relais_store::Result<Option<Collection>> {
    use relais_store::CollectionKind as K;
    let mut levels = path.split('/').filter(|l| !l.is_empty());
    let kinds: &[K] = match levels.next() {
        Some("mail") => &[K::Mailbox],
        Some("calendars") => &[K::Calendar, K::TaskList],
        Some("addressbooks") => &[K::AddressBook],
        _ => return Ok(None),
    };
    let mut found: Option<Collection> = None;
    for (i, name) in levels.enumerate() {
        let parent = found.as_ref().map(|c| c.id);
        let mut next = None;
        for kind in kinds {
            next = match (i, *kind) {
                (0, K::Mailbox) if name.eq_ignore_ascii_case("INBOX") => {
                    r.collection_by_role(account, *kind, "inbox")?
                }
                _ => r.child_collection(account, *kind, parent, name)?,
            };
            if next.is_some() {
                break;
            }
        }
        match next {
            Some(c) => found = Some(c),
            None => return Ok(None),
        }
    }
    Ok(found)
}

/// The operations above, each in its own transaction, for front-ends.
impl Directory {
    pub async fn change_grant(
        &self,
        actor: &Actor,
        collection: CollectionId,
        grantee: AccountId,
        change: GrantChange,
    ) -> Result<Rights, SharingError> {
        let actor = actor.clone();
        self.store().write(move |tx| change_grant(tx, &actor, collection, grantee, change)).await?
    }

    pub async fn replace_grants(
        &self,
        actor: &Actor,
        collection: CollectionId,
        grants: Vec<(AccountId, Rights)>,
    ) -> Result<(), SharingError> {
        let actor = actor.clone();
        self.store().write(move |tx| replace_grants(tx, &actor, collection, &grants)).await?
    }

    /// [`change_grants`].
    pub async fn change_grants(
        &self,
        actor: &Actor,
        collection: CollectionId,
        changes: Vec<(AccountId, GrantChange)>,
        others_removed: bool,
    ) -> Result<(), SharingError> {
        let actor = actor.clone();
        self.store().write(move |tx| change_grants(tx, &actor, collection, &changes, others_removed)).await?
    }

    /// The sharing of each of `collections` the actor may read it for, in one transaction
    /// (JMAP `shareWith` of a whole /get): `None` where the actor may not ([`acl`]'s refusal).
    pub async fn acls(&self, actor: &Actor, collections: Vec<CollectionId>) -> Result<Vec<Option<Acl>>, SharingError> {
        let actor = actor.clone();
        let read = move |r: &mut ReadTx<'_>| -> relais_store::Result<Vec<Option<Acl>>> {
            let mut out = Vec::with_capacity(collections.len());
            for c in &collections {
                out.push(acl(r, &actor, *c)?.ok());
            }
            Ok(out)
        };
        Ok(self.store().read(read).await?)
    }

    pub async fn acl(&self, actor: &Actor, collection: CollectionId) -> Result<Acl, SharingError> {
        let actor = actor.clone();
        self.store().read(move |r| acl(r, &actor, collection)).await?
    }

    pub async fn my_rights(&self, actor: &Actor, collection: CollectionId) -> Result<Rights, SharingError> {
        let actor = actor.clone();
        self.store().read(move |r| my_rights(r, &actor, collection)).await?
    }

    /// [`collection_at`].
    pub async fn collection_at(&self, account: AccountId, path: &str) -> crate::Result<Option<Collection>> {
        let path = path.to_owned();
        Ok(self.store().read(move |r| collection_at(r, account, &path)).await?)
    }

    /// What `actor` may do on `collection` ([`rights_on`]).
    pub async fn rights_on(&self, actor: &Actor, collection: &Collection) -> crate::Result<Rights> {
        let (actor, c) = (actor.clone(), collection.clone());
        Ok(self.store().read(move |r| rights_on(r, &actor, &c)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_follow_rfc_4314() {
        let lr = Rights::READ;
        let cases = [
            (GrantChange::Add(Rights::WRITE_FLAGS), lr, lr | Rights::WRITE_FLAGS),
            (GrantChange::Remove(Rights::READ_ITEMS), lr, Rights::LOOKUP),
            (GrantChange::Replace(Rights::ADMIN), lr, Rights::ADMIN),
            (GrantChange::Replace(Rights::NONE), lr, Rights::NONE),
        ];
        for (change, now, want) in cases {
            assert_eq!(change.apply(now), want, "{change:?}");
        }
    }
}
