//! CalendarEvent/get, /changes, /query and /queryChanges (draft-ietf-jmap-calendars §5.7–
//! 5.10). An event is an iCalendar object holding a VEVENT in a calendar the actor may read
//! (`relais_groupware::calendar`), shown as JSCalendar (RFC 8984,
//! `relais_groupware::jscalendar`) with its JMAP `id`, `calendarIds`, `isDraft` and
//! `isOrigin` (and `utcStart`/`utcEnd` when asked); an event written over CalDAV, ActiveSync
//! or iMIP is the same object. Queries read at most `MAX_QUERIED_EVENTS` events (there is no
//! index of their text yet), parsed once per query off the executor; queryChanges comes from
//! the change log. The get arguments recurrenceOverridesBefore and recurrenceOverridesAfter
//! keep the overrides whose recurrence id (in the event's zone) is in the window;
//! reduceParticipants keeps the owners and the user's own participant. Not served:
//! expandRecurrences (refused), and the get argument timeZone (ignored: times as stored).
//!
//! ```text
//! ["CalendarEvent/query", {"accountId": "a1", "filter": {"inCalendars": ["cal3"],
//!   "after": "2026-12-01T00:00:00Z", "before": "2027-01-01T00:00:00Z"},
//!   "sort": [{"property": "start"}], "limit": 50}, "0"]
//! ["CalendarEvent/get", {"accountId": "a1", "#ids": {"resultOf": "0",
//!   "name": "CalendarEvent/query", "path": "/ids"}, "properties": ["title", "start"]}, "1"]
//! ```

use relais_groupware::calendar::StoredEvent;
use relais_groupware::event::EventFields;
use relais_groupware::jscalendar::{recurrence_id_utc, to_jscalendar};
use relais_groupware::{CalendarObject, scheduling};
use relais_store::{DataType, ItemId};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::MethodError;
use crate::ids;
use crate::methods::calendar::calendars_account;
use crate::methods::changes::{changes as log_changes, state};
use crate::methods::email_get::utc_date;
use crate::methods::email_query::utc;
use crate::methods::event_filter::{self, Row};
use crate::methods::query;
use crate::methods::{Args, Ctx};

/// An event read for JMAP: its store facts and its JSCalendar object (JMAP properties in).
pub(crate) struct Shown {
    pub event: StoredEvent,
    pub object: Map<String, Value>,
}

/// The events as JSCalendar, converted off the executor (parsing iCalendar is CPU work);
/// `owner`: the account's address, for isOrigin.
pub(crate) async fn shown(events: Vec<StoredEvent>, owner: &str) -> Result<Vec<Shown>, MethodError> {
    let owner = owner.to_lowercase();
    tokio::task::spawn_blocking(move || events.into_iter().map(|e| show(e, &owner)).collect())
        .await
        .map_err(|_| MethodError::ServerFail)
}

fn show(event: StoredEvent, owner: &str) -> Shown {
    let text = String::from_utf8_lossy(&event.content);
    let (mut object, organizer) = match CalendarObject::parse(&text) {
        Ok(o) => (to_jscalendar(&o), scheduling::organizer(&o.ical)),
        Err(e) => {
            tracing::warn!(event = event.id.0, error = %e, "jmap: a stored event does not parse");
            (Map::new(), None)
        }
    };
    object.insert("id".into(), json!(ids::event(event.id)));
    object.insert("calendarIds".into(), json!({ ids::calendar(event.collection): true }));
    object.insert("isDraft".into(), Value::Bool(false));
    // §5: the event was made here unless another organizer scheduled it to this account.
    let origin = organizer.is_none_or(|o| o.eq_ignore_ascii_case(owner));
    object.insert("isOrigin".into(), Value::Bool(origin));
    Shown { event, object }
}

