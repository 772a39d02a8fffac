//! FolderSync (MS-ASCMD §2.2.1.5): the account's mailboxes and groupware collections (address
//! books, calendars, task lists, notes) as ActiveSync folders. A folder's
//! ServerId is its collection id, its ParentId its parent's (or "0"), its Type from its special
//! use. The hierarchy state (the list last sent) is kept with the device, so a later FolderSync
//! sends only what was added, renamed or moved, and deleted. Key 0 starts over and is cheap:
//! one read of the mailbox list; the collections' own sync states are left alone.

use relais_mail::mailbox::Folders;
use relais_store::{CollectionId, MailboxRole, SyncState};
use relais_wbxml::Element;
use relais_wbxml::tag::folderhierarchy as fh;
use serde::{Deserialize, Serialize};

use relais_groupware::note::{NOTES_ROLE, is_note_list};

use crate::{Answer, Ctx, text_of};

/// The device sync state's name for the folder hierarchy.
pub(crate) const HIERARCHY: &str = "hierarchy";

/// A folder as a device was told of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Folder {
    pub id: String,
    pub parent: String,
    pub name: String,
    pub kind: u8,
}

/// MS-ASCMD §2.2.3.186.3 folder types.
fn kind_of(role: Option<MailboxRole>) -> u8 {
    match role {
        Some(MailboxRole::Inbox) => 2,
        Some(MailboxRole::Drafts) => 3,
        Some(MailboxRole::Trash) => 4,
        Some(MailboxRole::Sent) => 5,
        // A user-created mail folder (Junk, Archive and the rest).
        _ => 12,
    }
}

