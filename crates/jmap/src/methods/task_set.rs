//! Task/set and Task/copy (draft-ietf-jmap-tasks §3, as CalendarEvent/set and /copy of
//! draft-ietf-jmap-calendars §5.11, §5.12; RFC 8620 §5.4). A task given as a JSCalendar Task is converted to the iCalendar VTODO that is
//! stored (`relais_groupware::jscalendar::from_jstask`) and written by the groupware domain
//! with the actor exactly as a CalDAV PUT is — so CalDAV and ActiveSync read the new version at
//! once: `put_unscheduled` with If-None-Match `*` to create, `change_object` to update (If-Match
//! on the task's ETag: a change made meanwhile over CalDAV or ActiveSync is never overwritten,
//! stateMismatch; `transfer` to move it to another list, taskListId), `delete_read` (a CalDAV
//! DELETE with If-Match) to destroy it. Tasks are not scheduled over JMAP: nobody is told.
//! /copy reads a task the actor may read in another account and creates it, with the
//! properties given over it, as /set's create does (its uid kept; its list the one named, or
//! the target's default); onSuccessDestroyOriginal destroys the original by an implicit
//! Task/set.
//!
//! ```text
//! ["Task/set", {"accountId": "a1",
//!   "create": {"k1": {"@type": "Task", "taskListId": "tl3", "title": "File taxes",
//!                     "due": "2026-12-20T17:00:00", "timeZone": "Europe/Paris"}},
//!   "update": {"tk12": {"progress": "completed"}},
//!   "destroy": ["tk13"]}, "0"]
//! ```

use relais_groupware::jscalendar::{from_jstask, malformed_time, mistyped_property, unknown_property};
use relais_groupware::task_list::{StoredTask, TaskList, task_name};
use relais_groupware::{Condition, Scheduling};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use std::collections::BTreeSet;

use crate::methods::set::{Outcome, SetRequest, copy_answer, copy_request, new_uid, patch};
use crate::methods::task::shown;
use crate::methods::task_list::{find, task_lists};
use crate::methods::{Args, Ctx};

/// The JMAP properties of a task that its iCalendar text does not hold.
const JMAP_ONLY: [&str; 5] = ["id", "taskListId", "isDraft", "utcStart", "utcDue"];

pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let mut set = SetRequest::read(ctx, &mut args, false).await?;
    if !set.account.tasks {
        return Err(MethodError::AccountNotSupportedByMethod);
    }
    let mut out = Outcome::default();
    for (cid, object) in std::mem::take(&mut set.create) {
        let all = task_lists(ctx, &set.account).await?;
        let made = create_one(ctx, &set.account, &all, object).await;
        out.created(ctx, cid, made);
    }
    let all = task_lists(ctx, &set.account).await?;
    for (id, patch) in std::mem::take(&mut set.update) {
        let done = update_one(ctx, (&set.account, &all), &id, &patch).await;
        out.updated(id, done);
    }
    for id in std::mem::take(&mut set.destroy) {
        let done = destroy_one(ctx, (&set.account, &all), &id).await;
        out.destroyed(id, done);
    }
    out.response(ctx, &set).await
}

/// Task/copy (RFC 8620 §5.4): each task named by `id` in fromAccountId made in accountId.
pub(crate) async fn copy(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let (from, mut set) = copy_request(ctx, &mut args, |a| a.tasks).await?;
    let create = std::mem::take(&mut set.create);
    let mut out = Outcome::default();
    let mut copied: BTreeSet<String> = BTreeSet::new();
    for (cid, given) in create {
        let all = task_lists(ctx, &set.account).await?;
        let made = copy_one(ctx, &from, (&set.account, &all), &given).await;
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
        ctx.push_implicit("Task/set", destroyed);
    }
    Ok(response)
}

/// One task of `from` made in `to`: its content, the properties given over it, its list the
/// one named (else the default, as /set's create).
async fn copy_one(
    ctx: &Ctx<'_>,
    from: &Account,
    (to, all): (&Account, &[TaskList]),
    given: &Map<String, Value>,
) -> Result<Value, SetError> {
    let source = given.get("id").and_then(Value::as_str).ok_or_else(|| SetError::invalid("id", "id is required"))?;
    let task = task_of(ctx, from, source).await?;
    let mut shown = shown(vec![task]).await.map_err(|_| SetError::new("serverFail", "see the log"))?;
    let mut object = content(&shown.pop().map(|s| s.object).ok_or_else(SetError::not_found)?);
    for (k, v) in given {
        if k != "id" {
            object.insert(k.clone(), v.clone());
        }
    }
    create_one(ctx, to, all, object).await
}

/// The task list `taskListId` names, one of the account's.
fn list_named<'c>(ctx: &Ctx<'_>, all: &'c [TaskList], id: Option<&Value>) -> Result<&'c TaskList, SetError> {
    let bad = || SetError::invalid("taskListId", "taskListId names a task list of the account");
    let id = id.and_then(Value::as_str).ok_or_else(bad)?;
    find(ctx, all, id).map_err(|_| bad())
}

/// isDraft (§3): the server keeps no drafts, so only false is taken.
fn check_draft(object: &Map<String, Value>) -> Result<(), SetError> {
    match object.get("isDraft") {
        None | Some(Value::Bool(false)) => Ok(()),
        Some(_) => Err(SetError::invalid("isDraft", "drafts are not kept: isDraft is false")),
    }
}

