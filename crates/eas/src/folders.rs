//! FolderSync (MS-ASCMD §2.2.1.5): the account's mailboxes as ActiveSync folders. A folder's
//! ServerId is its collection id, its ParentId its parent's (or "0"), its Type from its special
//! use. The hierarchy state (the list last sent) is kept with the device, so a later FolderSync
//! sends only what was added, renamed or moved, and deleted. Key 0 starts over and is cheap:
//! one read of the mailbox list; the collections' own sync states are left alone.

use relais_mail::mailbox::Folders;
use relais_store::{CollectionId, MailboxRole, SyncState};
use relais_wbxml::Element;
use relais_wbxml::tag::folderhierarchy as fh;
use serde::{Deserialize, Serialize};

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
    let held: Vec<Folder> = match key {
        0 => Vec::new(),
        k if k == stored.key => serde_json::from_str(&stored.state).unwrap_or_default(),
        k if k == stored.prev_key && k != 0 => serde_json::from_str(&stored.prev_state).unwrap_or_default(),
        _ => return status(9),
    };
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
