//! Sync of mail folders (MS-ASCMD §2.2.1.21). Per device and folder, the state behind a key is
//! what the device holds ([`Held`]: every message up to a UID received since a date, as of a
//! modseq) and its body options. Each Sync applies the device's changes (Read, Flag, Delete,
//! Fetch) through the mail domain, then sends what it is missing ([`relais_mail::mailbox::delta_within`];
//! what left the FilterType window as SoftDelete),
//! a window at a time, under a new key. The key before is kept: a device that lost an answer
//! sends that key again and gets the changes since then once more. Any other key is Status 3
//! (the device starts over from key 0), as is a state older than the change log's window.

use relais_mail::MailError;
use relais_mail::mailbox::{self, Expunge, FlagChange, Held, KeywordChange, Transfer};
use relais_store::{CollectionId, MailboxRole, Modseq, SyncState, Uid};
use relais_wbxml::Element;
use relais_wbxml::tag::{airsync as a, email, email2};
use serde::{Deserialize, Serialize};

use crate::email::{BodyPreference, application_data, flags};
use crate::folders::collection_id;
use crate::{Ctx, text_of};

/// What a key stands for.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    modseq: u64,
    uid: u32,
    since: i64,
    /// FilterType (0: all).
    filter: u8,
    body: BodyPreference,
    /// The device's own flag changes not yet past a delta (UID and the modseq they made): not
    /// told back to it unless someone changed the message again since.
    #[serde(default)]
    own: Vec<(u32, u64)>,
    /// Messages the device itself deleted, not told back to it.
    #[serde(default)]
    gone: Vec<u32>,
    /// Drafts the device added (its ClientId and the UID they got): not sent back to it, and
    /// a repeated Add with the same ClientId (an answer lost) stores nothing again.
    #[serde(default)]
    added: Vec<(String, u32)>,
}

/// Most ClientIds remembered per folder.
const MAX_ADDED: usize = 256;

/// Most commands of a device applied in one collection of one Sync request.
pub(crate) const MAX_COMMANDS: usize = 1000;

/// Most own changes remembered between deltas (past it, an echo is harmless).
const MAX_OWN: usize = 10_000;

/// What the device's own commands did in one request.
#[derive(Default)]
struct Own {
    changed: Vec<(u32, u64)>,
    deleted: Vec<u32>,
    added: Vec<(String, u32)>,
    /// Drafts it added and sent at once: out of Drafts, which it is told.
    sent: Vec<u32>,
}

impl State {
    fn held(&self) -> Held {
        Held { modseq: Modseq(self.modseq), uid: Uid(self.uid), since: self.since }
    }
}

/// The earliest receive time FilterType lets through (MS-ASCMD §2.2.3.70.2), from now.
fn since_for(filter: u8) -> i64 {
    const DAY: i64 = 86_400;
    let days = match filter {
        1 => 1,
        2 => 3,
        3 => 7,
        4 => 14,
        5 => 31,
        6 => 92,
        7 => 183,
        _ => return 0,
    };
    relais_store::now() - days * DAY
}

/// A message's ServerId: `<folder>:<uid>`.
pub(crate) fn server_id(collection: &str, uid: Uid) -> String {
    format!("{collection}:{}", uid.0)
}

/// The UID a ServerId names in `collection`.
pub(crate) fn uid_in(collection: &str, id: &str) -> Option<Uid> {
    let (c, uid) = id.split_once(':')?;
    (c == collection).then(|| uid.parse::<u32>().ok()).flatten().filter(|u| *u > 0).map(Uid)
}

pub(crate) fn collection_status(key: &str, id: &str, status: u32) -> Element {
    Element::new(a::COLLECTION)
        .with_leaf(a::SYNC_KEY, key)
        .with_leaf(a::COLLECTION_ID, id)
        .with_leaf(a::STATUS, status.to_string())
}

