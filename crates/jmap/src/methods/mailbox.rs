//! Mailbox/get, /changes, /query and /set (RFC 8621 §2). A mailbox is a mail collection the
//! actor sees (`relais_mail::mailbox::Folders`); its counts are read from the mailbox's
//! messages, myRights are the access service's rights as RFC 8621 §2 names them (with RFC
//! 9670's mayShare), shareWith its grants (`share_with`), and every
//! change is a `relais_mail::mailbox` operation by full name (create, rename, delete,
//! subscribe), so the rights are decided by the domain.
//!
//! ```text
//! ["Mailbox/get", {"accountId": "a1", "ids": null}, "0"]
//! ["Mailbox/query", {"accountId": "a1", "filter": {"role": "inbox"}, "sort": [{"property": "name"}]}, "1"]
//! ["Mailbox/set", {"accountId": "a1", "create": {"k1": {"name": "Lists", "parentId": null}}}, "2"]
//! ```

use std::collections::HashSet;

use relais_directory::access::Rights;
use relais_mail::mailbox::{self, Folder, MailboxRole, SEPARATOR};
use relais_store::{CollectionId, DataType};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::args::wanted;
use crate::methods::changes::{changes as log_changes, max_changes, parse_state, state};
use crate::methods::set::{Outcome, SetRequest};
use crate::methods::share_with::{self, Kind, SHARE_WITH};
use crate::methods::{Args, Ctx};

const PROPERTIES: [&str; 12] = [
    "id",
    "name",
    "parentId",
    "role",
    "sortOrder",
    "totalEmails",
    "unreadEmails",
    "totalThreads",
    "unreadThreads",
    "myRights",
    "isSubscribed",
    "shareWith",
];

/// Counts of one mailbox (RFC 8621 §2): unread is neither `$seen` nor `$draft`.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    total: usize,
    unread: usize,
    threads: usize,
    unread_threads: usize,
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let ids = args.get_ids(ctx)?;
    let properties = args.properties(&PROPERTIES)?;
    let state = state(ctx, account.id).await?;
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    let chosen: Vec<&Folder> = match &ids {
        None => account.mailboxes.iter().collect(),
        Some(ids) => {
            let mut out = Vec::new();
            for id in ids {
                match ids::parse_mailbox(id).and_then(|c| account.mailbox(c)) {
                    Some(f) => out.push(f),
                    None => not_found.push(Value::String(id.clone())),
                }
            }
            out
        }
    };
    let counting = ["totalEmails", "unreadEmails", "totalThreads", "unreadThreads"]
        .iter()
        .any(|p| wanted(&properties, &PROPERTIES, p));
    // RFC 9670 §4: who each mailbox is shared with, where the actor may read it (one read).
    let shared = if wanted(&properties, &PROPERTIES, SHARE_WITH) {
        let administered = chosen.iter().map(|f| f.collection.id).collect();
        share_with::acls(ctx, administered).await?
    } else {
        Vec::new()
    };
    for (i, f) in chosen.into_iter().enumerate() {
        let counts = if counting { counts(ctx, f).await? } else { Counts::default() };
        let share_with = share_with::share_with_json(Kind::Mailbox, shared.get(i).and_then(Option::as_ref));
        list.push(mailbox_json(&account, f, counts, share_with, &properties));
    }
    Ok(json!({
        "accountId": ids::account(account.id),
        "state": state,
        "list": list,
        "notFound": not_found,
    }))
}

