//! STORE and UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3). Flags are the
//! message's keywords; a change is one store write, and the session reports the new flags
//! (unless .SILENT) with MODSEQ when CONDSTORE is on.

use relais_imap_proto::{Code, Data, FetchItem, Flag, SequenceSet, StoreCommand, StoreKind, Tag};

use crate::commands::fetch::resolve_in;
use crate::convert;
use crate::session::{Session, State};

pub async fn store(s: &mut Session, tag: &Tag, c: StoreCommand) {
    let State::Selected(view) = &s.state else { return };
    if view.read_only {
        return s.no(tag, Some(Code::Cannot), "the mailbox is read-only (EXAMINE)");
    }
    if c.action.flags.contains(&Flag::Recent) {
        return s.bad(tag, "\\Recent cannot be stored");
    }
    if !c.uid && !c.set.is_saved() && c.set.highest(view.exists()).is_some_and(|h| h > view.exists()) {
        return s.bad(tag, "message sequence number beyond the mailbox");
    }
    if c.unchanged_since.is_some() {
        s.condstore = true;
    }
    let mailbox = view.mailbox;
    let targets: Vec<_> = resolve_in(view, &c.set, c.uid, s.saved.as_deref())
        .into_iter()
        .filter_map(|seq| view.by_seq(seq).filter(|m| !m.gone).map(|m| (seq, m.uid, m.item)))
        .collect();
    let (kind, flags, unchanged) = (c.action.kind, convert::keywords(&c.action.flags), c.unchanged_since);
    // Read the flags as stored now, inside the write: another session's change is never lost.
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let mut changed = Vec::new();
            let mut modified = Vec::new();
            for (seq, uid, item) in targets {
                if !tx.read().mailboxes_of(item)?.iter().any(|(mb, u)| *mb == mailbox && *u == uid) {
                    continue;
                }
                let Ok(current) = tx.read().item(item) else { continue };
                if unchanged.is_some_and(|u| current.modseq.0 > u) {
                    modified.push((seq, uid));
                    continue;
                }
                let mut next: Vec<String> = match kind {
                    StoreKind::Replace => flags.clone(),
                    StoreKind::Add => current.keywords.iter().chain(&flags).cloned().collect(),
                    StoreKind::Remove => current
                        .keywords
                        .iter()
                        .filter(|k| !flags.iter().any(|f| f.eq_ignore_ascii_case(k)))
                        .cloned()
                        .collect(),
                };
                next.sort();
                next.dedup();
                let mut before = current.keywords.clone();
                before.sort();
                if next == before && unchanged.is_none() {
                    continue;
                }
                let modseq = tx.set_keywords(item, &next)?;
                changed.push((seq, next, modseq));
            }
            Ok((changed, modified))
        })
        .await;
    let (changed, modified) = match result {
        Ok(x) => x,
        Err(e) => return s.store_error(tag, &e),
    };
    // Reflect our own change in the view, so the next sync does not report it back.
    if let State::Selected(v) = &mut s.state {
        for (seq, keywords, modseq) in &changed {
            if let Some(m) =
                usize::try_from(*seq).ok().and_then(|x| x.checked_sub(1)).and_then(|i| v.messages.get_mut(i))
            {
                m.flags = keywords.clone();
                m.modseq = *modseq;
            }
        }
    }
    crate::commands::select::announce_keywords(s);
    for (seq, keywords, modseq) in &changed {
        if c.action.silent && !s.condstore {
            continue;
        }
        let mut items = Vec::new();
        if !c.action.silent {
            items.push(FetchItem::Flags(convert::flags(keywords)));
        }
        if c.uid
            && let Some(m) = s.view().and_then(|v| v.by_seq(*seq)).map(|m| m.uid.0)
        {
            items.push(FetchItem::Uid(m));
        }
        if s.condstore {
            items.push(FetchItem::Modseq(modseq.0));
        }
        s.data(Data::Fetch { seq: *seq, items });
    }
    if modified.is_empty() {
        s.ok(tag, if c.uid { "UID STORE completed" } else { "STORE completed" });
    } else {
        let ids = modified.iter().map(|(seq, uid)| if c.uid { uid.0 } else { *seq });
        s.ok_code(tag, Code::Modified(SequenceSet::from_numbers(ids)), "some messages were changed meanwhile");
    }
}
