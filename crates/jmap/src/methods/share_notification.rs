//! ShareNotification/get, /changes, /query and /set (RFC 9670 §5) on the notifications the
//! access service writes into a user's own account when its rights on another's mailbox,
//! address book or calendar change (`relais_directory::share_notifications`; IMAP SETACL, DAV
//! ACL and JMAP shareWith alike). Only the server makes them: /set destroys and nothing else.
//! /query filters by after, before (created), objectType and objectAccountId and sorts by
//! created, over the account's few kept notifications in memory.
//!
//! ```text
//! ["ShareNotification/query", {"accountId": "a2", "filter": {"objectType": "Mailbox"},
//!   "sort": [{"property": "created", "isAscending": false}]}, "0"]
//! ```

use relais_directory::access::Rights;
use relais_mail::MailError;
use relais_store::{AccountId, CollectionId, CollectionKind, DataType, ShareNotification};
use serde_json::{Map, Value, json};

use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::args::wanted;
use crate::methods::changes::{changes as log_changes, state};
use crate::methods::email_get::utc_date;
use crate::methods::email_query::utc;
use crate::methods::principal::principal_id;
use crate::methods::set::{Outcome, SetRequest};
use crate::methods::share_with::{Kind, rights_json};
use crate::methods::{Args, Ctx, query};

const PROPERTIES: [&str; 9] =
    ["id", "created", "changedBy", "objectType", "objectAccountId", "objectId", "oldRights", "newRights", "name"];

fn id_of(n: i64) -> String {
    format!("sn{n}")
}

fn parse_id(s: &str) -> Option<i64> {
    let digits = s.strip_prefix("sn")?;
    (!digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The JMAP type, its rights object and the object's id, of a shared collection.
fn object(kind: CollectionKind, c: CollectionId) -> Option<(&'static str, Kind, String)> {
    match kind {
        CollectionKind::Mailbox => Some(("Mailbox", Kind::Mailbox, ids::mailbox(c))),
        CollectionKind::AddressBook => Some(("AddressBook", Kind::AddressBook, ids::address_book(c))),
        CollectionKind::Calendar => Some(("Calendar", Kind::Calendar, ids::calendar(c))),
        _ => None,
    }
}

/// RFC 9670 §5.1: a notification as the client reads it; `who` is the changer's name and
/// address (None: no longer in the directory).
fn notification_json(n: &ShareNotification, who: Option<(String, String)>, properties: &Option<Vec<String>>) -> Value {
    let what = &n.what;
    let (object_type, kind, object_id) =
        object(what.kind, what.collection).unwrap_or(("", Kind::Mailbox, String::new()));
    let rights = |bits: i64| if bits == 0 { Value::Null } else { rights_json(kind, Rights::from_bits(bits)) };
    let changed_by = match who {
        Some((name, email)) => json!({ "name": name, "email": email, "principalId": principal_id(what.changed_by) }),
        None => json!({ "name": "", "email": null, "principalId": null }),
    };
    let all = [
        ("id", json!(id_of(n.id))),
        ("created", json!(utc_date(n.created))),
        ("changedBy", changed_by),
        ("objectType", json!(object_type)),
        ("objectAccountId", json!(ids::account(what.object_account))),
        ("objectId", json!(object_id)),
        ("oldRights", rights(what.old_rights)),
        ("newRights", rights(what.new_rights)),
        ("name", json!(what.name)),
    ];
    let m: Map<String, Value> = all
        .into_iter()
        .filter(|(k, _)| *k == "id" || wanted(properties, &PROPERTIES, k))
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    Value::Object(m)
}

/// The account's notifications of the types JMAP shares.
async fn notifications(ctx: &Ctx<'_>, account: AccountId) -> Result<Vec<ShareNotification>, MethodError> {
    let all = ctx.jmap.mailer.directory().share_notifications(account).await.map_err(MailError::from)?;
    Ok(all.into_iter().filter(|n| object(n.what.kind, n.what.collection).is_some()).collect())
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let wanted_ids = args.get_ids(ctx)?;
    let properties = args.properties(&PROPERTIES)?;
    let state = state(ctx, account.id).await?;
    let all = notifications(ctx, account.id).await?;
    let chosen: Vec<&ShareNotification> = match &wanted_ids {
        None => all.iter().collect(),
        Some(w) => all.iter().filter(|n| w.contains(&id_of(n.id))).collect(),
    };
    let mut list = Vec::with_capacity(chosen.len());
    for n in chosen {
        // Named only if the user may see who it was (the directory's address-list scope).
        let who = ctx
            .jmap
            .mailer
            .directory()
            .visible_principal(ctx.principal, n.what.changed_by)
            .await
            .map_err(MailError::from)?;
        list.push(notification_json(n, who.map(|p| (p.display_name.clone(), p.address())), &properties));
    }
    let found: Vec<String> = list.iter().filter_map(|v| v["id"].as_str().map(str::to_owned)).collect();
    let not_found: Vec<String> = wanted_ids.unwrap_or_default().into_iter().filter(|i| !found.contains(i)).collect();
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    log_changes(ctx, &args, &account, DataType::ShareNotification, id_of, None).await
}

/// RFC 9670 §5.3: only destroy; a create or update is forbidden.
pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let mut set = SetRequest::read(ctx, &mut args, true).await?;
    let account = set.account.id;
    let mut out = Outcome::default();
    for (cid, _) in std::mem::take(&mut set.create) {
        out.created(ctx, cid, Err(SetError::forbidden("share notifications are made by the server")));
    }
    for (id, _) in std::mem::take(&mut set.update) {
        out.updated(id, Err(SetError::forbidden("share notifications are not changed")));
    }
    for id in std::mem::take(&mut set.destroy) {
        let result = match parse_id(&id) {
            None => Err(SetError::not_found()),
            Some(n) => match ctx.jmap.mailer.directory().destroy_share_notification(account, n).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(SetError::not_found()),
                Err(e) => Err(SetError::from(MailError::from(e))),
            },
        };
        out.destroyed(id, result);
    }
    out.response(ctx, &set).await
}

