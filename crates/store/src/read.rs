//! Reads, on a consistent snapshot (`Store::read`) or inside a write (`WriteTx::read`).

use crate::sql::{Conn, Row};
use crate::{
    AccountId, BlobHash, ChangeKind, Changes, Collection, CollectionId, CollectionKind, DataType, Error, Item, ItemId,
    MailboxChange, MailboxEntry, MailboxMessage, Modseq, Result, Uid, params,
};

pub struct ReadTx<'c> {
    pub(crate) conn: &'c mut dyn Conn,
}

pub(crate) const COLLECTION_COLUMNS: &str =
    "id, account_id, kind, name, parent_id, role, uidvalidity, uidnext, modseq, subscribed, props";
pub(crate) const ITEM_COLUMNS: &str = "id, account_id, data_type, collection_id, blob_hash, size, modseq, \
     created_modseq, received_at, keywords, thread_id, uid_text, start_utc, end_utc, summary, name";

/// Ids looked up by one query of `ReadTx::items` (well under every backend's parameter limit).
const ITEMS_PER_QUERY: usize = 500;

pub(crate) fn kind_code(k: CollectionKind) -> i64 {
    k.data_type() as i64
}

pub(crate) fn modseq_of(v: i64) -> Modseq {
    Modseq(u64::try_from(v).unwrap_or(0))
}

pub(crate) fn collection_of(r: &Row) -> Result<Collection> {
    let kind = DataType::from_i64(r.int(2)?)
        .and_then(CollectionKind::from_data_type)
        .ok_or_else(|| Error::Corrupt("collection kind".into()))?;
    Ok(Collection {
        id: CollectionId(r.int(0)?),
        account: AccountId(r.int(1)?),
        kind,
        name: r.text(3)?,
        parent: r.opt_int(4)?.map(CollectionId),
        role: r.opt_text(5)?,
        uid_validity: u32::try_from(r.int(6)?).unwrap_or(0),
        uid_next: u32::try_from(r.int(7)?).unwrap_or(0),
        modseq: modseq_of(r.int(8)?),
        subscribed: r.int(9)? != 0,
        props: r.text(10)?,
    })
}

pub(crate) fn item_of(r: &Row) -> Result<Item> {
    Ok(Item {
        id: ItemId(r.int(0)?),
        account: AccountId(r.int(1)?),
        data_type: DataType::from_i64(r.int(2)?).ok_or_else(|| Error::Corrupt("item type".into()))?,
        collection: r.opt_int(3)?.map(CollectionId),
        blob: r
            .opt_text(4)?
            .map(|h| BlobHash::parse(&h).ok_or_else(|| Error::Corrupt(format!("blob hash {h:?}"))))
            .transpose()?,
        size: u64::try_from(r.int(5)?).unwrap_or(0),
        modseq: modseq_of(r.int(6)?),
        created_modseq: modseq_of(r.int(7)?),
        received_at: r.int(8)?,
        keywords: r.text(9)?.split(' ').filter(|k| !k.is_empty()).map(str::to_owned).collect(),
        thread_id: r.opt_int(10)?,
        uid_text: r.opt_text(11)?,
        start_utc: r.opt_int(12)?,
        end_utc: r.opt_int(13)?,
        summary: r.text(14)?,
        name: r.opt_text(15)?,
    })
}

impl<'c> ReadTx<'c> {
    pub(crate) fn new(conn: &'c mut dyn Conn) -> Self {
        ReadTx { conn }
    }

    /// The underlying connection, for the directory's queries in this crate.
    pub(crate) fn conn(&mut self) -> &mut dyn Conn {
        self.conn
    }

    pub fn account_modseq(&mut self, account: AccountId) -> Result<Modseq> {
        let row = self.conn.query_one("SELECT modseq FROM accounts WHERE id = $1", params![account.0])?;
        Ok(modseq_of(row.ok_or_else(|| Error::NotFound(format!("account {account}")))?.int(0)?))
    }

    pub fn collection(&mut self, id: CollectionId) -> Result<Collection> {
        let sql = format!("SELECT {COLLECTION_COLUMNS} FROM collections WHERE id = $1");
        let row = self.conn.query_one(&sql, params![id.0])?;
        collection_of(&row.ok_or_else(|| Error::NotFound(format!("collection {id}")))?)
    }

    pub fn collections(&mut self, account: AccountId, kind: CollectionKind) -> Result<Vec<Collection>> {
        let sql =
            format!("SELECT {COLLECTION_COLUMNS} FROM collections WHERE account_id = $1 AND kind = $2 ORDER BY id");
        self.conn.query(&sql, params![account.0, kind_code(kind)])?.iter().map(collection_of).collect()
    }

