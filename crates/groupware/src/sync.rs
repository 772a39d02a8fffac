//! What a sync client (ActiveSync; EWS SyncFolderItems later) is missing of a calendar, task
//! list or address book. As for mail (`relais_mail::mailbox::delta`), what the client holds
//! needs no list: every object of the collection up to an item id (ids only grow), as of a
//! modseq. Objects taken out come from the change log; a state older than its window is
//! `ChangesTooOld` (the client starts over). Rights are read in the same read transaction.

use relais_directory::access::{self, Actor, Rights};
use relais_store::{ChangeKind, Collection, CollectionId, ItemId, Modseq, ResourceContent};

use crate::{Error, Groupware, Result};

/// What a client holds of a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub modseq: Modseq,
    /// Every object with an id up to this one (0: none).
    pub item: i64,
}

impl Default for Held {
    fn default() -> Held {
        Held { modseq: Modseq(0), item: 0 }
    }
}

/// One object with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub id: ItemId,
    pub name: String,
    pub modseq: Modseq,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct Delta {
    pub removed: Vec<ItemId>,
    pub changed: Vec<Object>,
    /// Objects not held yet, by id, at most the limit asked.
    pub added: Vec<Object>,
    pub more: bool,
    pub held: Held,
}

/// The collection, if the actor may read its objects.
fn readable(
    r: &mut relais_store::ReadTx<'_>,
    actor: &Actor,
    id: CollectionId,
) -> relais_store::Result<Result<Collection>> {
    let c = match r.collection(id) {
        Ok(c) => c,
        Err(relais_store::Error::NotFound(_)) => return Ok(Err(Error::NotFound)),
        Err(e) => return Err(e),
    };
    let held = access::rights_on(r, actor, &c)?;
    Ok(if held.contains(Rights::READ_ITEMS) { Ok(c) } else { Err(Error::NotFound) })
}

impl Groupware {
    /// The collection `id`, if `actor` may read its objects (else `NotFound`, whether it exists
    /// or not).
    pub async fn readable_collection(&self, actor: &Actor, id: CollectionId) -> Result<Collection> {
        let actor = actor.clone();
        self.store.read(move |r| readable(r, &actor, id)).await?
    }

    /// The delta of collection `id` for a client holding `held`, adding at most `limit` objects.
    pub async fn delta(&self, actor: &Actor, id: CollectionId, held: Held, limit: usize) -> Result<Delta> {
        let actor = actor.clone();
        let found = self
            .store
            .read(move |r| {
                let c = match readable(r, &actor, id)? {
                    Ok(c) => c,
                    Err(e) => return Ok(Err(e)),
                };
                let now = r.account_modseq(c.account)?;
                let mut removed: Vec<(ItemId, Modseq)> = Vec::new();
                if held.item > 0 {
                    for change in r.collection_changes_since(id, held.modseq)? {
                        if change.kind == ChangeKind::Destroyed && change.id.0 <= held.item {
                            removed.push((change.id, change.modseq));
                        }
                    }
                }
                // Chosen on the list without content; only the chosen are read whole.
                let mut all = r.resources(id)?;
                all.sort_by_key(|x| x.id.0);
                let mut changed = Vec::new();
                let mut added = Vec::new();
                let mut more = false;
                for x in all {
                    if x.id.0 <= held.item {
                        if x.modseq > held.modseq {
                            changed.push((x.name, x.modseq));
                        }
                    } else if added.len() < limit {
                        added.push(x.name);
                    } else {
                        more = true;
                        break;
                    }
                }
                // Changes and removals are a window too (each change is read whole): past
                // `limit` of them, those of the oldest modseqs up to the limit are told now (the
                // client then holds the collection as of the last of them), the rest and the
                // new objects next time.
                let mut upto = now;
                if removed.len() + changed.len() > limit.max(1) {
                    let mut modseqs: Vec<Modseq> =
                        removed.iter().map(|c| c.1).chain(changed.iter().map(|c| c.1)).collect();
                    modseqs.sort_unstable();
                    upto = modseqs[limit.max(1) - 1];
                    removed.retain(|c| c.1 <= upto);
                    changed.retain(|c| c.1 <= upto);
                    added.clear();
                    more = true;
                }
                let removed: Vec<ItemId> = removed.into_iter().map(|c| c.0).collect();
                let changed: Vec<String> = changed.into_iter().map(|c| c.0).collect();
                let by_id = |names: &[String],
                             r: &mut relais_store::ReadTx<'_>|
                 -> relais_store::Result<Vec<ResourceContent>> {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    let mut found = r.resources_named(id, &names)?;
                    found.sort_by_key(|x| x.resource.id.0);
                    Ok(found)
                };
                let (changed, added) = (by_id(&changed, r)?, by_id(&added, r)?);
                Ok(Ok((removed, changed, added, more, upto)))
            })
            .await??;
        let (removed, changed, added, more, now) = found;
        let last = added.last().map_or(held.item, |x: &ResourceContent| x.resource.id.0);
        let changed = self.with_content(changed).await?;
        let added = self.with_content(added).await?;
        Ok(Delta { removed, changed, added, more, held: Held { modseq: now, item: last } })
    }

