//! SEARCH and UID SEARCH (RFC 9051 §6.4.4) with ESEARCH (RFC 4731), SEARCHRES (RFC 5182) and
//! MODSEQ (RFC 7162 §3.1.5).

use std::collections::HashMap;

use relais_imap_proto::{Data, Esearch, SearchCommand, SearchKey, SearchReturn, SequenceSet, Tag};
use relais_mail::search::Scope;

use crate::search::{Context, query, sequence_numbers};
use crate::session::{Session, State};

/// What a search over the selected mailbox found: the view it ran on, the matching sequence
/// numbers (ascending) and, when asked for (SORT, THREAD), the summaries of the mailbox.
pub struct Found {
    pub view: crate::view::View,
    pub seqs: Vec<u32>,
    pub summaries: HashMap<i64, relais_mail::summary::Summary>,
}

/// Runs a search program on the selected mailbox through the mail domain's index.
pub async fn find(s: &mut Session, key: &SearchKey, with_summaries: bool) -> Result<Found, relais_mail::MailError> {
    let State::Selected(view) = &s.state else {
        return Err(relais_store::Error::Invalid("no mailbox selected".into()).into());
    };
    let view = view.clone();
    let ctx = Context { view: &view, saved: s.saved.as_deref(), now: relais_store::now() };
    let q = query(key, &ctx);
    let hits = relais_mail::search::search(s.imap.store(), &Scope::Mailbox(view.mailbox), &q).await?;
    let seqs = sequence_numbers(&view, &hits);
    let mut summaries = HashMap::new();
    if with_summaries {
        // One query for the whole mailbox, not one per message.
        let mailbox = view.mailbox;
        let list = s.imap.store().read(move |r| r.mailbox_summaries(mailbox)).await?;
        for (item, json) in list {
            summaries.insert(item.0, relais_mail::summary::Summary::from_stored(&json));
        }
    }
    Ok(Found { view, seqs, summaries })
}

pub async fn search(s: &mut Session, tag: &Tag, c: SearchCommand) {
    let Found { view, seqs, .. } = match find(s, &c.criteria, false).await {
        Ok(f) => f,
        Err(e) => return s.mail_error(tag, &e),
    };
    let uids: Vec<u32> = seqs.iter().filter_map(|q| view.by_seq(*q)).map(|m| m.uid.0).collect();
    let ids: Vec<u32> = if c.uid { uids.clone() } else { seqs.clone() };
    if mentions_modseq(&c.criteria) {
        s.enable_condstore(); // RFC 7162 §3.1
    }
    let modseq = match &c.returns {
        // RFC 7162 §3.1.5 with RFC 4731: MIN and MAX alone report the MODSEQ of those messages.
        Some(r) if !r.is_empty() && !r.iter().any(|x| matches!(x, SearchReturn::All | SearchReturn::Count)) => {
            let min = seqs.first().filter(|_| r.contains(&SearchReturn::Min));
            let max = seqs.last().filter(|_| r.contains(&SearchReturn::Max));
            let ends: Vec<u32> = [min, max].into_iter().flatten().copied().collect();
            highest_modseq(&c.criteria, &view, &ends)
        }
        _ => highest_modseq(&c.criteria, &view, &seqs),
    };
    match c.returns {
        None => s.data(Data::Search { ids, modseq }),
        Some(returns) => esearch(s, tag, &returns, Answer { uid: c.uid, ids, uids, modseq }),
    }
    s.ok(tag, if c.uid { "UID SEARCH completed" } else { "SEARCH completed" });
}

/// A SEARCH or SORT result: `ids` (sequence numbers or UIDs, as asked) and `uids`, in the
/// order answered.
pub struct Answer {
    pub uid: bool,
    pub ids: Vec<u32>,
    pub uids: Vec<u32>,
    pub modseq: Option<u64>,
}

/// Answers RETURN options with ESEARCH (RFC 4731 §3.1; for SORT, RFC 5267 §3.2): MIN and MAX
/// are the first and last of `ids` in the order given, ALL keeps that order, and SAVE keeps the
/// result for `$` (RFC 5182 §2). No options means ALL.
pub fn esearch(s: &mut Session, tag: &Tag, returns: &[SearchReturn], a: Answer) {
    let returns: Vec<SearchReturn> = if returns.is_empty() { vec![SearchReturn::All] } else { returns.to_vec() };
    let Answer { uid, ids, mut uids, modseq } = a;
    if returns.contains(&SearchReturn::Save) {
        uids.sort_unstable();
        s.saved = Some(uids);
    }
    let has = |r: SearchReturn| returns.contains(&r);
    if returns.iter().all(|r| *r == SearchReturn::Save) {
        return;
    }
    s.data(Data::Esearch(Esearch {
        tag: Some(tag.clone()),
        uid,
        min: has(SearchReturn::Min).then(|| ids.first().copied()).flatten(),
        max: has(SearchReturn::Max).then(|| ids.last().copied()).flatten(),
        all: (has(SearchReturn::All) && !ids.is_empty()).then(|| SequenceSet::from_numbers(ids.iter().copied())),
        count: has(SearchReturn::Count).then(|| u32::try_from(ids.len()).unwrap_or(u32::MAX)),
        modseq,
    }));
}

/// RFC 7162 §3.1.5: a search with MODSEQ reports the highest MODSEQ of what it found.
pub fn highest_modseq(key: &SearchKey, view: &crate::view::View, seqs: &[u32]) -> Option<u64> {
    mentions_modseq(key).then(|| seqs.iter().filter_map(|q| view.by_seq(*q)).map(|m| m.modseq.0).max()).flatten()
}

fn mentions_modseq(k: &relais_imap_proto::SearchKey) -> bool {
    use relais_imap_proto::SearchKey::*;
    match k {
        Modseq { .. } => true,
        Not(x) => mentions_modseq(x),
        Or(a, b) => mentions_modseq(a) || mentions_modseq(b),
        And(ks) => ks.iter().any(mentions_modseq),
        _ => false,
    }
}
