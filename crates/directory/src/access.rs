//! Who is acting, and what they may do: the one access model every front-end and domain
//! operation uses.
//!
//! An [`Actor`] is the authenticated principal, the protocol it came through and the
//! credential it used. Every domain operation takes one; the domain decides with
//! [`rights_on`], and front-ends never re-derive rights from grant rows themselves.
//!
//! [`Rights`] is the typed view of the stored bit set (`relais_store::share_rights`, one bit
//! per RFC 4314 right). Its other spellings are views of the same bits:
//! - IMAP letters (`lrswipkxtea`) in `crates/imap`;
//! - DAV privileges: `DAV:read` = [`Rights::READ`], `DAV:write` = [`Rights::WRITE`],
//!   `DAV:write-acl` = [`Rights::ADMIN`], `CALDAV:read-free-busy` = [`Rights::FREE_BUSY`];
//! - Exchange permission levels (MS-OXWSFOLD / EWS `PermissionLevel`): [`PermissionLevel`].
//!
//! Who may change sharing, over every protocol: a holder of [`Rights::ADMIN`] (RFC 4314 `a`,
//! DAV `write-acl`, Exchange `FolderOwner`) on the collection — its owner, the owner's
//! full-access delegates, and anyone granted `a`. The owner always holds every right and
//! cannot lose them; a full-access delegate of the owner holds every right too. The
//! operations that read and change sharing are in `crate::sharing`.
//!
//! Delegation (send as, send on behalf, full access) is read through [`delegation`] only.

use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign, Not};

use relais_store::{AccountId, Collection, ReadTx, delegate_rights as delegate_bits, share_rights as bits};

/// The front-end an operation came through (logged, and the basis of per-protocol policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    Smtp,
    Imap,
    Pop3,
    Dav,
    Jmap,
    ActiveSync,
    Ews,
    Web,
    Admin,
    /// The server itself: delivery, scheduling, vacation replies, import and restore.
    Internal,
}

/// How the actor proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Password,
    /// An app password, by its name.
    AppPassword(String),
    /// A device's credential (ActiveSync), by its device id.
    Device(String),
    /// A bearer token or web session.
    Token,
    /// No credential: the server acting on its own behalf ([`Actor::system`]).
    System,
}

/// Who performs an operation: the authenticated principal, through which protocol, with
/// which credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub principal: AccountId,
    pub protocol: Protocol,
    pub credential: Credential,
}

impl Actor {
    /// `principal`, logged in with a password over `protocol`.
    pub fn new(principal: AccountId, protocol: Protocol) -> Actor {
        Actor { principal, protocol, credential: Credential::Password }
    }

    pub fn with_credential(mut self, credential: Credential) -> Actor {
        self.credential = credential;
        self
    }

    /// The server acting on `principal`'s data for itself (delivery, restore): holds every
    /// right on that principal's collections and nothing on anyone else's.
    pub fn system(principal: AccountId) -> Actor {
        Actor { principal, protocol: Protocol::Internal, credential: Credential::System }
    }
}

/// A set of rights on a collection. The bits are the stored ones (`share_rights`): never
/// renumber.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rights(i64);

impl Rights {
    pub const NONE: Rights = Rights(0);
    /// `l`: the collection is visible in listings.
    pub const LOOKUP: Rights = Rights(bits::LOOKUP);
    /// `r`: open it and read its items.
    pub const READ_ITEMS: Rights = Rights(bits::READ_ITEMS);
    /// `s`: keep \Seen (per-user read state).
    pub const KEEP_SEEN: Rights = Rights(bits::KEEP_SEEN);
    /// `w`: change flags other than \Seen and \Deleted; change an item's content.
    pub const WRITE_FLAGS: Rights = Rights(bits::WRITE_FLAGS);
    /// `i`: add items (append, copy or move into, create a resource).
    pub const INSERT: Rights = Rights(bits::INSERT);
    /// `p`: post to the collection's submission address.
    pub const POST: Rights = Rights(bits::POST);
    /// `k`: create child collections.
    pub const CREATE: Rights = Rights(bits::CREATE);
    /// `x`: delete or rename the collection.
    pub const DELETE_COLLECTION: Rights = Rights(bits::DELETE_MAILBOX);
    /// `t`: mark items deleted.
    pub const DELETE_ITEMS: Rights = Rights(bits::DELETE_ITEMS);
    /// `e`: expunge (remove items for good).
    pub const EXPUNGE: Rights = Rights(bits::EXPUNGE);
    /// `a`: read and change who the collection is shared with.
    pub const ADMIN: Rights = Rights(bits::ADMIN);
    /// See only free and busy times of a calendar, never its items (`CALDAV:read-free-busy`).
    pub const FREE_BUSY: Rights = Rights(bits::FREE_BUSY);

