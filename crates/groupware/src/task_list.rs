//! Task lists and their tasks as a client of whole objects sees them (JMAP for Task Lists,
//! draft-ietf-jmap-tasks §2–3): a task list is a task-list collection taking VTODO (the one
//! every account is made with, `Tasks`, and those CalDAV's MKCALENDAR of VTODO only or
//! ActiveSync's FolderCreate made), and its tasks are the objects holding a VTODO. `reach`
//! does the rest: what an actor reaches, whole tasks, task lists made, changed, subscribed
//! and deleted only when empty unless asked.
//!
//! A task stays the iCalendar object it was written as, so CalDAV and ActiveSync read the same
//! object at once; `jscalendar` converts it for JMAP (a JSCalendar Task, RFC 8984 §5.2), and
//! it is written by `Groupware::put_unscheduled`, `change_object` and `delete_read` as a
//! CalDAV PUT or DELETE is (tasks are not scheduled over JMAP).

use relais_directory::access::Actor;
use relais_store::{AccountId, Collection, CollectionId, CollectionKind, DataType, Item, ItemId, ReadTx};

use crate::reach::{self, Shelf, object_name};
use crate::{CollectionProps, ComponentKind, Groupware, Result};

pub use crate::reach::{Reached as TaskList, Removal, Resource as StoredTask};

/// Whether a task-list collection takes tasks (a client may have made one of journals only).
fn takes_tasks(c: &Collection) -> bool {
    CollectionProps::parse(&c.props).supported(true).contains(&ComponentKind::Todo)
}

/// Whether an item holds a VTODO (its summary, written by `Groupware::put`, names the
/// component).
fn is_task(i: &Item) -> bool {
    serde_json::from_str::<serde_json::Value>(&i.summary)
        .ok()
        .is_some_and(|s| s.get("component").and_then(|c| c.as_str()) == Some(ComponentKind::Todo.name()))
}

/// Task lists taking tasks, and the tasks in them.
const TASK_LISTS: Shelf =
    Shelf { kind: CollectionKind::TaskList, item_type: DataType::Task, counts: takes_tasks, item_counts: is_task };

/// The task lists of `account` that `actor` sees, by id.
pub fn task_lists(r: &mut ReadTx<'_>, actor: &Actor, account: AccountId) -> relais_store::Result<Vec<TaskList>> {
    reach::reached(r, actor, account, TASK_LISTS)
}

/// The other accounts that share a task list with `actor`, by id, each with whether `actor`
/// may change something in one of them.
pub fn sharing_accounts(r: &mut ReadTx<'_>, actor: &Actor) -> relais_store::Result<Vec<(AccountId, bool)>> {
    reach::sharing_accounts(r, actor, TASK_LISTS)
}

/// The ids of the tasks of `account` that `actor` may read, without their content.
pub fn task_ids(r: &mut ReadTx<'_>, actor: &Actor, account: AccountId) -> relais_store::Result<Vec<ItemId>> {
    Ok(reach::items(r, actor, account, TASK_LISTS, None)?.into_iter().map(|i| i.id).collect())
}

/// A DAV name for a new task with `uid`: the UID when it is a safe path segment, else its hash.
pub fn task_name(uid: &str) -> String {
    object_name(uid, "ics")
}

impl Groupware {
    /// The task lists of `account` that `actor` sees.
    pub async fn task_lists(&self, actor: &Actor, account: AccountId) -> Result<Vec<TaskList>> {
        self.reached(actor, account, TASK_LISTS).await
    }

    /// The tasks of `account` that `actor` may read: those named by `ids` (others, unknown
    /// ones and events left out), or every task of every task list it may read.
    pub async fn tasks(&self, actor: &Actor, account: AccountId, ids: Option<Vec<ItemId>>) -> Result<Vec<StoredTask>> {
        self.resources(actor, account, TASK_LISTS, ids).await
    }

    /// Makes a task list in `account` by `actor` (who must act for it), shown as
    /// `props.display_name`, under a DAV name made from it.
    pub async fn create_task_list(
        &self,
        actor: &Actor,
        account: AccountId,
        props: CollectionProps,
    ) -> Result<Collection> {
        self.create_reached(actor, account, (TASK_LISTS, "tasks"), props).await
    }

    /// Changes the properties of task list `id` by `actor`, who needs `ADMIN` on it: `edit`
    /// runs on them as they are in the write's own transaction.
    pub async fn edit_task_list(
        &self,
        actor: &Actor,
        id: CollectionId,
        edit: impl FnOnce(&mut CollectionProps) + Send + 'static,
    ) -> Result<()> {
        self.edit_reached(actor, (TASK_LISTS, id), edit).await
    }

    /// Subscribes `actor` to task list `id` or not: the owner's own flag, a sharee's on its
    /// grant. Anyone who sees the task list may.
    pub async fn subscribe_task_list(&self, actor: &Actor, id: CollectionId, on: bool) -> Result<()> {
        self.subscribe_reached(actor, (TASK_LISTS, id), on).await
    }

    /// Deletes task list `id` by `actor`, who needs `DELETE_COLLECTION` on it, with its tasks
    /// only when `remove_contents` (onDestroyRemoveTasks); the default task list is never
    /// deleted (as over DAV).
    pub async fn delete_task_list(&self, actor: &Actor, id: CollectionId, remove_contents: bool) -> Result<Removal> {
        self.delete_reached(actor, (TASK_LISTS, id), remove_contents).await
    }
}
