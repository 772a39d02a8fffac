//! Email/query (RFC 8621 §4.4): the filter translated to the mail domain's one query type
//! (`relais_mail::search::Query`, evaluated by the store's index), over the mailboxes of the
//! account the actor may read; then sorted, collapsed by thread and windowed here.
//!
//! ```text
//! ["Email/query", {"accountId": "a1", "filter": {"inMailbox": "m3", "hasKeyword": "$flagged"},
//!                  "sort": [{"property": "receivedAt", "isAscending": false}],
//!                  "collapseThreads": true, "position": 0, "limit": 50, "calculateTotal": true}, "0"]
//! ```

use std::cmp::Ordering;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;

use relais_mail::search::{AddressField, Query, Scope, search};
use relais_mail::summary::Summary;
use relais_store::{CollectionId, ItemId};
use serde_json::{Map, Value};

use crate::account::Account;
use crate::error::MethodError;
use crate::ids;
use crate::methods::changes::state;
use crate::methods::email::from_jmap;
use crate::methods::query::{self, limit, page};
use crate::methods::{Args, Ctx, email_query_changes as query_changes};

/// Deepest operator nesting a filter may have.
const MAX_FILTER_DEPTH: usize = 16;
/// Most runs of message ids one filter may name (each is two SQL parameters; SQLite takes
/// 32,766): inMailbox below the top, thread keywords and hasAttachment name their messages.
const MAX_ID_RUNS: usize = 4000;

