//! A request path resolved to what it names, with the access check. Every home, collection
//! and resource is read only through here, so no handler can skip authorisation: a principal
//! reaches its own data, and the calendars and address books others shared with it (DAV ACL,
//! IMAP ACL, `relais admin share`) with the rights `relais_directory::access::rights_on` gives
//! (its owner and the owner's full-access delegates hold every right); anyone signed in may
//! read principal records (scheduling and address lookups need them). A file store is its
//! owner's alone. A collection the caller may not read is 403 whether it exists or not, so
//! names do not leak; one held for free/busy time only resolves for the free-busy-query REPORT
//! alone (`resolve_free_busy`).

use hyper::StatusCode;
use relais_dav_proto::{QName, names};
use relais_directory::{Actor, Protocol, Rights, SharingError};
use relais_groupware::files::{Entry, Lookup};
use relais_groupware::{gal, scheduling};
use relais_store::{Collection, CollectionKind, DataType, Item, ItemId, Modseq, Principal, Resource, ResourceContent};

use crate::path::{Home, Target};
use crate::{Ctx, Reply, Result, internal};

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Root,
    Principals,
    Principal(Principal),
    Home(Home, Principal),
    Collection(Home, Principal, Collection),
    Resource(Home, Principal, Collection, Box<Item>),
    /// The global address list in `Principal`'s address book home (read-only, built from the
    /// directory); with the card itself for one card.
    Gal(Principal, Option<Box<ResourceContent>>),
    /// The scheduling inbox or outbox of `Principal`'s calendar home (RFC 6638 §2.1, §2.2).
    Schedule(Principal, ScheduleBox),
    /// A folder or file of `Principal`'s file store, at the path `Vec<String>` below its home.
    Files(Principal, Vec<String>, Entry),
}

/// What a request needs of a collection to resolve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// DAV:read (`Rights::READ`).
    Read,
    /// CALDAV:read-free-busy (RFC 4791 §6.1.1): `Rights::FREE_BUSY`, or DAV:read, which
    /// aggregates it.
    FreeBusy,
}

/// The privileges an ACE shows for a grant (RFC 3744 §5.5.1), as prefixed names: the
/// aggregates where the whole set is held, else their parts.
pub(crate) fn granted(rights: Rights) -> Vec<&'static str> {
    let mut out = Vec::new();
    if rights.contains(Rights::READ) {
        out.push("d:read");
    } else if rights.contains(Rights::FREE_BUSY) {
        out.push("cal:read-free-busy");
    }
    if rights.contains(Rights::WRITE) {
        out.push("d:write");
    } else {
        let parts = [
            (Rights::WRITE_FLAGS, "d:write-content"),
            (Rights::INSERT, "d:bind"),
            (Rights::DELETE_ITEMS | Rights::EXPUNGE, "d:unbind"),
        ];
        out.extend(parts.iter().filter(|(r, _)| rights.contains(*r)).map(|(_, p)| *p));
    }
    if rights.contains(Rights::ADMIN) {
        out.extend(["d:read-acl", "d:write-acl"]);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScheduleBox {
    Inbox,
    Outbox,
}

impl ScheduleBox {
    pub(crate) const NAMES: [&'static str; 2] = ["inbox", "outbox"];

    pub(crate) fn name(self) -> &'static str {
        match self {
            ScheduleBox::Inbox => "inbox",
            ScheduleBox::Outbox => "outbox",
        }
    }

    fn from_name(name: &str) -> Option<ScheduleBox> {
        match name {
            "inbox" => Some(ScheduleBox::Inbox),
            "outbox" => Some(ScheduleBox::Outbox),
            _ => None,
        }
    }
}

/// RFC 3744 §7.1.1: the caller lacks a privilege.
pub(crate) fn forbidden() -> Reply {
    Reply::precondition(StatusCode::FORBIDDEN, &names::NEED_PRIVILEGES)
}

pub(crate) fn not_found() -> Reply {
    Reply::text(StatusCode::NOT_FOUND, "not found")
}

/// RFC 4331 §6: the write would take the owner past its quota (the domain decides it).
pub(crate) fn over_quota() -> Reply {
    Reply::precondition(StatusCode::INSUFFICIENT_STORAGE, &QName::dav("quota-not-exceeded"))
}

pub(crate) fn kinds(home: Home) -> &'static [CollectionKind] {
    match home {
        Home::Calendars => &[CollectionKind::Calendar, CollectionKind::TaskList],
        Home::AddressBooks => &[CollectionKind::AddressBook],
    }
}