/// The actor's own mailboxes as folders, parents first.
pub(crate) async fn current(ctx: &Ctx<'_>) -> Result<Vec<Folder>, relais_store::Error> {
    let actor = ctx.actor.clone();
    let folders = ctx.store().read(move |r| Folders::load(r, &actor)).await?;
    let mut out: Vec<(usize, Folder)> = folders
        .list
        .iter()
        .filter(|f| f.owner() == ctx.actor.principal)
        .map(|f| {
            let c = &f.collection;
            let depth = f.name.matches(relais_mail::mailbox::SEPARATOR).count();
            let name = f.name.rsplit(relais_mail::mailbox::SEPARATOR).next().unwrap_or(&f.name).to_owned();
            let parent = c.parent.map_or_else(|| "0".to_owned(), |p| p.0.to_string());
            (depth, Folder { id: c.id.0.to_string(), parent, name, kind: kind_of(c.mailbox_role()) })
        })
        .collect();
    // The account's own address books, calendars, task lists and notes collections, from the
    // groupware domain: the default one of each as Contacts (9), Calendar (8), Tasks (7),
    // Notes (10), the others as user-created ones (14, 13, 15, 17; MS-ASCMD §2.2.3.186.3).
    // The default notes collection is made by the domain the first time a device asks.
    if let Err(e) = ctx.eas.groupware().default_notes(&ctx.actor).await {
        tracing::warn!(error = %e, "eas: no notes collection");
    }
    for (kind, default, other) in GROUPWARE_TYPES {
        let list = ctx.eas.groupware().own_collections(&ctx.actor, kind).await.map_err(|e| match e {
            relais_groupware::Error::Store(s) => s,
            other => relais_store::Error::Invalid(other.to_string()),
        })?;
        for c in list {
            let kind = match (is_note_list(&c), c.role.as_deref()) {
                (true, Some(NOTES_ROLE)) => NOTES.0,
                (true, _) => NOTES.1,
                (false, Some("default")) => default,
                (false, _) => other,
            };
            let name =
                relais_groupware::CollectionProps::parse(&c.props).display_name.unwrap_or_else(|| c.name.clone());
            out.push((0, Folder { id: c.id.0.to_string(), parent: "0".into(), name, kind }));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    Ok(out.into_iter().map(|(_, f)| f).collect())
}

/// The collection a folder id names, if it is one of the actor's folders.
pub(crate) fn collection_id(id: &str) -> Option<CollectionId> {
    id.parse::<i64>().ok().filter(|n| *n > 0).map(CollectionId)
}

fn status(code: u32) -> Answer {
    Answer::Doc(Element::new(fh::FOLDER_SYNC).with_leaf(fh::STATUS, code.to_string()))
}

fn folder(tag: relais_wbxml::Tag, f: &Folder) -> Element {
    Element::new(tag)
        .with_leaf(fh::SERVER_ID, f.id.as_str())
        .with_leaf(fh::PARENT_ID, f.parent.as_str())
        .with_leaf(fh::DISPLAY_NAME, f.name.as_str())
        .with_leaf(fh::TYPE, f.kind.to_string())
}

pub(crate) async fn folder_sync(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let Some(key) = body.filter(|b| b.tag == fh::FOLDER_SYNC).and_then(|b| text_of(&b, fh::SYNC_KEY)) else {
        return status(10);
    };
    let Ok(key) = key.parse::<u32>() else { return status(9) };
    let dir = &ctx.eas.directory;
    let device = &ctx.query.device_id;
    let stored = match dir.sync_state(&ctx.actor, device, HIERARCHY).await {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = %e, "eas: hierarchy state unreadable");
            return status(6);
        }
    };
    // What the device holds: nothing (key 0), the current state, or the one before (it lost
    // the answer that moved it on).
    let Ok(held) = crate::held_state::<Vec<Folder>>(key, &stored) else { return status(9) };
    let held = held.unwrap_or_default();
    let now = match current(ctx).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "eas: folder list unreadable");
            return status(6);
        }
    };
    let mut changes = Vec::new();
    for f in &now {
        match held.iter().find(|h| h.id == f.id) {
            None => changes.push(folder(fh::ADD, f)),
            Some(h) if h != f => changes.push(folder(fh::UPDATE, f)),
            Some(_) => {}
        }
    }
    for h in held.iter().filter(|h| !now.iter().any(|f| f.id == h.id)) {
        changes.push(Element::new(fh::DELETE).with_leaf(fh::SERVER_ID, h.id.as_str()));
    }
    // Updates first, then deletions, then additions (the order of MS-ASCMD's example).
    changes.sort_by_key(|e| match e.tag {
        t if t == fh::UPDATE => 0,
        t if t == fh::DELETE => 1,
        _ => 2,
    });
    let next = if changes.is_empty() && key != 0 {
        key
    } else {
        let next = stored.key.max(key).wrapping_add(1).max(1);
        let state = SyncState {
            key: next,
            state: serde_json::to_string(&now).unwrap_or_default(),
            prev_key: key,
            prev_state: serde_json::to_string(&held).unwrap_or_default(),
        };
        if let Err(e) = dir.save_sync_state(&ctx.actor, device, HIERARCHY, state).await {
            tracing::warn!(error = %e, "eas: hierarchy state not saved");
            return status(6);
        }
        next
    };
    Answer::Doc(
        Element::new(fh::FOLDER_SYNC)
            .with_leaf(fh::STATUS, "1")
            .with_leaf(fh::SYNC_KEY, next.to_string())
            .with(Element::new(fh::CHANGES).with_leaf(fh::COUNT, changes.len().to_string()).with_all(changes)),
    )
}