/// utcStart and utcEnd (§5.1) of the event's main component, read from its text.
fn utc_times(e: &StoredEvent) -> (Value, Value) {
    match EventFields::from_ical(&String::from_utf8_lossy(&e.content)) {
        Some(f) => (json!(utc_date(f.start)), json!(utc_date(f.end))),
        None => (Value::Null, Value::Null),
    }
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = calendars_account(ctx, &args).await?;
    let ids = args.get_ids(ctx)?;
    let properties = args.strings("properties")?;
    let state = state(ctx, account.id).await?;
    let wanted: Vec<ItemId> = match &ids {
        Some(l) => l.iter().filter_map(|i| ids::parse_event(i)).collect(),
        // RFC 8620 §5.1: every event only while they are at most maxObjectsInGet.
        None => readable_events(ctx, &account, ctx.jmap.config.max_objects_in_get).await?,
    };
    let events = ctx.jmap.groupware.events(&ctx.actor, account.id, Some(wanted)).await?;
    let found = shown(events, &account.name).await?;
    let times = properties.as_ref().is_some_and(|p| p.iter().any(|p| p == "utcStart" || p == "utcEnd"));
    let window = (
        args.str("recurrenceOverridesAfter")?.map(utc).transpose()?,
        args.str("recurrenceOverridesBefore")?.map(utc).transpose()?,
    );
    // The user's own participant: the actor's address, in a shared account too.
    let reduce = args.bool("reduceParticipants")?.then(|| format!("mailto:{}", ctx.principal.address().to_lowercase()));
    let mut list = Vec::with_capacity(found.len());
    let mut present = Vec::with_capacity(found.len());
    for s in found {
        present.push(ids::event(s.event.id));
        let mut o = s.object;
        if times {
            let (start, end) = utc_times(&s.event);
            o.insert("utcStart".into(), start);
            o.insert("utcEnd".into(), end);
        }
        if window != (None, None) {
            overrides_within(&mut o, window);
        }
        if let Some(me) = &reduce {
            reduce_participants(&mut o, me);
        }
        if let Some(props) = &properties {
            o.retain(|k, _| k == "id" || props.iter().any(|p| p == k));
        }
        list.push(Value::Object(o));
    }
    let not_found: Vec<String> = ids.into_iter().flatten().filter(|i| !present.contains(i)).collect();
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

/// recurrenceOverridesAfter and recurrenceOverridesBefore (§5.7): only the overrides whose
/// recurrence id, in UTC, is on or after the one and before the other are left.
fn overrides_within(o: &mut Map<String, Value>, (after, before): (Option<i64>, Option<i64>)) {
    let event = o.clone();
    if let Some(Value::Object(all)) = o.get_mut("recurrenceOverrides") {
        all.retain(|id, _| {
            recurrence_id_utc(&event, id).is_some_and(|t| after.is_none_or(|a| t >= a) && before.is_none_or(|b| t < b))
        });
    }
}

/// reduceParticipants (§5.7): only the owners and the participant `me` (a calendar address,
/// lower case) are left.
fn reduce_participants(o: &mut Map<String, Value>, me: &str) {
    if let Some(Value::Object(all)) = o.get_mut("participants") {
        all.retain(|_, p| {
            let owner = p.get("roles").and_then(|r| r.get("owner")) == Some(&Value::Bool(true));
            let address = p.get("calendarAddress").and_then(Value::as_str).map(str::to_lowercase);
            owner || address.as_deref() == Some(me)
        });
    }
}

pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = calendars_account(ctx, &args).await?;
    // Only events are reported (a task kept in a calendar changes the same log), and in a
    // shared account only those of the calendars shared.
    let ids = readable_events(ctx, &account, usize::MAX).await?;
    let visible = Some(ids.into_iter().map(|i| i.0).collect());
    let mut v = log_changes(ctx, &args, &account, DataType::Event, |i| ids::event(ItemId(i)), visible).await?;
    if let Some(map) = v.as_object_mut() {
        map.insert("updatedProperties".into(), Value::Null);
    }
    Ok(v)
}

