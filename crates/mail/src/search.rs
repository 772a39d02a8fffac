//! Message search: one query type every front-end translates to (IMAP SEARCH/SORT now; JMAP
//! Email/query, ActiveSync Search and EWS FindItem later), evaluated by the store's index in
//! SQL (`relais_store::Filter`), never by decoding messages on the request path.
//!
//! Text conditions are case-insensitive substring tests (RFC 3501 §6.4.4 and RFC 9051 §6.4.4:
//! "contain the specified string"), on text decoded once when the message is stored
//! ([`index`]): header values with RFC 2047 words decoded, address fields as `name <addr>`,
//! the body's text parts in their charsets. Both sides are folded by [`fold`] (compatibility
//! decomposition, then lower case), as Dovecot folds to decomposed title case, so `CAFÉ` finds
//! `café` and `cafe` finds `café`.
//!
//! A message is indexed after it is stored, by [`crate::indexer`]; a search that needs the
//! index first indexes whatever its mailboxes still lack (just arrived, restored, or stored
//! before the index existed), so its answer never depends on how far the indexer has got.

use std::ops::RangeInclusive;

use relais_directory::access::{Actor, Rights};
use relais_store::{
    AccountId, Cmp, CollectionId, CollectionKind, Filter, Hit, IntColumn, ItemId, MessageIndex, Store, TextColumn,
};
use unicode_normalization::UnicodeNormalization;

use crate::MailError;
use crate::mailbox::require;
use crate::summary::{self, EnvAddress, Summary};

/// An address field a query can name (RFC 9051 §6.4.4 FROM, TO, CC, BCC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressField {
    From,
    To,
    Cc,
    Bcc,
}

/// How a date is compared with a day (RFC 9051 §6.4.4 BEFORE/ON/SINCE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateTest {
    Before,
    On,
    Since,
}

/// What to look for. Days are counted from 1970-01-01.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    All,
    Nothing,
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
    /// A header field of this name (any case) whose decoded value contains the string; an
    /// empty string: any message that has the field.
    Header(String, String),
    /// An address field whose addresses, written `name <mailbox@host>`, contain the string.
    Address(AddressField, String),
    Subject(String),
    /// Any header field (`name: value`) or the body contains the string.
    Text(String),
    /// The body's text contains the string.
    Body(String),
    /// The day (UTC) the message was received.
    Received(DateTest, i64),
    /// Received at or after this unix time (`true`) or at or before it (`false`).
    ReceivedAt {
        after: bool,
        at: i64,
    },
    /// The date of the Date: field as written, its zone and time disregarded; 1970-01-01 for a
    /// message without a valid one.
    Sent(DateTest, i64),
    Larger(u64),
    Smaller(u64),
    /// The message carries this keyword or system flag (`\Seen`), compared without ASCII case.
    Keyword(String),
    /// UIDs in a mailbox.
    Uids(Vec<RangeInclusive<u32>>),
    Items(Vec<ItemId>),
    /// Messages whose modseq in the mailbox is at least this (RFC 7162 §3.1.5).
    ModseqAtLeast(u64),
    Thread(i64),
}

/// Where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Mailbox(CollectionId),
    Mailboxes(Vec<CollectionId>),
    /// Every mailbox of an account.
    Account(AccountId),
}

/// Text as the index keeps it and needles are compared: compatibility-decomposed (so accents
/// are separate marks and ligatures their letters), then lower case.
///
/// Runs of ASCII are lower-cased byte by byte and only the runs between them are decomposed:
/// the same result (an ASCII character is its own decomposition and a starter, which canonical
/// reordering never moves across), at memory speed for the mostly-ASCII bodies that APPEND and
/// delivery index (the whole-text decomposition was a quarter of APPEND's CPU).
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let ascii = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
        out.push_str(&rest[..ascii].to_ascii_lowercase());
        rest = &rest[ascii..];
        let other = rest.bytes().position(|b| b.is_ascii()).unwrap_or(rest.len());
        out.extend(rest[..other].nfkd().flat_map(char::to_lowercase));
        rest = &rest[other..];
    }
    out
}

#[cfg(test)]
mod fold_tests {
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn fold_is_the_whole_text_decomposed_and_lower_cased() {
        let naive = |t: &str| -> String { t.nfkd().flat_map(char::to_lowercase).collect() };
        for t in [
            "",
            "Plain ASCII, Mixed CASE 123",
            "Grüße aus Köln",
            "e\u{301}te\u{301} A\u{30a}ngstro\u{308}m",
            "ﬁnancial ＡＢＣ Ⅻ ½ \u{212a}elvin",
            "İstanbul ΣΊΣΥΦΟΣ",
            "a\u{323}\u{307}b \u{1e0b}\u{323}X",
            "日本語のテキスト ｶﾀｶﾅ with ASCII",
            "\u{301}leading mark",
        ] {
            assert_eq!(super::fold(t), naive(t), "{t:?}");
        }
    }
}