    /// Object `item` of collection `id` with its content, if it is there and `actor` may read
    /// the collection.
    pub async fn object(&self, actor: &Actor, id: CollectionId, item: ItemId) -> Result<Option<Object>> {
        let actor = actor.clone();
        let found = self
            .store
            .read(move |r| {
                if let Err(e) = readable(r, &actor, id)? {
                    return Ok(Err(e));
                }
                Ok(Ok(r.resource_by_id(id, item)?))
            })
            .await??;
        Ok(self.with_content(found.into_iter().collect()).await?.pop())
    }

    async fn with_content(&self, list: Vec<ResourceContent>) -> Result<Vec<Object>> {
        let mut out = Vec::with_capacity(list.len());
        for x in list {
            let content = match (x.data, x.blob) {
                (Some(d), _) => d,
                (None, Some(b)) => self.store.blob(b).await?,
                (None, None) => Vec::new(),
            };
            out.push(Object { id: x.resource.id, name: x.resource.name, modseq: x.resource.modseq, content });
        }
        Ok(out)
    }
}

impl Groupware {
    /// The object named `name` in collection `id` with its content, if `actor` may read it.
    pub async fn object_named(&self, actor: &Actor, id: CollectionId, name: &str) -> Result<Option<Object>> {
        let (actor, name) = (actor.clone(), name.to_owned());
        let found = self
            .store
            .read(move |r| {
                if let Err(e) = readable(r, &actor, id)? {
                    return Ok(Err(e));
                }
                Ok(Ok(r.resources_named(id, &[name.as_str()])?.pop()))
            })
            .await??;
        Ok(self.with_content(found.into_iter().collect()).await?.pop())
    }
}

impl Groupware {
    /// Whether objects of collection `id` were added, changed or removed after `since` (a
    /// parked ActiveSync Ping's question); a `since` older than the log counts as changed.
    pub async fn changed_since(&self, actor: &Actor, id: CollectionId, since: Modseq) -> Result<bool> {
        let actor = actor.clone();
        self.store
            .read(move |r| {
                if let Err(e) = readable(r, &actor, id)? {
                    return Ok(Err(e));
                }
                match r.collection_changes_since(id, since) {
                    Ok(list) => Ok(Ok(!list.is_empty())),
                    Err(relais_store::Error::ChangesTooOld { .. }) => Ok(Ok(true)),
                    Err(e) => Err(e),
                }
            })
            .await?
    }
}

impl Groupware {
    /// The collections of `kind` in `actor`'s own account that it may read, by id; a
    /// calendar account's scheduling inbox is not one of its calendars (RFC 6638 §2.2).
    pub async fn own_collections(&self, actor: &Actor, kind: relais_store::CollectionKind) -> Result<Vec<Collection>> {
        let actor = actor.clone();
        self.store
            .read(move |r| {
                let mut out = Vec::new();
                for c in r.collections(actor.principal, kind)? {
                    if c.role.as_deref() == Some(crate::scheduling::INBOX_ROLE) {
                        continue;
                    }
                    if access::rights_on(r, &actor, &c)?.contains(Rights::READ_ITEMS) {
                        out.push(c);
                    }
                }
                Ok(out)
            })
            .await
            .map_err(Error::from)
    }

    /// How many objects the delta of collection `id` for a client holding `held` names
    /// (removed, changed and not yet held), counted on the list without reading any content.
    pub async fn count_missing(&self, actor: &Actor, id: CollectionId, held: Held) -> Result<usize> {
        let actor = actor.clone();
        self.store
            .read(move |r| {
                if let Err(e) = readable(r, &actor, id)? {
                    return Ok(Err(e));
                }
                let mut n = 0;
                if held.item > 0 {
                    let changes = r.collection_changes_since(id, held.modseq)?;
                    n += changes.iter().filter(|c| c.kind == ChangeKind::Destroyed && c.id.0 <= held.item).count();
                }
                n += r.resources(id)?.iter().filter(|x| x.id.0 > held.item || x.modseq > held.modseq).count();
                Ok(Ok(n))
            })
            .await?
    }
}
