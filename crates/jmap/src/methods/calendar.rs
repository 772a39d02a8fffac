//! Calendar/get, /changes and /set (draft-ietf-jmap-calendars §4), and the calendars
//! capability of each account (§1.4). A calendar is one the actor sees in the account
//! (`relais_groupware::calendar`: a calendar collection taking events); myRights are the
//! access service's rights, shareWith its grants (`share_with`, RFC 9670), and every change is
//! a groupware or sharing operation with the actor (create, edit its properties, subscribe,
//! share, delete), which decides the rights.
//!
//! ```text
//! ["Calendar/get", {"accountId": "a1", "ids": null}, "0"]
//! ["Calendar/set", {"accountId": "a1", "create": {"k1": {"name": "Work", "color": "#0a0"}},
//!                   "destroy": ["cal7"], "onDestroyRemoveEvents": true}, "1"]
//! ```

use relais_groupware::CollectionProps;
use relais_groupware::calendar::{Calendar, Removal};
use relais_store::{CollectionId, DataType};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::address_book::{sort_order_of, text};
use crate::methods::collections::{self, Shelf};
use crate::methods::set::{Outcome, SetRequest};
use crate::methods::share_with::{self, Kind, SHARE_WITH};
use crate::methods::{Args, Ctx};

const PROPERTIES: [&str; 14] = [
    "id",
    "name",
    "description",
    "color",
    "sortOrder",
    "isSubscribed",
    "isVisible",
    "isDefault",
    "includeInAvailability",
    "defaultAlertsWithTime",
    "defaultAlertsWithoutTime",
    "timeZone",
    "shareWith",
    "myRights",
];

/// An event is in exactly one calendar: the store keeps an object in one collection.
pub(crate) const MAX_CALENDARS_PER_EVENT: u32 = 1;

/// Longest calendar name and description taken, in octets; a colour.
const MAX_NAME: usize = 255;
const MAX_DESCRIPTION: usize = 4096;
const MAX_COLOR: usize = 64;

/// The account's `urn:ietf:params:jmap:calendars` capability (draft-ietf-jmap-calendars
/// §1.4.1), where the actor sees calendars. Queries are not expanded into occurrences
/// (expandRecurrences is refused), so maxExpandedQueryDuration is nothing.
pub(crate) fn account_capability(a: &Account, caps: &mut Map<String, Value>) {
    if a.calendars {
        caps.insert(
            crate::CALENDARS.into(),
            json!({
                "maxCalendarsPerEvent": MAX_CALENDARS_PER_EVENT,
                "minDateTime": "1970-01-01T00:00:00Z",
                "maxDateTime": "9999-12-31T23:59:59Z",
                "maxExpandedQueryDuration": "PT0S",
                "maxParticipantsPerEvent": null,
                "mayCreateCalendar": a.personal,
            }),
        );
    }
}

/// The account of a calendars method: one the actor sees calendars in.
pub(crate) async fn calendars_account(ctx: &Ctx<'_>, args: &Args) -> Result<Account, MethodError> {
    let a = args.account(ctx).await?;
    if a.calendars { Ok(a) } else { Err(MethodError::AccountNotSupportedByMethod) }
}

/// The calendars of the account the actor sees.
pub(crate) async fn calendars(ctx: &Ctx<'_>, account: &Account) -> Result<Vec<Calendar>, MethodError> {
    Ok(ctx.jmap.groupware.calendars(&ctx.actor, account.id).await?)
}

/// Calendar as `collections` shows it.
const SHELF: Shelf = Shelf {
    kind: Kind::Calendar,
    data_type: DataType::Calendar,
    properties: &PROPERTIES,
    id: ids::calendar,
    parse: ids::parse_calendar,
    json: calendar_json,
};

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = calendars_account(ctx, &args).await?;
    let all = calendars(ctx, &account).await?;
    collections::get(ctx, &args, (&account, &SHELF), all).await
}

