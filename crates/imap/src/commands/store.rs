//! STORE and UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3), through the
//! mail domain's `change_keywords`: one transaction on the flags as committed, with the rights
//! RFC 4314 §4 names checked there before anything is written. The session reports the new
//! flags (unless .SILENT) with MODSEQ when CONDSTORE is on. In a shared mailbox the flags are
//! the message's, seen by every user alike (not per user).

use relais_imap_proto::{Code, Data, FetchItem, Flag, SequenceSet, StoreCommand, StoreKind, Tag};
use relais_mail::mailbox::{FlagChange, KeywordChange};

use crate::commands::fetch::resolve_in;
use crate::convert;
use crate::session::{Session, State};

pub async fn store(s: &mut Session, tag: &Tag, c: StoreCommand) {
    let (Some(actor), State::Selected(view)) = (s.actor(), &s.state) else { return };
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
    let targets: Vec<_> = resolve_in(view, &c.set, c.uid, s.saved.as_deref())
        .into_iter()
        .filter_map(|seq| view.by_seq(seq).filter(|m| !m.gone).map(|m| (seq, m.uid, m.item)))
        .collect();
    let kind = match c.action.kind {
        StoreKind::Replace => KeywordChange::Set,
        StoreKind::Add => KeywordChange::Add,
        StoreKind::Remove => KeywordChange::Remove,
    };
    let change = FlagChange {
        mailbox: view.mailbox,
        messages: targets.iter().map(|&(_, uid, item)| (uid, item)).collect(),
        kind,
        keywords: convert::keywords(&c.action.flags),
        unchanged_since: c.unchanged_since,
    };
    let done = match relais_mail::mailbox::change_keywords(s.imap.store(), &actor, change).await {
        Ok(done) => done,
        Err(e) => return s.mail_error(tag, &e),
    };
    let seqs: std::collections::HashMap<_, _> = targets.iter().map(|&(seq, uid, _)| (uid, seq)).collect();
    let seq_of = |uid: relais_store::Uid| seqs.get(&uid).copied();
    let changed: Vec<_> = done
        .changed
        .into_iter()
        .filter_map(|(uid, _, keywords, modseq)| Some((seq_of(uid)?, keywords, modseq)))
        .collect();
    let modified: Vec<_> = done.modified.into_iter().filter_map(|uid| Some((seq_of(uid)?, uid))).collect();
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
