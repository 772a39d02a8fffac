//! What every `/query` shares (RFC 8620 §5.5): where the page starts (position, or anchor and
//! anchorOffset), its length within the server's limit, and the response; and `/queryChanges`
//! (§5.6) from the change log for objects kept in collections (cards, events).

use std::collections::BTreeSet;

use relais_directory::access::Actor;
use relais_store::{AccountId, DataType, ItemId, Modseq, ReadTx};
use serde_json::{Value, json};

use crate::account::Account;
use crate::error::MethodError;
use crate::ids;
use crate::methods::changes::parse_state;
use crate::methods::{Args, Ctx};

/// The limit asked, within the server's (RFC 8620 §5.5).
pub(crate) fn limit(ctx: &Ctx<'_>, args: &Args) -> Result<usize, MethodError> {
    let max = ctx.jmap.config.max_query_results;
    let asked = args.uint("limit")?.map(|l| usize::try_from(l).unwrap_or(usize::MAX));
    Ok(asked.unwrap_or(max).min(max))
}

/// Where the page starts: at the anchor (`at` finds its index among the `total` results)
/// plus anchorOffset, else at position (negative: from the end).
pub(crate) fn start(args: &Args, total: usize, at: impl FnOnce(&str) -> Option<usize>) -> Result<usize, MethodError> {
    Ok(match args.str("anchor")? {
        Some(anchor) => {
            let at = at(anchor).ok_or(MethodError::AnchorNotFound)?;
            let offset = args.int("anchorOffset")?.unwrap_or(0);
            usize::try_from((at as i64).saturating_add(offset).max(0)).unwrap_or(0).min(total)
        }
        None => match args.int("position")?.unwrap_or(0) {
            p if p < 0 => total.saturating_sub(usize::try_from(p.unsigned_abs()).unwrap_or(usize::MAX)),
            p => usize::try_from(p).unwrap_or(usize::MAX).min(total),
        },
    })
}

/// The answer for the page of `ids` from `start` of `total` results.
pub(crate) fn page(
    ctx: &Ctx<'_>,
    args: &Args,
    account: &Account,
    state: String,
    start: usize,
    ids: Vec<String>,
    total: usize,
) -> Result<Value, MethodError> {
    let max = ctx.jmap.config.max_query_results;
    let asked = args.uint("limit")?;
    let mut out = json!({
        "accountId": ids::account(account.id),
        "queryState": state,
        "canCalculateChanges": false,
        "position": start,
        "ids": ids,
    });
    if let Some(map) = out.as_object_mut() {
        if args.bool("calculateTotal")? {
            map.insert("total".into(), json!(total));
        }
        // The limit is said when the server's cut the client's (or the client gave none).
        if asked.is_none_or(|a| usize::try_from(a).unwrap_or(usize::MAX) > max) {
            map.insert("limit".into(), json!(limit(ctx, args)?));
        }
    }
    Ok(out)
}

/// The ids of the objects of the account that the actor may read, as `list` (a groupware
/// read) finds them, refused past `most` (requestTooLarge) rather than read unbounded.
pub(crate) async fn readable(
    ctx: &Ctx<'_>,
    account: &Account,
    most: usize,
    list: fn(&mut ReadTx<'_>, &Actor, AccountId) -> relais_store::Result<Vec<ItemId>>,
) -> Result<Vec<ItemId>, MethodError> {
    let (actor, id) = (ctx.actor.clone(), account.id);
    let all = ctx.jmap.store().read(move |r| list(r, &actor, id)).await?;
    if all.len() > most {
        return Err(MethodError::RequestTooLarge);
    }
    Ok(all)
}

/// What changed since a `/queryChanges`' sinceQueryState, from the change log.
pub(crate) struct Touched {
    pub since: Modseq,
    pub until: Modseq,
    /// Every object of the item type created, changed or destroyed since.
    pub ids: BTreeSet<i64>,
}

/// The objects of `items` touched since the call's sinceQueryState (more than maxChanges:
/// tooManyChanges). After a change of a collection of `collections` (its grants too), which
/// may change which objects are readable without one of them changing, the client queries
/// again: cannotCalculateChanges.
pub(crate) async fn touched(
    ctx: &Ctx<'_>,
    args: &Args,
    account: &Account,
    (items, collections): (DataType, DataType),
) -> Result<Touched, MethodError> {
    let since = args.str("sinceQueryState")?.ok_or_else(|| MethodError::invalid("sinceQueryState is required"))?;
    let since = parse_state(since).ok_or(MethodError::CannotCalculateChanges)?;
    if !account.personal {
        // The owner's change log names objects of collections not shared with the user: their
        // ids (and how many changed) are not this user's to learn.
        return Err(MethodError::CannotCalculateChanges);
    }
    let owner = account.id;
    let (log, collections_changed) = ctx
        .jmap
        .store()
        .read(move |r| {
            let c = r.changes_since(owner, collections, since)?;
            let changed = !(c.created.is_empty() && c.updated.is_empty() && c.destroyed.is_empty());
            Ok((r.changes_since(owner, items, since)?, changed))
        })
        .await?;
    let ids: BTreeSet<i64> = log.created.iter().chain(&log.updated).chain(&log.destroyed).copied().collect();
    if args.uint("maxChanges")?.is_some_and(|max| ids.len() as u64 > max) {
        return Err(MethodError::TooManyChanges);
    }
    if collections_changed {
        return Err(MethodError::CannotCalculateChanges);
    }
    Ok(Touched { since, until: log.until, ids })
}

/// How many times a `/queryChanges` reads the change log and the results again when a commit
/// came between the two, before it answers cannotCalculateChanges.
pub(crate) const SETTLE_TRIES: usize = 3;

/// Whether nothing was committed to the account since `touched` was read, so the results read
/// after it hold no change it does not name: the indexes of `added` must be those of
/// `newQueryState` (RFC 8620 §5.6), and a message changed in between would shift them.
pub(crate) async fn settled(ctx: &Ctx<'_>, account: &Account, touched: &Touched) -> Result<bool, MethodError> {
    let owner = account.id;
    let now = ctx.jmap.store().read(move |r| r.account_modseq(owner)).await?;
    Ok(now == touched.until)
}

/// The `/queryChanges` answer (RFC 8620 §5.6): every object touched is removed, and those of
/// them in the results now (`results`, in order) are added at their index — more than the
/// fewest changes, as §5.6 allows, and exact whatever the filter and sort.
pub(crate) fn changes_answer(
    args: &Args,
    account: &Account,
    touched: Touched,
    results: &[i64],
    id_of: fn(i64) -> String,
) -> Result<Value, MethodError> {
    let added: Vec<Value> = results
        .iter()
        .enumerate()
        .filter(|(_, id)| touched.ids.contains(id))
        .map(|(index, id)| json!({ "id": id_of(*id), "index": index }))
        .collect();
    let removed: Vec<String> = touched.ids.iter().map(|i| id_of(*i)).collect();
    let mut out = json!({
        "accountId": ids::account(account.id),
        "oldQueryState": touched.since.0.to_string(),
        "newQueryState": touched.until.0.to_string(),
        "removed": removed,
        "added": added,
    });
    if args.bool("calculateTotal")?
        && let Some(map) = out.as_object_mut()
    {
        map.insert("total".into(), json!(results.len()));
    }
    Ok(out)
}
