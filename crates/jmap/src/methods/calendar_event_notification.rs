//! CalendarEventNotification/get, /changes, /set, /query and /queryChanges
//! (draft-ietf-jmap-calendars §7) on the notifications relais-groupware writes into the account
//! of a calendar when someone other than its user changes an event there — a sharee over any
//! protocol, an organizer's or attendee's scheduling message, iMIP
//! (`relais_groupware::event_notifications`). The owner sees them all; someone the account is
//! shared with sees those of the calendars it may read, not its own changes, never a private
//! one. Only the server makes them: /set destroys (the owner, or who acts for the account) and
//! nothing else (§7.3). /query filters by after, before, type and calendarEventIds and sorts by
//! created (§7.4), over the account's few kept notifications in memory; /queryChanges comes from
//! the change log (notifications are made and destroyed, never changed).
//!
//! ```text
//! ["CalendarEventNotification/query", {"accountId": "a2", "filter": {"type": "updated"},
//!   "sort": [{"property": "created", "isAscending": false}]}, "0"]
//! ["CalendarEventNotification/get", {"accountId": "a2", "#ids": {"resultOf": "0",
//!   "name": "CalendarEventNotification/query", "path": "/ids"}}, "1"]
//! ```

use std::collections::BTreeSet;

use relais_mail::MailError;
use relais_store::{ChangeKind, DataType, EventNotification, ItemId};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::args::wanted;
use crate::methods::calendar::calendars_account;
use crate::methods::changes::{changes as log_changes, parse_state, state};
use crate::methods::email_get::utc_date;
use crate::methods::email_query::utc;
use crate::methods::principal::principal_id;
use crate::methods::query::{self, Touched};
use crate::methods::set::{Outcome, SetRequest};
use crate::methods::{Args, Ctx};

const PROPERTIES: [&str; 9] =
    ["id", "created", "changedBy", "comment", "type", "calendarEventId", "isDraft", "event", "eventPatch"];

fn id_of(n: i64) -> String {
    format!("cen{n}")
}