async fn counts(ctx: &Ctx<'_>, f: &Folder) -> Result<Counts, MethodError> {
    if !f.may(Rights::READ_ITEMS) {
        return Ok(Counts::default());
    }
    let id = f.collection.id;
    let rows = ctx
        .jmap
        .store()
        .read(move |r| {
            let rows = r.mailbox_threads(id)?;
            Ok(rows
                .into_iter()
                .map(|(_, thread, keywords)| {
                    let read =
                        keywords.iter().any(|k| k.eq_ignore_ascii_case("\\Seen") || k.eq_ignore_ascii_case("\\Draft"));
                    (thread, !read)
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let mut threads = HashSet::new();
    let mut unread_threads = HashSet::new();
    let mut c = Counts { total: rows.len(), ..Counts::default() };
    for (thread, unread) in rows {
        threads.insert(thread);
        if unread {
            c.unread += 1;
            unread_threads.insert(thread);
        }
    }
    c.threads = threads.len();
    c.unread_threads = unread_threads.len();
    Ok(c)
}

fn mailbox_json(
    account: &Account,
    f: &Folder,
    counts: Counts,
    share_with: Value,
    properties: &Option<Vec<String>>,
) -> Value {
    let c = &f.collection;
    // A shared mailbox whose parent is not shared shows at the top.
    let parent = c.parent.filter(|p| account.mailbox(*p).is_some()).map(ids::mailbox);
    let r = f.rights;
    let all = [
        ("id", json!(ids::mailbox(c.id))),
        ("name", json!(c.name)),
        ("parentId", json!(parent)),
        ("role", json!(c.mailbox_role().map(MailboxRole::as_str))),
        ("sortOrder", json!(sort_order(c.mailbox_role()))),
        ("totalEmails", json!(counts.total)),
        ("unreadEmails", json!(counts.unread)),
        ("totalThreads", json!(counts.threads)),
        ("unreadThreads", json!(counts.unread_threads)),
        (
            "myRights",
            json!({
                "mayReadItems": r.contains(Rights::READ_ITEMS),
                "mayAddItems": r.contains(Rights::INSERT),
                "mayRemoveItems": r.contains(Rights::DELETE_ITEMS) && r.contains(Rights::EXPUNGE),
                "maySetSeen": r.contains(Rights::KEEP_SEEN),
                "maySetKeywords": r.contains(Rights::WRITE_FLAGS),
                "mayCreateChild": r.contains(Rights::CREATE),
                "mayRename": r.contains(Rights::DELETE_COLLECTION) && account.personal,
                "mayDelete": r.contains(Rights::DELETE_COLLECTION),
                "maySubmit": account.personal,
                // RFC 9670 §4: may change shareWith (`a`).
                "mayShare": relais_directory::access::may_change_sharing(r),
            }),
        ),
        ("isSubscribed", json!(f.subscribed)),
        ("shareWith", share_with),
    ];
    let mut out = Map::new();
    for (name, v) in all {
        if name == "id" || wanted(properties, &PROPERTIES, name) {
            out.insert(name.into(), v);
        }
    }
    Value::Object(out)
}

/// Special mailboxes first, in the order clients show them.
fn sort_order(role: Option<MailboxRole>) -> u32 {
    match role {
        Some(MailboxRole::Inbox) => 1,
        Some(MailboxRole::Drafts) => 2,
        Some(MailboxRole::Sent) => 3,
        Some(MailboxRole::Archive) => 4,
        Some(MailboxRole::Junk) => 5,
        Some(MailboxRole::Trash) => 6,
        Some(_) => 7,
        None => 10,
    }
}

pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let visible = (!account.personal).then(|| account.mailboxes.iter().map(|f| f.collection.id.0).collect());
    let mut v =
        log_changes(ctx, &args, &account, DataType::Mailbox, |i| ids::mailbox(CollectionId(i)), visible).await?;
    // A mailbox's counts change with its messages, which the log records per mailbox, not on
    // the mailbox object (RFC 8621 §2.2: such mailboxes are updated, with updatedProperties
    // naming the counts when nothing else changed).
    let listed = |k: &str| -> Vec<String> {
        v.get(k).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
    };
    let (created, mut updated, destroyed) = (listed("created"), listed("updated"), listed("destroyed"));
    let since = args.str("sinceState")?.and_then(parse_state).ok_or(MethodError::CannotCalculateChanges)?;
    let candidates: Vec<CollectionId> = account
        .mailboxes
        .iter()
        .map(|f| f.collection.id)
        .filter(|c| !created.contains(&ids::mailbox(*c)) && !updated.contains(&ids::mailbox(*c)))
        .collect();
    let counted = ctx
        .jmap
        .store()
        .read(move |r| {
            let mut out = Vec::new();
            for m in candidates {
                if !r.mailbox_changes_since(m, since)?.is_empty() {
                    out.push(m);
                }
            }
            Ok(out)
        })
        .await?;
    let only_counts = updated.is_empty() && !counted.is_empty();
    updated.extend(counted.into_iter().map(ids::mailbox));
    if updated.len() + created.len() + destroyed.len() > max_changes(ctx, &args)? {
        // The mailboxes whose counts changed come on top of the log's step: too many for the
        // client's bound at once.
        return Err(MethodError::CannotCalculateChanges);
    }
    if let Some(map) = v.as_object_mut() {
        map.insert("updated".into(), json!(updated));
        let counts = json!(["totalEmails", "unreadEmails", "totalThreads", "unreadThreads"]);
        map.insert("updatedProperties".into(), if only_counts { counts } else { Value::Null });
    }
    Ok(v)
}

pub(crate) async fn query(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let state = state(ctx, account.id).await?;
    let mut list: Vec<&Folder> = account.mailboxes.iter().collect();
    if let Some(filter) = args.get("filter") {
        let Value::Object(f) = filter else { return Err(MethodError::invalid("filter must be an object")) };
        for (k, v) in f {
            match (k.as_str(), v) {
                ("parentId", Value::Null) => {
                    list.retain(|m| m.collection.parent.is_none_or(|p| account.mailbox(p).is_none()))
                }
                ("parentId", Value::String(p)) => {
                    let p = ctx.id(p).and_then(ids::parse_mailbox);
                    list.retain(|m| p.is_some() && m.collection.parent == p);
                }
                ("role", Value::Null) => list.retain(|m| m.collection.mailbox_role().is_none()),
                ("role", Value::String(r)) => {
                    list.retain(|m| m.collection.mailbox_role().map(MailboxRole::as_str) == Some(r))
                }
                ("hasAnyRole", Value::Bool(b)) => list.retain(|m| m.collection.mailbox_role().is_some() == *b),
                ("isSubscribed", Value::Bool(b)) => list.retain(|m| m.subscribed == *b),
                ("name", Value::String(n)) => {
                    let n = n.to_lowercase();
                    list.retain(|m| m.collection.name.to_lowercase().contains(&n));
                }
                (other, _) => return Err(MethodError::UnsupportedFilter(format!("Mailbox filter {other}"))),
            }
        }
    }
    if let Some(sort) = args.get("sort") {
        let Value::Array(sort) = sort else { return Err(MethodError::invalid("sort must be a list")) };
        for s in sort.iter().rev() {
            let asc = s.get("isAscending").and_then(Value::as_bool).unwrap_or(true);
            match s.get("property").and_then(Value::as_str) {
                Some("name") => list.sort_by(|a, b| a.collection.name.cmp(&b.collection.name)),
                Some("sortOrder") => list.sort_by_key(|m| sort_order(m.collection.mailbox_role())),
                Some("parentId") => list.sort_by_key(|m| m.collection.parent),
                other => return Err(MethodError::UnsupportedSort(format!("Mailbox sort {other:?}"))),
            }
            if !asc {
                list.reverse();
            }
        }
    }
    let total = list.len();
    let position = args.int("position")?.unwrap_or(0);
    let start = if position < 0 {
        total.saturating_sub(position.unsigned_abs() as usize)
    } else {
        (position as usize).min(total)
    };
    let limit = args.uint("limit")?.map_or(total, |l| l as usize);
    let ids: Vec<String> = list.iter().skip(start).take(limit).map(|m| ids::mailbox(m.collection.id)).collect();
    Ok(json!({
        "accountId": ids::account(account.id),
        "queryState": state,
        "canCalculateChanges": false,
        "position": start,
        "ids": ids,
        "total": total,
    }))
}

pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let mut set = SetRequest::read(ctx, &mut args, false).await?;
    let remove_emails = args.bool("onDestroyRemoveEmails")?;
    let mut out = Outcome::default();
    for (cid, props) in std::mem::take(&mut set.create) {
        let made = create_one(ctx, &set.account, &props).await.map(|id| json!({ "id": ids::mailbox(id) }));
        out.created(ctx, cid, made);
    }
    // The mailboxes as they are now, the new ones included.
    let account = args.account(ctx).await?;
    for (id, patch) in std::mem::take(&mut set.update) {
        let done = update_one(ctx, &account, &id, &patch).await;
        out.updated(id, done);
    }
    // Children before their parents, so a parent destroyed with its children goes too.
    let mut destroy = std::mem::take(&mut set.destroy);
    destroy.sort_by_key(|id| std::cmp::Reverse(depth(ctx, &account, id)));
    let mut gone: Vec<CollectionId> = Vec::new();
    for id in destroy {
        let done = destroy_one(ctx, &account, &id, remove_emails, &gone).await.map(|c| gone.push(c));
        out.destroyed(id, done);
    }
    out.response(ctx, &set).await
}

/// A mailbox name as JMAP gives it: one level, so no separator.
fn check_name(name: &str) -> Result<(), SetError> {
    if name.is_empty() || name.len() > 255 || name.contains(SEPARATOR) || name.chars().any(char::is_control) {
        return Err(SetError::invalid("name", "a name is 1–255 characters without '/' or control characters"));
    }
    Ok(())
}

/// The full path of a new child `name` of `parent` (`None`: the top of the account).
fn path_under(ctx: &Ctx<'_>, account: &Account, parent: &Value, name: &str) -> Result<String, SetError> {
    match parent {
        Value::Null if account.personal => Ok(name.to_owned()),
        Value::Null => Err(SetError::forbidden("only the owner creates at the top of an account")),
        Value::String(p) => {
            let f = ctx.id(p).and_then(ids::parse_mailbox).and_then(|c| account.mailbox(c));
            let f = f.ok_or_else(|| SetError::invalid("parentId", "no such parent mailbox"))?;
            Ok(format!("{}{SEPARATOR}{name}", f.name))
        }
        _ => Err(SetError::invalid("parentId", "parentId must be an id or null")),
    }
}

async fn create_one(ctx: &Ctx<'_>, account: &Account, props: &Map<String, Value>) -> Result<CollectionId, SetError> {
    for k in props.keys() {
        if !matches!(k.as_str(), "name" | "parentId" | "role" | "sortOrder" | "isSubscribed" | SHARE_WITH) {
            return Err(SetError::invalid(k, "this property cannot be set"));
        }
    }
    let name =
        props.get("name").and_then(Value::as_str).ok_or_else(|| SetError::invalid("name", "name is required"))?;
    check_name(name)?;
    let path = path_under(ctx, account, props.get("parentId").unwrap_or(&Value::Null), name)?;
    let role = match props.get("role") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) => {
            Some(MailboxRole::from_stored(r).ok_or_else(|| SetError::invalid("role", "unknown role"))?)
        }
        Some(_) => return Err(SetError::invalid("role", "role must be a string")),
    };
    // A new mailbox takes its parent's sharing; the actor's rights there are the parent's.
    let sharing = share_with::requested(ctx, Kind::Mailbox, account.id, props).await?;
    let parent = props.get("parentId").and_then(Value::as_str).and_then(|p| ctx.id(p)).and_then(ids::parse_mailbox);
    let held = match parent.and_then(|p| account.mailbox(p)) {
        _ if account.personal => Rights::ALL,
        Some(p) => p.rights,
        None => Rights::NONE,
    };
    share_with::check_may_share(&sharing, held)?;
    let store = ctx.jmap.store();
    let id = mailbox::create(store, &ctx.actor, &path, role).await?;
    if props.get("isSubscribed").and_then(Value::as_bool) == Some(true) {
        mailbox::subscribe(store, &ctx.actor, &path, true).await?;
    }
    if let Some(sharing) = sharing {
        share_with::apply(ctx, id, sharing).await?;
    }
    Ok(id)
}

async fn update_one(ctx: &Ctx<'_>, account: &Account, id: &str, patch: &Map<String, Value>) -> Result<(), SetError> {
    let f = ctx.id(id).and_then(ids::parse_mailbox).and_then(|c| account.mailbox(c)).ok_or_else(SetError::not_found)?;
    // Checked before anything is written; applied last.
    let sharing = share_with::requested(ctx, Kind::Mailbox, f.collection.account, patch).await?;
    share_with::check_may_share(&sharing, f.rights)?;
    let store = ctx.jmap.store();
    let mut name = f.collection.name.clone();
    let mut parent_path: Option<String> = None;
    for (k, v) in patch {
        match (k.as_str(), v) {
            ("name", Value::String(n)) => {
                check_name(n)?;
                name = n.clone();
            }
            ("parentId", p) => {
                let under = path_under(ctx, account, p, "x")?;
                parent_path = Some(under[..under.len() - 1].to_owned());
            }
            ("isSubscribed", Value::Bool(on)) => mailbox::subscribe(store, &ctx.actor, &f.name, *on).await?,
            ("sortOrder", _) => {}
            (k, _) if k.starts_with(SHARE_WITH) => {}
            ("role", r) if r.as_str() == f.collection.mailbox_role().map(MailboxRole::as_str) => {}
            (other, _) => return Err(SetError::invalid(other, "this property cannot be changed")),
        }
    }
    let current_parent = f.name.rsplit_once(SEPARATOR).map_or(String::new(), |(p, _)| format!("{p}{SEPARATOR}"));
    let new_path = format!("{}{name}", parent_path.unwrap_or(current_parent));
    if new_path != f.name {
        mailbox::rename(store, &ctx.actor, &f.name, &new_path).await?;
    }
    if let Some(sharing) = sharing {
        share_with::apply(ctx, f.collection.id, sharing).await?;
    }
    Ok(())
}

/// How deep the mailbox `id` is in the account (0 at the top; unknown ids too).
fn depth(ctx: &Ctx<'_>, account: &Account, id: &str) -> usize {
    let mut at = ctx.id(id).and_then(ids::parse_mailbox).and_then(|c| account.mailbox(c));
    let mut d = 0;
    while let Some(p) = at.and_then(|f| f.collection.parent).and_then(|p| account.mailbox(p)) {
        d += 1;
        at = Some(p);
        if d > account.mailboxes.len() {
            break;
        }
    }
    d
}

async fn destroy_one(
    ctx: &Ctx<'_>,
    account: &Account,
    id: &str,
    remove_emails: bool,
    gone: &[CollectionId],
) -> Result<CollectionId, SetError> {
    let f = ctx.id(id).and_then(ids::parse_mailbox).and_then(|c| account.mailbox(c)).ok_or_else(SetError::not_found)?;
    if gone.contains(&f.collection.id) {
        return Err(SetError::not_found());
    }
    let children = account.mailboxes.iter().filter(|m| m.collection.parent == Some(f.collection.id));
    if children.filter(|m| !gone.contains(&m.collection.id)).count() > 0 {
        return Err(SetError::new("mailboxHasChild", "the mailbox has child mailboxes"));
    }
    let cid = f.collection.id;
    let count = ctx.jmap.store().read(move |r| Ok(r.mailbox_entries(cid)?.len())).await;
    let count = count.map_err(|e| SetError::from(relais_mail::MailError::Store(e)))?;
    if !remove_emails && count > 0 {
        return Err(SetError::new("mailboxHasEmail", "the mailbox holds messages"));
    }
    mailbox::delete(ctx.jmap.store(), &ctx.actor, &f.name).await?;
    Ok(f.collection.id)
}
