//! Transcripts of JMAP PushSubscription (RFC 8620 §7.2) on both backends, with a transport
//! that records what would be POSTed: a PushVerification at creation carrying a code the
//! client must echo before anything else is pushed; url and keys never returned; expires
//! lowered to the longest allowed; only the principal's own subscriptions seen or changed;
//! the bound; the login's end (a password change) destroying them; a verified subscription's
//! feed giving a StateChange when the account changes; Delivery outcomes (Gone destroys).

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use relais_jmap::webpush::{Delivery, Push, PushTransport};
use relais_jmap::{Jmap, JmapConfig};
use relais_store::Principal;
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::{Value, json};

#[derive(Default)]
struct Recorder(Mutex<Vec<Push>>);

impl PushTransport for Recorder {
    fn send(&self, push: Push) -> Pin<Box<dyn Future<Output = Delivery> + Send + 'static>> {
        self.0.lock().unwrap().push(push);
        Box::pin(async { Delivery::Accepted })
    }
}

struct World {
    jmap: Jmap,
    sent: Arc<Recorder>,
    dir: relais_directory::Directory,
    store: relais_store::Store,
    ann: Principal,
    bob: Principal,
}

async fn world(f: &Fresh) -> World {
    let (mailer, ann, bob) = common::ann_and_bob(f).await;
    let dir = mailer.directory().clone();
    let store = mailer.store().clone();
    let sent = Arc::new(Recorder::default());
    let config = JmapConfig { max_push_subscriptions: 3, ..JmapConfig::default() };
    let jmap = Jmap::new(mailer, config).with_push_transport(sent.clone());
    World { jmap, sent, dir, store, ann, bob }
}

