//! SEARCH evaluation (RFC 9051 §6.4.4) over a mailbox view. Flags, sizes, dates and UIDs come
//! from the view; address and header keys from the summary stored at delivery; TEXT and BODY
//! from the store's full-text index (word matching, not substrings: see docs/protocol-status.md);
//! THREADID from the thread stored with each message.

use std::collections::{HashMap, HashSet};

use relais_imap_proto::SearchKey;
use relais_mail::summary::{EnvAddress, Summary};

use crate::convert::has;
use crate::view::{Message, View};

/// What evaluating a key needs beyond the view.
#[derive(Default)]
pub struct Needs {
    pub summaries: bool,
    /// Strings to look up in the full-text index.
    pub texts: Vec<String>,
    /// THREADID objectids whose messages to look up.
    pub threads: Vec<String>,
}

pub fn needs(key: &SearchKey, n: &mut Needs) {
    use SearchKey::*;
    match key {
        Not(k) => needs(k, n),
        Or(a, b) => {
            needs(a, n);
            needs(b, n);
        }
        And(ks) => ks.iter().for_each(|k| needs(k, n)),
        Text(t) | Body(t) => n.texts.push(t.clone()),
        ThreadId(t) => n.threads.push(t.clone()),
        Bcc(_) | Cc(_) | From(_) | To(_) | Subject(_) | Header(..) | SentBefore(_) | SentOn(_) | SentSince(_) => {
            n.summaries = true
        }
        _ => {}
    }
}

pub struct Context<'a> {
    pub view: &'a View,
    pub summaries: &'a HashMap<i64, Summary>,
    pub fts: &'a HashMap<String, HashSet<i64>>,
    /// The messages of each thread a THREADID key names.
    pub threads: &'a HashMap<String, HashSet<i64>>,
    pub saved: Option<&'a [u32]>,
    pub now: i64,
}

/// Sequence numbers of the messages matching `key`, ascending.
pub fn run(key: &SearchKey, c: &Context<'_>) -> Vec<u32> {
    c.view
        .messages
        .iter()
        .enumerate()
        .filter(|(i, m)| !m.gone && eval(key, u32::try_from(i + 1).unwrap_or(u32::MAX), m, c))
        .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX))
        .collect()
}

fn contains(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

fn addresses_match(list: &[EnvAddress], needle: &str) -> bool {
    list.iter().any(|a| {
        let full = format!(
            "{} <{}@{}>",
            a.name.as_deref().unwrap_or(""),
            a.mailbox.as_deref().unwrap_or(""),
            a.host.as_deref().unwrap_or("")
        );
        contains(&full, needle)
    })
}

fn day(unix: i64) -> i64 {
    unix.div_euclid(86_400)
}

fn eval(key: &SearchKey, seq: u32, m: &Message, c: &Context<'_>) -> bool {
    use SearchKey::*;
    let summary = || c.summaries.get(&m.item.0);
    match key {
        All => true,
        Answered => has(&m.flags, "\\Answered"),
        Unanswered => !has(&m.flags, "\\Answered"),
        Deleted => has(&m.flags, "\\Deleted"),
        Undeleted => !has(&m.flags, "\\Deleted"),
        Draft => has(&m.flags, "\\Draft"),
        Undraft => !has(&m.flags, "\\Draft"),
        Flagged => has(&m.flags, "\\Flagged"),
        Unflagged => !has(&m.flags, "\\Flagged"),
        Seen => has(&m.flags, "\\Seen"),
        Unseen => !has(&m.flags, "\\Seen"),
        // RFC 3501 §6.4.4: \Recent as this session sees it (never in IMAP4rev2).
        Recent => m.recent,
        New => m.recent && !has(&m.flags, "\\Seen"),
        Old => !m.recent,
        Keyword(k) => has(&m.flags, k),
        Unkeyword(k) => !has(&m.flags, k),
        Larger(n) => m.size > *n,
        Smaller(n) => m.size < *n,
        Before(d) => day(m.received_at) < d.days_since_epoch(),
        On(d) => day(m.received_at) == d.days_since_epoch(),
        Since(d) => day(m.received_at) >= d.days_since_epoch(),
        Older(secs) => m.received_at <= c.now - i64::from(*secs),
        Younger(secs) => m.received_at >= c.now - i64::from(*secs),
        SentBefore(d) => summary().and_then(|s| s.sent_at).is_some_and(|t| day(t) < d.days_since_epoch()),
        SentOn(d) => summary().and_then(|s| s.sent_at).is_some_and(|t| day(t) == d.days_since_epoch()),
        SentSince(d) => summary().and_then(|s| s.sent_at).is_some_and(|t| day(t) >= d.days_since_epoch()),
        From(t) => summary().is_some_and(|s| addresses_match(&s.envelope.from, t)),
        To(t) => summary().is_some_and(|s| addresses_match(&s.envelope.to, t)),
        Cc(t) => summary().is_some_and(|s| addresses_match(&s.envelope.cc, t)),
        Bcc(t) => summary().is_some_and(|s| addresses_match(&s.envelope.bcc, t)),
        Subject(t) => summary().and_then(|s| s.subject.as_deref()).is_some_and(|x| contains(x, t)),
        Header(name, t) => summary().is_some_and(|s| header_matches(s, name, t)),
        Text(t) | Body(t) => c.fts.get(t).is_some_and(|ids| ids.contains(&m.item.0)),
        Uid(set) => {
            if set.is_saved() {
                c.saved.is_some_and(|s| s.contains(&m.uid.0))
            } else {
                set.contains(m.uid.0, c.view.max_uid())
            }
        }
        SequenceSet(set) => {
            if set.is_saved() {
                c.saved.is_some_and(|s| s.contains(&m.uid.0))
            } else {
                set.contains(seq, c.view.exists())
            }
        }
        Not(k) => !eval(k, seq, m, c),
        Or(a, b) => eval(a, seq, m, c) || eval(b, seq, m, c),
        And(ks) => ks.iter().all(|k| eval(k, seq, m, c)),
        Modseq { modseq, .. } => m.modseq.0 >= *modseq,
        EmailId(id) => *id == format!("M{}", m.item.0),
        // RFC 8474 §6: the messages whose THREADID is this objectid.
        ThreadId(t) => c.threads.get(t).is_some_and(|ids| ids.contains(&m.item.0)),
        SavedBefore(_) | SavedOn(_) | SavedSince(_) | SavedDateSupported => false,
    }
}

/// HEADER name string, on the fields the summary keeps (RFC 9051 §6.4.4: an empty string
/// matches any message that has the field).
fn header_matches(s: &Summary, name: &str, needle: &str) -> bool {
    let e = &s.envelope;
    let value: Option<String> = match name.to_ascii_lowercase().as_str() {
        "subject" => s.subject.clone(),
        "message-id" => e.message_id.clone(),
        "in-reply-to" => e.in_reply_to.clone(),
        "date" => e.date.clone(),
        "from" => (!e.from.is_empty()).then(|| format!("{:?}", e.from)),
        "to" => (!e.to.is_empty()).then(|| format!("{:?}", e.to)),
        "cc" => (!e.cc.is_empty()).then(|| format!("{:?}", e.cc)),
        "references" => (!s.references.is_empty()).then(|| s.references.join(" ")),
        _ => None,
    };
    value.is_some_and(|v| needle.is_empty() || contains(&v, needle))
}
