//! Email/copy (RFC 8620 §5.4, RFC 8621 §4.7): messages of another account the actor sees (a
//! colleague's shared mailbox, or back from one) stored anew in this one by the mail domain's
//! append — charged to this account, into mailboxes where the actor may insert — with the
//! mailboxIds given and the keywords and receivedAt given or else the original's. With
//! onSuccessDestroyOriginal the originals copied are then destroyed by an implicit Email/set
//! on the source account (ifInState: destroyFromIfInState), answered after this method.
//!
//! ```text
//! ["Email/copy", {"fromAccountId": "a7", "accountId": "a1", "onSuccessDestroyOriginal": true,
//!   "create": {"k1": {"id": "e42", "mailboxIds": {"m3": true}}}}, "0"]
//! ```

use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::changes::state;
use crate::methods::email::to_jmap;
use crate::methods::email_set::{find, keyword_map, mailbox_map, received, store_message};
use crate::methods::set::object_arg;
use crate::methods::{Args, Ctx};

/// What a create entry may say (RFC 8621 §4.7): the original's id and what may differ.
const SETTABLE: [&str; 4] = ["id", "mailboxIds", "keywords", "receivedAt"];

pub(crate) async fn copy(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let from = from_account(ctx, &args).await?;
    if from.id == account.id {
        return Err(MethodError::invalid("fromAccountId must name another account than accountId"));
    }
    for (name, of) in [("ifFromInState", from.id), ("ifInState", account.id)] {
        if let Some(expected) = args.str(name)?
            && expected != state(ctx, of).await?
        {
            return Err(MethodError::StateMismatch);
        }
    }
    let destroy_original = args.bool("onSuccessDestroyOriginal")?;
    let destroy_if = args.str("destroyFromIfInState")?.map(str::to_owned);
    let create = object_arg(&mut args, "create")?;
    if create.len() > ctx.jmap.config.max_objects_in_set {
        return Err(MethodError::RequestTooLarge);
    }
    let old_state = state(ctx, account.id).await?;
    let (mut created, mut not_created, mut originals) = (Map::new(), Map::new(), Vec::new());
    for (cid, props) in create {
        match copy_one(ctx, &from, &account, &props).await {
            Ok((v, original)) => {
                if let Some(id) = v.get("id").and_then(Value::as_str) {
                    ctx.created.insert(cid.clone(), id.to_owned());
                }
                created.insert(cid, v);
                originals.push(Value::String(original));
            }
            Err(e) => {
                not_created.insert(cid, e.to_json());
            }
        }
    }
    let new_state = state(ctx, account.id).await?;
    let nothing_or = |m: Map<String, Value>| if m.is_empty() { Value::Null } else { Value::Object(m) };
    let response = json!({
        "fromAccountId": ids::account(from.id),
        "accountId": ids::account(account.id),
        "oldState": old_state,
        "newState": new_state,
        "created": nothing_or(created),
        "notCreated": nothing_or(not_created),
    });
    if destroy_original && !originals.is_empty() {
        let mut set = Map::new();
        set.insert("accountId".into(), json!(ids::account(from.id)));
        set.insert("destroy".into(), Value::Array(originals));
        if let Some(state) = destroy_if {
            set.insert("ifInState".into(), Value::String(state));
        }
        let (name, value) = match crate::methods::email_set::set(ctx, Args::new(set)).await {
            Ok(v) => ("Email/set".to_owned(), v),
            Err(e) => ("error".to_owned(), e.to_json()),
        };
        ctx.implicit.push((name, value));
    }
    Ok(response)
}

/// The account `fromAccountId` names, if the actor sees it.
pub(crate) async fn from_account(ctx: &Ctx<'_>, args: &Args) -> Result<Account, MethodError> {
    args.account_named(ctx, "fromAccountId", MethodError::FromAccountNotFound).await
}

/// One copy: the stored message (as Email/import answers it) and the original's id.
async fn copy_one(
    ctx: &Ctx<'_>,
    from: &Account,
    account: &Account,
    props: &Map<String, Value>,
) -> Result<(Value, String), SetError> {
    if let Some(bad) = props.keys().find(|k| !SETTABLE.contains(&k.as_str())) {
        return Err(SetError::invalid(bad, "Email/copy sets only mailboxIds, keywords and receivedAt"));
    }
    let id = props.get("id").and_then(Value::as_str).ok_or_else(|| SetError::invalid("id", "required"))?;
    let original = find(ctx, from, id).await?;
    let boxes = mailbox_map(ctx, account, props.get("mailboxIds").unwrap_or(&Value::Null))?;
    let keywords = match props.get("keywords") {
        None | Some(Value::Null) => original.item.keywords.iter().filter_map(|k| to_jmap(k)).collect(),
        Some(k) => keyword_map(k)?,
    };
    let received_at = received(props)?.unwrap_or(original.item.received_at);
    let blob = original.item.blob.clone().ok_or_else(|| SetError::new("serverFail", "the message has no content"))?;
    let raw = ctx.jmap.store().blob(blob).await.map_err(|_| SetError::new("serverFail", "its content is missing"))?;
    let stored = store_message(ctx, boxes, raw, keywords, Some(received_at)).await?;
    Ok((stored, ids::email(original.item.id)))
}
