//! Search of the mailbox (MS-ASCMD §2.2.1.16, Store Name `Mailbox`; what iOS Mail and the
//! Gmail app use for a server-side search):
//!
//! ```text
//! <Search><Store><Name>Mailbox</Name>
//!   <Query><And><airsync:Class>Email</airsync:Class><airsync:CollectionId>5</airsync:CollectionId>
//!     <FreeText>budget</FreeText><GreaterThan><email:DateReceived/><Value>2026-…Z</Value></GreaterThan>
//!   </And></Query>
//!   <Options><Range>0-9</Range><DeepTraversal/><RebuildResults/>
//!     <airsyncbase:BodyPreference>…</airsyncbase:BodyPreference><airsync:MIMESupport>…</airsync:MIMESupport>
//!   </Options></Store></Search>
//! ```
//!
//! The query becomes the mail domain's (`relais_mail::search::Query`: FreeText's words each in
//! a header field or the body, DateReceived compared strictly, ConversationId its thread) and
//! runs through `search_as`, so only mailboxes the actor may read are searched. Each result is
//! `Class`, `LongId` (the message's ServerId, `<folder>:<uid>`, which ItemOperations Fetch and
//! SmartReply/SmartForward take back), `CollectionId` and `Properties` as a Sync Add's
//! ApplicationData in the body preference asked. Newest first; RebuildResults changes nothing
//! (nothing is cached between searches).
//!
//! Store Status (MS-ASCMD §2.2.3.177.13): 2 a request that cannot be read (no Query, a bad
//! Range or date, a folder the actor may not see), 5 a folder it sees but may not read, 8 a
//! query too complex (too many conditions, nested too deep, an unsupported test), 10 a search
//! that ran out of time, 3 a server error.

use std::time::Duration;

use relais_mail::search::{Query, Scope};
use relais_mail::{MailError, mailbox};
use relais_store::CollectionId;
use relais_wbxml::Element;
use relais_wbxml::tag::{airsync as a, email, search as s};

use crate::email::{BodyPreference, application_data, conversation_id};
use crate::folders::{Folder, collection_id};
use crate::sync::server_id;
use crate::{Ctx, text_of};

/// Most results one answer holds, whatever range is asked.
pub(crate) const MAX_RESULTS: usize = 100;
/// Most conditions in one query, and how deep And and Or nest.
const MAX_CONDITIONS: usize = 32;
const MAX_DEPTH: usize = 4;
/// Most characters of FreeText.
const MAX_TEXT: usize = 256;
/// Octets of a body sent when the device names no BodyPreference.
const DEFAULT_TRUNCATION: u32 = 5_120;
/// How long a search may run before it is answered Status 10.
const TIME_LIMIT: Duration = Duration::from_secs(30);

/// A mailbox search as the device asked it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Asked {
    /// The conditions on messages (folders, class and conversation apart).
    pub query: Query,
    /// The folders named (none: the whole mailbox).
    pub collections: Vec<String>,
    /// The conversation named (email2 ConversationId octets).
    pub conversation: Option<Vec<u8>>,
    /// A class other than Email was asked: nothing matches.
    pub other_class: bool,
    pub deep: bool,
    /// First and last result wanted (inclusive), at most `MAX_RESULTS`.
    pub range: (usize, usize),
    pub body: BodyPreference,
}

/// A refusal: the Store Status to answer.
type Refused = u8;

/// Reads the Store element of a mailbox search.
pub(crate) fn parse(store: &Element) -> Result<Asked, Refused> {
    let query = store.child(s::QUERY).ok_or(2)?;
    let mut asked = Asked {
        query: Query::All,
        collections: Vec::new(),
        conversation: None,
        other_class: false,
        deep: false,
        range: (0, MAX_RESULTS - 1),
        body: BodyPreference::default(),
    };
    let mut count = 0;
    let conditions =
        query.elements().map(|c| condition(c, 1, true, &mut count, &mut asked)).collect::<Result<_, _>>()?;
    asked.query = and(conditions);
    if let Some(options) = store.child(s::OPTIONS) {
        if let Some(r) = text_of(options, s::RANGE) {
            asked.range = range(&r).ok_or(2)?;
        }
        asked.deep = options.has(s::DEEP_TRAVERSAL);
        asked.body = BodyPreference::from_options(options, None);
        if !options.has(relais_wbxml::tag::airsyncbase::BODY_PREFERENCE) {
            asked.body.truncation = Some(DEFAULT_TRUNCATION);
        }
    } else {
        asked.body.truncation = Some(DEFAULT_TRUNCATION);
    }
    Ok(asked)
}