fn calendar_json(c: &Calendar, share_with: Value) -> Vec<(&'static str, Value)> {
    vec![
        ("id", json!(ids::calendar(c.collection.id))),
        ("name", json!(c.name())),
        ("description", json!(c.props.description)),
        ("color", json!(c.props.color)),
        ("sortOrder", json!(share_with::sort_order(&c.props))),
        ("isSubscribed", json!(c.subscribed)),
        ("isVisible", json!(!c.props.hidden)),
        ("isDefault", json!(c.is_default())),
        // Free/busy reads every calendar of the account (`relais_groupware::freebusy`).
        ("includeInAvailability", json!("all")),
        ("defaultAlertsWithTime", Value::Null),
        ("defaultAlertsWithoutTime", Value::Null),
        ("timeZone", json!(c.props.time_zone_id())),
        ("shareWith", share_with),
        // draft-ietf-jmap-calendars §4 CalendarRights as the access service's rights (the
        // mapping is `share_with::Kind::Calendar`'s): reading free/busy or events, writing
        // them (the rights `Groupware::put` and `delete` check), sharing, deleting.
        ("myRights", share_with::rights_json(Kind::Calendar, c.rights)),
    ]
}

pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = calendars_account(ctx, &args).await?;
    // The scheduling inbox and notes collections are calendar collections JMAP does not show.
    let visible = calendars(ctx, &account).await?;
    collections::changes(ctx, &args, (&account, &SHELF), &visible).await
}

pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let mut set = SetRequest::read(ctx, &mut args, false).await?;
    if !set.account.calendars {
        return Err(MethodError::AccountNotSupportedByMethod);
    }
    let remove_events = args.bool("onDestroyRemoveEvents")?;
    let all = calendars(ctx, &set.account).await?;
    // Only the default calendar is the default one: naming it again changes nothing.
    if let Some(id) = args.str("onSuccessSetIsDefault")? {
        let current = all.iter().find(|c| c.is_default()).map(|c| ids::calendar(c.collection.id));
        if current.as_deref() != Some(ctx.id(id).unwrap_or(id)) {
            return Err(MethodError::invalid("the default calendar cannot be changed"));
        }
    }
    let mut out = Outcome::default();
    for (cid, props) in std::mem::take(&mut set.create) {
        let made = match create_one(ctx, &set.account, &props).await {
            Ok(id) => collections::made(ctx, &SHELF, calendars(ctx, &set.account).await, (id, &props)).await,
            Err(e) => Err(e),
        };
        out.created(ctx, cid, made);
    }
    let all = calendars(ctx, &set.account).await?;
    for (id, patch) in std::mem::take(&mut set.update) {
        let done = update_one(ctx, &all, &id, &patch).await;
        out.updated(id, done);
    }
    for id in std::mem::take(&mut set.destroy) {
        let done = destroy_one(ctx, &all, &id, remove_events).await;
        out.destroyed(id, done);
    }
    out.response(ctx, &set).await
}

/// What an update of a calendar (or a task list) does to its stored properties: those the
/// patch names take their values from `p` (its `edits`); `None` when it names none.
pub(crate) fn props_edit(
    patch: &Map<String, Value>,
    p: CollectionProps,
) -> Option<impl FnOnce(&mut CollectionProps) + Send + 'static> {
    const STORED: [&str; 6] = ["name", "description", "color", "sortOrder", "isVisible", "timeZone"];
    if !STORED.iter().any(|k| patch.contains_key(*k)) {
        return None;
    }
    let given = |k: &str| patch.contains_key(k);
    let (set_description, set_color, set_order) = (given("description"), given("color"), given("sortOrder"));
    let (set_visible, set_zone) = (given("isVisible"), given("timeZone"));
    Some(move |props: &mut CollectionProps| {
        if p.display_name.is_some() {
            props.display_name = p.display_name;
        }
        if set_description {
            props.description = p.description;
        }
        if set_color {
            props.color = p.color;
        }
        if set_order {
            props.order = p.order;
        }
        if set_visible {
            props.hidden = p.hidden;
        }
        if set_zone {
            props.timezone = p.timezone;
        }
    })
}

