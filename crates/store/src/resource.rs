//! Named resources of calendars, address books and task lists: the DAV view of items.
//!
//! An event, contact or task lives in exactly one collection under a name unique there
//! (`items.name`). Every change to it is logged twice: once on the object (JMAP `/changes`,
//! collection id NULL) and once on its collection with its name (RFC 6578 sync-collection,
//! CTag), and the collection's modseq follows. Occurrences of events and spans of tasks sit in
//! `item_instances`, indexed by (collection, start): a time-range query scans from
//! `start - max_span` (the collection's longest occurrence) to the range's end.

use crate::read::{ITEM_COLUMNS, item_of, modseq_of};
use crate::sql::{Row, Value};
use crate::tx::Change;
use crate::{
    AccountId, BlobHash, ChangeKind, CollectionId, DataType, Error, Item, ItemId, Modseq, ReadTx, Resource,
    ResourceChange, ResourceContent, Result, Span, WriteTx, params,
};

/// How many names go in one `IN (…)` list.
const BATCH: usize = 500;

const RESOURCE_COLUMNS: &str = "i.id, i.name, i.modseq, i.size, i.data_type";

fn resource_of(r: &Row) -> Result<Resource> {
    Ok(Resource {
        id: ItemId(r.int(0)?),
        name: r.opt_text(1)?.unwrap_or_default(),
        modseq: modseq_of(r.int(2)?),
        size: u64::try_from(r.int(3)?).unwrap_or(0),
        data_type: DataType::from_i64(r.int(4)?).ok_or_else(|| Error::Corrupt("item type".into()))?,
    })
}