    pub fn collection_by_role(
        &mut self,
        account: AccountId,
        kind: CollectionKind,
        role: &str,
    ) -> Result<Option<Collection>> {
        let sql = format!(
            "SELECT {COLLECTION_COLUMNS} FROM collections WHERE account_id = $1 AND kind = $2 AND role = $3 ORDER BY id LIMIT 1"
        );
        self.conn.query_one(&sql, params![account.0, kind_code(kind), role])?.as_ref().map(collection_of).transpose()
    }

    /// The account's first mailbox with `role`.
    pub fn mailbox_by_role(&mut self, account: AccountId, role: crate::MailboxRole) -> Result<Option<Collection>> {
        self.collection_by_role(account, CollectionKind::Mailbox, role.as_str())
    }

    pub fn item(&mut self, id: ItemId) -> Result<Item> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = $1");
        let row = self.conn.query_one(&sql, params![id.0])?;
        item_of(&row.ok_or_else(|| Error::NotFound(format!("item {id}")))?)
    }

    /// Items of an event/contact/task collection.
    pub fn items_in(&mut self, collection: CollectionId) -> Result<Vec<Item>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE collection_id = $1 ORDER BY id");
        self.conn.query(&sql, params![collection.0])?.iter().map(item_of).collect()
    }

    /// Items of a collection that overlap [start, end) in UTC seconds (CalDAV time-range).
    pub fn items_in_range(&mut self, collection: CollectionId, start: i64, end: i64) -> Result<Vec<Item>> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM items WHERE collection_id = $1 AND start_utc < $2 \
             AND coalesce(end_utc, start_utc) >= $3 ORDER BY start_utc, id"
        );
        self.conn.query(&sql, params![collection.0, end, start])?.iter().map(item_of).collect()
    }

    pub fn item_by_uid_text(&mut self, account: AccountId, uid: &str) -> Result<Vec<Item>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE account_id = $1 AND uid_text = $2 ORDER BY id");
        self.conn.query(&sql, params![account.0, uid])?.iter().map(item_of).collect()
    }

    /// The messages of a mailbox in UID order.
    pub fn mailbox_entries(&mut self, mailbox: CollectionId) -> Result<Vec<MailboxEntry>> {
        let rows = self.conn.query(
            "SELECT uid, item_id, modseq FROM mailbox_messages WHERE mailbox_id = $1 ORDER BY uid",
            params![mailbox.0],
        )?;
        rows.iter()
            .map(|r| {
                Ok(MailboxEntry {
                    uid: Uid(u32::try_from(r.int(0)?).unwrap_or(0)),
                    item: ItemId(r.int(1)?),
                    modseq: modseq_of(r.int(2)?),
                })
            })
            .collect()
    }

    /// The messages of a mailbox in UID order, with what a mail client lists about each: one
    /// query, however many messages.
    pub fn mailbox_messages(&mut self, mailbox: CollectionId) -> Result<Vec<MailboxMessage>> {
        let rows = self.conn.query(
            "SELECT m.uid, m.item_id, m.modseq, i.size, i.received_at, i.keywords, i.blob_hash \
             FROM mailbox_messages m JOIN items i ON i.id = m.item_id WHERE m.mailbox_id = $1 ORDER BY m.uid",
            params![mailbox.0],
        )?;
        rows.iter().map(mailbox_message).collect()
    }

    /// The message of a mailbox with UID `uid`, if it is there.
    pub fn mailbox_message(&mut self, mailbox: CollectionId, uid: Uid) -> Result<Option<MailboxMessage>> {
        let row = self.conn.query_one(
            "SELECT m.uid, m.item_id, m.modseq, i.size, i.received_at, i.keywords, i.blob_hash \
             FROM mailbox_messages m JOIN items i ON i.id = m.item_id WHERE m.mailbox_id = $1 AND m.uid = $2",
            params![mailbox.0, i64::from(uid.0)],
        )?;
        row.as_ref().map(mailbox_message).transpose()
    }

    /// The stored summary (JSON) of every message of a mailbox: one query, however many
    /// messages (IMAP SEARCH on headers, SORT, THREAD).
    pub fn mailbox_summaries(&mut self, mailbox: CollectionId) -> Result<Vec<(ItemId, String)>> {
        let rows = self.conn.query(
            "SELECT m.item_id, i.summary FROM mailbox_messages m JOIN items i ON i.id = m.item_id \
             WHERE m.mailbox_id = $1",
            params![mailbox.0],
        )?;
        rows.iter().map(|r| Ok((ItemId(r.int(0)?), r.text(1)?))).collect()
    }

    /// Every message of a mailbox with its thread (its own id when it has none) and keywords:
    /// one query, however many messages (JMAP Mailbox thread counts).
    pub fn mailbox_threads(&mut self, mailbox: CollectionId) -> Result<Vec<(ItemId, i64, Vec<String>)>> {
        let rows = self.conn.query(
            "SELECT m.item_id, coalesce(i.thread_id, i.id), i.keywords FROM mailbox_messages m \
             JOIN items i ON i.id = m.item_id WHERE m.mailbox_id = $1 ORDER BY m.uid",
            params![mailbox.0],
        )?;
        rows.iter()
            .map(|r| {
                let keywords = r.text(2)?.split(' ').filter(|k| !k.is_empty()).map(str::to_owned).collect();
                Ok((ItemId(r.int(0)?), r.int(1)?, keywords))
            })
            .collect()
    }

    /// A page of a mailbox's messages, newest first (by received date, then by id, newest
    /// first too): from the `skip`th, at most `take`; with `collapse`, only the first of each
    /// thread in that order (JMAP Email/query of one mailbox sorted by receivedAt, collapsed
    /// or not, RFC 8621 §4.4.3). Read in order from the (mailbox, received date, id) index,
    /// a page at a time: the cost is the page's, not the mailbox's.
    pub fn mailbox_newest(
        &mut self,
        mailbox: CollectionId,
        collapse: bool,
        skip: usize,
        take: usize,
    ) -> Result<Vec<ItemId>> {
        const PAGE: i64 = 512;
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        if take == 0 {
            return Ok(Vec::new());
        }
        if !collapse {
            let rows = self.conn.query(
                "SELECT item_id FROM mailbox_messages WHERE mailbox_id = $1 \
                 ORDER BY received_at DESC, item_id DESC LIMIT $2 OFFSET $3",
                params![mailbox.0, count(take), count(skip)],
            )?;
            return rows.iter().map(|r| Ok(ItemId(r.int(0)?))).collect();
        }
        let (mut out, mut threads, mut distinct) = (Vec::new(), std::collections::HashSet::new(), 0usize);
        // The last row read: the next page starts after it.
        let mut after: Option<(i64, i64)> = None;
        loop {
            let rows = match after {
                None => self.conn.query(
                    "SELECT m.item_id, coalesce(i.thread_id, i.id), m.received_at FROM mailbox_messages m \
                     JOIN items i ON i.id = m.item_id WHERE m.mailbox_id = $1 \
                     ORDER BY m.received_at DESC, m.item_id DESC LIMIT $2",
                    params![mailbox.0, PAGE],
                )?,
                Some((at, id)) => self.conn.query(
                    "SELECT m.item_id, coalesce(i.thread_id, i.id), m.received_at FROM mailbox_messages m \
                     JOIN items i ON i.id = m.item_id WHERE m.mailbox_id = $1 \
                     AND (m.received_at < $2 OR (m.received_at = $2 AND m.item_id < $3)) \
                     ORDER BY m.received_at DESC, m.item_id DESC LIMIT $4",
                    params![mailbox.0, at, id, PAGE],
                )?,
            };
            for r in rows.iter() {
                let (item, thread, at) = (r.int(0)?, r.int(1)?, r.int(2)?);
                after = Some((at, item));
                if !threads.insert(thread) {
                    continue;
                }
                if distinct >= skip {
                    out.push(ItemId(item));
                    if out.len() == take {
                        return Ok(out);
                    }
                }
                distinct += 1;
            }
            if (rows.len() as i64) < PAGE {
                return Ok(out);
            }
        }
    }

    /// How many messages a mailbox holds, or with `collapse` how many threads they are in.
    pub fn mailbox_total(&mut self, mailbox: CollectionId, collapse: bool) -> Result<u64> {
        let sql = if collapse {
            "SELECT count(DISTINCT coalesce(i.thread_id, i.id)) FROM mailbox_messages m \
             JOIN items i ON i.id = m.item_id WHERE m.mailbox_id = $1"
        } else {
            "SELECT count(*) FROM mailbox_messages WHERE mailbox_id = $1"
        };
        let row = self.conn.query_one(sql, params![mailbox.0])?;
        Ok(row.map_or(Ok(0), |r| r.int(0))?.try_into().unwrap_or(0))
    }

    /// The items among `ids` that exist, in id order: a query per `ITEMS_PER_QUERY` ids,
    /// not one per item.
    pub fn items(&mut self, ids: &[ItemId]) -> Result<Vec<Item>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ITEMS_PER_QUERY) {
            let list: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE id IN ({}) ORDER BY id", list.join(", "));
            let values: Vec<crate::sql::Value> = chunk.iter().map(|i| crate::sql::Value::Int(i.0)).collect();
            out.extend(self.conn.query(&sql, &values)?.iter().map(item_of).collect::<Result<Vec<_>>>()?);
        }
        out.sort_by_key(|i| i.id);
        out.dedup_by_key(|i| i.id);
        Ok(out)
    }

    /// The mailboxes a message is in, with its UID in each.
    pub fn mailboxes_of(&mut self, item: ItemId) -> Result<Vec<(CollectionId, Uid)>> {
        let rows = self.conn.query(
            "SELECT mailbox_id, uid FROM mailbox_messages WHERE item_id = $1 ORDER BY mailbox_id",
            params![item.0],
        )?;
        rows.iter().map(|r| Ok((CollectionId(r.int(0)?), Uid(u32::try_from(r.int(1)?).unwrap_or(0))))).collect()
    }

    /// A state older than the log's window, or newer than the account (a restored backup, a
    /// client of another server), cannot be answered incrementally.
    pub(crate) fn check_window(&mut self, account: AccountId, since: Modseq) -> Result<()> {
        let row =
            self.conn.query_one("SELECT trimmed_modseq, modseq FROM accounts WHERE id = $1", params![account.0])?;
        let row = row.ok_or_else(|| Error::NotFound(format!("account {account}")))?;
        let (oldest, current) = (modseq_of(row.int(0)?), modseq_of(row.int(1)?));
        if since < oldest || since > current {
            return Err(Error::ChangesTooOld { since: since.0, oldest: oldest.0 });
        }
        Ok(())
    }

    /// What changed in objects of `data_type` after `since`: each id appears once, in the list
    /// of its net change (created then destroyed in the window: not at all).
    pub fn changes_since(&mut self, account: AccountId, data_type: DataType, since: Modseq) -> Result<Changes> {
        self.check_window(account, since)?;
        let until = self.account_modseq(account)?;
        self.net_changes(account, data_type, since, until)
    }

    /// `changes_since` cut at a state: at most `max` ids, up to the highest modseq whose
    /// changes all fit, so `until` is a state the client can go on from (JMAP maxChanges,
    /// RFC 8620 §5.2). The flag says whether later changes exist. `None` when the first
    /// modseq after `since` alone changed more than `max` objects (it cannot be cut).
    pub fn changes_since_at_most(
        &mut self,
        account: AccountId,
        data_type: DataType,
        since: Modseq,
        max: usize,
    ) -> Result<Option<(Changes, bool)>> {
        self.check_window(account, since)?;
        let now = self.account_modseq(account)?;
        // Rows in modseq order, a few per id at most before the cut is found.
        let limit = i64::try_from(max.saturating_mul(4).saturating_add(64)).unwrap_or(i64::MAX);
        let rows = self.conn.query(
            "SELECT id, modseq FROM changes WHERE account_id = $1 AND data_type = $2 AND modseq > $3 \
             AND collection_id IS NULL ORDER BY modseq, id LIMIT $4",
            params![account.0, data_type as i64, since.0 as i64, limit],
        )?;
        let complete = (rows.len() as i64) < limit;
        let mut ids = std::collections::HashSet::new();
        let (mut cut, mut current) = (since, None::<Modseq>);
        let mut overflow = false;
        for r in &rows {
            let (id, modseq) = (r.int(0)?, modseq_of(r.int(1)?));
            if current != Some(modseq) {
                if let Some(done) = current {
                    cut = done;
                }
                current = Some(modseq);
            }
            ids.insert(id);
            if ids.len() > max {
                overflow = true;
                break;
            }
        }
        // Every row read, none over: everything up to now fits.
        let cut = match (overflow, complete) {
            (false, true) => now,
            _ => cut,
        };
        if cut == since && cut < now {
            return Ok(None);
        }
        Ok(Some((self.net_changes(account, data_type, since, cut)?, cut < now)))
    }

    /// The net changes of `data_type` in (since, until].
    fn net_changes(
        &mut self,
        account: AccountId,
        data_type: DataType,
        since: Modseq,
        until: Modseq,
    ) -> Result<Changes> {
        let rows = self.conn.query(
            "SELECT id, min(kind), max(kind), min(modseq) FROM changes \
             WHERE account_id = $1 AND data_type = $2 AND modseq > $3 AND modseq <= $4 AND collection_id IS NULL \
             GROUP BY id ORDER BY min(modseq), id",
            params![account.0, data_type as i64, since.0 as i64, until.0 as i64],
        )?;
        let mut out = Changes { since, until, ..Changes::default() };
        for r in rows {
            let id = r.int(0)?;
            let first = ChangeKind::from_i64(r.int(1)?);
            let last = ChangeKind::from_i64(r.int(2)?);
            match (first, last) {
                (Some(ChangeKind::Created), Some(ChangeKind::Destroyed)) => {}
                (_, Some(ChangeKind::Destroyed)) => out.destroyed.push(id),
                (Some(ChangeKind::Created), _) => out.created.push(id),
                _ => out.updated.push(id),
            }
        }
        Ok(out)
    }

    /// Membership changes of one mailbox after `since`, one per UID (its latest), in UID order.
    pub fn mailbox_changes_since(&mut self, mailbox: CollectionId, since: Modseq) -> Result<Vec<MailboxChange>> {
        let account = self.collection(mailbox)?.account;
        self.check_window(account, since)?;
        let rows = self.conn.query(
            "SELECT uid, id, max(modseq), max(kind) FROM changes \
             WHERE collection_id = $1 AND modseq > $2 GROUP BY uid, id ORDER BY uid",
            params![mailbox.0, since.0 as i64],
        )?;
        rows.iter()
            .map(|r| {
                Ok(MailboxChange {
                    uid: Uid(u32::try_from(r.int(0)?).unwrap_or(0)),
                    item: ItemId(r.int(1)?),
                    modseq: modseq_of(r.int(2)?),
                    kind: ChangeKind::from_i64(r.int(3)?).ok_or_else(|| Error::Corrupt("change kind".into()))?,
                })
            })
            .collect()
    }

    pub(crate) fn accounts_with_changes_before(&mut self, cutoff: i64) -> Result<Vec<AccountId>> {
        let rows = self
            .conn
            .query("SELECT DISTINCT account_id FROM changes WHERE at < $1 ORDER BY account_id", params![cutoff])?;
        rows.iter().map(|r| Ok(AccountId(r.int(0)?))).collect()
    }

    /// Whether `mailbox` holds a message whose content is `blob`.
    pub fn mailbox_holds_blob(&mut self, mailbox: CollectionId, blob: &BlobHash) -> Result<bool> {
        let row = self.conn.query_one(
            "SELECT 1 FROM mailbox_messages m JOIN items i ON i.id = m.item_id \
             WHERE m.mailbox_id = $1 AND i.blob_hash = $2 LIMIT 1",
            params![mailbox.0, blob.as_str()],
        )?;
        Ok(row.is_some())
    }

    /// Octets an account holds — mail, calendar and address objects, files: what its one
    /// quota counts (IMAP QUOTA, DAV quota properties, SMTP and DAV refusals). One row: the
    /// sum every write that adds, replaces or destroys an item keeps (`WriteTx::charge`).
    pub fn usage(&mut self, account: AccountId) -> Result<u64> {
        let row = self.conn.query_one("SELECT used_octets FROM accounts WHERE id = $1", params![account.0])?;
        Ok(u64::try_from(row.map_or(Ok(0), |r| r.int(0))?).unwrap_or(0))
    }

    /// The reference count of a blob, if the store knows it.
    pub fn blob_refs(&mut self, hash: &BlobHash) -> Result<Option<i64>> {
        self.conn
            .query_one("SELECT refs FROM blobs WHERE hash = $1", params![hash.as_str()])?
            .map(|r| r.int(0))
            .transpose()
    }
}

/// A `mailbox_messages` row joined with its item: uid, item_id, modseq, size, received_at,
/// keywords, blob_hash.
fn mailbox_message(r: &crate::sql::Row) -> Result<MailboxMessage> {
    Ok(MailboxMessage {
        uid: Uid(u32::try_from(r.int(0)?).unwrap_or(0)),
        item: ItemId(r.int(1)?),
        modseq: modseq_of(r.int(2)?),
        size: u64::try_from(r.int(3)?).unwrap_or(0),
        received_at: r.int(4)?,
        keywords: r.text(5)?.split(' ').filter(|k| !k.is_empty()).map(str::to_owned).collect(),
        blob: r.opt_text(6)?.and_then(|h| BlobHash::parse(&h)),
    })
}
