//! What a principal is told of changes to its rights on another's collection (migration 0026;
//! JMAP ShareNotification, RFC 9670 §5): written by relais-directory's sharing operations in
//! the transaction that changes the grant, into the grantee's account (its change log names
//! `DataType::ShareNotification`), at most a bounded number per account (the oldest make room)
//! and swept after a while. Ids are never reused (`snapshot::SEQUENCED`).

use crate::read::kind_code;
use crate::tx::Change;
use crate::{AccountId, ChangeKind, CollectionId, CollectionKind, DataType, Error, ReadTx, Result, WriteTx, params};

/// A notification to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShareNotification {
    /// Who changed the rights.
    pub changed_by: AccountId,
    pub collection: CollectionId,
    /// The collection's owner.
    pub object_account: AccountId,
    pub kind: CollectionKind,
    /// The collection's name then.
    pub name: String,
    pub old_rights: i64,
    pub new_rights: i64,
}

/// One kept notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareNotification {
    pub id: i64,
    pub created: i64,
    pub what: NewShareNotification,
}

const COLUMNS: &str = "id, created, changed_by, collection_id, object_account, kind, name, old_rights, new_rights";

fn notification_of(r: &crate::sql::Row) -> Result<ShareNotification> {
    let kind = DataType::from_i64(r.int(5)?)
        .and_then(CollectionKind::from_data_type)
        .ok_or_else(|| Error::Corrupt("share notification kind".into()))?;
    Ok(ShareNotification {
        id: r.int(0)?,
        created: r.int(1)?,
        what: NewShareNotification {
            changed_by: AccountId(r.int(2)?),
            collection: CollectionId(r.int(3)?),
            object_account: AccountId(r.int(4)?),
            kind,
            name: r.text(6)?,
            old_rights: r.int(7)?,
            new_rights: r.int(8)?,
        },
    })
}

impl ReadTx<'_> {
    /// The account's notifications, oldest first.
    pub fn share_notifications(&mut self, account: AccountId) -> Result<Vec<ShareNotification>> {
        let sql = format!("SELECT {COLUMNS} FROM share_notifications WHERE account_id = $1 ORDER BY id");
        self.conn().query(&sql, params![account.0])?.iter().map(notification_of).collect()
    }
}

impl WriteTx<'_> {
    /// Tells `account` of a change; past `at_most` the oldest go (each a destroyed change).
    /// The caller has locked the accounts the transaction writes in ascending order.
    pub fn add_share_notification(
        &mut self,
        account: AccountId,
        new: NewShareNotification,
        at_most: u32,
    ) -> Result<i64> {
        self.modseq(account)?;
        let count = self
            .conn()
            .query_one("SELECT COUNT(*) FROM share_notifications WHERE account_id = $1", params![account.0])?
            .map_or(Ok(0), |r| r.int(0))?;
        let excess = count - i64::from(at_most) + 1;
        if excess > 0 {
            let old = self.conn().query(
                "SELECT id FROM share_notifications WHERE account_id = $1 ORDER BY id LIMIT $2",
                params![account.0, excess],
            )?;
            for r in old {
                self.destroy_share_notification(account, r.int(0)?)?;
            }
        }
        let now = self.now();
        let row = self.conn().query_one(
            "INSERT INTO share_notifications (account_id, created, changed_by, collection_id, object_account, kind, \
             name, old_rights, new_rights) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            params![
                account.0,
                now,
                new.changed_by.0,
                new.collection.0,
                new.object_account.0,
                kind_code(new.kind),
                new.name,
                new.old_rights,
                new.new_rights
            ],
        )?;
        let id = row.ok_or_else(|| Error::Corrupt("no share notification id".into()))?.int(0)?;
        self.log(account, Change::object(DataType::ShareNotification, id, ChangeKind::Created))?;
        Ok(id)
    }

    /// Removes one notification; false if the account has none `id`.
    pub fn destroy_share_notification(&mut self, account: AccountId, id: i64) -> Result<bool> {
        let gone = self
            .conn()
            .execute("DELETE FROM share_notifications WHERE account_id = $1 AND id = $2", params![account.0, id])?;
        if gone > 0 {
            self.log(account, Change::object(DataType::ShareNotification, id, ChangeKind::Destroyed))?;
        }
        Ok(gone > 0)
    }

    /// Removes up to `limit` notifications made before `before` (ascending accounts, so the
    /// locks are taken in order); how many went.
    pub fn purge_share_notifications(&mut self, before: i64, limit: i64) -> Result<u64> {
        let old = self.conn().query(
            "SELECT account_id, id FROM share_notifications WHERE created < $1 ORDER BY account_id, id LIMIT $2",
            params![before, limit],
        )?;
        let mut gone = 0;
        for r in old {
            if self.destroy_share_notification(AccountId(r.int(0)?), r.int(1)?)? {
                gone += 1;
            }
        }
        Ok(gone)
    }
}