/// One message as the sort sees it.
pub(crate) struct Row {
    pub id: ItemId,
    thread: i64,
    received_at: i64,
    size: u64,
    sent_at: i64,
    from: String,
    to: String,
    subject: String,
    keywords: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Key {
    ReceivedAt,
    Size,
    From,
    To,
    Subject,
    SentAt,
    HasKeyword(String),
}

pub(crate) async fn query(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let state = state(ctx, account.id).await?;
    let (scope, query) = translated(ctx, &args, &account).await?;
    let sort = sort_keys(args.get("sort"))?;
    let collapse = args.bool("collapseThreads")?;
    let followed = query_changes::followed(&args, collapse);
    let mut page = match newest(ctx, &args, &account, &state, &scope, &query, &sort, collapse).await? {
        Some(page) => page,
        None => {
            let rows = results(ctx, scope, &query, &sort, collapse).await?;
            window(ctx, &args, &account, state, &rows)?
        }
    };
    // RFC 8620 §5.6: Email/queryChanges follows this query from its queryState.
    if let Some(map) = page.as_object_mut() {
        map.insert("canCalculateChanges".into(), Value::Bool(followed));
    }
    Ok(page)
}

/// The filter as the mailboxes to search and the mail domain's query.
pub(crate) async fn translated(
    ctx: &Ctx<'_>,
    args: &Args,
    account: &Account,
) -> Result<(Vec<CollectionId>, Query), MethodError> {
    let readable: Vec<CollectionId> = account.readable().map(|c| c.id).collect();
    let mut t = Translate { ctx, account, readable: &readable, runs: Default::default() };
    match args.get("filter") {
        None => Ok((readable.clone(), Query::All)),
        Some(f) => t.top(f).await,
    }
}

/// Every message the query finds, sorted, one per thread with `collapse`.
pub(crate) async fn results(
    ctx: &Ctx<'_>,
    scope: Vec<CollectionId>,
    query: &Query,
    sort: &[(Key, bool)],
    collapse: bool,
) -> Result<Vec<Row>, MethodError> {
    let by_summary = sort.iter().any(|(k, _)| matches!(k, Key::From | Key::To | Key::Subject | Key::SentAt));
    let hits = search(ctx.jmap.store(), &Scope::Mailboxes(scope), query).await?;
    let mut seen = HashSet::new();
    let items: Vec<ItemId> = hits.into_iter().map(|h| h.item).filter(|i| seen.insert(*i)).collect();
    let mut rows = ctx
        .jmap
        .store()
        .read(move |r| {
            let found = r.items(&items)?;
            let mut out = Vec::with_capacity(found.len());
            for item in found {
                let id = item.id;
                // The summary is decoded only for a sort that reads it.
                let s = if by_summary { Summary::from_stored(&item.summary) } else { Summary::default() };
                let first = |l: &[relais_mail::summary::EnvAddress]| {
                    l.first()
                        .and_then(|a| a.display_name().or_else(|| a.addr_spec()))
                        .unwrap_or_default()
                        .to_lowercase()
                };
                out.push(Row {
                    id,
                    thread: item.thread_id.unwrap_or(id.0),
                    received_at: item.received_at,
                    size: item.size,
                    sent_at: s.sent_at.unwrap_or(item.received_at),
                    from: first(&s.envelope.from),
                    to: first(&s.envelope.to),
                    subject: s.base_subject.to_lowercase(),
                    keywords: item.keywords,
                });
            }
            Ok(out)
        })
        .await?;
    rows.sort_by(|a, b| compare(sort, a, b));
    if collapse {
        let mut threads = HashSet::new();
        rows.retain(|r| threads.insert(r.thread));
    }
    Ok(rows)
}

/// What a client opening a mailbox asks (one mailbox, nothing else to match, newest first by
/// receivedAt, no anchor): read a page from the store's index in that order instead of every
/// message of the mailbox (`ReadTx::mailbox_newest`). `None` for any other query.
#[allow(clippy::too_many_arguments)]
async fn newest(
    ctx: &Ctx<'_>,
    args: &Args,
    account: &Account,
    state: &str,
    scope: &[CollectionId],
    query: &Query,
    sort: &[(Key, bool)],
    collapse: bool,
) -> Result<Option<Value>, MethodError> {
    let [mailbox] = *scope else { return Ok(None) };
    let everything = match query {
        Query::All => true,
        Query::And(all) => all.is_empty(),
        _ => false,
    };
    let position = args.int("position")?.unwrap_or(0);
    if !everything || !matches!(sort, [(Key::ReceivedAt, false)]) || args.str("anchor")?.is_some() || position < 0 {
        return Ok(None);
    }
    let (start, limit) = (usize::try_from(position).unwrap_or(usize::MAX), limit(ctx, args)?);
    let counted = args.bool("calculateTotal")?;
    let (items, total) = ctx
        .jmap
        .store()
        .read(move |r| {
            let items = r.mailbox_newest(mailbox, collapse, start, limit)?;
            // Counted when asked, or when the page ran past the end (the position is then
            // clamped to the total, as for every other query).
            let total = if counted || items.len() < limit { Some(r.mailbox_total(mailbox, collapse)?) } else { None };
            Ok((items, total))
        })
        .await?;
    let total = total.map_or(usize::MAX, |t| usize::try_from(t).unwrap_or(usize::MAX));
    let ids: Vec<String> = items.into_iter().map(ids::email).collect();
    page(ctx, args, account, state.to_owned(), start.min(total), ids, total).map(Some)
}

/// Position, anchor and limit (RFC 8620 §5.5).
fn window(ctx: &Ctx<'_>, args: &Args, account: &Account, state: String, rows: &[Row]) -> Result<Value, MethodError> {
    let at = |anchor: &str| {
        let anchor = ctx.id(anchor).and_then(ids::parse_email);
        rows.iter().position(|r| Some(r.id) == anchor)
    };
    let start = query::start(args, rows.len(), at)?;
    let ids: Vec<String> = rows.iter().skip(start).take(limit(ctx, args)?).map(|r| ids::email(r.id)).collect();
    page(ctx, args, account, state, start, ids, rows.len())
}

pub(crate) fn sort_keys(sort: Option<&Value>) -> Result<Vec<(Key, bool)>, MethodError> {
    let Some(sort) = sort else { return Ok(vec![(Key::ReceivedAt, false)]) };
    let Value::Array(list) = sort else { return Err(MethodError::invalid("sort must be a list")) };
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        let asc = match c.get("isAscending") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(MethodError::invalid("isAscending must be a boolean")),
        };
        let key = match c.get("property").and_then(Value::as_str) {
            Some("receivedAt") => Key::ReceivedAt,
            Some("size") => Key::Size,
            Some("from") => Key::From,
            Some("to") => Key::To,
            Some("subject") => Key::Subject,
            Some("sentAt") => Key::SentAt,
            Some("hasKeyword") => {
                let k = c.get("keyword").and_then(Value::as_str).and_then(from_jmap);
                Key::HasKeyword(k.ok_or_else(|| MethodError::invalid("hasKeyword needs a keyword"))?)
            }
            other => return Err(MethodError::UnsupportedSort(format!("Email sort {other:?}"))),
        };
        out.push((key, asc));
    }
    Ok(out)
}

