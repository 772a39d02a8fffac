//! IMAP's \Recent (RFC 3501 §2.3.2): per mailbox, `collections.recent_uid`, the highest UID a
//! session has already claimed. A message above it is recent for the one session that claims
//! it next; the claim is atomic, so no two sessions see the same message as recent. Claiming
//! is not a change of the mailbox: it logs nothing, bumps no modseq and notifies nobody.

use crate::{CollectionId, Error, ReadTx, Result, Uid, WriteTx, params};

impl ReadTx<'_> {
    /// The highest UID of `mailbox` already claimed as recent (0 when none was).
    pub fn recent_uid(&mut self, mailbox: CollectionId) -> Result<Uid> {
        let row = self
            .conn
            .query_one("SELECT recent_uid FROM collections WHERE id = $1", params![mailbox.0])?
            .ok_or_else(|| Error::NotFound(format!("mailbox {mailbox}")))?;
        Ok(uid_of(row.int(0)?))
    }

    /// How many messages of `mailbox` no session has claimed as recent yet (STATUS RECENT).
    pub fn unclaimed_recent(&mut self, mailbox: CollectionId) -> Result<u32> {
        let row = self.conn.query_one(
            "SELECT count(*) FROM mailbox_messages m JOIN collections c ON c.id = m.mailbox_id \
             WHERE m.mailbox_id = $1 AND m.uid > c.recent_uid",
            params![mailbox.0],
        )?;
        Ok(row.map(|r| r.int(0)).transpose()?.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)))
    }
}

impl WriteTx<'_> {
    /// Claims every UID of `mailbox` up to `upto` as recent and returns the highest UID claimed
    /// before: the caller's recent messages are those above it and at most `upto`. A claim
    /// below the watermark claims nothing and leaves it where it is.
    ///
    /// The first statement writes the row, so on PostgreSQL it waits for a concurrent claim
    /// to commit and then reads what it wrote (READ COMMITTED re-reads an updated row); from
    /// then on the row is locked until this transaction ends. SQLite has one writer.
    pub fn claim_recent(&mut self, mailbox: CollectionId, upto: Uid) -> Result<Uid> {
        let row = self
            .conn()
            .query_one(
                "UPDATE collections SET recent_uid = recent_uid WHERE id = $1 RETURNING recent_uid",
                params![mailbox.0],
            )?
            .ok_or_else(|| Error::NotFound(format!("mailbox {mailbox}")))?;
        let before = uid_of(row.int(0)?);
        if upto > before {
            self.conn().execute(
                "UPDATE collections SET recent_uid = $2 WHERE id = $1",
                params![mailbox.0, i64::from(upto.0)],
            )?;
        }
        Ok(before)
    }
}

fn uid_of(n: i64) -> Uid {
    Uid(u32::try_from(n).unwrap_or(0))
}
