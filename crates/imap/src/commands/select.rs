//! SELECT and EXAMINE (RFC 9051 §6.3.2-3, with CONDSTORE and QRESYNC, RFC 7162 §3.1.2, §3.2.5),
//! CLOSE (§6.4.1) and UNSELECT (§6.4.2).

use relais_imap_proto::{Code, Data, Flag, MailboxName, SelectParams, SequenceSet, Status, StatusResponse, Tag};
use relais_store::{CollectionKind, share_rights};

use crate::folders::Folders;
use crate::session::{Session, State};
use crate::view::View;

pub async fn select(s: &mut Session, tag: &Tag, name: MailboxName, params: SelectParams, read_only: bool) {
    // Selecting another mailbox closes the current one, without expunging (RFC 9051 §6.3.2).
    if matches!(s.state, State::Selected(_)) {
        s.state = State::Authenticated;
        // RFC 9051 §6.3.2 (and RFC 7162 §3.2.11): the previous mailbox is closed.
        s.status(StatusResponse::new(None, Status::Ok, "previous mailbox closed").with_code(Code::Closed));
    }
    s.saved = None;
    if params.condstore {
        s.condstore = true;
    }
    if params.qresync.is_some() && !s.qresync {
        s.bad(tag, "QRESYNC parameters need ENABLE QRESYNC first");
        return;
    }
    let Some(account) = s.account() else { return };
    let wanted = name.as_str().to_owned();
    let found = s.imap.store().read(move |r| Folders::resolve(r, account, &wanted)).await;
    let folder = match found {
        Ok(Some(f)) if f.collection.kind == CollectionKind::Mailbox => f,
        Ok(_) => return s.no(tag, Some(Code::Nonexistent), "no such mailbox"),
        Err(e) => return s.store_error(tag, &e),
    };
    // RFC 4314 §4: SELECT and EXAMINE need r.
    if !crate::rights::check(s, tag, &folder, share_rights::READ_ITEMS, "selecting") {
        return;
    }
    let (id, rights) = (folder.collection.id, folder.rights);
    let mut view = match s.imap.store().read(move |r| View::open(r, id, read_only, rights)).await {
        Ok(v) => v,
        Err(e) => return s.store_error(tag, &e),
    };
    // RFC 3501 §2.3.2: SELECT claims the messages no session was told of; EXAMINE only looks.
    crate::recent::settle(s.imap.store(), &mut view, s.rev2).await;
    let read_only = view.read_only;
    let flags = flag_list(&view);
    s.data(Data::Flags(flags.clone()));
    s.data(Data::Exists(view.exists()));
    if !s.rev2 {
        // RFC 3501 §7.3.2 (RFC 9051 dropped RECENT).
        s.data(Data::Recent(view.recent()));
    }
    let untagged = |s: &mut Session, code: Code| s.status(StatusResponse::new(None, Status::Ok, "").with_code(code));
    untagged(
        s,
        Code::PermanentFlags { flags: permanent(&view, &flags), any_keyword: view.may(share_rights::WRITE_FLAGS) },
    );
    untagged(s, Code::UidValidity(view.uid_validity));
    untagged(s, Code::UidNext(view.uid_next));
    // RFC 3501 §6.3.1: an IMAP4rev1 client is told the first unseen message (RFC 9051 dropped it).
    if !s.rev2
        && let Some(first) = view.messages.iter().position(|m| !m.gone && !crate::convert::has(&m.flags, "\\Seen"))
    {
        untagged(s, Code::Unseen(u32::try_from(first + 1).unwrap_or(u32::MAX)));
    }
    untagged(s, Code::HighestModseq(view.highest_modseq().0));
    untagged(s, Code::MailboxId(view.mailbox.0.to_string()));
    if let Some(q) = &params.qresync
        && q.uid_validity == view.uid_validity
    {
        qresync(s, &view, q.modseq, q.known_uids.as_ref()).await;
    }
    let code = if read_only { Code::ReadOnly } else { Code::ReadWrite };
    view.announced = flags_names(&view);
    s.state = State::Selected(view);
    s.ok_code(tag, code, if read_only { "EXAMINE completed" } else { "SELECT completed" });
}