/// One collection of a Sync request (`sync_request`): a groupware collection as its class,
/// else a mail folder.
pub(crate) async fn collection(ctx: &Ctx<'_>, c: &Element, window: Option<usize>, budget: &mut usize) -> Element {
    let key_text = text_of(c, a::SYNC_KEY).unwrap_or_default();
    let id = text_of(c, a::COLLECTION_ID).unwrap_or_default();
    let Some(mailbox) = collection_id(&id) else { return collection_status(&key_text, &id, 12) };
    // Address books, calendars and task lists are synced as their classes; everything else
    // here is mail.
    let max = ctx.eas.config.max_window;
    let window_for = |w: Option<usize>| match w.unwrap_or(100) {
        0 => max,
        w => w.min(max),
    };
    if let Ok(coll) = ctx.eas.groupware().readable_collection(&ctx.actor, mailbox).await
        && crate::objects::Class::of(&coll).is_some()
    {
        let w = window_for(text_of(c, a::WINDOW_SIZE).and_then(|w| w.parse().ok()).or(window));
        return crate::objects::collection(ctx, &coll, c, w, budget).await;
    }
    let Ok(key) = key_text.parse::<u32>() else { return collection_status("0", &id, 3) };
    let dir = &ctx.eas.directory;
    let device = &ctx.query.device_id;
    let stored = match dir.sync_state(&ctx.actor, device, &id).await {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = %e, "eas: sync state unreadable");
            return collection_status(&key_text, &id, 16);
        }
    };
    let options = c.child(a::OPTIONS);
    let Ok(base) = crate::held_state::<State>(key, &stored) else { return collection_status("0", &id, 3) };
    let mut state = base.clone().unwrap_or_default();
    // A replay (the key before the current one): the drafts the lost answer added are the
    // current state's, so an Add sent again is answered with the draft it made.
    if key != 0
        && key == stored.prev_key
        && key != stored.key
        && let Ok(Some(current)) = crate::held_state::<State>(stored.key, &stored)
    {
        let known = state.added.clone();
        state.added.extend(current.added.into_iter().filter(|a| !known.contains(a)));
    }
    if let Some(o) = options {
        state.body = BodyPreference::from_options(o, base.as_ref().map(|b| b.body));
        let filter = text_of(o, a::FILTER_TYPE).and_then(|f| f.parse::<u8>().ok()).unwrap_or(0);
        let filter = crate::clamp_filter(filter, ctx.policy().await.max_email_age_filter);
        if base.is_none() || filter != state.filter {
            state.filter = filter;
        }
    }
    if base.is_none() {
        // Key 0: a new relationship; nothing is sent with the first key (§3.1.5.4), and
        // commands sent with key 0 are a protocol error.
        if c.has(a::COMMANDS) {
            return collection_status("0", &id, 4);
        }
        // The mailbox must be one the device may read.
        match mailbox::delta(ctx.store(), &ctx.actor, mailbox, Held::default(), 0).await {
            Ok(_) => {}
            Err(MailError::NoMailbox | MailError::NoRight { .. }) => return collection_status("0", &id, 12),
            Err(e) => {
                tracing::warn!(error = %e, "eas: sync");
                return collection_status("0", &id, 16);
            }
        }
        state.since = since_for(state.filter);
        return save(ctx, &id, key, &stored, &State::default(), state, Element::new(a::COLLECTION)).await;
    }
    // The device's changes first.
    let mut responses = Vec::new();
    let mut own = Own::default();
    if let Some(commands) = c.child(a::COMMANDS) {
        // Each command is a write: a request holding more is refused whole, before any.
        if commands.elements().count() > MAX_COMMANDS {
            return collection_status(&key_text, &id, 4);
        }
        let deletes_as_moves = text_of(c, a::DELETES_AS_MOVES).as_deref() != Some("0");
        for cmd in commands.elements() {
            if let Some(later) = fetch_later(cmd, budget) {
                responses.push(later);
                continue;
            }
            if let Some(r) = client_command(ctx, &id, mailbox, cmd, deletes_as_moves, &state, &mut own).await {
                spend(cmd, &r, budget);
                responses.push(r);
            }
        }
    }
    let get_changes = match c.child(a::GET_CHANGES) {
        None => true,
        Some(g) => !matches!(g.text().trim(), "0"),
    };
    let max = ctx.eas.config.max_window;
    let window = text_of(c, a::WINDOW_SIZE).and_then(|w| w.parse::<usize>().ok()).or(window).unwrap_or(100);
    let window = if window == 0 || window > max { max } else { window };
    let mut commands = Vec::new();
    let mut more = false;
    let mut next = state.clone();
    if get_changes {
        // The FilterType window moves on with the days: what the device holds from before
        // it is told as SoftDelete (MS-ASCMD §2.2.3.168), kept in the mailbox.
        let within = since_for(crate::clamp_filter(state.filter, ctx.policy().await.max_email_age_filter));
        let own_add = |uid: u32| state.added.iter().chain(&own.added).any(|(_, u)| *u == uid);
        let to = Missing { id: &id, mailbox, state: &state, within, window };
        let (delta, adds) = match missing(ctx, &to, &own_add, budget).await {
            Ok(d) => d,
            Err(MailError::Store(relais_store::Error::ChangesTooOld { .. })) => return collection_status("0", &id, 3),
            Err(MailError::NoMailbox | MailError::NoRight { .. }) => return collection_status(&key_text, &id, 12),
            Err(e) => {
                tracing::warn!(error = %e, "eas: sync");
                return collection_status(&key_text, &id, 16);
            }
        };
        let own_change = |uid: u32, modseq: u64| {
            let mine = |&(u, m): &(u32, u64)| u == uid && m == modseq;
            state.own.iter().any(mine) || own.changed.iter().any(mine)
        };
        let own_delete = |uid: u32| state.gone.contains(&uid) || own.deleted.contains(&uid);
        let sent = own.sent.iter().map(|u| Uid(*u));
        for uid in delta.removed.iter().filter(|u| !own_delete(u.0)).copied().chain(sent) {
            commands.push(Element::new(a::DELETE).with_leaf(a::SERVER_ID, server_id(&id, uid)));
        }
        for uid in &delta.left {
            commands.push(Element::new(a::SOFT_DELETE).with_leaf(a::SERVER_ID, server_id(&id, *uid)));
        }
        for m in delta.changed.iter().filter(|m| !own_change(m.message.uid.0, m.message.modseq.0)) {
            let [read, flag] = flags(&m.message.keywords);
            commands.push(
                Element::new(a::CHANGE)
                    .with_leaf(a::SERVER_ID, server_id(&id, m.message.uid))
                    .with(Element::new(a::APPLICATION_DATA).with(read).with(flag)),
            );
        }
        commands.extend(adds);
        more = delta.more;
        next = State {
            modseq: delta.held.modseq.0,
            uid: delta.held.uid.0,
            since: delta.held.since,
            own: Vec::new(),
            gone: Vec::new(),
            // The drafts' ClientIds outlive the delta: an Add sent again is known.
            added: state.added.iter().chain(&own.added).cloned().collect(),
            ..state.clone()
        };
        let excess = next.added.len().saturating_sub(MAX_ADDED);
        next.added.drain(..excess);
    } else {
        next.own.extend(own.changed);
        next.gone.extend(own.deleted);
        next.added.extend(own.added);
        let excess = next.added.len().saturating_sub(MAX_ADDED);
        next.added.drain(..excess);
        let (excess_own, excess_gone) =
            (next.own.len().saturating_sub(MAX_OWN), next.gone.len().saturating_sub(MAX_OWN));
        next.own.drain(..excess_own);
        next.gone.drain(..excess_gone);
    }
    let mut el = Element::new(a::COLLECTION);
    if !commands.is_empty() {
        el = el.with(Element::new(a::COMMANDS).with_all(commands));
    }
    if !responses.is_empty() {
        el = el.with(Element::new(a::RESPONSES).with_all(responses));
    }
    if more {
        el = el.with_empty(a::MORE_AVAILABLE);
    }
    save(ctx, &id, key, &stored, &state, next, el).await
}