/// `a-b`, inclusive, `a <= b`, bounded to `MAX_RESULTS` results.
fn range(text: &str) -> Option<(usize, usize)> {
    let (a, b) = text.split_once('-')?;
    let (a, b) = (a.trim().parse::<usize>().ok()?, b.trim().parse::<usize>().ok()?);
    (a <= b).then(|| (a, b.min(a.saturating_add(MAX_RESULTS - 1))))
}

/// The conjunction of `conditions` (none: all messages).
fn and(mut conditions: Vec<Query>) -> Query {
    conditions.retain(|q| *q != Query::All);
    match conditions.len() {
        0 => Query::All,
        1 => conditions.remove(0),
        _ => Query::And(conditions),
    }
}

/// FreeText (and Find's): every word, anywhere in a header field or the body; quotes around
/// words are dropped (a phrase is its words).
pub(crate) fn free_text(text: &str) -> Query {
    let words = text.split_whitespace().map(|w| w.trim_matches('"')).filter(|w| !w.is_empty());
    and(words.map(|w| Query::Text(w.to_owned())).collect())
}

/// One condition of the query. Class, CollectionId and ConversationId narrow the whole search
/// and are taken only at its top (directly in the Query or its first And).
fn condition(e: &Element, depth: usize, top: bool, count: &mut usize, asked: &mut Asked) -> Result<Query, Refused> {
    *count += 1;
    if *count > MAX_CONDITIONS || depth > MAX_DEPTH {
        return Err(8);
    }
    let t = e.tag;
    if t == s::AND || t == s::OR {
        let inner = t == s::AND && top;
        let list: Vec<Query> =
            e.elements().map(|c| condition(c, depth + 1, inner, count, asked)).collect::<Result<_, _>>()?;
        return Ok(if t == s::AND { and(list) } else { Query::Or(list) });
    }
    if t == a::CLASS || t == a::COLLECTION_ID || t == s::CONVERSATION_ID {
        if !top {
            return Err(8);
        }
        if t == a::CLASS {
            asked.other_class |= !e.text().trim().eq_ignore_ascii_case("Email");
        } else if t == a::COLLECTION_ID {
            asked.collections.push(e.text().trim().to_owned());
        } else {
            asked.conversation = Some(e.bytes().into_owned());
        }
        return Ok(Query::All);
    }
    if t == s::FREE_TEXT {
        let text = e.text();
        if text.chars().count() > MAX_TEXT {
            return Err(8);
        }
        return Ok(free_text(&text));
    }
    if t == s::GREATER_THAN || t == s::LESS_THAN {
        if !e.has(email::DATE_RECEIVED) {
            return Err(8);
        }
        let at = text_of(e, s::VALUE).and_then(|v| crate::calendar::parse_time(&v)).ok_or(2)?;
        // Strictly after or before, to the second.
        let after = t == s::GREATER_THAN;
        return Ok(Query::ReceivedAt { after, at: if after { at.saturating_add(1) } else { at.saturating_sub(1) } });
    }
    // EqualTo (a document library's) and the rest.
    Err(if t == s::EQUAL_TO { 8 } else { 2 })
}

/// The Store element answering a mailbox search.
pub(crate) async fn search(ctx: &Ctx<'_>, store: &Element) -> Element {
    let asked = match parse(store) {
        Ok(a) => a,
        Err(code) => return answer(code, Vec::new(), None),
    };
    match tokio::time::timeout(TIME_LIMIT, run(ctx, &asked)).await {
        Ok(Ok((results, total))) => {
            let range =
                (!results.is_empty()).then(|| format!("{}-{}", asked.range.0, asked.range.0 + results.len() - 1));
            answer(1, results, Some((range, total)))
        }
        Ok(Err(code)) => answer(code, Vec::new(), None),
        Err(_) => answer(10, Vec::new(), None),
    }
}

fn answer(code: u8, results: Vec<Element>, shown: Option<(Option<String>, usize)>) -> Element {
    let mut st = Element::new(s::STORE).with_leaf(s::STATUS, code.to_string());
    if let Some((range, total)) = shown {
        // No match is an empty Result for the mailbox (MS-ASCMD §2.2.3.155.3).
        st = if results.is_empty() { st.with_empty(s::RESULT) } else { st.with_all(results) };
        if let Some(r) = range {
            st = st.with_leaf(s::RANGE, r);
        }
        st = st.with_leaf(s::TOTAL, total.to_string());
    }
    st
}

