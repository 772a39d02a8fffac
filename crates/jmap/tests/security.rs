//! Transcripts of Relais's own `urn:relais:jmap:security` on both backends: the capability on
//! the user's own account only, Password/change (the current password confirmed — not an app
//! password —, a short or unchanged one refused, the new one what every login then takes),
//! AppPassword/get and /set (the password shown once, never a hash; made only with the
//! account's password; revoked, it logs in no more), Device/get and /set (a wipe and a removal
//! only with the password, as the ActiveSync domain reads them), and nobody acting on another's.

mod common;

use relais_directory::access::{Actor, Protocol};
use relais_directory::{Credentials, Directory};
use relais_jmap::{Jmap, JmapConfig, Origin};
use relais_store::{Principal, Wipe};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::{Value, json};

const USING: [&str; 2] = ["urn:ietf:params:jmap:core", "urn:relais:jmap:security"];
const SECURITY: &str = "urn:relais:jmap:security";

struct World {
    jmap: Jmap,
    dir: Directory,
    ann: Principal,
    bob: Principal,
}

async fn world(f: &Fresh) -> World {
    let (mailer, ann, bob) = common::ann_and_bob(f).await;
    let dir = mailer.directory().clone();
    World { jmap: Jmap::new(mailer, JmapConfig::default()), dir, ann, bob }
}

fn acc(p: &Principal) -> String {
    format!("a{}", p.id.0)
}

impl World {
    async fn one(&self, who: &Principal, name: &str, args: Value) -> Value {
        let body = json!({ "using": USING, "methodCalls": [[name, args, "c"]] });
        let r = self.jmap.api(who, body.to_string().as_bytes()).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        let [answer] = v["methodResponses"].as_array().unwrap().as_slice() else { panic!("{v}") };
        if answer[0] == "error" { json!({ "error": answer[1]["type"] }) } else { answer[1].clone() }
    }

    async fn logs_in(&self, who: &str, password: &str) -> bool {
        let c = Credentials { username: who.into(), password: password.into(), remote: None };
        self.dir.authenticate(&c).await.is_ok()
    }
}

async fn capability_password_and_app_passwords(f: Fresh) {
    let w = world(&f).await;
    let s: Value =
        serde_json::from_slice(&w.jmap.session(&w.ann, &Origin("https://mail.test".into())).await.body).unwrap();
    assert_eq!(s["accounts"][acc(&w.ann)]["accountCapabilities"][SECURITY]["minPasswordLength"], 8);
    assert_eq!(s["primaryAccounts"][SECURITY], acc(&w.ann));

    // Not on another's account, whatever the call.
    let other = w.one(&w.ann, "AppPassword/get", json!({ "accountId": acc(&w.bob) })).await;
    assert_eq!(other["error"], "accountNotFound", "{other}");

    // Password/change: the current password must be right; the new one long enough and new.
    let change =
        |current: &str, new: &str| json!({ "accountId": acc(&w.ann), "currentPassword": current, "newPassword": new });
    assert_eq!(w.one(&w.ann, "Password/change", change("nope", "a longer one")).await["error"], "forbidden");
    assert_eq!(w.one(&w.ann, "Password/change", change("pw", "short")).await["error"], "invalidArguments");
    assert_eq!(w.one(&w.ann, "Password/change", change("pw", "pw")).await["error"], "invalidArguments");
    assert!(w.one(&w.ann, "Password/change", change("pw", "correct horse")).await.get("error").is_none());
    assert!(!w.logs_in("ann@example.com", "pw").await);
    assert!(w.logs_in("ann@example.com", "correct horse").await);

    // AppPassword/set: made only with the account's password, shown once.
    let (empty, state0) = {
        let g = w.one(&w.ann, "AppPassword/get", json!({ "accountId": acc(&w.ann) })).await;
        (g["list"].as_array().unwrap().is_empty(), g["state"].as_str().unwrap().to_owned())
    };
    assert!(empty);
    let make = |current: &str, name: &str| json!({ "accountId": acc(&w.ann), "currentPassword": current, "create": { "k": { "name": name } } });
    assert_eq!(w.one(&w.ann, "AppPassword/set", make("pw", "Phone")).await["error"], "forbidden");
    let made = w.one(&w.ann, "AppPassword/set", make("correct horse", "Phone")).await;
    assert_eq!(made["oldState"], state0.as_str());
    let created = &made["created"]["k"];
    let app = created["password"].as_str().unwrap().to_owned();
    assert_eq!(created["name"], "Phone");
    assert!(w.logs_in("ann@example.com", &app).await);
    // The same name again is refused for that object only; a name of 65 characters too.
    let again = w.one(&w.ann, "AppPassword/set", make("correct horse", "Phone")).await;
    assert_eq!(again["notCreated"]["k"]["type"], "invalidProperties", "{again}");
    let long = w.one(&w.ann, "AppPassword/set", make("correct horse", &"x".repeat(65))).await;
    assert_eq!(long["notCreated"]["k"]["type"], "invalidProperties", "{long}");
    // An app password cannot confirm: it makes no other, nor changes the password.
    assert_eq!(w.one(&w.ann, "AppPassword/set", make(&app, "Laptop")).await["error"], "forbidden");
    assert_eq!(w.one(&w.ann, "Password/change", change(&app, "another one!")).await["error"], "forbidden");

    // /get shows no hash nor password; the state moved.
    let got = w.one(&w.ann, "AppPassword/get", json!({ "accountId": acc(&w.ann) })).await;
    let [one] = got["list"].as_array().unwrap().as_slice() else { panic!("{got}") };
    assert_eq!(one["id"], created["id"]);
    assert!(one.get("password").is_none() && !one.to_string().contains("argon2"), "{one}");
    assert_ne!(got["state"], state0.as_str());
    let stale = json!({ "accountId": acc(&w.ann), "ifInState": state0, "destroy": [one["id"]] });
    assert_eq!(w.one(&w.ann, "AppPassword/set", stale).await["error"], "stateMismatch");

    // Revoked without the password (it only takes access away); it logs in no more.
    let gone =
        w.one(&w.ann, "AppPassword/set", json!({ "accountId": acc(&w.ann), "destroy": [one["id"], "Pzz"] })).await;
    assert_eq!(gone["destroyed"], json!([one["id"]]));
    assert_eq!(gone["notDestroyed"]["Pzz"]["type"], "notFound");
    assert!(!w.logs_in("ann@example.com", &app).await);
}
on_both_backends!(password_and_app_passwords_on, capability_password_and_app_passwords);

