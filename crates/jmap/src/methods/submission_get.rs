//! EmailSubmission/get, /changes and /query (RFC 8621 §7.1–7.3) on the submissions the mail
//! domain keeps (`relais_mail::email_submission`: a bounded number per account, for a bounded
//! time). /changes reads the account's change log; /query filters by identityIds, emailIds,
//! threadIds, undoStatus, before and after (sendAt) and sorts by emailId, threadId or sentAt,
//! over the account's few kept submissions in memory.
//!
//! ```text
//! ["EmailSubmission/query", {"accountId": "a1", "filter": {"undoStatus": "pending"},
//!   "sort": [{"property": "sentAt", "isAscending": false}]}, "0"]
//! ```

use std::cmp::Ordering;
use std::collections::HashSet;

use relais_mail::email_submission::{Delivery, EmailSubmission};
use relais_store::{AccountId, DataType, UndoStatus};
use serde_json::{Map, Value, json};

use crate::error::MethodError;
use crate::ids;
use crate::methods::args::wanted;
use crate::methods::changes::{changes as log_changes, state};
use crate::methods::email_get::utc_date;
use crate::methods::email_query::utc;
use crate::methods::{Args, Ctx, identity, query};

const PROPERTIES: [&str; 10] = [
    "id",
    "identityId",
    "emailId",
    "threadId",
    "envelope",
    "sendAt",
    "undoStatus",
    "deliveryStatus",
    "dsnBlobIds",
    "mdnBlobIds",
];

/// Most conditions and operators one filter may hold, and how deep operators nest.
const MAX_TERMS: usize = 64;
const MAX_DEPTH: usize = 8;

fn undo_name(u: UndoStatus) -> &'static str {
    match u {
        UndoStatus::Pending => "pending",
        UndoStatus::Final => "final",
        UndoStatus::Canceled => "canceled",
    }
}

fn delivered_name(d: Delivery) -> &'static str {
    match d {
        Delivery::Queued => "queued",
        Delivery::Yes => "yes",
        Delivery::No => "no",
        Delivery::Unknown => "unknown",
    }
}

/// RFC 8621 §7: the object as the client reads it (`properties`: None for all).
pub(crate) fn submission_json(account: AccountId, s: &EmailSubmission, properties: &Option<Vec<String>>) -> Value {
    let address =
        |a: &relais_mail::email_submission::SubmissionAddress| json!({ "email": a.email, "parameters": a.parameters });
    let envelope = json!({
        "mailFrom": address(&s.envelope.mail_from),
        "rcptTo": s.envelope.rcpt_to.iter().map(address).collect::<Vec<_>>(),
    });
    let delivery = match s.delivery.is_empty() {
        true => Value::Null,
        false => s
            .delivery
            .iter()
            .map(|(to, d)| {
                let v = json!({ "smtpReply": d.smtp_reply, "delivered": delivered_name(d.delivered), "displayed": "unknown" });
                (to.clone(), v)
            })
            .collect::<Map<String, Value>>()
            .into(),
    };
    let all = [
        ("id", json!(ids::submission(s.id))),
        ("identityId", json!(identity::id_of(account, s.identity))),
        ("emailId", json!(ids::email(s.email))),
        ("threadId", json!(ids::thread(s.thread))),
        ("envelope", envelope),
        ("sendAt", json!(utc_date(s.send_at))),
        ("undoStatus", json!(undo_name(s.undo))),
        ("deliveryStatus", delivery),
        ("dsnBlobIds", json!([])),
        ("mdnBlobIds", json!([])),
    ];
    let m: Map<String, Value> = all
        .into_iter()
        .filter(|(k, _)| *k == "id" || wanted(properties, &PROPERTIES, k))
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    Value::Object(m)
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let wanted_ids = args.get_ids(ctx)?;
    let properties = args.properties(&PROPERTIES)?;
    let state = state(ctx, account.id).await?;
    let all = ctx.jmap.mailer.submissions(account.id).await?;
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    match wanted_ids {
        None => list.extend(all.iter().map(|s| submission_json(account.id, s, &properties))),
        Some(wanted_ids) => {
            for id in wanted_ids {
                match all.iter().find(|s| Some(s.id) == ids::parse_submission(&id)) {
                    Some(s) => list.push(submission_json(account.id, s, &properties)),
                    None => not_found.push(id),
                }
            }
        }
    }
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

/// EmailSubmission/changes: the account's change log.
pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    log_changes(ctx, &args, &account, DataType::EmailSubmission, ids::submission, None).await
}

/// One filter: a condition, or an operator over filters (RFC 8620 §5.5).
enum Filter {
    Operator { op: Op, of: Vec<Filter> },
    Condition(Vec<Condition>),
}

#[derive(Clone, Copy)]
enum Op {
    And,
    Or,
    Not,
}

enum Condition {
    IdentityIds(HashSet<String>),
    EmailIds(HashSet<String>),
    ThreadIds(HashSet<String>),
    UndoStatus(String),
    Before(i64),
    After(i64),
}

/// Ids one filter condition may list.
const MAX_FILTER_IDS: usize = 1_000;

fn id_list(k: &str, v: &Value) -> Result<HashSet<String>, MethodError> {
    let bad = || MethodError::invalid(format!("{k} is a list of at most {MAX_FILTER_IDS} ids"));
    let list = v.as_array().filter(|l| l.len() <= MAX_FILTER_IDS).ok_or_else(bad)?;
    list.iter().map(|i| i.as_str().map(str::to_owned).ok_or_else(bad)).collect()
}