impl World {
    async fn one(&self, who: &Principal, name: &str, args: Value) -> Value {
        let body = json!({ "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"],
                           "methodCalls": [[name, args, "c"]] });
        let r = self.jmap.api(who, body.to_string().as_bytes()).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        v["methodResponses"][0][1].clone()
    }

    async fn create(&self, who: &Principal, object: Value) -> Value {
        let r = self.one(who, "PushSubscription/set", json!({ "create": { "k": object } })).await;
        if r["created"]["k"].is_object() { r["created"]["k"].clone() } else { r["notCreated"]["k"].clone() }
    }

    /// The push sent last (the transport is called from a task of its own).
    async fn pushed(&self) -> Push {
        for _ in 0..100 {
            if let Some(p) = self.sent.0.lock().unwrap().pop() {
                return p;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("no PushVerification sent");
    }

    async fn verification(&self) -> (String, Value) {
        let p = self.pushed().await;
        (p.url, serde_json::from_slice(&p.body).unwrap())
    }
}

async fn create_verify_get(f: Fresh) {
    let w = world(&f).await;
    let created = w
        .create(&w.ann, json!({ "deviceClientId": "phone-1", "url": "https://push.example/a?x=1", "types": ["Email"] }))
        .await;
    let id = created["id"].as_str().expect("created").to_owned();
    // RFC 8620 §7.2: the server chose the expiry (at most a week away) and returns it.
    let expires = created["expires"].as_str().unwrap().to_owned();
    assert!(expires.ends_with('Z'), "{created}");
    let (url, verification) = w.verification().await;
    assert_eq!(url, "https://push.example/a?x=1");
    assert_eq!(verification["@type"], "PushVerification");
    assert_eq!(verification["pushSubscriptionId"], json!(id));
    let code = verification["verificationCode"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 32);

    // /get: no url, no keys, no code until verified; no accountId and no state.
    let got = w.one(&w.ann, "PushSubscription/get", json!({ "ids": null })).await;
    assert_eq!(
        got["list"],
        json!([{ "id": id, "deviceClientId": "phone-1", "verificationCode": null,
                                     "expires": expires, "types": ["Email"] }])
    );
    assert!(got.get("accountId").is_none() && got.get("state").is_none(), "{got}");
    // Not live before it is verified; a wrong code is refused.
    assert!(w.jmap.push_subscriptions_live(10).await.unwrap().is_empty());
    let wrong = w.one(&w.ann, "PushSubscription/set", json!({ "update": { &id: { "verificationCode": "x" } } })).await;
    assert_eq!(wrong["notUpdated"][&id]["type"], "invalidProperties");
    let right = w.one(&w.ann, "PushSubscription/set", json!({ "update": { &id: { "verificationCode": code } } })).await;
    assert!(right["updated"].get(&id).is_some(), "{right}");
    let got = w.one(&w.ann, "PushSubscription/get", json!({ "ids": [&id, "ps999"] })).await;
    assert_eq!(got["list"][0]["verificationCode"], json!(code));
    assert_eq!(got["notFound"], json!(["ps999"]));
    assert_eq!(w.jmap.push_subscriptions_live(10).await.unwrap().len(), 1);

    // Bob sees, changes and destroys none of Ann's.
    let theirs = w.one(&w.bob, "PushSubscription/get", json!({ "ids": [&id] })).await;
    assert_eq!((theirs["list"].clone(), theirs["notFound"].clone()), (json!([]), json!([id])));
    let up =
        w.one(&w.bob, "PushSubscription/set", json!({ "update": { &id: { "types": null } }, "destroy": [&id] })).await;
    assert_eq!(up["notUpdated"][&id]["type"], "notFound");
    assert_eq!(up["notDestroyed"][&id]["type"], "notFound");

    // Ann changes types and asks for an expiry past the longest: lowered and returned.
    let far = "2099-01-01T00:00:00Z";
    let up =
        w.one(&w.ann, "PushSubscription/set", json!({ "update": { &id: { "expires": far, "types": null } } })).await;
    let lowered = up["updated"][&id]["expires"].as_str().expect("expires returned").to_owned();
    assert!(lowered.as_str() < far);
    let up = w.one(&w.ann, "PushSubscription/set", json!({ "update": { &id: { "url": "https://other/" } } })).await;
    assert_eq!(up["notUpdated"][&id]["properties"], json!(["url"]));
    let done = w.one(&w.ann, "PushSubscription/set", json!({ "destroy": [&id] })).await;
    assert_eq!(done["destroyed"], json!([id]));
}

async fn refusals_and_bound(f: Fresh) {
    let w = world(&f).await;
    let bad = [
        (json!({ "url": "https://p/" }), "deviceClientId"),
        (json!({ "deviceClientId": "d" }), "url"),
        (json!({ "deviceClientId": "d", "url": "http://p/" }), "url"),
        (json!({ "deviceClientId": "d", "url": "https://u@p/" }), "url"),
        (json!({ "deviceClientId": "d", "url": "https://p/", "verificationCode": "x" }), "verificationCode"),
        (json!({ "deviceClientId": "d", "url": "https://p/", "expires": "2001-01-01T00:00:00Z" }), "expires"),
        (json!({ "deviceClientId": "d", "url": "https://p/", "keys": { "p256dh": "AAAA", "auth": "AAAA" } }), "keys"),
        (json!({ "deviceClientId": "d", "url": "https://p/", "types": "Email" }), "types"),
        (json!({ "deviceClientId": "d", "url": "https://p/", "colour": 1 }), "colour"),
    ];
    for (object, property) in bad {
        let e = w.create(&w.ann, object.clone()).await;
        assert_eq!(
            (e["type"].as_str(), e["properties"][0].as_str()),
            (Some("invalidProperties"), Some(property)),
            "{object}"
        );
    }
    let st = w.one(&w.ann, "PushSubscription/set", json!({ "ifInState": "1", "create": {} })).await;
    assert_eq!(st["type"], "invalidArguments");
    // RFC 8291 Appendix A's user agent keys are taken.
    let keys = json!({ "p256dh": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
                       "auth": "BTBZMqHH6r4Tts7J_aSIgg" });
    for n in 0..3 {
        let made =
            w.create(&w.ann, json!({ "deviceClientId": format!("d{n}"), "url": "https://p/", "keys": keys })).await;
        assert!(made["id"].is_string(), "{made}");
    }
    let over = w.create(&w.ann, json!({ "deviceClientId": "d3", "url": "https://p/" })).await;
    assert_eq!(over["type"], "overQuota");
    // The verification of one with keys carries them, decoded, for the transport to encrypt.
    let p = w.pushed().await;
    assert_eq!(p.keys.as_ref().map(|k| (k.p256dh.len(), k.auth.len())), Some((65, 16)));
    // Bob's own bound is his.
    assert!(w.create(&w.bob, json!({ "deviceClientId": "b", "url": "https://p/" })).await["id"].is_string());
}

async fn feed_and_login(f: Fresh) {
    let w = world(&f).await;
    let id = w.create(&w.ann, json!({ "deviceClientId": "d", "url": "https://p/", "types": ["Mailbox"] })).await;
    let id = id["id"].as_str().unwrap().to_owned();
    let (_, v) = w.verification().await;
    let code = v["verificationCode"].clone();
    w.one(&w.ann, "PushSubscription/set", json!({ "update": { &id: { "verificationCode": code } } })).await;
    let live = w.jmap.push_subscriptions_live(10).await.unwrap();
    let s = live.into_iter().next().expect("live");
    assert!(w.jmap.push_login_stands(&s).await.unwrap());

    // Verified, it starts from the states then: a change made before any feed followed it is
    // told by a new feed's catch-up (a sender that starts late, or another node's).
    assert!(s.push_state.is_some());
    let early = w
        .one(
            &w.ann,
            "Mailbox/set",
            json!({ "accountId": format!("a{}", w.ann.id.0),
                                                      "create": { "m": { "name": "Early" } } }),
        )
        .await;
    assert!(early["created"]["m"].is_object(), "{early}");
    let mut late = w.jmap.subscription_feed(&s).await.unwrap().expect("feed");
    let (caught, _) = late.catch_up(s.push_state.as_deref().unwrap()).await.expect("caught up");
    assert_eq!(serde_json::from_slice::<Value>(&caught).unwrap()["@type"], "StateChange");

    // A change of the account is a StateChange naming it, with the type followed.
    let mut feed = w.jmap.subscription_feed(&s).await.unwrap().expect("feed");
    let made = w
        .one(
            &w.ann,
            "Mailbox/set",
            json!({ "accountId": format!("a{}", w.ann.id.0),
                                                     "create": { "m": { "name": "Pushed" } } }),
        )
        .await;
    assert!(made["created"]["m"].is_object(), "{made}");
    let (next, told) =
        tokio::time::timeout(std::time::Duration::from_secs(5), feed.next()).await.expect("pushed").unwrap();
    let change: Value = serde_json::from_slice(&next).unwrap();
    assert!(told.starts_with(&format!("{}:", w.ann.id.0)), "{told}");
    assert_eq!(change["@type"], "StateChange");
    let states = &change["changed"][format!("a{}", w.ann.id.0)];
    assert!(states["Mailbox"].is_string() && states.get("Email").is_none(), "{change}");

    // Accepted and failed pushes keep it; a push service's 410 destroys it.
    assert!(w.jmap.push_delivered(&s, Delivery::Failed, None).await.unwrap());
    assert!(w.jmap.push_delivered(&s, Delivery::Accepted, Some(told.clone())).await.unwrap());
    let id2 = w.create(&w.ann, json!({ "deviceClientId": "e", "url": "https://q/" })).await["id"].clone();
    let all = w.store.read({
        let ann = w.ann.id;
        move |r| r.push_subscriptions(ann)
    });
    let second =
        all.await.unwrap().into_iter().find(|x| Some(format!("ps{}", x.id)) == id2.as_str().map(str::to_owned));
    assert!(!w.jmap.push_delivered(&second.unwrap(), Delivery::Gone, None).await.unwrap());

    // The password changes: the login that made it no longer stands, and it is destroyed.
    w.dir.set_password("ann@example.com", "another-pw").await.unwrap();
    assert!(!w.jmap.push_login_stands(&s).await.unwrap());
    let got = w.one(&w.ann, "PushSubscription/get", json!({ "ids": null })).await;
    assert_eq!(got["list"], json!([]));
}

on_both_backends!(create_and_verify, create_verify_get);
on_both_backends!(refusals, refusals_and_bound);
on_both_backends!(feed_and_credentials, feed_and_login);