async fn devices_wiped_and_forgotten(f: Fresh) {
    let w = world(&f).await;
    let phone = Actor::new(w.ann.id, Protocol::ActiveSync);
    let info = r#"{"model":"Pixel 9","friendly_name":"Ann's phone","os":"Android 16"}"#;
    w.dir.device_seen(&phone, "ANDROID123", "Android", Some(info.into())).await.unwrap();
    let bobs = Actor::new(w.bob.id, Protocol::ActiveSync);
    w.dir.device_seen(&bobs, "IPHONE9", "iPhone", None).await.unwrap();

    let got = w.one(&w.ann, "Device/get", json!({ "accountId": acc(&w.ann) })).await;
    let [d] = got["list"].as_array().unwrap().as_slice() else { panic!("{got}") };
    assert_eq!(
        (d["deviceId"].as_str(), d["model"].as_str(), d["wipe"].as_str()),
        (Some("ANDROID123"), Some("Pixel 9"), Some("none"))
    );
    assert_eq!(d["friendlyName"], "Ann's phone");
    let id = d["id"].as_str().unwrap().to_owned();

    // A wipe needs the password; then the ActiveSync domain sees it asked for.
    let wipe = |current: &str, to: &str| json!({ "accountId": acc(&w.ann), "currentPassword": current, "update": { &id: { "wipe": to } } });
    assert_eq!(w.one(&w.ann, "Device/set", wipe("nope", "device")).await["error"], "forbidden");
    let bad = w.one(&w.ann, "Device/set", wipe("pw", "everything")).await;
    assert_eq!(bad["notUpdated"][&id]["type"], "invalidProperties", "{bad}");
    let done = w.one(&w.ann, "Device/set", wipe("pw", "account")).await;
    assert!(done["updated"].get(&id).is_some(), "{done}");
    let seen = w.dir.device(&phone, w.ann.id, "ANDROID123").await.unwrap().unwrap();
    assert_eq!(seen.wipe, Wipe::AccountOnlyRequested);

    // Bob's device is not Ann's to see or touch, even by its id.
    let bobs_id = format!("D{}", hex_of("IPHONE9"));
    let touch = json!({ "accountId": acc(&w.ann), "currentPassword": "pw", "destroy": [bobs_id] });
    assert_eq!(w.one(&w.ann, "Device/set", touch).await["notDestroyed"][&bobs_id]["type"], "notFound");
    assert!(w.dir.device(&bobs, w.bob.id, "IPHONE9").await.unwrap().is_some());

    // Forgotten with the password; a device is never made here.
    let forget = json!({ "accountId": acc(&w.ann), "currentPassword": "pw", "destroy": [id],
                         "create": { "n": { "deviceId": "X" } } });
    let r = w.one(&w.ann, "Device/set", forget).await;
    assert_eq!(r["destroyed"], json!([id]));
    assert_eq!(r["notCreated"]["n"]["type"], "forbidden");
    assert!(w.dir.device(&phone, w.ann.id, "ANDROID123").await.unwrap().is_none());
}
on_both_backends!(devices_on, devices_wiped_and_forgotten);