/// FolderCreate, FolderUpdate and FolderDelete (MS-ASCMD §2.2.1.2–4): a mail folder made,
/// renamed or moved, or deleted through the mail domain (rights checked there) — or a calendar,
/// task list or address book through the groupware domain (`groupware_change`) — under the
/// hierarchy's sync key, which they move on. The device's hierarchy state gains exactly the
/// change it made (others' changes still come with the next FolderSync).
pub(crate) async fn folder_change(ctx: &Ctx<'_>, body: Option<Element>, root: relais_wbxml::Tag) -> Answer {
    let answer = |status: u32, key: Option<u32>, server_id: Option<&str>| {
        let mut e = Element::new(root).with_leaf(fh::STATUS, status.to_string());
        if let Some(k) = key {
            e = e.with_leaf(fh::SYNC_KEY, k.to_string());
        }
        if let Some(id) = server_id {
            e = e.with_leaf(fh::SERVER_ID, id);
        }
        Answer::Doc(e)
    };
    let Some(req) = body.filter(|b| b.tag == root) else { return answer(10, None, None) };
    let dir = &ctx.eas.directory;
    let device = &ctx.query.device_id;
    let Ok(stored) = dir.sync_state(&ctx.actor, device, HIERARCHY).await else { return answer(6, None, None) };
    let stored = stored.unwrap_or_default();
    let key = text_of(&req, fh::SYNC_KEY).and_then(|k| k.parse::<u32>().ok());
    if key.is_none_or(|k| k == 0 || k != stored.key) {
        return answer(9, None, None);
    }
    let Ok(Some(mut held)) = crate::held_state::<Vec<Folder>>(stored.key, &stored) else {
        return answer(9, None, None);
    };
    let actor = ctx.actor.clone();
    let Ok(folders) = ctx.store().read(move |r| Folders::load(r, &actor)).await else { return answer(6, None, None) };
    let full_name = |id: &str| {
        collection_id(id)
            .and_then(|c| folders.list.iter().find(|f| f.collection.id == c && f.owner() == ctx.actor.principal))
            .map(|f| f.name.clone())
    };
    let under = |parent: &str, name: &str| -> Option<String> {
        if parent == "0" {
            Some(name.to_owned())
        } else {
            full_name(parent).map(|p| format!("{p}{}{name}", relais_mail::mailbox::SEPARATOR))
        }
    };
    let name = text_of(&req, fh::DISPLAY_NAME).unwrap_or_default();
    let parent = text_of(&req, fh::PARENT_ID).unwrap_or_else(|| "0".into());
    let store = ctx.store();
    let groupware = groupware_change(ctx, &req, root, &mut held).await;
    let done: Result<Option<String>, u32> = if let Some(done) = groupware {
        done
    } else {
        match root {
            t if t == fh::FOLDER_CREATE => {
                if text_of(&req, fh::TYPE).is_some_and(|t| t != "12" && t != "1") {
                    return answer(10, None, None);
                }
                let Some(full) = under(&parent, &name).filter(|_| !name.is_empty()) else {
                    return answer(5, None, None);
                };
                match relais_mail::mailbox::create(store, &ctx.actor, &full, None).await {
                    Ok(id) => {
                        let id = id.0.to_string();
                        held.push(Folder { id: id.clone(), parent: parent.clone(), name: name.clone(), kind: 12 });
                        Ok(Some(id))
                    }
                    Err(relais_mail::MailError::Store(relais_store::Error::AlreadyExists(_))) => Err(2),
                    Err(relais_mail::MailError::NoMailbox) => Err(5),
                    Err(_) => Err(3),
                }
            }
            t if t == fh::FOLDER_UPDATE => {
                let id = text_of(&req, fh::SERVER_ID).unwrap_or_default();
                let (Some(from), Some(to)) = (full_name(&id), under(&parent, &name).filter(|_| !name.is_empty()))
                else {
                    return answer(if full_name(&id).is_none() { 4 } else { 5 }, None, None);
                };
                match relais_mail::mailbox::rename(store, &ctx.actor, &from, &to).await {
                    Ok(()) => {
                        if let Some(f) = held.iter_mut().find(|f| f.id == id) {
                            f.name = name.clone();
                            f.parent = parent.clone();
                        }
                        Ok(None)
                    }
                    Err(relais_mail::MailError::Store(relais_store::Error::AlreadyExists(_))) => Err(2),
                    Err(_) => Err(2),
                }
            }
            _ => {
                let id = text_of(&req, fh::SERVER_ID).unwrap_or_default();
                let Some(full) = full_name(&id) else { return answer(4, None, None) };
                match relais_mail::mailbox::delete_tree(store, &ctx.actor, &full).await {
                    Ok(()) => {
                        // The folder and every folder under it.
                        let mut gone = vec![id.clone()];
                        let mut seen: std::collections::HashSet<String> = gone.iter().cloned().collect();
                        let mut i = 0;
                        while i < gone.len() {
                            let p = gone[i].clone();
                            // Each folder once, whatever the parent links held say.
                            for f in held.iter().filter(|f| f.parent == p) {
                                if seen.insert(f.id.clone()) {
                                    gone.push(f.id.clone());
                                }
                            }
                            i += 1;
                        }
                        held.retain(|f| !seen.contains(&f.id));
                        Ok(None)
                    }
                    Err(_) => Err(3),
                }
            }
        }
    };
    match done {
        Err(status) => answer(status, None, None),
        Ok(server_id) => {
            let next = stored.key.wrapping_add(1).max(1);
            let state = SyncState {
                key: next,
                state: serde_json::to_string(&held).unwrap_or_default(),
                prev_key: stored.key,
                prev_state: stored.state.clone(),
            };
            if dir.save_sync_state(&ctx.actor, device, HIERARCHY, state).await.is_err() {
                return answer(6, None, None);
            }
            answer(1, Some(next), server_id.as_deref())
        }
    }
}

