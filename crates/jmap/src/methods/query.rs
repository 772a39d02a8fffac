//! What every `/query` shares (RFC 8620 §5.5): where the page starts (position, or anchor and
//! anchorOffset), its length within the server's limit, and the response.

use serde_json::{Value, json};

use crate::account::Account;
use crate::error::MethodError;
use crate::ids;
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
