//! What every `/set` shares (RFC 8620 §5.3): the account, `ifInState` against the current
//! state (stateMismatch), `create` / `update` / `destroy` within maxObjectsInSet
//! (requestTooLarge), and the response with oldState, newState and each object's outcome;
//! a PatchObject applied to a JSON object, and uids for objects made without one.

use std::collections::BTreeSet;

use relais_store::{AccountId, BlobHash};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::changes::state;
use crate::methods::{Args, Ctx};

/// Objects by id (or creation id), as `/set` takes them.
pub(crate) type ById = Vec<(String, Map<String, Value>)>;

/// A `/set` request's common arguments, checked.
pub(crate) struct SetRequest {
    pub account: Account,
    pub old_state: String,
    pub create: ById,
    pub update: ById,
    pub destroy: Vec<String>,
}

impl SetRequest {
    /// Reads and checks the common arguments; `own`: only the actor's own account.
    pub async fn read(ctx: &Ctx<'_>, args: &mut Args, own: bool) -> Result<SetRequest, MethodError> {
        let account = if own { args.own_account(ctx).await? } else { args.account(ctx).await? };
        let old_state = state(ctx, account.id).await?;
        SetRequest::read_in(ctx, args, account, old_state)
    }

    /// `read` for a type whose state is its own (`security`'s digests), not the account's.
    pub fn read_in(
        ctx: &Ctx<'_>,
        args: &mut Args,
        account: Account,
        old_state: String,
    ) -> Result<SetRequest, MethodError> {
        if let Some(expected) = args.str("ifInState")?
            && expected != old_state
        {
            return Err(MethodError::StateMismatch);
        }
        let create = object_arg(args, "create")?;
        // Ids may name objects made earlier in the request by `#creationId` (RFC 8620 §5.3);
        // the response names them by their ids.
        let resolve = |id: String| ctx.id(&id).map_or(id.clone(), str::to_owned);
        let update: ById = object_arg(args, "update")?.into_iter().map(|(id, patch)| (resolve(id), patch)).collect();
        let destroy: Vec<String> = args.strings("destroy")?.unwrap_or_default().into_iter().map(resolve).collect();
        if create.len() + update.len() + destroy.len() > ctx.jmap.config.max_objects_in_set {
            return Err(MethodError::RequestTooLarge);
        }
        Ok(SetRequest { account, old_state, create, update, destroy })
    }
}

/// Each object's outcome, gathered for the response.
#[derive(Default)]
pub(crate) struct Outcome {
    created: Map<String, Value>,
    not_created: Map<String, Value>,
    updated: Map<String, Value>,
    not_updated: Map<String, Value>,
    destroyed: Vec<String>,
    not_destroyed: Map<String, Value>,
}

impl Outcome {
    /// A create's outcome: the object made (its `id` recorded for `#creationId` references).
    pub fn created(&mut self, ctx: &mut Ctx<'_>, creation: String, result: Result<Value, SetError>) {
        match result {
            Ok(v) => {
                if let Some(id) = v.get("id").and_then(Value::as_str) {
                    ctx.created.insert(creation.clone(), id.to_owned());
                }
                self.created.insert(creation, v);
            }
            Err(e) => {
                self.not_created.insert(creation, e.to_json());
            }
        }
    }

    pub fn updated(&mut self, id: String, result: Result<(), SetError>) {
        match result {
            Ok(()) => self.updated.insert(id, Value::Null),
            Err(e) => self.not_updated.insert(id, e.to_json()),
        };
    }

    pub fn destroyed(&mut self, id: String, result: Result<(), SetError>) {
        match result {
            Ok(()) => self.destroyed.push(id),
            Err(e) => {
                self.not_destroyed.insert(id, e.to_json());
            }
        }
    }

    /// The response, with the account's state after the changes.
    pub async fn response(self, ctx: &Ctx<'_>, set: &SetRequest) -> Result<Value, MethodError> {
        let new_state = state(ctx, set.account.id).await?;
        Ok(self.answer(set.account.id, &set.old_state, &new_state))
    }

    /// The response of a type whose states are not the account's (`security`'s digests).
    pub fn answer(self, account: AccountId, old_state: &str, new_state: &str) -> Value {
        json!({
            "accountId": ids::account(account),
            "oldState": old_state,
            "newState": new_state,
            "created": self.created,
            "updated": self.updated,
            "destroyed": self.destroyed,
            "notCreated": self.not_created,
            "notUpdated": self.not_updated,
            "notDestroyed": self.not_destroyed,
        })
    }
}

