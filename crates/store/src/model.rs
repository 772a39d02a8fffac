//! The data model's types: ids, kinds, and the rows the store hands out.

use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A principal that owns data. The directory's own changes are logged on `AccountId::DIRECTORY`.
    AccountId
);
id!(
    /// A mailbox, calendar, address book or task list.
    CollectionId
);
id!(
    /// A message, event, contact or task; stable for its whole life.
    ItemId
);
id!(DomainId);

impl AccountId {
    pub const DIRECTORY: AccountId = AccountId(0);
}

/// Per-account modification sequence: bumped once by every committed write (RFC 7162 MODSEQ,
/// JMAP state, DAV sync-token, EAS SyncKey all derive from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Modseq(pub u64);

impl fmt::Display for Modseq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// IMAP UID of a message in one mailbox (RFC 9051 §2.3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uid(pub u32);

/// What a change-log row or an id refers to. The numbers are stored: never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    Principal = 1,
    Mailbox = 2,
    Email = 3,
    Calendar = 4,
    Event = 5,
    AddressBook = 6,
    Contact = 7,
    TaskList = 8,
    Task = 9,
    /// A folder of the WebDAV file store (`/dav/files/`).
    Folder = 10,
    /// A file of the WebDAV file store: any content, with its media type and dead properties.
    File = 11,
    /// A thread of messages (RFC 8621 §3): its id is its first message's; created, updated
    /// (a message joined or left) and destroyed (its last message went) in the change log.
    Thread = 12,
    /// An account's out-of-office setting (JMAP VacationResponse, its one object).
    VacationResponse = 13,
    /// An identity the account sends as (JMAP Identity): 0 is the account's own identity.
    Identity = 14,
    /// A message the account submitted (JMAP EmailSubmission), kept for a while.
    EmailSubmission = 15,
    /// A change of the account's rights on another's collection it was told of (JMAP
    /// ShareNotification).
    ShareNotification = 16,
    /// A change someone else made to an event in one of the account's calendars (JMAP
    /// CalendarEventNotification).
    CalendarEventNotification = 17,
}

impl DataType {
    pub const ALL: [DataType; 17] = [
        DataType::Principal,
        DataType::Mailbox,
        DataType::Email,
        DataType::Calendar,
        DataType::Event,
        DataType::AddressBook,
        DataType::Contact,
        DataType::TaskList,
        DataType::Task,
        DataType::Folder,
        DataType::File,
        DataType::Thread,
        DataType::VacationResponse,
        DataType::Identity,
        DataType::EmailSubmission,
        DataType::ShareNotification,
        DataType::CalendarEventNotification,
    ];

    pub fn from_i64(v: i64) -> Option<DataType> {
        DataType::ALL.into_iter().find(|t| *t as i64 == v)
    }

    /// Bit of this type in `Notification::types`.
    pub fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// The kind of a collection; also says what kind of item it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CollectionKind {
    Mailbox,
    Calendar,
    AddressBook,
    TaskList,
    /// A folder of files; folders nest (`parent`).
    Folder,
}

impl CollectionKind {
    pub fn data_type(self) -> DataType {
        match self {
            CollectionKind::Mailbox => DataType::Mailbox,
            CollectionKind::Calendar => DataType::Calendar,
            CollectionKind::AddressBook => DataType::AddressBook,
            CollectionKind::TaskList => DataType::TaskList,
            CollectionKind::Folder => DataType::Folder,
        }
    }

    pub fn item_type(self) -> DataType {
        match self {
            CollectionKind::Mailbox => DataType::Email,
            CollectionKind::Calendar => DataType::Event,
            CollectionKind::AddressBook => DataType::Contact,
            CollectionKind::TaskList => DataType::Task,
            CollectionKind::Folder => DataType::File,
        }
    }

