//! Share notifications (RFC 9670 §5): when the access service's sharing operations (IMAP
//! SETACL/DELETEACL, DAV ACL, JMAP shareWith — `sharing`) change a principal's rights on
//! another's mailbox, address book or calendar, the grantee is told, in the same transaction,
//! by a notification in its own account. An account keeps at most
//! `MAX_SHARE_NOTIFICATIONS` (the oldest make room) for `SHARE_NOTIFICATION_RETENTION`.

use relais_store::{AccountId, Collection, CollectionKind, NewShareNotification, ShareNotification, WriteTx};

use crate::Directory;
use crate::access::Actor;

/// Most notifications an account keeps.
pub const MAX_SHARE_NOTIFICATIONS: u32 = 500;
/// Seconds a notification is kept.
pub const SHARE_NOTIFICATION_RETENTION: i64 = 30 * 86_400;
/// Notifications removed per transaction by the sweep, and transactions per sweep.
const PURGE_BATCH: i64 = 500;
const PURGE_ROUNDS: usize = 100;

/// One grantee's stored rights before and after a change.
pub(crate) type RightsChange = (AccountId, i64, i64);

/// The grantees whose stored rights differ between `before` and `after` (each a list of
/// grantee and stored rights bits; a grantee missing holds none).
pub(crate) fn changed(before: &[(AccountId, i64)], after: &[(AccountId, i64)]) -> Vec<RightsChange> {
    let stored = |bits: i64| bits & relais_store::share_rights::STORED;
    let held =
        |list: &[(AccountId, i64)], g: AccountId| list.iter().find(|(a, _)| *a == g).map_or(0, |(_, b)| stored(*b));
    let mut out: Vec<RightsChange> = Vec::new();
    for (g, _) in before.iter().chain(after) {
        let (old, new) = (held(before, *g), held(after, *g));
        if old != new && !out.iter().any(|(a, _, _)| a == g) {
            out.push((*g, old, new));
        }
    }
    out
}

/// Before a sharing change is written: the accounts it writes (the owner's, and each grantee
/// told) locked in ascending order (`WriteTx::modseq`), so that concurrent writers never wait
/// on each other in a circle.
pub(crate) fn lock(tx: &mut WriteTx<'_>, c: &Collection, changes: &[RightsChange]) -> relais_store::Result<()> {
    lock_ascending(tx, c, changes.iter().map(|(g, _, _)| *g).collect())
}

/// `accounts` and the collection's owner, each locked once (`WriteTx::modseq`), in ascending
/// order.
pub(crate) fn lock_ascending(
    tx: &mut WriteTx<'_>,
    c: &Collection,
    mut accounts: Vec<AccountId>,
) -> relais_store::Result<()> {
    accounts.push(c.account);
    accounts.sort();
    accounts.dedup();
    for a in accounts {
        tx.modseq(a)?;
    }
    Ok(())
}

/// Tells each grantee of `changes` (after `lock`, once the grants are written). Only the types
/// RFC 9670 makes shareable are told: mailboxes, address books and calendars.
pub(crate) fn tell(
    tx: &mut WriteTx<'_>,
    actor: &Actor,
    c: &Collection,
    changes: &[RightsChange],
) -> relais_store::Result<()> {
    if !matches!(c.kind, CollectionKind::Mailbox | CollectionKind::AddressBook | CollectionKind::Calendar) {
        return Ok(());
    }
    for (grantee, old, new) in changes {
        let notification = NewShareNotification {
            changed_by: actor.principal,
            collection: c.id,
            object_account: c.account,
            kind: c.kind,
            name: c.name.clone(),
            old_rights: *old,
            new_rights: *new,
        };
        tx.add_share_notification(*grantee, notification, MAX_SHARE_NOTIFICATIONS)?;
    }
    Ok(())
}

impl Directory {
    /// The notifications `account` keeps, oldest first.
    pub async fn share_notifications(&self, account: AccountId) -> crate::Result<Vec<ShareNotification>> {
        Ok(self.store().read(move |r| r.share_notifications(account)).await?)
    }

    /// Removes one of `account`'s notifications; false if it has none `id`.
    pub async fn destroy_share_notification(&self, account: AccountId, id: i64) -> crate::Result<bool> {
        Ok(self.store().write(move |tx| tx.destroy_share_notification(account, id)).await?)
    }

    /// Removes the notifications past `SHARE_NOTIFICATION_RETENTION` (the periodic
    /// maintenance); how many went.
    pub async fn purge_share_notifications(&self) -> crate::Result<u64> {
        let before = relais_store::now().saturating_sub(SHARE_NOTIFICATION_RETENTION);
        let mut total = 0;
        for _ in 0..PURGE_ROUNDS {
            let gone = self.store().write(move |tx| tx.purge_share_notifications(before, PURGE_BATCH)).await?;
            total += gone;
            if gone < u64::try_from(PURGE_BATCH).unwrap_or(0) {
                break;
            }
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_changed() {
        let (a, b, c) = (AccountId(1), AccountId(2), AccountId(3));
        let r = relais_store::share_rights::STORED & 0b11;
        assert_eq!(changed(&[(a, r), (b, r)], &[(a, r), (c, r)]), vec![(b, r, 0), (c, 0, r)]);
        assert_eq!(changed(&[(a, r)], &[(a, r)]), vec![]);
        assert_eq!(changed(&[], &[(a, 0)]), vec![]);
    }
}