    /// DAV:read.
    pub const READ: Rights = Rights(bits::READ);
    /// DAV:write (write-content, bind, unbind).
    pub const WRITE: Rights = Rights(bits::WRITE);
    /// Every right: what the owner holds.
    pub const ALL: Rights = Rights(bits::STORED);

    /// The rights of a stored bit set; unknown bits are dropped.
    pub fn from_bits(b: i64) -> Rights {
        Rights(b & bits::STORED)
    }

    /// The stored bit set.
    pub fn bits(self) -> i64 {
        self.0
    }

    /// True if every right of `needed` is held.
    pub fn contains(self, needed: Rights) -> bool {
        self.0 & needed.0 == needed.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The rights of `needed` that are not held.
    pub fn missing(self, needed: Rights) -> Rights {
        Rights(needed.0 & !self.0)
    }

    /// May see the collection at all (listed, or readable, or free/busy).
    pub fn sees(self) -> bool {
        self.0 & (bits::LOOKUP | bits::READ_ITEMS | bits::FREE_BUSY) != 0
    }
}

/// A stored bit set (`relais_store::share_rights`) as rights; unknown bits are dropped.
impl From<i64> for Rights {
    fn from(b: i64) -> Rights {
        Rights::from_bits(b)
    }
}

impl BitOr for Rights {
    type Output = Rights;
    fn bitor(self, o: Rights) -> Rights {
        Rights(self.0 | o.0)
    }
}

impl BitOrAssign for Rights {
    fn bitor_assign(&mut self, o: Rights) {
        self.0 |= o.0;
    }
}

impl BitAnd for Rights {
    type Output = Rights;
    fn bitand(self, o: Rights) -> Rights {
        Rights(self.0 & o.0)
    }
}

impl Not for Rights {
    type Output = Rights;
    fn not(self) -> Rights {
        Rights(!self.0 & bits::STORED)
    }
}

impl fmt::Debug for Rights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rights({:#x})", self.0)
    }
}

/// Exchange's named permission levels (MS-OXWSCORE `PermissionLevelType`, Outlook's folder
/// permissions), each a fixed set of [`Rights`]; anything else is `Custom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionLevel {
    None,
    /// Calendars only: free/busy times.
    FreeBusyTimeOnly,
    Reviewer,
    Contributor,
    NoneditingAuthor,
    Author,
    PublishingAuthor,
    Editor,
    PublishingEditor,
    Owner,
    Custom,
}

impl PermissionLevel {
    /// Every named level, from least to most.
    pub const NAMED: [PermissionLevel; 10] = [
        PermissionLevel::None,
        PermissionLevel::FreeBusyTimeOnly,
        PermissionLevel::Contributor,
        PermissionLevel::Reviewer,
        PermissionLevel::NoneditingAuthor,
        PermissionLevel::Author,
        PermissionLevel::PublishingAuthor,
        PermissionLevel::Editor,
        PermissionLevel::PublishingEditor,
        PermissionLevel::Owner,
    ];