    pub fn from_data_type(t: DataType) -> Option<CollectionKind> {
        [
            CollectionKind::Mailbox,
            CollectionKind::Calendar,
            CollectionKind::AddressBook,
            CollectionKind::TaskList,
            CollectionKind::Folder,
        ]
        .into_iter()
        .find(|k| k.data_type() == t)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    Created = 1,
    Updated = 2,
    Destroyed = 3,
}

impl ChangeKind {
    pub fn from_i64(v: i64) -> Option<ChangeKind> {
        match v {
            1 => Some(ChangeKind::Created),
            2 => Some(ChangeKind::Updated),
            3 => Some(ChangeKind::Destroyed),
            _ => None,
        }
    }
}

/// A SHA-256 content address, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobHash(String);

impl BlobHash {
    pub fn of(data: &[u8]) -> BlobHash {
        use sha2::Digest;
        BlobHash(hex::encode(sha2::Sha256::digest(data)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Accepts only 64 lower-case hex digits, so a hash is always safe as a file name.
    pub fn parse(s: &str) -> Option<BlobHash> {
        (s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))).then(|| BlobHash(s.to_owned()))
    }
}

impl fmt::Display for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A blob from `Store::put_blob`, ready to be referenced by an item: either already durable
/// (a file, or a row on PostgreSQL), or small enough to travel inline and be written by the
/// transaction that references it (one fsync for content and metadata together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    pub hash: BlobHash,
    pub size: u64,
    pub inline: Option<std::sync::Arc<[u8]>>,
}

impl BlobRef {
    /// A reference to a blob the store already holds.
    pub fn existing(hash: BlobHash, size: u64) -> BlobRef {
        BlobRef { hash, size, inline: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub id: CollectionId,
    pub account: AccountId,
    pub kind: CollectionKind,
    pub name: String,
    pub parent: Option<CollectionId>,
    /// `inbox`, `sent`, `drafts`, `trash`, `junk`, `archive`, `default`, …
    pub role: Option<String>,
    pub uid_validity: u32,
    pub uid_next: u32,
    pub modseq: Modseq,
    pub subscribed: bool,
    /// Protocol properties of the collection (DAV display name, colour, time zone, dead
    /// properties): a JSON object owned by the groupware layer; empty for none.
    pub props: String,
}

/// The special use of a mailbox (RFC 6154, JMAP `Mailbox.role`, RFC 8457 `\Important`): the
/// one place its stored spelling (`collections.role`) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailboxRole {
    Inbox,
    Drafts,
    Sent,
    Trash,
    Junk,
    Archive,
    All,
    Flagged,
    Important,
}

impl MailboxRole {
    pub const EVERY: [MailboxRole; 9] = [
        MailboxRole::Inbox,
        MailboxRole::Drafts,
        MailboxRole::Sent,
        MailboxRole::Trash,
        MailboxRole::Junk,
        MailboxRole::Archive,
        MailboxRole::All,
        MailboxRole::Flagged,
        MailboxRole::Important,
    ];

    /// The stored spelling (also JMAP's role name, RFC 8621 §2).
    pub const fn as_str(self) -> &'static str {
        match self {
            MailboxRole::Inbox => "inbox",
            MailboxRole::Drafts => "drafts",
            MailboxRole::Sent => "sent",
            MailboxRole::Trash => "trash",
            MailboxRole::Junk => "junk",
            MailboxRole::Archive => "archive",
            MailboxRole::All => "all",
            MailboxRole::Flagged => "flagged",
            MailboxRole::Important => "important",
        }
    }

    /// The role of a stored spelling; `None` for a role this enum does not know.
    pub fn from_stored(role: &str) -> Option<MailboxRole> {
        Self::EVERY.into_iter().find(|r| r.as_str() == role)
    }
}

impl Collection {
    /// The mailbox's special use, if it has one.
    pub fn mailbox_role(&self) -> Option<MailboxRole> {
        (self.kind == CollectionKind::Mailbox)
            .then(|| self.role.as_deref().and_then(MailboxRole::from_stored))
            .flatten()
    }

