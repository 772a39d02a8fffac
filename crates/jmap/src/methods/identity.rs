//! Identity/get, /changes and /set (RFC 8621 §6) on the mail domain's identities
//! (`relais_mail::identity`): the account's own (its address; `mayDelete` false, its name and
//! signatures may be changed) and those made for an address the user may send from — its
//! aliases and the addresses of principals that granted it send-as or send-on-behalf; any other
//! is forbiddenFrom. `email` is immutable; names, signatures and address lists are bounded
//! (invalidProperties past them), an account has at most 100 (overQuota). /changes reads the
//! account's change log, as every type does. EmailSubmission/set sends only with an identity
//! of the account whose address is the message's From (`submission`).
//!
//! ```text
//! ["Identity/set", {"accountId": "a1", "create": {"k1": {"email": "sales@example.com",
//!   "name": "Sales", "textSignature": "-- \nSales"}}}, "0"]
//! → {"created": {"k1": {"id": "is4", "mayDelete": true, "replyTo": null, "bcc": null, …}}, …}
//! ```

use relais_mail::identity::{Identity, IdentityAddress, IdentityError, IdentityId, IdentitySetting};
use relais_store::{AccountId, DataType};
use serde_json::{Map, Value, json};

use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::args::wanted;
use crate::methods::changes::{changes as log_changes, state};
use crate::methods::set::{Outcome, SetRequest};
use crate::methods::{Args, Ctx};

const PROPERTIES: [&str; 8] = ["id", "name", "email", "replyTo", "bcc", "textSignature", "htmlSignature", "mayDelete"];

/// The JMAP id of an identity of `account`.
pub(crate) fn id_of(account: AccountId, id: IdentityId) -> String {
    match id {
        IdentityId::Own => ids::identity(account),
        IdentityId::Stored(n) => ids::stored_identity(n),
    }
}

/// The identity a JMAP id names, if it is one of `account`'s form.
pub(crate) fn parse_id(account: AccountId, s: &str) -> Option<IdentityId> {
    if s == ids::identity(account) {
        return Some(IdentityId::Own);
    }
    ids::parse_stored_identity(s).map(IdentityId::Stored)
}

fn addresses_json(list: &Option<Vec<IdentityAddress>>) -> Value {
    match list {
        None => Value::Null,
        Some(l) => l.iter().map(|a| json!({ "name": a.name, "email": a.email })).collect(),
    }
}

fn identity_json(account: AccountId, i: &Identity, properties: &Option<Vec<String>>) -> Value {
    let all = [
        ("id", json!(id_of(account, i.id))),
        ("name", json!(i.setting.name)),
        ("email", json!(i.email)),
        ("replyTo", addresses_json(&i.setting.reply_to)),
        ("bcc", addresses_json(&i.setting.bcc)),
        ("textSignature", json!(i.setting.text_signature)),
        ("htmlSignature", json!(i.setting.html_signature)),
        ("mayDelete", json!(i.may_delete())),
    ];
    let m: Map<String, Value> = all
        .into_iter()
        .filter(|(k, _)| *k == "id" || wanted(properties, &PROPERTIES, k))
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    Value::Object(m)
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let wanted_ids = args.get_ids(ctx)?;
    let properties = args.properties(&PROPERTIES)?;
    let state = state(ctx, account.id).await?;
    let all = ctx.jmap.mailer.identities(ctx.principal).await?;
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    match wanted_ids {
        None => list.extend(all.iter().map(|i| identity_json(account.id, i, &properties))),
        Some(wanted_ids) => {
            for id in wanted_ids {
                match all.iter().find(|i| id_of(account.id, i.id) == id) {
                    Some(i) => list.push(identity_json(account.id, i, &properties)),
                    None => not_found.push(id),
                }
            }
        }
    }
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

/// Identity/changes: the account's change log (the own identity is logged as 0).
pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let owner = account.id;
    let id = move |n: i64| id_of(owner, IdentityId::logged(n));
    log_changes(ctx, &args, &account, DataType::Identity, id, None).await
}

pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let mut set = SetRequest::read(ctx, &mut args, true).await?;
    let account = set.account.id;
    let mut out = Outcome::default();
    for (cid, props) in std::mem::take(&mut set.create) {
        // The whole object as made (RFC 8620 §5.3 asks for what the server set or the client
        // left out; the address comes back as stored, and clients such as jmapc read it whole).
        let result = create(ctx, &props).await.map(|i| identity_json(account, &i, &None));
        out.created(ctx, cid, result);
    }
    if !set.update.is_empty() || !set.destroy.is_empty() {
        let all = ctx.jmap.mailer.identities(ctx.principal).await?;
        for (id, patch) in std::mem::take(&mut set.update) {
            let result = match all.iter().find(|i| parse_id(account, &id) == Some(i.id)) {
                None => Err(SetError::not_found()),
                Some(i) => update(ctx, i, &patch).await,
            };
            out.updated(id, result);
        }
        for id in std::mem::take(&mut set.destroy) {
            let result = match parse_id(account, &id) {
                None => Err(SetError::not_found()),
                Some(i) => ctx.jmap.mailer.destroy_identity(ctx.principal, i).await.map_err(refusal),
            };
            out.destroyed(id, result);
        }
    }
    out.response(ctx, &set).await
}

async fn create(ctx: &Ctx<'_>, props: &Map<String, Value>) -> Result<Identity, SetError> {
    let email = match props.get("email") {
        Some(Value::String(e)) => e.clone(),
        _ => return Err(SetError::invalid("email", "an identity needs an email")),
    };
    let mut setting = IdentitySetting::default();
    for (k, v) in props {
        match (k.as_str(), v) {
            // A server-set property with the value it gets is no change (RFC 8620 §5.3).
            ("email", _) | ("mayDelete", Value::Bool(true)) => {}
            _ => apply(&mut setting, k, v)?,
        }
    }
    ctx.jmap.mailer.create_identity(ctx.principal, &email, setting).await.map_err(refusal)
}

async fn update(ctx: &Ctx<'_>, identity: &Identity, patch: &Map<String, Value>) -> Result<(), SetError> {
    let mut setting = identity.setting.clone();
    for (k, v) in patch {
        match k.as_str() {
            // RFC 8621 §6: email is immutable; the same value is no change.
            "email" if v.as_str().is_some_and(|e| e.eq_ignore_ascii_case(&identity.email)) => {}
            "email" => return Err(SetError::invalid("email", "email is immutable")),
            "mayDelete" if v.as_bool() == Some(identity.may_delete()) => {}
            _ => apply(&mut setting, k, v)?,
        }
    }
    ctx.jmap.mailer.update_identity(ctx.principal, identity.id, &setting).await.map_err(refusal)
}

/// One property of a create or a (whole-property) patch.
fn apply(setting: &mut IdentitySetting, k: &str, v: &Value) -> Result<(), SetError> {
    let text = |v: &Value| match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        _ => Err(SetError::invalid(k, "must be a string")),
    };
    match k {
        "name" => setting.name = text(v)?,
        "textSignature" => setting.text_signature = text(v)?,
        "htmlSignature" => setting.html_signature = text(v)?,
        "replyTo" => setting.reply_to = addresses(k, v)?,
        "bcc" => setting.bcc = addresses(k, v)?,
        "id" | "mayDelete" => return Err(SetError::invalid(k, "set by the server")),
        _ => return Err(SetError::invalid(k, "Identity has no such property (patches replace whole properties)")),
    }
    Ok(())
}

/// An EmailAddress[]|null (RFC 8621 §4.1.2.3).
fn addresses(k: &str, v: &Value) -> Result<Option<Vec<IdentityAddress>>, SetError> {
    let bad = || SetError::invalid(k, "must be null or a list of {name, email}");
    let list = match v {
        Value::Null => return Ok(None),
        Value::Array(l) => l,
        _ => return Err(bad()),
    };
    if list.len() > relais_mail::identity::MAX_ADDRESSES {
        return Err(SetError::invalid(k, "too many addresses"));
    }
    let one = |a: &Value| -> Option<IdentityAddress> {
        let m = a.as_object()?;
        let name = match m.get("name") {
            None | Some(Value::Null) => None,
            Some(Value::String(n)) => Some(n.clone()),
            Some(_) => return None,
        };
        let email = m.get("email")?.as_str()?.to_owned();
        m.keys().all(|k| k == "name" || k == "email").then_some(IdentityAddress { name, email })
    };
    list.iter().map(|a| one(a).ok_or_else(bad)).collect::<Result<Vec<_>, _>>().map(Some)
}

fn refusal(e: IdentityError) -> SetError {
    match e {
        // RFC 8621 §6.3.
        IdentityError::Forbidden { .. } => SetError::new("forbiddenFrom", "the user may not send from that address"),
        IdentityError::Invalid { field, why } => SetError::invalid(field, why),
        IdentityError::NotFound => SetError::not_found(),
        IdentityError::Own => SetError::forbidden("the account's own identity cannot be destroyed (mayDelete false)"),
        IdentityError::TooMany => SetError::new("overQuota", e.to_string()),
        IdentityError::Mail(e) => e.into(),
    }
}