    /// The rights the level gives. Exchange's "edit/delete own items" cannot be expressed per
    /// item here, so Author's own-item edits are granted as its insert and flag rights, and
    /// deleting stays with Editor and above.
    pub fn rights(self) -> Rights {
        let see = Rights::LOOKUP | Rights::FREE_BUSY;
        let read = see | Rights::READ | Rights::KEEP_SEEN;
        let author = read | Rights::INSERT | Rights::WRITE_FLAGS;
        let editor = author | Rights::DELETE_ITEMS | Rights::EXPUNGE;
        match self {
            PermissionLevel::None | PermissionLevel::Custom => Rights::NONE,
            PermissionLevel::FreeBusyTimeOnly => Rights::FREE_BUSY,
            PermissionLevel::Contributor => Rights::LOOKUP | Rights::INSERT,
            PermissionLevel::Reviewer => read,
            PermissionLevel::NoneditingAuthor => read | Rights::INSERT,
            PermissionLevel::Author => author,
            PermissionLevel::PublishingAuthor => author | Rights::CREATE,
            PermissionLevel::Editor => editor,
            PermissionLevel::PublishingEditor => editor | Rights::CREATE,
            PermissionLevel::Owner => Rights::ALL,
        }
    }

    /// The named level that gives exactly `rights`, else `Custom`.
    pub fn of(rights: Rights) -> PermissionLevel {
        Self::NAMED.into_iter().find(|l| l.rights() == rights).unwrap_or(PermissionLevel::Custom)
    }

    /// The EWS spelling (`PermissionLevel` / `CalendarPermissionLevel` element text).
    pub fn name(self) -> &'static str {
        match self {
            PermissionLevel::None => "None",
            PermissionLevel::FreeBusyTimeOnly => "FreeBusyTimeOnly",
            PermissionLevel::Reviewer => "Reviewer",
            PermissionLevel::Contributor => "Contributor",
            PermissionLevel::NoneditingAuthor => "NoneditingAuthor",
            PermissionLevel::Author => "Author",
            PermissionLevel::PublishingAuthor => "PublishingAuthor",
            PermissionLevel::Editor => "Editor",
            PermissionLevel::PublishingEditor => "PublishingEditor",
            PermissionLevel::Owner => "Owner",
            PermissionLevel::Custom => "Custom",
        }
    }

    pub fn from_name(name: &str) -> Option<PermissionLevel> {
        Self::NAMED.into_iter().chain([PermissionLevel::Custom]).find(|l| l.name().eq_ignore_ascii_case(name))
    }
}

/// What `actor` may do on `collection`: every right for its owner and the owner's
/// full-access delegates, else the rights the collection's grant gives the actor. The server
/// acting for a principal ([`Actor::system`]) holds every right on that principal's
/// collections and none on anyone else's.
pub fn rights_on(r: &mut ReadTx<'_>, actor: &Actor, collection: &Collection) -> relais_store::Result<Rights> {
    if actor.principal == collection.account {
        return Ok(Rights::ALL);
    }
    if actor.credential == Credential::System {
        return Ok(Rights::NONE);
    }
    // The grant, or every right for a full-access delegate, in one read (the store's join
    // implements `Delegation::FULL_ACCESS`, so folder listings agree with this).
    Ok(Rights::from_bits(r.rights_on(collection.id, actor.principal)?))
}

/// True if `actor` acts as `account` itself: it is that account, or its full-access delegate
/// (making and removing collections in the account's homes, where no collection's grant
/// applies).
pub fn acts_for(r: &mut ReadTx<'_>, actor: &Actor, account: AccountId) -> relais_store::Result<bool> {
    if actor.principal == account {
        return Ok(true);
    }
    if actor.credential == Credential::System {
        return Ok(false);
    }
    Ok(delegation(r, actor.principal, account)?.contains(Delegation::FULL_ACCESS))
}

/// True if `rights` allow changing who the collection is shared with (the one rule for IMAP
/// SETACL/DELETEACL, DAV ACL, EWS and JMAP sharing).
pub fn may_change_sharing(rights: Rights) -> bool {
    rights.contains(Rights::ADMIN)
}

/// What a delegate may do for a principal (stored per pair, `delegates.rights`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct Delegation(i64);

impl Delegation {
    pub const NONE: Delegation = Delegation(0);
    /// Send with the principal's address as the sender.
    pub const SEND_AS: Delegation = Delegation(delegate_bits::SEND_AS);
    /// Send on behalf of the principal (Sender: shows the delegate).
    pub const SEND_ON_BEHALF: Delegation = Delegation(delegate_bits::SEND_ON_BEHALF);
    /// Open and change the principal's mailboxes, calendars and contacts: every right on each
    /// of its collections ([`rights_on`]).
    pub const FULL_ACCESS: Delegation = Delegation(delegate_bits::FULL_ACCESS);
    pub const ALL: Delegation =
        Delegation(delegate_bits::SEND_AS | delegate_bits::SEND_ON_BEHALF | delegate_bits::FULL_ACCESS);

