//! COPY, MOVE (RFC 6851) and EXPUNGE / UID EXPUNGE (RFC 9051 §6.4.3, RFC 4315 §2.1), with
//! COPYUID (RFC 4315 §3), through the mail domain (`relais_mail::mailbox::copy`, `expunge`),
//! which checks the rights (RFC 4314 §4: i on the target, t and e on the source of a MOVE, e
//! for EXPUNGE) and runs each in one transaction.

use relais_imap_proto::{Code, MailboxName, SequenceSet, Status, StatusResponse, Tag};
use relais_mail::mailbox::Transfer;
use relais_store::share_rights;

use crate::commands::fetch::resolve_in;
use crate::folders::Folders;
use crate::session::{Session, State};

pub async fn copy(s: &mut Session, tag: &Tag, uid: bool, set: SequenceSet, mailbox: MailboxName, moving: bool) {
    let (Some(account), Some(actor), State::Selected(view)) = (s.account(), s.actor(), &s.state) else { return };
    if moving && view.read_only {
        return s.no(tag, Some(Code::Cannot), "the mailbox is read-only");
    }
    let source = view.mailbox;
    let seqs = resolve_in(view, &set, uid, s.saved.as_deref());
    let messages: Vec<_> =
        seqs.into_iter().filter_map(|q| view.by_seq(q)).filter(|m| !m.gone).map(|m| (m.uid, m.item)).collect();
    let target = mailbox.as_str().to_owned();
    let dest = match s.imap.store().read(move |r| Folders::resolve(r, account, &target)).await {
        Ok(Some(f)) => f,
        Ok(None) => return s.no(tag, Some(Code::TryCreate), "no such mailbox"),
        Err(e) => return s.store_error(tag, &e),
    };
    if messages.is_empty() {
        // RFC 4314 §4: still the rights the command needs (i on the target).
        if !crate::rights::check(s, tag, &dest, share_rights::INSERT, if moving { "MOVE" } else { "COPY" }) {
            return;
        }
        return s.ok(tag, "nothing to copy");
    }
    let t = Transfer { source, messages, target: dest.collection.id, moving };
    let copied = match relais_mail::mailbox::copy(s.imap.store(), &actor, t).await {
        Ok(c) => c,
        Err(e) => return s.mail_error(tag, &e),
    };
    let code = (!copied.uids.is_empty()).then(|| Code::CopyUid {
        uid_validity: copied.uid_validity,
        source: SequenceSet::from_numbers(copied.uids.iter().map(|p| p.0.0)),
        destination: SequenceSet::from_numbers(copied.uids.iter().map(|p| p.1.0)),
    });
    if moving {
        // RFC 6851 §4.3: COPYUID in an untagged OK, then the expunges, then the tagged OK.
        if let Some(code) = code {
            s.status(StatusResponse::new(None, Status::Ok, "moved").with_code(code));
        }
        let moved: Vec<_> = copied.uids.iter().map(|p| p.0).collect();
        if let Some(v) = s.view() {
            v.mark_gone(&moved);
        }
        s.flush_expunges();
        s.ok(tag, if uid { "UID MOVE completed" } else { "MOVE completed" });
    } else {
        match code {
            Some(code) => s.ok_code(tag, code, if uid { "UID COPY completed" } else { "COPY completed" }),
            None => s.ok(tag, "nothing to copy"),
        }
    }
}

pub async fn expunge(s: &mut Session, tag: &Tag, uids: Option<SequenceSet>) {
    let (Some(actor), State::Selected(view)) = (s.actor(), &s.state) else { return };
    if view.read_only {
        return s.no(tag, Some(Code::Cannot), "the mailbox is read-only");
    }
    let max = view.max_uid();
    let saved = s.saved.clone();
    // RFC 4315 §2.1: UID EXPUNGE only among these; the flags are read as committed.
    let only = uids.as_ref().map(|set| {
        view.messages
            .iter()
            .filter(|m| match set.is_saved() {
                true => saved.as_deref().is_some_and(|v| v.contains(&m.uid.0)),
                false => set.contains(m.uid.0, max),
            })
            .map(|m| m.uid)
            .collect()
    });
    let mailbox = view.mailbox;
    let which = relais_mail::mailbox::Expunge::Deleted(only);
    let removed = match relais_mail::mailbox::expunge(s.imap.store(), &actor, mailbox, which).await {
        Ok(r) => r,
        Err(e) => return s.mail_error(tag, &e),
    };
    if let Some(v) = s.view() {
        v.mark_gone(&removed);
    }
    s.flush_expunges();
    s.ok(tag, if uids.is_some() { "UID EXPUNGE completed" } else { "EXPUNGE completed" });
}
