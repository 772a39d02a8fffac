//! Relais's own capability `urn:relais:jmap:security` (the web client's Settings): what a user
//! manages of its own account through the directory's self-service (`relais_directory::
//! self_service`), on its own account only (any other: accountNotSupportedByMethod).
//!
//! - `Password/change` `{accountId, currentPassword, newPassword}` → `{}`; every session of the
//!   account then ends, this one's included (a web client signs in again).
//! - `AppPassword/get` (`id`, `name`, `created`, `lastUsed`; never a hash) and `AppPassword/set`
//!   (create `{name}` → the object with its `password`, shown this once; destroy revokes; no
//!   update).
//! - `ApiToken/get` (`id`, `name`, `created`, `expires`, `lastUsed`) and `ApiToken/set` (create
//!   `{name, days?}` → the object with its `token`, shown this once — a bearer token for
//!   `Authorization: Bearer`; destroy revokes; no update).
//! - `Device/get` (ActiveSync devices: `id`, `deviceId`, `deviceType`, `model`, `friendlyName`,
//!   `os`, `userAgent`, `firstSeen`, `lastSeen`, `provisioned`, `wipe`: none, requested,
//!   accountRequested, wiped, accountWiped) and `Device/set` (update `{wipe: "device" |
//!   "account"}`; destroy forgets the device).
//!
//! Creating an app password or an API token, wiping and forgetting a device take the account's password in
//! the call's `currentPassword` (not an app password: a client holding one cannot make more
//! or free a wiped phone), checked once per call and counted as a login from the client's
//! address; a wrong one fails the whole call (`forbidden`). The states are digests of the
//! lists, so `ifInState` compares what the client saw.
//!
//! ```text
//! ["AppPassword/set", {"accountId": "a1", "currentPassword": "…",
//!                      "create": {"k1": {"name": "Thunderbird"}}}, "0"]
//! ```

use relais_directory::self_service::{Confirmed, SelfServiceError, WipeScope};
use relais_directory::{AppPassword, AuthError};
use relais_store::ApiToken;
use relais_store::{Device, Wipe};
use serde_json::{Map, Value, json};

use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::set::{Outcome, SetRequest};
use crate::methods::{Args, Ctx};

const APP_PREFIX: &str = "P";
const DEVICE_PREFIX: &str = "D";

/// A JMAP id for a name (app password names and device ids are free text): hex, prefixed.
fn id_of(prefix: &str, name: &str) -> String {
    format!("{prefix}{}", hex::encode(name.as_bytes()))
}

fn name_of(prefix: &str, id: &str) -> Option<String> {
    String::from_utf8(hex::decode(id.strip_prefix(prefix)?).ok()?).ok()
}

