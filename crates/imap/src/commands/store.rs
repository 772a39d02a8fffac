//! STORE and UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3). Flags are the
//! message's keywords; a change is one store write, and the session reports the new flags
//! (unless .SILENT) with MODSEQ when CONDSTORE is on. In a shared mailbox the flags are the
//! message's, seen by every user alike (not per user), and changing them needs the rights
//! RFC 4314 §4 names.

use relais_imap_proto::{Code, Data, FetchItem, Flag, SequenceSet, StoreCommand, StoreKind, Tag};

use crate::commands::fetch::resolve_in;
use crate::convert;
use crate::session::{Session, State};

pub async fn store(s: &mut Session, tag: &Tag, c: StoreCommand) {
    let State::Selected(view) = &s.state else { return };
    if view.read_only {
        return s.no(tag, Some(Code::Cannot), "the mailbox is read-only");
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
    // RFC 4314 §4: \Seen needs s, \Deleted t, other flags w. Named flags are checked now; what
    // a FLAGS replacement changes is checked per message in the write, before anything is
    // written, so a refusal leaves every message as it was.
    let held = view.rights;
    let named = if kind == StoreKind::Replace { 0 } else { flags.iter().fold(0, |a, k| a | convert::right_for(k)) };
    if !relais_store::share_rights::has(held, named) {
        return no_right(s, tag, named & !held);
    }
    // Read the flags as stored now, inside the write: another session's change is never lost.
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let mut planned = Vec::new();
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
                let next = next_flags(kind, &current.keywords, &flags);
                let mut before = current.keywords.clone();
                before.sort();
                if next == before && unchanged.is_none() {
                    continue;
                }
                let needed = convert::rights_to_change(&before, &next);
                if !relais_store::share_rights::has(held, needed) {
                    return Ok(Err(needed & !held));
                }
                planned.push((seq, item, next));
            }
            let mut changed = Vec::with_capacity(planned.len());
            for (seq, item, next) in planned {
                let modseq = tx.set_keywords(item, &next)?;
                changed.push((seq, next, modseq));
            }
            Ok(Ok((changed, modified)))
        })
        .await;
    let (changed, modified) = match result {
        Ok(Ok(x)) => x,
        Ok(Err(missing)) => return no_right(s, tag, missing),
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

/// The flags a message gets from STORE, sorted and without duplicates.
fn next_flags(kind: StoreKind, current: &[String], flags: &[String]) -> Vec<String> {
    let mut next: Vec<String> = match kind {
        StoreKind::Replace => flags.to_vec(),
        StoreKind::Add => current.iter().chain(flags).cloned().collect(),
        StoreKind::Remove => {
            current.iter().filter(|k| !flags.iter().any(|f| f.eq_ignore_ascii_case(k))).cloned().collect()
        }
    };
    next.sort();
    next.dedup();
    next
}

fn no_right(s: &mut Session, tag: &Tag, missing: i64) {
    let letters = crate::rights::format(missing);
    s.no(tag, Some(Code::NoPerm), &format!("changing these flags needs the \"{letters}\" right on this mailbox"));
}
