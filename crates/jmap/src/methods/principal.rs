//! Principal/get, /changes, /query and /set (RFC 9670 §3), and the capabilities
//! `urn:ietf:params:jmap:principals` and `…:principals:owner` (§2). Principals are the
//! directory's users, shared mailboxes, groups, rooms and equipment the actor sees
//! (`relais_directory::visibility`: its own domain unless `gal_scope = "all"`). Every read is
//! bounded: a /get of every principal or a /query reads at most a fixed number of principals
//! (ordered by address) and never the whole directory. The state is the directory's change
//! log (account 0, `DataType::Principal`), which every principal's creation, change and
//! removal bumps.
//!
//! ```text
//! ["Principal/query", {"accountId": "a1", "filter": {"text": "bob"}, "sort": [{"property": "name"}]}, "0"]
//! ["Principal/get", {"accountId": "a1", "#ids": {"resultOf": "0", "name": "Principal/query", "path": "/ids"}}, "1"]
//! ```

use std::cmp::Ordering;

use relais_directory::GalScope;
use relais_store::{AccountId, DataType, Principal, PrincipalKind};
use serde_json::{Map, Value, json};

use crate::account::{Account, accounts};
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::args::wanted;
use crate::methods::changes::{max_changes, parse_state};
use crate::methods::set::object_arg;
use crate::methods::{Args, Ctx, query};
use crate::{PRINCIPALS, PRINCIPALS_OWNER};

const PROPERTIES: [&str; 8] = ["id", "type", "name", "description", "email", "timeZone", "capabilities", "accounts"];

/// A principal's id: `p` and its number (its account, when it owns data, is `a` and the same).
pub(crate) fn principal_id(a: AccountId) -> String {
    format!("p{}", a.0)
}

pub(crate) fn parse_principal_id(s: &str) -> Option<AccountId> {
    let n = s.strip_prefix('p')?;
    (!n.is_empty() && n.len() <= 18 && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0'))
        .then(|| n.parse().ok().map(AccountId))
        .flatten()
}

/// The account capabilities of RFC 9670 §2: who the user is, and whose the account is.
pub(crate) fn account_capabilities(a: &Account, me: AccountId, caps: &mut Map<String, Value>) {
    caps.insert(PRINCIPALS.into(), json!({ "currentUserPrincipalId": principal_id(me) }));
    caps.insert(
        PRINCIPALS_OWNER.into(),
        json!({ "accountIdForPrincipal": ids::account(a.id), "principalId": principal_id(a.id) }),
    );
}

/// RFC 9670 §3's type of each kind of principal.
fn kind_name(k: PrincipalKind) -> &'static str {
    match k {
        PrincipalKind::User => "individual",
        PrincipalKind::Group => "group",
        PrincipalKind::Room => "location",
        PrincipalKind::Equipment => "resource",
        PrincipalKind::Shared => "other",
    }
}

fn name_of(p: &Principal) -> String {
    if p.display_name.trim().is_empty() { p.address() } else { p.display_name.clone() }
}

/// A directory failure: logged, answered serverFail.
fn failed(e: relais_directory::DirectoryError) -> MethodError {
    tracing::warn!(error = %e, "jmap: directory failed");
    MethodError::ServerFail
}

/// The directory's state (its change log's modseq).
async fn state(ctx: &Ctx<'_>) -> Result<String, MethodError> {
    let m = ctx.jmap.store().read(|r| r.account_modseq(AccountId::DIRECTORY)).await?;
    Ok(m.0.to_string())
}

/// The accounts the actor reaches, for each principal's `accounts` (RFC 9670 §3).
async fn reached(ctx: &Ctx<'_>) -> Result<Vec<Account>, MethodError> {
    let actor = ctx.actor.clone();
    Ok(ctx.jmap.store().read(move |r| accounts(r, &actor)).await?)
}

