//! Sharing: who besides its owner may reach a collection, and with which rights
//! (`collection_grants`, one row per collection and grantee). IMAP ACL (RFC 4314) and DAV ACL
//! (RFC 3744) read and write the same rows, so a mailbox, calendar or address book has one
//! sharing model whatever protocol set it.
//!
//! `rights` is a bit set with one bit per RFC 4314 right (`rights::LOOKUP` … `rights::ADMIN`);
//! DAV's privileges are the named composites `rights::READ` and `rights::WRITE`. The owner is
//! never a grantee: it holds every right, always. A grant row also keeps whether the grantee
//! subscribed to the shared mailbox (IMAP SUBSCRIBE), which is the grantee's, not the owner's.
//!
//! What a non-owner *holds* (`rights_on`, `share`, `shares`) is its grant, or every right when
//! the owner made it a full-access delegate (`delegates.rights` with
//! `delegate_rights::FULL_ACCESS`): one join, so a folder listing costs no query per owner.
//! The rule and its callers are `relais_directory::access`; `grant` reads the row alone, for
//! changing it.

use crate::read::{COLLECTION_COLUMNS, collection_of};
use crate::sql::Row;
use crate::tx::Change;
use crate::{AccountId, ChangeKind, Collection, CollectionId, ReadTx, Result, WriteTx, params};

/// Rights a grant gives on a shared collection (`collection_grants.rights`): one bit per
/// RFC 4314 §2.1 right, and the composites DAV uses. The numbers are stored: never renumber.
///
/// The one mapping between the two protocols:
///
/// | DAV (RFC 3744)                            | rights                               | IMAP |
/// |-------------------------------------------|--------------------------------------|------|
/// | DAV:read                                  | `READ` = `LOOKUP` + `READ_ITEMS`     | `lr` |
/// | DAV:write, write-content, bind, unbind    | `WRITE` = `WRITE_FLAGS` + `INSERT` + `DELETE_ITEMS` + `EXPUNGE` | `wite` |
/// | owner only (write-acl, write-properties)  | `ADMIN`, `CREATE`, `DELETE_MAILBOX`  | `akx` |
///
/// DAV grants READ or READ + WRITE; a collection counts as readable over DAV with all of
/// `READ` and writable with all of `WRITE`. `KEEP_SEEN` and `POST` mean nothing to DAV.
pub mod rights {
    /// `l`: the mailbox is visible to LIST and LSUB.
    pub const LOOKUP: i64 = 1 << 0;
    /// `r`: SELECT, STATUS, FETCH, SEARCH, COPY from; reading resources over DAV.
    pub const READ_ITEMS: i64 = 1 << 1;
    /// `s`: keep the \Seen flag.
    pub const KEEP_SEEN: i64 = 1 << 2;
    /// `w`: change flags other than \Seen and \Deleted; change a resource over DAV.
    pub const WRITE_FLAGS: i64 = 1 << 3;
    /// `i`: APPEND, COPY and MOVE into; create a resource over DAV.
    pub const INSERT: i64 = 1 << 4;
    /// `p`: send mail to the mailbox's submission address (not enforced by IMAP).
    pub const POST: i64 = 1 << 5;
    /// `k`: create child mailboxes, or rename one into this one.
    pub const CREATE: i64 = 1 << 6;
    /// `x`: delete or rename the mailbox.
    pub const DELETE_MAILBOX: i64 = 1 << 7;
    /// `t`: set or clear \Deleted; with `EXPUNGE`, remove a resource over DAV.
    pub const DELETE_ITEMS: i64 = 1 << 8;
    /// `e`: EXPUNGE.
    pub const EXPUNGE: i64 = 1 << 9;
    /// `a`: read and change the ACL.
    pub const ADMIN: i64 = 1 << 10;
    /// No IMAP letter: see only the free and busy times of a calendar (`CALDAV:read-free-busy`,
    /// Exchange `FreeBusyTimeOnly`).
    pub const FREE_BUSY: i64 = 1 << 11;

    /// DAV:read.
    pub const READ: i64 = LOOKUP | READ_ITEMS;
    /// DAV:write (write-content, bind, unbind); DAV grants it with `READ`.
    pub const WRITE: i64 = WRITE_FLAGS | INSERT | DELETE_ITEMS | EXPUNGE;
    /// Every right: what the owner holds.
    pub const ALL: i64 = LOOKUP
        | READ_ITEMS
        | KEEP_SEEN
        | WRITE_FLAGS
        | INSERT
        | POST
        | CREATE
        | DELETE_MAILBOX
        | DELETE_ITEMS
        | EXPUNGE
        | ADMIN;

