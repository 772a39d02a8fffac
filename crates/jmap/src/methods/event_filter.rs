//! CalendarEvent/query filters (draft-ietf-jmap-calendars §5.9.1): FilterOperators (AND, OR,
//! NOT) over FilterConditions, each condition's properties all holding. `inCalendars` names
//! calendars; `after` and `before` are UTCDates an occurrence of the event must end after and
//! start before (the stored object's recurrence expanded within the groupware's limits);
//! `uid` is exact; the text conditions match a substring, case-insensitively, of the event's
//! title (SUMMARY), description, location, organizer (`owner`) or attendees, names and
//! addresses (`text`: any of them).
//!
//! ```text
//! {"operator": "AND", "conditions": [{"inCalendars": ["cal3"]},
//!   {"after": "2026-12-01T00:00:00Z", "before": "2027-01-01T00:00:00Z"}, {"text": "standup"}]}
//! ```

use relais_groupware::CalendarObject;
use relais_groupware::event::{EventFields, Person};
use serde_json::Value;

use crate::error::MethodError;
use crate::ids;
use crate::methods::Ctx;
use crate::methods::email_query::utc;

/// The conditions served; anything else is unsupportedFilter.
const CONDITIONS: [&str; 10] =
    ["inCalendars", "after", "before", "text", "title", "description", "location", "owner", "attendee", "uid"];

/// Deepest nesting of operators taken, and most calendars one inCalendars names.
const MAX_DEPTH: usize = 16;
const MAX_CALENDARS: usize = 1000;

/// One event as a query reads it: its calendar, parsed object and fields (of its main component).
pub(crate) struct Row {
    pub id: i64,
    pub calendar: String,
    /// The event parsed once (`None`: it does not parse, or the filter is done with it): each
    /// time range of the filter expands its recurrence from here.
    pub object: Option<CalendarObject>,
    pub fields: Option<EventFields>,
    /// Its store facts for sorting: creation and last change.
    pub created: u64,
    pub updated: u64,
}

/// A filter checked, with `#creationId`s of calendars resolved and dates read, ready to be
/// evaluated off the executor; its conditions are CalendarEvent's, or another type's
/// (`task_filter`).
pub(crate) enum Filter<C = Condition> {
    And(Vec<Filter<C>>),
    Or(Vec<Filter<C>>),
    Not(Vec<Filter<C>>),
    Conditions(Vec<C>),
}