/// Reads rows of `RESOURCE_COLUMNS, i.blob_hash, d.data`.
fn content_of(mut r: Row) -> Result<ResourceContent> {
    let resource = resource_of(&r)?;
    let blob = r.opt_text(5)?.map(|h| BlobHash::parse(&h).ok_or_else(|| Error::Corrupt(format!("blob hash {h:?}"))));
    let data = match r.0.get_mut(6).map(|v| std::mem::replace(v, Value::Null)) {
        Some(Value::Bytes(b)) => Some(b),
        _ => None,
    };
    Ok(ResourceContent { resource, blob: blob.transpose()?, data })
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl ReadTx<'_> {
    /// The item named `name` in `collection`.
    pub fn item_by_name(&mut self, collection: CollectionId, name: &str) -> Result<Option<Item>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE collection_id = $1 AND name = $2");
        self.conn.query_one(&sql, params![collection.0, name])?.as_ref().map(item_of).transpose()
    }

    /// Items of `collection` whose iCalendar/vCard UID is `uid` (RFC 4791 §5.3.2.1 no-uid-conflict).
    pub fn items_with_uid(&mut self, collection: CollectionId, uid: &str) -> Result<Vec<Item>> {
        // By (account, UID) alone: that index stays selective however big the collection is
        // (with collection_id in the WHERE clause, SQLite prefers a collection index and scans).
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM items WHERE account_id = (SELECT account_id FROM collections WHERE id = $1) \
             AND uid_text = $2"
        );
        let rows = self.conn.query(&sql, params![collection.0, uid])?;
        let items: Vec<Item> = rows.iter().map(item_of).collect::<Result<_>>()?;
        Ok(items.into_iter().filter(|i| i.collection == Some(collection)).collect())
    }

    /// Every resource of a collection, by name, without content.
    pub fn resources(&mut self, collection: CollectionId) -> Result<Vec<Resource>> {
        let sql = format!("SELECT {RESOURCE_COLUMNS} FROM items i WHERE i.collection_id = $1 ORDER BY i.name");
        self.conn.query(&sql, params![collection.0])?.iter().map(resource_of).collect()
    }

    /// Resources of a collection with their content, by name (CalDAV/CardDAV multiget); names
    /// that do not exist are left out.
    pub fn resources_named(&mut self, collection: CollectionId, names: &[&str]) -> Result<Vec<ResourceContent>> {
        let mut out = Vec::with_capacity(names.len());
        for chunk in names.chunks(BATCH) {
            let sql = format!(
                "SELECT {RESOURCE_COLUMNS}, i.blob_hash, d.data FROM items i LEFT JOIN blob_data d ON d.hash = i.blob_hash \
                 WHERE i.collection_id = $1 AND i.name IN ({})",
                placeholders(2, chunk.len())
            );
            let mut args = vec![Value::Int(collection.0)];
            args.extend(chunk.iter().map(|n| Value::Text((*n).to_owned())));
            for row in self.conn.query(&sql, &args)? {
                out.push(content_of(row)?);
            }
        }
        Ok(out)
    }

    /// One resource of a collection with its content, by item id (an ActiveSync ServerId): one
    /// row read, not the collection's list.
    pub fn resource_by_id(&mut self, collection: CollectionId, item: ItemId) -> Result<Option<ResourceContent>> {
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS}, i.blob_hash, d.data FROM items i LEFT JOIN blob_data d ON d.hash = i.blob_hash \
             WHERE i.collection_id = $1 AND i.id = $2"
        );
        self.conn.query(&sql, params![collection.0, item.0])?.into_iter().next().map(content_of).transpose()
    }

    /// Every resource of a collection with its content.
    pub fn resource_contents(&mut self, collection: CollectionId) -> Result<Vec<ResourceContent>> {
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS}, i.blob_hash, d.data FROM items i LEFT JOIN blob_data d ON d.hash = i.blob_hash \
             WHERE i.collection_id = $1 ORDER BY i.name"
        );
        self.conn.query(&sql, params![collection.0])?.into_iter().map(content_of).collect()
    }

    /// Resources with an occurrence overlapping [start, end), with their content, each once
    /// (RFC 4791 §9.9). Items expanded only up to a horizon before `end` are not all found
    /// here: see `expanded_before`.
    pub fn resources_in_range(
        &mut self,
        collection: CollectionId,
        start: i64,
        end: i64,
    ) -> Result<Vec<ResourceContent>> {
        let span = self
            .conn
            .query_one("SELECT max_span FROM collections WHERE id = $1", params![collection.0])?
            .map_or(Ok(0), |r| r.int(0))?;
        // Two index ranges (the occurrences that can overlap, and the "always" tasks), kept
        // apart so each is a range scan of (collection_id, start_utc).
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS}, i.blob_hash, d.data FROM items i LEFT JOIN blob_data d ON d.hash = i.blob_hash \
             WHERE i.id IN (SELECT x.item_id FROM item_instances x WHERE x.collection_id = $1 \
               AND x.start_utc >= $2 AND x.start_utc < $3 AND (x.end_utc > $4 OR (x.end_utc = x.start_utc AND x.start_utc >= $4)) \
             UNION ALL SELECT y.item_id FROM item_instances y WHERE y.collection_id = $1 AND y.start_utc = $5) \
             ORDER BY i.name"
        );
        let lo = start.saturating_sub(span).max(Span::ALWAYS.start + 1);
        let rows = self.conn.query(&sql, params![collection.0, lo, end, start, Span::ALWAYS.start])?;
        rows.into_iter().map(content_of).collect()
    }

    /// Names of the resources of a collection whose stored occurrences stop at a horizon
    /// before `end`: a range reaching past it must expand them again.
    pub fn expanded_before(&mut self, collection: CollectionId, end: i64) -> Result<Vec<String>> {
        let rows = self.conn.query(
            "SELECT name FROM items WHERE collection_id = $1 AND instances_until IS NOT NULL AND instances_until < $2",
            params![collection.0, end],
        )?;
        rows.iter().map(|r| Ok(r.opt_text(0)?.unwrap_or_default())).collect()
    }

    /// The latest change of each resource of `collection` after `since`, in modseq order;
    /// `ChangesTooOld` if the log no longer reaches back that far.
    pub fn collection_changes_since(&mut self, collection: CollectionId, since: Modseq) -> Result<Vec<ResourceChange>> {
        let account = self.collection(collection)?.account;
        self.check_window(account, since)?;
        let rows = self.conn.query(
            "SELECT id, name, modseq, kind FROM changes WHERE collection_id = $1 AND modseq > $2 AND uid IS NULL \
             ORDER BY modseq, kind",
            params![collection.0, since.0 as i64],
        )?;
        let mut latest: Vec<ResourceChange> = Vec::new();
        let mut at = std::collections::HashMap::new();
        for r in rows {
            let change = ResourceChange {
                id: ItemId(r.int(0)?),
                name: r.opt_text(1)?,
                modseq: modseq_of(r.int(2)?),
                kind: ChangeKind::from_i64(r.int(3)?).ok_or_else(|| Error::Corrupt("change kind".into()))?,
            };
            match at.get(&change.id) {
                Some(&i) => latest[i] = change,
                None => {
                    at.insert(change.id, latest.len());
                    latest.push(change);
                }
            }
        }
        latest.sort_by_key(|c| c.modseq);
        Ok(latest)
    }
}

