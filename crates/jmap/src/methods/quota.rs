//! Quota/get, /changes, /query and /queryChanges (RFC 9425) on the directory's storage quota —
//! the one `relais admin user quota` sets, IMAP QUOTA and the DAV quota properties show and
//! every write checks inside its transaction. An account with a quota has one Quota object
//! (`storage`: octets, scope account, for everything the account stores); an account without
//! one has none (nothing limits it). The state string is the account's modseq with the limit,
//! so /changes tells a quota set, changed or removed apart without keeping history.
//!
//! ```text
//! ["Quota/get", {"accountId": "a1"}, "0"]
//! → {"list": [{"id": "storage", "resourceType": "octets", "used": 5120, "hardLimit": 1048576,
//!              "scope": "account", "name": "ann@example.com", "types": ["Email", …]}], …}
//! ```

use serde_json::{Value, json};

use crate::account::Account;
use crate::error::MethodError;
use crate::ids;
use crate::methods::changes::parse_state;
use crate::methods::{Args, Ctx};

/// The id of an account's one quota.
const ID: &str = "storage";
/// The JMAP types whose objects count against it (files and tasks count too, and have no
/// registered JMAP type yet).
const TYPES: [&str; 3] = ["Email", "CalendarEvent", "ContactCard"];
const PROPERTIES: [&str; 10] =
    ["id", "resourceType", "used", "hardLimit", "scope", "name", "types", "warnLimit", "softLimit", "description"];

/// The account's quota now — (used, limit) in octets when it has one — and the state string.
async fn current(ctx: &Ctx<'_>, account: &Account) -> Result<(Option<(u64, u64)>, String), MethodError> {
    let quota = ctx.jmap.mailer.directory().quota(account.id).await.map_err(|e| {
        tracing::warn!(error = %e, "jmap: quota unreadable");
        MethodError::ServerFail
    })?;
    let id = account.id;
    let modseq = ctx.jmap.store().read(move |r| r.account_modseq(id)).await?;
    let limit = quota.map_or_else(|| "-".to_owned(), |(_, limit)| limit.to_string());
    Ok((quota, format!("{}:{limit}", modseq.0)))
}

