//! PushSubscription/get and /set (RFC 8620 §7.2): the push service URLs of the principal's
//! devices, to which the server POSTs StateChanges (the binary's sender, `webpush`). They are
//! the principal's, not an account's: no accountId, no state. A new subscription gets a
//! PushVerification with a code the server made; nothing else is pushed to it until the client
//! sets `verificationCode` to that code (§7.2.2). `url` and `keys` are never returned (§7.2.1).
//! `expires` is at most `max_push_lifetime` away (later asks are lowered, §7.2: "the server
//! MAY"), and a subscription ends with the login that made it (`webpush::Stamp`).
//!
//! ```text
//! ["PushSubscription/set", {"create": {"c1": {"deviceClientId": "phone-1",
//!     "url": "https://push.example/abc", "types": ["Email", "Mailbox"]}}}, "0"]
//! ["PushSubscription/set", {"created": {"c1": {"id": "ps7", "expires": "2026-12-13T10:00:00Z"}}, …}, "0"]
//! ```

use rand::RngCore;
use relais_store::{NewPushSubscription, PushSubscription, PushSubscriptionUpdate};
use serde_json::{Map, Value, json};

use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::email_get::utc_date;
use crate::methods::email_query::utc;
use crate::methods::set::object_arg;
use crate::methods::{Args, Ctx};
use crate::webpush::{Stamp, decode_keys, push_url};

const PROPERTIES: [&str; 5] = ["id", "deviceClientId", "verificationCode", "expires", "types"];
/// The longest device id taken, and the most type names.
const MAX_DEVICE_ID: usize = 255;
const MAX_TYPES: usize = 64;

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let ids = args.get_ids(ctx)?;
    let properties = args.properties(&PROPERTIES)?;
    let principal = ctx.principal.id;
    let all = ctx.jmap.store().read(move |r| r.push_subscriptions(principal)).await?;
    let (list, not_found): (Vec<Value>, Vec<Value>) = match ids {
        None => (all.iter().map(|s| object(s, &properties)).collect(), Vec::new()),
        Some(ids) => {
            let mut list = Vec::new();
            let mut not_found = Vec::new();
            for id in ids {
                match all.iter().find(|s| Some(s.id) == ids::parse_push_subscription(&id)) {
                    Some(s) => list.push(object(s, &properties)),
                    None => not_found.push(Value::String(id)),
                }
            }
            (list, not_found)
        }
    };
    // RFC 8620 §7.2.1: no accountId and no state.
    Ok(json!({ "list": list, "notFound": not_found }))
}

/// A subscription as /get shows it: never its URL or keys, and its verification code only
/// once the client proved it received it.
fn object(s: &PushSubscription, properties: &Option<Vec<String>>) -> Value {
    let types: Value = s.types.as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or(Value::Null);
    let all = json!({
        "id": ids::push_subscription(s.id),
        "deviceClientId": s.device_client_id,
        "verificationCode": if s.verified { Value::String(s.verification_code.clone()) } else { Value::Null },
        "expires": utc_date(s.expires),
        "types": types,
    });
    match (properties, all) {
        (Some(wanted), Value::Object(map)) => {
            let mut out: Map<String, Value> = map.into_iter().filter(|(k, _)| wanted.contains(k)).collect();
            out.insert("id".into(), Value::String(ids::push_subscription(s.id)));
            Value::Object(out)
        }
        (_, all) => all,
    }
}

pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    if args.get("ifInState").is_some_and(|v| !v.is_null()) {
        return Err(MethodError::invalid("PushSubscription has no state (RFC 8620 §7.2.2)"));
    }
    let create = object_arg(&mut args, "create")?;
    let update = object_arg(&mut args, "update")?;
    let destroy = args.strings("destroy")?.unwrap_or_default();
    if create.len() + update.len() + destroy.len() > ctx.jmap.config.max_objects_in_set {
        return Err(MethodError::RequestTooLarge);
    }
    let (mut created, mut not_created) = (Map::new(), Map::new());
    for (creation, object) in create {
        match create_one(ctx, object).await {
            Ok(v) => {
                if let Some(id) = v.get("id").and_then(Value::as_str) {
                    ctx.created.insert(creation.clone(), id.to_owned());
                }
                created.insert(creation, v);
            }
            Err(e) => {
                not_created.insert(creation, e.to_json());
            }
        }
    }
    let (mut updated, mut not_updated) = (Map::new(), Map::new());
    for (id, patch) in update {
        let id = ctx.id(&id).map_or(id.clone(), str::to_owned);
        match update_one(ctx, &id, patch).await {
            Ok(v) => updated.insert(id, v),
            Err(e) => not_updated.insert(id, e.to_json()),
        };
    }
    let (mut destroyed, mut not_destroyed) = (Vec::new(), Map::new());
    for id in destroy {
        let id = ctx.id(&id).map_or(id.clone(), str::to_owned);
        let principal = ctx.principal.id;
        let gone = match ids::parse_push_subscription(&id) {
            Some(n) => ctx.jmap.mailer.directory().remove_push_subscription(principal, n).await?,
            None => false,
        };
        if gone {
            destroyed.push(Value::String(id));
        } else {
            not_destroyed.insert(id, SetError::not_found().to_json());
        }
    }
    ctx.jmap.push_out.changed();
    Ok(json!({
        "created": created, "notCreated": not_created,
        "updated": updated, "notUpdated": not_updated,
        "destroyed": destroyed, "notDestroyed": not_destroyed,
    }))
}