fn hex_of(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// API tokens: made only with the account's password (the token shown once, then never; its
/// expiry as asked; bounded names and days), a bearer login while it stands, the account's
/// sessions' credentials moved by it (`CredentialWatch`), revoked without the password, and
/// neither another account's tokens nor a token of a shape not ours taken.
async fn api_tokens(f: Fresh) {
    let w = world(&f).await;
    let bearer = |t: &str| {
        let (dir, t) = (w.dir.clone(), t.to_owned());
        async move { dir.authenticate_bearer(&t, None).await.map(|p| p.id) }
    };
    let make = |current: &str, object: Value| json!({ "accountId": acc(&w.ann), "currentPassword": current, "create": { "k": object } });
    assert_eq!(w.one(&w.ann, "ApiToken/set", make("nope", json!({ "name": "ci" }))).await["error"], "forbidden");
    let made = w.one(&w.ann, "ApiToken/set", make("pw", json!({ "name": " ci ", "days": 30 }))).await;
    let created = made["created"]["k"].clone();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("rlt_") && token.len() == 68, "{token}");
    assert_eq!(created["name"], "ci");
    let (made_at, expires) = (created["created"].as_str().unwrap(), created["expires"].as_str().unwrap());
    assert!(expires > made_at, "{created}");
    let watch = w.dir.watch_credential(&w.ann).await.unwrap();
    assert_eq!(bearer(&token).await.unwrap(), w.ann.id);
    // Refused: names (again, empty, too long), days (0, too many, not a number), other properties.
    for (object, field) in [
        (json!({ "name": "ci" }), "name"),
        (json!({ "name": " " }), "name"),
        (json!({ "name": "x".repeat(65) }), "name"),
        (json!({ "name": "a", "days": 0 }), "days"),
        (json!({ "name": "a", "days": 3651 }), "days"),
        (json!({ "name": "a", "days": "7" }), "days"),
        (json!({ "name": "a", "scope": "all" }), "scope"),
    ] {
        let r = w.one(&w.ann, "ApiToken/set", make("pw", object.clone())).await;
        assert_eq!(r["notCreated"]["k"]["type"], "invalidProperties", "{object}: {r}");
        assert_eq!(r["notCreated"]["k"]["properties"], json!([field]), "{object}: {r}");
    }
    // A token without expiry; /get shows both, never a token or its hash.
    let forever = w.one(&w.ann, "ApiToken/set", make("pw", json!({ "name": "backup", "days": null }))).await;
    assert!(forever["created"]["k"]["expires"].is_null(), "{forever}");
    let got = w.one(&w.ann, "ApiToken/get", json!({ "accountId": acc(&w.ann) })).await;
    let list = got["list"].as_array().unwrap();
    assert_eq!(list.iter().map(|t| t["name"].as_str().unwrap()).collect::<Vec<_>>(), ["backup", "ci"]);
    assert!(!got.to_string().contains(&token[4..]) && list.iter().all(|t| t.get("token").is_none()), "{got}");
    assert!(list.iter().any(|t| t["lastUsed"].is_string()), "the login was recorded: {got}");
    // Nobody else's: bob sees none of ann's and cannot revoke them.
    let bobs = w.one(&w.bob, "ApiToken/get", json!({ "accountId": acc(&w.bob) })).await;
    assert_eq!(bobs["list"], json!([]));
    let theft = w.one(&w.bob, "ApiToken/set", json!({ "accountId": acc(&w.bob), "destroy": [created["id"]] })).await;
    assert_eq!(theft["notDestroyed"][created["id"].as_str().unwrap()]["type"], "notFound", "{theft}");
    // Shapes not ours, and a token one digit off, are refused.
    let mut off = token.clone();
    off.replace_range(67.., if token.ends_with('0') { "1" } else { "0" });
    for bad in [off.as_str(), "rlt_", &token.to_uppercase(), "pw"] {
        assert!(bearer(bad).await.is_err(), "{bad}");
    }
    // A token failing again and again from one address is throttled there; another token
    // from the same address still logs in (failures are counted per token and per address).
    let from = Some("192.0.2.7".parse().unwrap());
    for _ in 0..12 {
        assert!(w.dir.authenticate_bearer(&off, from).await.is_err());
    }
    let locked = w.dir.authenticate_bearer(&off, from).await;
    assert!(matches!(locked, Err(relais_directory::AuthError::Throttled { .. })), "{locked:?}");
    assert_eq!(w.dir.authenticate_bearer(&token, from).await.unwrap().id, w.ann.id);
    // Revoked without the password: it logs in no more, and sessions' credentials moved.
    let id = created["id"].clone();
    let gone = w.one(&w.ann, "ApiToken/set", json!({ "accountId": acc(&w.ann), "destroy": [id] })).await;
    assert_eq!(gone["destroyed"], json!([id]), "{gone}");
    assert!(bearer(&token).await.is_err());
    let mut watch = watch;
    assert!(!watch.still_valid(&w.dir).await.unwrap(), "a session that held the token's account ends");
    // The administrator's way (`relais admin api-token add`), by address.
    let (admin_token, _) = w.dir.add_api_token("bob@example.com", "cli", Some(1)).await.unwrap();
    assert_eq!(bearer(&admin_token).await.unwrap(), w.bob.id);
}
on_both_backends!(api_tokens_on, api_tokens);