fn compare(sort: &[(Key, bool)], a: &Row, b: &Row) -> Ordering {
    for (key, asc) in sort {
        let o = match key {
            Key::ReceivedAt => a.received_at.cmp(&b.received_at),
            Key::Size => a.size.cmp(&b.size),
            Key::From => a.from.cmp(&b.from),
            Key::To => a.to.cmp(&b.to),
            Key::Subject => a.subject.cmp(&b.subject),
            Key::SentAt => a.sent_at.cmp(&b.sent_at),
            Key::HasKeyword(k) => has(&a.keywords, k).cmp(&has(&b.keywords, k)),
        };
        let o = if *asc { o } else { o.reverse() };
        if o != Ordering::Equal {
            return o;
        }
    }
    // A stable order for equal keys: newest first, then by id.
    b.received_at.cmp(&a.received_at).then(b.id.cmp(&a.id))
}

fn has(keywords: &[String], k: &str) -> bool {
    keywords.iter().any(|x| x.eq_ignore_ascii_case(k))
}

type Translated<'f> = Pin<Box<dyn Future<Output = Result<Query, MethodError>> + Send + 'f>>;

/// Turns a FilterOperator / FilterCondition tree into one `Query`.
struct Translate<'c, 'a> {
    ctx: &'c Ctx<'a>,
    account: &'c Account,
    readable: &'c [CollectionId],
    /// Runs of message ids named so far.
    runs: std::sync::atomic::AtomicUsize,
}

impl Translate<'_, '_> {
    /// The top of the filter: a condition's inMailbox / inMailboxOtherThan narrow the
    /// mailboxes searched; anywhere else they become the set of messages in those mailboxes.
    async fn top(&mut self, f: &Value) -> Result<(Vec<CollectionId>, Query), MethodError> {
        let Value::Object(map) = f else { return Err(MethodError::invalid("filter must be an object")) };
        if map.contains_key("operator") {
            return Ok((self.readable.to_vec(), self.node(f, 0).await?));
        }
        let mut scope = self.readable.to_vec();
        let mut rest = map.clone();
        if let Some(v) = rest.remove("inMailbox") {
            let m = self.mailbox(&v)?;
            scope.retain(|c| Some(*c) == m);
        }
        if let Some(v) = rest.remove("inMailboxOtherThan") {
            let others = self.mailboxes(&v)?;
            scope.retain(|c| !others.contains(c));
        }
        Ok((scope, self.node(&Value::Object(rest), 0).await?))
    }

    fn node<'s>(&'s self, f: &'s Value, depth: usize) -> Translated<'s> {
        Box::pin(async move {
            if depth > MAX_FILTER_DEPTH {
                return Err(MethodError::UnsupportedFilter("filter nested too deep".into()));
            }
            let Value::Object(map) = f else { return Err(MethodError::invalid("a filter must be an object")) };
            let Some(op) = map.get("operator") else { return self.condition(map).await };
            let Some(Value::Array(conditions)) = map.get("conditions") else {
                return Err(MethodError::invalid("an operator needs conditions"));
            };
            let mut list = Vec::with_capacity(conditions.len());
            for c in conditions {
                list.push(self.node(c, depth + 1).await?);
            }
            match op.as_str() {
                Some("AND") => Ok(Query::And(list)),
                Some("OR") => Ok(Query::Or(list)),
                Some("NOT") => Ok(Query::Not(Box::new(Query::Or(list)))),
                _ => Err(MethodError::UnsupportedFilter(format!("operator {op}"))),
            }
        })
    }