async fn create_one(ctx: &Ctx<'_>, object: Map<String, Value>) -> Result<Value, SetError> {
    let mut device = None;
    let mut url = None;
    let mut keys = None;
    let mut expires = None;
    let mut types = None;
    for (k, v) in object {
        match (k.as_str(), v) {
            ("deviceClientId", Value::String(d)) if !d.is_empty() && d.len() <= MAX_DEVICE_ID => device = Some(d),
            ("url", Value::String(u)) => url = Some(push_url(&u, ctx.jmap.config.push_allow_http)?),
            ("keys", Value::Null) | ("verificationCode", Value::Null) | ("expires", Value::Null) => {}
            ("keys", Value::Object(k)) => keys = Some(keys_value(&k)?),
            ("expires", Value::String(e)) => expires = Some(e),
            ("types", v) => types = type_names(v)?,
            ("id" | "verificationCode", _) => return Err(SetError::invalid(&k, "set by the server")),
            (_, _) => return Err(SetError::invalid(&k, "not a valid PushSubscription property or value")),
        }
    }
    let device = device.ok_or_else(|| SetError::invalid("deviceClientId", "required"))?;
    let url = url.ok_or_else(|| SetError::invalid("url", "required"))?;
    let expires = expiry(ctx, expires.as_deref())?;
    let stamp = stamp(ctx).await?;
    let code = verification_code();
    let new = NewPushSubscription {
        device_client_id: device,
        url: url.clone(),
        keys: keys.as_ref().map(Value::to_string),
        verification_code: code.clone(),
        expires,
        types,
        credential: serde_json::to_string(&stamp).unwrap_or_default(),
    };
    let principal = ctx.principal.id;
    let at_most = ctx.jmap.config.max_push_subscriptions;
    let id = match ctx.jmap.mailer.directory().add_push_subscription(principal, new, at_most).await {
        Ok(id) => id,
        Err(relais_store::Error::Limit(why)) => return Err(SetError::new("overQuota", why)),
        Err(e) => {
            tracing::warn!(error = %e, "jmap: push subscription not stored");
            return Err(SetError::new("serverFail", "not stored; see the server log"));
        }
    };
    let id = ids::push_subscription(id);
    let decoded = keys.as_ref().and_then(|k| decode_keys(k["p256dh"].as_str()?, k["auth"].as_str()?));
    ctx.jmap.push_out.verify(&id, &code, url, decoded);
    Ok(json!({ "id": id, "expires": utc_date(expires) }))
}

async fn update_one(ctx: &Ctx<'_>, id: &str, patch: Map<String, Value>) -> Result<Value, SetError> {
    let n = ids::parse_push_subscription(id).ok_or_else(SetError::not_found)?;
    let principal = ctx.principal.id;
    let stored = ctx.jmap.store().read(move |r| r.push_subscription(n)).await;
    let s = stored.ok().flatten().filter(|s| s.account == principal).ok_or_else(SetError::not_found)?;
    let mut up = PushSubscriptionUpdate::default();
    let mut answer = Map::new();
    for (k, v) in patch {
        match (k.as_str(), v) {
            ("verificationCode", Value::String(code)) => {
                if !same(code.as_bytes(), s.verification_code.as_bytes()) {
                    return Err(SetError::invalid("verificationCode", "not the code sent"));
                }
                up.verified = Some(true);
                // Pushes start from the accounts' states now (RFC 8620 §7.2.2).
                up.push_state = crate::webpush::push_state_now(ctx.jmap, ctx.principal).await;
            }
            ("expires", v @ (Value::String(_) | Value::Null)) => {
                let e = expiry(ctx, v.as_str())?;
                if v.as_str() != Some(utc_date(e).as_str()) {
                    answer.insert("expires".into(), Value::String(utc_date(e)));
                }
                up.expires = Some(e);
            }
            ("types", v) => up.types = Some(type_names(v)?),
            (_, _) => return Err(SetError::invalid(&k, "only verificationCode, expires and types change")),
        }
    }
    let done = ctx.jmap.mailer.directory().change_push_subscription(principal, n, up).await;
    match done {
        Ok(true) => Ok(if answer.is_empty() { Value::Null } else { Value::Object(answer) }),
        Ok(false) => Err(SetError::not_found()),
        Err(e) => {
            tracing::warn!(error = %e, "jmap: push subscription not updated");
            Err(SetError::new("serverFail", "not stored; see the server log"))
        }
    }
}

