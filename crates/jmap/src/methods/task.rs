//! Task/get, /changes, /query and /queryChanges (draft-ietf-jmap-tasks §3, as CalendarEvent's
//! of draft-ietf-jmap-calendars §5.7–5.10). A task is an iCalendar object holding a VTODO in
//! a task list the actor may read (`relais_groupware::task_list`), shown as a JSCalendar Task
//! (RFC 8984 §5.2, `relais_groupware::jscalendar`: title, description, start, due, timeZone,
//! estimatedDuration, progress, percentComplete, priority, keywords, categories,
//! recurrenceRule, alerts…) with its JMAP `id`, `taskListId` and `isDraft` (and `utcStart`/
//! `utcDue` when asked); a task written over CalDAV or ActiveSync is the same object. Queries
//! read at most `MAX_QUERIED_TASKS` tasks, parsed once per query off the executor
//! (`task_filter`); queryChanges comes from the change log. Not served: expanding recurrences
//! and the get argument timeZone (floating times read as UTC).
//!
//! ```text
//! ["Task/query", {"accountId": "a1", "filter": {"inTaskLists": ["tl3"], "isCompleted": false},
//!   "sort": [{"property": "due"}], "limit": 50}, "0"]
//! ["Task/get", {"accountId": "a1", "#ids": {"resultOf": "0", "name": "Task/query",
//!   "path": "/ids"}, "properties": ["title", "due", "progress"]}, "1"]
//! ```

use relais_groupware::CalendarObject;
use relais_groupware::jscalendar::to_jscalendar;
use relais_groupware::task::TaskFields;
use relais_groupware::task_list::StoredTask;
use relais_store::{DataType, ItemId};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::MethodError;
use crate::ids;
use crate::methods::changes::{changes as log_changes, state};
use crate::methods::email_get::utc_date;
use crate::methods::query;
use crate::methods::task_filter::{self, Row};
use crate::methods::task_list::tasks_account;
use crate::methods::{Args, Ctx};

/// A task read for JMAP: its store facts and its JSCalendar object (JMAP properties in).
pub(crate) struct Shown {
    pub task: StoredTask,
    pub object: Map<String, Value>,
}

/// The tasks as JSCalendar, converted off the executor (parsing iCalendar is CPU work).
pub(crate) async fn shown(tasks: Vec<StoredTask>) -> Result<Vec<Shown>, MethodError> {
    tokio::task::spawn_blocking(move || tasks.into_iter().map(show).collect())
        .await
        .map_err(|_| MethodError::ServerFail)
}

fn show(task: StoredTask) -> Shown {
    let text = String::from_utf8_lossy(&task.content);
    let mut object = match CalendarObject::parse(&text) {
        Ok(o) => to_jscalendar(&o),
        Err(e) => {
            tracing::warn!(task = task.id.0, error = %e, "jmap: a stored task does not parse");
            Map::new()
        }
    };
    object.insert("id".into(), json!(ids::task(task.id)));
    object.insert("taskListId".into(), json!(ids::task_list(task.collection)));
    object.insert("isDraft".into(), Value::Bool(false));
    Shown { task, object }
}

/// utcStart and utcDue (§3) of the task, read from its text.
fn utc_times(t: &StoredTask) -> (Value, Value) {
    match TaskFields::from_ical(&String::from_utf8_lossy(&t.content)) {
        Some(f) => (json!(f.start.map(|d| utc_date(d.utc))), json!(f.due.map(|d| utc_date(d.utc)))),
        None => (Value::Null, Value::Null),
    }
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = tasks_account(ctx, &args).await?;
    let ids = args.get_ids(ctx)?;
    let properties = args.strings("properties")?;
    let state = state(ctx, account.id).await?;
    let wanted: Vec<ItemId> = match &ids {
        Some(l) => l.iter().filter_map(|i| ids::parse_task(i)).collect(),
        // RFC 8620 §5.1: every task only while they are at most maxObjectsInGet.
        None => readable_tasks(ctx, &account, ctx.jmap.config.max_objects_in_get).await?,
    };
    let tasks = ctx.jmap.groupware.tasks(&ctx.actor, account.id, Some(wanted)).await?;
    let found = shown(tasks).await?;
    let times = properties.as_ref().is_some_and(|p| p.iter().any(|p| p == "utcStart" || p == "utcDue"));
    let mut list = Vec::with_capacity(found.len());
    let mut present = Vec::with_capacity(found.len());
    for s in found {
        present.push(ids::task(s.task.id));
        let mut o = s.object;
        if times {
            let (start, due) = utc_times(&s.task);
            o.insert("utcStart".into(), start);
            o.insert("utcDue".into(), due);
        }
        if let Some(props) = &properties {
            o.retain(|k, _| k == "id" || props.iter().any(|p| p == k));
        }
        list.push(Value::Object(o));
    }
    let not_found: Vec<String> = ids.into_iter().flatten().filter(|i| !present.contains(i)).collect();
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = tasks_account(ctx, &args).await?;
    // In a shared account only the tasks of the task lists shared are reported.
    let ids = readable_tasks(ctx, &account, usize::MAX).await?;
    let visible = Some(ids.into_iter().map(|i| i.0).collect());
    let mut v = log_changes(ctx, &args, &account, DataType::Task, |i| ids::task(ItemId(i)), visible).await?;
    if let Some(map) = v.as_object_mut() {
        map.insert("updatedProperties".into(), Value::Null);
    }
    Ok(v)
}