/// What every `/copy` shares up to its creates (RFC 8620 §5.4): the source account
/// (`fromAccountId`; fromAccountNotFound), the target's `/set` arguments, both accounts holding
/// the data type (`holds`), and not one account twice.
pub(crate) async fn copy_request(
    ctx: &Ctx<'_>,
    args: &mut Args,
    holds: fn(&Account) -> bool,
) -> Result<(Account, SetRequest), MethodError> {
    let from = args.account_named(ctx, "fromAccountId", MethodError::FromAccountNotFound).await?;
    let set = SetRequest::read(ctx, args, false).await?;
    if !holds(&from) || !holds(&set.account) {
        return Err(MethodError::AccountNotSupportedByMethod);
    }
    if from.id == set.account.id {
        return Err(MethodError::invalid("fromAccountId and accountId must differ"));
    }
    Ok((from, set))
}

/// The `/copy` answer from the outcome of its creates (a `/set` answer without updates and
/// destroys, with fromAccountId), and — with onSuccessDestroyOriginal — the arguments of the
/// implicit `/set` that destroys the originals `copied` in the source account.
pub(crate) async fn copy_answer(
    ctx: &Ctx<'_>,
    args: &Args,
    (from, set): (&Account, &SetRequest),
    out: Outcome,
    copied: BTreeSet<String>,
) -> Result<(Value, Option<Args>), MethodError> {
    let mut response = out.response(ctx, set).await?;
    if let Some(map) = response.as_object_mut() {
        map.insert("fromAccountId".into(), json!(ids::account(from.id)));
        for k in ["updated", "destroyed", "notUpdated", "notDestroyed"] {
            map.remove(k);
        }
    }
    if !args.bool("onSuccessDestroyOriginal")? || copied.is_empty() {
        return Ok((response, None));
    }
    let mut destroy = Map::new();
    destroy.insert("accountId".into(), json!(ids::account(from.id)));
    destroy.insert("destroy".into(), json!(copied));
    if let Some(state) = args.str("destroyFromIfInState")? {
        destroy.insert("ifInState".into(), json!(state));
    }
    Ok((response, Some(Args::new(destroy))))
}

/// A `/set` argument that maps ids to objects (`create`, `update`), or none.
pub(crate) fn object_arg(args: &mut Args, name: &str) -> Result<ById, MethodError> {
    match args.take(name) {
        None => Ok(Vec::new()),
        Some(Value::Object(m)) => m
            .into_iter()
            .map(|(k, v)| match v {
                Value::Object(o) => Ok((k, o)),
                _ => Err(MethodError::invalid(format!("{name} must map ids to objects"))),
            })
            .collect(),
        Some(_) => Err(MethodError::invalid(format!("{name} must be an object"))),
    }
}

/// A uid for a card or event made without one (RFC 9553 §2.1.9, RFC 8984 §4.1.2 want one):
/// a `urn:uuid:` of random bits taken from a hash of the time, the account and a counter.
pub(crate) fn new_uid(account: AccountId) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let h = BlobHash::of(format!("{t}:{}:{n}:{:p}", account.0, &COUNTER).as_bytes()).to_string();
    // A version 4 UUID's shape: the version and variant nibbles set.
    format!("urn:uuid:{}-{}-4{}-8{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// Applies one PatchObject entry (RFC 8620 §5.3): a path of object keys (`~1` is `/`, `~0`
/// is `~`), never into an array; null removes.
pub(crate) fn patch(object: &mut Map<String, Value>, path: &str, value: &Value) -> Result<(), SetError> {
    let bad = || SetError::new("invalidPatch", format!("{path} does not name a property to patch"));
    let parts: Vec<String> = path.split('/').map(|p| p.replace("~1", "/").replace("~0", "~")).collect();
    let Some((last, parents)) = parts.split_last() else { return Err(bad()) };
    let mut at = object;
    for p in parents {
        at = match at.get_mut(p) {
            Some(Value::Object(m)) => m,
            _ => return Err(bad()),
        };
    }
    if last.is_empty() {
        return Err(bad());
    }
    if value.is_null() {
        at.remove(last);
    } else {
        at.insert(last.clone(), value.clone());
    }
    Ok(())
}