fn keys_value(k: &Map<String, Value>) -> Result<Value, SetError> {
    let field = |name: &str| k.get(name).and_then(Value::as_str);
    match (field("p256dh"), field("auth")) {
        (Some(p), Some(a)) if k.len() == 2 && decode_keys(p, a).is_some() => Ok(json!({ "p256dh": p, "auth": a })),
        _ => Err(SetError::invalid("keys", "p256dh (a P-256 public key) and auth (16 octets), base64url (RFC 8291)")),
    }
}

/// `types`: null for every type, or a list of type names (kept as JSON).
fn type_names(v: Value) -> Result<Option<String>, SetError> {
    match v {
        Value::Null => Ok(None),
        Value::Array(list)
            if list.len() <= MAX_TYPES
                && list.iter().all(|t| t.as_str().is_some_and(|s| !s.is_empty() && s.len() <= 64)) =>
        {
            Ok(Some(Value::Array(list).to_string()))
        }
        _ => Err(SetError::invalid("types", "null or a list of type names")),
    }
}

/// The expiry to keep: the one asked, lowered to the longest allowed; none asked is that.
fn expiry(ctx: &Ctx<'_>, asked: Option<&str>) -> Result<i64, SetError> {
    let now = relais_store::now();
    let latest = now + ctx.jmap.config.max_push_lifetime;
    match asked {
        None => Ok(latest),
        Some(s) => {
            let at = utc(s).map_err(|_| SetError::invalid("expires", "not a UTCDate"))?;
            if at <= now {
                return Err(SetError::invalid("expires", "in the past"));
            }
            Ok(at.min(latest))
        }
    }
}

/// What the request's login stands on, to keep with the subscription.
async fn stamp(ctx: &Ctx<'_>) -> Result<Stamp, SetError> {
    let directory = ctx.jmap.mailer.directory();
    let fail = |e: relais_directory::DirectoryError| {
        tracing::warn!(error = %e, "jmap: credentials not read");
        SetError::new("serverFail", "the credentials could not be read")
    };
    let secrets = directory.credential_digests(ctx.principal.id).await.map_err(fail)?.unwrap_or_default();
    let until = match &ctx.login.bearer {
        Some(token) => directory.api_token_expiry(token).await.map_err(fail)?,
        None => None,
    };
    Ok(Stamp { secrets, session: ctx.login.web_session.clone(), until })
}

/// 128 random bits, hex.
fn verification_code() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for ok in ["https://push.example/abc?x=1", "HTTPS://h:8443/p"] {
            assert_eq!(push_url(ok, false).as_deref().ok(), Some(ok), "{ok}");
        }
        for bad in ["http://h/", "https:///p", "https://u@h/", "ftp://h/", "https://h/a b", "h/x", ""] {
            assert!(push_url(bad, false).is_err(), "{bad}");
        }
        assert!(push_url("http://127.0.0.1:9/p", true).is_ok());
        assert!(push_url(&format!("https://h/{}", "a".repeat(2048)), false).is_err());
    }

    #[test]
    fn types() {
        assert_eq!(type_names(Value::Null).unwrap(), None);
        assert_eq!(type_names(json!(["Email", "Mailbox"])).unwrap().as_deref(), Some(r#"["Email","Mailbox"]"#));
        for bad in [json!("Email"), json!([1]), json!([""]), json!({})] {
            assert!(type_names(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys() {
        // RFC 8291 Appendix A: the user agent's public key and authentication secret.
        let p = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
        let a = "BTBZMqHH6r4Tts7J_aSIgg";
        assert!(keys_value(&json!({ "p256dh": p, "auth": a }).as_object().unwrap().clone()).is_ok());
        for bad in [json!({ "p256dh": p }), json!({ "p256dh": a, "auth": a }), json!({ "p256dh": p, "auth": p })] {
            assert!(keys_value(bad.as_object().unwrap()).is_err(), "{bad}");
        }
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"abc", b"ab"));
    }
}