    fn mailbox(&self, v: &Value) -> Result<Option<CollectionId>, MethodError> {
        let id = v.as_str().ok_or_else(|| MethodError::invalid("a mailbox id must be a string"))?;
        Ok(self.ctx.id(id).and_then(ids::parse_mailbox).filter(|m| self.account.mailbox(*m).is_some()))
    }

    fn mailboxes(&self, v: &Value) -> Result<Vec<CollectionId>, MethodError> {
        let Value::Array(list) = v else { return Err(MethodError::invalid("inMailboxOtherThan must be a list")) };
        let mut out = Vec::with_capacity(list.len());
        for v in list {
            out.extend(self.mailbox(v)?);
        }
        Ok(out)
    }

    async fn condition(&self, map: &Map<String, Value>) -> Result<Query, MethodError> {
        let mut all = Vec::with_capacity(map.len());
        for (k, v) in map {
            all.push(self.one(k, v).await?);
        }
        Ok(if all.len() == 1 { all.remove(0) } else { Query::And(all) })
    }

    async fn one(&self, k: &str, v: &Value) -> Result<Query, MethodError> {
        let text =
            || v.as_str().map(str::to_owned).ok_or_else(|| MethodError::invalid(format!("{k} must be a string")));
        let number = || v.as_u64().ok_or_else(|| MethodError::invalid(format!("{k} must be an unsigned integer")));
        let keyword =
            || v.as_str().and_then(from_jmap).ok_or_else(|| MethodError::invalid(format!("{k}: not a keyword")));
        Ok(match k {
            "inMailbox" => {
                let m = self.mailbox(v)?;
                self.in_mailboxes(m.into_iter().collect()).await?
            }
            "inMailboxOtherThan" => {
                let others = self.mailboxes(v)?;
                let rest = self.readable.iter().copied().filter(|c| !others.contains(c)).collect();
                self.in_mailboxes(rest).await?
            }
            "before" => Query::ReceivedAt { after: false, at: utc(&text()?)?.saturating_sub(1) },
            "after" => Query::ReceivedAt { after: true, at: utc(&text()?)? },
            "minSize" => Query::Larger(number()?.saturating_sub(1)),
            "maxSize" => Query::Smaller(number()?),
            "hasKeyword" => Query::Keyword(keyword()?),
            "notKeyword" => Query::Not(Box::new(Query::Keyword(keyword()?))),
            "someInThreadHaveKeyword" => self.threads_with(Query::Keyword(keyword()?)).await?,
            "noneInThreadHaveKeyword" => Query::Not(Box::new(self.threads_with(Query::Keyword(keyword()?)).await?)),
            "allInThreadHaveKeyword" => {
                Query::Not(Box::new(self.threads_with(Query::Not(Box::new(Query::Keyword(keyword()?)))).await?))
            }
            "hasAttachment" => {
                let want = v.as_bool().ok_or_else(|| MethodError::invalid("hasAttachment must be a boolean"))?;
                let with = self.with_attachment().await?;
                if want { with } else { Query::Not(Box::new(with)) }
            }
            "text" => Query::Text(text()?),
            "from" => Query::Address(AddressField::From, text()?),
            "to" => Query::Address(AddressField::To, text()?),
            "cc" => Query::Address(AddressField::Cc, text()?),
            "bcc" => Query::Address(AddressField::Bcc, text()?),
            "subject" => Query::Subject(text()?),
            "body" => Query::Body(text()?),
            "header" => {
                let list: Vec<&str> =
                    v.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                match list.as_slice() {
                    [name] => Query::Header((*name).to_owned(), String::new()),
                    [name, value] => Query::Header((*name).to_owned(), (*value).to_owned()),
                    _ => return Err(MethodError::invalid("header must be [name] or [name, value]")),
                }
            }
            other => return Err(MethodError::UnsupportedFilter(format!("Email filter {other}"))),
        })
    }