/// A Fetch of the device's once the answer's content is spent (`EasConfig::max_answer_bytes`):
/// answered 5 (MS-ASCMD §2.2.3.177.17: retry) without reading the item.
pub(crate) fn fetch_later(cmd: &Element, budget: &usize) -> Option<Element> {
    (cmd.tag == a::FETCH && *budget == 0).then(|| {
        Element::new(a::FETCH)
            .with_leaf(a::SERVER_ID, text_of(cmd, a::SERVER_ID).unwrap_or_default())
            .with_leaf(a::STATUS, "5")
    })
}

/// Counts a Fetch's answer against the answer's content.
pub(crate) fn spend(cmd: &Element, response: &Element, budget: &mut usize) {
    if cmd.tag == a::FETCH {
        *budget = budget.saturating_sub(crate::weight(response));
    }
}

/// What a device is missing in a mail folder: from the state it holds, messages received
/// since `within`, at most `window` new ones.
struct Missing<'a> {
    id: &'a str,
    mailbox: CollectionId,
    state: &'a State,
    within: i64,
    window: usize,
}

/// The delta and the Adds of the new messages (but the device's own, `own_add`) within
/// `budget` octets of content, which the request's collections share
/// (`EasConfig::max_answer_bytes`; a message goes whatever its size while some is left).
/// When the window's new messages do not fit, the delta is taken again for the ones that do,
/// so the state saved covers exactly what is sent and the rest comes after MoreAvailable.
async fn missing(
    ctx: &Ctx<'_>,
    to: &Missing<'_>,
    own_add: &(dyn Fn(u32) -> bool + Sync),
    budget: &mut usize,
) -> Result<(mailbox::Delta, Vec<Element>), MailError> {
    let mut limit = if *budget == 0 { 0 } else { to.window };
    let mut built: std::collections::HashMap<u32, Element> = std::collections::HashMap::new();
    loop {
        let delta =
            mailbox::delta_within(ctx.store(), &ctx.actor, to.mailbox, to.state.held(), to.within, limit).await?;
        let mut left = *budget;
        let mut adds = Vec::new();
        let mut cut = None;
        for (i, m) in delta.added.iter().enumerate() {
            let uid = m.message.uid.0;
            if own_add(uid) {
                continue;
            }
            // Each collection with budget left sends one message at least.
            if left == 0 {
                cut = Some(i);
                break;
            }
            let add = match built.remove(&uid) {
                Some(add) => add,
                None => {
                    let data = application_data(m, &content(ctx, m).await, to.id, &to.state.body);
                    Element::new(a::ADD).with_leaf(a::SERVER_ID, server_id(to.id, m.message.uid)).with(data)
                }
            };
            left = left.saturating_sub(crate::weight(&add));
            adds.push((uid, add));
        }
        match cut {
            // Fewer each time: `i` is below the number the last limit let through.
            Some(i) => {
                built.extend(adds);
                limit = i;
            }
            None => {
                *budget = left;
                return Ok((delta, adds.into_iter().map(|(_, add)| add).collect()));
            }
        }
    }
}