/// Most events a query reads, parses and sorts (all of them, each time: there is no index of
/// their text yet); an account past it gets requestTooLarge rather than an unbounded read.
const MAX_QUERIED_EVENTS: usize = 20_000;

/// The ids of the events of the account the actor may read, refused past `most`.
async fn readable_events(ctx: &Ctx<'_>, account: &Account, most: usize) -> Result<Vec<ItemId>, MethodError> {
    query::readable(ctx, account, most, relais_groupware::calendar::event_ids).await
}

/// The events of the account that the call's filter keeps, in its sort order (ids last).
async fn results(ctx: &Ctx<'_>, args: &Args, account: &Account) -> Result<Vec<Row>, MethodError> {
    if args.bool("expandRecurrences")? {
        return Err(MethodError::invalid("expandRecurrences is not supported (maxExpandedQueryDuration PT0S)"));
    }
    let keys = event_filter::sort_keys(args.get("sort"))?;
    let filter = match args.get("filter") {
        Some(f) => event_filter::read(ctx, f)?,
        None => event_filter::everything(),
    };
    let every = readable_events(ctx, account, MAX_QUERIED_EVENTS).await?;
    // A batch of contents at a time, each event parsed once and kept only as far as sorting
    // needs it: a query holds one batch of contents, not the account's.
    let filter = std::sync::Arc::new(filter);
    let mut rows: Vec<Row> = Vec::new();
    for batch in every.chunks(EVENTS_PER_READ) {
        let events = ctx.jmap.groupware.events(&ctx.actor, account.id, Some(batch.to_vec())).await?;
        let filter = filter.clone();
        let kept = tokio::task::spawn_blocking(move || {
            events
                .into_iter()
                .map(|e| event_filter::row(e.id.0, e.collection, &e.content, (e.created.0, e.modseq.0)))
                .filter(|r| event_filter::matches(&filter, r))
                .map(|r| Row { object: None, ..r })
                .collect::<Vec<Row>>()
        })
        .await
        .map_err(|_| MethodError::ServerFail)?;
        rows.extend(kept);
    }
    tokio::task::spawn_blocking(move || {
        event_filter::sort(&mut rows, &keys);
        rows
    })
    .await
    .map_err(|_| MethodError::ServerFail)
}

/// Events whose contents one step of a query reads and parses together.
const EVENTS_PER_READ: usize = 500;

pub(crate) async fn query(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = calendars_account(ctx, &args).await?;
    let state = state(ctx, account.id).await?;
    let rows = results(ctx, &args, &account).await?;
    let at = |anchor: &str| {
        let anchor = ctx.id(anchor).and_then(ids::parse_event);
        rows.iter().position(|r| Some(ItemId(r.id)) == anchor)
    };
    let start = query::start(&args, rows.len(), at)?;
    let page: Vec<String> =
        rows.iter().skip(start).take(query::limit(ctx, &args)?).map(|r| ids::event(ItemId(r.id))).collect();
    let mut v = query::page(ctx, &args, &account, state, start, page, rows.len())?;
    if let Some(map) = v.as_object_mut() {
        map.insert("canCalculateChanges".into(), Value::Bool(true));
    }
    Ok(v)
}

/// CalendarEvent/queryChanges (RFC 8620 §5.6) from the change log (`query::touched`): exact
/// whatever the filter and sort, which read only the event and its calendar; after a change
/// of a calendar (its grants too) it is cannotCalculateChanges.
pub(crate) async fn query_changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = calendars_account(ctx, &args).await?;
    for _ in 0..query::SETTLE_TRIES {
        let touched = query::touched(ctx, &args, &account, (DataType::Event, DataType::Calendar)).await?;
        let rows = results(ctx, &args, &account).await?;
        if query::settled(ctx, &account, &touched).await? {
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            return query::changes_answer(&args, &account, touched, &ids, |i| ids::event(ItemId(i)));
        }
    }
    Err(MethodError::CannotCalculateChanges)
}