enum Condition {
    After(i64),
    Before(i64),
    ObjectType(String),
    ObjectAccountId(String),
}

fn read_filter(v: Option<&Value>) -> Result<Vec<Condition>, MethodError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let Value::Object(m) = v else { return Err(MethodError::invalid("filter must be an object")) };
    let text = |k: &str, v: &Value| -> Result<String, MethodError> {
        v.as_str().map(str::to_owned).ok_or_else(|| MethodError::invalid(format!("{k} is a string")))
    };
    m.iter()
        .map(|(k, v)| {
            Ok(match k.as_str() {
                "after" => Condition::After(utc(&text(k, v)?)?),
                "before" => Condition::Before(utc(&text(k, v)?)?),
                "objectType" => Condition::ObjectType(text(k, v)?),
                "objectAccountId" => Condition::ObjectAccountId(text(k, v)?),
                other => return Err(MethodError::UnsupportedFilter(format!("ShareNotification filter {other}"))),
            })
        })
        .collect()
}

fn matches(conditions: &[Condition], n: &ShareNotification) -> bool {
    conditions.iter().all(|c| match c {
        Condition::After(t) => n.created >= *t,
        Condition::Before(t) => n.created < *t,
        Condition::ObjectType(t) => object(n.what.kind, n.what.collection).is_some_and(|(name, _, _)| name == t),
        Condition::ObjectAccountId(a) => *a == ids::account(n.what.object_account),
    })
}

/// Whether the sort is by created descending (`created` is the only property, RFC 9670 §5.4).
fn descending(args: &Args) -> Result<bool, MethodError> {
    let Some(sort) = args.get("sort") else { return Ok(false) };
    let Value::Array(sort) = sort else { return Err(MethodError::invalid("sort must be a list")) };
    let mut desc = false;
    for (i, c) in sort.iter().enumerate() {
        if c.get("property").and_then(Value::as_str) != Some("created") || i > 0 {
            return Err(MethodError::UnsupportedSort("ShareNotification sorts by created only".into()));
        }
        desc = c.get("isAscending").and_then(Value::as_bool) == Some(false);
    }
    Ok(desc)
}

pub(crate) async fn query(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let conditions = read_filter(args.get("filter"))?;
    let desc = descending(&args)?;
    let state = state(ctx, account.id).await?;
    let mut all = notifications(ctx, account.id).await?;
    all.retain(|n| matches(&conditions, n));
    // Oldest first (ids grow with time), or newest first.
    if desc {
        all.reverse();
    }
    let found: Vec<String> = all.iter().map(|n| id_of(n.id)).collect();
    let total = found.len();
    let start = query::start(&args, total, |anchor| found.iter().position(|i| i == anchor))?;
    let limit = query::limit(ctx, &args)?;
    let page: Vec<String> = found.into_iter().skip(start).take(limit).collect();
    query::page(ctx, &args, &account, state, start, page, total)
}
