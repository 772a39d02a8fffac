//! SEARCH keys (RFC 9051 §6.4.4, RFC 3501 §6.4.4) translated to the mail domain's
//! [`Query`], which the store evaluates on its index. What only this session knows — sequence
//! numbers, the saved result `$` (RFC 5182), the time now — is resolved here into UIDs and
//! instants; the matches come back as UIDs and are mapped to this session's sequence numbers.

use relais_imap_proto::{SearchKey, SequenceSet};
use relais_mail::search::{AddressField, DateTest, Query};
use relais_store::{Hit, ItemId};

use crate::view::View;

/// What a translation needs beyond the key.
pub struct Context<'a> {
    pub view: &'a View,
    pub saved: Option<&'a [u32]>,
    pub now: i64,
}

fn flag(name: &str) -> Query {
    Query::Keyword(name.to_owned())
}

fn not(q: Query) -> Query {
    Query::Not(Box::new(q))
}

/// UIDs as ranges, consecutive ones joined.
fn uid_ranges(uids: impl IntoIterator<Item = u32>) -> Query {
    let mut ranges: Vec<std::ops::RangeInclusive<u32>> = Vec::new();
    for uid in uids {
        match ranges.last_mut() {
            Some(r) if r.end().checked_add(1) == Some(uid) => *r = *r.start()..=uid,
            _ => ranges.push(uid..=uid),
        }
    }
    Query::Uids(ranges)
}

/// The messages this session sees as \Recent.
fn recent_uids(c: &Context<'_>) -> Query {
    uid_ranges(c.view.messages.iter().filter(|m| m.recent).map(|m| m.uid.0))
}

/// The UIDs of a sequence set of this view: each range of sequence numbers is the range of the
/// UIDs at its ends, because UIDs ascend with sequence numbers and no other message of the
/// mailbox lies between them.
fn sequence_uids(set: &SequenceSet, c: &Context<'_>) -> Query {
    if set.is_saved() {
        return uid_ranges(c.saved.unwrap_or_default().iter().copied());
    }
    let ranges = set
        .normalized(c.view.exists())
        .into_iter()
        .filter_map(|r| Some(c.view.by_seq(*r.start())?.uid.0..=c.view.by_seq(*r.end())?.uid.0))
        .collect();
    Query::Uids(ranges)
}

/// The domain query for a SEARCH key.
pub fn query(key: &SearchKey, c: &Context<'_>) -> Query {
    use SearchKey::*;
    match key {
        All => Query::All,
        Answered => flag("\\Answered"),
        Unanswered => not(flag("\\Answered")),
        Deleted => flag("\\Deleted"),
        Undeleted => not(flag("\\Deleted")),
        Draft => flag("\\Draft"),
        Undraft => not(flag("\\Draft")),
        Flagged => flag("\\Flagged"),
        Unflagged => not(flag("\\Flagged")),
        Seen => flag("\\Seen"),
        Unseen => not(flag("\\Seen")),
        // RFC 3501 §6.4.4: \Recent as this session sees it (never in IMAP4rev2): the view's
        // recent messages, as UIDs.
        Recent => recent_uids(c),
        New => Query::And(vec![recent_uids(c), not(flag("\\Seen"))]),
        Old => not(recent_uids(c)),
        Keyword(k) => flag(k),
        Unkeyword(k) => not(flag(k)),
        Larger(n) => Query::Larger(*n),
        Smaller(n) => Query::Smaller(*n),
        // RFC 3501 §6.4.4: the internal date's day; Relais keeps internal dates in UTC.
        Before(d) => Query::Received(DateTest::Before, d.days_since_epoch()),
        On(d) => Query::Received(DateTest::On, d.days_since_epoch()),
        Since(d) => Query::Received(DateTest::Since, d.days_since_epoch()),
        // RFC 5032 §3: OLDER and YOUNGER against the internal date, to the second.
        Older(secs) => Query::ReceivedAt { after: false, at: c.now - i64::from(*secs) },
        Younger(secs) => Query::ReceivedAt { after: true, at: c.now - i64::from(*secs) },
        // RFC 3501 §6.4.4: the Date: field's date, "disregarding time and timezone".
        SentBefore(d) => Query::Sent(DateTest::Before, d.days_since_epoch()),
        SentOn(d) => Query::Sent(DateTest::On, d.days_since_epoch()),
        SentSince(d) => Query::Sent(DateTest::Since, d.days_since_epoch()),
        From(t) => Query::Address(AddressField::From, t.clone()),
        To(t) => Query::Address(AddressField::To, t.clone()),
        Cc(t) => Query::Address(AddressField::Cc, t.clone()),
        Bcc(t) => Query::Address(AddressField::Bcc, t.clone()),
        Subject(t) => Query::Subject(t.clone()),
        Header(name, t) => Query::Header(name.clone(), t.clone()),
        Text(t) => Query::Text(t.clone()),
        Body(t) => Query::Body(t.clone()),
        Uid(set) if set.is_saved() => uid_ranges(c.saved.unwrap_or_default().iter().copied()),
        Uid(set) => Query::Uids(set.normalized(c.view.max_uid())),
        SequenceSet(set) => sequence_uids(set, c),
        Not(k) => not(query(k, c)),
        Or(a, b) => Query::Or(vec![query(a, c), query(b, c)]),
        And(ks) => Query::And(ks.iter().map(|k| query(k, c)).collect()),
        Modseq { modseq, .. } => Query::ModseqAtLeast(*modseq),
        // RFC 8474 §5.1: EMAILID is `M<item>`, THREADID `T<thread>`; any other names nothing.
        EmailId(id) => match id.strip_prefix('M').and_then(|n| n.parse::<i64>().ok()) {
            Some(n) => Query::Items(vec![ItemId(n)]),
            None => Query::Nothing,
        },
        ThreadId(t) => match t.strip_prefix('T').and_then(|n| n.parse::<i64>().ok()) {
            Some(n) => Query::Thread(n),
            None => Query::Nothing,
        },
        SavedBefore(_) | SavedOn(_) | SavedSince(_) | SavedDateSupported => Query::Nothing,
    }
}

/// The sequence numbers of the hits this session can name, ascending: a message that arrived
/// after the view's last sync has none yet, and one expunged meanwhile is no hit.
pub fn sequence_numbers(view: &View, hits: &[Hit]) -> Vec<u32> {
    let mut seqs: Vec<u32> = hits
        .iter()
        .filter(|h| h.mailbox == view.mailbox)
        .filter_map(|h| view.seq_of(h.uid))
        .filter(|q| view.by_seq(*q).is_some_and(|m| !m.gone))
        .collect();
    seqs.sort_unstable();
    seqs.dedup();
    seqs
}