fn principal_json(p: &Principal, reached: &[Account], me: AccountId, properties: &Option<Vec<String>>) -> Value {
    let account = reached.iter().find(|a| a.id == p.id).map(|a| {
        let mut m = Map::new();
        m.insert(ids::account(a.id), crate::session::account_json(a, me));
        Value::Object(m)
    });
    let all = [
        ("id", json!(principal_id(p.id))),
        ("type", json!(kind_name(p.kind))),
        ("name", json!(name_of(p))),
        ("description", Value::Null),
        ("email", json!(p.address())),
        ("timeZone", Value::Null),
        ("capabilities", json!({})),
        ("accounts", account.unwrap_or(Value::Null)),
    ];
    let mut out = Map::new();
    for (name, v) in all {
        if name == "id" || wanted(properties, &PROPERTIES, name) {
            out.insert(name.into(), v);
        }
    }
    Value::Object(out)
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let ids = args.get_ids(ctx)?;
    let properties = args.properties(&PROPERTIES)?;
    let state = state(ctx).await?;
    let dir = ctx.jmap.mailer.directory();
    let (mut found, mut not_found) = (Vec::new(), Vec::new());
    match ids {
        // Every principal the actor sees, within maxObjectsInGet (RFC 8620 §5.1).
        None => {
            let (all, more) = dir
                .visible_principals_at_most(ctx.principal, ctx.jmap.config.max_objects_in_get)
                .await
                .map_err(failed)?;
            if more {
                return Err(MethodError::RequestTooLarge);
            }
            found = all;
        }
        Some(ids) => {
            for id in ids {
                let p = match parse_principal_id(&id) {
                    Some(n) => dir.visible_principal(ctx.principal, n).await.map_err(failed)?,
                    None => None,
                };
                match p {
                    Some(p) => found.push(p),
                    None => not_found.push(Value::String(id)),
                }
            }
        }
    }
    let reached = if wanted(&properties, &PROPERTIES, "accounts") { reached(ctx).await? } else { Vec::new() };
    let me = ctx.principal.id;
    let list: Vec<Value> = found.iter().map(|p| principal_json(p, &reached, me, &properties)).collect();
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

/// Principal/changes on the directory's change log; a principal the actor does not see is
/// not reported created or updated (domains, logged there too, never), and a removal is
/// cannotCalculateChanges unless every domain's principals are seen (`gal_scope = "all"`).
pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let since = args.str("sinceState")?.ok_or_else(|| MethodError::invalid("sinceState is required"))?;
    let since = parse_state(since).ok_or(MethodError::CannotCalculateChanges)?;
    let max = max_changes(ctx, &args)?;
    let step = ctx
        .jmap
        .store()
        .read(move |r| r.changes_since_at_most(AccountId::DIRECTORY, DataType::Principal, since, max))
        .await?;
    let (c, more) = step.ok_or(MethodError::CannotCalculateChanges)?;
    let positive = |ids: Vec<i64>| ids.into_iter().filter(|i| *i > 0).map(AccountId).collect::<Vec<_>>();
    let created: Vec<String> = visible(ctx, positive(c.created)).await?.into_iter().map(principal_id).collect();
    let updated: Vec<String> = visible(ctx, positive(c.updated)).await?.into_iter().map(principal_id).collect();
    let destroyed: Vec<String> =
        c.destroyed.into_iter().filter(|i| *i > 0).map(|i| principal_id(AccountId(i))).collect();
    // A removed principal's domain is no longer known: naming it could tell a user of one
    // domain about another's. Where users see only their own domain, the client starts over.
    if !destroyed.is_empty() && ctx.jmap.mailer.directory().gal_scope() != GalScope::All {
        return Err(MethodError::CannotCalculateChanges);
    }
    Ok(json!({
        "accountId": ids::account(account.id),
        "oldState": since.0.to_string(),
        "newState": c.until.0.to_string(),
        "hasMoreChanges": more,
        "created": created,
        "updated": updated,
        "destroyed": destroyed,
    }))
}

/// The principals of `ids` the actor sees.
async fn visible(ctx: &Ctx<'_>, ids: Vec<AccountId>) -> Result<Vec<AccountId>, MethodError> {
    let dir = ctx.jmap.mailer.directory();
    let mut out = Vec::new();
    for id in ids {
        if dir.visible_principal(ctx.principal, id).await.map_err(failed)?.is_some() {
            out.push(id);
        }
    }
    Ok(out)
}