    pub fn from_bits(b: i64) -> Delegation {
        Delegation(b & Self::ALL.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names `relais admin` and the docs use, comma-separated (`send-as`,
    /// `send-on-behalf`, `full-access`).
    pub fn parse(text: &str) -> Option<Delegation> {
        let mut d = Delegation::NONE;
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            d = d | match word.to_ascii_lowercase().as_str() {
                "send-as" => Delegation::SEND_AS,
                "send-on-behalf" => Delegation::SEND_ON_BEHALF,
                "full-access" => Delegation::FULL_ACCESS,
                "none" => Delegation::NONE,
                _ => return None,
            };
        }
        Some(d)
    }

    pub fn bits(self) -> i64 {
        self.0
    }

    pub fn contains(self, needed: Delegation) -> bool {
        self.0 & needed.0 == needed.0
    }
}

impl BitOr for Delegation {
    type Output = Delegation;
    fn bitor(self, o: Delegation) -> Delegation {
        Delegation(self.0 | o.0)
    }
}

/// What `delegate` may do for `principal` (nothing when they are the same account: one needs
/// no delegation to act for oneself).
pub fn delegation(r: &mut ReadTx<'_>, delegate: AccountId, principal: AccountId) -> relais_store::Result<Delegation> {
    if delegate == principal {
        return Ok(Delegation::NONE);
    }
    Ok(Delegation::from_bits(r.delegate_rights(principal, delegate)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_levels_round_trip() {
        for level in PermissionLevel::NAMED {
            assert_eq!(PermissionLevel::of(level.rights()), level, "{level:?}");
            assert_eq!(PermissionLevel::from_name(level.name()), Some(level));
        }
        assert_eq!(PermissionLevel::of(Rights::LOOKUP | Rights::EXPUNGE), PermissionLevel::Custom);
    }

    #[test]
    fn levels_grow() {
        let named = PermissionLevel::NAMED;
        // Each editing level includes the one below it in the chain Reviewer < Author < Editor < Owner.
        let chain = [
            PermissionLevel::Reviewer,
            PermissionLevel::NoneditingAuthor,
            PermissionLevel::Author,
            PermissionLevel::PublishingAuthor,
        ];
        for w in chain.windows(2) {
            assert!(w[1].rights().contains(w[0].rights()), "{:?} ⊂ {:?}", w[0], w[1]);
        }
        assert!(PermissionLevel::Owner.rights().contains(PermissionLevel::PublishingEditor.rights()));
        assert!(named.iter().all(|l| Rights::ALL.contains(l.rights())));
    }

    #[test]
    fn rights_algebra() {
        let rw = Rights::READ | Rights::WRITE;
        assert!(rw.contains(Rights::READ_ITEMS));
        assert!(!rw.contains(Rights::ADMIN));
        assert_eq!(rw.missing(Rights::READ | Rights::ADMIN), Rights::ADMIN);
        assert_eq!(Rights::from_bits(-1), Rights::ALL);
        assert_eq!(!Rights::ALL, Rights::NONE);
        assert!(Rights::FREE_BUSY.sees() && !Rights::NONE.sees());
        assert!(may_change_sharing(Rights::ALL) && !may_change_sharing(rw));
    }

    #[test]
    fn delegation_names() {
        let cases = [
            ("send-as", Some(Delegation::SEND_AS)),
            ("send-as,full-access", Some(Delegation::SEND_AS | Delegation::FULL_ACCESS)),
            (" Send-On-Behalf ", Some(Delegation::SEND_ON_BEHALF)),
            ("none", Some(Delegation::NONE)),
            ("", Some(Delegation::NONE)),
            ("admin", None),
        ];
        for (text, want) in cases {
            assert_eq!(Delegation::parse(text), want, "{text:?}");
        }
    }
}
