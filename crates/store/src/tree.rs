//! Collections as a tree: the members of a folder (`parent_id`), looked up by name through the
//! `collections_name` index (account, kind, parent, name), one level at a time.

use std::collections::HashMap;

use crate::read::{COLLECTION_COLUMNS, collection_of, kind_code};
use crate::{
    AccountId, Collection, CollectionId, CollectionKind, Error, NewCollection, ReadTx, Result, WriteTx, params,
};

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

impl WriteTx<'_> {
    /// Refuses a new collection of `kind` under `parent` past the account's limits
    /// (`CollectionLimits`): too many of the kind, or nested too deep. `Error::Limit`.
    pub(crate) fn check_room(
        &mut self,
        account: AccountId,
        kind: CollectionKind,
        parent: Option<CollectionId>,
    ) -> Result<()> {
        let limits = self.limits();
        let count = self
            .conn()
            .query_one(
                "SELECT count(*) FROM collections WHERE account_id = $1 AND kind = $2",
                params![account.0, kind_code(kind)],
            )?
            .map_or(Ok(0), |r| r.int(0))?;
        let max = if kind == CollectionKind::Folder { limits.max_file_folders } else { limits.max_collections };
        if usize::try_from(count).unwrap_or(usize::MAX) >= max {
            return Err(Error::Limit(format!("at most {max} {} per account", plural(kind))));
        }
        let depth = match parent {
            None => 0,
            Some(p) => self.depth_of(p, None)?,
        };
        if depth + 1 > limits.max_depth {
            return Err(Error::Limit(format!("{} nest at most {} levels deep", plural(kind), limits.max_depth)));
        }
        Ok(())
    }

    /// Refuses moving `c` (with its whole subtree) under `parent` when that nests the tree past
    /// the depth limit, or puts `c` inside itself.
    pub(crate) fn check_move(&mut self, c: &Collection, parent: Option<CollectionId>) -> Result<()> {
        let max = self.limits().max_depth;
        let above = match parent {
            None => 0,
            Some(p) => self.depth_of(p, Some(c.id))?,
        };
        if above + self.height_of(c)? > max {
            return Err(Error::Limit(format!("{} nest at most {max} levels deep", plural(c.kind))));
        }
        Ok(())
    }

    /// The level of `id` (a top-level collection is at 1), walking up at most past the limit;
    /// meeting `not_inside` on the way is an attempt to move a collection inside itself.
    fn depth_of(&mut self, id: CollectionId, not_inside: Option<CollectionId>) -> Result<usize> {
        let max = self.limits().max_depth;
        let mut depth = 0;
        let mut at = Some(id);
        while let Some(here) = at {
            if Some(here) == not_inside {
                return Err(Error::Invalid("a collection cannot move inside itself".into()));
            }
            depth += 1;
            if depth > max {
                break;
            }
            let row = self.conn().query_one("SELECT parent_id FROM collections WHERE id = $1", params![here.0])?;
            at = row.ok_or_else(|| Error::NotFound(format!("collection {}", here.0)))?.opt_int(0)?.map(CollectionId);
        }
        Ok(depth)
    }

    /// Levels in the subtree rooted at `c` (1 for a leaf): one query for the account's
    /// collections of the kind, then a walk down by parent.
    fn height_of(&mut self, c: &Collection) -> Result<usize> {
        let rows = self.conn().query(
            "SELECT id, parent_id FROM collections WHERE account_id = $1 AND kind = $2 AND parent_id IS NOT NULL",
            params![c.account.0, kind_code(c.kind)],
        )?;
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in &rows {
            if let Some(p) = r.opt_int(1)? {
                children.entry(p).or_default().push(r.int(0)?);
            }
        }
        let (mut level, mut height) = (vec![c.id.0], 0);
        // Bounded by the number of collections: a cycle in stored data cannot loop forever.
        while !level.is_empty() && height <= rows.len() {
            height += 1;
            level = level.iter().filter_map(|id| children.get(id)).flatten().copied().collect();
        }
        Ok(height)
    }
}

fn plural(kind: CollectionKind) -> &'static str {
    match kind {
        CollectionKind::Mailbox => "mailboxes",
        CollectionKind::Folder => "folders",
        _ => "collections",
    }
}