/// The folder types of calendars, task lists and address books (MS-ASCMD §2.2.3.186.3): the
/// default ones, then the user-created ones. Notes collections are calendars (`NOTES`).
const GROUPWARE_TYPES: [(relais_store::CollectionKind, u8, u8); 3] = [
    (relais_store::CollectionKind::AddressBook, 9, 14),
    (relais_store::CollectionKind::Calendar, 8, 13),
    (relais_store::CollectionKind::TaskList, 7, 15),
];

/// The folder types of the default notes collection and of the user-created ones.
const NOTES: (u8, u8) = (10, 17);

/// FolderCreate of a calendar (13), task list (15), address book (14) or notes collection
/// (17: a calendar taking VJOURNAL only), and FolderUpdate or FolderDelete of one, through the
/// groupware domain (the collection's DAV name is new and random, its display name the
/// device's); `None` when the request is about a mail folder. A default collection (the
/// default notes one too) is renamed but not deleted (Status 3, a special folder).
async fn groupware_change(
    ctx: &Ctx<'_>,
    req: &Element,
    root: relais_wbxml::Tag,
    held: &mut Vec<Folder>,
) -> Option<Result<Option<String>, u32>> {
    let gw = ctx.eas.groupware();
    let name = text_of(req, fh::DISPLAY_NAME).unwrap_or_default();
    if root == fh::FOLDER_CREATE {
        let kind: u8 = text_of(req, fh::TYPE)?.parse().ok()?;
        let coll_kind = match GROUPWARE_TYPES.iter().find(|(_, _, user)| *user == kind) {
            Some((k, _, _)) => *k,
            None if kind == NOTES.1 => relais_store::CollectionKind::Calendar,
            None => return None,
        };
        if name.is_empty() || name.chars().count() > 256 {
            return Some(Err(5));
        }
        let props = match kind {
            k if k == NOTES.1 => relais_groupware::CollectionProps::notes(&name),
            _ => relais_groupware::CollectionProps { display_name: Some(name.clone()), ..Default::default() },
        };
        let dav_name = format!("{:032x}", rand::random::<u128>());
        let made = gw.create_collection(&ctx.actor, ctx.actor.principal, coll_kind, &dav_name, props).await;
        return Some(match made {
            Ok(c) => {
                let id = c.id.0.to_string();
                held.push(Folder { id: id.clone(), parent: "0".into(), name, kind });
                Ok(Some(id))
            }
            Err(relais_groupware::Error::Limit(_)) => Err(6),
            Err(_) => Err(3),
        });
    }
    let id = text_of(req, fh::SERVER_ID).unwrap_or_default();
    let coll = gw.readable_collection(&ctx.actor, collection_id(&id)?).await.ok()?;
    GROUPWARE_TYPES.iter().find(|(k, _, _)| *k == coll.kind)?;
    if coll.account != ctx.actor.principal {
        return Some(Err(4));
    }
    if root == fh::FOLDER_UPDATE {
        if name.is_empty() || text_of(req, fh::PARENT_ID).is_some_and(|p| p != "0") {
            return Some(Err(5));
        }
        let mut props = relais_groupware::CollectionProps::parse(&coll.props);
        props.display_name = Some(name.clone());
        return Some(match gw.set_props(&ctx.actor, &coll, props).await {
            Ok(()) => {
                if let Some(f) = held.iter_mut().find(|f| f.id == id) {
                    f.name = name;
                }
                Ok(None)
            }
            Err(_) => Err(6),
        });
    }
    if matches!(coll.role.as_deref(), Some("default" | NOTES_ROLE)) {
        return Some(Err(3));
    }
    Some(match gw.delete_collection(&ctx.actor, &coll).await {
        Ok(()) => {
            held.retain(|f| f.id != id);
            Ok(None)
        }
        Err(_) => Err(6),
    })
}
