//! Writes inside one transaction. Every change to an account goes through `log`, which bumps the
//! account's modseq once per transaction and records the change; `finish` leaves the
//! cross-process notification record before the caller commits.

use crate::read::{COLLECTION_COLUMNS, ReadTx, kind_code, modseq_of};
use crate::sql::{Conn, Dialect};
use crate::{
    AccountId, BlobHash, BlobRef, ChangeKind, Collection, CollectionId, CollectionKind, DataType, Error, ItemId,
    Modseq, NewCollection, NewItem, Notification, Result, Uid, params,
};

pub struct WriteTx<'c> {
    conn: &'c mut dyn Conn,
    now: i64,
    /// Accounts touched so far, with the modseq this transaction gave each and the types changed.
    touched: Vec<Notification>,
    limits: crate::CollectionLimits,
}

/// A change-log entry about to be written. `scope` makes it a membership row: a message in a
/// mailbox (with its UID) or a named resource in a calendar, address book or task list (with its
/// name, so a removal can be reported by href after the item is gone).
pub(crate) struct Change {
    data_type: DataType,
    id: i64,
    scope: Option<Scope>,
    kind: ChangeKind,
}

pub(crate) struct Scope {
    collection: CollectionId,
    uid: Option<Uid>,
    name: Option<String>,
}

impl Change {
    pub(crate) fn object(data_type: DataType, id: i64, kind: ChangeKind) -> Change {
        Change { data_type, id, scope: None, kind }
    }

    /// A message entering, changing in, or leaving one mailbox.
    fn member(item: i64, mailbox: CollectionId, uid: Uid, kind: ChangeKind) -> Change {
        let scope = Scope { collection: mailbox, uid: Some(uid), name: None };
        Change { data_type: DataType::Email, id: item, scope: Some(scope), kind }
    }

    pub(crate) fn collection(&self) -> Option<CollectionId> {
        self.scope.as_ref().map(|s| s.collection)
    }

    /// A named resource created in, changed in, or removed from a collection.
    pub(crate) fn resource(
        data_type: DataType,
        item: i64,
        collection: CollectionId,
        name: Option<String>,
        kind: ChangeKind,
    ) -> Change {
        let scope = Scope { collection, uid: None, name };
        Change { data_type, id: item, scope: Some(scope), kind }
    }
}

impl<'c> WriteTx<'c> {
    pub(crate) fn new(conn: &'c mut dyn Conn) -> Self {
        WriteTx { conn, now: crate::now(), touched: Vec::new(), limits: crate::CollectionLimits::default() }
    }

    /// The store's configured limits for this transaction's writes.
    pub(crate) fn with_limits(&mut self, limits: crate::CollectionLimits) -> &mut Self {
        self.limits = limits;
        self
    }

    pub(crate) fn limits(&self) -> crate::CollectionLimits {
        self.limits
    }

    pub(crate) fn conn(&mut self) -> &mut dyn Conn {
        self.conn
    }