fn parse_id(s: &str) -> Option<i64> {
    let digits = s.strip_prefix("cen")?;
    (!digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// §7: the type of change.
fn type_name(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Created => "created",
        ChangeKind::Updated => "updated",
        ChangeKind::Destroyed => "destroyed",
    }
}

/// The event and the patch of a notification, as stored JSON.
type Body = (Value, Value);

/// §7: a notification as the client reads it; `principal`: whether the changer's principal
/// may be named to the reader (the directory's address-list scope).
fn notification_json(
    n: &EventNotification,
    body: Option<&Body>,
    principal: bool,
    properties: &Option<Vec<String>>,
) -> Value {
    let by = &n.changed_by;
    let changed_by = json!({
        "name": by.name,
        "email": by.email,
        "principalId": by.principal.filter(|_| principal).map(principal_id),
        "calendarAddress": by.calendar_address,
    });
    // isDraft is said of created and updated events only; no event here is a draft.
    let is_draft = if n.kind == ChangeKind::Destroyed { Value::Null } else { Value::Bool(false) };
    let (event, patch) = body.cloned().unwrap_or((Value::Null, Value::Null));
    let all = [
        ("id", json!(id_of(n.id))),
        ("created", json!(utc_date(n.created))),
        ("changedBy", changed_by),
        ("comment", json!(n.comment)),
        ("type", json!(type_name(n.kind))),
        ("calendarEventId", json!(ids::event(n.event))),
        ("isDraft", is_draft),
        ("event", event),
        ("eventPatch", patch),
    ];
    let m: Map<String, Value> = all
        .into_iter()
        .filter(|(k, _)| *k == "id" || wanted(properties, &PROPERTIES, k))
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    Value::Object(m)
}

/// The notifications of the account the actor sees, oldest first.
async fn notifications(ctx: &Ctx<'_>, account: &Account) -> Result<Vec<EventNotification>, MethodError> {
    Ok(ctx.jmap.groupware.event_notifications(&ctx.actor, account.id).await?)
}

/// The events and patches of `chosen`, read only when asked for.
async fn bodies(
    ctx: &Ctx<'_>,
    account: &Account,
    chosen: &[&EventNotification],
    properties: &Option<Vec<String>>,
) -> Result<Vec<(i64, Body)>, MethodError> {
    if !wanted(properties, &PROPERTIES, "event") && !wanted(properties, &PROPERTIES, "eventPatch") {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = chosen.iter().map(|n| n.id).collect();
    let read = ctx.jmap.groupware.event_notification_bodies(&ctx.actor, account.id, ids).await?;
    let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
    Ok(read
        .into_iter()
        .map(|b| (b.id, (parse(&b.event_json), b.patch_json.as_deref().map_or(Value::Null, parse))))
        .collect())
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = calendars_account(ctx, &args).await?;
    let wanted_ids = args.get_ids(ctx)?;
    let properties = args.properties(&PROPERTIES)?;
    let state = state(ctx, account.id).await?;
    let all = notifications(ctx, &account).await?;
    // The ids asked for as numbers, looked up once each (not a string made per pair).
    let asked: Option<std::collections::HashSet<i64>> =
        wanted_ids.as_ref().map(|w| w.iter().filter_map(|i| parse_id(i)).collect());
    let chosen: Vec<&EventNotification> = match &asked {
        None => all.iter().collect(),
        Some(w) => all.iter().filter(|n| w.contains(&n.id)).collect(),
    };
    if chosen.len() > ctx.jmap.config.max_objects_in_get {
        return Err(MethodError::RequestTooLarge);
    }
    let read: std::collections::HashMap<i64, Body> =
        bodies(ctx, &account, &chosen, &properties).await?.into_iter().collect();
    // Whether the user may see who changed it: one directory read per principal, not per item.
    let mut seen: std::collections::HashMap<relais_store::AccountId, bool> = std::collections::HashMap::new();
    let mut list = Vec::with_capacity(chosen.len());
    for n in &chosen {
        let principal = match n.changed_by.principal {
            Some(p) => match seen.get(&p) {
                Some(v) => *v,
                None => {
                    let dir = ctx.jmap.mailer.directory();
                    let v = dir.visible_principal(ctx.principal, p).await.map_err(MailError::from)?.is_some();
                    seen.insert(p, v);
                    v
                }
            },
            None => false,
        };
        list.push(notification_json(n, read.get(&n.id), principal, &properties));
    }
    let found: std::collections::HashSet<i64> = chosen.iter().map(|n| n.id).collect();
    let not_found: Vec<String> = wanted_ids
        .unwrap_or_default()
        .into_iter()
        .filter(|i| parse_id(i).is_none_or(|n| !found.contains(&n)))
        .collect();
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = calendars_account(ctx, &args).await?;
    // In a shared account only what the actor sees is reported created.
    let visible = match account.personal {
        true => None,
        false => Some(notifications(ctx, &account).await?.iter().map(|n| n.id).collect()),
    };
    log_changes(ctx, &args, &account, DataType::CalendarEventNotification, id_of, visible).await
}

/// §7.3: only destroy; a create or update is forbidden.
pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    calendars_account(ctx, &args).await?;
    let mut set = SetRequest::read(ctx, &mut args, false).await?;
    let account = set.account.id;
    let mut out = Outcome::default();
    for (cid, _) in std::mem::take(&mut set.create) {
        out.created(ctx, cid, Err(SetError::forbidden("calendar event notifications are made by the server")));
    }
    for (id, _) in std::mem::take(&mut set.update) {
        out.updated(id, Err(SetError::forbidden("calendar event notifications are not changed")));
    }
    for id in std::mem::take(&mut set.destroy) {
        let result = match parse_id(&id) {
            None => Err(SetError::not_found()),
            Some(n) => match ctx.jmap.groupware.destroy_event_notification(&ctx.actor, account, n).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(SetError::not_found()),
                Err(relais_groupware::Error::Forbidden) => {
                    Err(SetError::forbidden("only the account's owner removes its notifications"))
                }
                Err(e) => Err(SetError::from(e)),
            },
        };
        out.destroyed(id, result);
    }
    out.response(ctx, &set).await
}

enum Condition {
    After(i64),
    Before(i64),
    Type(ChangeKind),
    CalendarEventIds(Vec<ItemId>),
}

/// §7.4.1: the filter condition (one object; every property must match).
fn read_filter(v: Option<&Value>) -> Result<Vec<Condition>, MethodError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let Value::Object(m) = v else { return Err(MethodError::invalid("filter must be an object")) };
    let text = |k: &str, v: &Value| -> Result<String, MethodError> {
        v.as_str().map(str::to_owned).ok_or_else(|| MethodError::invalid(format!("{k} is a string")))
    };
    m.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            Ok(match k.as_str() {
                "after" => Condition::After(utc(&text(k, v)?)?),
                "before" => Condition::Before(utc(&text(k, v)?)?),
                "type" => Condition::Type(match text(k, v)?.as_str() {
                    "created" => ChangeKind::Created,
                    "updated" => ChangeKind::Updated,
                    "destroyed" => ChangeKind::Destroyed,
                    _ => return Err(MethodError::invalid("type is created, updated or destroyed")),
                }),
                "calendarEventIds" => {
                    let Value::Array(list) = v else { return Err(MethodError::invalid("calendarEventIds is a list")) };
                    // An id that is no event's matches nothing.
                    Condition::CalendarEventIds(
                        list.iter().filter_map(Value::as_str).filter_map(ids::parse_event).collect(),
                    )
                }
                other => {
                    return Err(MethodError::UnsupportedFilter(format!("CalendarEventNotification filter {other}")));
                }
            })
        })
        .collect()
}

