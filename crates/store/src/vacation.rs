//! Out-of-office rows: an account's setting (opaque JSON; relais-mail's `vacation` gives it
//! meaning) and the senders answered in the current period.

use crate::tx::Change;
use crate::{AccountId, ChangeKind, DataType, ReadTx, Result, WriteTx, params};

impl ReadTx<'_> {
    /// The account's out-of-office setting, if one was ever saved.
    pub fn vacation(&mut self, account: AccountId) -> Result<Option<String>> {
        let row = self.conn.query_one("SELECT setting FROM vacations WHERE account_id = $1", params![account.0])?;
        row.map(|r| r.text(0)).transpose()
    }
}

impl WriteTx<'_> {
    /// Saves the setting and forgets who was answered: a new setting is a new period
    /// (RFC 5230 §4.2 does the same for a changed :handle).
    pub fn set_vacation(&mut self, account: AccountId, setting: &str) -> Result<()> {
        let changed = self
            .conn()
            .execute("UPDATE vacations SET setting = $2 WHERE account_id = $1", params![account.0, setting])?;
        if changed == 0 {
            self.conn()
                .execute("INSERT INTO vacations (account_id, setting) VALUES ($1, $2)", params![account.0, setting])?;
        }
        self.conn().execute("DELETE FROM vacation_replies WHERE account_id = $1", params![account.0])?;
        let kind = if changed == 0 { ChangeKind::Created } else { ChangeKind::Updated };
        self.log(account, Change::object(DataType::VacationResponse, account.0, kind))?;
        Ok(())
    }

    /// Records a reply to `sender` unless one went out after `since`; true if the caller
    /// should send it. Concurrent deliveries from one sender get one reply: the writes of
    /// an account are serialised, and the row is read and written in one transaction.
    pub fn claim_vacation_reply(&mut self, account: AccountId, sender: &str, since: i64) -> Result<bool> {
        let now = self.now();
        let last = self.conn().query_one(
            "SELECT sent_at FROM vacation_replies WHERE account_id = $1 AND sender = $2",
            params![account.0, sender],
        )?;
        match last {
            Some(r) if r.int(0)? > since => Ok(false),
            Some(_) => {
                self.conn().execute(
                    "UPDATE vacation_replies SET sent_at = $3 WHERE account_id = $1 AND sender = $2",
                    params![account.0, sender, now],
                )?;
                Ok(true)
            }
            None => {
                self.conn().execute(
                    "INSERT INTO vacation_replies (account_id, sender, sent_at) VALUES ($1, $2, $3)",
                    params![account.0, sender, now],
                )?;
                Ok(true)
            }
        }
    }
}
