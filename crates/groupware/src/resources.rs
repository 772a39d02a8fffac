//! Writing resources and collections. Each operation is one store transaction: the actor's
//! rights (`relais_directory::access::rights_on`) and the preconditions (If-Match,
//! If-None-Match, UID uniqueness, overwrite) are checked inside it, before anything is
//! written, so two clients racing on one resource cannot both win and a grant revoked a
//! moment ago is not used.
//!
//! Rights each operation needs on a collection: creating a resource `INSERT`, replacing one
//! `WRITE_FLAGS`, deleting one `DELETE_ITEMS` + `EXPUNGE`, copying or moving one out
//! `READ_ITEMS` (+ the delete rights to move), a collection's properties `ADMIN`, deleting it
//! `DELETE_COLLECTION`; making a collection in an account needs to act for it (its owner or a
//! full-access delegate). Nobody but the server writes into a scheduling inbox.
//!
//! A write that adds to its collection owner's account is held to the account's quota inside
//! the same transaction, after the rights and preconditions (`WriteTx::check_quota`): a new
//! resource by its size, a replaced one by what it grew, a copy (or a move into another
//! account's collection) by the copy's size. Replacing with something no larger, deleting and
//! moving within an account always pass, so an account over its quota can still be tidied.
//! The server's own scheduling writes are not held (`Quota::Exempt`).

use relais_directory::{Actor, Credential, Directory, Rights, access};
use relais_mail::Mailer;
use relais_store::{
    AccountId, BlobRef, Collection, CollectionId, CollectionKind, DataType, Item, ItemId, Modseq, NewCollection,
    NewItem, Store, WriteTx,
};
use serde_json::json;

use crate::event_notifications::{self as notices, Before, Notice, Told};
use crate::{CalendarObject, CollectionProps, ContactCard, Error, Invalid, Result, etag};

/// Times a write that tells the owner reads the object again when it changed between the read
/// and the write (the notification holds the version it replaced).
const NOTICE_ATTEMPTS: usize = 3;

/// Whether writing or deleting a calendar object tells its other participants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduling {
    /// RFC 6638 implicit scheduling, as a CalDAV PUT or DELETE: iTIP to local attendees or
    /// the organizer, iMIP to others ([`Groupware::put`], [`Groupware::delete`]).
    Implicit,
    /// Nobody told: the change stays in the account's own copy (JMAP CalendarEvent/set without
    /// sendSchedulingMessages of draft-ietf-jmap-calendars — what RFC 6638 §7.1's
    /// SCHEDULE-AGENT=CLIENT asks of a server, which CalDAV does not read yet).
    Held,
}

/// HTTP conditions on the current state of a resource (RFC 9110 §13.1.1, §13.1.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Condition {
    /// If-Match: the resource must exist with one of these ETags (`*`: exist at all).
    pub if_match: Option<Vec<String>>,
    /// If-None-Match: the resource must not have one of these ETags (`*`: must not exist).
    pub if_none_match: Option<Vec<String>>,
}

impl Condition {
    pub(crate) fn holds(&self, current: Option<Modseq>) -> bool {
        let matches = |tags: &Vec<String>, m: Modseq| tags.iter().any(|t| t == "*" || *t == etag(m));
        let if_match = match (&self.if_match, current) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(tags), Some(m)) => matches(tags, m),
        };
        let if_none_match = match (&self.if_none_match, current) {
            (None, _) | (Some(_), None) => true,
            (Some(tags), Some(m)) => !matches(tags, m),
        };
        if_match && if_none_match
    }
}

/// The result of a write that leaves a resource behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    Created { etag: String },
    Replaced { etag: String },
}

impl Written {
    pub fn etag(&self) -> &str {
        match self {
            Written::Created { etag } | Written::Replaced { etag } => etag,
        }
    }
}

/// Parsed content ready to be stored in one collection.
#[derive(Clone, Default)]
struct Content {
    uid: String,
    summary: String,
    /// Occurrences and horizon for calendar objects.
    instances: Option<(Vec<relais_store::Span>, Option<i64>)>,
    /// The parsed calendar object, for scheduling after the write.
    object: Option<CalendarObject>,
    /// What the collection's owner is to be told of the write (`event_notifications`).
    notice: Option<Notice>,
    /// Whether the write is held to the owner's quota.
    quota: Quota,
}

