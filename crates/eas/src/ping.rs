//! Ping (MS-ASCMD §2.2.1.13): the device names folders and a heartbeat; the request is held
//! until a commit of the account touches mail or groupware objects (the store's per-account notifications, so a
//! parked Ping costs nothing when other accounts change), then the folders whose content
//! changed since the Ping began are named (Status 2), or the heartbeat ends it (Status 1).
//! The folder list and heartbeat are kept with the device, so a Ping without a body repeats
//! the last one.

use std::time::Duration;

use relais_mail::mailbox;
use relais_store::{DataType, Modseq};
use relais_wbxml::Element;
use relais_wbxml::tag::ping as p;
use serde::{Deserialize, Serialize};

use crate::folders::collection_id;
use crate::{Answer, Ctx, clamp, text_of};

/// The kinds of commit a Ping looks at: mail, and the objects of address books, calendars
/// and task lists.
const WATCHED: [DataType; 5] = [DataType::Email, DataType::Mailbox, DataType::Contact, DataType::Event, DataType::Task];

/// The device sync state's name for its last Ping.
const PING: &str = "ping";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Parked {
    heartbeat: u64,
    folders: Vec<String>,
}

fn status(code: u32) -> Element {
    Element::new(p::PING).with_leaf(p::STATUS, code.to_string())
}

pub(crate) async fn ping(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let dir = &ctx.eas.directory;
    let device = &ctx.query.device_id;
    let config = &ctx.eas.config;
    let last: Parked = match dir.sync_state(&ctx.actor, device, PING).await {
        Ok(Some(s)) => serde_json::from_str(&s.state).unwrap_or_default(),
        Ok(None) => Parked::default(),
        Err(e) => {
            tracing::warn!(error = %e, "eas: ping state unreadable");
            return Answer::Doc(status(8));
        }
    };
    let mut parked = last.clone();
    if let Some(req) = &body {
        if req.tag != p::PING {
            return Answer::Doc(status(4));
        }
        if let Some(h) = text_of(req, p::HEARTBEAT_INTERVAL) {
            let Ok(h) = h.parse::<u64>() else { return Answer::Doc(status(4)) };
            let (min, max) = config.heartbeat;
            if h < min || h > max {
                return Answer::Doc(
                    status(5).with_leaf(p::HEARTBEAT_INTERVAL, if h < min { min } else { max }.to_string()),
                );
            }
            parked.heartbeat = h;
        }
        if let Some(folders) = req.child(p::FOLDERS) {
            let ids: Vec<String> = folders.children_with(p::FOLDER).filter_map(|f| text_of(f, p::ID)).collect();
            if ids.len() > config.max_ping_folders {
                return Answer::Doc(status(6).with_leaf(p::MAX_FOLDERS, config.max_ping_folders.to_string()));
            }
            parked.folders = ids;
        }
    }
    if parked.heartbeat == 0 || parked.folders.is_empty() {
        return Answer::Doc(status(3));
    }
    if parked.heartbeat != last.heartbeat || parked.folders != last.folders {
        let state = relais_store::SyncState {
            key: 1,
            state: serde_json::to_string(&parked).unwrap_or_default(),
            ..Default::default()
        };
        if let Err(e) = dir.save_sync_state(&ctx.actor, device, PING, state).await {
            tracing::warn!(error = %e, "eas: ping state not saved");
        }
    }
    let mut mailboxes = Vec::with_capacity(parked.folders.len());
    for id in &parked.folders {
        match collection_id(id) {
            Some(c) => mailboxes.push((id.clone(), c)),
            None => return Answer::Doc(status(7)),
        }
    }
    // Subscribe before reading the starting point: a commit in between is seen.
    let mut changes = ctx.store().subscribe_account(ctx.actor.principal);
    let start = match ctx
        .store()
        .read({
            let account = ctx.actor.principal;
            move |r| r.account_modseq(account)
        })
        .await
    {
        Ok(m) => m,
        Err(_) => return Answer::Doc(status(8)),
    };
    // Every folder must still be the device's to read (else its folder list is stale).
    for (_, c) in &mailboxes {
        if changed(ctx, *c, start).await.is_err() {
            return Answer::Doc(status(7));
        }
    }
    let deadline = tokio::time::Instant::now() + clamp(parked.heartbeat, config.heartbeat);
    loop {
        let woken = tokio::time::timeout_at(deadline, changes.recv()).await;
        match woken {
            Err(_) => return Answer::Doc(status(1)),
            Ok(Ok(n)) if !WATCHED.iter().any(|t| n.touches(*t)) => continue,
            Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => {
                tokio::time::sleep_until(deadline).await;
                return Answer::Doc(status(1));
            }
            Ok(_) => {}
        }
        let changed = changed_since(ctx, &mailboxes, start).await;
        if !changed.is_empty() {
            let folders = changed.into_iter().map(|id| Element::leaf(p::FOLDER, id));
            return Answer::Doc(status(2).with(Element::new(p::FOLDERS).with_all(folders)));
        }
        // A short pause folds a burst of commits into one look.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The folders among `mailboxes` with something added, changed or removed after `since`.
async fn changed_since(
    ctx: &Ctx<'_>,
    mailboxes: &[(String, relais_store::CollectionId)],
    since: Modseq,
) -> Vec<String> {
    let mut out = Vec::new();
    for (id, c) in mailboxes {
        if changed(ctx, *c, since).await.unwrap_or(true) {
            out.push(id.clone());
        }
    }
    out
}

/// Whether folder `c` (a mailbox, address book, calendar or task list) changed after `since`; an error when the
/// device may no longer read it.
async fn changed(ctx: &Ctx<'_>, c: relais_store::CollectionId, since: Modseq) -> Result<bool, ()> {
    match mailbox::changed_since(ctx.store(), &ctx.actor, c, since).await {
        Ok(b) => Ok(b),
        Err(relais_mail::MailError::NoMailbox) => {
            ctx.eas.groupware().changed_since(&ctx.actor, c, since).await.map_err(|_| ())
        }
        Err(_) => Err(()),
    }
}