/// One address as FROM/TO/CC/BCC compare it: the decoded display name and the address.
fn address_text(list: &[EnvAddress]) -> String {
    list.iter().filter_map(EnvAddress::to_text).collect::<Vec<_>>().join(", ")
}

/// The index rows of a message, computed when it is stored (or when a search first needs them).
pub fn index(raw: &[u8], summary: &Summary) -> MessageIndex {
    let fields = summary::decoded_fields(raw, summary);
    let present = |name: &str| fields.iter().any(|(n, _)| n == name);
    let addresses = |name: &str, list: &[EnvAddress]| present(name).then(|| fold(&address_text(list)));
    let e = &summary.envelope;
    let mut header_text = String::new();
    for (name, value) in &fields {
        header_text.push_str(name);
        header_text.push_str(": ");
        header_text.push_str(value);
        header_text.push('\n');
    }
    MessageIndex {
        // Without a valid Date: the epoch, as Dovecot answers (SENTBEFORE finds such a message).
        sent_day: Some(
            summary::sent_date(raw, summary)
                .map_or(0, |(y, m, d)| relais_civil::days_from_civil(y, i64::from(m), i64::from(d))),
        ),
        subject: present("subject").then(|| fold(summary.subject.as_deref().unwrap_or_default())),
        from: addresses("from", &e.from),
        to: addresses("to", &e.to),
        cc: addresses("cc", &e.cc),
        bcc: addresses("bcc", &e.bcc),
        header_text: fold(&header_text),
        body_text: fold(&summary::body_text(raw, summary)),
        headers: fields.iter().map(|(n, v)| (n.clone(), fold(v))).collect(),
    }
}

const DAY: i64 = 86_400;

