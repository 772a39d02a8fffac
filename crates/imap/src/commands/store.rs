//! STORE and UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3). Flags are the
//! message's keywords; a change is one store write, and the session reports the new flags
//! (unless .SILENT) with MODSEQ when CONDSTORE is on.

use relais_imap_proto::{Code, Data, FetchItem, Flag, SequenceSet, StoreCommand, StoreKind, Tag};

use crate::commands::fetch::resolve;
use crate::convert;
use crate::session::{Session, State};

pub async fn store(s: &mut Session, tag: &Tag, c: StoreCommand) {
    let State::Selected(view) = &s.state else { return };
    let view = view.clone();
    if view.read_only {
        return s.no(tag, Some(Code::Cannot), "the mailbox is read-only (EXAMINE)");
    }
    if c.action.flags.contains(&Flag::Recent) {
        return s.bad(tag, "\\Recent cannot be stored");
    }
    if c.unchanged_since.is_some() {
        s.condstore = true;
    }
    let seqs = resolve(&view, &c.set, c.uid);
    let mut changes = Vec::new();
    let mut modified = Vec::new();
    for seq in &seqs {
        let Some(m) = view.by_seq(*seq) else { continue };
        if c.unchanged_since.is_some_and(|u| m.modseq.0 > u) {
            modified.push(if c.uid { m.uid.0 } else { *seq });
            continue;
        }
        let current = convert::flags(&m.flags);
        let next: Vec<Flag> = match c.action.kind {
            StoreKind::Replace => c.action.flags.clone(),
            StoreKind::Add => current.iter().cloned().chain(c.action.flags.iter().cloned()).collect(),
            StoreKind::Remove => current.iter().filter(|f| !c.action.flags.contains(f)).cloned().collect(),
        };
        let keywords = convert::keywords(&next);
        let mut sorted = m.flags.clone();
        sorted.sort();
        if keywords != sorted || c.unchanged_since.is_some() {
            changes.push((*seq, m.item, keywords));
        }
    }
    let writes: Vec<_> = changes.iter().map(|(_, item, k)| (*item, k.clone())).collect();
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let mut out = Vec::new();
            for (item, keywords) in writes {
                match tx.set_keywords(item, &keywords) {
                    Ok(m) => out.push(Some(m)),
                    Err(relais_store::Error::NotFound(_)) => out.push(None),
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
        .await;
    let modseqs = match result {
        Ok(m) => m,
        Err(e) => return s.store_error(tag, &e),
    };
    // Reflect our own change in the view, so the next sync does not report it back.
    if let State::Selected(v) = &mut s.state {
        for ((seq, _, keywords), modseq) in changes.iter().zip(&modseqs) {
            if let (Some(i), Some(ms)) = (usize::try_from(*seq).ok().and_then(|x| x.checked_sub(1)), modseq)
                && let Some(m) = v.messages.get_mut(i)
            {
                m.flags = keywords.clone();
                m.modseq = *ms;
            }
        }
    }
    let State::Selected(v) = &s.state else { return };
    let v = v.clone();
    for ((seq, _, _), modseq) in changes.iter().zip(&modseqs) {
        let Some(m) = v.by_seq(*seq) else { continue };
        let Some(modseq) = modseq else { continue };
        if c.action.silent && !s.condstore {
            continue;
        }
        let mut items = Vec::new();
        if !c.action.silent {
            items.push(FetchItem::Flags(convert::flags(&m.flags)));
        }
        if c.uid {
            items.push(FetchItem::Uid(m.uid.0));
        }
        if s.condstore {
            items.push(FetchItem::Modseq(modseq.0));
        }
        s.data(Data::Fetch { seq: *seq, items });
    }
    if modified.is_empty() {
        s.ok(tag, if c.uid { "UID STORE completed" } else { "STORE completed" });
    } else {
        s.ok_code(tag, Code::Modified(SequenceSet::from_numbers(modified)), "some messages were changed meanwhile");
    }
}
