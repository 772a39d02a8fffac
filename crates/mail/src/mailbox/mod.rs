//! Mailbox operations every front-end shares. Each takes the acting principal (`Actor`) and runs
//! in one store transaction, in which the actor's rights on the mailboxes it touches are read
//! (`relais_directory::access::rights_on`) and checked before anything is written: IMAP, POP3,
//! JMAP, ActiveSync, EWS and the import command call these instead of writing the store.
//!
//! - `append`: messages analysed once, threaded, indexed, the owner's quota checked inside the
//!   write that uses it; the test for content a mailbox already holds; a mailbox by path.
//! - `copy`: copy and move, within one account and across accounts (shared mailboxes).
//! - `keywords`: flags and keywords set, added or removed on the flags as committed, with an
//!   unchanged-since condition (RFC 7162 §3.1.3); expunge (by UIDs, every `\Deleted`, or named
//!   messages) on the flags as committed.
//! - `folders`: create (with parents), rename (with children), delete.
//! - `list`: the mailboxes an actor sees, its own and those shared with it, with full names
//!   (`Other Users/<owner>/…` for shared ones), rights and the actor's subscription.
//! - `subscribe`: subscriptions, the actor's own, kept apart from the mailboxes.
//! - `membership`: `file`, a message in several mailboxes at once (JMAP `mailboxIds`).
//! - `delta`: what a sync client (ActiveSync) holding a mailbox up to a UID, as of a modseq, is
//!   missing: messages gone, flags changed, and the next window of messages.
//!
//! A refusal is typed (`MailError::NoMailbox`, `NoRight`, `Cannot`): a mailbox the actor may not
//! see is reported as not existing (RFC 4314 §4), one it sees with the rights missing.

pub(crate) mod append;
mod copy;
mod delta;
mod folders;
mod keywords;
mod list;
mod membership;
mod subscribe;

pub use append::{Fingerprint, NewMessage};
pub use copy::{Copied, Transfer, copy};
pub use delta::{Delta, Held, Listed, changed_since, count_missing, delta, delta_within, listed, message};
pub use folders::{Emptied, create, delete, delete_tree, empty, rename};
pub use keywords::{
    Expunge, FlagChange, FlagsChanged, KeywordChange, add_keyword, change_keywords, expunge, right_for,
    rights_to_change, settable,
};
pub use list::{Folder, Folders, Place, is_other_users, normalise, refuse};
pub use membership::file;
pub use relais_store::MailboxRole;
pub use subscribe::subscribe;

use relais_directory::access::{Actor, Rights, rights_on};
use relais_store::{Collection, CollectionId, ReadTx};

use crate::MailError;

/// The hierarchy separator of mailbox paths (IMAP's, for Relais's own names).
pub const SEPARATOR: char = '/';

/// The first level under which other accounts' shared mailboxes are shown (IMAP's Other Users
/// namespace, RFC 2342 §5); an account's own mailbox may not pass for one.
pub const OTHER_USERS: &str = "Other Users";

/// Why an account's own new mailbox cannot have the path `name` (levels by `SEPARATOR`), if it
/// cannot: an empty level, control characters (RFC 9051 §5.1 lets a server refuse names it
/// cannot keep; a NUL or a line break shows differently in every client and hides what a name
/// is), or a first level spelled like `OTHER_USERS` in any case or spacing. Every protocol and
/// the importer ask this before making a mailbox.
pub fn refuse_name(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.split(SEPARATOR).any(str::is_empty) {
        return Some("invalid mailbox name");
    }
    if name.chars().any(char::is_control) {
        return Some("mailbox names cannot hold control characters");
    }
    if name.split(SEPARATOR).next().unwrap_or_default().trim().eq_ignore_ascii_case(OTHER_USERS) {
        return Some("that name is reserved for other users' shared mailboxes");
    }
    None
}

/// A refusal decided inside a transaction, returned through it (nothing written yet).
pub(crate) type Checked<T> = Result<T, MailError>;

/// The mailbox `id` and the actor's rights on it, if they include `needed`; otherwise the
/// refusal: `NoMailbox` for a mailbox that is gone or that the actor may not see (no `l`),
/// `NoRight` naming what is missing for one it sees.
pub(crate) fn require(
    r: &mut ReadTx<'_>,
    actor: &Actor,
    id: CollectionId,
    needed: Rights,
    what: &'static str,
) -> relais_store::Result<Checked<(Collection, Rights)>> {
    let c = match r.collection(id) {
        Ok(c) if c.kind == relais_store::CollectionKind::Mailbox => c,
        Ok(_) | Err(relais_store::Error::NotFound(_)) => return Ok(Err(MailError::NoMailbox)),
        Err(e) => return Err(e),
    };
    let held = rights_on(r, actor, &c)?;
    Ok(refusal(held, needed, what).map(|()| (c, held)))
}

/// The refusal for an actor holding `held` where `needed` is asked, if any.
pub(crate) fn refusal(held: Rights, needed: Rights, what: &'static str) -> Checked<()> {
    if held.contains(needed) {
        Ok(())
    } else if held.contains(Rights::LOOKUP) {
        Err(MailError::NoRight { missing: held.missing(needed), what })
    } else {
        Err(MailError::NoMailbox)
    }
}