/// True if `p` matches a FilterCondition or FilterOperator (RFC 9670 §3.5, RFC 8620 §5.5).
fn matches(f: &Value, p: &Principal, reached: &[Account], depth: usize) -> Result<bool, MethodError> {
    let Value::Object(f) = f else { return Err(MethodError::invalid("a filter is an object")) };
    if let Some(op) = f.get("operator") {
        let conditions = f.get("conditions").and_then(Value::as_array);
        let conditions = conditions.ok_or_else(|| MethodError::invalid("an operator needs conditions"))?;
        if depth > 8 {
            return Err(MethodError::UnsupportedFilter("filters nested deeper than 8".into()));
        }
        let mut each = conditions.iter().map(|c| matches(c, p, reached, depth + 1));
        return match op.as_str() {
            Some("AND") => each.try_fold(true, |acc, m| Ok(acc & m?)),
            Some("OR") => each.try_fold(false, |acc, m| Ok(acc | m?)),
            Some("NOT") => each.try_fold(true, |acc, m: Result<bool, MethodError>| Ok(acc & !m?)),
            _ => Err(MethodError::UnsupportedFilter("operator must be AND, OR or NOT".into())),
        };
    }
    let has = |hay: &str, needle: &str| hay.to_lowercase().contains(&needle.to_lowercase());
    for (k, v) in f {
        let ok = match (k.as_str(), v) {
            ("accountIds", Value::Array(list)) => {
                let mine = reached.iter().any(|a| a.id == p.id);
                mine && list.iter().any(|id| id.as_str().and_then(ids::parse_account) == Some(p.id))
            }
            ("email", Value::String(s)) => has(&p.address(), s),
            ("name", Value::String(s)) => has(&name_of(p), s),
            ("text", Value::String(s)) => has(&name_of(p), s) || has(&p.address(), s),
            ("type", Value::String(s)) => kind_name(p.kind) == s,
            // No principal has a time zone here.
            ("timeZone", Value::String(_)) => false,
            (other, _) => return Err(MethodError::UnsupportedFilter(format!("Principal filter {other}"))),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Most principals one Principal/query reads and filters (the directory has no index of names
/// to search yet): a directory past it is refused (requestTooLarge), never answered in part.
const MAX_SEARCHED: usize = 100_000;

/// The sort properties Principal/query takes.
const SORTS: [&str; 3] = ["name", "email", "type"];

fn compare(property: &str, a: &Principal, b: &Principal) -> Ordering {
    match property {
        "name" => name_of(a).to_lowercase().cmp(&name_of(b).to_lowercase()),
        "email" => a.address().cmp(&b.address()),
        _ => kind_name(a.kind).cmp(kind_name(b.kind)),
    }
}

pub(crate) async fn query(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let state = state(ctx).await?;
    let (mut list, more) =
        ctx.jmap.mailer.directory().visible_principals_at_most(ctx.principal, MAX_SEARCHED).await.map_err(failed)?;
    if more {
        // Refused rather than answered over a part of the directory (a name late in the
        // alphabet would be missing, and the total wrong).
        return Err(MethodError::RequestTooLarge);
    }
    let reached = reached(ctx).await?;
    if let Some(filter) = args.get("filter") {
        let mut kept = Vec::with_capacity(list.len());
        for p in list {
            if matches(filter, &p, &reached, 0)? {
                kept.push(p);
            }
        }
        list = kept;
    }
    let mut sorts: Vec<(String, bool)> = Vec::new();
    match args.get("sort") {
        None => {}
        Some(Value::Array(sort)) => {
            for s in sort {
                let property = s.get("property").and_then(Value::as_str).unwrap_or_default();
                if !SORTS.contains(&property) {
                    return Err(MethodError::UnsupportedSort(format!("Principal sort {property:?}")));
                }
                sorts.push((property.to_owned(), s.get("isAscending").and_then(Value::as_bool).unwrap_or(true)));
            }
        }
        Some(_) => return Err(MethodError::invalid("sort must be a list")),
    }
    list.sort_by(|a, b| {
        for (property, asc) in &sorts {
            let o = compare(property, a, b);
            if o != Ordering::Equal {
                return if *asc { o } else { o.reverse() };
            }
        }
        a.address().cmp(&b.address())
    });
    let total = list.len();
    let ids: Vec<String> = list.iter().map(|p| principal_id(p.id)).collect();
    let start = query::start(&args, total, |anchor| ids.iter().position(|i| i == anchor))?;
    let limit = query::limit(ctx, &args)?;
    let page: Vec<String> = ids.into_iter().skip(start).take(limit).collect();
    query::page(ctx, &args, &account, state, start, page, total)
}

/// Principal/set (RFC 9670 §3.4): principals are the administrator's (`relais admin`); a
/// user may change none of them here, its own name, description and time zone included, so
/// every create, update and destroy is forbidden (an unseen principal is notFound).
pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let old_state = state(ctx).await?;
    if let Some(expected) = args.str("ifInState")?
        && expected != old_state
    {
        return Err(MethodError::StateMismatch);
    }
    let create = object_arg(&mut args, "create")?;
    let update = object_arg(&mut args, "update")?;
    let destroy = args.strings("destroy")?.unwrap_or_default();
    if create.len() + update.len() + destroy.len() > ctx.jmap.config.max_objects_in_set {
        return Err(MethodError::RequestTooLarge);
    }
    let refusal = |what: &str| SetError::forbidden(format!("principals are {what} by the administrator")).to_json();
    let not_created: Map<String, Value> = create.into_iter().map(|(id, _)| (id, refusal("made"))).collect();
    let not_updated = refused(ctx, update.into_iter().map(|(id, _)| id).collect(), "changed").await?;
    let not_destroyed = refused(ctx, destroy, "removed").await?;
    Ok(json!({
        "accountId": ids::account(account.id),
        "oldState": old_state,
        "newState": old_state,
        "created": {},
        "updated": {},
        "destroyed": [],
        "notCreated": not_created,
        "notUpdated": not_updated,
        "notDestroyed": not_destroyed,
    }))
}

/// Each id refused: forbidden for a principal the actor sees, notFound for any other.
async fn refused(ctx: &Ctx<'_>, ids: Vec<String>, what: &str) -> Result<Map<String, Value>, MethodError> {
    let mut out = Map::new();
    for id in ids {
        let seen = match parse_principal_id(&id) {
            Some(n) => !visible(ctx, vec![n]).await?.is_empty(),
            None => false,
        };
        let e = if seen {
            SetError::forbidden(format!("principals are {what} by the administrator"))
        } else {
            SetError::not_found()
        };
        out.insert(id, e.to_json());
    }
    Ok(out)
}
