//! IMAP mailbox names ↔ the mail domain's mailboxes (`relais_mail::mailbox::Folders`, which
//! lists and resolves what a user sees, own and shared under `Other Users/<owner>/`): IMAP's
//! names are the domain's full names with `/` as the delimiter (RFC 9051 §5.1), and RFC 6154
//! attributes ↔ the typed roles. `Folder` is the domain's mailbox with its rights as the stored
//! bits (`relais_store::share_rights`), as `rights` and the ACL commands spell them.

use relais_imap_proto::MailboxAttribute;
use relais_mail::mailbox::MailboxRole;
use relais_store::{AccountId, Collection, ReadTx, share_rights};

pub use relais_mail::mailbox::{OTHER_USERS, SEPARATOR as DELIMITER, is_other_users};

/// A mailbox this session can reach, under its full name in this session's namespaces.
#[derive(Debug, Clone)]
pub struct Folder {
    pub name: String,
    pub collection: Collection,
    /// What the session's user may do there (`relais_store::share_rights`).
    pub rights: i64,
}

impl Folder {
    pub fn may(&self, needed: i64) -> bool {
        share_rights::has(self.rights, needed)
    }

    /// The account that owns the mailbox and its messages.
    pub fn owner(&self) -> AccountId {
        self.collection.account
    }
}

impl From<relais_mail::mailbox::Folder> for Folder {
    fn from(f: relais_mail::mailbox::Folder) -> Folder {
        Folder { name: f.name, collection: f.collection, rights: f.rights.bits() }
    }
}

/// The domain's listing of a user's mailboxes.
pub struct Folders;

impl Folders {
    /// The one mailbox `name` names for `me` (`relais_mail::mailbox::Folders::resolve`).
    pub fn resolve(r: &mut ReadTx<'_>, me: AccountId, name: &str) -> relais_store::Result<Option<Folder>> {
        let actor = relais_directory::access::Actor::new(me, relais_directory::access::Protocol::Imap);
        Ok(relais_mail::mailbox::Folders::resolve(r, &actor, name)?.map(Folder::from))
    }
}

/// RFC 6154 attribute of a role.
pub fn special_use(role: Option<MailboxRole>) -> Option<MailboxAttribute> {
    Some(match role? {
        MailboxRole::Drafts => MailboxAttribute::Drafts,
        MailboxRole::Sent => MailboxAttribute::Sent,
        MailboxRole::Trash => MailboxAttribute::Trash,
        MailboxRole::Junk => MailboxAttribute::Junk,
        MailboxRole::Archive => MailboxAttribute::Archive,
        MailboxRole::All => MailboxAttribute::All,
        MailboxRole::Flagged => MailboxAttribute::Flagged,
        MailboxRole::Inbox | MailboxRole::Important => return None,
    })
}

/// The role for a CREATE-SPECIAL-USE attribute.
pub fn role_of(attr: &MailboxAttribute) -> Option<MailboxRole> {
    Some(match attr {
        MailboxAttribute::Drafts => MailboxRole::Drafts,
        MailboxAttribute::Sent => MailboxRole::Sent,
        MailboxAttribute::Trash => MailboxRole::Trash,
        MailboxAttribute::Junk => MailboxRole::Junk,
        MailboxAttribute::Archive => MailboxRole::Archive,
        MailboxAttribute::All => MailboxRole::All,
        MailboxAttribute::Flagged => MailboxRole::Flagged,
        _ => return None,
    })
}