    /// The messages in `mailboxes`.
    async fn in_mailboxes(&self, mailboxes: Vec<CollectionId>) -> Result<Query, MethodError> {
        let items = self
            .ctx
            .jmap
            .store()
            .read(move |r| {
                let mut out = Vec::new();
                for m in mailboxes {
                    out.extend(r.mailbox_entries(m)?.into_iter().map(|e| e.item));
                }
                Ok(out)
            })
            .await?;
        self.items(items)
    }

    /// The messages whose thread holds a message matching `q` (in what the actor reads).
    async fn threads_with(&self, q: Query) -> Result<Query, MethodError> {
        let hits = search(self.ctx.jmap.store(), &Scope::Mailboxes(self.readable.to_vec()), &q).await?;
        let items: Vec<ItemId> = hits.into_iter().map(|h| h.item).collect();
        let members = self
            .ctx
            .jmap
            .store()
            .read(move |r| {
                let mut threads = HashSet::new();
                let mut out = Vec::new();
                for id in items {
                    let t = r.item(id)?.thread_id.unwrap_or(id.0);
                    if threads.insert(t) {
                        out.extend(r.thread_messages(t)?);
                    }
                }
                Ok(out)
            })
            .await?;
        self.items(members)
    }

    /// The messages with an attachment (RFC 8621 §4.1.4 hasAttachment, from the summary).
    async fn with_attachment(&self) -> Result<Query, MethodError> {
        let mailboxes = self.readable.to_vec();
        let items = self
            .ctx
            .jmap
            .store()
            .read(move |r| {
                let mut out = Vec::new();
                for m in mailboxes {
                    for (id, summary) in r.mailbox_summaries(m)? {
                        if Summary::from_stored(&summary).has_attachment {
                            out.push(id);
                        }
                    }
                }
                Ok(out)
            })
            .await?;
        self.items(items)
    }

    /// A set of messages as a query, within `MAX_ID_RUNS` for the whole filter (else the
    /// filter is refused, never sent to the store to fail there).
    fn items(&self, items: Vec<ItemId>) -> Result<Query, MethodError> {
        let added = relais_mail::search::item_ranges(&items).len();
        let runs = self.runs.fetch_add(added, std::sync::atomic::Ordering::Relaxed) + added;
        if runs > MAX_ID_RUNS {
            return Err(MethodError::UnsupportedFilter(
                "the filter names too many messages by mailbox, thread or attachment; narrow it with inMailbox".into(),
            ));
        }
        Ok(Query::Items(items))
    }
}

/// An RFC 8620 §1.4 UTCDate (`2026-12-01T10:00:00Z`, fractions allowed) as unix seconds.
pub(crate) fn utc(s: &str) -> Result<i64, MethodError> {
    let bad = || MethodError::invalid(format!("{s} is not a UTCDate"));
    let b = s.as_bytes();
    if b.len() < 20
        || !s.ends_with('Z')
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<i64>().ok()).ok_or_else(bad);
    let (y, mo, d, h, mi, se) = (n(0..4)?, n(5..7)?, n(8..10)?, n(11..13)?, n(14..16)?, n(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return Err(bad());
    }
    let days = relais_civil::days_from_civil(y, mo, d);
    Ok(days * 86_400 + h * 3600 + mi * 60 + se)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc("2026-12-01T10:00:00Z").unwrap(), 1_796_119_200);
        assert_eq!(utc("1970-01-01T00:00:00.5Z").unwrap(), 0);
        for bad in ["", "2026-12-01", "2026-13-01T10:00:00Z", "2026-12-01T10:00:00+01:00", "abcd-12-01T10:00:00Z"] {
            assert!(utc(bad).is_err(), "{bad}");
        }
    }
}
