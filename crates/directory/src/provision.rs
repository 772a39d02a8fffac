//! What a new principal gets, and how an address resolves to mailboxes.

use std::collections::BTreeSet;

use relais_store::{AccountId, CollectionKind, NewCollection, PrincipalKind, ReadTx, Result, WriteTx};

use crate::{Address, Recipient};

/// Default collections by kind: (kind, name, role). Mailbox roles follow RFC 6154 SPECIAL-USE.
fn defaults(kind: PrincipalKind) -> &'static [(CollectionKind, &'static str, &'static str)] {
    use CollectionKind::*;
    use relais_store::MailboxRole as R;
    const MAIL_AND_GROUPWARE: &[(CollectionKind, &str, &str)] = &[
        (Mailbox, "INBOX", R::Inbox.as_str()),
        (Mailbox, "Drafts", R::Drafts.as_str()),
        (Mailbox, "Sent", R::Sent.as_str()),
        (Mailbox, "Trash", R::Trash.as_str()),
        (Mailbox, "Junk", R::Junk.as_str()),
        (Mailbox, "Archive", R::Archive.as_str()),
        (Calendar, "Calendar", "default"),
        (TaskList, "Tasks", "default"),
        (AddressBook, "Contacts", "default"),
    ];
    const RESOURCE: &[(CollectionKind, &str, &str)] =
        &[(Mailbox, "INBOX", R::Inbox.as_str()), (Calendar, "Calendar", "default")];
    match kind {
        PrincipalKind::User | PrincipalKind::Shared => MAIL_AND_GROUPWARE,
        PrincipalKind::Room | PrincipalKind::Equipment => RESOURCE,
        PrincipalKind::Group => &[],
    }
}

pub(crate) fn default_collections(tx: &mut WriteTx<'_>, account: AccountId, kind: PrincipalKind) -> Result<()> {
    for (ckind, name, role) in defaults(kind) {
        tx.create_collection(
            account,
            NewCollection { kind: *ckind, name: (*name).to_owned(), parent: None, role: Some((*role).to_owned()) },
        )?;
        // A new account starts subscribed to its default mailboxes (top-level: the name is
        // the full name, INBOX's own).
        if *ckind == CollectionKind::Mailbox {
            tx.set_subscription(account, name, true)?;
        }
    }
    Ok(())
}

pub(crate) fn resolve(r: &mut ReadTx<'_>, addr: &Address) -> Result<Option<Recipient>> {
    let principal = match r.principal_by_address(&addr.local, &addr.domain)? {
        Some(p) => Some(p),
        None => match r.alias_target(&addr.local, &addr.domain)? {
            Some(id) => r.principal(id)?,
            None => match r.domain(&addr.domain)?.and_then(|d| d.catchall) {
                Some(id) => r.principal(id)?,
                None => None,
            },
        },
    };
    let Some(p) = principal else { return Ok(None) };
    if p.kind != PrincipalKind::Group {
        return Ok(Some(Recipient::Mailbox(p)));
    }
    // Expand nested groups breadth-first; each group is visited once, so cycles end.
    let mut seen = BTreeSet::from([p.id]);
    let mut queue = vec![p.id];
    let mut members = Vec::new();
    while let Some(g) = queue.pop() {
        for m in r.group_members(g)? {
            if !seen.insert(m.id) {
                continue;
            }
            if m.kind == PrincipalKind::Group {
                queue.push(m.id);
            } else {
                members.push(m);
            }
        }
    }
    Ok(Some(Recipient::Group { group: p, members }))
}