/// Stores the new state under a new key and finishes the collection's answer (`body` holds
/// its Commands, Responses and MoreAvailable, which follow SyncKey, CollectionId and Status).
async fn save(
    ctx: &Ctx<'_>,
    id: &str,
    key: u32,
    stored: &SyncState,
    held: &State,
    next: State,
    body: Element,
) -> Element {
    let new_key = stored.key.max(key).wrapping_add(1).max(1);
    let state = SyncState {
        key: new_key,
        state: serde_json::to_string(&next).unwrap_or_default(),
        prev_key: key,
        prev_state: if key == 0 { String::new() } else { serde_json::to_string(held).unwrap_or_default() },
    };
    if let Err(e) = ctx.eas.directory.save_sync_state(&ctx.actor, &ctx.query.device_id, id, state).await {
        tracing::warn!(error = %e, "eas: sync state not saved");
        return collection_status(&key.to_string(), id, 16);
    }
    let mut el = collection_status(&new_key.to_string(), id, 1);
    el.children.extend(body.children);
    el
}

/// Applies one command of the device; returns its entry in Responses when one is due (Fetch
/// always; Change and Delete only when they failed, §2.2.3.154).
async fn client_command(
    ctx: &Ctx<'_>,
    id: &str,
    mailbox: CollectionId,
    cmd: &Element,
    deletes_as_moves: bool,
    state: &State,
    own: &mut Own,
) -> Option<Element> {
    let sid = text_of(cmd, a::SERVER_ID).unwrap_or_default();
    let response = |tag, status: u32| {
        Element::new(tag).with_leaf(a::SERVER_ID, sid.as_str()).with_leaf(a::STATUS, status.to_string())
    };
    if cmd.tag == a::ADD {
        return Some(add_draft(ctx, id, mailbox, cmd, state, own).await);
    }
    let Some(uid) = uid_in(id, &sid) else {
        return Some(response(cmd.tag, 8));
    };
    // Without its content: only a Fetch and a Send read that (a Change of Read or Flag on a
    // large message must not read it whole).
    let listed = match mailbox::listed(ctx.store(), &ctx.actor, mailbox, uid).await {
        Ok(Some(m)) => m,
        Ok(None) => return Some(response(cmd.tag, 8)),
        Err(e) => {
            tracing::debug!(error = %e, "eas: item");
            return Some(response(cmd.tag, 8));
        }
    };
    let item = listed.message.item;
    match cmd.tag {
        t if t == a::FETCH => {
            let data = application_data(&listed, &content(ctx, &listed).await, id, &state.body);
            Some(response(a::FETCH, 1).with(data))
        }
        t if t == a::CHANGE => {
            let empty = Element::new(a::APPLICATION_DATA);
            let data = cmd.child(a::APPLICATION_DATA).unwrap_or(&empty);
            let mut add = Vec::new();
            let mut remove = Vec::new();
            match text_of(data, email::READ).as_deref() {
                Some("1") => add.push("\\Seen".to_owned()),
                Some("0") => remove.push("\\Seen".to_owned()),
                _ => {}
            }
            if let Some(flag) = data.child(email::FLAG) {
                match text_of(flag, email::STATUS).as_deref() {
                    Some("2") => add.push("\\Flagged".to_owned()),
                    _ => remove.push("\\Flagged".to_owned()),
                }
            }
            for (kind, keywords) in [(KeywordChange::Add, add), (KeywordChange::Remove, remove)] {
                if keywords.is_empty() {
                    continue;
                }
                let change = FlagChange { mailbox, messages: vec![(uid, item)], kind, keywords, unchanged_since: None };
                match mailbox::change_keywords(ctx.store(), &ctx.actor, change).await {
                    Ok(done) => own.changed.extend(done.changed.iter().map(|c| (c.0.0, c.3.0))),
                    Err(e) => {
                        tracing::debug!(error = %e, "eas: change refused");
                        return Some(response(a::CHANGE, 6));
                    }
                }
            }
            // A draft the device sends (16.x): only from Drafts.
            if cmd.has(email2::SEND) || data.has(email2::SEND) {
                if drafts(ctx).await != Some(mailbox) {
                    return Some(response(a::CHANGE, 6));
                }
                let raw = content(ctx, &listed).await;
                if let Err(status) = crate::sendmail::send_draft(ctx, mailbox, (uid, item), raw).await {
                    return Some(response(a::CHANGE, status));
                }
            }
            None
        }
        t if t == a::DELETE => {
            let done = match trash(ctx).await.filter(|t| deletes_as_moves && *t != mailbox) {
                Some(trash) => mailbox::copy(
                    ctx.store(),
                    &ctx.actor,
                    Transfer { source: mailbox, messages: vec![(uid, item)], target: trash, moving: true },
                )
                .await
                .map(|_| ()),
                None => mailbox::expunge(ctx.store(), &ctx.actor, mailbox, Expunge::Messages(vec![(uid, item)]))
                    .await
                    .map(|_| ()),
            };
            match done {
                Ok(()) => {
                    own.deleted.push(uid.0);
                    None
                }
                Err(e) => {
                    tracing::debug!(error = %e, "eas: delete refused");
                    Some(response(a::DELETE, 6))
                }
            }
        }
        _ => Some(response(cmd.tag, 4)),
    }
}