    /// True for the account's INBOX: the top-level mailbox with that role.
    pub fn is_inbox(&self) -> bool {
        self.parent.is_none() && self.mailbox_role() == Some(MailboxRole::Inbox)
    }
}

#[derive(Debug, Clone)]
pub struct NewCollection {
    pub kind: CollectionKind,
    pub name: String,
    pub parent: Option<CollectionId>,
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: ItemId,
    pub account: AccountId,
    pub data_type: DataType,
    /// The collection of an event, contact or task; `None` for messages (see `mailboxes_of`).
    pub collection: Option<CollectionId>,
    pub blob: Option<BlobHash>,
    pub size: u64,
    pub modseq: Modseq,
    pub created_modseq: Modseq,
    /// Unix seconds (IMAP INTERNALDATE for a message).
    pub received_at: i64,
    pub keywords: Vec<String>,
    pub thread_id: Option<i64>,
    /// iCalendar/vCard UID.
    pub uid_text: Option<String>,
    pub start_utc: Option<i64>,
    pub end_utc: Option<i64>,
    /// The parsed summary stored at write time (envelope, body structure, indexed fields).
    pub summary: String,
    /// The resource name of an event, contact or task in its collection (the last segment of
    /// its DAV href); `None` for messages.
    pub name: Option<String>,
}

/// What a writer gives to create an item.
#[derive(Debug, Clone, Default)]
pub struct NewItem {
    pub collection: Option<CollectionId>,
    pub blob: Option<BlobRef>,
    pub received_at: i64,
    pub keywords: Vec<String>,
    pub thread_id: Option<i64>,
    pub uid_text: Option<String>,
    pub start_utc: Option<i64>,
    pub end_utc: Option<i64>,
    pub summary: String,
    /// The resource name in its collection (events, contacts, tasks); unique per collection.
    pub name: Option<String>,
}

/// One message in one mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxEntry {
    pub uid: Uid,
    pub item: ItemId,
    pub modseq: Modseq,
}

/// A message as a mailbox lists it (IMAP SELECT, POP3 maildrop, JMAP Email/query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxMessage {
    pub uid: Uid,
    pub item: ItemId,
    pub modseq: Modseq,
    pub size: u64,
    pub received_at: i64,
    pub keywords: Vec<String>,
    pub blob: Option<BlobHash>,
}

/// The answer to "what changed since modseq N" for one data type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub since: Modseq,
    /// The account's modseq when the changes were read: the client's new state.
    pub until: Modseq,
    pub created: Vec<i64>,
    pub updated: Vec<i64>,
    pub destroyed: Vec<i64>,
}

/// A membership change of a mailbox since a modseq (IMAP QRESYNC, VANISHED).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxChange {
    pub uid: Uid,
    pub item: ItemId,
    pub modseq: Modseq,
    pub kind: ChangeKind,
}

/// Published after a commit: `account` reached `modseq`; `types` has a bit per changed DataType.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notification {
    pub account: AccountId,
    pub modseq: Modseq,
    pub types: u32,
}

impl Notification {
    pub fn touches(&self, t: DataType) -> bool {
        self.types & t.bit() != 0
    }
}

/// One occurrence of an event, or the span of a task or journal (RFC 4791 §9.9), in UTC seconds:
/// it overlaps a range [s, e) when `start < e` and (`end > s`, or it is an instant at or after s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    pub start: i64,
    pub end: i64,
}

impl Span {
    /// A task with no date at all: it matches every time range (RFC 4791 §9.9).
    pub const ALWAYS: Span = Span { start: -(1 << 40), end: 1 << 40 };
}

/// A named resource of a calendar, address book or task list, without its content
/// (DAV PROPFIND Depth 1, sync-collection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub id: ItemId,
    pub name: String,
    pub modseq: Modseq,
    pub size: u64,
    pub data_type: DataType,
}

/// A resource with its content: `data` is filled from the database when the blob is stored
/// inline; otherwise the caller reads `blob` with `Store::blob`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceContent {
    pub resource: Resource,
    pub blob: Option<BlobHash>,
    pub data: Option<Vec<u8>>,
}

/// The latest change of one resource of a collection after a modseq (RFC 6578).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceChange {
    pub id: ItemId,
    /// The name it had when the change was logged (a removed resource is reported by it).
    pub name: Option<String>,
    pub modseq: Modseq,
    pub kind: ChangeKind,
}
