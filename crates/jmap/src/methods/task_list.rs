//! TaskList/get, /changes and /set (draft-ietf-jmap-tasks §2), and the tasks capability of
//! each account (§1.4). A task list is one the actor sees in the account
//! (`relais_groupware::task_list`: a task-list collection taking VTODO, the one CalDAV and
//! ActiveSync serve); its rights are CalendarRights (the draft reuses the calendars' model),
//! read from the access service as a calendar's are, shareWith its grants (`share_with`), and
//! every change is a groupware or sharing operation with the actor. The account's default
//! task list has the role `inbox` (§2); no list is a `trash`.
//!
//! ```text
//! ["TaskList/get", {"accountId": "a1", "ids": null}, "0"]
//! ["TaskList/set", {"accountId": "a1", "create": {"k1": {"name": "Home", "color": "#0a0"}},
//!                   "destroy": ["tl7"], "onDestroyRemoveTasks": true}, "1"]
//! ```

use relais_groupware::task_list::{Removal, TaskList};
use relais_store::{CollectionId, DataType};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::calendar::{edits as calendar_edits, props_edit};
use crate::methods::collections::{self, Shelf};
use crate::methods::set::{Outcome, SetRequest};
use crate::methods::share_with::{self, Kind};
use crate::methods::{Args, Ctx};

const PROPERTIES: [&str; 13] = [
    "id",
    "role",
    "name",
    "description",
    "color",
    "sortOrder",
    "isSubscribed",
    "isVisible",
    "defaultAlertsWithTime",
    "defaultAlertsWithoutTime",
    "timeZone",
    "shareWith",
    "myRights",
];

/// A task is in exactly one task list (§3 taskListId): the store keeps an object in one
/// collection.
const MAX_TASK_LISTS_PER_TASK: u32 = 1;

/// The account's `urn:ietf:params:jmap:tasks` capability (draft-ietf-jmap-tasks §1.4.1),
/// where the actor sees task lists. Sharees act as themselves; recurrences are not expanded
/// (maxExpandedQueryDuration nothing); tasks are assigned to nobody over JMAP.
pub(crate) fn account_capability(a: &Account, caps: &mut Map<String, Value>) {
    if a.tasks {
        caps.insert(
            crate::TASKS.into(),
            json!({
                "shareesActAs": "self",
                "maxTaskListsPerTask": MAX_TASK_LISTS_PER_TASK,
                "minDateTime": "1970-01-01T00:00:00",
                "maxDateTime": "9999-12-31T23:59:59",
                "maxExpandedQueryDuration": "PT0S",
                "maxAssigneesPerTask": 0,
                "mayCreateTaskList": a.personal,
            }),
        );
    }
}

/// The account of a tasks method: one the actor sees task lists in.
pub(crate) async fn tasks_account(ctx: &Ctx<'_>, args: &Args) -> Result<Account, MethodError> {
    let a = args.account(ctx).await?;
    if a.tasks { Ok(a) } else { Err(MethodError::AccountNotSupportedByMethod) }
}

/// The task lists of the account the actor sees.
pub(crate) async fn task_lists(ctx: &Ctx<'_>, account: &Account) -> Result<Vec<TaskList>, MethodError> {
    Ok(ctx.jmap.groupware.task_lists(&ctx.actor, account.id).await?)
}

/// TaskList as `collections` shows it.
const SHELF: Shelf = Shelf {
    kind: Kind::Calendar,
    data_type: DataType::TaskList,
    properties: &PROPERTIES,
    id: ids::task_list,
    parse: ids::parse_task_list,
    json: task_list_json,
};

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = tasks_account(ctx, &args).await?;
    let all = task_lists(ctx, &account).await?;
    collections::get(ctx, &args, (&account, &SHELF), all).await
}

fn task_list_json(c: &TaskList, share_with: Value) -> Vec<(&'static str, Value)> {
    vec![
        ("id", json!(ids::task_list(c.collection.id))),
        ("role", if c.is_default() { json!("inbox") } else { Value::Null }),
        ("name", json!(c.name())),
        ("description", json!(c.props.description)),
        ("color", json!(c.props.color)),
        ("sortOrder", json!(share_with::sort_order(&c.props))),
        ("isSubscribed", json!(c.subscribed)),
        ("isVisible", json!(!c.props.hidden)),
        ("defaultAlertsWithTime", Value::Null),
        ("defaultAlertsWithoutTime", Value::Null),
        ("timeZone", json!(c.props.time_zone_id())),
        ("shareWith", share_with),
        // §2: CalendarRights, mapped onto the access service's rights as a calendar's are.
        ("myRights", share_with::rights_json(Kind::Calendar, c.rights)),
    ]
}

pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = tasks_account(ctx, &args).await?;
    // A task-list collection of journals only is one JMAP does not show.
    let visible = task_lists(ctx, &account).await?;
    collections::changes(ctx, &args, (&account, &SHELF), &visible).await
}

pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let mut set = SetRequest::read(ctx, &mut args, false).await?;
    if !set.account.tasks {
        return Err(MethodError::AccountNotSupportedByMethod);
    }
    let remove_tasks = args.bool("onDestroyRemoveTasks")?;
    let mut out = Outcome::default();
    for (cid, props) in std::mem::take(&mut set.create) {
        let made = match create_one(ctx, &set.account, &props).await {
            Ok(id) => collections::made(ctx, &SHELF, task_lists(ctx, &set.account).await, (id, &props)).await,
            Err(e) => Err(e),
        };
        out.created(ctx, cid, made);
    }
    let all = task_lists(ctx, &set.account).await?;
    for (id, patch) in std::mem::take(&mut set.update) {
        let done = update_one(ctx, &all, &id, &patch).await;
        out.updated(id, done);
    }
    for id in std::mem::take(&mut set.destroy) {
        let done = destroy_one(ctx, &all, &id, remove_tasks).await;
        out.destroyed(id, done);
    }
    out.response(ctx, &set).await
}

/// The properties a client may give (§2: id, role and myRights are the server's; a role may
/// be given as it is), checked as a calendar's.
fn edits(props: &Map<String, Value>, role: Option<&str>) -> Result<relais_groupware::CollectionProps, SetError> {
    let mut rest = props.clone();
    for k in ["includeInAvailability", "isDefault"] {
        if rest.contains_key(k) {
            return Err(SetError::invalid(k, "this property cannot be set"));
        }
    }
    if let Some(given) = rest.remove("role")
        && given.as_str() != role
    {
        return Err(SetError::invalid("role", "the role is the server's"));
    }
    calendar_edits(&rest, false)
}

async fn create_one(ctx: &Ctx<'_>, account: &Account, props: &Map<String, Value>) -> Result<CollectionId, SetError> {
    let p = edits(props, None)?;
    if p.display_name.is_none() {
        return Err(SetError::invalid("name", "name is required"));
    }
    let sharing = share_with::requested(ctx, Kind::Calendar, account.id, props).await?;
    let gw = &ctx.jmap.groupware;
    let c = gw.create_task_list(&ctx.actor, account.id, p).await?;
    if props.get("isSubscribed") == Some(&Value::Bool(false)) {
        gw.subscribe_task_list(&ctx.actor, c.id, false).await?;
    }
    if let Some(sharing) = sharing {
        share_with::apply(ctx, c.id, sharing).await?;
    }
    Ok(c.id)
}

pub(crate) fn find<'c>(ctx: &Ctx<'_>, all: &'c [TaskList], id: &str) -> Result<&'c TaskList, SetError> {
    collections::find(ctx, &SHELF, all, id)
}

async fn update_one(ctx: &Ctx<'_>, all: &[TaskList], id: &str, patch: &Map<String, Value>) -> Result<(), SetError> {
    let c = find(ctx, all, id)?;
    let p = edits(patch, c.is_default().then_some("inbox"))?;
    // Checked before anything is written; applied last.
    let sharing = share_with::requested(ctx, Kind::Calendar, c.collection.account, patch).await?;
    share_with::check_may_share(&sharing, c.rights)?;
    let gw = &ctx.jmap.groupware;
    if let Some(edit) = props_edit(patch, p) {
        gw.edit_task_list(&ctx.actor, c.collection.id, edit).await?;
    }
    if let Some(Value::Bool(on)) = patch.get("isSubscribed") {
        gw.subscribe_task_list(&ctx.actor, c.collection.id, *on).await?;
    }
    if let Some(sharing) = sharing {
        share_with::apply(ctx, c.collection.id, sharing).await?;
    }
    Ok(())
}

async fn destroy_one(ctx: &Ctx<'_>, all: &[TaskList], id: &str, remove_tasks: bool) -> Result<(), SetError> {
    let c = find(ctx, all, id)?;
    match ctx.jmap.groupware.delete_task_list(&ctx.actor, c.collection.id, remove_tasks).await? {
        Removal::Removed => Ok(()),
        // §2 TaskList/set: as Calendar/set's calendarHasEvent.
        Removal::HasContents => Err(SetError::new("taskListHasTask", "the task list holds tasks")),
    }
}
