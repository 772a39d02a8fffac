//! The identities an account sends as (migration 0024; JMAP Identity, RFC 8621 §6): an address
//! and its setting, opaque JSON to the store (relais-mail's `identity` gives it meaning and
//! decides who may write what). The account's own identity has no row until its setting is
//! saved (`own`); its change-log id is 0, every other identity's is its row's id, which is never
//! reused (`snapshot::SEQUENCED`). Every write is one change of `DataType::Identity`.

use crate::tx::Change;
use crate::{AccountId, ChangeKind, DataType, Error, ReadTx, Result, WriteTx, params};

/// One stored identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredIdentity {
    /// The row's id; the own identity's row has one too, but is named 0 in the change log.
    pub id: i64,
    /// The account's own identity (its address is the principal's, `email` is empty).
    pub own: bool,
    pub email: String,
    pub setting: String,
}

impl ReadTx<'_> {
    /// The account's stored identities, own first, then oldest first.
    pub fn identities(&mut self, account: AccountId) -> Result<Vec<StoredIdentity>> {
        let rows = self.conn.query(
            "SELECT id, own, email, setting FROM identities WHERE account_id = $1 ORDER BY own DESC, id",
            params![account.0],
        )?;
        rows.into_iter()
            .map(|r| Ok(StoredIdentity { id: r.int(0)?, own: r.int(1)? == 1, email: r.text(2)?, setting: r.text(3)? }))
            .collect()
    }
}

impl WriteTx<'_> {
    /// Adds an identity unless the account already has `at_most` (its own row not counted);
    /// returns its id.
    pub fn create_identity(&mut self, account: AccountId, email: &str, setting: &str, at_most: u32) -> Result<i64> {
        // Lock the account first, so that concurrent creations count one after the other.
        self.modseq(account)?;
        let count = self
            .conn()
            .query_one("SELECT COUNT(*) FROM identities WHERE account_id = $1 AND own = 0", params![account.0])?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0);
        if count >= i64::from(at_most) {
            return Err(Error::Limit(format!("an account has at most {at_most} identities")));
        }
        let row = self.conn().query_one(
            "INSERT INTO identities (account_id, own, email, setting) VALUES ($1, 0, $2, $3) RETURNING id",
            params![account.0, email, setting],
        )?;
        let id = row.ok_or_else(|| Error::Corrupt("no identity id".into()))?.int(0)?;
        self.log(account, Change::object(DataType::Identity, id, ChangeKind::Created))?;
        Ok(id)
    }

    /// Replaces an identity's setting; false if the account has no identity `id`.
    pub fn update_identity(&mut self, account: AccountId, id: i64, setting: &str) -> Result<bool> {
        let changed = self.conn().execute(
            "UPDATE identities SET setting = $3 WHERE account_id = $1 AND id = $2 AND own = 0",
            params![account.0, id, setting],
        )?;
        if changed > 0 {
            self.log(account, Change::object(DataType::Identity, id, ChangeKind::Updated))?;
        }
        Ok(changed > 0)
    }

    /// Saves the setting of the account's own identity (change-log id 0).
    pub fn set_own_identity(&mut self, account: AccountId, setting: &str) -> Result<()> {
        // Lock the account first: two first saves at once would both insert the own row (on
        // PostgreSQL the second would then break `identities_own`).
        self.modseq(account)?;
        let changed = self.conn().execute(
            "UPDATE identities SET setting = $2 WHERE account_id = $1 AND own = 1",
            params![account.0, setting],
        )?;
        if changed == 0 {
            self.conn().execute(
                "INSERT INTO identities (account_id, own, email, setting) VALUES ($1, 1, '', $2)",
                params![account.0, setting],
            )?;
        }
        self.log(account, Change::object(DataType::Identity, 0, ChangeKind::Updated))?;
        Ok(())
    }

    /// Removes an identity (never the own one); false if the account has no identity `id`.
    pub fn destroy_identity(&mut self, account: AccountId, id: i64) -> Result<bool> {
        let gone = self
            .conn()
            .execute("DELETE FROM identities WHERE account_id = $1 AND id = $2 AND own = 0", params![account.0, id])?;
        if gone > 0 {
            self.log(account, Change::object(DataType::Identity, id, ChangeKind::Destroyed))?;
        }
        Ok(gone > 0)
    }
}
