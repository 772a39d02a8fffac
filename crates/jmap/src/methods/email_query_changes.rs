//! Email/queryChanges (RFC 8620 §5.6, RFC 8621 §4.5) from the account's change log: the
//! query state is the account's modseq, as Email/query's `queryState`; every message created,
//! changed or destroyed since is removed, and those of them in the results now are added at
//! their index (`query::changes_answer`) — exact for every filter and sort whose result for a
//! message depends on that message alone.
//!
//! Not followed (cannotCalculateChanges, and Email/query says `canCalculateChanges` false):
//! `collapseThreads` (a thread's message shown changes when another message of it arrives or
//! goes) and the thread keyword conditions `someInThreadHaveKeyword`, `noneInThreadHaveKeyword`
//! and `allInThreadHaveKeyword` (a message matches by the others of its thread). A change of
//! the account's mailboxes since the state (one made, renamed, destroyed or shared) is
//! cannotCalculateChanges too, as is a state outside the log's window; more changes than
//! maxChanges is tooManyChanges. `upToId` (RFC 8620 §5.6) cuts the added list after that
//! message when the filter and sort read only what never changes in a message (dates, sizes,
//! addresses, subject, text, headers, attachments — not mailboxes or keywords); otherwise it
//! is ignored, as the RFC says.
//!
//! ```text
//! ["Email/queryChanges", {"accountId": "a1", "filter": {"inMailbox": "m3"},
//!   "sort": [{"property": "receivedAt", "isAscending": false}], "sinceQueryState": "118",
//!   "maxChanges": 100}, "0"]
//! → {"oldQueryState": "118", "newQueryState": "121", "removed": ["e9"], "added": [{"id": "e9", "index": 0}]}
//! ```

use relais_store::{DataType, ItemId};
use serde_json::Value;

use crate::error::MethodError;
use crate::ids;
use crate::methods::email_query::{Key, results, sort_keys, translated};
use crate::methods::{Args, Ctx, query};

/// Conditions a message matches by the other messages of its thread.
const BY_THREAD: [&str; 3] = ["someInThreadHaveKeyword", "noneInThreadHaveKeyword", "allInThreadHaveKeyword"];

/// Conditions on what never changes in a message once stored (RFC 8621 §4.1: only
/// mailboxIds and keywords change).
const IMMUTABLE: [&str; 13] = [
    "before",
    "after",
    "minSize",
    "maxSize",
    "hasAttachment",
    "text",
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "body",
    "header",
];

/// Deepest filter looked into here (Email/query refuses deeper ones).
const MAX_DEPTH: usize = 17;

/// Whether Email/queryChanges can follow the query of these arguments.
pub(crate) fn followed(args: &Args, collapse: bool) -> bool {
    !collapse && !args.get("filter").is_some_and(|f| any_condition(f, 0, &|k| BY_THREAD.contains(&k)))
}

/// Whether some condition of the filter names a property for which `matches` holds (a filter
/// too deep to look into counts as naming one).
fn any_condition(f: &Value, depth: usize, matches: &dyn Fn(&str) -> bool) -> bool {
    let Value::Object(map) = f else { return false };
    if depth > MAX_DEPTH {
        return true;
    }
    match map.get("conditions") {
        Some(Value::Array(list)) if map.contains_key("operator") => {
            list.iter().any(|c| any_condition(c, depth + 1, matches))
        }
        _ => map.keys().any(|k| matches(k)),
    }
}

pub(crate) async fn query_changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let collapse = args.bool("collapseThreads")?;
    if !followed(&args, collapse) {
        return Err(MethodError::CannotCalculateChanges);
    }
    let sort = sort_keys(args.get("sort"))?;
    let (touched, found) = 'settled: {
        for _ in 0..query::SETTLE_TRIES {
            let touched = query::touched(ctx, &args, &account, (DataType::Email, DataType::Mailbox)).await?;
            let (scope, q) = translated(ctx, &args, &account).await?;
            let rows = results(ctx, scope, &q, &sort, false).await?;
            if query::settled(ctx, &account, &touched).await? {
                break 'settled (touched, rows.iter().map(|r| r.id.0).collect::<Vec<i64>>());
            }
        }
        return Err(MethodError::CannotCalculateChanges);
    };
    let mut out = query::changes_answer(&args, &account, touched, &found, |i| ids::email(ItemId(i)))?;
    let immutable = !sort.iter().any(|(k, _)| matches!(k, Key::HasKeyword(_)))
        && !args.get("filter").is_some_and(|f| any_condition(f, 0, &|k| !IMMUTABLE.contains(&k)));
    let up_to = args.str("upToId")?.and_then(|id| ctx.id(id)).and_then(ids::parse_email);
    let cut = up_to.and_then(|id| found.iter().position(|i| *i == id.0));
    if immutable
        && let Some(cut) = cut
        && let Some(Value::Array(added)) = out.get_mut("added")
    {
        added.retain(|a| a["index"].as_u64().is_some_and(|i| i <= cut as u64));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn which_queries_are_followed() {
        let args = |v: Value| Args::new(v.as_object().unwrap().clone());
        let table = [
            (json!({}), false, true),
            (json!({"filter": {"inMailbox": "m1", "hasKeyword": "$seen"}}), false, true),
            (json!({"filter": {"inMailbox": "m1"}}), true, false),
            (json!({"filter": {"someInThreadHaveKeyword": "$flagged"}}), false, false),
            (
                json!({"filter": {"operator": "OR", "conditions": [{"text": "x"},
                    {"operator": "NOT", "conditions": [{"allInThreadHaveKeyword": "$seen"}]}]}}),
                false,
                false,
            ),
        ];
        for (a, collapse, expected) in table {
            assert_eq!(followed(&args(a.clone()), collapse), expected, "{a} collapse {collapse}");
        }
        let immutable = |f: Value| !any_condition(&f, 0, &|k| !IMMUTABLE.contains(&k));
        assert!(immutable(
            json!({"operator": "AND", "conditions": [{"from": "a"}, {"after": "2026-01-01T00:00:00Z"}]})
        ));
        assert!(!immutable(json!({"operator": "AND", "conditions": [{"from": "a"}, {"inMailbox": "m1"}]})));
        assert!(!immutable(json!({"hasKeyword": "$seen"})));
        let mut deep = json!({"text": "x"});
        for _ in 0..40 {
            deep = json!({"operator": "NOT", "conditions": [deep]});
        }
        assert!(any_condition(&deep, 0, &|_| false), "too deep to look into counts as naming one");
    }
}
