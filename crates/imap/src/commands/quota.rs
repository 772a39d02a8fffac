//! QUOTA (RFC 9208): one quota root, `""`, per user, with the STORAGE resource (KiB), set by
//! the administrator (`relais admin user quota`). SETQUOTA is refused: clients cannot raise it.

use relais_imap_proto::{Code, Data, MailboxName, QuotaResource, Tag};

use crate::session::Session;

/// The account's usage and limit in octets, if it has a quota.
async fn usage(s: &Session) -> Option<(u64, u64)> {
    let id = s.account()?;
    s.imap.directory().quota(id).await.ok().flatten()
}

fn resources(used: u64, limit: u64) -> Vec<QuotaResource> {
    // RFC 9208 §5.1: STORAGE is counted in units of 1024 octets.
    vec![QuotaResource { resource: "STORAGE".into(), usage: used.div_ceil(1024), limit: limit / 1024 }]
}

pub async fn get_quota_root(s: &mut Session, tag: &Tag, mailbox: MailboxName) {
    match usage(s).await {
        Some((used, limit)) => {
            s.data(Data::QuotaRoot { mailbox, roots: vec![String::new()] });
            s.data(Data::Quota { root: String::new(), resources: resources(used, limit) });
        }
        None => s.data(Data::QuotaRoot { mailbox, roots: Vec::new() }),
    }
    s.ok(tag, "GETQUOTAROOT completed");
}

pub async fn get_quota(s: &mut Session, tag: &Tag, root: String) {
    match usage(s).await {
        Some((used, limit)) if root.is_empty() => {
            s.data(Data::Quota { root, resources: resources(used, limit) });
            s.ok(tag, "GETQUOTA completed");
        }
        _ => s.no(tag, Some(Code::Nonexistent), "no such quota root"),
    }
}

pub fn set_quota(s: &mut Session, tag: &Tag) {
    s.no(tag, Some(Code::NoPerm), "quotas are set by the administrator");
}

/// True if adding `size` octets to `account` (the owner of the target mailbox) would exceed
/// its quota.
pub async fn would_exceed(s: &Session, account: relais_store::AccountId, size: u64) -> bool {
    let usage = s.imap.directory().quota(account).await.ok().flatten();
    usage.is_some_and(|(used, limit)| used.saturating_add(size) > limit)
}
