//! Mailbox subscriptions by name (IMAP SUBSCRIBE/LSUB, RFC 9051 §6.3.7-8): an account's own
//! list of full mailbox names, kept apart from the mailboxes so that a deleted mailbox stays
//! subscribed (RFC 3501 §6.3.6: the server must not remove a name on its own) and creating one
//! subscribes nothing. Subscriptions to other accounts' shared mailboxes are on the grant
//! (`set_share_subscribed`).

use crate::{AccountId, ReadTx, Result, WriteTx, params};

impl ReadTx<'_> {
    /// The names the account subscribed to, sorted by bytes (not by a database collation).
    pub fn subscriptions(&mut self, account: AccountId) -> Result<Vec<String>> {
        let rows =
            self.conn.query("SELECT name FROM mailbox_subscriptions WHERE account_id = $1", params![account.0])?;
        let mut names = rows.iter().map(|r| r.text(0)).collect::<Result<Vec<String>>>()?;
        names.sort();
        Ok(names)
    }

    /// True if the account subscribed to `name`.
    pub fn is_subscribed(&mut self, account: AccountId, name: &str) -> Result<bool> {
        let sql = "SELECT 1 FROM mailbox_subscriptions WHERE account_id = $1 AND name = $2";
        Ok(self.conn.query_one(sql, params![account.0, name])?.is_some())
    }
}

impl WriteTx<'_> {
    /// Adds `name` to the account's subscriptions (`on`) or removes it; true if that changed
    /// anything.
    pub fn set_subscription(&mut self, account: AccountId, name: &str, on: bool) -> Result<bool> {
        let there = self.read().is_subscribed(account, name)?;
        if there == on {
            return Ok(false);
        }
        let sql = if on {
            "INSERT INTO mailbox_subscriptions (account_id, name) VALUES ($1, $2)"
        } else {
            "DELETE FROM mailbox_subscriptions WHERE account_id = $1 AND name = $2"
        };
        self.conn().execute(sql, params![account.0, name])?;
        Ok(true)
    }

    /// Moves the subscriptions of `from` and of the names under it (`from` + `separator` + …)
    /// to `to`: a renamed mailbox keeps its subscribers, as its children do.
    pub fn rename_subscriptions(&mut self, account: AccountId, from: &str, to: &str, separator: char) -> Result<()> {
        let prefix = format!("{from}{separator}");
        let moved: Vec<String> =
            self.read().subscriptions(account)?.into_iter().filter(|n| n == from || n.starts_with(&prefix)).collect();
        for old in moved {
            let new = format!("{to}{}", &old[from.len()..]);
            self.set_subscription(account, &old, false)?;
            self.set_subscription(account, &new, true)?;
        }
        Ok(())
    }
}
