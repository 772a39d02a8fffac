//! `/changes` on the store's change log (RFC 8620 §5.2) and the state strings: an account's
//! state is its modseq, which every committed write bumps once. A state older than the log's
//! window, newer than the account, or not ours is cannotCalculateChanges. More changes than
//! maxChanges are answered in steps, each ending at a state (a modseq) whose changes all fit.

use relais_store::{AccountId, DataType, Modseq};
use serde_json::{Value, json};

use crate::account::Account;
use crate::error::MethodError;
use crate::ids;
use crate::methods::{Args, Ctx};

/// The account's state string now.
pub(crate) async fn state(ctx: &Ctx<'_>, account: AccountId) -> Result<String, MethodError> {
    let m = ctx.jmap.store().read(move |r| r.account_modseq(account)).await?;
    Ok(m.0.to_string())
}

/// A state string as a modseq.
pub(crate) fn parse_state(s: &str) -> Option<Modseq> {
    (!s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .map(Modseq)
}

/// The client's maxChanges (RFC 8620 §5.2), within the server's.
pub(crate) fn max_changes(ctx: &Ctx<'_>, args: &Args) -> Result<usize, MethodError> {
    match args.uint("maxChanges")? {
        Some(0) => Err(MethodError::invalid("maxChanges must be positive")),
        Some(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX).min(ctx.jmap.config.max_changes)),
        None => Ok(ctx.jmap.config.max_changes),
    }
}

/// The changes of `data_type` since the `sinceState` argument, at most maxChanges of them up
/// to a state the client goes on from (hasMoreChanges); `visible` keeps the created
/// and updated ids the actor may see (a shared account's objects outside what it shares are
/// not reported).
pub(crate) async fn changes(
    ctx: &Ctx<'_>,
    args: &Args,
    account: &Account,
    data_type: DataType,
    id_of: impl Fn(i64) -> String,
    visible: Option<Vec<i64>>,
) -> Result<Value, MethodError> {
    let since = args.str("sinceState")?.ok_or_else(|| MethodError::invalid("sinceState is required"))?;
    let since = parse_state(since).ok_or(MethodError::CannotCalculateChanges)?;
    let max = max_changes(ctx, args)?;
    let owner = account.id;
    let step = ctx.jmap.store().read(move |r| r.changes_since_at_most(owner, data_type, since, max)).await?;
    // One transaction that alone changed more than maxChanges objects cannot be cut.
    let (c, more) = step.ok_or(MethodError::CannotCalculateChanges)?;
    let keep = |ids: Vec<i64>| -> Vec<String> {
        ids.into_iter().filter(|i| visible.as_ref().is_none_or(|v| v.contains(i))).map(&id_of).collect()
    };
    let (created, updated) = (keep(c.created), keep(c.updated));
    let destroyed: Vec<String> = c.destroyed.into_iter().map(&id_of).collect();
    Ok(json!({
        "accountId": ids::account(owner),
        "oldState": since.0.to_string(),
        "newState": c.until.0.to_string(),
        "hasMoreChanges": more,
        "created": created,
        "updated": updated,
        "destroyed": destroyed,
    }))
}
