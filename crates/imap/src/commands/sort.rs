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
        Err(e) => return s.mail_error(tag, &e),
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

/// RFC 5256 §2.2: i;ascii-casemap folds a–z to A–Z and compares octets, so `[` and `_` sort
/// after `Z` (they would sort before `a` if folded to lower case).
fn casemap(s: &str) -> String {
    s.to_ascii_uppercase()
}

/// RFC 5256 §3 FROM, TO, CC: the addr-mailbox of the first address.
fn mailbox_of(list: &[EnvAddress]) -> String {
    casemap(list.first().and_then(|a| a.mailbox.as_deref()).unwrap_or_default())
}

/// RFC 4790 §9.3 / RFC 5051 i;unicode-casemap, as RFC 5957 §3 wants for DISPLAYFROM/DISPLAYTO:
/// case folded (to upper case, which orders like title case but for a few ligatures) and
/// canonically decomposed, so `É` sorts with `E`.
fn unicode_casemap(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.to_uppercase().nfd().collect()
}

/// RFC 5957 §3: the first address's display name, RFC 2047-decoded, else its addr-spec.
fn display_of(list: &[EnvAddress]) -> String {
    let Some(a) = list.first() else { return String::new() };
    let name = a.name.as_deref().map(relais_mail::summary::decode_encoded_words).filter(|n| !n.trim().is_empty());
    let shown = name.unwrap_or_else(|| match (&a.mailbox, &a.host) {
        (Some(m), Some(h)) => format!("{m}@{h}"),
        (Some(m), None) => m.clone(),
        _ => String::new(),
    });
    unicode_casemap(shown.trim())
}

fn compare(key: SortKey, ma: &Message, sa: &Summary, mb: &Message, sb: &Summary) -> Ordering {
    match key {
        SortKey::Arrival => ma.received_at.cmp(&mb.received_at),
        SortKey::Size => ma.size.cmp(&mb.size),
        // RFC 5256 §3: a message without a usable Date sorts by its internal date.
        SortKey::Date => sa.sent_at.unwrap_or(ma.received_at).cmp(&sb.sent_at.unwrap_or(mb.received_at)),
        SortKey::Subject => casemap(&sa.base_subject).cmp(&casemap(&sb.base_subject)),
        SortKey::From => mailbox_of(&sa.envelope.from).cmp(&mailbox_of(&sb.envelope.from)),
        SortKey::To => mailbox_of(&sa.envelope.to).cmp(&mailbox_of(&sb.envelope.to)),
        SortKey::Cc => mailbox_of(&sa.envelope.cc).cmp(&mailbox_of(&sb.envelope.cc)),
        SortKey::DisplayFrom => display_of(&sa.envelope.from).cmp(&display_of(&sb.envelope.from)),
        SortKey::DisplayTo => display_of(&sa.envelope.to).cmp(&display_of(&sb.envelope.to)),
    }
}