/// The iCalendar text of a JSCalendar Task object, converted off the executor.
async fn icalendar(object: Map<String, Value>) -> Result<(String, String), SetError> {
    if let Some(k) = unknown_property(&object) {
        return Err(SetError::invalid(k, "JSCalendar has no such property"));
    }
    if let Some(k) = mistyped_property(&object) {
        return Err(SetError::invalid(k, format!("{k} has the wrong type")));
    }
    if let Some(k) = malformed_time(&object) {
        return Err(SetError::invalid(k, format!("{k} is not a date-time or duration of RFC 8984 §1.4")));
    }
    match tokio::task::spawn_blocking(move || from_jstask(&object)).await {
        Ok(Ok((text, parsed))) => Ok((text, parsed.uid)),
        Ok(Err(e)) => Err(SetError::new("invalidProperties", e.message)),
        Err(_) => Err(SetError::new("invalidProperties", "the task cannot be written as iCalendar")),
    }
}

async fn create_one(
    ctx: &Ctx<'_>,
    account: &Account,
    all: &[TaskList],
    mut object: Map<String, Value>,
) -> Result<Value, SetError> {
    for k in ["id", "utcStart", "utcDue"] {
        if object.contains_key(k) {
            return Err(SetError::invalid(k, format!("{k} is the server's")));
        }
    }
    check_draft(&object)?;
    let list = match object.get("taskListId") {
        Some(id) => list_named(ctx, all, Some(id))?,
        // The account's default list, as a client that names none means.
        None => all
            .iter()
            .find(|l| l.is_default())
            .or(all.first())
            .ok_or_else(|| SetError::invalid("taskListId", "the account has no task list"))?,
    };
    object.entry("@type").or_insert_with(|| json!("Task"));
    let mut made = Map::new();
    if !object.contains_key("uid") {
        let uid = new_uid(account.id);
        made.insert("uid".into(), json!(uid));
        object.insert("uid".into(), json!(uid));
    }
    let (text, uid) = icalendar(content(&object)).await?;
    let name = task_name(&uid);
    let gw = &ctx.jmap.groupware;
    let create = Condition { if_match: None, if_none_match: Some(vec!["*".into()]) };
    match gw.put_unscheduled(&ctx.actor, &list.collection, &name, text.into_bytes(), create).await {
        // The name is made from the uid: one taken is a task of this uid already.
        Err(relais_groupware::Error::PreconditionFailed) => {
            return Err(SetError::invalid("uid", "the task list holds a task with this uid"));
        }
        other => other?,
    };
    let o = gw.object_named(&ctx.actor, list.collection.id, &name).await?.ok_or_else(SetError::not_found)?;
    made.insert("id".into(), json!(ids::task(o.id)));
    if !object.contains_key("taskListId") {
        made.insert("taskListId".into(), json!(ids::task_list(list.collection.id)));
    }
    made.insert("isDraft".into(), Value::Bool(false));
    Ok(Value::Object(made))
}

/// The task `id` of the account, if the actor may read it.
async fn task_of(ctx: &Ctx<'_>, account: &Account, id: &str) -> Result<StoredTask, SetError> {
    let item = ctx.id(id).and_then(ids::parse_task).ok_or_else(SetError::not_found)?;
    let found = ctx.jmap.groupware.tasks(&ctx.actor, account.id, Some(vec![item])).await?;
    found.into_iter().next().ok_or_else(SetError::not_found)
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
    (account, all): (&Account, &[TaskList]),
    id: &str,
    changes: &Map<String, Value>,
) -> Result<(), SetError> {
    let task = task_of(ctx, account, id).await?;
    let (from, name, modseq) = (task.collection, task.name.clone(), task.modseq);
    let mut shown = shown(vec![task]).await.map_err(|_| SetError::new("serverFail", "see the log"))?;
    let mut object = shown.pop().map(|s| s.object).ok_or_else(SetError::not_found)?;
    let before = content(&object);
    for (path, value) in changes {
        let top = path.split('/').next().unwrap_or_default();
        if ["id", "utcStart", "utcDue", "uid", "@type"].contains(&top) {
            return Err(SetError::invalid(top, "this property cannot be changed"));
        }
        patch(&mut object, path, value)?;
    }
    check_draft(&object)?;
    let target = list_named(ctx, all, object.get("taskListId"))?;
    let source = all.iter().find(|c| c.collection.id == from).ok_or_else(SetError::not_found)?;
    let after = content(&object);
    let rewritten = if after != before { Some(icalendar(after).await?.0) } else { None };
    let changed = ctx
        .jmap
        .groupware
        .change_object(
            &ctx.actor,
            (source, &name, modseq),
            target,
            (rewritten.map(String::into_bytes), Scheduling::Held),
        )
        .await;
    match changed {
        Err(relais_groupware::Error::Forbidden) => {
            Err(SetError::forbidden("no right to change the task or move it between these task lists"))
        }
        other => Ok(other?),
    }
}

async fn destroy_one(ctx: &Ctx<'_>, (account, all): (&Account, &[TaskList]), id: &str) -> Result<(), SetError> {
    let task = task_of(ctx, account, id).await?;
    let list = all.iter().find(|c| c.collection.id == task.collection).ok_or_else(SetError::not_found)?;
    ctx.jmap.groupware.delete_read(&ctx.actor, (list, &task.name, task.modseq), Scheduling::Held).await?;
    Ok(())
}
