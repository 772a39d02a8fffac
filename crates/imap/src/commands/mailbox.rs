//! CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 9051 §6.3.4-8), through the mail
//! domain (`relais_mail::mailbox::{create, delete, rename, subscribe}`), which resolves the
//! names in the user's own namespace and in other users' mailboxes shared with it, and checks
//! the rights RFC 4314 §4 asks. Subscriptions are the user's own: CREATE and DELETE leave them.

use relais_imap_proto::{Code, MailboxAttribute, MailboxName, Tag};

use crate::folders;
use crate::session::Session;

pub async fn create(s: &mut Session, tag: &Tag, name: MailboxName, special_use: Vec<MailboxAttribute>) {
    let Some(actor) = s.actor() else { return };
    let role = match special_use.as_slice() {
        [] => None,
        [a] => match folders::role_of(a) {
            Some(r) => Some(r),
            None => return s.no(tag, Some(Code::UseAttr), "unsupported special-use attribute"),
        },
        _ => return s.no(tag, Some(Code::UseAttr), "one special-use attribute at most"),
    };
    let result = relais_mail::mailbox::create(s.imap.store(), &actor, name.as_str(), role).await;
    s.answer(tag, result, "CREATE completed");
}

pub async fn delete(s: &mut Session, tag: &Tag, name: MailboxName) {
    let Some(actor) = s.actor() else { return };
    let result = relais_mail::mailbox::delete(s.imap.store(), &actor, name.as_str()).await;
    s.answer(tag, result, "DELETE completed");
}

pub async fn rename(s: &mut Session, tag: &Tag, from: MailboxName, to: MailboxName) {
    let Some(actor) = s.actor() else { return };
    let result = relais_mail::mailbox::rename(s.imap.store(), &actor, from.as_str(), to.as_str()).await;
    s.answer(tag, result, "RENAME completed");
}

pub async fn subscribe(s: &mut Session, tag: &Tag, name: MailboxName, on: bool) {
    let Some(actor) = s.actor() else { return };
    let result = relais_mail::mailbox::subscribe(s.imap.store(), &actor, name.as_str(), on).await;
    s.answer(tag, result, if on { "SUBSCRIBE completed" } else { "UNSUBSCRIBE completed" });
}

/// Every mailbox the user can reach, or the NO already answered.
pub(crate) async fn load(s: &mut Session, tag: &Tag) -> Option<relais_mail::mailbox::Folders> {
    let actor = s.actor()?;
    match s.imap.store().read(move |r| relais_mail::mailbox::Folders::load(r, &actor)).await {
        Ok(f) => Some(f),
        Err(e) => {
            s.store_error(tag, &e);
            None
        }
    }
}
