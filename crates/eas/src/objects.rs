//! Sync (MS-ASCMD §2.2.1.21) of the account's groupware collections — address books as the
//! Contacts class, calendars as Calendar, task lists as Tasks, notes collections (calendars
//! taking VJOURNAL only) as Notes — read and written through the
//! groupware domain (`Groupware::delta`/`object`/`put`/`delete` with the actor), so what the
//! phone changes is what a DAV client reads at once, and back. Each class converts between
//! its ApplicationData and the stored text with the domain's fields (`contacts`, `calendar`,
//! `tasks`, `notes`), keeping every property the phone does not know. ServerIds are
//! `<folder>:<item id>`; the state behind a key is what the device holds (every object up to
//! an item id, as of a modseq, less the ones a FilterType kept back), its body options and
//! the device's own changes, which are not told back to it.

use relais_groupware::Error as GwError;
use relais_groupware::resources::Condition;
use relais_groupware::sync::Held;
use relais_store::{Collection, CollectionKind, ItemId, Modseq, SyncState};
use relais_wbxml::Element;
use relais_wbxml::tag::{airsync as a, airsyncbase as base};
use serde::{Deserialize, Serialize};

use crate::email::BodyPreference;
use crate::sync::collection_status as status;
use crate::{Ctx, text_of};

/// The class a collection is synced as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Contacts,
    Calendar,
    Tasks,
    Notes,
}

impl Class {
    pub fn of(coll: &Collection) -> Option<Class> {
        match coll.kind {
            CollectionKind::AddressBook => Some(Class::Contacts),
            CollectionKind::Calendar if relais_groupware::note::is_note_list(coll) => Some(Class::Notes),
            CollectionKind::Calendar => Some(Class::Calendar),
            CollectionKind::TaskList => Some(Class::Tasks),
            _ => None,
        }
    }

    /// The ApplicationData of stored content, a note's body as `body` asks; `None` when the
    /// object is not of this class (a task kept in a calendar) and so not shown.
    fn application_data(self, ctx: &Ctx<'_>, content: &[u8], body: &BodyPreference) -> Option<Element> {
        match self {
            Class::Contacts => Some(crate::contacts::application_data(content)),
            Class::Calendar => crate::calendar::application_data(ctx, content),
            Class::Tasks => crate::tasks::application_data(content),
            Class::Notes => crate::notes::application_data(content, body),
        }
    }

