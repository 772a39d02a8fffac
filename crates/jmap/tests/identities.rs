//! Transcripts of JMAP Identity (RFC 8621 §6) on both backends: the own identity always there,
//! identities made only for an address the user may send from (an alias, a send-on-behalf
//! grant; another's address is forbiddenFrom, a wildcard invalid), bounded properties, update
//! and destroy, Identity/changes from the change log, and EmailSubmission/set sending only with
//! an identity of the account whose address is the From (RFC 8621 §7.5 forbiddenFrom,
//! forbiddenMailFrom).

mod common;

use relais_directory::Directory;
use relais_directory::access::{Actor, Delegation, Protocol};
use relais_jmap::{Jmap, JmapConfig};
use relais_mail::Mailer;
use relais_mail::mailbox::Folders;
use relais_store::Principal;
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::{Value, json};

const USING: [&str; 3] = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail", "urn:ietf:params:jmap:submission"];

struct World {
    jmap: Jmap,
    mailer: Mailer,
    dir: Directory,
    ann: Principal,
    bob: Principal,
}

async fn world(f: &Fresh) -> World {
    let (mailer, ann, bob) = common::ann_and_bob(f).await;
    let dir = mailer.directory().clone();
    dir.add_alias("sales@example.com", "ann@example.com").await.unwrap();
    World { jmap: Jmap::new(mailer.clone(), JmapConfig::default()), mailer, dir, ann, bob }
}

impl World {
    async fn call(&self, who: &Principal, calls: Value) -> Vec<Value> {
        let body = json!({ "using": USING, "methodCalls": calls });
        let r = self.jmap.api(who, body.to_string().as_bytes()).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        v["methodResponses"].as_array().unwrap().iter().map(|r| r[1].clone()).collect()
    }

    async fn one(&self, who: &Principal, name: &str, args: Value) -> Value {
        self.call(who, json!([[name, args, "c"]])).await.remove(0)
    }

    async fn create(&self, who: &Principal, identity: Value) -> Value {
        let r = self.one(who, "Identity/set", json!({"accountId": acc(who), "create": {"k": identity}})).await;
        if r["created"]["k"].is_object() { r["created"]["k"].clone() } else { r["notCreated"]["k"].clone() }
    }

    async fn drafts(&self, who: &Principal) -> String {
        let actor = Actor::new(who.id, Protocol::Jmap);
        let f = self.mailer.store().read(move |r| Folders::resolve(r, &actor, "Drafts")).await.unwrap();
        format!("m{}", f.unwrap().collection.id.0)
    }
}

fn acc(p: &Principal) -> String {
    format!("a{}", p.id.0)
}