/// A list's state: FNV-1a of what the objects show.
fn digest(parts: impl Iterator<Item = String>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn refusal(e: SelfServiceError) -> MethodError {
    match e {
        SelfServiceError::Auth(AuthError::Failed) => MethodError::Forbidden("the current password is not right".into()),
        SelfServiceError::Auth(AuthError::Throttled { retry_after }) => {
            MethodError::Forbidden(format!("too many failed attempts; try again in {} s", retry_after.as_secs().max(1)))
        }
        SelfServiceError::Refused(why) => MethodError::InvalidArguments(why),
        e => {
            tracing::warn!(error = %e, "jmap: self-service failed");
            MethodError::ServerFail
        }
    }
}

/// The call's `currentPassword`, checked once for the whole call.
async fn confirm(ctx: &Ctx<'_>, args: &Args) -> Result<Confirmed, MethodError> {
    let current = args.str("currentPassword")?.ok_or_else(|| MethodError::invalid("currentPassword is required"))?;
    ctx.jmap.mailer.directory().confirm_password(&ctx.actor, current, ctx.remote).await.map_err(refusal)
}

/// An object's failure after others of the call were done: its SetError, not a method error
/// (which would say nothing was done, and lose an app password shown only once).
fn object_failure(e: SelfServiceError) -> SetError {
    match e {
        SelfServiceError::Refused(why) => SetError::forbidden(why),
        e => {
            tracing::warn!(error = %e, "jmap: self-service failed");
            SetError::new("serverFail", "the server failed; see its log")
        }
    }
}

pub(crate) async fn change_password(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let current = args.str("currentPassword")?.ok_or_else(|| MethodError::invalid("currentPassword is required"))?;
    let new = args.str("newPassword")?.ok_or_else(|| MethodError::invalid("newPassword is required"))?;
    ctx.jmap.mailer.directory().change_own_password(&ctx.actor, current, new, ctx.remote).await.map_err(refusal)?;
    Ok(json!({ "accountId": ids::account(account.id) }))
}

fn app_json(a: &AppPassword) -> Value {
    json!({
        "id": id_of(APP_PREFIX, &a.name),
        "name": a.name,
        "created": crate::methods::email_get::utc_date(a.created),
        "lastUsed": a.last_used.map(crate::methods::email_get::utc_date),
    })
}

async fn apps(ctx: &Ctx<'_>) -> Result<(Vec<AppPassword>, String), MethodError> {
    let list = ctx.jmap.mailer.directory().own_app_passwords(&ctx.actor).await.map_err(refusal)?;
    let state = digest(list.iter().map(|a| format!("{}:{}", a.name, a.created)));
    Ok((list, state))
}

/// `/get` of a list whose objects each have an `id`.
fn get_answer(account: relais_store::AccountId, state: String, all: Vec<Value>, wanted: Option<Vec<String>>) -> Value {
    let id = |v: &Value| v.get("id").and_then(Value::as_str).map(str::to_owned).unwrap_or_default();
    let (list, not_found): (Vec<Value>, Vec<String>) = match wanted {
        None => (all, Vec::new()),
        Some(ids) => {
            let mut by_id: Map<String, Value> = all.into_iter().map(|v| (id(&v), v)).collect();
            let (mut list, mut missing) = (Vec::new(), Vec::new());
            for i in ids {
                match by_id.remove(&i) {
                    Some(v) => list.push(v),
                    None => missing.push(i),
                }
            }
            (list, missing)
        }
    };
    json!({ "accountId": ids::account(account), "state": state, "list": list, "notFound": not_found })
}

pub(crate) async fn app_get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let wanted = args.get_ids(ctx)?;
    let (list, state) = apps(ctx).await?;
    Ok(get_answer(account.id, state, list.iter().map(app_json).collect(), wanted))
}

pub(crate) async fn app_set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let (_, old) = apps(ctx).await?;
    let s = SetRequest::read_in(ctx, &mut args, account, old)?;
    let proof = if s.create.is_empty() { None } else { Some(confirm(ctx, &args).await?) };
    let dir = ctx.jmap.mailer.directory().clone();
    let mut r = Outcome::default();
    for (cid, object) in &s.create {
        let made = match (object.get("name"), object.keys().find(|k| k.as_str() != "name")) {
            (_, Some(k)) => Err(SetError::invalid(k, "only a name is given")),
            (Some(Value::String(n)), None) => {
                let name = n.trim();
                let proof = proof.as_ref().ok_or(MethodError::ServerFail)?;
                match dir.add_own_app_password(&ctx.actor, name, proof).await {
                    Ok(password) => {
                        let listed = dir.own_app_passwords(&ctx.actor).await.unwrap_or_default();
                        let found = listed.iter().find(|a| a.name == name);
                        let mut v = found.map_or(json!({ "id": id_of(APP_PREFIX, name) }), app_json);
                        v["password"] = Value::String(password);
                        Ok(v)
                    }
                    Err(SelfServiceError::Refused(why)) => Err(SetError::invalid("name", why)),
                    Err(e) => Err(object_failure(e)),
                }
            }
            _ => Err(SetError::invalid("name", "a name is required")),
        };
        r.created(ctx, cid.clone(), made);
    }
    for (id, _) in &s.update {
        r.updated(id.clone(), Err(SetError::forbidden("an app password is made or revoked, never changed")));
    }
    for id in &s.destroy {
        let revoked = match name_of(APP_PREFIX, id) {
            Some(name) => dir.revoke_own_app_password(&ctx.actor, &name).await.map_err(object_failure),
            None => Ok(false),
        };
        r.destroyed(id.clone(), found(revoked));
    }
    let (_, new) = apps(ctx).await?;
    Ok(r.answer(s.account.id, &s.old_state, &new))
}

