//! ACL (RFC 4314 §3): SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS, each a call to the
//! directory's sharing operations (`relais_directory::sharing`), which DAV ACL and the admin
//! CLI use too: reading or changing the ACL needs `a` (the owner, its full-access delegates,
//! and anyone granted `a`); the owner holds every right and is not a grant. Identifiers are
//! principals' addresses (or aliases); "anyone", groups and negative rights (`-fred`) are not
//! supported. Rights are letters here: `crate::rights` converts them to and from `Rights`.

use relais_directory::{Actor, GrantChange, Protocol, Rights, SharingError, access};
use relais_imap_proto::{Code, Data, MailboxName, RightsChange, Tag};
use relais_store::AccountId;

use crate::folders::{Folder, Folders};
use crate::rights;
use crate::session::Session;

/// The session's user acting over IMAP.
fn actor(s: &Session) -> Option<Actor> {
    Some(Actor::new(s.account()?, Protocol::Imap))
}

/// The mailbox `name`, or the NO already answered.
async fn folder(s: &mut Session, tag: &Tag, name: &MailboxName) -> Option<Folder> {
    let me = s.account()?;
    let wanted = name.as_str().to_owned();
    match s.imap.store().read(move |r| Folders::resolve(r, me, &wanted)).await {
        Ok(Some(f)) => Some(f),
        Ok(None) => {
            s.no(tag, Some(Code::Nonexistent), "no such mailbox");
            None
        }
        Err(e) => {
            s.store_error(tag, &e);
            None
        }
    }
}

/// Answers a refused sharing operation.
fn refused(s: &mut Session, tag: &Tag, e: &SharingError, what: &str) {
    match e {
        SharingError::NotFound => s.no(tag, Some(Code::Nonexistent), "no such mailbox"),
        SharingError::NotPermitted => s.no(tag, Some(Code::NoPerm), &format!("{what} needs the \"a\" right")),
        SharingError::Owner => s.no(tag, Some(Code::Cannot), "the owner always holds every right"),
        SharingError::UnknownGrantee => s.no(tag, None, "unknown identifier"),
        SharingError::Store(e) => s.store_error(tag, e),
    }
}

/// The account an identifier names (by address or alias), or the NO already answered.
async fn grantee(s: &mut Session, tag: &Tag, identifier: &str) -> Option<AccountId> {
    if identifier.starts_with('-') {
        s.no(tag, Some(Code::Cannot), "negative rights are not supported");
        return None;
    }
    if identifier.eq_ignore_ascii_case("anyone") || identifier.eq_ignore_ascii_case("authenticated") {
        s.no(tag, Some(Code::Cannot), "only users can be granted rights");
        return None;
    }
    match s.imap.directory().principal(identifier).await {
        Ok(Some(p)) => Some(p.id),
        Ok(None) => {
            s.no(tag, None, &format!("unknown identifier {identifier:?}"));
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "imap: directory lookup failed");
            s.no(tag, Some(Code::ServerBug), "internal error, try again");
            None
        }
    }
}

/// RFC 4314 §3.1 (SETACL) and §3.2 (DELETEACL: `change` is `None`).
pub async fn set_acl(
    s: &mut Session,
    tag: &Tag,
    mailbox: MailboxName,
    identifier: String,
    change: Option<RightsChange>,
) {
    let Some(f) = folder(s, tag, &mailbox).await else { return };
    let change = match change.map(parse_change).transpose() {
        Ok(c) => c,
        Err(letter) => return s.bad(tag, &format!("{letter:?} is not a right (RFC 4314 §2.1)")),
    };
    let Some(who) = grantee(s, tag, &identifier).await else { return };
    let Some(actor) = actor(s) else { return };
    let done = if change.is_some() { "SETACL completed" } else { "DELETEACL completed" };
    let change = change.unwrap_or(GrantChange::Replace(Rights::NONE));
    match s.imap.directory().change_grant(&actor, f.collection.id, who, change).await {
        Ok(_) => s.ok(tag, done),
        Err(e) => refused(s, tag, &e, "changing the ACL"),
    }
}

fn parse_change(c: RightsChange) -> Result<GrantChange, char> {
    Ok(match c {
        RightsChange::Add(t) => GrantChange::Add(rights::parse(&t)?),
        RightsChange::Remove(t) => GrantChange::Remove(rights::parse(&t)?),
        RightsChange::Replace(t) => GrantChange::Replace(rights::parse(&t)?),
    })
}

/// RFC 4314 §3.3: the owner first, then each grantee by address. A grant of free/busy time
/// alone (no letter) is listed with no rights.
pub async fn get_acl(s: &mut Session, tag: &Tag, mailbox: MailboxName) {
    let Some(f) = folder(s, tag, &mailbox).await else { return };
    let Some(actor) = actor(s) else { return };
    match s.imap.directory().acl(&actor, f.collection.id).await {
        Ok(acl) => {
            let mut entries = vec![(acl.owner.address(), rights::format(Rights::ALL))];
            entries.extend(acl.grants.iter().map(|(p, r)| (p.address(), rights::format(*r))));
            s.data(Data::Acl { mailbox, entries });
            s.ok(tag, "GETACL completed");
        }
        Err(e) => refused(s, tag, &e, "GETACL"),
    }
}

/// RFC 4314 §3.4: the owner's rights are all required; anyone else may be given any right alone.
pub async fn list_rights(s: &mut Session, tag: &Tag, mailbox: MailboxName, identifier: String) {
    let Some(f) = folder(s, tag, &mailbox).await else { return };
    let Some(actor) = actor(s) else { return };
    match s.imap.directory().my_rights(&actor, f.collection.id).await {
        Ok(held) if access::may_change_sharing(held) => {}
        Ok(_) => return refused(s, tag, &SharingError::NotPermitted, "LISTRIGHTS"),
        Err(e) => return refused(s, tag, &e, "LISTRIGHTS"),
    }
    let is_owner = match s.imap.directory().principal(&identifier).await {
        Ok(p) => p.is_some_and(|p| p.id == f.owner()),
        Err(_) => false,
    };
    let (required, optional) =
        if is_owner { (rights::format(Rights::ALL), Vec::new()) } else { (String::new(), rights::each()) };
    s.data(Data::ListRights { mailbox, identifier, required, optional });
    s.ok(tag, "LISTRIGHTS completed");
}

/// RFC 4314 §3.5: any right at all lets one ask.
pub async fn my_rights(s: &mut Session, tag: &Tag, mailbox: MailboxName) {
    let Some(f) = folder(s, tag, &mailbox).await else { return };
    let Some(actor) = actor(s) else { return };
    match s.imap.directory().my_rights(&actor, f.collection.id).await {
        Ok(held) => {
            s.data(Data::MyRights { mailbox, rights: rights::format(held) });
            s.ok(tag, "MYRIGHTS completed");
        }
        Err(e) => refused(s, tag, &e, "MYRIGHTS"),
    }
}