    /// Every bit a grant may store: the RFC 4314 rights and `FREE_BUSY`.
    pub const STORED: i64 = ALL | FREE_BUSY;

    /// True if `held` includes every right of `needed`.
    pub fn has(held: i64, needed: i64) -> bool {
        held & needed == needed
    }
}

/// What a delegate may do for a principal (`delegates.rights`, a stored bit set: never
/// renumber). `relais_directory::access::Delegation` is the typed view.
pub mod delegate_rights {
    /// Send with the principal's address as the sender.
    pub const SEND_AS: i64 = 1;
    /// Send on behalf of the principal (Sender: shows the delegate).
    pub const SEND_ON_BEHALF: i64 = 2;
    /// Open and change the principal's mailboxes, calendars and contacts: every right on
    /// each of its collections.
    pub const FULL_ACCESS: i64 = 4;
}

/// The rights a non-owner holds, in SQL: the grant `g` (may be NULL), or every right for a
/// full-access delegate `d` (may be NULL) of the collection's owner.
fn held_sql(grant: &str, delegation: &str) -> String {
    format!(
        "CASE WHEN (COALESCE({delegation}, 0) & {}) <> 0 THEN {} ELSE COALESCE({grant}, 0) END",
        delegate_rights::FULL_ACCESS,
        rights::STORED
    )
}

/// A collection of another account shared with a grantee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub collection: Collection,
    pub rights: i64,
    /// The grantee subscribed to it (IMAP).
    pub subscribed: bool,
}

fn pair(r: &Row) -> Result<(AccountId, i64)> {
    Ok((AccountId(r.int(0)?), r.int(1)?))
}

impl ReadTx<'_> {
    /// Who a collection is shared with, and with which rights.
    pub fn grants(&mut self, collection: CollectionId) -> Result<Vec<(AccountId, i64)>> {
        let rows = self.conn.query(
            "SELECT grantee_id, rights FROM collection_grants WHERE collection_id = $1 ORDER BY grantee_id",
            params![collection.0],
        )?;
        rows.iter().map(pair).collect()
    }

    /// The rights `grantee` holds by its grant row alone (0: none), for changing it.
    pub fn grant(&mut self, collection: CollectionId, grantee: AccountId) -> Result<i64> {
        let row = self.conn.query_one(
            "SELECT rights FROM collection_grants WHERE collection_id = $1 AND grantee_id = $2",
            params![collection.0, grantee.0],
        )?;
        row.map_or(Ok(0), |r| r.int(0))
    }

    /// The rights `grantee`, not the owner, holds on `collection`: its grant, or every right as
    /// a full-access delegate of the owner (0: none). Use `relais_directory::access::rights_on`,
    /// which knows the owner.
    pub fn rights_on(&mut self, collection: CollectionId, grantee: AccountId) -> Result<i64> {
        let sql = format!(
            "SELECT {} FROM collections c \
             LEFT JOIN collection_grants g ON g.collection_id = c.id AND g.grantee_id = $2 \
             LEFT JOIN delegates d ON d.principal_id = c.account_id AND d.delegate_id = $2 WHERE c.id = $1",
            held_sql("g.rights", "d.rights")
        );
        let row = self.conn.query_one(&sql, params![collection.0, grantee.0])?;
        row.map_or(Ok(0), |r| r.int(0))
    }

    /// The grant `grantee` holds on `collection` (rights held, as `rights_on`, and
    /// subscription), if any.
    pub fn share(&mut self, collection: CollectionId, grantee: AccountId) -> Result<Option<Share>> {
        let sql = format!(
            "SELECT {}, g.subscribed FROM collection_grants g JOIN collections c ON c.id = g.collection_id \
             LEFT JOIN delegates d ON d.principal_id = c.account_id AND d.delegate_id = g.grantee_id \
             WHERE g.collection_id = $1 AND g.grantee_id = $2",
            held_sql("g.rights", "d.rights")
        );
        let row = self.conn.query_one(&sql, params![collection.0, grantee.0])?;
        let Some(row) = row else { return Ok(None) };
        let collection = self.collection(collection)?;
        Ok(Some(Share { collection, rights: row.int(0)?, subscribed: row.int(1)? != 0 }))
    }

    /// Collections of other accounts shared with `grantee`, with the rights held.
    pub fn shared_with(&mut self, grantee: AccountId) -> Result<Vec<(Collection, i64)>> {
        Ok(self.shares(grantee)?.into_iter().map(|s| (s.collection, s.rights)).collect())
    }

    /// Collections of other accounts shared with `grantee`, with the rights held and the
    /// grantee's subscription.
    pub fn shares(&mut self, grantee: AccountId) -> Result<Vec<Share>> {
        // One query however many grants: a stranger may share thousands of mailboxes with
        // anyone, and the grantee's folder listing reads these on nearly every command.
        let columns: Vec<String> = COLLECTION_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect();
        let sql = format!(
            "SELECT {}, {}, g.subscribed FROM collection_grants g \
             JOIN collections c ON c.id = g.collection_id \
             LEFT JOIN delegates d ON d.principal_id = c.account_id AND d.delegate_id = g.grantee_id \
             WHERE g.grantee_id = $1 ORDER BY g.collection_id",
            columns.join(", "),
            held_sql("g.rights", "d.rights")
        );
        let rows = self.conn.query(&sql, params![grantee.0])?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(Share { collection: collection_of(&r)?, rights: r.int(11)?, subscribed: r.int(12)? != 0 });
        }
        Ok(out)
    }
}

