//! The mailboxes an actor sees (IMAP LIST, JMAP Mailbox/get, EAS FolderSync, EWS FindFolder):
//! its own, and those other accounts shared with it under `Other Users/<owner address>/` with
//! the owner's full name (RFC 2342 §5), each with the actor's rights and subscription. Names
//! are hierarchical with `SEPARATOR` (RFC 9051 §5.1); INBOX is the top-level mailbox with the
//! inbox role and matches case-insensitively; the store keeps each mailbox's own name and its
//! parent, so a full name is built by walking up.

use std::collections::HashMap;

use relais_directory::access::{Actor, Rights};
use relais_store::{AccountId, Collection, CollectionId, CollectionKind, MailboxRole, ReadTx};

use super::{OTHER_USERS, SEPARATOR as DELIMITER, refuse_name};

/// A mailbox an actor can reach, under its full name in the actor's namespaces.
#[derive(Debug, Clone)]
pub struct Folder {
    pub name: String,
    pub collection: Collection,
    /// What the actor may do there; every right in its own mailboxes.
    pub rights: Rights,
    /// The user's subscription: the mailbox's own flag for an own mailbox, the grant's for a
    /// shared one.
    pub subscribed: bool,
}

impl Folder {
    pub fn may(&self, needed: Rights) -> bool {
        self.rights.contains(needed)
    }

    /// The account that owns the mailbox and its messages.
    pub fn owner(&self) -> AccountId {
        self.collection.account
    }
}

/// Every mailbox a user can reach: its own, then those other accounts shared with it (any
/// right at all: one may SELECT a mailbox held with `r` but not `l`), sorted by name.
pub struct Folders {
    pub list: Vec<Folder>,
    /// The names of its own the user subscribed to, sorted, whether a mailbox has that name
    /// or not (RFC 5258 §3.1: LIST (SUBSCRIBED) shows the others `\NonExistent`).
    pub subscriptions: Vec<String>,
    /// Full name → position in `list`.
    index: HashMap<String, usize>,
}

impl Folders {
    /// One read of the user's own mailboxes and one per sharing owner; names are built with
    /// a map by id, so the cost grows linearly with the number of mailboxes (a listing runs
    /// on nearly every command, and a quadratic one let a big account stall the read pool).
    pub fn load(r: &mut ReadTx<'_>, actor: &Actor) -> relais_store::Result<Folders> {
        let me = actor.principal;
        let own = r.collections(me, CollectionKind::Mailbox)?;
        let subscriptions = r.subscriptions(me)?;
        let names = Names::new(&own);
        let mut list: Vec<Folder> = own
            .iter()
            .map(|c| {
                let name = names.full_name(c);
                let subscribed = subscriptions.binary_search(&name).is_ok();
                Folder { name, collection: c.clone(), rights: Rights::ALL, subscribed }
            })
            .collect();
        let shares: Vec<_> =
            r.shares(me)?.into_iter().filter(|s| s.collection.kind == CollectionKind::Mailbox).collect();
        let mut owners: Vec<AccountId> = shares.iter().map(|s| s.collection.account).collect();
        owners.sort_unstable();
        owners.dedup();
        for owner in owners {
            let Some(p) = r.principal(owner)? else { continue };
            let theirs = r.collections(owner, CollectionKind::Mailbox)?;
            let names = Names::new(&theirs);
            let prefix = format!("{OTHER_USERS}{DELIMITER}{}{DELIMITER}", p.address());
            for s in shares.iter().filter(|s| s.collection.account == owner) {
                list.push(Folder {
                    name: format!("{prefix}{}", names.full_name(&s.collection)),
                    collection: s.collection.clone(),
                    rights: Rights::from_bits(s.rights),
                    subscribed: s.subscribed,
                });
            }
        }
        list.sort_by(|a, b| a.name.cmp(&b.name));
        let index = list.iter().enumerate().map(|(i, f)| (f.name.clone(), i)).collect();
        Ok(Folders { list, subscriptions, index })
    }

    pub fn find(&self, name: &str) -> Option<&Folder> {
        let name = normalise(name);
        self.index.get(&name).and_then(|&i| self.list.get(i))
    }

    /// The mailbox of that name, or `NotFound`.
    pub fn get(&self, name: &str) -> relais_store::Result<&Folder> {
        self.find(name).ok_or_else(|| relais_store::Error::NotFound(name.to_owned()))
    }
}

impl Folders {
    /// The one mailbox `name` names, as `load(…).find(name)` would give it, in O(depth)
    /// indexed reads: SELECT, STATUS, APPEND, COPY and the ACL commands need one mailbox, and
    /// need not list an account of thousands.
    pub fn resolve(r: &mut ReadTx<'_>, actor: &Actor, name: &str) -> relais_store::Result<Option<Folder>> {
        let me = actor.principal;
        let name = normalise(name);
        let Some(rest) = name.strip_prefix(OTHER_USERS).and_then(|r| r.strip_prefix(DELIMITER)) else {
            let Some(c) = walk(r, me, &name)? else { return Ok(None) };
            let subscribed = r.is_subscribed(me, &name)?;
            return Ok(Some(Folder { name, collection: c, rights: Rights::ALL, subscribed }));
        };
        // `<owner address>/<path>`: the address ends at the first delimiter after its `@`
        // (a local part may hold one, a domain may not).
        let end = rest.find('@').and_then(|at| Some(at + rest.get(at..)?.find(DELIMITER)?));
        let Some((address, path)) =
            end.and_then(|end| Some((rest.get(..end)?, rest.get(end + DELIMITER.len_utf8()..)?)))
        else {
            return Ok(None);
        };
        let Some((local, domain)) = address.rsplit_once('@') else { return Ok(None) };
        let Some(owner) = r.principal_by_address(local, domain)?.filter(|p| p.address() == address) else {
            return Ok(None);
        };
        if owner.id == me {
            return Ok(None);
        }
        let Some(c) = walk(r, owner.id, path)? else { return Ok(None) };
        let Some(share) = r.share(c.id, me)? else { return Ok(None) };
        Ok(Some(Folder {
            name,
            collection: share.collection,
            rights: Rights::from_bits(share.rights),
            subscribed: share.subscribed,
        }))
    }
}

