//! COPY, MOVE (RFC 6851) and EXPUNGE / UID EXPUNGE (RFC 9051 §6.4.3, RFC 4315 §2.1), with
//! COPYUID (RFC 4315 §3). COPY makes a new message (a new item sharing the stored content), so
//! the copy's flags are its own, as IMAP requires; MOVE keeps the item and changes its mailbox.

use relais_imap_proto::{Code, MailboxName, SequenceSet, Status, StatusResponse, Tag};
use relais_store::{DataType, NewItem};

use crate::commands::fetch::resolve_in;
use crate::folders::Folders;
use crate::session::{Session, State};

pub async fn copy(s: &mut Session, tag: &Tag, uid: bool, set: SequenceSet, mailbox: MailboxName, moving: bool) {
    let (Some(account), State::Selected(view)) = (s.account(), &s.state) else { return };
    if moving && view.read_only {
        return s.no(tag, Some(Code::Cannot), "the mailbox is read-only (EXAMINE)");
    }
    let source = view.mailbox;
    let seqs = resolve_in(view, &set, uid, s.saved.as_deref());
    let picked: Vec<_> = seqs.into_iter().filter_map(|q| view.by_seq(q)).filter(|m| !m.gone).cloned().collect();
    let target = mailbox.as_str().to_owned();
    let dest = match s.imap.store().read(move |r| Ok(Folders::load(r, account)?.find(&target).cloned())).await {
        Ok(Some(c)) => c,
        Ok(None) => return s.no(tag, Some(Code::TryCreate), "no such mailbox"),
        Err(e) => return s.store_error(tag, &e),
    };
    if moving && dest.id == source {
        // RFC 6851 §3.3 leaves it to us; a no-op keeps the messages (a delete-and-copy would not).
        return s.ok(tag, "already in that mailbox");
    }
    if picked.is_empty() {
        return s.ok(tag, "nothing to copy");
    }
    let copies = if moving { Vec::new() } else { prepare_copies(s, &picked).await };
    let items: Vec<_> = picked.iter().map(|m| (m.uid, m.item)).collect();
    let dest_id = dest.id;
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
                let new_uid = if moving {
                    let new = tx.add_to_mailbox(item, dest_id)?;
                    tx.remove_from_mailbox(item, source)?;
                    new
                } else {
                    let Some(copy) = copies.get(i).cloned().flatten() else { continue };
                    let id = tx.create_item(account, DataType::Email, copy)?;
                    tx.add_to_mailbox(id, dest_id)?
                };
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
        uid_validity: dest.uid_validity,
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

/// New items for copies: the same content, flags, date and summary, and the text to index.
async fn prepare_copies(s: &Session, picked: &[crate::view::Message]) -> Vec<Option<NewItem>> {
    let mut out = Vec::with_capacity(picked.len());
    for m in picked {
        let item = m.item;
        let Ok(it) = s.imap.store().read(move |r| r.item(item)).await else {
            out.push(None);
            continue;
        };
        let text = match &it.blob {
            Some(b) => match s.imap.store().blob(b.clone()).await {
                Ok(raw) => {
                    let summary = crate::convert::summary(&it.summary);
                    tokio::task::spawn_blocking(move || relais_mail::summary::search_text(&raw, &summary)).await.ok()
                }
                Err(_) => None,
            },
            None => None,
        };
        let blob = it.blob.clone().map(|hash| relais_store::BlobRef::existing(hash, it.size));
        out.push(Some(NewItem {
            blob,
            received_at: it.received_at,
            keywords: it.keywords.clone(),
            summary: it.summary.clone(),
            text,
            ..NewItem::default()
        }));
    }
    out
}

pub async fn expunge(s: &mut Session, tag: &Tag, uids: Option<SequenceSet>) {
    let State::Selected(view) = &s.state else { return };
    if view.read_only {
        return s.no(tag, Some(Code::Cannot), "the mailbox is read-only (EXAMINE)");
    }
    let max = view.max_uid();
    let saved = s.saved.clone();
    let candidates: Vec<_> = view
        .messages
        .iter()
        .filter(|m| !m.gone)
        .filter(|m| match &uids {
            None => true,
            Some(u) if u.is_saved() => saved.as_deref().is_some_and(|v| v.contains(&m.uid.0)),
            Some(u) => u.contains(m.uid.0, max),
        })
        .map(|m| (m.uid, m.item))
        .collect();
    let mailbox = view.mailbox;
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let mut removed = Vec::new();
            for (uid, item) in candidates {
                // Decide on the flags as stored now, not as this session last saw them.
                let Ok(current) = tx.read().item(item) else { continue };
                if !crate::convert::has(&current.keywords, "\\Deleted")
                    || !tx.read().mailboxes_of(item)?.iter().any(|(mb, u)| *mb == mailbox && *u == uid)
                {
                    continue;
                }
                tx.remove_from_mailbox(item, mailbox)?;
                removed.push(uid);
            }
            Ok(removed)
        })
        .await;
    let removed = match result {
        Ok(r) => r,
        Err(e) => return s.store_error(tag, &e),
    };
    if let Some(v) = s.view() {
        v.mark_gone(&removed);
    }
    s.flush_expunges();
    s.ok(tag, if uids.is_some() { "UID EXPUNGE completed" } else { "EXPUNGE completed" });
}