fn matches(conditions: &[Condition], n: &EventNotification) -> bool {
    conditions.iter().all(|c| match c {
        Condition::After(t) => n.created >= *t,
        Condition::Before(t) => n.created < *t,
        Condition::Type(k) => n.kind == *k,
        Condition::CalendarEventIds(list) => list.contains(&n.event),
    })
}

/// Whether the sort is by created descending (`created` is the only property, §7.4.2).
fn descending(args: &Args) -> Result<bool, MethodError> {
    let Some(sort) = args.get("sort") else { return Ok(false) };
    let Value::Array(sort) = sort else { return Err(MethodError::invalid("sort must be a list")) };
    let mut desc = false;
    for (i, c) in sort.iter().enumerate() {
        if c.get("property").and_then(Value::as_str) != Some("created") || i > 0 {
            return Err(MethodError::UnsupportedSort("CalendarEventNotification sorts by created only".into()));
        }
        desc = c.get("isAscending").and_then(Value::as_bool) == Some(false);
    }
    Ok(desc)
}

/// The ids the query finds now, in order.
async fn results(ctx: &Ctx<'_>, args: &Args, account: &Account) -> Result<Vec<i64>, MethodError> {
    let conditions = read_filter(args.get("filter"))?;
    let desc = descending(args)?;
    let mut all = notifications(ctx, account).await?;
    all.retain(|n| matches(&conditions, n));
    // Oldest first (ids grow with time), or newest first.
    if desc {
        all.reverse();
    }
    Ok(all.iter().map(|n| n.id).collect())
}

pub(crate) async fn query(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = calendars_account(ctx, &args).await?;
    let state = state(ctx, account.id).await?;
    let found = results(ctx, &args, &account).await?;
    let total = found.len();
    let start = query::start(&args, total, |anchor| parse_id(anchor).and_then(|a| found.iter().position(|i| *i == a)))?;
    let limit = query::limit(ctx, &args)?;
    let page: Vec<String> = found.into_iter().skip(start).take(limit).map(id_of).collect();
    let mut v = query::page(ctx, &args, &account, state, start, page, total)?;
    if let Some(map) = v.as_object_mut() {
        map.insert("canCalculateChanges".into(), Value::Bool(account.personal));
    }
    Ok(v)
}

/// /queryChanges (RFC 8620 §5.6) from the change log: a notification is only ever made or
/// destroyed, and what the owner sees depends on nothing else, so every one touched since is
/// removed and, when the query finds it now, added at its index. In a shared account (what is
/// seen follows the grants) it is cannotCalculateChanges.
pub(crate) async fn query_changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = calendars_account(ctx, &args).await?;
    let since = args.str("sinceQueryState")?.ok_or_else(|| MethodError::invalid("sinceQueryState is required"))?;
    let since = parse_state(since).ok_or(MethodError::CannotCalculateChanges)?;
    if !account.personal {
        return Err(MethodError::CannotCalculateChanges);
    }
    for _ in 0..query::SETTLE_TRIES {
        let owner = account.id;
        let log =
            ctx.jmap.store().read(move |r| r.changes_since(owner, DataType::CalendarEventNotification, since)).await?;
        let touched: BTreeSet<i64> = log.created.iter().chain(&log.updated).chain(&log.destroyed).copied().collect();
        if args.uint("maxChanges")?.is_some_and(|max| touched.len() as u64 > max) {
            return Err(MethodError::TooManyChanges);
        }
        let touched = Touched { since, until: log.until, ids: touched };
        let found = results(ctx, &args, &account).await?;
        if query::settled(ctx, &account, &touched).await? {
            return query::changes_answer(&args, &account, touched, &found, id_of);
        }
    }
    Err(MethodError::CannotCalculateChanges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        assert_eq!(parse_id(&id_of(42)), Some(42));
        for bad in ["cen", "cen-1", "sn4", "cen1x", "cen0000000000000000000001"] {
            assert_eq!(parse_id(bad), None, "{bad}");
        }
    }
}
