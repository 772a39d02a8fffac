//! The groupware domain: calendars, task lists and address books, and the events, tasks and
//! contacts in them, on the store.
//!
//! - `ical`: calendar object resources (RFC 4791 §4.1): parse, check, expand occurrences.
//! - `recurrence`: the bounds every expansion keeps (instances, candidates per period, rules).
//! - `vcard`: address object resources (RFC 6352 §5.1), vCard 3.0/4.0.
//! - `reach`: collections of whole objects as JMAP sees them (what an actor reaches, whole
//!   objects, collections made, changed, subscribed and deleted); `address_book`,
//!   `calendar` and `task_list` say which address books and cards, calendars and events, task
//!   lists and tasks count;
//!   `jscontact`: a card as JSContact (RFC 9553) and back; `jscalendar`: an event as
//!   JSCalendar (RFC 8984) and back.
//! - `contact`, `event`, `task`, `note`: a contact, event, task or note (a VJOURNAL in a
//!   calendar taking VJOURNAL only) as the fields field-by-field clients (ActiveSync, EWS) carry, read from and written back into the stored text, keeping
//!   what they do not map; `rrule` (their recurrence), `timezone` (zone rules, the ActiveSync
//!   TimeZone blob, Windows names), `lines` (content lines kept as written).
//! - `props`: a collection's protocol properties (display name, colour, time zone, dead ones).
//! - `files`: the WebDAV file store, folders and files of any content.
//! - `acceptance`: who may change a scheduled event (organizer, attendee, sender verified).
//! - `event_notifications`: what an account is told of another's change to an event in its
//!   calendars (JMAP CalendarEventNotification), written in the change's own transaction.
//! - `booking`: who may book a room or equipment.
//! - `resources`: `Groupware`, the one place that writes resources: conditional PUT, DELETE,
//!   MOVE, COPY, collections; every write is one transaction that also indexes occurrences.
//!
//! Invariants: a resource's content is its iCalendar/vCard text as the client sent it (a blob);
//! its UID is unique in its collection; its ETag is its modseq, so it changes with every write
//! and never repeats; its occurrences (`item_instances`) are written in the same transaction.

pub mod acceptance;
pub mod address_book;
pub mod booking;
pub mod calendar;
pub mod contact;
pub mod event;
pub mod event_notifications;
pub mod files;
pub mod freebusy;
pub mod gal;
pub mod ical;
pub mod imip;
pub mod jscalendar;
pub mod jscontact;
mod lines;
pub mod note;
pub mod occurrence;
pub mod props;
pub mod reach;
pub mod recurrence;
pub mod resources;
pub mod respond;
pub mod rrule;
pub mod scheduling;
pub mod sync;
pub mod task;
pub mod task_list;
pub mod timezone;
pub mod vcard;

pub use calcard;
pub use ical::{CalendarObject, ComponentKind};
pub use props::CollectionProps;
pub use resources::{Condition, Groupware, Scheduling, Written};
pub use vcard::ContactCard;

use relais_store::Modseq;

/// Why content was refused; each maps to a CalDAV/CardDAV precondition (RFC 4791 §5.3.2.1,
/// RFC 6352 §6.3.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidKind {
    /// Not parseable iCalendar/vCard (valid-calendar-data / valid-address-data).
    Data,
    /// Parseable but not a valid resource (valid-calendar-object-resource).
    Object,
    /// A component the collection does not take (supported-calendar-component).
    Component,
    /// A recurrence that cannot be expanded within the limits (CALDAV:max-instances,
    /// RFC 4791 §5.3.2.1).
    MaxInstances,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub kind: InvalidKind,
    pub message: String,
}

impl Invalid {
    pub(crate) fn data(message: impl Into<String>) -> Invalid {
        Invalid { kind: InvalidKind::Data, message: message.into() }
    }
    pub(crate) fn object(message: impl Into<String>) -> Invalid {
        Invalid { kind: InvalidKind::Object, message: message.into() }
    }
    pub(crate) fn component(message: impl Into<String>) -> Invalid {
        Invalid { kind: InvalidKind::Component, message: message.into() }
    }
    pub(crate) fn max_instances(message: impl Into<String>) -> Invalid {
        Invalid { kind: InvalidKind::MaxInstances, message: message.into() }
    }
}

/// What a groupware operation can answer besides success; the DAV layer maps each to a status
/// and, where the RFCs name one, a precondition element.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// If-Match / If-None-Match did not hold (HTTP 412).
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// Another resource of the collection has this UID (CALDAV/CARDDAV:no-uid-conflict).
    #[error("the UID is already used by {existing}")]
    UidConflict { existing: String },
    /// The target exists and overwriting was not allowed (HTTP 412 on COPY/MOVE).
    #[error("already exists")]
    AlreadyExists,
    /// The actor lacks a right the operation needs (`relais_directory::access`; HTTP 403
    /// DAV:need-privileges).
    #[error("not permitted")]
    Forbidden,
    /// The operation makes no sense on these collections (HTTP 403/409).
    #[error("{0}")]
    Conflict(String),
    /// A per-account bound (`[store] max_collections`, `max_collection_depth`): HTTP 403.
    #[error("{0}")]
    Limit(String),
    /// The write would take the owner of its collection past the account's quota (HTTP 507
    /// DAV:quota-not-exceeded, JMAP overQuota, ActiveSync Sync status 9).
    #[error("over quota")]
    OverQuota,
    #[error(transparent)]
    Store(relais_store::Error),
}

impl From<relais_store::Error> for Error {
    fn from(e: relais_store::Error) -> Error {
        match e {
            relais_store::Error::NotFound(_) => Error::NotFound,
            relais_store::Error::AlreadyExists(_) => Error::AlreadyExists,
            relais_store::Error::Limit(text) => Error::Limit(text),
            relais_store::Error::OverQuota => Error::OverQuota,
            other => Error::Store(other),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Parses exactly one complete object (`BEGIN:{kind}` … `END:{kind}`, then only blank lines):
/// calcard is lenient about a missing END and reads on past the first object, so both are
/// checked here (RFC 4791 §4.1, RFC 6352 §5.1: one object per resource).
pub(crate) fn single_object<T>(text: &str, kind: &str, pick: impl Fn(calcard::Entry) -> Option<T>) -> Option<T> {
    let last = text.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    if !last.eq_ignore_ascii_case(&format!("END:{kind}")) {
        return None;
    }
    let mut parser = calcard::Parser::new(text);
    let first = pick(parser.entry())?;
    matches!(parser.entry(), calcard::Entry::Eof).then_some(first)
}

/// The strong ETag of a resource at `modseq` (RFC 9110 §8.8.3), quotes included.
pub fn etag(modseq: Modseq) -> String {
    format!("\"{}\"", modseq.0)
}
