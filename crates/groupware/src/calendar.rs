//! Calendars and their events as a client of whole objects sees them (JMAP Calendars,
//! draft-ietf-jmap-calendars §4–5): a calendar is a calendar collection that takes events
//! (not the scheduling inbox, not a notes collection taking only VJOURNAL), and its events are
//! the objects holding a VEVENT (a VTODO kept in a calendar is a task, not shown here). `reach`
//! does the rest: what an actor reaches, whole events, calendars made, changed, subscribed
//! and deleted only when empty unless asked.
//!
//! An event stays the iCalendar object it was written as; `jscalendar` converts it for JMAP,
//! and it is written by `Groupware::put` and `delete`, which schedule as CalDAV's do.

use relais_directory::access::Actor;
use relais_store::{AccountId, Collection, CollectionId, CollectionKind, DataType, Item, ItemId, ReadTx};

use crate::reach::{self, Shelf, object_name};
use crate::{CollectionProps, ComponentKind, Groupware, Result};

pub use crate::reach::{Reached as Calendar, Removal, Resource as StoredEvent};

/// Whether a calendar collection is one JMAP shows: it takes events and is no scheduling inbox.
fn takes_events(c: &Collection) -> bool {
    c.role.as_deref() != Some(crate::scheduling::INBOX_ROLE)
        && CollectionProps::parse(&c.props).supported(false).contains(&ComponentKind::Event)
}

/// Whether an item of a calendar holds a VEVENT (its summary, written by `Groupware::put`,
/// names the component).
fn is_event(i: &Item) -> bool {
    serde_json::from_str::<serde_json::Value>(&i.summary)
        .ok()
        .is_some_and(|s| s.get("component").and_then(|c| c.as_str()) == Some(ComponentKind::Event.name()))
}

/// Calendars taking events, and the events in them.
const CALENDARS: Shelf =
    Shelf { kind: CollectionKind::Calendar, item_type: DataType::Event, counts: takes_events, item_counts: is_event };

/// The calendars of `account` that `actor` sees, by id.
pub fn calendars(r: &mut ReadTx<'_>, actor: &Actor, account: AccountId) -> relais_store::Result<Vec<Calendar>> {
    reach::reached(r, actor, account, CALENDARS)
}

/// The other accounts that share a calendar with `actor`, by id, each with whether `actor`
/// may change something in one of them.
pub fn sharing_accounts(r: &mut ReadTx<'_>, actor: &Actor) -> relais_store::Result<Vec<(AccountId, bool)>> {
    reach::sharing_accounts(r, actor, CALENDARS)
}

/// The ids of the events of `account` that `actor` may read, without their content.
pub fn event_ids(r: &mut ReadTx<'_>, actor: &Actor, account: AccountId) -> relais_store::Result<Vec<ItemId>> {
    Ok(reach::items(r, actor, account, CALENDARS, None)?.into_iter().map(|i| i.id).collect())
}

/// A DAV name for a new event with `uid`: the UID when it is a safe path segment, else its hash.
pub fn event_name(uid: &str) -> String {
    object_name(uid, "ics")
}

impl Groupware {
    /// The calendars of `account` that `actor` sees.
    pub async fn calendars(&self, actor: &Actor, account: AccountId) -> Result<Vec<Calendar>> {
        self.reached(actor, account, CALENDARS).await
    }

    /// The events of `account` that `actor` may read: those named by `ids` (others, unknown
    /// ones and tasks left out), or every event of every calendar it may read.
    pub async fn events(
        &self,
        actor: &Actor,
        account: AccountId,
        ids: Option<Vec<ItemId>>,
    ) -> Result<Vec<StoredEvent>> {
        self.resources(actor, account, CALENDARS, ids).await
    }

    /// Makes a calendar (taking events) in `account` by `actor` (who must act for it), shown
    /// as `props.display_name`, under a DAV name made from it.
    pub async fn create_calendar(
        &self,
        actor: &Actor,
        account: AccountId,
        props: CollectionProps,
    ) -> Result<Collection> {
        self.create_reached(actor, account, (CALENDARS, "calendar"), props).await
    }

    /// Changes the properties of calendar `id` by `actor`, who needs `ADMIN` on it: `edit` runs
    /// on them as they are in the write's own transaction.
    pub async fn edit_calendar(
        &self,
        actor: &Actor,
        id: CollectionId,
        edit: impl FnOnce(&mut CollectionProps) + Send + 'static,
    ) -> Result<()> {
        self.edit_reached(actor, (CALENDARS, id), edit).await
    }

    /// Subscribes `actor` to calendar `id` or not: the owner's own flag, a sharee's on its
    /// grant. Anyone who sees the calendar may.
    pub async fn subscribe_calendar(&self, actor: &Actor, id: CollectionId, on: bool) -> Result<()> {
        self.subscribe_reached(actor, (CALENDARS, id), on).await
    }

    /// Deletes calendar `id` by `actor`, who needs `DELETE_COLLECTION` on it, with its objects
    /// only when `remove_contents` (onDestroyRemoveEvents); the default calendar is never
    /// deleted (as over DAV). Its events go as with a DAV DELETE of the collection: nobody is
    /// told.
    pub async fn delete_calendar(&self, actor: &Actor, id: CollectionId, remove_contents: bool) -> Result<Removal> {
        self.delete_reached(actor, (CALENDARS, id), remove_contents).await
    }
}
