//! COPY, MOVE (RFC 6851) and EXPUNGE / UID EXPUNGE (RFC 9051 §6.4.3, RFC 4315 §2.1), with
//! COPYUID (RFC 4315 §3). A message in several mailboxes is one item with several memberships
//! (the JMAP model), so COPY adds a membership and MOVE moves it, in one store write.

use relais_imap_proto::{Code, MailboxName, SequenceSet, Status, StatusResponse, Tag};

use crate::commands::fetch::resolve;
use crate::folders::Folders;
use crate::session::{Session, State};

pub async fn copy(s: &mut Session, tag: &Tag, uid: bool, set: SequenceSet, mailbox: MailboxName, moving: bool) {
    let (Some(account), State::Selected(view)) = (s.account(), &s.state) else { return };
    let view = view.clone();
    if moving && view.read_only {
        return s.no(tag, Some(Code::Cannot), "the mailbox is read-only (EXAMINE)");
    }
    let picked: Vec<_> = resolve(&view, &set, uid).into_iter().filter_map(|seq| view.by_seq(seq).cloned()).collect();
    if picked.is_empty() {
        return s.ok(tag, "nothing to copy");
    }
    let target = mailbox.as_str().to_owned();
    let source = view.mailbox;
    let items: Vec<_> = picked.iter().map(|m| (m.uid, m.item)).collect();
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let folders = Folders::load(&mut tx.read(), account)?;
            let dest = folders.find(&target).ok_or_else(|| relais_store::Error::NotFound(target.clone()))?.clone();
            let mut pairs = Vec::new();
            for (uid, item) in items {
                // Copying into a mailbox the message is already in: a new copy is required
                // (RFC 9051 §6.4.7), and the item model allows one membership per mailbox.
                if dest.id == source && !moving {
                    return Err(relais_store::Error::Invalid("copy into the same mailbox is not supported".into()));
                }
                let new = tx.add_to_mailbox(item, dest.id)?;
                if moving {
                    tx.remove_from_mailbox(item, source)?;
                }
                pairs.push((uid.0, new.0));
            }
            Ok((dest.uid_validity, pairs))
        })
        .await;
    let (uid_validity, pairs) = match result {
        Ok(x) => x,
        Err(relais_store::Error::NotFound(_)) => return s.no(tag, Some(Code::TryCreate), "no such mailbox"),
        Err(e) => return s.store_error(tag, &e),
    };
    let code = Code::CopyUid {
        uid_validity,
        source: SequenceSet::from_numbers(pairs.iter().map(|p| p.0)),
        destination: SequenceSet::from_numbers(pairs.iter().map(|p| p.1)),
    };
    if moving {
        // RFC 6851 §4.3: COPYUID in an untagged OK, then the expunges, then the tagged OK.
        s.status(StatusResponse::new(None, Status::Ok, "moved").with_code(code));
        if let Some(v) = s.view() {
            v.mark_gone(&picked.iter().map(|m| m.uid).collect::<Vec<_>>());
        }
        s.flush_expunges();
        s.ok(tag, if uid { "UID MOVE completed" } else { "MOVE completed" });
    } else {
        s.ok_code(tag, code, if uid { "UID COPY completed" } else { "COPY completed" });
    }
}

pub async fn expunge(s: &mut Session, tag: &Tag, uids: Option<SequenceSet>) {
    let State::Selected(view) = &s.state else { return };
    let view = view.clone();
    if view.read_only {
        return s.no(tag, Some(Code::Cannot), "the mailbox is read-only (EXAMINE)");
    }
    let max = view.max_uid();
    let doomed: Vec<_> = view
        .messages
        .iter()
        .filter(|m| crate::convert::has(&m.flags, "\\Deleted"))
        .filter(|m| uids.as_ref().is_none_or(|u| u.contains(m.uid.0, max)))
        .map(|m| (m.uid, m.item))
        .collect();
    let mailbox = view.mailbox;
    let items: Vec<_> = doomed.iter().map(|(_, i)| *i).collect();
    let result = s
        .imap
        .store()
        .write(move |tx| {
            for item in items {
                match tx.remove_from_mailbox(item, mailbox) {
                    Ok(()) | Err(relais_store::Error::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
        .await;
    if let Err(e) = result {
        return s.store_error(tag, &e);
    }
    if let Some(v) = s.view() {
        v.mark_gone(&doomed.iter().map(|(u, _)| *u).collect::<Vec<_>>());
    }
    s.flush_expunges();
    s.ok(tag, if uids.is_some() { "UID EXPUNGE completed" } else { "EXPUNGE completed" });
}