/// A listed message's content (empty when it cannot be read).
async fn content(ctx: &Ctx<'_>, m: &mailbox::Listed) -> Vec<u8> {
    match &m.message.blob {
        Some(b) => ctx.store().blob(b.clone()).await.unwrap_or_default(),
        None => Vec::new(),
    }
}

/// The actor's Drafts.
async fn drafts(ctx: &Ctx<'_>) -> Option<CollectionId> {
    let account = ctx.actor.principal;
    ctx.store().read(move |r| r.mailbox_by_role(account, MailboxRole::Drafts)).await.ok().flatten().map(|c| c.id)
}

/// The actor's Trash (Deleted Items).
pub(crate) async fn trash(ctx: &Ctx<'_>) -> Option<CollectionId> {
    let account = ctx.actor.principal;
    ctx.store().read(move |r| r.mailbox_by_role(account, MailboxRole::Trash)).await.ok().flatten().map(|c| c.id)
}

/// GetItemEstimate's answer for one folder: how many items the next Syncs from `key` would
/// send, or the GetItemEstimate status refusing it (2 unknown folder, 3 key 0, 4 bad key).
pub(crate) async fn estimate(ctx: &Ctx<'_>, id: &str, key: &str) -> Result<usize, u32> {
    let Some(mailbox) = collection_id(id) else { return Err(2) };
    let key = key.parse::<u32>().map_err(|_| 4u32)?;
    if key == 0 {
        return Err(3);
    }
    let stored = match ctx.eas.directory.sync_state(&ctx.actor, &ctx.query.device_id, id).await {
        Ok(Some(s)) => s,
        Ok(None) => return Err(4),
        Err(_) => return Err(2),
    };
    if let Ok(coll) = ctx.eas.groupware().readable_collection(&ctx.actor, mailbox).await
        && crate::objects::Class::of(&coll).is_some()
    {
        return crate::objects::estimate(ctx, &coll, &stored, key).await;
    }
    let state: State = match key {
        k if k == stored.key => serde_json::from_str(&stored.state).map_err(|_| 4u32)?,
        k if k == stored.prev_key => serde_json::from_str(&stored.prev_state).map_err(|_| 4u32)?,
        _ => return Err(4),
    };
    match mailbox::count_missing(ctx.store(), &ctx.actor, mailbox, state.held()).await {
        Ok(n) => Ok(n),
        Err(MailError::Store(relais_store::Error::ChangesTooOld { .. })) => Err(4),
        Err(_) => Err(2),
    }
}