/// Whether a write counts against its collection owner's quota. A client's does, and so does
/// an import's or a migration's (`put` as the system); the server's own scheduling writes (an
/// invitation, an answer or a cancellation applied to a copy of a meeting, an iTIP message
/// kept in a scheduling inbox) do not: refusing one would leave the copies of a meeting
/// disagreeing, and an iMIP message was held to the mail quota when it was delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Quota {
    #[default]
    Held,
    Exempt,
}

/// The groupware operations on a store.
#[derive(Clone)]
pub struct Groupware {
    pub(crate) store: Store,
    /// For scheduling between local users; without it writes schedule nothing.
    pub(crate) directory: Option<Directory>,
    /// For iMIP to remote attendees and organizers.
    pub(crate) mailer: Option<Mailer>,
}

impl Groupware {
    pub fn new(store: Store) -> Groupware {
        Groupware { store, directory: None, mailer: None }
    }

    /// Groupware that schedules meetings (RFC 6638): between the directory's users directly,
    /// with everyone else by iMIP through `mailer`.
    pub fn with_scheduling(mailer: Mailer) -> Groupware {
        Groupware { store: mailer.store().clone(), directory: Some(mailer.directory().clone()), mailer: Some(mailer) }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// An account's default calendar (where invitations arrive and free/busy is read).
    pub async fn default_calendar(&self, account: AccountId) -> Result<Option<Collection>> {
        let c = self.store.read(move |r| r.collection_by_role(account, CollectionKind::Calendar, "default")).await?;
        Ok(c)
    }

    /// Checks `body` against what `collection` takes and indexes it.
    fn prepare(collection: &Collection, body: &[u8]) -> Result<Content> {
        let text = std::str::from_utf8(body).map_err(|_| Invalid::data("the body is not UTF-8"))?;
        match collection.kind {
            CollectionKind::Calendar | CollectionKind::TaskList => {
                let object = CalendarObject::parse(text)?;
                let props = CollectionProps::parse(&collection.props);
                if !props.supported(collection.kind == CollectionKind::TaskList).contains(&object.kind) {
                    return Err(Invalid {
                        kind: crate::InvalidKind::Component,
                        message: format!("this collection does not take {}", object.kind.name()),
                    }
                    .into());
                }
                let instances = object.occurrences(relais_store::now());
                if instances.0.len() >= crate::recurrence::limits().max_instances {
                    tracing::warn!(uid = %object.uid, "recurrence: indexed up to calendar.max_instances occurrences");
                }
                let summary = json!({ "component": object.kind.name() }).to_string();
                Ok(Content {
                    uid: object.uid.clone(),
                    summary,
                    instances: Some(instances),
                    object: Some(object),
                    ..Content::default()
                })
            }
            CollectionKind::AddressBook => {
                let card = ContactCard::parse(text)?;
                let emails: Vec<&str> = card.emails().collect();
                let summary = json!({ "fn": card.full_name(), "emails": emails }).to_string();
                Ok(Content { uid: card.uid, summary, ..Content::default() })
            }
            CollectionKind::Mailbox | CollectionKind::Folder => {
                Err(Error::Conflict("this collection holds no calendar or address objects".into()))
            }
        }
    }

    /// [`prepare`](Self::prepare) on a blocking thread: parsing an object a client sent (up to
    /// `dav.max_resource_size`) and expanding its occurrences is CPU work that never runs on
    /// the executor (ARCHITECTURE). A panic there refuses the object instead.
    async fn prepare_off_executor(collection: &Collection, body: Vec<u8>) -> Result<(Content, Vec<u8>)> {
        let collection = collection.clone();
        match tokio::task::spawn_blocking(move || Self::prepare(&collection, &body).map(|c| (c, body))).await {
            Ok(result) => result,
            Err(e) => {
                tracing::error!(error = %e, "groupware: checking an object failed");
                Err(Invalid::data("the object could not be read").into())
            }
        }
    }

    /// Creates or replaces the resource `name` of `collection` (DAV PUT) by `actor`: the
    /// owner, or a sharee with the rights (module doc). A calendar object with an organizer and
    /// attendees is then scheduled (see `scheduling`) — in the owner's name only when `actor`
    /// may send as the owner (`may_schedule_as`), never on calendar write access alone.
    pub async fn put(
        &self,
        actor: &Actor,
        collection: &Collection,
        name: &str,
        body: Vec<u8>,
        cond: Condition,
    ) -> Result<Written> {
        refuse_inbox(actor, collection)?;
        let (mut content, body) = Self::prepare_off_executor(collection, body).await?;
        // Scheduled: a calendar object with an ORGANIZER, when scheduling is on.
        let scheduled = content
            .object
            .take()
            .filter(|o| self.directory.is_some() && crate::scheduling::organizer(&o.ical).is_some());
        let before = match &scheduled {
            Some(obj) => self.copy_of(collection.account, &obj.uid).await.ok().flatten().map(|(_, _, o)| o),
            None => None,
        };
        let written = self.store_content((actor, None, Quota::Held), collection, name, body, content, cond).await?;
        if let Some(obj) = scheduled
            && self.may_schedule_as(collection.account, actor.principal).await
        {
            self.schedule_after_put(collection.account, &obj, before.as_ref()).await;
        }
        Ok(written)
    }

    /// Like [`Groupware::put`], with nobody told ([`Scheduling::Held`]): an attendee's answer
    /// that is to stay theirs (ActiveSync MeetingResponse without SendResponse; RFC 6638 §8.1's
    /// `Schedule-Reply: F`), or a JMAP write without sendSchedulingMessages.
    pub async fn put_unscheduled(
        &self,
        actor: &Actor,
        collection: &Collection,
        name: &str,
        body: Vec<u8>,
        cond: Condition,
    ) -> Result<Written> {
        refuse_inbox(actor, collection)?;
        let (content, body) = Self::prepare_off_executor(collection, body).await?;
        self.store_content((actor, None, Quota::Held), collection, name, body, content, cond).await
    }

    /// Deletes the resource `name` of `collection` (DAV DELETE) by `actor`, then cancels or
    /// declines a scheduled meeting; scheduling follows the owner's send-as grants as in `put`.
    pub async fn delete(&self, actor: &Actor, collection: &Collection, name: &str, cond: Condition) -> Result<()> {
        let collection_id = collection.id;
        let before = match &self.directory {
            Some(_) => {
                let n = name.to_owned();
                let item = self.store.read(move |r| r.item_by_name(collection_id, &n)).await?;
                // Only calendar objects are scheduled; a contact is not read back.
                let item = item.filter(|i| matches!(i.data_type, DataType::Event | DataType::Task));
                match item.and_then(|i| i.blob.map(|b| (i.account, b))) {
                    Some((account, hash)) => {
                        let text = String::from_utf8_lossy(&self.store.blob(hash).await?).into_owned();
                        CalendarObject::parse(&text).ok().map(|o| (account, o))
                    }
                    None => None,
                }
            }
            None => None,
        };
        self.delete_object(actor, collection, name, cond, None).await?;
        if let Some((account, obj)) = before
            && self.may_schedule_as(account, actor.principal).await
        {
            self.schedule_after_delete(account, &obj).await;
        }
        Ok(())
    }

    /// Like [`Groupware::delete`], with nobody told ([`Scheduling::Held`]): no CANCEL to the
    /// attendees, no declining REPLY to the organizer.
    pub async fn delete_unscheduled(
        &self,
        actor: &Actor,
        collection: &Collection,
        name: &str,
        cond: Condition,
    ) -> Result<()> {
        self.delete_object(actor, collection, name, cond, None).await
    }

    /// Stores a resource without scheduling anything, as the server; `told`: on whose behalf
    /// (an organizer, an attendee, an iMIP sender), told to the owner (`event_notifications`).
    pub(crate) async fn write_object(
        &self,
        collection: &Collection,
        name: &str,
        body: Vec<u8>,
        cond: Condition,
        told: Option<Told>,
    ) -> Result<Written> {
        let (content, body) = Self::prepare_off_executor(collection, body).await?;
        let writer = (&Actor::system(collection.account), told, Quota::Exempt);
        self.store_content(writer, collection, name, body, content, cond).await
    }

    /// Stores an iTIP message (METHOD and all) in a scheduling inbox as `name`: it has no
    /// occurrences, so no time range finds it. An applied message replaces what was there; one
    /// that was not applied (`unapplied`: why) is stored only where nothing is, marked so.
    pub(crate) async fn write_itip(
        &self,
        inbox: &Collection,
        name: &str,
        text: String,
        obj: &CalendarObject,
        unapplied: Option<&str>,
    ) -> Result<Written> {
        let (summary, cond) = match unapplied {
            None => (json!({ "component": obj.kind.name(), "itip": true }), Condition::default()),
            Some(why) => (
                json!({ "component": obj.kind.name(), "itip": true, "unapplied": why }),
                Condition { if_none_match: Some(vec!["*".to_owned()]), ..Condition::default() },
            ),
        };
        // An unapplied message sits beside the applied one of its meeting: a UID of its own,
        // as the collection's UIDs are unique.
        let uid = match unapplied {
            None => obj.uid.clone(),
            Some(_) => format!("{} (unapplied {name})", obj.uid),
        };
        let content = Content { uid, summary: summary.to_string(), ..Content::default() };
        let writer = (&Actor::system(inbox.account), None, Quota::Exempt);
        self.store_content(writer, inbox, name, text.into_bytes(), content, cond).await
    }

    /// Stores checked content written by `actor` (on behalf of `told`, held to the owner's
    /// quota or not): its blob, then the item, its occurrences and the owner's notification
    /// (`event_notifications`) in one write.
    async fn store_content(
        &self,
        (actor, by, quota): (&Actor, Option<Told>, Quota),
        collection: &Collection,
        name: &str,
        body: Vec<u8>,
        content: Content,
        cond: Condition,
    ) -> Result<Written> {
        if quota == Quota::Held {
            room_for(&self.store, Some(actor), collection, name, body.len() as u64).await?;
        }
        let told = notices::applies(actor, collection, by.as_ref());
        let after = match told {
            true => {
                let b = body.clone();
                tokio::task::spawn_blocking(move || notices::event_of(&b)).await.ok().flatten()
            }
            false => None,
        };
        let blob = self.store.put_blob(body).await?;
        // The parsed object is for scheduling, not stored: a retry copies the rest only.
        let mut content = Content { object: None, quota, ..content };
        for _ in 0..NOTICE_ATTEMPTS {
            let content = match told {
                true => {
                    let before = self.before(collection, name).await?;
                    Content {
                        notice: Some(Notice { told: by.clone(), before, after: after.clone() }),
                        ..content.clone()
                    }
                }
                // Nothing to tell: one write, never stale.
                false => std::mem::take(&mut content),
            };
            let (actor, c, name, blob, cond) =
                (actor.clone(), collection.clone(), name.to_owned(), blob.clone(), cond.clone());
            let written = self
                .store
                .write(move |tx| {
                    let existing = tx.read().item_by_name(c.id, &name)?;
                    if content.notice.as_ref().is_some_and(|n| stale(n.before.as_ref(), existing.as_ref())) {
                        return Ok(None);
                    }
                    store_resource(tx, &actor, &c, &name, content, blob, &cond).map(Some)
                })
                .await?;
            if let Some(written) = written {
                return written;
            }
        }
        Err(Error::Conflict("the object kept changing while it was written".into()))
    }

    /// Deletes a resource by `actor` without scheduling anything (the server's own deletes
    /// act as the owner, `Actor::system`, on behalf of `told` when someone else asked: an
    /// organizer's cancellation, told to the owner as `write_object`'s changes are).
    pub(crate) async fn delete_object(
        &self,
        actor: &Actor,
        collection: &Collection,
        name: &str,
        cond: Condition,
        by: Option<Told>,
    ) -> Result<()> {
        let told = notices::applies(actor, collection, by.as_ref());
        for _ in 0..NOTICE_ATTEMPTS {
            let notice = match told {
                true => Some(Notice { told: by.clone(), before: self.before(collection, name).await?, after: None }),
                false => None,
            };
            let (actor, c, name, cond) = (actor.clone(), collection.clone(), name.to_owned(), cond.clone());
            let done = self
                .store
                .write(move |tx| {
                    if let Err(e) = check(tx, &actor, &c, Rights::DELETE_ITEMS | Rights::EXPUNGE)? {
                        return Ok(Some(Err(e)));
                    }
                    let Some(item) = tx.read().item_by_name(c.id, &name)? else {
                        return Ok(Some(Err(Error::NotFound)));
                    };
                    if !cond.holds(Some(item.modseq)) {
                        return Ok(Some(Err(Error::PreconditionFailed)));
                    }
                    if notice.as_ref().is_some_and(|n| stale(n.before.as_ref(), Some(&item))) {
                        return Ok(None);
                    }
                    tx.destroy_item(item.id)?;
                    if let Some(notice) = notice {
                        notices::tell(tx, &actor, &c, item.id, notice)?;
                    }
                    Ok(Some(Ok(())))
                })
                .await?;
            if let Some(done) = done {
                return done;
            }
        }
        Err(Error::Conflict("the object kept changing while it was deleted".into()))
    }

    /// Moves or copies the resource `from.1` of `from.0` to `to.1` in `to.0` by `actor` (DAV
    /// MOVE/COPY, RFC 4918 §9.8, §9.9). An existing target is replaced only when `overwrite`
    /// is set. Nothing moves into or out of a scheduling inbox.
    pub async fn transfer(
        &self,
        actor: &Actor,
        (from, name): (&Collection, &str),
        (to, to_name): (&Collection, &str),
        mode: Transfer,
    ) -> Result<Written> {
        refuse_inbox(actor, to)?;
        if !mode.keep_source {
            refuse_inbox(actor, from)?;
        }
        if from.kind != to.kind && !(is_calendar(from.kind) && is_calendar(to.kind)) {
            return Err(Error::Conflict("the target collection holds another kind of resource".into()));
        }
        let Some(item) = self
            .store
            .read({
                let (f, n) = (from.id, name.to_owned());
                move |r| r.item_by_name(f, &n)
            })
            .await?
        else {
            return Err(Error::NotFound);
        };
        let blob = item.blob.clone().ok_or(Error::NotFound)?;
        let body = self.store.blob(blob.clone()).await?;
        // The event as it goes, for an owner told of it arriving or leaving (event_notifications).
        let event = match notices::applies(actor, from, None) || notices::applies(actor, to, None) {
            true => {
                let b = body.clone();
                tokio::task::spawn_blocking(move || notices::event_of(&b)).await.ok().flatten()
            }
            false => None,
        };
        let (mut content, _) = Self::prepare_off_executor(to, body).await?;
        let (actor, from, to, to_name) = (actor.clone(), from.clone(), to.clone(), to_name.to_owned());
        self.store
            .write(move |tx| {
                let existing = tx.read().item_by_name(to.id, &to_name)?;
                let unbind = Rights::DELETE_ITEMS | Rights::EXPUNGE;
                let source = if mode.keep_source { Rights::READ_ITEMS } else { Rights::READ_ITEMS | unbind };
                let target = if existing.is_some() { Rights::INSERT | unbind } else { Rights::INSERT };
                for (c, needed) in [(&from, source), (&to, target)] {
                    if let Err(e) = check(tx, &actor, c, needed)? {
                        return Ok(Err(e));
                    }
                }
                if existing.as_ref().is_some_and(|e| e.id != item.id) && !mode.overwrite {
                    return Ok(Err(Error::AlreadyExists));
                }
                if existing.as_ref().is_some_and(|e| e.id == item.id) {
                    return Ok(Err(Error::Conflict("source and destination are the same".into())));
                }
                if mode.keep_source || to.kind != from_kind(&item) || to.account != item.account {
                    // A copy, a move across kinds (calendar ↔ task list) or into another
                    // account's collection (a shared calendar): a new item, in the target's
                    // account, and the source destroyed — an item belongs to one account.
                    let blob_ref = BlobRef::existing(blob, item.size);
                    if let Some(e) = existing {
                        tx.destroy_item(e.id)?;
                    }
                    if notices::applies(&actor, &to, None) {
                        content.notice = Some(Notice { told: None, before: None, after: event.clone() });
                    }
                    let written = store_resource(tx, &actor, &to, &to_name, content, blob_ref, &Condition::default())?;
                    if written.is_ok() && !mode.keep_source {
                        tx.destroy_item(item.id)?;
                        tell_moved(tx, &actor, &from, &item, event)?;
                    }
                    return Ok(written);
                }
                if let Some(e) = existing {
                    tx.destroy_item(e.id)?;
                }
                if let Some(conflict) = uid_conflict(tx, to.id, &content.uid, Some(item.id))? {
                    return Ok(Err(conflict));
                }
                // Within one account and kind (`move_item` keeps to them) the event itself is
                // unchanged.
                tx.move_item(item.id, to.id, &to_name)?;
                let modseq = tx.read().item(item.id)?.modseq;
                Ok(Ok(Written::Created { etag: etag(modseq) }))
            })
            .await?
    }

    /// Creates a calendar, task list or address book named `name` in `account` (MKCALENDAR,
    /// MKCOL) by `actor`, who must act for the account (`access::acts_for`).
    pub async fn create_collection(
        &self,
        actor: &Actor,
        account: AccountId,
        kind: CollectionKind,
        name: &str,
        props: CollectionProps,
    ) -> Result<Collection> {
        let (actor, name) = (actor.clone(), name.to_owned());
        self.store
            .write(move |tx| {
                if !access::acts_for(&mut tx.read(), &actor, account)? {
                    return Ok(Err(Error::Forbidden));
                }
                for k in siblings(kind) {
                    if tx.read().collections(account, k)?.iter().any(|c| c.name == name) {
                        return Ok(Err(Error::AlreadyExists));
                    }
                }
                let c = tx.create_collection(account, NewCollection { kind, name, parent: None, role: None })?;
                tx.set_collection_props(c.id, &props.to_json())?;
                Ok(Ok(tx.read().collection(c.id)?))
            })
            .await?
    }

    /// The account's default notes collection (the ActiveSync Notes folder; a calendar taking
    /// VJOURNAL only, role `notes`), made on first use like a scheduling inbox: accounts made
    /// before notes were served have none, and no protocol asks for one before a device does.
    /// Its DAV name is `notes`, or `notes-N` when a calendar or task list holds that name.
    /// Only the account itself (or who acts for it) has one made.
    pub async fn default_notes(&self, actor: &Actor) -> Result<Collection> {
        let account = actor.principal;
        let role = crate::note::NOTES_ROLE;
        let found = self.store.read(move |r| r.collection_by_role(account, CollectionKind::Calendar, role)).await?;
        if let Some(c) = found {
            return Ok(c);
        }
        let actor = actor.clone();
        self.store
            .write(move |tx| {
                if let Some(c) = tx.read().collection_by_role(account, CollectionKind::Calendar, role)? {
                    return Ok(Ok(c));
                }
                if !access::acts_for(&mut tx.read(), &actor, account)? {
                    return Ok(Err(Error::Forbidden));
                }
                let mut taken = Vec::new();
                for k in siblings(CollectionKind::Calendar) {
                    taken.extend(tx.read().collections(account, k)?.into_iter().map(|c| c.name));
                }
                let name = std::iter::once(role.to_owned())
                    .chain((2..).map(|n| format!("{role}-{n}")))
                    .find(|n| !taken.contains(n))
                    .unwrap_or_default();
                let new =
                    NewCollection { kind: CollectionKind::Calendar, name, parent: None, role: Some(role.to_owned()) };
                let c = tx.create_collection(account, new)?;
                tx.set_collection_props(c.id, &CollectionProps::notes("Notes").to_json())?;
                Ok(Ok(tx.read().collection(c.id)?))
            })
            .await?
    }

    /// Replaces a collection's properties (PROPPATCH) by `actor`, who needs `ADMIN` on it.
    pub async fn set_props(&self, actor: &Actor, collection: &Collection, props: CollectionProps) -> Result<()> {
        let (actor, c) = (actor.clone(), collection.clone());
        self.store
            .write(move |tx| {
                if let Err(e) = check(tx, &actor, &c, Rights::ADMIN)? {
                    return Ok(Err(e));
                }
                tx.set_collection_props(c.id, &props.to_json())?;
                Ok(Ok(()))
            })
            .await?
    }

    /// Deletes a collection and everything in it (DAV DELETE on a collection) by `actor`, who
    /// needs `DELETE_COLLECTION` on it.
    pub async fn delete_collection(&self, actor: &Actor, collection: &Collection) -> Result<()> {
        let (actor, c) = (actor.clone(), collection.clone());
        self.store
            .write(move |tx| {
                if let Err(e) = check(tx, &actor, &c, Rights::DELETE_COLLECTION)? {
                    return Ok(Err(e));
                }
                tx.destroy_collection(c.id)?;
                Ok(Ok(()))
            })
            .await?
    }
}

/// Refuses unless `actor` holds every right of `needed` on `c`, read in the write's own
/// transaction.
pub(crate) fn check(
    tx: &mut WriteTx<'_>,
    actor: &Actor,
    c: &Collection,
    needed: Rights,
) -> relais_store::Result<Result<()>> {
    let held = access::rights_on(&mut tx.read(), actor, c)?;
    Ok(if held.contains(needed) { Ok(()) } else { Err(Error::Forbidden) })
}

/// RFC 6638 §2.2.1: only the server delivers into a scheduling inbox; its owner reads and
/// deletes.
fn refuse_inbox(actor: &Actor, c: &Collection) -> Result<()> {
    if c.role.as_deref() == Some(crate::scheduling::INBOX_ROLE) && actor.credential != Credential::System {
        return Err(Error::Forbidden);
    }
    Ok(())
}

/// How `Groupware::transfer` treats source and target.
#[derive(Debug, Clone, Copy)]
pub struct Transfer {
    pub keep_source: bool,
    pub overwrite: bool,
}

fn is_calendar(kind: CollectionKind) -> bool {
    matches!(kind, CollectionKind::Calendar | CollectionKind::TaskList)
}

fn from_kind(item: &Item) -> CollectionKind {
    match item.data_type {
        DataType::Task => CollectionKind::TaskList,
        DataType::Contact => CollectionKind::AddressBook,
        _ => CollectionKind::Calendar,
    }
}

/// Collections whose names share one DAV home with a collection of `kind`.
fn siblings(kind: CollectionKind) -> Vec<CollectionKind> {
    if is_calendar(kind) { vec![CollectionKind::Calendar, CollectionKind::TaskList] } else { vec![kind] }
}

/// Tells the owner of `from` that `item` (the `event`) left it (moved by someone else into a
/// task list, `event_notifications`).
fn tell_moved(
    tx: &mut WriteTx<'_>,
    actor: &Actor,
    from: &Collection,
    item: &Item,
    event: Option<serde_json::Map<String, serde_json::Value>>,
) -> relais_store::Result<()> {
    if notices::applies(actor, from, None) {
        let before = Some(Before { item: item.id, modseq: item.modseq, event });
        notices::tell(tx, actor, from, item.id, Notice { told: None, before, after: None })?;
    }
    Ok(())
}

/// Whether the object a notice was read from (`before`) is no longer what is stored.
fn stale(before: Option<&Before>, stored: Option<&Item>) -> bool {
    before.map(|b| (b.item, b.modseq)) != stored.map(|i| (i.id, i.modseq))
}

fn uid_conflict(
    tx: &mut WriteTx<'_>,
    collection: CollectionId,
    uid: &str,
    except: Option<ItemId>,
) -> relais_store::Result<Option<Error>> {
    let others = tx.read().items_with_uid(collection, uid)?;
    Ok(others
        .into_iter()
        .find(|i| Some(i.id) != except)
        .map(|i| Error::UidConflict { existing: i.name.unwrap_or_default() }))
}

/// Creates or replaces `name` in `c` with `content`. A store error (the outer result) rolls
/// the transaction back; a refused precondition (the inner one) is found before any write.
fn store_resource(
    tx: &mut WriteTx<'_>,
    actor: &Actor,
    c: &Collection,
    name: &str,
    content: Content,
    blob: BlobRef,
    cond: &Condition,
) -> relais_store::Result<Result<Written>> {
    let existing = tx.read().item_by_name(c.id, name)?;
    let needed = if existing.is_some() { Rights::WRITE_FLAGS } else { Rights::INSERT };
    if let Err(e) = check(tx, actor, c, needed)? {
        return Ok(Err(e));
    }
    if !cond.holds(existing.as_ref().map(|i| i.modseq)) {
        return Ok(Err(Error::PreconditionFailed));
    }
    if let Some(conflict) = uid_conflict(tx, c.id, &content.uid, existing.as_ref().map(|i| i.id))? {
        return Ok(Err(conflict));
    }
    if content.quota == Quota::Held {
        // Refused by rolling the whole write back: a copy or move may have destroyed the
        // target it replaces already.
        tx.check_quota(c.account, growth(blob.size, existing.as_ref()))?;
    }
    let new = NewItem {
        collection: Some(c.id),
        blob: Some(blob),
        received_at: tx.now(),
        uid_text: Some(content.uid),
        summary: content.summary,
        name: Some(name.to_owned()),
        start_utc: content.instances.as_ref().and_then(|(s, _)| s.first().map(|s| s.start)),
        end_utc: content.instances.as_ref().and_then(|(s, _)| s.iter().map(|s| s.end).max()),
        ..NewItem::default()
    };
    let (id, created) = match &existing {
        Some(item) => {
            tx.replace_item(item.id, new)?;
            (item.id, false)
        }
        None => (tx.create_item(c.account, c.kind.item_type(), new)?, true),
    };
    if let Some((spans, until)) = &content.instances {
        tx.set_instances(id, spans, *until)?;
    }
    if let Some(notice) = content.notice {
        notices::tell(tx, actor, c, id, notice)?;
    }
    let etag = etag(tx.read().item(id)?.modseq);
    Ok(Ok(if created { Written::Created { etag } } else { Written::Replaced { etag } }))
}

/// What writing `size` octets adds to the account: all of it, or what it grew over the item it
/// replaces.
pub(crate) fn growth(size: u64, replaced: Option<&Item>) -> u64 {
    size.saturating_sub(replaced.map_or(0, |i| i.size))
}

/// Refuses a write of `size` octets as `name` in `c` that plainly would not fit in the owner's
/// quota, before its content is written: the write's own transaction decides, and this spares
/// the disk the blob of a client over its quota writing again and again. An account without a
/// quota costs one read of its principal. Nothing is said to an `actor` without the right to
/// write there (the write refuses it); `None`: the owner's own file store.
pub(crate) async fn room_for(store: &Store, actor: Option<&Actor>, c: &Collection, name: &str, size: u64) -> Result<()> {
    let (actor, c, name) = (actor.cloned(), c.clone(), name.to_owned());
    store
        .read(move |r| {
            if r.principal(c.account)?.and_then(|p| p.quota).is_none() {
                return Ok(());
            }
            let existing = r.item_by_name(c.id, &name)?;
            let needed = if existing.is_some() { Rights::WRITE_FLAGS } else { Rights::INSERT };
            if let Some(actor) = &actor
                && !access::rights_on(r, actor, &c)?.contains(needed)
            {
                return Ok(());
            }
            r.check_quota(c.account, growth(size, existing.as_ref()))
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_follow_rfc_9110() {
        let any = || Some(vec!["*".to_owned()]);
        let tag = |m: u64| Some(vec![etag(Modseq(m))]);
        let cases = [
            (Condition::default(), None, true),
            (Condition { if_match: any(), ..Default::default() }, None, false),
            (Condition { if_match: any(), ..Default::default() }, Some(3), true),
            (Condition { if_match: tag(3), ..Default::default() }, Some(3), true),
            (Condition { if_match: tag(2), ..Default::default() }, Some(3), false),
            (Condition { if_none_match: any(), ..Default::default() }, None, true),
            (Condition { if_none_match: any(), ..Default::default() }, Some(3), false),
            (Condition { if_none_match: tag(2), ..Default::default() }, Some(3), true),
        ];
        for (i, (cond, current, want)) in cases.into_iter().enumerate() {
            assert_eq!(cond.holds(current.map(Modseq)), want, "case {i}");
        }
    }

    #[test]
    fn component_kinds_have_names() {
        assert_eq!(crate::ComponentKind::from_name("vtodo"), Some(crate::ComponentKind::Todo));
    }
}