fn text<'v>(k: &str, v: &'v Value) -> Result<&'v str, MethodError> {
    v.as_str().ok_or_else(|| MethodError::invalid(format!("{k} is a string")))
}

fn read_filter(v: &Value, depth: usize, terms: &mut usize) -> Result<Filter, MethodError> {
    *terms += 1;
    if depth > MAX_DEPTH || *terms > MAX_TERMS {
        return Err(MethodError::UnsupportedFilter(format!("more than {MAX_TERMS} terms or {MAX_DEPTH} levels")));
    }
    let Value::Object(m) = v else { return Err(MethodError::invalid("a filter is an object")) };
    if let Some(op) = m.get("operator") {
        let op = match op.as_str() {
            Some("AND") => Op::And,
            Some("OR") => Op::Or,
            Some("NOT") => Op::Not,
            _ => return Err(MethodError::invalid("operator is AND, OR or NOT")),
        };
        let Some(Value::Array(list)) = m.get("conditions") else {
            return Err(MethodError::invalid("an operator needs conditions"));
        };
        let of = list.iter().map(|c| read_filter(c, depth + 1, terms)).collect::<Result<_, _>>()?;
        return Ok(Filter::Operator { op, of });
    }
    let mut conditions = Vec::new();
    for (k, v) in m {
        conditions.push(match k.as_str() {
            "identityIds" => Condition::IdentityIds(id_list(k, v)?),
            "emailIds" => Condition::EmailIds(id_list(k, v)?),
            "threadIds" => Condition::ThreadIds(id_list(k, v)?),
            "undoStatus" => Condition::UndoStatus(text(k, v)?.to_owned()),
            "before" => Condition::Before(utc(text(k, v)?)?),
            "after" => Condition::After(utc(text(k, v)?)?),
            other => return Err(MethodError::UnsupportedFilter(format!("EmailSubmission filter {other}"))),
        });
    }
    Ok(Filter::Condition(conditions))
}

fn matches(f: &Filter, account: AccountId, s: &EmailSubmission) -> bool {
    match f {
        Filter::Operator { op: Op::And, of } => of.iter().all(|f| matches(f, account, s)),
        Filter::Operator { op: Op::Or, of } => of.iter().any(|f| matches(f, account, s)),
        Filter::Operator { op: Op::Not, of } => !of.iter().any(|f| matches(f, account, s)),
        Filter::Condition(all) => all.iter().all(|c| match c {
            Condition::IdentityIds(l) => l.contains(&identity::id_of(account, s.identity)),
            Condition::EmailIds(l) => l.contains(&ids::email(s.email)),
            Condition::ThreadIds(l) => l.contains(&ids::thread(s.thread)),
            Condition::UndoStatus(u) => u == undo_name(s.undo),
            // RFC 8621 §7.3: sendAt before (exclusive) and after (inclusive).
            Condition::Before(t) => s.send_at < *t,
            Condition::After(t) => s.send_at >= *t,
        }),
    }
}

#[derive(Clone, Copy)]
enum Key {
    EmailId,
    ThreadId,
    SentAt,
}

fn sort_keys(args: &Args) -> Result<Vec<(Key, bool)>, MethodError> {
    let Some(sort) = args.get("sort") else { return Ok(Vec::new()) };
    let Value::Array(sort) = sort else { return Err(MethodError::invalid("sort must be a list")) };
    if sort.len() > MAX_TERMS {
        return Err(MethodError::UnsupportedSort("too many comparators".into()));
    }
    sort.iter()
        .map(|c| {
            let asc = c.get("isAscending").and_then(Value::as_bool).unwrap_or(true);
            let key = match c.get("property").and_then(Value::as_str) {
                Some("emailId") => Key::EmailId,
                Some("threadId") => Key::ThreadId,
                Some("sentAt") => Key::SentAt,
                other => return Err(MethodError::UnsupportedSort(format!("EmailSubmission sort {other:?}"))),
            };
            Ok((key, asc))
        })
        .collect()
}

fn compare(keys: &[(Key, bool)], a: &EmailSubmission, b: &EmailSubmission) -> Ordering {
    for (key, asc) in keys {
        let o = match key {
            Key::EmailId => a.email.0.cmp(&b.email.0),
            Key::ThreadId => a.thread.cmp(&b.thread),
            Key::SentAt => a.send_at.cmp(&b.send_at),
        };
        let o = if *asc { o } else { o.reverse() };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.id.cmp(&b.id)
}

pub(crate) async fn query(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let filter = match args.get("filter") {
        None => None,
        Some(f) => Some(read_filter(f, 0, &mut 0)?),
    };
    let keys = sort_keys(&args)?;
    let state = state(ctx, account.id).await?;
    let mut all = ctx.jmap.mailer.submissions(account.id).await?;
    all.retain(|s| filter.as_ref().is_none_or(|f| matches(f, account.id, s)));
    all.sort_by(|a, b| compare(&keys, a, b));
    let total = all.len();
    let found: Vec<String> = all.iter().map(|s| ids::submission(s.id)).collect();
    let start = query::start(&args, total, |anchor| found.iter().position(|i| i == anchor))?;
    let limit = query::limit(ctx, &args)?;
    let page: Vec<String> = found.into_iter().skip(start).take(limit).collect();
    query::page(ctx, &args, &account, state, start, page, total)
}