    /// Reads that see this transaction's own writes.
    pub fn read(&mut self) -> ReadTx<'_> {
        ReadTx::new(self.conn)
    }

    /// The time this transaction stamps on what it writes (unix seconds).
    pub fn now(&self) -> i64 {
        self.now
    }

    /// The account's modseq for this transaction: bumped on first use, then reused.
    ///
    /// On PostgreSQL the bump row-locks the account until commit, which orders one account's
    /// commits by modseq. Call it before reading what the write depends on, and when a write
    /// touches several accounts, take them in ascending id order so writers cannot deadlock.
    pub fn modseq(&mut self, account: AccountId) -> Result<Modseq> {
        if let Some(n) = self.touched.iter().find(|n| n.account == account) {
            return Ok(n.modseq);
        }
        let row = self
            .conn
            .query_one("UPDATE accounts SET modseq = modseq + 1 WHERE id = $1 RETURNING modseq", params![account.0])?
            .ok_or_else(|| Error::NotFound(format!("account {account}")))?;
        let modseq = modseq_of(row.int(0)?);
        self.touched.push(Notification { account, modseq, types: 0 });
        Ok(modseq)
    }

    /// Locks the account's row (PostgreSQL) without bumping its modseq, for a write that may
    /// turn out to change nothing but must be ordered with the account's other writers (which
    /// lock the account first: see [`WriteTx::modseq`]). SQLite has one writer: nothing to do.
    pub fn lock_account(&mut self, account: AccountId) -> Result<()> {
        if self.conn.dialect() == crate::sql::Dialect::Postgres && !self.touched.iter().any(|n| n.account == account) {
            self.conn.query_one("SELECT id FROM accounts WHERE id = $1 FOR UPDATE", params![account.0])?;
        }
        Ok(())
    }

    pub(crate) fn log(&mut self, account: AccountId, change: Change) -> Result<Modseq> {
        let modseq = self.modseq(account)?;
        if let Some(n) = self.touched.iter_mut().find(|n| n.account == account) {
            n.types |= change.data_type.bit();
        }
        let (collection, uid, name) = match change.scope {
            Some(s) => (Some(s.collection.0), s.uid.map(|u| i64::from(u.0)), s.name),
            None => (None, None, None),
        };
        self.conn.execute(
            "INSERT INTO changes (account_id, modseq, data_type, id, collection_id, uid, kind, at, name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            params![
                account.0,
                modseq.0 as i64,
                change.data_type as i64,
                change.id,
                collection,
                uid,
                change.kind as i64,
                self.now,
                name
            ],
        )?;
        Ok(modseq)
    }

    /// Records a change to a directory object (domain, principal) on the directory's log.
    pub(crate) fn log_directory(&mut self, id: i64, kind: ChangeKind) -> Result<Modseq> {
        self.log(AccountId::DIRECTORY, Change::object(DataType::Principal, id, kind))
    }

    /// Leaves the cross-process notification record; returns what to publish after commit.
    pub(crate) fn finish(self, origin: &str) -> Result<Vec<Notification>> {
        for n in &self.touched {
            match self.conn.dialect() {
                Dialect::Sqlite => {
                    self.conn.execute(
                        "INSERT INTO notifications (origin, account_id, modseq, types, at) VALUES ($1, $2, $3, $4, $5)",
                        params![origin, n.account.0, n.modseq.0 as i64, i64::from(n.types), self.now],
                    )?;
                }
                Dialect::Postgres => {
                    self.conn.query(
                        "SELECT pg_notify($1, $2)",
                        params![crate::notify::CHANNEL, crate::notify::payload(origin, n)],
                    )?;
                }
            }
        }
        Ok(self.touched)
    }

    // ---- accounts ----

    /// A new, empty account.
    pub fn create_account(&mut self) -> Result<AccountId> {
        let row = self
            .conn
            .query_one(
                "INSERT INTO accounts (modseq, trimmed_modseq, created) VALUES (0, 0, $1) RETURNING id",
                params![self.now],
            )?
            .ok_or_else(|| Error::Corrupt("no id returned".into()))?;
        Ok(AccountId(row.int(0)?))
    }

    /// Deletes an account and everything it owns; its blobs lose their references.
    pub fn delete_account(&mut self, account: AccountId) -> Result<()> {
        // Lock first: a delivery in flight must finish before, or start after, the delete.
        self.modseq(account)?;
        let blobs = self
            .conn
            .query("SELECT blob_hash FROM items WHERE account_id = $1 AND blob_hash IS NOT NULL", params![account.0])?;
        let held = self.conn.query(
            "SELECT held_blob FROM email_submissions WHERE account_id = $1 AND held_blob IS NOT NULL",
            params![account.0],
        )?;
        for row in blobs.into_iter().chain(held) {
            let hash = row.text(0)?;
            let hash = BlobHash::parse(&hash).ok_or_else(|| Error::Corrupt(format!("blob hash {hash:?}")))?;
            self.unref_blob(&hash)?;
        }
        for table in ["message_search", "message_text", "message_headers"] {
            self.conn.execute(
                &format!("DELETE FROM {table} WHERE item_id IN (SELECT id FROM items WHERE account_id = $1)"),
                params![account.0],
            )?;
        }
        for sql in [
            "DELETE FROM mailbox_messages WHERE mailbox_id IN (SELECT id FROM collections WHERE account_id = $1)",
            "DELETE FROM items WHERE account_id = $1",
            "DELETE FROM collections WHERE account_id = $1",
            "DELETE FROM message_threads WHERE account_id = $1",
            "DELETE FROM vacations WHERE account_id = $1",
            "DELETE FROM identities WHERE account_id = $1",
            "DELETE FROM email_submissions WHERE account_id = $1",
            "DELETE FROM share_notifications WHERE account_id = $1",
            "DELETE FROM calendar_event_notifications WHERE account_id = $1",
            "DELETE FROM mailbox_subscriptions WHERE account_id = $1",
            "DELETE FROM vacation_replies WHERE account_id = $1",
            "DELETE FROM changes WHERE account_id = $1",
            "DELETE FROM accounts WHERE id = $1",
        ] {
            self.conn.execute(sql, params![account.0])?;
        }
        self.touched.retain(|n| n.account != account);
        Ok(())
    }

    // ---- collections ----

    pub fn create_collection(&mut self, account: AccountId, new: NewCollection) -> Result<Collection> {
        if new.name.is_empty() {
            return Err(Error::Invalid("a collection needs a name".into()));
        }
        if let Some(parent) = new.parent {
            let p = self.read().collection(parent)?;
            if p.account != account || p.kind != new.kind {
                return Err(Error::Invalid("parent is not a collection of the same account and kind".into()));
            }
        }
        let exists = self.conn.query_one(
            "SELECT 1 FROM collections WHERE account_id = $1 AND kind = $2 AND coalesce(parent_id, 0) = $3 AND name = $4",
            params![account.0, kind_code(new.kind), new.parent.map_or(0, |p| p.0), new.name.as_str()],
        )?;
        if exists.is_some() {
            return Err(Error::AlreadyExists(format!("collection {:?}", new.name)));
        }
        self.check_room(account, new.kind, new.parent)?;
        let modseq = self.modseq(account)?;
        // RFC 9051 §2.3.1.1: a mailbox created again under an old name must get a larger
        // UIDVALIDITY. Per account: the larger of the last one + 1 and the time in seconds.
        let uid_validity = self
            .conn
            .query_one(
                "UPDATE accounts SET last_uidvalidity = CASE WHEN last_uidvalidity + 1 > $1 \
                 THEN last_uidvalidity + 1 ELSE $1 END WHERE id = $2 RETURNING last_uidvalidity",
                params![self.now & i64::from(u32::MAX >> 1), account.0],
            )?
            .ok_or_else(|| Error::NotFound(format!("account {account}")))?
            .int(0)?;
        let sql = format!(
            "INSERT INTO collections (account_id, kind, name, parent_id, role, uidvalidity, uidnext, modseq, subscribed, props) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, 1, '') RETURNING {COLLECTION_COLUMNS}"
        );
        let row = self.conn.query_one(
            &sql,
            params![
                account.0,
                kind_code(new.kind),
                new.name.as_str(),
                new.parent.map(|p| p.0),
                new.role.clone(),
                uid_validity,
                modseq.0 as i64
            ],
        )?;
        let id = CollectionId(row.ok_or_else(|| Error::Corrupt("no id returned".into()))?.int(0)?);
        self.log(account, Change::object(new.kind.data_type(), id.0, ChangeKind::Created))?;
        self.read().collection(id)
    }

    pub fn rename_collection(&mut self, id: CollectionId, name: &str, parent: Option<CollectionId>) -> Result<()> {
        let c = self.read().collection(id)?;
        if parent != c.parent {
            self.check_move(&c, parent)?;
        }
        let modseq = self.log(c.account, Change::object(c.kind.data_type(), id.0, ChangeKind::Updated))?;
        self.conn.execute(
            "UPDATE collections SET name = $1, parent_id = $2, modseq = $3 WHERE id = $4",
            params![name, parent.map(|p| p.0), modseq.0 as i64, id.0],
        )?;
        Ok(())
    }

    pub fn set_subscribed(&mut self, id: CollectionId, subscribed: bool) -> Result<()> {
        let c = self.read().collection(id)?;
        let modseq = self.log(c.account, Change::object(c.kind.data_type(), id.0, ChangeKind::Updated))?;
        self.conn.execute(
            "UPDATE collections SET subscribed = $1, modseq = $2 WHERE id = $3",
            params![subscribed, modseq.0 as i64, id.0],
        )?;
        Ok(())
    }

    /// Destroys a collection and its items. A message that is also in another mailbox survives.
    pub fn destroy_collection(&mut self, id: CollectionId) -> Result<()> {
        let c = self.read().collection(id)?;
        self.modseq(c.account)?;
        if c.kind == CollectionKind::Mailbox {
            for entry in self.read().mailbox_entries(id)? {
                self.remove_from_mailbox(entry.item, id)?;
            }
        } else {
            for item in self.read().items_in(id)? {
                self.destroy_item(item.id)?;
            }
        }
        self.conn.execute("DELETE FROM collection_grants WHERE collection_id = $1", params![id.0])?;
        self.conn.execute("DELETE FROM collections WHERE id = $1", params![id.0])?;
        self.log(c.account, Change::object(c.kind.data_type(), id.0, ChangeKind::Destroyed))?;
        Ok(())
    }

    // ---- items ----

    /// Creates an item of `data_type`; an event/contact/task names its collection in `new`.
    pub fn create_item(&mut self, account: AccountId, data_type: DataType, new: NewItem) -> Result<ItemId> {
        if let Some(c) = new.collection {
            let c = self.read().collection(c)?;
            if c.account != account || c.kind.item_type() != data_type {
                return Err(Error::Invalid("collection does not hold this kind of item".into()));
            }
        }
        if let (Some(c), Some(name)) = (new.collection, &new.name)
            && self.read().item_by_name(c, name)?.is_some()
        {
            return Err(Error::AlreadyExists(format!("resource {name:?}")));
        }
        let modseq = self.modseq(account)?;
        if let Some(b) = &new.blob {
            self.ref_blob(b)?;
        }
        let row = self.conn.query_one(
            "INSERT INTO items (account_id, data_type, collection_id, blob_hash, size, modseq, created_modseq, received_at, \
             keywords, thread_id, uid_text, start_utc, end_utc, summary, name) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            params![
                account.0,
                data_type as i64,
                new.collection.map(|c| c.0),
                new.blob.as_ref().map(|b| b.hash.as_str().to_owned()),
                new.blob.as_ref().map_or(0, |b| b.size as i64),
                modseq.0 as i64,
                new.received_at,
                new.keywords.join(" "),
                new.thread_id,
                new.uid_text.clone(),
                new.start_utc,
                new.end_utc,
                new.summary.clone(),
                new.name.clone(),
            ],
        )?;
        let id = ItemId(row.ok_or_else(|| Error::Corrupt("no id returned".into()))?.int(0)?);
        self.charge(account, new.blob.as_ref().map_or(0, |b| b.size as i64))?;
        self.log(account, Change::object(data_type, id.0, ChangeKind::Created))?;
        if data_type == DataType::Email {
            // Every message is in a thread: the one given, or a new one under its own id.
            let (thread, kind) = match new.thread_id {
                Some(t) => (t, ChangeKind::Updated),
                None => {
                    self.conn.execute("UPDATE items SET thread_id = id WHERE id = $1", params![id.0])?;
                    (id.0, ChangeKind::Created)
                }
            };
            self.log(account, Change::object(DataType::Thread, thread, kind))?;
        }
        if let Some(c) = new.collection {
            self.resource_changed(account, Change::resource(data_type, id.0, c, new.name, ChangeKind::Created))?;
        }
        Ok(id)
    }

    /// Adds `octets` (negative: takes them away) to what `account` is charged for its quota.
    pub(crate) fn charge(&mut self, account: AccountId, octets: i64) -> Result<()> {
        if octets != 0 {
            self.conn.execute(
                "UPDATE accounts SET used_octets = used_octets + $1 WHERE id = $2",
                params![octets, account.0],
            )?;
        }
        Ok(())
    }

    /// Replaces an item's content and indexed fields (an event or contact saved again).
    pub fn replace_item(&mut self, id: ItemId, new: NewItem) -> Result<()> {
        let old = self.read().item(id)?;
        if let Some(b) = &new.blob {
            self.ref_blob(b)?;
        }
        if let Some(h) = &old.blob {
            self.unref_blob(h)?;
        }
        let modseq = self.log(old.account, Change::object(old.data_type, id.0, ChangeKind::Updated))?;
        self.conn.execute(
            "UPDATE items SET blob_hash = $1, size = $2, modseq = $3, keywords = $4, uid_text = $5, start_utc = $6, \
             end_utc = $7, summary = $8 WHERE id = $9",
            params![
                new.blob.as_ref().map(|b| b.hash.as_str().to_owned()),
                new.blob.as_ref().map_or(0, |b| b.size as i64),
                modseq.0 as i64,
                new.keywords.join(" "),
                new.uid_text.clone(),
                new.start_utc,
                new.end_utc,
                new.summary.clone(),
                id.0,
            ],
        )?;
        self.charge(old.account, new.blob.as_ref().map_or(0, |b| b.size as i64) - old.size as i64)?;
        if let Some(c) = old.collection {
            self.resource_changed(
                old.account,
                Change::resource(old.data_type, id.0, c, old.name, ChangeKind::Updated),
            )?;
        }
        self.touch_memberships(old.account, id, modseq)
    }

    /// Sets a message's keywords (IMAP flags); each mailbox it is in sees the change.
    pub fn set_keywords(&mut self, id: ItemId, keywords: &[String]) -> Result<Modseq> {
        let old = self.read().item(id)?;
        let modseq = self.log(old.account, Change::object(old.data_type, id.0, ChangeKind::Updated))?;
        self.conn.execute(
            "UPDATE items SET keywords = $1, modseq = $2 WHERE id = $3",
            params![keywords.join(" "), modseq.0 as i64, id.0],
        )?;
        self.touch_memberships(old.account, id, modseq)?;
        Ok(modseq)
    }

    /// Replaces an item's summary alone (a file's dead properties); its content stays.
    pub fn set_summary(&mut self, id: ItemId, summary: &str) -> Result<Modseq> {
        let old = self.read().item(id)?;
        let modseq = self.log(old.account, Change::object(old.data_type, id.0, ChangeKind::Updated))?;
        self.conn.execute(
            "UPDATE items SET summary = $1, modseq = $2 WHERE id = $3",
            params![summary, modseq.0 as i64, id.0],
        )?;
        if let Some(c) = old.collection {
            self.resource_changed(
                old.account,
                Change::resource(old.data_type, id.0, c, old.name, ChangeKind::Updated),
            )?;
        }
        Ok(modseq)
    }

    fn touch_memberships(&mut self, account: AccountId, id: ItemId, modseq: Modseq) -> Result<()> {
        for (mailbox, uid) in self.read().mailboxes_of(id)? {
            self.conn.execute(
                "UPDATE mailbox_messages SET modseq = $1 WHERE mailbox_id = $2 AND uid = $3",
                params![modseq.0 as i64, mailbox.0, i64::from(uid.0)],
            )?;
            self.log(account, Change::member(id.0, mailbox, uid, ChangeKind::Updated))?;
        }
        Ok(())
    }

    /// Destroys an item everywhere (all mailboxes, index, blob reference).
    pub fn destroy_item(&mut self, id: ItemId) -> Result<()> {
        let old = self.read().item(id)?;
        for (mailbox, uid) in self.read().mailboxes_of(id)? {
            self.conn.execute(
                "DELETE FROM mailbox_messages WHERE mailbox_id = $1 AND uid = $2",
                params![mailbox.0, i64::from(uid.0)],
            )?;
            self.log(old.account, Change::member(id.0, mailbox, uid, ChangeKind::Destroyed))?;
        }
        if let Some(h) = &old.blob {
            self.unref_blob(h)?;
        }
        // The item first: on PostgreSQL an indexer holding it (`index_if_missing`) is waited
        // for, and the rows it wrote are then seen and deleted.
        self.conn.execute("DELETE FROM items WHERE id = $1", params![id.0])?;
        self.unindex_message(id)?;
        self.charge(old.account, -(old.size as i64))?;
        self.conn.execute("DELETE FROM item_instances WHERE item_id = $1", params![id.0])?;
        self.log(old.account, Change::object(old.data_type, id.0, ChangeKind::Destroyed))?;
        if let (DataType::Email, Some(thread)) = (old.data_type, old.thread_id) {
            self.conn.execute("DELETE FROM message_threads WHERE item_id = $1", params![id.0])?;
            let left = self.conn.query_one("SELECT 1 FROM items WHERE thread_id = $1 LIMIT 1", params![thread])?;
            let kind = if left.is_some() { ChangeKind::Updated } else { ChangeKind::Destroyed };
            self.log(old.account, Change::object(DataType::Thread, thread, kind))?;
        }
        if let Some(c) = old.collection {
            self.resource_changed(
                old.account,
                Change::resource(old.data_type, id.0, c, old.name, ChangeKind::Destroyed),
            )?;
        }
        Ok(())
    }

    // ---- messages in mailboxes ----

    /// Puts a message in a mailbox under the mailbox's next UID. The UID is taken with an
    /// UPDATE … RETURNING, so concurrent writers never share one.
    pub fn add_to_mailbox(&mut self, item: ItemId, mailbox: CollectionId) -> Result<Uid> {
        let m = self.read().collection(mailbox)?;
        let i = self.read().item(item)?;
        if m.kind != CollectionKind::Mailbox || i.data_type != DataType::Email || m.account != i.account {
            return Err(Error::Invalid("only a message of the same account goes in a mailbox".into()));
        }
        if self.read().mailboxes_of(item)?.iter().any(|(mb, _)| *mb == mailbox) {
            return Err(Error::AlreadyExists(format!("message {item} in mailbox {mailbox}")));
        }
        let modseq = self.modseq(m.account)?;
        let row = self
            .conn
            .query_one(
                "UPDATE collections SET uidnext = uidnext + 1, modseq = $1 WHERE id = $2 RETURNING uidnext - 1",
                params![modseq.0 as i64, mailbox.0],
            )?
            .ok_or_else(|| Error::NotFound(format!("mailbox {mailbox}")))?;
        let uid = Uid(u32::try_from(row.int(0)?).map_err(|_| Error::Invalid("mailbox UIDs exhausted".into()))?);
        self.conn.execute(
            "INSERT INTO mailbox_messages (mailbox_id, uid, item_id, modseq, received_at) VALUES ($1, $2, $3, $4, $5)",
            params![mailbox.0, i64::from(uid.0), item.0, modseq.0 as i64, i.received_at],
        )?;
        self.log(m.account, Change::member(item.0, mailbox, uid, ChangeKind::Created))?;
        self.log(m.account, Change::object(DataType::Email, item.0, ChangeKind::Updated))?;
        Ok(uid)
    }

    /// Takes a message out of a mailbox; a message left in no mailbox is destroyed.
    /// Gives a message of `mailbox` a new UID there (a MOVE into the mailbox it is in, RFC 6851
    /// §3.3): its `old` UID is expunged and a new one appended, the item and its flags kept.
    pub fn renumber_in_mailbox(&mut self, item: ItemId, mailbox: CollectionId, old: Uid) -> Result<Uid> {
        let m = self.read().collection(mailbox)?;
        let removed = self.conn.execute(
            "DELETE FROM mailbox_messages WHERE mailbox_id = $1 AND uid = $2 AND item_id = $3",
            params![mailbox.0, i64::from(old.0), item.0],
        )?;
        if removed == 0 {
            return Err(Error::NotFound(format!("message {item} in mailbox {mailbox}")));
        }
        self.log(m.account, Change::member(item.0, mailbox, old, ChangeKind::Destroyed))?;
        self.add_to_mailbox(item, mailbox)
    }

    pub fn remove_from_mailbox(&mut self, item: ItemId, mailbox: CollectionId) -> Result<()> {
        let m = self.read().collection(mailbox)?;
        let row = self.conn.query_one(
            "DELETE FROM mailbox_messages WHERE mailbox_id = $1 AND item_id = $2 RETURNING uid",
            params![mailbox.0, item.0],
        )?;
        let uid = Uid(u32::try_from(
            row.ok_or_else(|| Error::NotFound(format!("message {item} in mailbox {mailbox}")))?.int(0)?,
        )
        .unwrap_or(0));
        self.log(m.account, Change::member(item.0, mailbox, uid, ChangeKind::Destroyed))?;
        if self.read().mailboxes_of(item)?.is_empty() {
            self.destroy_item(item)
        } else {
            self.log(m.account, Change::object(DataType::Email, item.0, ChangeKind::Updated))?;
            Ok(())
        }
    }

    // ---- blobs and full text ----

    pub(crate) fn ref_blob(&mut self, blob: &BlobRef) -> Result<()> {
        if let Some(data) = &blob.inline {
            self.conn.execute(
                // Touching an existing row locks it (PostgreSQL), so a collector deleting it
                // waits for this transaction and then sees it fresh.
                "INSERT INTO blob_data (hash, data, touched) VALUES ($1, $2, $3) \
                 ON CONFLICT (hash) DO UPDATE SET touched = excluded.touched",
                params![blob.hash.as_str(), data.to_vec(), self.now],
            )?;
        }
        self.conn.execute(
            "INSERT INTO blobs (hash, size, refs, released_at) VALUES ($1, $2, 1, NULL) \
             ON CONFLICT (hash) DO UPDATE SET refs = blobs.refs + 1, released_at = NULL",
            params![blob.hash.as_str(), blob.size as i64],
        )?;
        Ok(())
    }

    pub(crate) fn unref_blob(&mut self, hash: &BlobHash) -> Result<()> {
        self.conn.execute(
            "UPDATE blobs SET refs = refs - 1, released_at = CASE WHEN refs <= 1 THEN CAST($2 AS BIGINT) ELSE NULL END WHERE hash = $1",
            params![hash.as_str(), self.now],
        )?;
        Ok(())
    }

    // ---- change-log window ----

    /// Drops cross-process notification records older than an hour (SQLite; every watcher
    /// has long read them).
    pub(crate) fn purge_notifications(&mut self) -> Result<()> {
        if self.conn.dialect() == Dialect::Sqlite {
            self.conn.execute("DELETE FROM notifications WHERE at < $1", params![self.now - 3600])?;
        }
        Ok(())
    }

    /// Deletes one account's log rows written before `cutoff` and records the newest modseq
    /// dropped: asking for changes since before it is then answered `ChangesTooOld`. One
    /// account per transaction keeps the account lock short.
    pub(crate) fn trim_account_changes(&mut self, account: AccountId, cutoff: i64) -> Result<u64> {
        self.modseq(account)?;
        self.conn.execute(
            "UPDATE accounts SET trimmed_modseq = (SELECT max(modseq) FROM changes c \
             WHERE c.account_id = $1 AND c.at < $2) WHERE id = $1",
            params![account.0, cutoff],
        )?;
        let n =
            self.conn.execute("DELETE FROM changes WHERE account_id = $1 AND at < $2", params![account.0, cutoff])?;
        // The bump above is not a change of the account's data: nobody needs to hear of it.
        if let Some(t) = self.touched.iter_mut().find(|t| t.account == account) {
            t.types = 0;
        }
        Ok(n)
    }
}