impl WriteTx<'_> {
    /// Logs a change of a named resource on its collection and advances the collection's
    /// modseq (its CTag).
    pub(crate) fn resource_changed(&mut self, account: AccountId, change: Change) -> Result<Modseq> {
        let collection = change.collection();
        let modseq = self.log(account, change)?;
        if let Some(c) = collection {
            self.conn().execute("UPDATE collections SET modseq = $1 WHERE id = $2", params![modseq.0 as i64, c.0])?;
        }
        Ok(modseq)
    }

    /// Moves a resource to another collection of the same account and kind, under `name`
    /// (DAV MOVE). Its occurrences move with it.
    pub fn move_item(&mut self, id: ItemId, to: CollectionId, name: &str) -> Result<()> {
        let item = self.read().item(id)?;
        let target = self.read().collection(to)?;
        let from = item.collection.ok_or_else(|| Error::Invalid("a message has no single collection".into()))?;
        if target.account != item.account || target.kind.item_type() != item.data_type {
            return Err(Error::Invalid("the target does not hold this kind of item".into()));
        }
        if self.read().item_by_name(to, name)?.is_some() {
            return Err(Error::AlreadyExists(format!("resource {name:?}")));
        }
        let t = item.data_type;
        self.resource_changed(item.account, Change::resource(t, id.0, from, item.name, ChangeKind::Destroyed))?;
        let modseq = self.resource_changed(
            item.account,
            Change::resource(t, id.0, to, Some(name.to_owned()), ChangeKind::Created),
        )?;
        self.log(item.account, Change::object(t, id.0, ChangeKind::Updated))?;
        self.conn().execute(
            "UPDATE items SET collection_id = $1, name = $2, modseq = $3 WHERE id = $4",
            params![to.0, name, modseq.0 as i64, id.0],
        )?;
        let spans = self.conn().query(
            "SELECT max(end_utc - start_utc) FROM item_instances WHERE item_id = $1 AND start_utc <> $2",
            params![id.0, Span::ALWAYS.start],
        )?;
        self.conn().execute("UPDATE item_instances SET collection_id = $1 WHERE item_id = $2", params![to.0, id.0])?;
        if let Some(span) = spans.first().map(|r| r.opt_int(0)).transpose()?.flatten() {
            self.widen_span(to, span)?;
        }
        Ok(())
    }

    /// Replaces the occurrences of an item. `until` is the horizon when the recurrence was cut
    /// there (an endless RRULE), `None` when `spans` is complete.
    pub fn set_instances(&mut self, id: ItemId, spans: &[Span], until: Option<i64>) -> Result<()> {
        let item = self.read().item(id)?;
        let collection = item.collection.ok_or_else(|| Error::Invalid("only a resource has occurrences".into()))?;
        self.conn().execute("DELETE FROM item_instances WHERE item_id = $1", params![id.0])?;
        let mut longest = 0;
        for s in spans {
            self.conn().execute(
                "INSERT INTO item_instances (collection_id, item_id, start_utc, end_utc) VALUES ($1, $2, $3, $4)",
                params![collection.0, id.0, s.start, s.end],
            )?;
            if *s != Span::ALWAYS {
                longest = longest.max(s.end.saturating_sub(s.start));
            }
        }
        self.conn().execute("UPDATE items SET instances_until = $1 WHERE id = $2", params![until, id.0])?;
        self.widen_span(collection, longest)
    }

    /// `max_span` only grows: a bound, never too small, for the time-range scan.
    fn widen_span(&mut self, collection: CollectionId, span: i64) -> Result<()> {
        self.conn().execute(
            "UPDATE collections SET max_span = $1 WHERE id = $2 AND max_span < $1",
            params![span, collection.0],
        )?;
        Ok(())
    }

    /// Sets a collection's protocol properties (a JSON object; see `Collection::props`).
    pub fn set_collection_props(&mut self, id: CollectionId, props: &str) -> Result<()> {
        let c = self.read().collection(id)?;
        let modseq = self.log(c.account, Change::object(c.kind.data_type(), id.0, ChangeKind::Updated))?;
        self.conn().execute(
            "UPDATE collections SET props = $1, modseq = $2 WHERE id = $3",
            params![props, modseq.0 as i64, id.0],
        )?;
        Ok(())
    }
}