/// The mail folders of the account (FolderSync's mail types).
pub(crate) fn mail_folders(all: Vec<Folder>) -> Vec<Folder> {
    all.into_iter().filter(|f| matches!(f.kind, 1..=6 | 12)).collect()
}

/// The folders `asked` names, with their subfolders for DeepTraversal; every own mail folder
/// when it names none.
fn scope(asked: &Asked, own: &[Folder]) -> Result<Vec<CollectionId>, Refused> {
    if asked.collections.is_empty() {
        return Ok(own.iter().filter_map(|f| collection_id(&f.id)).collect());
    }
    let mut ids: Vec<String> = Vec::new();
    for c in &asked.collections {
        collection_id(c).ok_or(2)?;
        if !ids.contains(c) {
            ids.push(c.clone());
        }
    }
    let mut i = 0;
    while asked.deep && i < ids.len() {
        let parent = ids[i].clone();
        ids.extend(
            own.iter().filter(|f| f.parent == parent && !ids.contains(&f.id)).map(|f| f.id.clone()).collect::<Vec<_>>(),
        );
        i += 1;
    }
    Ok(ids.iter().filter_map(|c| collection_id(c)).collect())
}

/// Runs the search: the results in the range asked, and how many matched.
async fn run(ctx: &Ctx<'_>, asked: &Asked) -> Result<(Vec<Element>, usize), Refused> {
    if asked.other_class {
        return Ok((Vec::new(), 0));
    }
    let own = mail_folders(crate::folders::current(ctx).await.map_err(|_| 3)?);
    let mailboxes = scope(asked, &own)?;
    let refused = |e: MailError| match e {
        MailError::NoMailbox => 2,
        MailError::NoRight { .. } => 5,
        MailError::Cannot(_) => 8,
        e => {
            tracing::warn!(error = %e, "eas: mailbox search");
            3
        }
    };
    let mut query = asked.query.clone();
    if let Some(wanted) = &asked.conversation {
        let threads = relais_mail::thread::threads_in(ctx.store(), &ctx.actor, &mailboxes).await.map_err(refused)?;
        query = match threads.into_iter().find(|t| conversation_id(*t) == *wanted) {
            Some(t) => and(vec![query, Query::Thread(t)]),
            None => Query::Nothing,
        };
    }
    let scope = Scope::Mailboxes(mailboxes);
    let mut hits = relais_mail::search::search_as(ctx.store(), &ctx.actor, &scope, &query).await.map_err(refused)?;
    // Newest first: item ids grow with arrival, and a moved message keeps its own.
    hits.sort_by(|x, y| y.item.cmp(&x.item).then(y.mailbox.cmp(&x.mailbox)));
    let total = hits.len();
    let (first, last) = asked.range;
    let mut results = Vec::new();
    for hit in hits.iter().skip(first).take(last - first + 1) {
        let Ok(Some((listed, raw))) = mailbox::message(ctx.store(), &ctx.actor, hit.mailbox, hit.uid).await else {
            continue;
        };
        let folder = hit.mailbox.0.to_string();
        let mut props = application_data(&listed, &raw, &folder, &asked.body);
        props.tag = s::PROPERTIES;
        results.push(
            Element::new(s::RESULT)
                .with_leaf(a::CLASS, "Email")
                .with_leaf(s::LONG_ID, server_id(&folder, hit.uid))
                .with_leaf(a::COLLECTION_ID, folder.as_str())
                .with(props),
        );
    }
    Ok((results, total))
}

#[cfg(test)]
mod tests {
    use relais_wbxml::Element;
    use relais_wbxml::tag::{airsync as a, email, search as s};

    use super::{Asked, MAX_RESULTS, Query, parse};

    fn store(query: Element, options: Option<Element>) -> Element {
        Element::new(s::STORE).with_leaf(s::NAME, "Mailbox").with(query).with_opt(options)
    }

    fn date(tag: relais_wbxml::Tag, value: &str) -> Element {
        Element::new(tag).with_empty(email::DATE_RECEIVED).with_leaf(s::VALUE, value)
    }

