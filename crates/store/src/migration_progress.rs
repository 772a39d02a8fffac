//! How far a migration in from another IMAP server has come (`relais admin migrate imap`): per
//! account, source (the server and login, as the migrator names it) and source folder, the
//! folder's UIDVALIDITY and the highest UID stored here. The migrator writes it in the same
//! transaction as the messages it appends, so the two never disagree after an interruption.
//! With them, which item each source message became (`migration_messages`) and the folder's
//! HIGHESTMODSEQ when last read, so that a re-run brings the source's flag changes. For
//! `relais admin migrate dav`, per source object the source's ETag and the one it got here
//! (`migration_objects`), so that a re-run reads only what the source changed and never
//! overwrites what was changed here.

use std::collections::HashMap;

use crate::{AccountId, ItemId, ReadTx, Result, WriteTx, params};

/// One source folder's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationProgress {
    pub folder: String,
    /// The source folder's UIDVALIDITY when `last_uid` was recorded (RFC 9051 §2.3.1.1).
    pub uidvalidity: u32,
    /// Every message of the folder with a UID up to this one is stored here.
    pub last_uid: u32,
    /// Unix seconds of the last update.
    pub updated_at: i64,
    /// The source folder's HIGHESTMODSEQ when its flags were last read (0: unknown).
    pub highest_modseq: u64,
}

impl ReadTx<'_> {
    /// The progress recorded for `folder` of `source`, if any.
    pub fn migration_progress(
        &mut self,
        account: AccountId,
        source: &str,
        folder: &str,
    ) -> Result<Option<MigrationProgress>> {
        let row = self.conn.query_one(
            "SELECT folder, uidvalidity, last_uid, updated_at, highest_modseq FROM migration_progress \
             WHERE account_id = $1 AND source = $2 AND folder = $3",
            params![account.0, source, folder],
        )?;
        row.map(|r| {
            Ok(MigrationProgress {
                folder: r.text(0)?,
                uidvalidity: u32::try_from(r.int(1)?).unwrap_or(0),
                last_uid: u32::try_from(r.int(2)?).unwrap_or(0),
                updated_at: r.int(3)?,
                highest_modseq: u64::try_from(r.int(4)?).unwrap_or(0),
            })
        })
        .transpose()
    }

    /// Every folder of `source` with progress recorded, by name.
    pub fn migration_sources(&mut self, account: AccountId, source: &str) -> Result<Vec<MigrationProgress>> {
        let rows = self.conn.query(
            "SELECT folder, uidvalidity, last_uid, updated_at, highest_modseq FROM migration_progress \
             WHERE account_id = $1 AND source = $2 ORDER BY folder",
            params![account.0, source],
        )?;
        rows.iter()
            .map(|r| {
                Ok(MigrationProgress {
                    folder: r.text(0)?,
                    uidvalidity: u32::try_from(r.int(1)?).unwrap_or(0),
                    last_uid: u32::try_from(r.int(2)?).unwrap_or(0),
                    updated_at: r.int(3)?,
                    highest_modseq: u64::try_from(r.int(4)?).unwrap_or(0),
                })
            })
            .collect()
    }
}

impl ReadTx<'_> {
    /// Which item each migrated message of `folder` of `source` became, by source UID.
    pub fn migrated_items(&mut self, account: AccountId, source: &str, folder: &str) -> Result<HashMap<u32, ItemId>> {
        let rows = self.conn.query(
            "SELECT uid, item_id FROM migration_messages WHERE account_id = $1 AND source = $2 AND folder = $3",
            params![account.0, source, folder],
        )?;
        rows.iter().map(|r| Ok((u32::try_from(r.int(0)?).unwrap_or(0), ItemId(r.int(1)?)))).collect()
    }
}

