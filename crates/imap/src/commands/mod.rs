//! One file per command family; `dispatch` is the one place a command meets its handler.

pub mod acl;
pub mod any;
pub mod append;
pub mod auth;
pub mod compress;
pub mod copy;
pub mod fetch;
pub mod list;
pub mod mailbox;
pub mod quota;
pub mod search;
pub mod select;
pub mod sort;
pub mod store;
pub mod thread;

use relais_imap_proto::{Code, Command, CommandBody, CommandState, Tag};

use crate::session::{Flow, Session};

/// Runs one command. Untagged updates the client is owed go out before the tagged answer.
pub async fn dispatch(s: &mut Session, cmd: Command) -> Flow {
    let Command { tag, body } = cmd;
    if !s.allowed(body.state()) {
        s.bad(&tag, &format!("{} is not allowed now", body.name()));
        return Flow::Continue;
    }
    // RFC 9051 §7.5.1: no EXPUNGE while answering FETCH, STORE or SEARCH by sequence number.
    let by_sequence = matches!(&body, CommandBody::Fetch(f) if !f.uid)
        || matches!(&body, CommandBody::Store(st) if !st.uid)
        || matches!(&body, CommandBody::Search(se) if !se.uid)
        || matches!(&body, CommandBody::Sort(so) if !so.uid)
        || matches!(&body, CommandBody::Thread(th) if !th.uid)
        || matches!(&body, CommandBody::Copy { uid: false, .. } | CommandBody::Move { uid: false, .. });
    // Revoked credentials and rights end the session before the command runs.
    s.check_credential().await;
    if s.closing.is_none()
        && !matches!(body, CommandBody::Select { .. } | CommandBody::Examine { .. } | CommandBody::Logout)
    {
        s.updates(!by_sequence, matches!(body, CommandBody::Noop | CommandBody::Check)).await;
    }
    if s.closing.is_some() {
        return Flow::Continue;
    }
    if body.state() == CommandState::Selected
        && !matches!(body, CommandBody::Close | CommandBody::Unselect)
        && revoked(s, &tag)
    {
        return Flow::Continue;
    }
    // RFC 3501 §5.1.3: a name that is not modified UTF-7 names no mailbox (Dovecot: NO too).
    if body.names_undecodable_mailbox() {
        let code = if matches!(body, CommandBody::Create { .. } | CommandBody::Rename { .. }) {
            Code::Cannot
        } else {
            Code::Nonexistent
        };
        s.no(&tag, Some(code), "the mailbox name is not valid modified UTF-7");
        return Flow::Continue;
    }
    match body {
        CommandBody::Capability => any::capability(s, &tag),
        CommandBody::Noop | CommandBody::Check => s.ok(&tag, "done"),
        CommandBody::Logout => {
            s.bye("logging out");
            s.ok(&tag, "LOGOUT completed");
            return Flow::Logout;
        }
        CommandBody::Id(_) => any::id(s, &tag),
        CommandBody::Enable(caps) => any::enable(s, &tag, caps),
        CommandBody::Namespace => any::namespace(s, &tag),
        CommandBody::StartTls => return auth::starttls(s, &tag),
        CommandBody::Login { username, password } => auth::login(s, &tag, username, password).await,
        CommandBody::Authenticate { mechanism, initial_response } => {
            return auth::authenticate(s, tag, &mechanism, initial_response).await;
        }
        CommandBody::Select { mailbox, params } => select::select(s, &tag, mailbox, params, false).await,
        CommandBody::Examine { mailbox, params } => select::select(s, &tag, mailbox, params, true).await,
        CommandBody::Close => select::close(s, &tag, true).await,
        CommandBody::Unselect => select::close(s, &tag, false).await,
        CommandBody::Create { mailbox, special_use } => mailbox::create(s, &tag, mailbox, special_use).await,
        CommandBody::Delete(m) => mailbox::delete(s, &tag, m).await,
        CommandBody::Rename { from, to } => mailbox::rename(s, &tag, from, to).await,
        CommandBody::Subscribe(m) => mailbox::subscribe(s, &tag, m, true).await,
        CommandBody::Unsubscribe(m) => mailbox::subscribe(s, &tag, m, false).await,
        CommandBody::List(l) => list::list(s, &tag, l).await,
        CommandBody::Lsub { reference, pattern } => list::lsub(s, &tag, reference, pattern).await,
        CommandBody::Status { mailbox, items } => list::status(s, &tag, mailbox, items).await,
        CommandBody::Append { mailbox, messages } => append::append(s, &tag, mailbox, messages).await,
        CommandBody::Idle => return Flow::Idle(tag),
        CommandBody::Compress(algorithm) => return compress::compress(s, &tag, &algorithm),
        CommandBody::Expunge { uids } => copy::expunge(s, &tag, uids).await,
        CommandBody::Search(c) => search::search(s, &tag, c).await,
        CommandBody::Fetch(f) => fetch::fetch(s, &tag, f).await,
        CommandBody::Thread(c) => thread::thread(s, &tag, c).await,
        CommandBody::GetQuotaRoot(m) => quota::get_quota_root(s, &tag, m).await,
        CommandBody::GetQuota(root) => quota::get_quota(s, &tag, root).await,
        CommandBody::SetQuota { .. } => quota::set_quota(s, &tag),
        CommandBody::Sort(c) => sort::sort(s, &tag, c).await,
        CommandBody::Store(c) => store::store(s, &tag, c).await,
        CommandBody::Copy { uid, set, mailbox } => copy::copy(s, &tag, uid, set, mailbox, false).await,
        CommandBody::Move { uid, set, mailbox } => copy::copy(s, &tag, uid, set, mailbox, true).await,
        CommandBody::SetAcl { mailbox, identifier, rights } => {
            acl::set_acl(s, &tag, mailbox, identifier, Some(rights)).await
        }
        CommandBody::DeleteAcl { mailbox, identifier } => acl::set_acl(s, &tag, mailbox, identifier, None).await,
        CommandBody::GetAcl(m) => acl::get_acl(s, &tag, m).await,
        CommandBody::ListRights { mailbox, identifier } => acl::list_rights(s, &tag, mailbox, identifier).await,
        CommandBody::MyRights(m) => acl::my_rights(s, &tag, m).await,
    }
    Flow::Continue
}

/// Refuses a command on the selected mailbox once its owner revoked `r` (RFC 4314 §4): rights
/// are read again whenever the owner's account changes (`Session::updates`), not kept from
/// SELECT. NO [NOPERM] while the user may still see the mailbox (`l`), else NO [NONEXISTENT]
/// as if it were gone. The session stays: clients handle a NO to one command and go on with
/// their other mailboxes, and CLOSE or UNSELECT (never expunging now) or another SELECT
/// leaves the mailbox. A BYE would also end their work elsewhere, and come back after
/// every reconnect that selects the mailbox again.
fn revoked(s: &mut Session, tag: &Tag) -> bool {
    let Some(view) = s.view() else { return false };
    if !view.revoked() {
        return false;
    }
    if relais_store::share_rights::has(view.rights, relais_store::share_rights::LOOKUP) {
        s.no(tag, Some(Code::NoPerm), "the \"r\" right on the selected mailbox was revoked");
    } else {
        s.no(tag, Some(Code::Nonexistent), "the selected mailbox no longer exists");
    }
    true
}