impl Ctx<'_> {
    /// The caller acting over DAV.
    pub fn actor(&self) -> Actor {
        Actor::new(self.user.id, Protocol::Dav)
    }

    /// Resolves `target`; 404 when it does not exist, 403 when it is not the caller's.
    pub async fn resolve(&self, target: &Target) -> Result<Node> {
        self.resolve_for(target, Access::Read).await
    }

    /// Resolves `target` for a free-busy-query REPORT (RFC 4791 §7.10): a calendar held with
    /// `CALDAV:read-free-busy` alone resolves too.
    pub async fn resolve_free_busy(&self, target: &Target) -> Result<Node> {
        self.resolve_for(target, Access::FreeBusy).await
    }

    async fn resolve_for(&self, target: &Target, access: Access) -> Result<Node> {
        Ok(match target {
            Target::Root => Node::Root,
            Target::Principals => Node::Principals,
            Target::Principal(user) => Node::Principal(self.principal(user).await?),
            Target::Home(h, user) => Node::Home(*h, self.owner(user).await?),
            Target::Collection(Home::Calendars, user, name) if ScheduleBox::from_name(name).is_some() => {
                let owner = self.owner(user).await?;
                Node::Schedule(owner, ScheduleBox::from_name(name).unwrap_or(ScheduleBox::Inbox))
            }
            Target::Collection(Home::AddressBooks, user, name) if name == gal::NAME => {
                Node::Gal(self.owner(user).await?, None)
            }
            Target::Resource(Home::AddressBooks, user, name, card) if name == gal::NAME => {
                let owner = self.owner(user).await?;
                let (cards, _) = self.gal().await?;
                let found = cards.into_iter().find(|c| c.resource.name == *card).ok_or_else(not_found)?;
                Node::Gal(owner, Some(Box::new(found)))
            }
            Target::Collection(h, user, name) => {
                let (owner, c) = self.readable(*h, user, name, access).await?;
                Node::Collection(*h, owner, c)
            }
            Target::Files(user, segments) => {
                let owner = self.owner(user).await?;
                match self.files(&owner, segments).await? {
                    Lookup::Found(entry) => Node::Files(owner, segments.clone(), entry),
                    Lookup::Missing { .. } => return Err(not_found()),
                }
            }
            Target::Resource(h, user, name, resource) => {
                let (owner, c) = self.readable(*h, user, name, Access::Read).await?;
                let item = self.item(&c, resource).await?.ok_or_else(not_found)?;
                Node::Resource(*h, owner, c, Box::new(item))
            }
        })
    }

    pub async fn principal(&self, user: &str) -> Result<Principal> {
        if user == self.user.address() {
            return Ok(self.user.clone());
        }
        // By own address only: an alias in a URL names nobody (it would reveal its owner).
        self.dav.directory.principal_named(user).await.map_err(internal)?.ok_or_else(not_found)
    }

    /// The principal owning `user`'s data, if the caller may reach it.
    pub async fn owner(&self, user: &str) -> Result<Principal> {
        let p = self.principal(user).await.map_err(|_| forbidden())?;
        if p.id != self.user.id {
            return Err(forbidden());
        }
        Ok(p)
    }

    /// The collection `name` of `user`'s home, if the caller may read it (or, for `access`
    /// `FreeBusy`, read its free/busy time).
    async fn readable(&self, home: Home, user: &str, name: &str, access: Access) -> Result<(Principal, Collection)> {
        let owner = self.principal(user).await.map_err(|_| forbidden())?;
        let found = self.collection(home, &owner, name).await?;
        let allowed = |held: Rights| match access {
            Access::Read => held.contains(Rights::READ),
            Access::FreeBusy => held.contains(Rights::READ) || held.contains(Rights::FREE_BUSY),
        };
        match found {
            Some(c) if allowed(self.rights(&c).await?) => Ok((owner, c)),
            None if owner.id == self.user.id => Err(not_found()),
            _ => Err(forbidden()),
        }
    }

    /// What the caller may do in `c` (`relais_directory::access::rights_on`): DAV reads with
    /// all of `Rights::READ`, writes content with `WRITE_FLAGS`, binds with `INSERT`, unbinds
    /// with `DELETE_ITEMS` and `EXPUNGE`, reads and writes the ACL and properties with `ADMIN`.
    pub async fn rights(&self, c: &Collection) -> Result<Rights> {
        self.dav.directory.rights_on(&self.actor(), c).await.map_err(internal)
    }

    /// 403 unless the caller sees `c` at all (any of `l`, `r`, free/busy): what it may do
    /// there is the groupware's to decide, inside the write.
    pub async fn must_see(&self, c: &Collection) -> Result<()> {
        if !self.rights(c).await?.sees() {
            return Err(forbidden());
        }
        Ok(())
    }

    /// Collections of this home's kind that others shared with the caller, with the rights
    /// held (a full-access delegate's are every right).
    pub async fn shared_with(&self, home: Home) -> Result<Vec<(Collection, Rights)>> {
        let me = self.user.id;
        let all = self.dav.groupware.store().read(move |r| r.shared_with(me)).await.map_err(internal)?;
        Ok(all
            .into_iter()
            .map(|(c, r)| (c, Rights::from_bits(r)))
            .filter(|(c, r)| kinds(home).contains(&c.kind) && r.contains(Rights::READ))
            .collect())
    }

    /// The collection `name` of `owner`'s home.
    pub async fn collection(&self, home: Home, owner: &Principal, name: &str) -> Result<Option<Collection>> {
        let (account, name) = (owner.id, name.to_owned());
        let found = self
            .dav
            .groupware
            .store()
            .read(move |r| {
                for kind in kinds(home) {
                    if let Some(c) = r.collections(account, *kind)?.into_iter().find(|c| c.name == name) {
                        return Ok(Some(c));
                    }
                }
                Ok(None)
            })
            .await
            .map_err(internal)?;
        Ok(found)
    }

    /// Every collection of `owner`'s home.
    pub async fn collections(&self, home: Home, owner: &Principal) -> Result<Vec<Collection>> {
        let account = owner.id;
        self.dav
            .groupware
            .store()
            .read(move |r| {
                let mut all = Vec::new();
                for kind in kinds(home) {
                    all.extend(r.collections(account, *kind)?);
                }
                // The scheduling inbox is shown as itself (`Node::Schedule`), not as a calendar.
                all.retain(|c| c.role.as_deref() != Some(scheduling::INBOX_ROLE));
                Ok(all)
            })
            .await
            .map_err(internal)
    }

    pub async fn item(&self, c: &Collection, name: &str) -> Result<Option<Item>> {
        let (id, name) = (c.id, name.to_owned());
        self.dav.groupware.store().read(move |r| r.item_by_name(id, &name)).await.map_err(internal)
    }

    /// The global address list as resources with their content, and the directory state it
    /// reflects (its sync token).
    pub async fn gal(&self) -> Result<(Vec<ResourceContent>, Modseq)> {
        let (cards, state) = gal::cards(&self.dav.directory, &self.user).await.map_err(internal)?;
        let rows = cards
            .into_iter()
            .map(|c| ResourceContent {
                resource: Resource {
                    id: ItemId(c.principal.0),
                    name: c.name,
                    // The card's content hash stands in for a modseq: the ETag follows the card.
                    modseq: Modseq(c.version),
                    size: c.text.len() as u64,
                    data_type: DataType::Contact,
                },
                blob: None,
                data: Some(c.text.into_bytes()),
            })
            .collect();
        Ok((rows, state))
    }

    /// What `segments` names in `owner`'s file store (only its owner reaches it).
    pub async fn files(&self, owner: &Principal, segments: &[String]) -> Result<Lookup> {
        match self.dav.groupware.file_lookup(owner.id, segments.to_vec()).await {
            Ok(found) => Ok(found),
            Err(relais_groupware::Error::Conflict(why)) => Err(Reply::text(StatusCode::FORBIDDEN, why)),
            Err(e) => Err(internal(e)),
        }
    }

    /// Reads the DAV:acl of `c` (RFC 3744 §5.5), when the caller may (DAV:read-acl: holders of
    /// `Rights::ADMIN`, as for IMAP GETACL): the owner's protected ACE, then one per grant.
    pub async fn load_acl(&self, c: &Collection) -> Result<()> {
        let acl = match self.dav.directory.acl(&self.actor(), c.id).await {
            Ok(acl) => acl,
            Err(SharingError::Store(e)) => return Err(internal(e)),
            Err(_) => return Ok(()),
        };
        let ace = |href: &str, privileges: &[&str], protected: bool| {
            let privileges: String = privileges.iter().map(|p| format!("<d:privilege><{p}/></d:privilege>")).collect();
            let protected = if protected { "<d:protected/>" } else { "" };
            format!(
                "<d:ace><d:principal><d:href>{href}</d:href></d:principal><d:grant>{privileges}</d:grant>{protected}</d:ace>"
            )
        };
        let mut xml = ace(&crate::path::principal_href(&acl.owner.address()), &["d:all"], true);
        for (p, rights) in acl.grants {
            let href = crate::path::principal_href(&p.address());
            xml.push_str(&ace(&href, &granted(rights), false));
        }
        self.acls.lock().map_err(|_| internal("acl cache poisoned"))?.insert(c.id.0, xml);
        Ok(())
    }

    /// Reads the caller's usage and quota for the quota properties.
    pub async fn load_quota(&self) -> Result<()> {
        if self.quota.get().is_none() {
            let usage = self.dav.directory.usage(self.user.id).await.map_err(internal)?;
            let _ = self.quota.set(usage);
        }
        Ok(())
    }

    /// The content of a resource.
    pub async fn content(&self, item: &Item) -> Result<Vec<u8>> {
        let hash = item.blob.clone().ok_or_else(not_found)?;
        self.dav.groupware.store().blob(hash).await.map_err(internal)
    }
}