/// RFC 8621 §6.1–6.3: the own identity, creates within the send-as rules and the bounds,
/// update, destroy, and /changes.
async fn identities(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let own = format!("i{}", w.ann.id.0);
    let r = w.one(&w.ann, "Identity/get", json!({"accountId": a})).await;
    assert_eq!(
        r["list"],
        json!([{"id": own, "name": "Ann", "email": "ann@example.com", "replyTo": null, "bcc": null,
                "textSignature": "", "htmlSignature": "", "mayDelete": false}])
    );
    let start = r["state"].clone();

    // Another's address without a grant, a wildcard, nothing like an address, oversized or
    // malformed properties, the server's own: refused, nothing written.
    let refusals = [
        (json!({"email": "bob@example.com"}), "forbiddenFrom", None),
        (json!({"email": "nobody@example.com"}), "forbiddenFrom", None),
        (json!({"email": "*@example.com"}), "invalidProperties", Some("email")),
        (json!({"email": "not an address"}), "invalidProperties", Some("email")),
        (json!({"name": "No address"}), "invalidProperties", Some("email")),
        (
            json!({"email": "sales@example.com", "textSignature": "x".repeat(65 * 1024)}),
            "invalidProperties",
            Some("textSignature"),
        ),
        (json!({"email": "sales@example.com", "name": "n".repeat(300)}), "invalidProperties", Some("name")),
        (
            json!({"email": "sales@example.com", "replyTo": [{"email": "a@b", "phone": "1"}]}),
            "invalidProperties",
            Some("replyTo"),
        ),
        (json!({"email": "sales@example.com", "bcc": "a@b"}), "invalidProperties", Some("bcc")),
        (json!({"email": "sales@example.com", "mayDelete": false}), "invalidProperties", Some("mayDelete")),
        (json!({"email": "sales@example.com", "colour": "red"}), "invalidProperties", Some("colour")),
    ];
    for (identity, kind, property) in refusals {
        let e = w.create(&w.ann, identity.clone()).await;
        assert_eq!(e["type"], kind, "{identity}: {e}");
        if let Some(p) = property {
            assert_eq!(e["properties"], json!([p]), "{identity}: {e}");
        }
    }
    let r = w.one(&w.ann, "Identity/get", json!({"accountId": a, "ids": null})).await;
    assert_eq!((r["list"].as_array().unwrap().len(), r["state"].clone()), (1, start.clone()), "{r}");

    // An alias: made, with the server's defaults in the answer.
    let sales = w
        .create(
            &w.ann,
            json!({"email": "Sales@Example.com", "name": "Sales", "replyTo": [{"name": "Desk", "email": "desk@example.com"}],
                   "textSignature": "-- \nSales"}),
        )
        .await;
    let sales_id = sales["id"].as_str().unwrap().to_owned();
    assert!(sales_id.starts_with("is"), "{sales}");
    assert_eq!((sales["mayDelete"].clone(), sales["bcc"].clone()), (json!(true), Value::Null), "{sales}");
    assert_eq!((sales["email"].clone(), sales["name"].clone()), (json!("sales@example.com"), json!("Sales")));
    // The value a server-set property gets is no change; another is refused.
    let same = w.create(&w.ann, json!({"email": "sales@example.com", "mayDelete": true})).await;
    assert_eq!(same["mayDelete"], true, "{same}");
    let r = w.one(&w.ann, "Identity/set", json!({"accountId": a, "destroy": [same["id"].clone()]})).await;
    assert_eq!(r["destroyed"].as_array().unwrap().len(), 1, "{r}");
    // Bob lets Ann send on his behalf: his address becomes one of hers to pick.
    assert_eq!(w.create(&w.ann, json!({"email": "bob@example.com"})).await["type"], "forbiddenFrom");
    w.dir.grant("bob@example.com", "ann@example.com", Delegation::SEND_ON_BEHALF).await.unwrap();
    let for_bob = w.create(&w.ann, json!({"email": "bob@example.com", "name": "Ann for Bob"})).await;
    let bob_id = for_bob["id"].as_str().unwrap().to_owned();

    let r = w
        .one(
            &w.ann,
            "Identity/get",
            json!({"accountId": a, "ids": [sales_id.clone(), "is999999", "x"],
        "properties": ["email", "replyTo"]}),
        )
        .await;
    assert_eq!(
        r["list"],
        json!([{"id": sales_id, "email": "sales@example.com", "replyTo": [{"name": "Desk", "email": "desk@example.com"}]}])
    );
    assert_eq!(r["notFound"], json!(["is999999", "x"]));
    // Bob sees none of Ann's, and cannot read her account's.
    let r = w.one(&w.bob, "Identity/get", json!({"accountId": acc(&w.bob)})).await;
    assert_eq!(r["list"].as_array().unwrap().len(), 1, "{r}");
    let r = w.one(&w.bob, "Identity/get", json!({"accountId": a})).await;
    assert!(r["type"].is_string(), "{r}");

    // Updates: the own identity's name and signature; the email is immutable.
    let r = w
        .one(
            &w.ann,
            "Identity/set",
            json!({"accountId": a, "update": {
                own.clone(): {"name": "Ann A.", "htmlSignature": "<p>Ann</p>", "email": "ann@example.com"},
                sales_id.clone(): {"email": "bob@example.com"},
                bob_id.clone(): {"bcc": [{"email": "archive@example.com"}], "replyTo": null},
                "is999999": {"name": "x"}}}),
        )
        .await;
    assert_eq!(r["updated"], json!({own.clone(): null, bob_id.clone(): null}), "{r}");
    assert_eq!(r["notUpdated"][&sales_id]["properties"], json!(["email"]));
    assert_eq!(r["notUpdated"]["is999999"]["type"], "notFound");
    let r = w.one(&w.ann, "Identity/get", json!({"accountId": a})).await;
    let list = r["list"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!((list[0]["name"].clone(), list[0]["htmlSignature"].clone()), (json!("Ann A."), json!("<p>Ann</p>")));
    assert_eq!(list[0]["email"], "ann@example.com");
    assert_eq!(list[2]["bcc"], json!([{"name": null, "email": "archive@example.com"}]));

    // Identity/changes: what was made and changed since the start, the own identity by its id.
    let c = w.one(&w.ann, "Identity/changes", json!({"accountId": a, "sinceState": start})).await;
    assert_eq!(c["created"], json!([sales_id.clone(), bob_id.clone()]), "{c}");
    assert_eq!(c["updated"], json!([own.clone()]), "{c}");
    let before_destroy = c["newState"].clone();

    // Destroy: never the own identity.
    let r = w
        .one(&w.ann, "Identity/set", json!({"accountId": a, "destroy": [own.clone(), sales_id.clone(), "is999999"]}))
        .await;
    assert_eq!(r["destroyed"], json!([sales_id.clone()]));
    assert_eq!(r["notDestroyed"][&own]["type"], "forbidden");
    assert_eq!(r["notDestroyed"]["is999999"]["type"], "notFound");
    let c = w.one(&w.ann, "Identity/changes", json!({"accountId": a, "sinceState": before_destroy})).await;
    assert_eq!((c["destroyed"].clone(), c["created"].clone()), (json!([sales_id]), json!([])), "{c}");
    let c = w.one(&w.ann, "Identity/changes", json!({"accountId": a, "sinceState": "x"})).await;
    assert_eq!(c["type"], "cannotCalculateChanges");

    // At most 100 besides the own.
    let mut create = serde_json::Map::new();
    for n in 0..100 {
        create.insert(format!("n{n}"), json!({"email": "sales@example.com", "name": format!("S{n}")}));
    }
    let r = w.one(&w.ann, "Identity/set", json!({"accountId": a, "create": create})).await;
    assert_eq!(r["created"].as_object().unwrap().len(), 99, "one is there already");
    assert_eq!(r["notCreated"].as_object().unwrap().len(), 1);
    assert!(r["notCreated"].as_object().unwrap().values().all(|e| e["type"] == "overQuota"), "{r}");
}
on_both_backends!(identities_on, identities);

/// RFC 8621 §7.5: a submission names an identity of the account (one made earlier in the same
/// request by `#`), and its address must be the message's From; the envelope's MAIL FROM must
/// be one the user may send as.
async fn submission_identities(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let drafts = w.drafts(&w.ann).await;
    let own = format!("i{}", w.ann.id.0);
    let draft = |from: &str, subject: &str| {
        json!({"mailboxIds": {drafts.clone(): true}, "from": [{"email": from}], "to": [{"email": "bob@example.com"}],
               "subject": subject, "textBody": [{"partId": "p", "type": "text/plain"}], "bodyValues": {"p": {"value": "x"}}})
    };
    let envelope = |from: &str| json!({"mailFrom": {"email": from}, "rcptTo": [{"email": "bob@example.com"}]});
    let rs = w
        .call(
            &w.ann,
            json!([
                ["Identity/set", {"accountId": a, "create": {"sales": {"email": "sales@example.com", "name": "Sales"}}}, "0"],
                ["Email/set", {"accountId": a, "create": {
                    "m1": draft("sales@example.com", "From sales"),
                    "m2": draft("sales@example.com", "Own identity, alias From"),
                    "m3": draft("ann@example.com", "Unknown identity"),
                    "m4": draft("ann@example.com", "Bob's envelope")}}, "1"],
                ["EmailSubmission/set", {"accountId": a, "create": {
                    "s1": {"identityId": "#sales", "emailId": "#m1"},
                    "s2": {"identityId": own, "emailId": "#m2"},
                    "s3": {"identityId": "is999999", "emailId": "#m3"},
                    "s4": {"identityId": own, "emailId": "#m4", "envelope": envelope("bob@example.com")},
                    "s5": {"identityId": "#nothing", "emailId": "#m3"}}}, "2"],
            ]),
        )
        .await;
    let done = &rs[2];
    assert_eq!(done["created"]["s1"]["undoStatus"], "final", "{done}");
    assert_eq!(done["notCreated"]["s2"]["type"], "forbiddenFrom", "{done}");
    assert_eq!(done["notCreated"]["s3"]["properties"], json!(["identityId"]), "{done}");
    assert_eq!(done["notCreated"]["s4"]["type"], "forbiddenMailFrom", "{done}");
    assert_eq!(done["notCreated"]["s5"]["properties"], json!(["identityId"]), "{done}");
    // Only the first reached Bob.
    let q = w
        .one(
            &w.bob,
            "Email/query",
            json!({"accountId": acc(&w.bob), "filter": {"to": "bob@example.com"}, "calculateTotal": true}),
        )
        .await;
    assert_eq!(q["total"], 1, "{q}");
    let g = w
        .one(&w.bob, "Email/get", json!({"accountId": acc(&w.bob), "ids": q["ids"], "properties": ["from", "subject"]}))
        .await;
    assert_eq!(g["list"][0]["from"], json!([{"name": null, "email": "sales@example.com"}]), "{g}");
}
on_both_backends!(submission_identities_on, submission_identities);