impl WriteTx<'_> {
    /// Replaces who a collection is shared with (DAV ACL); the collection's state moves on.
    pub fn set_grants(&mut self, collection: CollectionId, grants: &[(AccountId, i64)]) -> Result<()> {
        let c = self.read().collection(collection)?;
        self.conn().execute("DELETE FROM collection_grants WHERE collection_id = $1", params![collection.0])?;
        for (grantee, r) in grants.iter().filter(|(g, r)| *r & rights::STORED != 0 && *g != c.account) {
            self.conn().execute(
                "INSERT INTO collection_grants (collection_id, grantee_id, rights) VALUES ($1, $2, $3)",
                params![collection.0, grantee.0, *r & rights::STORED],
            )?;
        }
        self.grants_changed(&c)
    }

    /// Sets the rights of one grantee (IMAP SETACL, DELETEACL with 0), keeping the others and
    /// the grantee's subscription. The owner cannot be a grantee.
    pub fn set_grant(&mut self, collection: CollectionId, grantee: AccountId, rights: i64) -> Result<()> {
        let c = self.read().collection(collection)?;
        if grantee == c.account {
            return Err(crate::Error::Invalid("the owner's rights cannot be changed".into()));
        }
        let rights = rights & rights::STORED;
        let existing = self.conn().query_one(
            "SELECT rights FROM collection_grants WHERE collection_id = $1 AND grantee_id = $2",
            params![collection.0, grantee.0],
        )?;
        match (existing, rights) {
            (None, 0) => {}
            (Some(_), 0) => {
                self.conn().execute(
                    "DELETE FROM collection_grants WHERE collection_id = $1 AND grantee_id = $2",
                    params![collection.0, grantee.0],
                )?;
            }
            (Some(_), r) => {
                self.conn().execute(
                    "UPDATE collection_grants SET rights = $1 WHERE collection_id = $2 AND grantee_id = $3",
                    params![r, collection.0, grantee.0],
                )?;
            }
            (None, r) => {
                self.conn().execute(
                    "INSERT INTO collection_grants (collection_id, grantee_id, rights) VALUES ($1, $2, $3)",
                    params![collection.0, grantee.0, r],
                )?;
            }
        }
        self.grants_changed(&c)
    }

    /// Records whether `grantee` subscribed to a collection shared with it; `NotFound` when
    /// it holds no grant there.
    pub fn set_share_subscribed(&mut self, collection: CollectionId, grantee: AccountId, on: bool) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE collection_grants SET subscribed = $1 WHERE collection_id = $2 AND grantee_id = $3",
            params![i64::from(on), collection.0, grantee.0],
        )?;
        if n == 0 {
            return Err(crate::Error::NotFound(format!("grant on {collection}")));
        }
        Ok(())
    }

    /// A change of sharing is a change of the collection: its modseq moves on.
    fn grants_changed(&mut self, c: &Collection) -> Result<()> {
        let modseq = self.log(c.account, Change::object(c.kind.data_type(), c.id.0, ChangeKind::Updated))?;
        self.conn().execute("UPDATE collections SET modseq = $1 WHERE id = $2", params![modseq.0 as i64, c.id.0])?;
        Ok(())
    }
}
