//! CalendarEvent/set and /copy (draft-ietf-jmap-calendars §5.11, §5.12). An event given as
//! JSCalendar is converted to the iCalendar object that is stored
//! (`relais_groupware::jscalendar`) and written by the groupware domain with the actor exactly
//! as a CalDAV PUT is: `put` with If-None-Match `*` to create, `change_object` to update (`put`
//! with If-Match on the event's ETag — a change made meanwhile over CalDAV or another protocol
//! is never overwritten: stateMismatch — and `transfer` to move it to another calendar,
//! calendarIds), `delete_read` (a CalDAV DELETE with If-Match) to destroy it.
//!
//! Scheduling (draft-ietf-jmap-calendars CalendarEvent/set, sendSchedulingMessages): only with
//! `sendSchedulingMessages: true` is an event with participants scheduled as CalDAV's are
//! (RFC 6638 implicit scheduling: iTIP to the attendees or the organizer, a cancel or decline
//! on destroy); without it, or false, the change stays in the account
//! (`relais_groupware::Scheduling::Held`). /copy takes no such argument, so copies — and the
//! destroys of onSuccessDestroyOriginal — tell nobody.
//!
//! ```text
//! ["CalendarEvent/set", {"accountId": "a1",
//!   "create": {"k1": {"@type": "Event", "calendarIds": {"cal3": true}, "title": "Standup",
//!                     "start": "2026-12-10T09:00:00", "timeZone": "Europe/Paris", "duration": "PT15M"}},
//!   "update": {"ev12": {"title": "Retro", "locations/l1": {"@type": "Location", "name": "Room 2"}}},
//!   "destroy": ["ev13"]}, "0"]
//! ```

use std::collections::BTreeSet;

use relais_groupware::calendar::{Calendar, StoredEvent, event_name};
use relais_groupware::jscalendar::{from_jscalendar, mistyped_property, unknown_property};
use relais_groupware::{Condition, Scheduling};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::calendar::calendars;
use crate::methods::calendar_event::shown;
use crate::methods::set::{Outcome, SetRequest, copy_answer, copy_request, new_uid, patch};
use crate::methods::{Args, Ctx};

/// The JMAP properties of an event that its iCalendar text does not hold.
const JMAP_ONLY: [&str; 6] = ["id", "calendarIds", "isDraft", "isOrigin", "utcStart", "utcEnd"];

pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let mut set = SetRequest::read(ctx, &mut args, false).await?;
    if !set.account.calendars {
        return Err(MethodError::AccountNotSupportedByMethod);
    }
    if args.get("sendSchedulingMessages").is_some_and(|v| !v.is_boolean()) {
        return Err(MethodError::invalid("sendSchedulingMessages must be a boolean"));
    }
    // CalendarEvent/set: scheduling messages are sent only when the client asks (default false).
    let scheduling = match args.get("sendSchedulingMessages") {
        Some(Value::Bool(true)) => Scheduling::Implicit,
        _ => Scheduling::Held,
    };
    let mut out = Outcome::default();
    for (cid, object) in std::mem::take(&mut set.create) {
        let all = calendars(ctx, &set.account).await?;
        let made = create_one(ctx, &set.account, &all, object, scheduling).await;
        out.created(ctx, cid, made);
    }
    let all = calendars(ctx, &set.account).await?;
    for (id, patch) in std::mem::take(&mut set.update) {
        let done = update_one(ctx, (&set.account, &all), &id, &patch, scheduling).await;
        out.updated(id, done);
    }
    for id in std::mem::take(&mut set.destroy) {
        let done = destroy_one(ctx, (&set.account, &all), &id, scheduling).await;
        out.destroyed(id, done);
    }
    out.response(ctx, &set).await
}

/// The one calendar `calendarIds` names (an event is in exactly one: the store keeps an
/// object in one collection), which must be one of the account's.
fn calendar_named<'c>(ctx: &Ctx<'_>, all: &'c [Calendar], ids_: &Value) -> Result<&'c Calendar, SetError> {
    let bad = |why: &str| SetError::invalid("calendarIds", why);
    let Value::Object(m) = ids_ else { return Err(bad("calendarIds maps calendar ids to true")) };
    let named: Vec<&String> = m.iter().filter(|(_, v)| **v == Value::Bool(true)).map(|(k, _)| k).collect();
    if named.len() != m.len() || named.len() != 1 {
        return Err(bad("an event is in exactly one calendar (maxCalendarsPerEvent 1)"));
    }
    let id = ctx.id(named[0]).and_then(ids::parse_calendar).ok_or_else(|| bad("no such calendar"))?;
    all.iter().find(|c| c.collection.id == id).ok_or_else(|| bad("no such calendar"))
}

