//! ACL (RFC 4314 §3): SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS on the shared rights of
//! `collection_grants` (the same rows DAV sharing uses). Identifiers are principals' addresses;
//! the owner holds every right and is not a grant; "anyone", groups and negative rights
//! (`-fred`) are not supported. Reading or changing the ACL needs `a` (the owner has it).

use relais_imap_proto::{Code, Data, MailboxName, RightsChange, Tag};
use relais_store::{AccountId, share_rights};

use crate::folders::{Folder, Folders};
use crate::rights;
use crate::session::Session;

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

/// The account an identifier names, or the NO already answered (the owner of `folder` too:
/// its rights are fixed).
async fn grantee(s: &mut Session, tag: &Tag, folder: &Folder, identifier: &str) -> Option<AccountId> {
    if identifier.starts_with('-') {
        s.no(tag, Some(Code::Cannot), "negative rights are not supported");
        return None;
    }
    if identifier.eq_ignore_ascii_case("anyone") || identifier.eq_ignore_ascii_case("authenticated") {
        s.no(tag, Some(Code::Cannot), "only users can be granted rights");
        return None;
    }
    match s.imap.directory().principal(identifier).await {
        Ok(Some(p)) if p.id == folder.owner() => {
            s.no(tag, Some(Code::Cannot), "the owner always holds every right");
            None
        }
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
    if !rights::check(s, tag, &f, share_rights::ADMIN, "changing the ACL") {
        return;
    }
    let change = match change.map(parse_change).transpose() {
        Ok(c) => c,
        Err(letter) => return s.bad(tag, &format!("{letter:?} is not a right (RFC 4314 §2.1)")),
    };
    let Some(who) = grantee(s, tag, &f, &identifier).await else { return };
    let mailbox_id = f.collection.id;
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let now = tx.read().rights_on(mailbox_id, who)?;
            let next = match change {
                None => 0,
                Some(Change::Add(b)) => now | b,
                Some(Change::Remove(b)) => now & !b,
                Some(Change::Replace(b)) => b,
            };
            tx.set_grant(mailbox_id, who, next)
        })
        .await;
    s.finish(tag, result, if change.is_some() { "SETACL completed" } else { "DELETEACL completed" });
}

#[derive(Clone, Copy)]
enum Change {
    Add(i64),
    Remove(i64),
    Replace(i64),
}

fn parse_change(c: RightsChange) -> Result<Change, char> {
    Ok(match c {
        RightsChange::Add(t) => Change::Add(rights::parse(&t)?),
        RightsChange::Remove(t) => Change::Remove(rights::parse(&t)?),
        RightsChange::Replace(t) => Change::Replace(rights::parse(&t)?),
    })
}

/// RFC 4314 §3.3: the owner first, then each grantee by address.
pub async fn get_acl(s: &mut Session, tag: &Tag, mailbox: MailboxName) {
    let Some(f) = folder(s, tag, &mailbox).await else { return };
    if !rights::check(s, tag, &f, share_rights::ADMIN, "GETACL") {
        return;
    }
    let (id, owner) = (f.collection.id, f.owner());
    let read = s
        .imap
        .store()
        .read(move |r| {
            let mut entries = Vec::new();
            if let Some(p) = r.principal(owner)? {
                entries.push((p.address(), rights::format(share_rights::ALL)));
            }
            for (grantee, bits) in r.grants(id)? {
                if let Some(p) = r.principal(grantee)? {
                    entries.push((p.address(), rights::format(bits)));
                }
            }
            Ok(entries)
        })
        .await;
    match read {
        Ok(entries) => {
            s.data(Data::Acl { mailbox, entries });
            s.ok(tag, "GETACL completed");
        }
        Err(e) => s.store_error(tag, &e),
    }
}

/// RFC 4314 §3.4: the owner's rights are all required; anyone else may be given any right alone.
pub async fn list_rights(s: &mut Session, tag: &Tag, mailbox: MailboxName, identifier: String) {
    let Some(f) = folder(s, tag, &mailbox).await else { return };
    if !rights::check(s, tag, &f, share_rights::ADMIN, "LISTRIGHTS") {
        return;
    }
    let is_owner = match s.imap.directory().principal(&identifier).await {
        Ok(p) => p.is_some_and(|p| p.id == f.owner()),
        Err(_) => false,
    };
    let (required, optional) =
        if is_owner { (rights::format(share_rights::ALL), Vec::new()) } else { (String::new(), rights::each()) };
    s.data(Data::ListRights { mailbox, identifier, required, optional });
    s.ok(tag, "LISTRIGHTS completed");
}

/// RFC 4314 §3.5: any right at all lets one ask.
pub async fn my_rights(s: &mut Session, tag: &Tag, mailbox: MailboxName) {
    let Some(f) = folder(s, tag, &mailbox).await else { return };
    if f.rights == 0 {
        return s.no(tag, Some(Code::Nonexistent), "no such mailbox");
    }
    s.data(Data::MyRights { mailbox, rights: rights::format(f.rights) });
    s.ok(tag, "MYRIGHTS completed");
}