fn token_json(t: &ApiToken) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "created": crate::methods::email_get::utc_date(t.created),
        "expires": t.expires.map(crate::methods::email_get::utc_date),
        "lastUsed": t.last_used.map(crate::methods::email_get::utc_date),
    })
}

async fn tokens(ctx: &Ctx<'_>) -> Result<(Vec<ApiToken>, String), MethodError> {
    let list = ctx.jmap.mailer.directory().own_api_tokens(&ctx.actor).await.map_err(refusal)?;
    let state = digest(list.iter().map(|t| format!("{}:{}", t.id, t.created)));
    Ok((list, state))
}

pub(crate) async fn token_get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let wanted = args.get_ids(ctx)?;
    let (list, state) = tokens(ctx).await?;
    Ok(get_answer(account.id, state, list.iter().map(token_json).collect(), wanted))
}

/// An `ApiToken/set` create's `name` and `days` (a whole number, or absent or null: no expiry).
fn token_args(object: &Map<String, Value>) -> Result<(&str, Option<u32>), SetError> {
    if let Some(k) = object.keys().find(|k| !matches!(k.as_str(), "name" | "days")) {
        return Err(SetError::invalid(k, "only a name and days are given"));
    }
    let Some(Value::String(name)) = object.get("name") else {
        return Err(SetError::invalid("name", "a name is required"));
    };
    let days = match object.get("days") {
        None | Some(Value::Null) => None,
        Some(d) => Some(
            d.as_u64()
                .and_then(|d| u32::try_from(d).ok())
                .filter(|d| (1..=relais_directory::api_tokens::MAX_DAYS).contains(d))
                .ok_or_else(|| {
                    SetError::invalid("days", format!("1 to {} days", relais_directory::api_tokens::MAX_DAYS))
                })?,
        ),
    };
    Ok((name.trim(), days))
}

pub(crate) async fn token_set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let (_, old) = tokens(ctx).await?;
    let s = SetRequest::read_in(ctx, &mut args, account, old)?;
    let proof = if s.create.is_empty() { None } else { Some(confirm(ctx, &args).await?) };
    let dir = ctx.jmap.mailer.directory().clone();
    let mut r = Outcome::default();
    for (cid, object) in &s.create {
        let made = match token_args(object) {
            Err(e) => Err(e),
            Ok((name, days)) => {
                let proof = proof.as_ref().ok_or(MethodError::ServerFail)?;
                match dir.add_own_api_token(&ctx.actor, name, days, proof).await {
                    Ok((token, record)) => {
                        let mut v = token_json(&record);
                        v["token"] = Value::String(token);
                        Ok(v)
                    }
                    Err(SelfServiceError::Refused(why)) => Err(SetError::invalid("name", why)),
                    Err(e) => Err(object_failure(e)),
                }
            }
        };
        r.created(ctx, cid.clone(), made);
    }
    for (id, _) in &s.update {
        r.updated(id.clone(), Err(SetError::forbidden("an API token is made or revoked, never changed")));
    }
    for id in &s.destroy {
        let revoked = dir.revoke_own_api_token(&ctx.actor, id).await.map_err(object_failure);
        r.destroyed(id.clone(), found(revoked));
    }
    let (_, new) = tokens(ctx).await?;
    Ok(r.answer(s.account.id, &s.old_state, &new))
}