/// The mailbox at full name `path` in `account`'s own tree: `INBOX` first is the collection
/// with role `inbox` at the top (as `Names::full_name` names it), else each level by name.
fn walk(r: &mut ReadTx<'_>, account: AccountId, path: &str) -> relais_store::Result<Option<Collection>> {
    let mut at: Option<Collection> = None;
    for (i, part) in path.split(DELIMITER).enumerate() {
        let found = if i == 0 && part == "INBOX" {
            match r.mailbox_by_role(account, MailboxRole::Inbox)?.filter(|c| c.parent.is_none()) {
                Some(c) => Some(c),
                None => r.child_collection(account, CollectionKind::Mailbox, None, part)?,
            }
        } else {
            r.child_collection(account, CollectionKind::Mailbox, at.as_ref().map(|c| c.id), part)?
        };
        let Some(c) = found else { return Ok(None) };
        at = Some(c);
    }
    Ok(at)
}

/// Where a new name would live: in the user's own namespace, or under another user's
/// mailbox (`parent`, which must be reachable). `None` for a name directly under
/// `Other Users/<owner>/` or naming nobody: only the owner creates there.
pub enum Place<'a> {
    Personal,
    Under(&'a Folder),
    Nowhere,
}

impl Folders {
    /// The place of `name` (normalised): its deepest existing ancestor decides.
    pub fn place(&self, name: &str) -> Place<'_> {
        if !is_other_users(name) {
            return Place::Personal;
        }
        let mut path = name;
        while let Some((parent, _)) = path.rsplit_once(DELIMITER) {
            if let Some(f) = self.find(parent) {
                return Place::Under(f);
            }
            path = parent;
        }
        Place::Nowhere
    }
}

/// Why a new mailbox cannot have this name (normalised), if it cannot: the mail domain's rule
/// for an account's own names (`refuse_name`), and INBOX is taken. A name
/// inside the Other Users namespace is a shared mailbox's, decided by the owner's rights.
pub fn refuse(name: &str) -> Option<&'static str> {
    if name == "INBOX" {
        return Some("invalid mailbox name");
    }
    // A name in the Other Users namespace: the same rule for the levels below the namespace.
    let own = name.strip_prefix(OTHER_USERS).filter(|_| is_other_users(name)).map(|rest| &rest[1.min(rest.len())..]);
    refuse_name(own.unwrap_or(name))
}

/// True for a name in the Other Users namespace.
pub fn is_other_users(name: &str) -> bool {
    name == OTHER_USERS || name.strip_prefix(OTHER_USERS).is_some_and(|rest| rest.starts_with(DELIMITER))
}

/// `inbox` and `Inbox/x` as INBOX (RFC 9051 §5.1); trailing delimiters dropped.
pub fn normalise(name: &str) -> String {
    let name = name.trim_end_matches(DELIMITER);
    match name.get(..5) {
        Some(head) if head.eq_ignore_ascii_case("INBOX") && (name.len() == 5 || name[5..].starts_with(DELIMITER)) => {
            format!("INBOX{}", &name[5..])
        }
        _ => name.to_owned(),
    }
}

/// One account's mailboxes by id, to build full names by walking up parents.
struct Names<'a> {
    by_id: HashMap<CollectionId, &'a Collection>,
}

impl<'a> Names<'a> {
    fn new(all: &'a [Collection]) -> Names<'a> {
        Names { by_id: all.iter().map(|c| (c.id, c)).collect() }
    }

    /// The full name of `c`. The store bounds nesting (`CollectionLimits::max_depth`) and
    /// keeps the tree acyclic; the walk is still bounded by the number of mailboxes.
    fn full_name(&self, c: &Collection) -> String {
        let mut parts = vec![own_name(c)];
        let mut parent = c.parent;
        while let Some(p) = parent {
            let Some(pc) = self.by_id.get(&p) else { break };
            if parts.len() > self.by_id.len() {
                break;
            }
            parts.push(own_name(pc));
            parent = pc.parent;
        }
        parts.reverse();
        parts.join(&DELIMITER.to_string())
    }
}

fn own_name(c: &Collection) -> String {
    if c.is_inbox() { "INBOX".into() } else { c.name.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(normalise("inbox"), "INBOX");
        assert_eq!(normalise("Inbox/Sub"), "INBOX/Sub");
        assert_eq!(normalise("Inboxes"), "Inboxes");
        assert_eq!(normalise("Work/"), "Work");
    }
}