/// Most tasks a query reads, parses and sorts (all of them, each time: there is no index of
/// their text); an account past it gets requestTooLarge rather than an unbounded read.
const MAX_QUERIED_TASKS: usize = 20_000;

/// Tasks whose contents one step of a query reads and parses together.
const TASKS_PER_READ: usize = 500;

/// The ids of the tasks of the account the actor may read, refused past `most`.
async fn readable_tasks(ctx: &Ctx<'_>, account: &Account, most: usize) -> Result<Vec<ItemId>, MethodError> {
    query::readable(ctx, account, most, relais_groupware::task_list::task_ids).await
}

/// The tasks of the account that the call's filter keeps, in its sort order (ids last).
async fn results(ctx: &Ctx<'_>, args: &Args, account: &Account) -> Result<Vec<Row>, MethodError> {
    if args.bool("expandRecurrences")? {
        return Err(MethodError::invalid("expandRecurrences is not supported (maxExpandedQueryDuration PT0S)"));
    }
    let keys = task_filter::sort_keys(args.get("sort"))?;
    let filter = match args.get("filter") {
        Some(f) => Some(task_filter::read(ctx, f)?),
        None => None,
    };
    let every = readable_tasks(ctx, account, MAX_QUERIED_TASKS).await?;
    // A batch of contents at a time, each task parsed once and kept as a row: a query holds
    // one batch of contents, not the account's.
    let filter = std::sync::Arc::new(filter);
    let mut rows: Vec<Row> = Vec::new();
    for batch in every.chunks(TASKS_PER_READ) {
        let tasks = ctx.jmap.groupware.tasks(&ctx.actor, account.id, Some(batch.to_vec())).await?;
        let filter = filter.clone();
        let kept = tokio::task::spawn_blocking(move || {
            tasks
                .into_iter()
                .map(|t| task_filter::row(t.id.0, t.collection, &t.content, (t.created.0, t.modseq.0)))
                .filter(|r| filter.as_ref().as_ref().is_none_or(|f| task_filter::matches(f, r)))
                .collect::<Vec<Row>>()
        })
        .await
        .map_err(|_| MethodError::ServerFail)?;
        rows.extend(kept);
    }
    tokio::task::spawn_blocking(move || {
        task_filter::sort(&mut rows, &keys);
        rows
    })
    .await
    .map_err(|_| MethodError::ServerFail)
}

pub(crate) async fn query(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = tasks_account(ctx, &args).await?;
    let state = state(ctx, account.id).await?;
    let rows = results(ctx, &args, &account).await?;
    let at = |anchor: &str| {
        let anchor = ctx.id(anchor).and_then(ids::parse_task);
        rows.iter().position(|r| Some(ItemId(r.id)) == anchor)
    };
    let start = query::start(&args, rows.len(), at)?;
    let page: Vec<String> =
        rows.iter().skip(start).take(query::limit(ctx, &args)?).map(|r| ids::task(ItemId(r.id))).collect();
    let mut v = query::page(ctx, &args, &account, state, start, page, rows.len())?;
    if let Some(map) = v.as_object_mut() {
        map.insert("canCalculateChanges".into(), Value::Bool(true));
    }
    Ok(v)
}

/// Task/queryChanges (RFC 8620 §5.6) from the change log (`query::touched`): exact whatever
/// the filter and sort, which read only the task and its list; after a change of a task list
/// (its grants too) it is cannotCalculateChanges.
pub(crate) async fn query_changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = tasks_account(ctx, &args).await?;
    for _ in 0..query::SETTLE_TRIES {
        let touched = query::touched(ctx, &args, &account, (DataType::Task, DataType::TaskList)).await?;
        let rows = results(ctx, &args, &account).await?;
        if query::settled(ctx, &account, &touched).await? {
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            return query::changes_answer(&args, &account, touched, &ids, |i| ids::task(ItemId(i)));
        }
    }
    Err(MethodError::CannotCalculateChanges)
}