/// RFC 7162 §3.2.5.2: what the client missed since `modseq`: VANISHED (EARLIER) for UIDs gone,
/// FETCH FLAGS for UIDs changed.
async fn qresync(s: &mut Session, view: &View, modseq: u64, known: Option<&SequenceSet>) {
    let mailbox = view.mailbox;
    let since = relais_store::Modseq(modseq);
    let changes = match s.imap.store().read(move |r| r.mailbox_changes_since(mailbox, since)).await {
        Ok(c) => c,
        // Older than the change log: every known UID not in the view is gone.
        Err(relais_store::Error::ChangesTooOld { .. }) => Vec::new(),
        Err(_) => return,
    };
    let max = view.max_uid().max(1);
    let vanished: Vec<u32> = changes
        .iter()
        .filter(|c| c.kind == relais_store::ChangeKind::Destroyed && view.seq_of(c.uid).is_none())
        .map(|c| c.uid.0)
        .filter(|u| known.is_none_or(|k| k.contains(*u, max)))
        .collect();
    if !vanished.is_empty() {
        s.data(Data::Vanished { earlier: true, uids: SequenceSet::from_numbers(vanished) });
    }
    let mut changed: Vec<u32> = changes
        .iter()
        .filter(|c| c.kind != relais_store::ChangeKind::Destroyed)
        .filter_map(|c| view.seq_of(c.uid))
        .collect();
    changed.sort_unstable();
    changed.dedup();
    for seq in changed {
        crate::commands::fetch::send_flags_of(s, view, seq);
    }
}

/// CLOSE expunges \Deleted messages (unless read-only or without `e`, RFC 4314 §4: then it
/// silently does not) and deselects; UNSELECT only deselects.
pub async fn close(s: &mut Session, tag: &Tag, expunge: bool) {
    if expunge
        && let State::Selected(v) = &s.state
        && !v.read_only
        && v.may(share_rights::EXPUNGE)
        && let Some(actor) = s.actor()
    {
        // The same expunge as EXPUNGE: on the flags as committed (issue 12 item 13).
        let which = relais_mail::mailbox::Expunge::Deleted(None);
        match relais_mail::mailbox::expunge(s.imap.store(), &actor, v.mailbox, which).await {
            Ok(_) => {}
            Err(e) => return s.mail_error(tag, &e),
        }
    }
    s.state = State::Authenticated;
    s.saved = None;
    s.ok(tag, if expunge { "CLOSE completed" } else { "UNSELECT completed" });
}

/// The flags the user may change (RFC 4314 §4: \\Seen with s, \\Deleted with t, others with w).
fn permanent(view: &View, flags: &[Flag]) -> Vec<Flag> {
    flags.iter().filter(|f| view.may(crate::convert::right_for(&f.to_string()))).cloned().collect()
}

/// The system flags and every keyword in use in the mailbox (RFC 9051 §7.3.5: a client must not
/// see a flag in FETCH that FLAGS never named).
fn flag_list(view: &View) -> Vec<Flag> {
    let mut flags = vec![Flag::Answered, Flag::Flagged, Flag::Deleted, Flag::Seen, Flag::Draft];
    let mut keywords: Vec<&String> =
        view.messages.iter().flat_map(|m| &m.flags).filter(|k| !k.starts_with('\\')).collect();
    keywords.sort();
    keywords.dedup();
    flags.extend(keywords.into_iter().filter_map(|k| Flag::parse(k)));
    flags
}

/// Sends FLAGS again when the mailbox now holds a keyword the client has not been told of.
/// A keyword once announced stays in FLAGS for the session even when no message carries it
/// any more (as Dovecot keeps it): telling a client a keyword vanished while another session
/// may still show it on a message would make it drop the flag there (RFC 9051 §7.3.5).
pub fn announce_keywords(s: &mut Session) {
    let State::Selected(view) = &mut s.state else { return };
    let mut flags = flag_list(view);
    let mut names: Vec<String> = flags.iter().map(ToString::to_string).collect();
    if names.iter().all(|n| view.announced.contains(n)) {
        return;
    }
    for kept in &view.announced {
        if !names.contains(kept)
            && let Some(flag) = Flag::parse(kept)
        {
            names.push(kept.clone());
            flags.push(flag);
        }
    }
    view.announced = names;
    let permanent = permanent(view, &flags);
    let any_keyword = view.may(share_rights::WRITE_FLAGS);
    s.data(Data::Flags(flags));
    s.status(
        StatusResponse::new(None, Status::Ok, "").with_code(Code::PermanentFlags { flags: permanent, any_keyword }),
    );
}

fn flags_names(view: &View) -> Vec<String> {
    flag_list(view).iter().map(ToString::to_string).collect()
}
