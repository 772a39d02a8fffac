//! SORT and UID SORT (RFC 5256 §3, SORT=DISPLAY of RFC 5957): the SEARCH program picks the
//! messages, the criteria order them from the summary stored at delivery, and the sequence
//! number breaks every remaining tie. With RETURN options (ESORT, RFC 5267 §3) the sorted
//! result is answered as ESEARCH.

use std::cmp::Ordering;

use relais_imap_proto::{Data, SortCommand, SortKey, Tag};
use relais_mail::summary::{EnvAddress, Summary};

use crate::commands::search::{Answer, Found, esearch, find, highest_modseq};
use crate::session::Session;
use crate::view::Message;

pub async fn sort(s: &mut Session, tag: &Tag, c: SortCommand) {
    let Found { view, mut seqs, summaries } = match find(s, &c.search, true).await {
        Ok(f) => f,
        Err(e) => return s.store_error(tag, &e),
    };
    let empty = Summary::default();
    seqs.sort_by(|a, b| {
        let (Some(ma), Some(mb)) = (view.by_seq(*a), view.by_seq(*b)) else { return a.cmp(b) };
        let (sa, sb) = (summaries.get(&ma.item.0).unwrap_or(&empty), summaries.get(&mb.item.0).unwrap_or(&empty));
        for criterion in &c.criteria {
            let o = compare(criterion.key, ma, sa, mb, sb);
            let o = if criterion.reverse { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        a.cmp(b)
    });
    let uids: Vec<u32> = seqs.iter().filter_map(|q| view.by_seq(*q)).map(|m| m.uid.0).collect();
    let modseq = highest_modseq(&c.search, &view, &seqs);
    let ids = if c.uid { uids.clone() } else { seqs };
    match c.returns {
        None => s.data(Data::Sort { ids, modseq }),
        Some(returns) => esearch(s, tag, &returns, Answer { uid: c.uid, ids, uids, modseq }),
    }
    s.ok(tag, if c.uid { "UID SORT completed" } else { "SORT completed" });
}

fn mailbox_of(list: &[EnvAddress]) -> String {
    list.first().and_then(|a| a.mailbox.clone()).unwrap_or_default().to_ascii_lowercase()
}

/// RFC 5957 §3: the display name, else the mailbox.
fn display_of(list: &[EnvAddress]) -> String {
    list.first()
        .and_then(|a| a.name.clone().filter(|n| !n.is_empty()).or_else(|| a.mailbox.clone()))
        .unwrap_or_default()
        .to_lowercase()
}

fn compare(key: SortKey, ma: &Message, sa: &Summary, mb: &Message, sb: &Summary) -> Ordering {
    match key {
        SortKey::Arrival => ma.received_at.cmp(&mb.received_at),
        SortKey::Size => ma.size.cmp(&mb.size),
        // RFC 5256 §3: a message without a usable Date sorts by its internal date.
        SortKey::Date => sa.sent_at.unwrap_or(ma.received_at).cmp(&sb.sent_at.unwrap_or(mb.received_at)),
        SortKey::Subject => sa.base_subject.to_lowercase().cmp(&sb.base_subject.to_lowercase()),
        SortKey::From => mailbox_of(&sa.envelope.from).cmp(&mailbox_of(&sb.envelope.from)),
        SortKey::To => mailbox_of(&sa.envelope.to).cmp(&mailbox_of(&sb.envelope.to)),
        SortKey::Cc => mailbox_of(&sa.envelope.cc).cmp(&mailbox_of(&sb.envelope.cc)),
        SortKey::DisplayFrom => display_of(&sa.envelope.from).cmp(&display_of(&sb.envelope.from)),
        SortKey::DisplayTo => display_of(&sa.envelope.to).cmp(&display_of(&sb.envelope.to)),
    }
}