    #[test]
    fn queries_read() {
        let and = |children: Vec<Element>| Element::new(s::QUERY).with(Element::new(s::AND).with_all(children));
        let t = |w: &str| Query::Text(w.into());
        let asked = parse(&store(
            and(vec![
                Element::leaf(a::CLASS, "Email"),
                Element::leaf(a::COLLECTION_ID, "5"),
                Element::leaf(s::FREE_TEXT, " budget  report "),
                date(s::GREATER_THAN, "2026-01-05T00:00:00.000Z"),
                date(s::LESS_THAN, "2026-01-06T00:00:00.000Z"),
            ]),
            Some(Element::new(s::OPTIONS).with_leaf(s::RANGE, "10-19").with_empty(s::DEEP_TRAVERSAL)),
        ))
        .unwrap();
        let day = 1_767_571_200;
        assert_eq!(
            asked.query,
            Query::And(vec![
                Query::And(vec![t("budget"), t("report")]),
                Query::ReceivedAt { after: true, at: day + 1 },
                Query::ReceivedAt { after: false, at: day + 86_399 },
            ])
        );
        assert_eq!((asked.collections.as_slice(), asked.deep, asked.range), (&["5".to_owned()][..], true, (10, 19)));
        assert!(!asked.other_class);
        assert_eq!(asked.body.truncation, Some(super::DEFAULT_TRUNCATION));
        // MIME asked with MIMESupport, as Sync takes them.
        let mime = Element::new(s::OPTIONS).with_leaf(a::MIME_SUPPORT, "2").with(
            Element::new(relais_wbxml::tag::airsyncbase::BODY_PREFERENCE)
                .with_leaf(relais_wbxml::tag::airsyncbase::TYPE, "4"),
        );
        let body = parse(&store(and(vec![Element::leaf(s::FREE_TEXT, "x")]), Some(mime))).unwrap().body;
        assert_eq!((body.kind, body.mime_support, body.truncation), (4, 2, None));
        // An Or of words; another class.
        let or =
            Element::new(s::QUERY).with(Element::new(s::OR).with_leaf(s::FREE_TEXT, "a").with_leaf(s::FREE_TEXT, "b"));
        assert_eq!(parse(&store(or, None)).unwrap().query, Query::Or(vec![t("a"), t("b")]));
        let calendar = and(vec![Element::leaf(a::CLASS, "Calendar"), Element::leaf(s::FREE_TEXT, "x")]);
        assert!(parse(&store(calendar, None)).unwrap().other_class);
    }

    #[test]
    fn refusals() {
        let q = |children: Vec<Element>| Element::new(s::QUERY).with(Element::new(s::AND).with_all(children));
        let free = || Element::leaf(s::FREE_TEXT, "x");
        let deep = (0..6).fold(free(), |inner, _| Element::new(s::OR).with(inner));
        let range = |r: &str| Some(Element::new(s::OPTIONS).with_leaf(s::RANGE, r));
        let cases: Vec<(&str, Element, Option<Element>, u8)> = vec![
            ("no query", Element::new(s::STORE).with_leaf(s::NAME, "Mailbox"), None, 2),
            ("too many", store(q((0..40).map(|_| free()).collect()), None), None, 8),
            ("too deep", store(Element::new(s::QUERY).with(deep), None), None, 8),
            ("long text", store(q(vec![Element::leaf(s::FREE_TEXT, "x".repeat(300))]), None), None, 8),
            ("bad date", store(q(vec![date(s::LESS_THAN, "yesterday")]), None), None, 2),
            ("other property", store(q(vec![Element::new(s::LESS_THAN).with_leaf(s::VALUE, "1")]), None), None, 8),
            ("equal to", store(q(vec![Element::new(s::EQUAL_TO)]), None), None, 8),
            (
                "folder in an Or",
                store(Element::new(s::QUERY).with(Element::new(s::OR).with_leaf(a::COLLECTION_ID, "5")), None),
                None,
                8,
            ),
            ("bad range", store(q(vec![free()]), range("9-1")), None, 2),
            ("huge range", store(q(vec![free()]), range("0-99999999999999999999999")), None, 2),
            ("words range", store(q(vec![free()]), range("all")), None, 2),
        ];
        for (name, st, _, code) in cases {
            assert_eq!(parse(&st).map(|_: Asked| ()), Err(code), "{name}");
        }
        // A wide range is cut to MAX_RESULTS.
        let wide = parse(&store(q(vec![free()]), range("5-4000000000"))).unwrap();
        assert_eq!(wide.range, (5, 5 + MAX_RESULTS - 1));
        let max = usize::MAX;
        let last = parse(&store(q(vec![free()]), range(&format!("{max}-{max}")))).unwrap();
        assert_eq!(last.range, (max, max));
    }
}
