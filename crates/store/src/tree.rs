//! Collections as a tree: the members of a folder (`parent_id`), looked up by name through the
//! `collections_name` index (account, kind, parent, name), one level at a time.

use crate::read::{COLLECTION_COLUMNS, collection_of, kind_code};
use crate::{AccountId, Collection, CollectionId, CollectionKind, NewCollection, ReadTx, Result, WriteTx, params};

impl WriteTx<'_> {
    /// The account's top-level collection of `kind` with `role`, made (named `name`) in this
    /// transaction unless it exists: a file store's root, a scheduling inbox.
    pub fn collection_with_role(
        &mut self,
        account: AccountId,
        kind: CollectionKind,
        role: &str,
        name: &str,
    ) -> Result<Collection> {
        if let Some(c) = self.read().collection_by_role(account, kind, role)? {
            return Ok(c);
        }
        let new = NewCollection { kind, name: name.to_owned(), parent: None, role: Some(role.to_owned()) };
        self.create_collection(account, new)
    }
}

impl ReadTx<'_> {
    /// The collection `name` of `kind` directly under `parent` (`None`: at the top level).
    pub fn child_collection(
        &mut self,
        account: AccountId,
        kind: CollectionKind,
        parent: Option<CollectionId>,
        name: &str,
    ) -> Result<Option<Collection>> {
        let sql = format!(
            "SELECT {COLLECTION_COLUMNS} FROM collections \
             WHERE account_id = $1 AND kind = $2 AND coalesce(parent_id, 0) = $3 AND name = $4"
        );
        let row = self.conn.query_one(&sql, params![account.0, kind_code(kind), parent.map_or(0, |p| p.0), name])?;
        row.as_ref().map(collection_of).transpose()
    }

    /// The collections of `kind` directly under `parent`, by name.
    pub fn child_collections(
        &mut self,
        account: AccountId,
        kind: CollectionKind,
        parent: Option<CollectionId>,
    ) -> Result<Vec<Collection>> {
        let sql = format!(
            "SELECT {COLLECTION_COLUMNS} FROM collections \
             WHERE account_id = $1 AND kind = $2 AND coalesce(parent_id, 0) = $3 ORDER BY name"
        );
        let rows = self.conn.query(&sql, params![account.0, kind_code(kind), parent.map_or(0, |p| p.0)])?;
        rows.iter().map(collection_of).collect()
    }
}
