//! COPY, MOVE (RFC 6851) and EXPUNGE / UID EXPUNGE (RFC 9051 §6.4.3, RFC 4315 §2.1), with
//! COPYUID (RFC 4315 §3). COPY makes a new message (a new item sharing the stored content), so
//! the copy's flags are its own, as IMAP requires; MOVE keeps the item and changes its mailbox
//! (within one account; into another account's mailbox it copies, then removes the original).
//! Rights (RFC 4314 §4): i on the target, t and e on the source of a MOVE, e for EXPUNGE.

use relais_imap_proto::{Code, MailboxName, SequenceSet, Status, StatusResponse, Tag};
use relais_store::{NewItem, share_rights};

use crate::commands::fetch::resolve_in;
use crate::folders::Folders;
use crate::session::{Session, State};

pub async fn copy(s: &mut Session, tag: &Tag, uid: bool, set: SequenceSet, mailbox: MailboxName, moving: bool) {
    let (Some(account), State::Selected(view)) = (s.account(), &s.state) else { return };
    if moving && view.read_only {
        return s.no(tag, Some(Code::Cannot), "the mailbox is read-only");
    }
    // RFC 4314 §4: MOVE takes messages out of the source, which needs t and e there.
    if moving && !view.may(share_rights::DELETE_ITEMS | share_rights::EXPUNGE) {
        return s.no(tag, Some(Code::NoPerm), "moving out of this mailbox needs the \"te\" rights");
    }
    let (source, source_owner) = (view.mailbox, view.owner);
    let seqs = resolve_in(view, &set, uid, s.saved.as_deref());
    let picked: Vec<_> = seqs.into_iter().filter_map(|q| view.by_seq(q)).filter(|m| !m.gone).cloned().collect();
    let target = mailbox.as_str().to_owned();
    let dest = match s.imap.store().read(move |r| Folders::resolve(r, account, &target)).await {
        Ok(Some(f)) => f,
        Ok(None) => return s.no(tag, Some(Code::TryCreate), "no such mailbox"),
        Err(e) => return s.store_error(tag, &e),
    };
    // RFC 4314 §4: COPY and MOVE into a mailbox need i there.
    if !crate::rights::check(s, tag, &dest, share_rights::INSERT, if moving { "MOVE" } else { "COPY" }) {
        return;
    }
    if picked.is_empty() {
        return s.ok(tag, "nothing to copy");
    }
    // A message belongs to one account: into another account's mailbox, even a MOVE copies
    // (charged to that owner's quota) and then takes the original out.
    let owner = dest.owner();
    let across = owner != source_owner;
    if across && crate::commands::quota::would_exceed(s, owner, picked.iter().map(|m| m.size).sum()).await {
        return s.no(tag, Some(Code::OverQuota), "the target mailbox is over its quota");
    }
    let copies = if moving && !across { Vec::new() } else { prepare_copies(s, &picked, dest.rights).await };
    let items: Vec<_> = picked.iter().map(|m| (m.uid, m.item)).collect();
    let dest_id = dest.collection.id;
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let mut pairs = Vec::new();
            for (i, (uid, item)) in items.into_iter().enumerate() {
                // Gone meanwhile (another session expunged it): skip, as RFC 9051 §6.4.7 allows.
                if !tx.read().mailboxes_of(item)?.iter().any(|(mb, u)| *mb == source && *u == uid) {
                    continue;
                }
                // RFC 6851 §3.3: a MOVE into the mailbox itself gives the message a new UID (as
                // other servers do; clients use it to "touch" a message), its old UID expunged.
                let in_place = moving && dest_id == source;
                let new_uid = if in_place {
                    tx.renumber_in_mailbox(item, source, uid)?
                } else if moving && !across {
                    tx.add_to_mailbox(item, dest_id)?
                } else {
                    let Some((copy, key)) = copies.get(i).cloned().flatten() else { continue };
                    let id = relais_mail::thread::create_message(tx, owner, copy, &key)?;
                    tx.add_to_mailbox(id, dest_id)?
                };
                if moving && !in_place {
                    tx.remove_from_mailbox(item, source)?;
                }
                pairs.push((uid.0, new_uid.0));
            }
            Ok(pairs)
        })
        .await;
    let pairs = match result {
        Ok(p) => p,
        Err(e) => return s.store_error(tag, &e),
    };
    let code = (!pairs.is_empty()).then(|| Code::CopyUid {
        uid_validity: dest.collection.uid_validity,
        source: SequenceSet::from_numbers(pairs.iter().map(|p| p.0)),
        destination: SequenceSet::from_numbers(pairs.iter().map(|p| p.1)),
    });
    if moving {
        // RFC 6851 §4.3: COPYUID in an untagged OK, then the expunges, then the tagged OK.
        if let Some(code) = code {
            s.status(StatusResponse::new(None, Status::Ok, "moved").with_code(code));
        }
        let moved: Vec<_> = pairs.iter().map(|p| relais_store::Uid(p.0)).collect();
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

/// New items for copies: the same content, flags (those `rights` on the target let the user
/// set), date and summary, and the text to index.
async fn prepare_copies(
    s: &Session,
    picked: &[crate::view::Message],
    rights: i64,
) -> Vec<Option<(NewItem, relais_store::ThreadKey)>> {
    let mut out = Vec::with_capacity(picked.len());
    for m in picked {
        let item = m.item;
        let Ok(it) = s.imap.store().read(move |r| r.item(item)).await else {
            out.push(None);
            continue;
        };
        let summary = crate::convert::summary(&it.summary);
        let key = relais_mail::thread::key(&summary);
        let text = match &it.blob {
            Some(b) => match s.imap.store().blob(b.clone()).await {
                Ok(raw) => {
                    tokio::task::spawn_blocking(move || relais_mail::summary::search_text(&raw, &summary)).await.ok()
                }
                Err(_) => None,
            },
            None => None,
        };
        let blob = it.blob.clone().map(|hash| relais_store::BlobRef::existing(hash, it.size));
        let copy = NewItem {
            blob,
            received_at: it.received_at,
            keywords: crate::convert::settable(it.keywords.clone(), rights),
            summary: it.summary.clone(),
            text,
            ..NewItem::default()
        };
        out.push(Some((copy, key)));
    }
    out
}

pub async fn expunge(s: &mut Session, tag: &Tag, uids: Option<SequenceSet>) {
    let State::Selected(view) = &s.state else { return };
    if view.read_only {
        return s.no(tag, Some(Code::Cannot), "the mailbox is read-only");
    }
    // RFC 4314 §4: EXPUNGE needs e.
    if !view.may(share_rights::EXPUNGE) {
        return s.no(tag, Some(Code::NoPerm), "EXPUNGE needs the \"e\" right on this mailbox");
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
    let removed = match relais_mail::mailbox::expunge(s.imap.store(), mailbox, which).await {
        Ok(r) => r,
        Err(e) => return s.mail_error(tag, &e),
    };
    if let Some(v) = s.view() {
        v.mark_gone(&removed);
    }
    s.flush_expunges();
    s.ok(tag, if uids.is_some() { "UID EXPUNGE completed" } else { "EXPUNGE completed" });
}