/// An update's or destroy's outcome: done, not found, or its failure.
fn found(done: Result<bool, SetError>) -> Result<(), SetError> {
    match done {
        Ok(true) => Ok(()),
        Ok(false) => Err(SetError::not_found()),
        Err(e) => Err(e),
    }
}

fn info(d: &Device, key: &str) -> Value {
    serde_json::from_str::<Value>(&d.info).ok().and_then(|v| v.get(key).and_then(Value::as_str).map(Value::from)).into()
}

fn device_json(d: &Device) -> Value {
    let wipe = match d.wipe {
        Wipe::None => "none",
        Wipe::Requested => "requested",
        Wipe::AccountOnlyRequested => "accountRequested",
        Wipe::Wiped => "wiped",
        Wipe::AccountWiped => "accountWiped",
    };
    json!({
        "id": id_of(DEVICE_PREFIX, &d.device_id),
        "deviceId": d.device_id,
        "deviceType": d.device_type,
        "model": info(d, "model"),
        "friendlyName": info(d, "friendly_name"),
        "os": info(d, "os"),
        "userAgent": info(d, "user_agent"),
        "firstSeen": crate::methods::email_get::utc_date(d.first_seen),
        "lastSeen": crate::methods::email_get::utc_date(d.last_seen),
        "provisioned": d.policy_key != 0,
        "wipe": wipe,
    })
}

async fn devices(ctx: &Ctx<'_>) -> Result<(Vec<Device>, String), MethodError> {
    let list = ctx.jmap.mailer.directory().own_devices(&ctx.actor).await.map_err(refusal)?;
    let state = digest(list.iter().map(|d| format!("{}:{}:{:?}:{}", d.device_id, d.last_seen, d.wipe, d.policy_key)));
    Ok((list, state))
}

pub(crate) async fn device_get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let wanted = args.get_ids(ctx)?;
    let (list, state) = devices(ctx).await?;
    Ok(get_answer(account.id, state, list.iter().map(device_json).collect(), wanted))
}

pub(crate) async fn device_set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let (_, old) = devices(ctx).await?;
    let s = SetRequest::read_in(ctx, &mut args, account, old)?;
    let changes = !s.update.is_empty() || !s.destroy.is_empty();
    let proof = if changes { Some(confirm(ctx, &args).await?) } else { None };
    let dir = ctx.jmap.mailer.directory().clone();
    let mut r = Outcome::default();
    for (cid, _) in &s.create {
        r.created(ctx, cid.clone(), Err(SetError::forbidden("a device registers itself when it first syncs")));
    }
    let proof = proof.as_ref();
    for (id, patch) in &s.update {
        let scope = match (patch.len(), patch.get("wipe").and_then(Value::as_str)) {
            (1, Some("device")) => WipeScope::Device,
            (1, Some("account")) => WipeScope::Account,
            _ => {
                let e = SetError::invalid("wipe", "only wipe can be set: \"device\" or \"account\"");
                r.updated(id.clone(), Err(e));
                continue;
            }
        };
        let wiped = match (name_of(DEVICE_PREFIX, id), proof) {
            (Some(device), Some(proof)) => {
                dir.wipe_own_device(&ctx.actor, &device, scope, proof).await.map_err(object_failure)
            }
            _ => Ok(false),
        };
        r.updated(id.clone(), found(wiped));
    }
    for id in &s.destroy {
        let removed = match (name_of(DEVICE_PREFIX, id), proof) {
            (Some(device), Some(proof)) => {
                dir.remove_own_device(&ctx.actor, &device, proof).await.map_err(object_failure)
            }
            _ => Ok(false),
        };
        r.destroyed(id.clone(), found(removed));
    }
    let (_, new) = devices(ctx).await?;
    Ok(r.answer(s.account.id, &s.old_state, &new))
}