impl WriteTx<'_> {
    /// Records that source UIDs of `folder` became these items (written with the messages).
    pub fn map_migrated(
        &mut self,
        account: AccountId,
        source: &str,
        folder: &str,
        messages: &[(u32, ItemId)],
    ) -> Result<()> {
        for (uid, item) in messages {
            self.conn().execute(
                "INSERT INTO migration_messages (account_id, source, folder, uid, item_id) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (account_id, source, folder, uid) DO UPDATE SET item_id = excluded.item_id",
                params![account.0, source, folder, i64::from(*uid), item.0],
            )?;
        }
        Ok(())
    }

    /// Records the source folder's HIGHESTMODSEQ as of the flags just brought over.
    pub fn set_migration_modseq(&mut self, account: AccountId, source: &str, folder: &str, modseq: u64) -> Result<()> {
        self.conn().execute(
            "UPDATE migration_progress SET highest_modseq = $4 WHERE account_id = $1 AND source = $2 AND folder = $3",
            params![account.0, source, folder, i64::try_from(modseq).unwrap_or(i64::MAX)],
        )?;
        Ok(())
    }

    /// Records that `folder` of `source` is stored up to `last_uid` under `uidvalidity`. A
    /// new UIDVALIDITY replaces the old record; under the same one the record never goes back.
    pub fn set_migration_progress(
        &mut self,
        account: AccountId,
        source: &str,
        folder: &str,
        uidvalidity: u32,
        last_uid: u32,
    ) -> Result<()> {
        let now = self.now();
        let current = self.read().migration_progress(account, source, folder)?;
        let (validity, uid) = (i64::from(uidvalidity), i64::from(last_uid));
        match current {
            None => {
                self.conn().execute(
                    "INSERT INTO migration_progress (account_id, source, folder, uidvalidity, last_uid, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    params![account.0, source, folder, validity, uid, now],
                )?;
            }
            Some(p) if p.uidvalidity == uidvalidity && p.last_uid >= last_uid => {}
            Some(p) => {
                // Another UIDVALIDITY: the old UIDs, their items and their modseq mean nothing now.
                let renumbered = p.uidvalidity != uidvalidity;
                if renumbered {
                    self.conn().execute(
                        "DELETE FROM migration_messages WHERE account_id = $1 AND source = $2 AND folder = $3",
                        params![account.0, source, folder],
                    )?;
                }
                self.conn().execute(
                    "UPDATE migration_progress SET uidvalidity = $4, last_uid = $5, updated_at = $6, \
                     highest_modseq = CASE WHEN $7 = 1 THEN 0 ELSE highest_modseq END \
                     WHERE account_id = $1 AND source = $2 AND folder = $3",
                    params![account.0, source, folder, validity, uid, now, i64::from(renumbered)],
                )?;
            }
        }
        Ok(())
    }
}

/// What a CalDAV/CardDAV migration last brought over of one source object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigratedObject {
    /// The source's ETag of the version brought over.
    pub source_etag: String,
    /// The ETag that version got here; another one now means it was changed here since.
    pub local_etag: String,
}

impl ReadTx<'_> {
    /// The objects of source collection `collection` of `source` brought over before, by
    /// resource name.
    pub fn migrated_objects(
        &mut self,
        account: AccountId,
        source: &str,
        collection: &str,
    ) -> Result<HashMap<String, MigratedObject>> {
        let rows = self.conn.query(
            "SELECT name, source_etag, local_etag FROM migration_objects \
             WHERE account_id = $1 AND source = $2 AND collection = $3",
            params![account.0, source, collection],
        )?;
        rows.iter()
            .map(|r| Ok((r.text(0)?, MigratedObject { source_etag: r.text(1)?, local_etag: r.text(2)? })))
            .collect()
    }
}

impl WriteTx<'_> {
    /// Records the versions, at the source and here, of an object just brought over (or found
    /// the same on both sides).
    pub fn map_migrated_object(
        &mut self,
        account: AccountId,
        source: &str,
        collection: &str,
        name: &str,
        object: &MigratedObject,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO migration_objects (account_id, source, collection, name, source_etag, local_etag) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, source, collection, name) \
             DO UPDATE SET source_etag = excluded.source_etag, local_etag = excluded.local_etag",
            params![account.0, source, collection, name, object.source_etag.as_str(), object.local_etag.as_str()],
        )?;
        Ok(())
    }
}