/// The iCalendar text of a JSCalendar event object, converted off the executor.
async fn icalendar(object: Map<String, Value>) -> Result<(String, String), SetError> {
    if let Some(k) = unknown_property(&object) {
        return Err(SetError::invalid(k, "JSCalendar has no such property"));
    }
    if let Some(k) = mistyped_property(&object) {
        return Err(SetError::invalid(k, format!("{k} has the wrong type")));
    }
    let converted = tokio::task::spawn_blocking(move || from_jscalendar(&object)).await;
    match converted {
        Ok(Ok((text, parsed))) => Ok((text, parsed.uid)),
        Ok(Err(e)) => Err(SetError::new("invalidProperties", e.message)),
        Err(_) => Err(SetError::new("invalidProperties", "the event cannot be written as iCalendar")),
    }
}

async fn create_one(
    ctx: &Ctx<'_>,
    account: &Account,
    all: &[Calendar],
    mut object: Map<String, Value>,
    scheduling: Scheduling,
) -> Result<Value, SetError> {
    if object.contains_key("id") {
        return Err(SetError::invalid("id", "id is the server's"));
    }
    let calendar = calendar_named(ctx, all, object.get("calendarIds").unwrap_or(&Value::Null))?;
    object.entry("@type").or_insert_with(|| json!("Event"));
    let mut made = Map::new();
    if !object.contains_key("uid") {
        let uid = new_uid(account.id);
        made.insert("uid".into(), json!(uid));
        object.insert("uid".into(), json!(uid));
    }
    let (text, uid) = icalendar(object).await?;
    let name = event_name(&uid);
    let gw = &ctx.jmap.groupware;
    let create = Condition { if_match: None, if_none_match: Some(vec!["*".into()]) };
    let written = match scheduling {
        Scheduling::Implicit => gw.put(&ctx.actor, &calendar.collection, &name, text.into_bytes(), create).await,
        Scheduling::Held => {
            gw.put_unscheduled(&ctx.actor, &calendar.collection, &name, text.into_bytes(), create).await
        }
    };
    match written {
        // The name is made from the uid: one taken is an event of this uid already.
        Err(relais_groupware::Error::PreconditionFailed) => {
            return Err(SetError::invalid("uid", "the calendar holds an event with this uid"));
        }
        other => other?,
    };
    let o = gw.object_named(&ctx.actor, calendar.collection.id, &name).await?.ok_or_else(SetError::not_found)?;
    made.insert("id".into(), json!(ids::event(o.id)));
    made.insert("isDraft".into(), Value::Bool(false));
    made.insert("isOrigin".into(), Value::Bool(true));
    Ok(Value::Object(made))
}

/// The event `id` of the account, if the actor may read it.
async fn event_of(ctx: &Ctx<'_>, account: &Account, id: &str) -> Result<StoredEvent, SetError> {
    let item = ctx.id(id).and_then(ids::parse_event).ok_or_else(SetError::not_found)?;
    let found = ctx.jmap.groupware.events(&ctx.actor, account.id, Some(vec![item])).await?;
    found.into_iter().next().ok_or_else(SetError::not_found)
}

/// The event as JSCalendar with its JMAP properties.
async fn object_of(account: &Account, event: StoredEvent) -> Result<Map<String, Value>, SetError> {
    let mut s = shown(vec![event], &account.name).await.map_err(|_| SetError::new("serverFail", "see the log"))?;
    s.pop().map(|s| s.object).ok_or_else(SetError::not_found)
}

/// The object less its JMAP-only properties: what its iCalendar text holds.
fn content(object: &Map<String, Value>) -> Map<String, Value> {
    let mut c = object.clone();
    for k in JMAP_ONLY {
        c.remove(k);
    }
    c
}