    /// The text to store for the device's ApplicationData, over the stored text (`old`) for a
    /// Change; a Sync status when the data cannot be taken.
    fn content(self, ctx: &Ctx<'_>, data: &Element, old: Option<&str>) -> Result<String, u32> {
        match self {
            Class::Contacts => crate::contacts::content(data, old),
            Class::Calendar => crate::calendar::content(ctx, data, old),
            // MS-ASTASK ghosting, as MS-ASCAL §3.1.5.3, from 16.0.
            Class::Tasks => crate::tasks::content(data, old, ctx.version >= relais_eas_proto::ProtocolVersion::V16_0),
            Class::Notes => crate::notes::content(data, old, ctx.version >= relais_eas_proto::ProtocolVersion::V16_0),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Class::Contacts => "vcf",
            _ => "ics",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    modseq: u64,
    item: i64,
    /// The device's own writes (item, modseq they made) and deletions, not told back.
    #[serde(default)]
    own: Vec<(i64, u64)>,
    #[serde(default)]
    gone: Vec<i64>,
    /// A calendar's FilterType: events ending before this were not sent (0: all).
    #[serde(default)]
    since: i64,
    /// A task list's FilterType 8: only tasks not complete are sent.
    #[serde(default)]
    incomplete: bool,
    /// Objects held back by the filter (or not of the class): sent as Adds if they change
    /// into it, never as Changes or Deletes.
    #[serde(default)]
    hidden: Vec<i64>,
    /// The elements the device said it supports (MS-ASCMD §2.2.3.168 Supported, with key 0;
    /// code page and token): the others are ghosted, kept as stored when a Change leaves them
    /// out. `None`: it named none, so a Change carries the whole item.
    #[serde(default)]
    supported: Option<Vec<(u8, u8)>>,
    /// The device's Adds (ClientId, the item they made): an Add sent again (its answer lost)
    /// is answered with the item it made, not stored twice, and the item is not sent back.
    #[serde(default)]
    added: Vec<(String, i64)>,
    /// BodyPreference of the Options (notes' bodies are cut to its TruncationSize).
    #[serde(default)]
    body: BodyPreference,
}

/// Most ClientIds remembered per collection.
const MAX_ADDED: usize = 256;

/// Most elements a device's Supported names that are remembered.
const MAX_SUPPORTED: usize = 256;

/// Most objects remembered as held back; past it an old event that changes is a Change the
/// device may not know (it then drops it).
const MAX_HIDDEN: usize = 20_000;

pub(crate) fn server_id(folder: &str, id: ItemId) -> String {
    format!("{folder}:{}", id.0)
}

pub(crate) fn item_in(folder: &str, sid: &str) -> Option<ItemId> {
    let (f, id) = sid.split_once(':')?;
    (f == folder).then(|| id.parse::<i64>().ok()).flatten().filter(|i| *i > 0).map(ItemId)
}

/// A calendar's FilterType as the earliest end shown (MS-ASCMD §2.2.3.70.2: 4 two weeks,
/// 5 a month, 6 three months, 7 six months back; 0 and the rest: everything).
fn since_for(filter: &str) -> i64 {
    const DAY: i64 = 86_400;
    let days = match filter {
        "4" => 14,
        "5" => 31,
        "6" => 92,
        "7" => 183,
        _ => return 0,
    };
    relais_store::now() - days * DAY
}

/// FilterType (MS-ASCMD §2.2.3.70.2) for a class: a calendar's past window, a task list's
/// "incomplete only" (8); address books take none.
fn apply_filter(class: Class, state: &mut State, filter: &str) {
    match class {
        Class::Calendar => state.since = since_for(filter),
        Class::Tasks => state.incomplete = filter == "8",
        Class::Contacts | Class::Notes => {}
    }
}

/// A new resource name for an object made on a device.
fn new_name(class: Class) -> String {
    format!("{:032x}.{}", rand::random::<u128>(), class.extension())
}

/// One Sync Collection element for a groupware collection.
pub(crate) async fn collection(
    ctx: &Ctx<'_>,
    coll: &Collection,
    req: &Element,
    window: usize,
    budget: &mut usize,
) -> Element {
    let Some(class) = Class::of(coll) else { return status("0", &coll.id.0.to_string(), 5) };
    let id = coll.id.0.to_string();
    let key_text = text_of(req, a::SYNC_KEY).unwrap_or_default();
    let Ok(key) = key_text.parse::<u32>() else { return status("0", &id, 3) };
    let dir = &ctx.eas.directory;
    let device = &ctx.query.device_id;
    let Ok(stored) = dir.sync_state(&ctx.actor, device, &id).await else { return status(&key_text, &id, 16) };
    let stored = stored.unwrap_or_default();
    let Ok(base) = crate::held_state::<State>(key, &stored) else { return status("0", &id, 3) };
    let save = |state: &State, next: &State| {
        let new_key = stored.key.max(key).wrapping_add(1).max(1);
        let s = SyncState {
            key: new_key,
            state: serde_json::to_string(next).unwrap_or_default(),
            prev_key: key,
            prev_state: if key == 0 { String::new() } else { serde_json::to_string(state).unwrap_or_default() },
        };
        (new_key, s)
    };
    let options = req.child(a::OPTIONS);
    let filter = options.and_then(|o| text_of(o, a::FILTER_TYPE));
    // A calendar's window no older than the policy's (MaxCalendarAgeFilter).
    let max = if class == Class::Calendar { ctx.policy().await.max_calendar_age_filter } else { None };
    let filter = match (filter, max) {
        (f, Some(_)) => Some(crate::clamp_filter(f.and_then(|f| f.parse().ok()).unwrap_or(0), max).to_string()),
        (f, None) => f,
    };
    let Some(mut state) = base else {
        if req.has(a::COMMANDS) {
            return status("0", &id, 4);
        }
        let mut first = State::default();
        // Supported is read for the classes it is defined for (Contacts and Calendar).
        if matches!(class, Class::Contacts | Class::Calendar) {
            first.supported = req
                .child(a::SUPPORTED)
                .map(|l| l.elements().take(MAX_SUPPORTED).map(|e| (e.tag.page(), e.tag.token())).collect());
        }
        apply_filter(class, &mut first, filter.as_deref().unwrap_or("0"));
        if let Some(o) = options {
            first.body = BodyPreference::from_options(o, None);
        }
        let (k, s) = save(&State::default(), &first);
        if dir.save_sync_state(&ctx.actor, device, &id, s).await.is_err() {
            return status("0", &id, 16);
        }
        return status(&k.to_string(), &id, 1);
    };
    let held_state = state.clone();
    // A replay (the key before the current one): the ClientIds of the lost answer are the
    // current state's.
    if key == stored.prev_key
        && key != stored.key
        && let Ok(Some(current)) = crate::held_state::<State>(stored.key, &stored)
    {
        state.added.extend(current.added.into_iter().filter(|a| !held_state.added.contains(a)));
    }
    if let Some(f) = filter {
        apply_filter(class, &mut state, &f);
    }
    if let Some(o) = options {
        state.body = BodyPreference::from_options(o, Some(state.body));
    }
    let mut responses = Vec::new();
    let mut own = Own::default();
    if let Some(commands) = req.child(a::COMMANDS) {
        if commands.elements().count() > crate::sync::MAX_COMMANDS {
            return status(&key_text, &id, 4);
        }
        for cmd in commands.elements() {
            if let Some(later) = crate::sync::fetch_later(cmd, budget) {
                responses.push(later);
                continue;
            }
            if let Some(r) = command(ctx, class, coll, cmd, &state, &mut own).await {
                crate::sync::spend(cmd, &r, budget);
                responses.push(r);
            }
        }
    }
    let get_changes = req.child(a::GET_CHANGES).is_none_or(|g| g.text().trim() != "0");
    let mut body = Element::new(a::COLLECTION);
    let next = if get_changes {
        match changes(ctx, class, coll, &state, &own, window).await {
            Ok((next, commands, more)) => {
                if !commands.is_empty() {
                    body = body.with(Element::new(a::COMMANDS).with_all(commands));
                }
                if !responses.is_empty() {
                    body = body.with(Element::new(a::RESPONSES).with_all(std::mem::take(&mut responses)));
                }
                if more {
                    body = body.with_empty(a::MORE_AVAILABLE);
                }
                next
            }
            Err(code) => return status(if code == 3 { "0" } else { &key_text }, &id, code),
        }
    } else {
        if !responses.is_empty() {
            body = body.with(Element::new(a::RESPONSES).with_all(responses));
        }
        let mut next = state.clone();
        next.own.extend(own.written);
        next.gone.extend(own.deleted);
        next.added = remembered(&state, own.added);
        next
    };
    let (k, s) = save(&held_state, &next);
    if dir.save_sync_state(&ctx.actor, device, &id, s).await.is_err() {
        return status(&key_text, &id, 16);
    }
    let mut el = status(&k.to_string(), &id, 1);
    el.children.extend(body.children);
    el
}

/// What the device's own commands did in this request.
#[derive(Default)]
struct Own {
    written: Vec<(i64, u64)>,
    deleted: Vec<i64>,
    added: Vec<(String, i64)>,
}

/// The ClientIds to remember: the state's and this request's, the latest `MAX_ADDED`.
fn remembered(state: &State, added: Vec<(String, i64)>) -> Vec<(String, i64)> {
    let mut all = state.added.clone();
    all.extend(added);
    let excess = all.len().saturating_sub(MAX_ADDED);
    all.drain(..excess);
    all
}

/// The commands that bring the device up to date, the state they leave it in, and whether
/// more is waiting; a Sync status on failure (3: start over).
async fn changes(
    ctx: &Ctx<'_>,
    class: Class,
    coll: &Collection,
    state: &State,
    own: &Own,
    window: usize,
) -> Result<(State, Vec<Element>, bool), u32> {
    let id = coll.id.0.to_string();
    let held = Held { modseq: Modseq(state.modseq), item: state.item };
    let delta = match ctx.eas.groupware().delta(&ctx.actor, coll.id, held, window).await {
        Ok(d) => d,
        Err(GwError::Store(relais_store::Error::ChangesTooOld { .. })) => return Err(3),
        Err(_) => return Err(12),
    };
    let mine = |i: i64, m: u64| state.own.iter().chain(&own.written).any(|&(x, y)| x == i && y == m);
    let mut hidden = state.hidden.clone();
    let mut commands = Vec::new();
    for r in &delta.removed {
        let hid = hidden.iter().position(|h| *h == r.0);
        if let Some(at) = hid {
            hidden.swap_remove(at);
        } else if !state.gone.contains(&r.0) && !own.deleted.contains(&r.0) {
            commands.push(Element::new(a::DELETE).with_leaf(a::SERVER_ID, server_id(&id, *r)));
        }
    }
    let shown = |content: &[u8]| {
        let data = class.application_data(ctx, content, &state.body)?;
        let kept = match class {
            Class::Calendar => state.since == 0 || crate::calendar::ends_after(content, state.since),
            Class::Tasks => !state.incomplete || !crate::tasks::complete(content),
            Class::Contacts | Class::Notes => true,
        };
        kept.then_some(data)
    };
    for o in delta.changed.iter().filter(|o| !mine(o.id.0, o.modseq.0)) {
        let was_hidden = hidden.iter().position(|h| *h == o.id.0);
        match (shown(&o.content), was_hidden) {
            (Some(data), Some(at)) => {
                hidden.swap_remove(at);
                commands.push(Element::new(a::ADD).with_leaf(a::SERVER_ID, server_id(&id, o.id)).with(data));
            }
            (Some(data), None) => {
                commands.push(Element::new(a::CHANGE).with_leaf(a::SERVER_ID, server_id(&id, o.id)).with(data))
            }
            (None, _) => {}
        }
    }
    let added_here = |i: i64| state.added.iter().chain(&own.added).any(|(_, x)| *x == i);
    for o in &delta.added {
        if mine(o.id.0, o.modseq.0) || added_here(o.id.0) {
            continue;
        }
        match shown(&o.content) {
            Some(data) => commands.push(Element::new(a::ADD).with_leaf(a::SERVER_ID, server_id(&id, o.id)).with(data)),
            None if hidden.len() < MAX_HIDDEN => hidden.push(o.id.0),
            None => {}
        }
    }
    let next = State {
        modseq: delta.held.modseq.0,
        item: delta.held.item,
        own: Vec::new(),
        gone: Vec::new(),
        since: state.since,
        incomplete: state.incomplete,
        hidden,
        supported: state.supported.clone(),
        added: remembered(state, own.added.clone()),
        body: state.body,
    };
    Ok((next, commands, delta.more))
}

/// One command of the device: Add, Change, Delete or Fetch of an object.
async fn command(
    ctx: &Ctx<'_>,
    class: Class,
    coll: &Collection,
    cmd: &Element,
    state: &State,
    own: &mut Own,
) -> Option<Element> {
    let supported = state.supported.as_deref();
    let gw = ctx.eas.groupware();
    let id = coll.id.0.to_string();
    let sid = text_of(cmd, a::SERVER_ID).unwrap_or_default();
    let response =
        |tag, code: u32| Element::new(tag).with_leaf(a::SERVER_ID, sid.as_str()).with_leaf(a::STATUS, code.to_string());
    if cmd.tag == a::ADD {
        let client = text_of(cmd, a::CLIENT_ID).unwrap_or_default();
        let answer = Element::new(a::ADD).with_leaf(a::CLIENT_ID, client.as_str());
        if let Some((_, item)) = state.added.iter().chain(&own.added).find(|(c, _)| !c.is_empty() && *c == client) {
            return Some(answer.with_leaf(a::SERVER_ID, server_id(&id, ItemId(*item))).with_leaf(a::STATUS, "1"));
        }
        let Some(data) = cmd.child(a::APPLICATION_DATA) else { return Some(answer.with_leaf(a::STATUS, "4")) };
        let text = match class.content(ctx, data, None) {
            Ok(t) => t,
            Err(code) => return Some(answer.with_leaf(a::STATUS, code.to_string())),
        };
        let name = new_name(class);
        let cond = Condition { if_match: None, if_none_match: Some(vec!["*".into()]) };
        // 16.x: the server's UID goes back with the new item (MS-ASCAL §2.2.2.46).
        let data = match class {
            Class::Calendar if ctx.version >= relais_eas_proto::ProtocolVersion::V16_0 => {
                relais_groupware::event::EventFields::from_ical(&text)
                    .map(|f| Element::new(a::APPLICATION_DATA).with_leaf(relais_wbxml::tag::calendar::UID, f.uid))
            }
            _ => None,
        };
        let done = match gw.put(&ctx.actor, coll, &name, text.into_bytes(), cond).await {
            Ok(_) => Ok(name),
            // The same UID again (ClientUid, MS-ASCAL §2.2.2.13): an Add whose answer was
            // lost, answered with the object it made.
            Err(GwError::UidConflict { existing }) => Err(Some(existing)),
            // MS-ASCMD §2.2.3.177.17: 9, the account may be out of space.
            Err(GwError::OverQuota) => return Some(answer.with_leaf(a::STATUS, "9")),
            Err(e) => {
                tracing::debug!(error = %e, "eas: object refused");
                Err(None)
            }
        };
        let (Ok(found) | Err(Some(found))) = done else { return Some(answer.with_leaf(a::STATUS, "6")) };
        return Some(match gw.object_named(&ctx.actor, coll.id, &found).await {
            Ok(Some(o)) => {
                own.written.push((o.id.0, o.modseq.0));
                if !client.is_empty() && client.len() <= 64 {
                    own.added.push((client.clone(), o.id.0));
                }
                answer.with_leaf(a::SERVER_ID, server_id(&id, o.id)).with_leaf(a::STATUS, "1").with_opt(data)
            }
            _ => answer.with_leaf(a::STATUS, "5"),
        });
    }
    let Some(item) = item_in(&id, &sid) else { return Some(response(cmd.tag, 8)) };
    let Ok(Some(object)) = gw.object(&ctx.actor, coll.id, item).await else { return Some(response(cmd.tag, 8)) };
    match cmd.tag {
        // Fetch (MS-ASCMD §2.2.3.67.2) asks for the whole item: the body not cut.
        t if t == a::FETCH => match class.application_data(ctx, &object.content, &BodyPreference::default()) {
            Some(data) => Some(response(a::FETCH, 1).with(data)),
            None => Some(response(a::FETCH, 8)),
        },
        t if t == a::CHANGE => {
            let Some(data) = cmd.child(a::APPLICATION_DATA) else { return Some(response(a::CHANGE, 4)) };
            let old = String::from_utf8_lossy(&object.content).into_owned();
            // 16.x: one occurrence of a series changed (MS-ASCMD §2.2.3.90 InstanceId): an
            // override of the stored series, never the series rewritten as that occurrence.
            let text = if class == Class::Calendar && cmd.has(base::INSTANCE_ID) {
                instance_of(cmd)
                    .and_then(|s| {
                        let change = crate::calendar::occurrence_change(data, s);
                        relais_groupware::occurrence::change_occurrence(&old, s, &change)
                    })
                    .ok_or(6u32)
            } else {
                // 14.x ghosting (16.x calendars ghost every element left out already).
                let ghosts = supported.filter(|_| {
                    class == Class::Contacts
                        || (class == Class::Calendar && ctx.version < relais_eas_proto::ProtocolVersion::V16_0)
                });
                match ghosts {
                    Some(list) => {
                        let merged = with_ghosts(data, class.application_data(ctx, &object.content, &state.body), list);
                        class.content(ctx, &merged, Some(&old))
                    }
                    None => class.content(ctx, data, Some(&old)),
                }
            };
            let text = match text {
                Ok(t) => t,
                Err(code) => return Some(response(a::CHANGE, code)),
            };
            rewrite(ctx, coll, &object, text, own).await.err().map(|code| response(a::CHANGE, code))
        }
        // 16.x: one occurrence of a series deleted (MS-ASCMD §2.2.3.90 InstanceId, MS-ASAIRS
        // §2.2.2.25): an exception of the series, never the whole series.
        t if t == a::DELETE && class == Class::Calendar && cmd.has(base::INSTANCE_ID) => {
            let old = String::from_utf8_lossy(&object.content);
            let Some(text) = instance_of(cmd).and_then(|s| relais_groupware::occurrence::delete_occurrence(&old, s))
            else {
                return Some(response(a::DELETE, 6));
            };
            rewrite(ctx, coll, &object, text, own).await.err().map(|code| response(a::DELETE, code))
        }
        t if t == a::DELETE => match gw.delete(&ctx.actor, coll, &object.name, Condition::default()).await {
            Ok(()) => {
                own.deleted.push(item.0);
                None
            }
            Err(_) => Some(response(a::DELETE, 6)),
        },
        _ => Some(response(cmd.tag, 4)),
    }
}

/// A Change's ApplicationData with the ghosted elements of the stored object (`stored`, as the
/// device was sent it) that it left out: those not in its Supported list (MS-ASCMD
/// §2.2.3.168), so they stay as stored. The TimeZone (kept when absent) and a contact's FileAs
/// (made from the name's parts) are left to the class.
fn with_ghosts(data: &Element, stored: Option<Element>, supported: &[(u8, u8)]) -> Element {
    let mut out = data.clone();
    for e in stored.iter().flat_map(|s| s.elements()) {
        let ghosted = !supported.contains(&(e.tag.page(), e.tag.token()));
        let derived = [relais_wbxml::tag::calendar::TIME_ZONE, relais_wbxml::tag::contacts::FILE_AS];
        if ghosted && !data.has(e.tag) && !derived.contains(&e.tag) {
            out.push(e.clone());
        }
    }
    out
}

/// The occurrence a command names (airsyncbase:InstanceId, MS-ASAIRS §2.2.2.25: its original
/// start as a date-time in UTC); `None` when it names none or none that can be read.
fn instance_of(cmd: &Element) -> Option<i64> {
    text_of(cmd, base::INSTANCE_ID).and_then(|t| crate::calendar::parse_time(&t))
}

/// Writes `text` over the stored `object` through the domain, as of the version the device
/// changed (If-Match); the Sync status on failure (7: changed meanwhile, 9: over quota, 6:
/// refused).
async fn rewrite(
    ctx: &Ctx<'_>,
    coll: &Collection,
    object: &relais_groupware::sync::Object,
    text: String,
    own: &mut Own,
) -> Result<(), u32> {
    let gw = ctx.eas.groupware();
    let cond = Condition { if_match: Some(vec![relais_groupware::etag(object.modseq)]), if_none_match: None };
    match gw.put(&ctx.actor, coll, &object.name, text.into_bytes(), cond).await {
        Ok(_) => {
            if let Ok(Some(o)) = gw.object_named(&ctx.actor, coll.id, &object.name).await {
                own.written.push((o.id.0, o.modseq.0));
            }
            Ok(())
        }
        Err(GwError::PreconditionFailed) => Err(7),
        Err(GwError::OverQuota) => Err(9),
        Err(e) => {
            tracing::debug!(error = %e, "eas: change refused");
            Err(6)
        }
    }
}

/// GetItemEstimate of a groupware collection: what the next Syncs from the state behind
/// `key` would send, counted by the domain (a calendar's filter is not applied to the count).
pub(crate) async fn estimate(ctx: &Ctx<'_>, coll: &Collection, stored: &SyncState, key: u32) -> Result<usize, u32> {
    let state: State = match key {
        k if k == stored.key => serde_json::from_str(&stored.state).map_err(|_| 4u32)?,
        k if k == stored.prev_key => serde_json::from_str(&stored.prev_state).map_err(|_| 4u32)?,
        _ => return Err(4),
    };
    let held = Held { modseq: Modseq(state.modseq), item: state.item };
    match ctx.eas.groupware().count_missing(&ctx.actor, coll.id, held).await {
        Ok(n) => Ok(n),
        Err(GwError::Store(relais_store::Error::ChangesTooOld { .. })) => Err(4),
        Err(_) => Err(2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 14.x device that listed FirstName, LastName and Email1Address as supported changes
    /// the first name: what it does not support (job title, company, the mobile number) stays,
    /// what it supports and left out (the last name) is cleared.
    #[test]
    fn ghosted_contact_fields_stay() {
        use relais_wbxml::tag::contacts as c;
        let card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:g\r\nFN:Ann Example\r\nN:Example;Ann;;;\r\n\
ORG:Example Corp\r\nTITLE:Chief\r\nEMAIL:ann@example.com\r\nTEL;TYPE=CELL:+1 555\r\nEND:VCARD\r\n";
        let supported: Vec<(u8, u8)> =
            [c::FIRST_NAME, c::LAST_NAME, c::EMAIL1_ADDRESS].iter().map(|t| (t.page(), t.token())).collect();
        let data = Element::new(a::APPLICATION_DATA)
            .with_leaf(c::FIRST_NAME, "Anne")
            .with_leaf(c::EMAIL1_ADDRESS, "ann@example.com");
        let stored = Some(crate::contacts::application_data(card.as_bytes()));
        let merged = with_ghosts(&data, stored, &supported);
        let text = crate::contacts::content(&merged, Some(card)).unwrap();
        let f =
            relais_groupware::contact::ContactFields::from_card(&relais_groupware::ContactCard::parse(&text).unwrap());
        assert_eq!((f.first_name.as_deref(), f.last_name.as_deref()), (Some("Anne"), None), "{text}");
        assert_eq!(f.shown_name(), "Anne", "{text}");
        assert_eq!((f.job_title.as_deref(), f.company.as_deref()), (Some("Chief"), Some("Example Corp")), "{text}");
        assert_eq!(f.phones.len(), 1, "{text}");
        // Without Supported, a Change carries the whole item: what it leaves out is cleared.
        let text = crate::contacts::content(&data, Some(card)).unwrap();
        let f =
            relais_groupware::contact::ContactFields::from_card(&relais_groupware::ContactCard::parse(&text).unwrap());
        assert_eq!((f.job_title, f.phones.len()), (None, 0));
    }

    #[test]
    fn instance_ids() {
        let t = relais_civil::unix_time(2027, 1, 11, 9 * 3600);
        let cmd = |id: Option<&str>| {
            let c = Element::new(a::DELETE).with_leaf(a::SERVER_ID, "1:2");
            match id {
                Some(i) => c.with_leaf(base::INSTANCE_ID, i),
                None => c,
            }
        };
        let table = [
            (Some("2027-01-11T09:00:00.000Z"), Some(t)),
            (Some("20270111T090000Z"), Some(t)),
            (Some("tomorrow"), None),
            (None, None),
        ];
        for (id, want) in table {
            assert_eq!(instance_of(&cmd(id)), want, "{id:?}");
        }
    }
}