/// The properties a client may give, with their values checked (§4: id, isDefault and
/// myRights are the server's; what Relais does not keep may be given only as it shows it).
pub(crate) fn edits(props: &Map<String, Value>, creating: bool) -> Result<CollectionProps, SetError> {
    for (k, v) in props {
        match (k.as_str(), v) {
            ("name" | "description" | "color" | "sortOrder" | "isSubscribed" | "isVisible", _)
            | ("timeZone", Value::Null | Value::String(_))
            | ("defaultAlertsWithTime" | "defaultAlertsWithoutTime", Value::Null) => {}
            // Read by `share_with::requested`.
            (k, _) if k.starts_with(SHARE_WITH) => {}
            ("includeInAvailability", Value::String(s)) if s == "all" => {}
            ("isDefault", Value::Bool(false)) if creating => {}
            (other, _) => return Err(SetError::invalid(other, "this property cannot be set")),
        }
    }
    let mut p = CollectionProps::default();
    if let Some(name) = text(props, "name", MAX_NAME, false)? {
        p.display_name = name;
    }
    if let Some(d) = text(props, "description", MAX_DESCRIPTION, true)? {
        p.description = d;
    }
    if let Some(c) = text(props, "color", MAX_COLOR, true)? {
        p.color = c;
    }
    if let Some(o) = props.get("sortOrder") {
        p.order = Some(sort_order_of(o)?);
    }
    for flag in ["isSubscribed", "isVisible"] {
        if props.get(flag).is_some_and(|v| !v.is_boolean()) {
            return Err(SetError::invalid(flag, format!("{flag} is a boolean")));
        }
    }
    p.hidden = props.get("isVisible") == Some(&Value::Bool(false));
    // The calendar's zone, kept as CalDAV's calendar-timezone (a VTIMEZONE of an IANA zone).
    if let Some(zone) = props.get("timeZone")
        && !p.set_time_zone(zone.as_str(), relais_store::now())
    {
        return Err(SetError::invalid("timeZone", "timeZone is the name of a time zone (IANA), or null"));
    }
    Ok(p)
}

async fn create_one(ctx: &Ctx<'_>, account: &Account, props: &Map<String, Value>) -> Result<CollectionId, SetError> {
    let p = edits(props, true)?;
    if p.display_name.is_none() {
        return Err(SetError::invalid("name", "name is required"));
    }
    // Only the account's owner (or its full-access delegate) creates one, holding every right.
    let sharing = share_with::requested(ctx, Kind::Calendar, account.id, props).await?;
    let gw = &ctx.jmap.groupware;
    let c = gw.create_calendar(&ctx.actor, account.id, p).await?;
    if props.get("isSubscribed") == Some(&Value::Bool(false)) {
        gw.subscribe_calendar(&ctx.actor, c.id, false).await?;
    }
    if let Some(sharing) = sharing {
        share_with::apply(ctx, c.id, sharing).await?;
    }
    Ok(c.id)
}

pub(crate) fn find<'c>(ctx: &Ctx<'_>, all: &'c [Calendar], id: &str) -> Result<&'c Calendar, SetError> {
    collections::find(ctx, &SHELF, all, id)
}

async fn update_one(ctx: &Ctx<'_>, all: &[Calendar], id: &str, patch: &Map<String, Value>) -> Result<(), SetError> {
    let c = find(ctx, all, id)?;
    let p = edits(patch, false)?;
    // Checked before anything is written; applied last.
    let sharing = share_with::requested(ctx, Kind::Calendar, c.collection.account, patch).await?;
    share_with::check_may_share(&sharing, c.rights)?;
    let gw = &ctx.jmap.groupware;
    if let Some(edit) = props_edit(patch, p) {
        gw.edit_calendar(&ctx.actor, c.collection.id, edit).await?;
    }
    if let Some(Value::Bool(on)) = patch.get("isSubscribed") {
        gw.subscribe_calendar(&ctx.actor, c.collection.id, *on).await?;
    }
    if let Some(sharing) = sharing {
        share_with::apply(ctx, c.collection.id, sharing).await?;
    }
    Ok(())
}

async fn destroy_one(ctx: &Ctx<'_>, all: &[Calendar], id: &str, remove_events: bool) -> Result<(), SetError> {
    let c = find(ctx, all, id)?;
    match ctx.jmap.groupware.delete_calendar(&ctx.actor, c.collection.id, remove_events).await? {
        Removal::Removed => Ok(()),
        // draft-ietf-jmap-calendars §4.3.
        Removal::HasContents => Err(SetError::new("calendarHasEvent", "the calendar holds events")),
    }
}