async fn update_one(
    ctx: &Ctx<'_>,
    (account, all): (&Account, &[Calendar]),
    id: &str,
    changes: &Map<String, Value>,
    scheduling: Scheduling,
) -> Result<(), SetError> {
    let event = event_of(ctx, account, id).await?;
    let (from, name, modseq) = (event.collection, event.name.clone(), event.modseq);
    let mut object = object_of(account, event).await?;
    let before = content(&object);
    for (path, value) in changes {
        let top = path.split('/').next().unwrap_or_default();
        if ["id", "isDraft", "isOrigin", "utcStart", "utcEnd", "uid"].contains(&top) {
            return Err(SetError::invalid(top, "this property cannot be changed"));
        }
        patch(&mut object, path, value)?;
    }
    let target = calendar_named(ctx, all, object.get("calendarIds").unwrap_or(&Value::Null))?;
    let source = all.iter().find(|c| c.collection.id == from).ok_or_else(SetError::not_found)?;
    let after = content(&object);
    let rewritten = if after != before { Some(icalendar(after).await?.0) } else { None };
    let changed = ctx
        .jmap
        .groupware
        .change_object(&ctx.actor, (source, &name, modseq), target, (rewritten.map(String::into_bytes), scheduling))
        .await;
    match changed {
        Err(relais_groupware::Error::Forbidden) => {
            Err(SetError::forbidden("no right to change the event or move it between these calendars"))
        }
        other => Ok(other?),
    }
}

async fn destroy_one(
    ctx: &Ctx<'_>,
    (account, all): (&Account, &[Calendar]),
    id: &str,
    scheduling: Scheduling,
) -> Result<(), SetError> {
    let event = event_of(ctx, account, id).await?;
    let calendar = all.iter().find(|c| c.collection.id == event.collection).ok_or_else(SetError::not_found)?;
    ctx.jmap.groupware.delete_read(&ctx.actor, (calendar, &event.name, event.modseq), scheduling).await?;
    Ok(())
}

/// CalendarEvent/copy (RFC 8620 §5.4, draft-ietf-jmap-calendars §5.12): each event read from
/// `fromAccountId`, its given properties (calendarIds among them) put over it, created in
/// `accountId` as CalendarEvent/set would without sendSchedulingMessages;
/// onSuccessDestroyOriginal then destroys the originals copied, telling nobody either.
pub(crate) async fn copy(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let (from, mut set) = copy_request(ctx, &mut args, |a| a.calendars).await?;
    let create = std::mem::take(&mut set.create);
    let all = calendars(ctx, &set.account).await?;
    let mut out = Outcome::default();
    let mut copied: BTreeSet<String> = BTreeSet::new();
    for (cid, given) in create {
        let made = copy_one(ctx, &from, &set.account, &all, &given).await;
        if made.is_ok()
            && let Some(source) = given.get("id").and_then(Value::as_str)
        {
            copied.insert(source.to_owned());
        }
        out.created(ctx, cid, made);
    }
    let (response, destroy) = copy_answer(ctx, &args, (&from, &set), out, copied).await?;
    if let Some(destroy) = destroy {
        let destroyed = Box::pin(self::set(ctx, destroy)).await;
        ctx.push_implicit("CalendarEvent/set", destroyed);
    }
    Ok(response)
}

async fn copy_one(
    ctx: &Ctx<'_>,
    from: &Account,
    to: &Account,
    all: &[Calendar],
    given: &Map<String, Value>,
) -> Result<Value, SetError> {
    let source = given.get("id").and_then(Value::as_str).ok_or_else(|| SetError::invalid("id", "id is required"))?;
    let event = event_of(ctx, from, source).await?;
    let mut object = content(&object_of(from, event).await?);
    for (k, v) in given {
        if k != "id" {
            object.insert(k.clone(), v.clone());
        }
    }
    if !object.contains_key("calendarIds")
        && let Some(default) = all.iter().find(|c| c.is_default()).or(all.first())
    {
        object.insert("calendarIds".into(), json!({ ids::calendar(default.collection.id): true }));
    }
    // /copy has no sendSchedulingMessages (RFC 8620 §5.4): its default, false.
    create_one(ctx, to, all, object, Scheduling::Held).await
}