/// A draft added by the device (MS-ASCMD §2.2.3.7.2, 16.x: mail is added only to Drafts): its
/// MIME as the body (Type 4), or composed from To, Cc, Subject and a text or HTML body; stored
/// `\Draft` through the mail domain's append. A ClientId seen before gets the ServerId it got
/// then.
async fn add_draft(
    ctx: &Ctx<'_>,
    id: &str,
    mailbox: CollectionId,
    cmd: &Element,
    state: &State,
    own: &mut Own,
) -> Element {
    use relais_wbxml::tag::airsyncbase as base;
    let client = text_of(cmd, a::CLIENT_ID).unwrap_or_default();
    let answer = |status: u32, uid: Option<Uid>| {
        let mut e = Element::new(a::ADD).with_leaf(a::CLIENT_ID, client.as_str());
        if let Some(uid) = uid {
            e = e.with_leaf(a::SERVER_ID, server_id(id, uid));
        }
        e.with_leaf(a::STATUS, status.to_string())
    };
    if client.is_empty() || client.len() > 64 {
        return answer(4, None);
    }
    if let Some((_, uid)) = state.added.iter().chain(&own.added).find(|(c, _)| *c == client) {
        return answer(1, Some(Uid(*uid)));
    }
    if drafts(ctx).await != Some(mailbox) {
        return answer(6, None);
    }
    let Some(data) = cmd.child(a::APPLICATION_DATA) else { return answer(6, None) };
    let body = data.child(base::BODY);
    let kind = body.and_then(|b| text_of(b, base::TYPE)).unwrap_or_else(|| "1".into());
    let content = body.and_then(|b| b.bytes_of(base::DATA)).map(|d| d.into_owned()).unwrap_or_default();
    let raw = if kind == "4" {
        content
    } else {
        let p = ctx.principal;
        let field = |tag| text_of(data, tag).unwrap_or_default();
        relais_mail::compose::draft(
            (&p.display_name, &p.address()),
            ctx.eas.mailer.hostname(),
            &field(email::TO),
            &field(email::CC),
            &field(email::SUBJECT),
            &String::from_utf8_lossy(&content),
            kind == "2",
        )
    };
    if raw.is_empty() {
        return answer(6, None);
    }
    let mut keywords = vec!["\\Draft".to_owned()];
    if text_of(data, email::READ).as_deref() == Some("1") {
        keywords.push("\\Seen".to_owned());
    }
    if data.child(email::FLAG).and_then(|f| text_of(f, email::STATUS)).as_deref() == Some("2") {
        keywords.push("\\Flagged".to_owned());
    }
    let to_send = (cmd.has(email2::SEND) || data.has(email2::SEND)).then(|| raw.clone());
    let message = mailbox::NewMessage { raw, keywords, received_at: None };
    match ctx.eas.mailer.append(&ctx.actor, mailbox, vec![message]).await {
        Ok(stored) => match stored.first() {
            Some(&(item, uid)) => {
                let Some(raw) = to_send else {
                    own.added.push((client.clone(), uid.0));
                    return answer(1, Some(uid));
                };
                // Sent at once (16.x email2:Send), then out of Drafts; refused, nothing is kept.
                match crate::sendmail::send_draft(ctx, mailbox, (uid, item), raw).await {
                    Ok(()) => {
                        own.added.push((client.clone(), uid.0));
                        own.sent.push(uid.0);
                        answer(1, Some(uid))
                    }
                    Err(status) => {
                        let gone = mailbox::Expunge::Messages(vec![(uid, item)]);
                        if let Err(e) = mailbox::expunge(ctx.store(), &ctx.actor, mailbox, gone).await {
                            tracing::warn!(error = %e, "eas: a refused draft stays in Drafts");
                        }
                        answer(status, None)
                    }
                }
            }
            None => answer(5, None),
        },
        Err(e) => {
            tracing::debug!(error = %e, "eas: draft refused");
            answer(6, None)
        }
    }
}
