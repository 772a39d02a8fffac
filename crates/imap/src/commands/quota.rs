//! QUOTA (RFC 9208): one quota root per account, with the STORAGE resource (KiB), set by the
//! administrator (`relais admin user quota`): `""` for the user's own, and `Other Users/<owner>`
//! for the account that owns a mailbox shared with the user (what an APPEND there counts
//! against). SETQUOTA is refused: clients cannot raise it.

use relais_imap_proto::{Code, Data, MailboxName, QuotaResource, Tag};
use relais_store::AccountId;

use crate::folders::{DELIMITER, Folders, OTHER_USERS};
use crate::session::Session;

/// The account's usage and limit in octets, if it has a quota.
async fn usage(s: &Session, account: AccountId) -> Option<(u64, u64)> {
    s.imap.directory().quota(account).await.ok().flatten()
}

/// The quota root of `owner`'s account as the session names it.
async fn root_of(s: &Session, owner: AccountId) -> Option<String> {
    if Some(owner) == s.account() {
        return Some(String::new());
    }
    let p = s.imap.directory().principal_by_id(owner).await.ok().flatten()?;
    Some(format!("{OTHER_USERS}{DELIMITER}{}", p.address()))
}

/// The account a root names, if the session may see it: its own, or an owner who shares a
/// mailbox with it.
async fn account_of_root(s: &Session, root: &str) -> Option<AccountId> {
    let me = s.account()?;
    if root.is_empty() {
        return Some(me);
    }
    let actor = s.actor()?;
    let folders = s.imap.store().read(move |r| relais_mail::mailbox::Folders::load(r, &actor)).await.ok()?;
    let mut owners: Vec<AccountId> = folders.list.iter().map(|f| f.owner()).filter(|o| *o != me).collect();
    owners.sort_unstable();
    owners.dedup();
    for owner in owners {
        if root_of(s, owner).await.as_deref() == Some(root) {
            return Some(owner);
        }
    }
    None
}

fn resources(used: u64, limit: u64) -> Vec<QuotaResource> {
    // RFC 9208 §5.1: STORAGE is counted in units of 1024 octets.
    vec![QuotaResource { resource: "STORAGE".into(), usage: used.div_ceil(1024), limit: limit / 1024 }]
}

pub async fn get_quota_root(s: &mut Session, tag: &Tag, mailbox: MailboxName) {
    let Some(me) = s.account() else { return };
    let name = mailbox.as_str().to_owned();
    // The mailbox's owner: the user's own account unless it is a shared mailbox.
    let owner = match s.imap.store().read(move |r| Ok(Folders::resolve(r, me, &name)?.map(|f| f.owner()))).await {
        Ok(Some(owner)) => owner,
        Ok(None) => return s.no(tag, Some(Code::Nonexistent), "no such mailbox"),
        Err(e) => return s.store_error(tag, &e),
    };
    match (usage(s, owner).await, root_of(s, owner).await) {
        (Some((used, limit)), Some(root)) => {
            s.data(Data::QuotaRoot { mailbox, roots: vec![root.clone()] });
            s.data(Data::Quota { root, resources: resources(used, limit) });
        }
        _ => s.data(Data::QuotaRoot { mailbox, roots: Vec::new() }),
    }
    s.ok(tag, "GETQUOTAROOT completed");
}

pub async fn get_quota(s: &mut Session, tag: &Tag, root: String) {
    let account = account_of_root(s, &root).await;
    match account {
        Some(account) => match usage(s, account).await {
            Some((used, limit)) => {
                s.data(Data::Quota { root, resources: resources(used, limit) });
                s.ok(tag, "GETQUOTA completed");
            }
            None => s.no(tag, Some(Code::Nonexistent), "no such quota root"),
        },
        None => s.no(tag, Some(Code::Nonexistent), "no such quota root"),
    }
}

pub fn set_quota(s: &mut Session, tag: &Tag) {
    s.no(tag, Some(Code::NoPerm), "quotas are set by the administrator");
}