fn dates(column: IntColumn, test: DateTest, lo: i64, next: i64) -> Filter {
    match test {
        DateTest::Before => Filter::Int(column, Cmp::Lt, lo),
        DateTest::Since => Filter::Int(column, Cmp::Ge, lo),
        DateTest::On => Filter::And(vec![Filter::Int(column, Cmp::Ge, lo), Filter::Int(column, Cmp::Lt, next)]),
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The store's filter for a query: needles folded as the index is.
pub fn filter(q: &Query) -> Filter {
    let all = |qs: &[Query]| qs.iter().map(filter).collect();
    match q {
        Query::All => Filter::All,
        Query::Nothing => Filter::Nothing,
        Query::And(qs) => Filter::And(all(qs)),
        Query::Or(qs) => Filter::Or(all(qs)),
        Query::Not(inner) => Filter::Not(Box::new(filter(inner))),
        Query::Header(name, needle) => Filter::Header(name.to_ascii_lowercase(), fold(needle)),
        Query::Address(field, needle) => {
            let column = match field {
                AddressField::From => TextColumn::From,
                AddressField::To => TextColumn::To,
                AddressField::Cc => TextColumn::Cc,
                AddressField::Bcc => TextColumn::Bcc,
            };
            Filter::Contains(column, fold(needle))
        }
        Query::Subject(needle) => Filter::Contains(TextColumn::Subject, fold(needle)),
        Query::Text(needle) => Filter::Or(vec![
            Filter::Contains(TextColumn::Header, fold(needle)),
            Filter::Contains(TextColumn::Body, fold(needle)),
        ]),
        Query::Body(needle) => Filter::Contains(TextColumn::Body, fold(needle)),
        Query::Received(test, day) => {
            let lo = day.saturating_mul(DAY);
            dates(IntColumn::ReceivedAt, *test, lo, lo.saturating_add(DAY))
        }
        Query::ReceivedAt { after: true, at } => Filter::Int(IntColumn::ReceivedAt, Cmp::Ge, *at),
        Query::ReceivedAt { after: false, at } => Filter::Int(IntColumn::ReceivedAt, Cmp::Le, *at),
        Query::Sent(test, day) => dates(IntColumn::SentDay, *test, *day, day.saturating_add(1)),
        Query::Larger(n) => Filter::Int(IntColumn::Size, Cmp::Gt, to_i64(*n)),
        Query::Smaller(n) => Filter::Int(IntColumn::Size, Cmp::Lt, to_i64(*n)),
        Query::Keyword(k) => Filter::Keyword(k.clone()),
        Query::Uids(ranges) => Filter::Ranges(
            IntColumn::Uid,
            ranges.iter().map(|r| (i64::from(*r.start()), i64::from(*r.end()))).collect(),
        ),
        Query::Items(ids) => Filter::Ranges(IntColumn::Item, item_ranges(ids)),
        Query::ModseqAtLeast(m) => Filter::Int(IntColumn::Modseq, Cmp::Ge, to_i64(*m)),
        Query::Thread(t) => Filter::Int(IntColumn::Thread, Cmp::Eq, *t),
    }
}

/// Item ids as the fewest inclusive ranges (sorted, runs of consecutive ids merged): a set of
/// messages named by id costs two SQL parameters per run, not per message.
pub fn item_ranges(ids: &[ItemId]) -> Vec<(i64, i64)> {
    let mut sorted: Vec<i64> = ids.iter().map(|i| i.0).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for id in sorted {
        match out.last_mut() {
            Some((_, hi)) if hi.checked_add(1) == Some(id) => *hi = id,
            _ => out.push((id, id)),
        }
    }
    out
}

#[cfg(test)]
mod item_range_tests {
    use super::*;

    #[test]
    fn runs_merged() {
        let ids: Vec<ItemId> = [7, 3, 4, 5, 9, 3, 10].into_iter().map(ItemId).collect();
        assert_eq!(item_ranges(&ids), [(3, 5), (7, 7), (9, 10)]);
        assert!(item_ranges(&[]).is_empty());
    }
}

/// Messages indexed per write when a search finds some missing.
const BACKFILL_BATCH: i64 = 256;

/// The messages in `scope` matching `query`, by mailbox and UID.
pub async fn search(store: &Store, scope: &Scope, query: &Query) -> Result<Vec<Hit>, MailError> {
    let mailboxes = match scope {
        Scope::Mailbox(m) => vec![*m],
        Scope::Mailboxes(list) => list.clone(),
        Scope::Account(account) => {
            let account = *account;
            let list = store.read(move |r| r.collections(account, CollectionKind::Mailbox)).await?;
            list.into_iter().map(|c| c.id).collect()
        }
    };
    let filter = filter(query);
    if filter.reads_index() {
        backfill(store, &mailboxes).await?;
    }
    Ok(store.read(move |r| r.search_messages(&mailboxes, &filter)).await?)
}

/// Most mailboxes one search as an actor reads.
pub const MAX_SCOPE: usize = 1_000;

/// The messages in `scope` matching `query` that `actor` may read (RFC 4314 `r`), for a
/// front-end searching on a user's behalf (ActiveSync Search and Find): a mailbox named in
/// `scope` the actor may not read is the refusal (`NoMailbox` when it may not see it,
/// `NoRight` otherwise); an account's mailboxes are only those it may read. At most
/// [`MAX_SCOPE`] mailboxes (`Cannot` past it).
pub async fn search_as(store: &Store, actor: &Actor, scope: &Scope, query: &Query) -> Result<Vec<Hit>, MailError> {
    let (actor, scope) = (actor.clone(), scope.clone());
    let readable = store
        .read(move |r| {
            let (named, whole) = match scope {
                Scope::Mailbox(m) => (vec![m], false),
                Scope::Mailboxes(list) => (list, false),
                Scope::Account(a) => {
                    (r.collections(a, CollectionKind::Mailbox)?.into_iter().map(|c| c.id).collect(), true)
                }
            };
            if named.len() > MAX_SCOPE {
                return Ok(Err(MailError::Cannot("too many mailboxes to search at once")));
            }
            let mut out = Vec::with_capacity(named.len());
            for id in named {
                match require(r, &actor, id, Rights::READ_ITEMS, "searching messages")? {
                    Ok(_) => out.push(id),
                    Err(_) if whole => {}
                    Err(refused) => return Ok(Err(refused)),
                }
            }
            Ok(Ok(out))
        })
        .await??;
    search(store, &Scope::Mailboxes(readable), query).await
}

/// Indexes the messages of `mailboxes` that have no index rows, a batch per write.
async fn backfill(store: &Store, mailboxes: &[CollectionId]) -> Result<(), MailError> {
    loop {
        let list = mailboxes.to_vec();
        let missing = store.read(move |r| r.unindexed_messages(&list, BACKFILL_BATCH)).await?;
        if missing.is_empty() {
            return Ok(());
        }
        crate::indexer::index_batch(store, missing).await?;
    }
}