/// Reads one FilterCondition's property: its name and value, the request's context for
/// `#creationId`s.
pub(crate) type ReadCondition<C> = fn(&Ctx<'_>, &str, &Value) -> Result<C, MethodError>;

pub(crate) enum Condition {
    InCalendars(Vec<String>),
    After(i64),
    Before(i64),
    Text(&'static str, String),
    Uid(String),
}

/// Most operators and conditions in one filter: each is tested against every event read (a
/// time range by expanding its recurrence), so a filter of thousands would cost minutes.
const MAX_TERMS: usize = 64;

/// Checks a filter's shape and reads it, before anything is read from the store.
pub(crate) fn read(ctx: &Ctx<'_>, filter: &Value) -> Result<Filter, MethodError> {
    read_with(ctx, filter, condition)
}

/// Checks a filter's shape (RFC 8620 §5.5 FilterOperator, within `MAX_DEPTH` and
/// `MAX_TERMS`) and reads each condition with `condition`.
pub(crate) fn read_with<C>(
    ctx: &Ctx<'_>,
    filter: &Value,
    condition: ReadCondition<C>,
) -> Result<Filter<C>, MethodError> {
    read_at(ctx, filter, (0, &mut 0), condition)
}

fn read_at<C>(
    ctx: &Ctx<'_>,
    filter: &Value,
    (depth, terms): (usize, &mut usize),
    condition: ReadCondition<C>,
) -> Result<Filter<C>, MethodError> {
    let Value::Object(f) = filter else { return Err(MethodError::invalid("a filter is an object")) };
    if depth > MAX_DEPTH {
        return Err(MethodError::invalid("the filter nests too deep"));
    }
    *terms += if f.contains_key("operator") { 1 } else { f.len() };
    if *terms > MAX_TERMS {
        return Err(MethodError::UnsupportedFilter(format!("more than {MAX_TERMS} operators and conditions")));
    }
    if let Some(op) = f.get("operator") {
        let Some(Value::Array(list)) = f.get("conditions") else {
            return Err(MethodError::invalid("a FilterOperator has conditions"));
        };
        let list =
            list.iter().map(|c| read_at(ctx, c, (depth + 1, &mut *terms), condition)).collect::<Result<Vec<_>, _>>()?;
        return match op.as_str() {
            Some("AND") => Ok(Filter::And(list)),
            Some("OR") => Ok(Filter::Or(list)),
            Some("NOT") => Ok(Filter::Not(list)),
            _ => Err(MethodError::invalid("operator is AND, OR or NOT")),
        };
    }
    f.iter().map(|(k, v)| condition(ctx, k, v)).collect::<Result<Vec<_>, _>>().map(Filter::Conditions)
}

fn condition(ctx: &Ctx<'_>, k: &str, v: &Value) -> Result<Condition, MethodError> {
    let Some(name) = CONDITIONS.iter().find(|c| **c == k) else {
        return Err(MethodError::UnsupportedFilter(format!("CalendarEvent filter {k}")));
    };
    if *name == "inCalendars" {
        let list = v.as_array().filter(|l| l.len() <= MAX_CALENDARS);
        let list = list.ok_or_else(|| MethodError::invalid("inCalendars is a list of calendar ids"))?;
        let ids = list
            .iter()
            .map(|i| i.as_str().map(|s| ctx.id(s).unwrap_or(s).to_owned()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| MethodError::invalid("inCalendars is a list of calendar ids"))?;
        return Ok(Condition::InCalendars(ids));
    }
    let s = v.as_str().ok_or_else(|| MethodError::invalid(format!("{k} must be a string")))?;
    Ok(match *name {
        "after" => Condition::After(utc(s)?),
        "before" => Condition::Before(utc(s)?),
        "uid" => Condition::Uid(s.to_owned()),
        other => Condition::Text(other, s.to_lowercase()),
    })
}

/// Whether a filter holds, `conditions` telling whether one FilterCondition's all hold.
pub(crate) fn holds_with<C>(filter: &Filter<C>, conditions: &impl Fn(&[C]) -> bool) -> bool {
    match filter {
        Filter::And(list) => list.iter().all(|f| holds_with(f, conditions)),
        Filter::Or(list) => list.iter().any(|f| holds_with(f, conditions)),
        Filter::Not(list) => !list.iter().any(|f| holds_with(f, conditions)),
        Filter::Conditions(list) => conditions(list),
    }
}

/// Whether the event `r` passes `filter`.
pub(crate) fn matches(filter: &Filter, r: &Row) -> bool {
    holds_with(filter, &|list: &[Condition]| {
        // One occurrence must end after every `after` and start before every `before`
        // (§5.9.1): one range, so the recurrence is expanded once.
        let (mut start, mut end, mut timed) = (i64::MIN, i64::MAX, false);
        for c in list {
            match c {
                Condition::After(t) => (start, timed) = (start.max(*t), true),
                Condition::Before(t) => (end, timed) = (end.min(*t), true),
                other if !holds(other, r) => return false,
                _ => {}
            }
        }
        !timed || occurs(r, start, end)
    })
}

fn holds(c: &Condition, r: &Row) -> bool {
    match (c, &r.fields) {
        (Condition::InCalendars(ids), _) => ids.contains(&r.calendar),
        (Condition::Uid(uid), Some(f)) => f.uid == *uid,
        (Condition::Text(name, needle), Some(f)) => {
            texts(name, f).iter().any(|t| t.to_lowercase().contains(needle.as_str()))
        }
        (Condition::After(t), _) => occurs(r, *t, i64::MAX),
        (Condition::Before(t), _) => occurs(r, i64::MIN, *t),
        (_, None) => false,
    }
}

/// Whether an occurrence of the event overlaps [start, end) (none when the range is empty).
fn occurs(r: &Row, start: i64, end: i64) -> bool {
    start < end && r.object.as_ref().is_some_and(|o| o.occurs_in(start, end))
}

fn person(p: &Person) -> Vec<String> {
    std::iter::once(p.address.clone()).chain(p.name.clone()).collect()
}

/// The texts a text condition looks in.
fn texts(name: &str, f: &EventFields) -> Vec<String> {
    let owner = || f.organizer.as_ref().map(person).unwrap_or_default();
    let attendees = || f.attendees.iter().flat_map(|a| person(&a.person)).collect::<Vec<_>>();
    match name {
        "title" => f.subject.clone().into_iter().collect(),
        "description" => f.body.clone().into_iter().collect(),
        "location" => f.location.clone().into_iter().collect(),
        "owner" => owner(),
        "attendee" => attendees(),
        _ => {
            let mut all: Vec<String> = [&f.subject, &f.body, &f.location].into_iter().flatten().cloned().collect();
            all.extend(owner());
            all.extend(attendees());
            all
        }
    }
}

/// The row of a stored event (parsed once per query, off the executor).
pub(crate) fn row(id: i64, calendar: relais_store::CollectionId, content: &[u8], stamps: (u64, u64)) -> Row {
    let text = String::from_utf8_lossy(content);
    let fields = EventFields::from_ical(&text);
    let object = CalendarObject::parse(&text).ok();
    Row { id, calendar: ids::calendar(calendar), object, fields, created: stamps.0, updated: stamps.1 }
}

/// The `sort` of a query read (§5.9.2: start, uid, created, updated), each with its direction.
pub(crate) fn sort_keys(sort: Option<&Value>) -> Result<Vec<(Key, bool)>, MethodError> {
    let Some(sort) = sort else { return Ok(Vec::new()) };
    let Value::Array(sort) = sort else { return Err(MethodError::invalid("sort must be a list")) };
    sort.iter()
        .map(|s| {
            let asc = s.get("isAscending").and_then(Value::as_bool).unwrap_or(true);
            let key = match s.get("property").and_then(Value::as_str) {
                Some("start") => Key::Start,
                Some("uid") => Key::Uid,
                Some("created") => Key::Created,
                Some("updated") => Key::Updated,
                other => return Err(MethodError::UnsupportedSort(format!("CalendarEvent sort {other:?}"))),
            };
            Ok((key, asc))
        })
        .collect()
}

/// A sort key of CalendarEvent/query.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Key {
    Start,
    Uid,
    Created,
    Updated,
}

/// The rows ordered by `keys`, ids last.
pub(crate) fn sort(rows: &mut [Row], keys: &[(Key, bool)]) {
    let compare = |a: &Row, b: &Row, k: Key| match k {
        Key::Start => a.fields.as_ref().map(|f| f.start).cmp(&b.fields.as_ref().map(|f| f.start)),
        Key::Uid => a.fields.as_ref().map(|f| &f.uid).cmp(&b.fields.as_ref().map(|f| &f.uid)),
        Key::Created => a.created.cmp(&b.created),
        Key::Updated => a.updated.cmp(&b.updated),
    };
    rows.sort_by(|a, b| {
        keys.iter()
            .map(|(k, asc)| if *asc { compare(a, b, *k) } else { compare(b, a, *k) })
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.id.cmp(&b.id))
    });
}

/// An empty filter object keeps everything.
pub(crate) fn everything() -> Filter {
    Filter::Conditions(Vec::new())
}
