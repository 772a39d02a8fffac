//! The thread lookup table (`message_threads`): for each message, one row per Message-ID it
//! names (its own, In-Reply-To, References) as a 63-bit hash, with its base subject's hash and
//! its thread. The rule that picks a thread is relais-mail's (`thread`); the store only keeps
//! the rows, drops them with their message, and logs thread changes (`create_item`,
//! `destroy_item`), so JMAP Thread/changes and EAS/EWS conversations read one change log.

use crate::sql::Value;
use crate::{AccountId, ItemId, ReadTx, Result, WriteTx, params};

/// A thread that a message naming one of the looked-up ids belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadLink {
    pub thread: i64,
    /// The hash of that message's base subject.
    pub subject_hash: i64,
}

/// What a message contributes to the lookup table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadKey {
    /// Hashes of the Message-IDs it names, distinct, at most a few dozen.
    pub msgids: Vec<i64>,
    pub subject_hash: i64,
}

impl ReadTx<'_> {
    /// The threads of `account`'s messages that name any of `msgids`, oldest thread first.
    pub fn threads_naming(&mut self, account: AccountId, msgids: &[i64]) -> Result<Vec<ThreadLink>> {
        if msgids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..msgids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT DISTINCT thread_id, subject_hash FROM message_threads \
             WHERE account_id = $1 AND msgid_hash IN ({}) ORDER BY thread_id",
            placeholders.join(", ")
        );
        let mut values: Vec<Value> = Vec::with_capacity(msgids.len() + 1);
        values.push(Value::from(account.0));
        values.extend(msgids.iter().map(|h| Value::from(*h)));
        let rows = self.conn.query(&sql, &values)?;
        rows.iter().map(|r| Ok(ThreadLink { thread: r.int(0)?, subject_hash: r.int(1)? })).collect()
    }

    /// The messages of a thread, oldest first.
    pub fn thread_messages(&mut self, thread: i64) -> Result<Vec<ItemId>> {
        let rows = self.conn.query("SELECT id FROM items WHERE thread_id = $1 ORDER BY id", params![thread])?;
        rows.iter().map(|r| Ok(ItemId(r.int(0)?))).collect()
    }
}

impl WriteTx<'_> {
    /// Records what `item` (a message of `account` in `thread`) names, for later messages.
    pub fn link_thread(&mut self, account: AccountId, item: ItemId, thread: i64, key: &ThreadKey) -> Result<()> {
        for h in &key.msgids {
            self.conn().execute(
                "INSERT INTO message_threads (account_id, msgid_hash, subject_hash, thread_id, item_id) \
                 VALUES ($1, $2, $3, $4, $5)",
                params![account.0, *h, key.subject_hash, thread, item.0],
            )?;
        }
        Ok(())
    }
}