fn quota_json(account: &Account, used: u64, limit: u64, properties: &Option<Vec<String>>) -> Value {
    let all = json!({
        "id": ID,
        "resourceType": "octets",
        "used": used,
        "hardLimit": limit,
        "scope": "account",
        "name": account.name,
        "types": TYPES,
        "warnLimit": null,
        "softLimit": null,
        "description": "Storage of mail, calendars, contacts and files",
    });
    match properties {
        None => all,
        Some(wanted) => {
            let mut out = serde_json::Map::new();
            for (k, v) in all.as_object().into_iter().flatten() {
                if k == "id" || wanted.iter().any(|w| w == k) {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::Object(out)
        }
    }
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let wanted = args.get_ids(ctx)?;
    let properties = args.properties(&PROPERTIES)?;
    let (quota, state) = current(ctx, &account).await?;
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    let ids = wanted.unwrap_or_else(|| quota.iter().map(|_| ID.to_owned()).collect());
    for id in ids {
        match quota {
            Some((used, limit)) if id == ID => list.push(quota_json(&account, used, limit, &properties)),
            _ => not_found.push(id),
        }
    }
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

/// A state string read back: the modseq, and whether there was a quota and its limit.
fn parse(state: &str) -> Option<(u64, Option<u64>)> {
    let (modseq, limit) = state.split_once(':')?;
    let limit = match limit {
        "-" => None,
        l if !l.is_empty() && l.len() <= 20 && l.bytes().all(|b| b.is_ascii_digit()) => Some(l.parse().ok()?),
        _ => return None,
    };
    Some((parse_state(modseq)?.0, limit))
}

pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let since = args.str("sinceState")?.ok_or_else(|| MethodError::invalid("sinceState is required"))?.to_owned();
    crate::methods::changes::max_changes(ctx, &args)?;
    let (old_modseq, old) = parse(&since).ok_or(MethodError::CannotCalculateChanges)?;
    let (quota, state) = current(ctx, &account).await?;
    let (now_modseq, _) = parse(&state).ok_or(MethodError::CannotCalculateChanges)?;
    // A state from the future (another server's, a restored backup's) cannot be compared.
    if old_modseq > now_modseq {
        return Err(MethodError::CannotCalculateChanges);
    }
    let one = || vec![ID.to_owned()];
    let (created, updated, destroyed) = match (old, quota) {
        (None, Some(_)) => (one(), Vec::new(), Vec::new()),
        (Some(_), None) => (Vec::new(), Vec::new(), one()),
        (Some(_), Some(_)) if since != state => (Vec::new(), one(), Vec::new()),
        _ => (Vec::new(), Vec::new(), Vec::new()),
    };
    Ok(json!({
        "accountId": ids::account(account.id),
        "oldState": since,
        "newState": state,
        "hasMoreChanges": false,
        "created": created,
        "updated": updated,
        "destroyed": destroyed,
    }))
}

/// Whether the quota matches a FilterCondition (RFC 9425 §4.4.1).
fn matches(filter: &Value, name: &str) -> Result<bool, MethodError> {
    let Value::Object(map) = filter else { return Err(MethodError::invalid("filter must be an object")) };
    if map.contains_key("operator") {
        let conditions = map
            .get("conditions")
            .and_then(Value::as_array)
            .ok_or_else(|| MethodError::invalid("an operator needs conditions"))?;
        if conditions.len() > 64 {
            return Err(MethodError::UnsupportedFilter("too many conditions".into()));
        }
        // Conditions are flat here (one level): a quota filter has nothing to nest for.
        let each: Vec<bool> = conditions
            .iter()
            .map(|c| {
                if c.get("operator").is_some() {
                    Err(MethodError::UnsupportedFilter("nested operators".into()))
                } else {
                    matches(c, name)
                }
            })
            .collect::<Result<_, _>>()?;
        return match map.get("operator").and_then(Value::as_str) {
            Some("AND") => Ok(each.iter().all(|b| *b)),
            Some("OR") => Ok(each.iter().any(|b| *b)),
            Some("NOT") => Ok(!each.iter().any(|b| *b)),
            _ => Err(MethodError::UnsupportedFilter("unknown operator".into())),
        };
    }
    let mut all = true;
    for (k, v) in map {
        let text = || v.as_str().ok_or_else(|| MethodError::invalid(format!("{k} must be a string")));
        all &= match k.as_str() {
            "name" => name.to_lowercase().contains(&text()?.to_lowercase()),
            "resourceType" => text()? == "octets",
            "type" => TYPES.contains(&text()?),
            "scope" => {
                let list = v.as_array().ok_or_else(|| MethodError::invalid("scope must be a list"))?;
                list.iter().any(|s| s.as_str() == Some("account"))
            }
            other => return Err(MethodError::UnsupportedFilter(format!("Quota filter {other}"))),
        };
    }
    Ok(all)
}

pub(crate) async fn query(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    // Sorts by name or used (RFC 9425 §4.4.2): with at most one quota, any order is the same,
    // but an unknown property is still refused.
    if let Some(sort) = args.get("sort") {
        let list = sort.as_array().ok_or_else(|| MethodError::invalid("sort must be a list"))?;
        for c in list {
            match c.get("property").and_then(Value::as_str) {
                Some("name" | "used") => {}
                other => return Err(MethodError::UnsupportedSort(format!("Quota sort {other:?}"))),
            }
        }
    }
    let (quota, state) = current(ctx, &account).await?;
    let found = match (quota, args.get("filter")) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(_), Some(f)) => matches(f, &account.name)?,
    };
    let total = usize::from(found);
    let position = match args.int("position")?.unwrap_or(0) {
        p if p < 0 => total.saturating_sub(usize::try_from(p.unsigned_abs()).unwrap_or(usize::MAX)),
        p => usize::try_from(p).unwrap_or(usize::MAX).min(total),
    };
    let limit = args.uint("limit")?.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    let ids: Vec<&str> = (found && position == 0 && limit > 0).then_some(ID).into_iter().collect();
    let mut out = json!({
        "accountId": ids::account(account.id),
        "queryState": state,
        "canCalculateChanges": false,
        "position": position,
        "ids": ids,
    });
    if args.bool("calculateTotal")?
        && let Some(map) = out.as_object_mut()
    {
        map.insert("total".into(), json!(total));
    }
    Ok(out)
}
