//! Transcripts of JMAP ShareNotification (RFC 9670 §5) on both backends: a grantee is told when
//! its rights on another's mailbox change through JMAP shareWith, IMAP SETACL (`change_grant`)
//! or DAV ACL (`replace_grants`) — the access service's three operations — with who changed
//! them, the object and the rights before and after; /get, /changes, /query and /set (destroy
//! only); the owner is told nothing.

mod common;

use relais_directory::access::{Actor, Protocol, Rights};
use relais_directory::{Directory, GrantChange};
use relais_jmap::{Jmap, JmapConfig};
use relais_store::{CollectionId, Principal};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::{Value, json};

const USING: [&str; 3] = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail", "urn:ietf:params:jmap:principals"];

struct World {
    jmap: Jmap,
    dir: Directory,
    ann: Principal,
    bob: Principal,
}

impl World {
    async fn one(&self, who: &Principal, name: &str, args: Value) -> Value {
        let body = json!({ "using": USING, "methodCalls": [[name, args, "c"]] });
        let r = self.jmap.api(who, body.to_string().as_bytes()).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        v["methodResponses"][0][1].clone()
    }
}

fn acc(p: &Principal) -> String {
    format!("a{}", p.id.0)
}

async fn told_of_changes(f: Fresh) {
    let (mailer, ann, bob) = common::ann_and_bob(&f).await;
    let dir = mailer.directory().clone();
    let w = World { jmap: Jmap::new(mailer, JmapConfig::default()), dir, ann, bob };
    let (a, b) = (acc(&w.ann), acc(&w.bob));
    let start = w.one(&w.bob, "ShareNotification/get", json!({"accountId": b, "ids": []})).await["state"].clone();
    let pid = format!("p{}", w.bob.id.0);
    let reader = json!({"mayReadItems": true, "mayAddItems": false, "mayRemoveItems": false, "maySetSeen": true,
                        "maySetKeywords": false, "mayCreateChild": false, "mayRename": false, "mayDelete": false,
                        "maySubmit": false, "mayShare": false});
    let r = w
        .one(
            &w.ann,
            "Mailbox/set",
            json!({"accountId": a, "create": {"k": {"name": "Team", "shareWith": {pid.clone(): reader}}}}),
        )
        .await;
    let team = r["created"]["k"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let team_id = CollectionId(team[1..].parse().unwrap());

    // JMAP shareWith: Bob is told, from none to reading.
    let g = w.one(&w.bob, "ShareNotification/get", json!({"accountId": b})).await;
    let list = g["list"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{g}");
    let n = &list[0];
    assert_eq!(
        n["changedBy"],
        json!({"name": "Ann", "email": "ann@example.com", "principalId": format!("p{}", w.ann.id.0)})
    );
    assert_eq!(
        (n["objectType"].clone(), n["objectAccountId"].clone(), n["objectId"].clone()),
        (json!("Mailbox"), json!(a), json!(team))
    );
    assert_eq!((n["oldRights"].clone(), n["newRights"]["mayReadItems"].clone()), (Value::Null, json!(true)), "{n}");
    assert_eq!(n["name"], "Team");
    let first = n["id"].as_str().unwrap().to_owned();
    let c = w.one(&w.bob, "ShareNotification/changes", json!({"accountId": b, "sinceState": start})).await;
    assert_eq!(c["created"], json!([first]), "{c}");
    let g = w.one(&w.ann, "ShareNotification/get", json!({"accountId": a})).await;
    assert_eq!(g["list"], json!([]), "the owner is told nothing");

    // IMAP SETACL adds a right; DAV ACL replacing every grant takes them all away.
    let imap = Actor::new(w.ann.id, Protocol::Imap);
    w.dir.change_grant(&imap, team_id, w.bob.id, GrantChange::Add(Rights::INSERT)).await.unwrap();
    w.dir.change_grant(&imap, team_id, w.bob.id, GrantChange::Add(Rights::INSERT)).await.unwrap();
    let dav = Actor::new(w.ann.id, Protocol::Dav);
    w.dir.replace_grants(&dav, team_id, Vec::new()).await.unwrap();
    let q = w
        .one(
            &w.bob,
            "ShareNotification/query",
            json!({"accountId": b, "filter": {"objectType": "Mailbox", "objectAccountId": a},
              "sort": [{"property": "created", "isAscending": false}], "calculateTotal": true}),
        )
        .await;
    assert_eq!(q["total"], 3, "an unchanged grant tells nothing: {q}");
    let newest = q["ids"][0].clone();
    let g = w.one(&w.bob, "ShareNotification/get", json!({"accountId": b, "ids": [newest, "sn999", "x"]})).await;
    assert_eq!(g["list"][0]["newRights"], Value::Null, "{g}");
    assert_eq!(g["list"][0]["oldRights"]["mayAddItems"], true);
    assert_eq!(g["notFound"], json!(["sn999", "x"]));
    let q =
        w.one(&w.bob, "ShareNotification/query", json!({"accountId": b, "filter": {"objectType": "Calendar"}})).await;
    assert_eq!(q["ids"], json!([]));
    let q = w
        .one(&w.bob, "ShareNotification/query", json!({"accountId": b, "filter": {"after": "2999-01-01T00:00:00Z"}}))
        .await;
    assert_eq!(q["ids"], json!([]));
    let q = w.one(&w.bob, "ShareNotification/query", json!({"accountId": b, "filter": {"name": "x"}})).await;
    assert_eq!(q["type"], "unsupportedFilter");

    // Only destroy; another's notification is not found.
    let r = w
        .one(
            &w.bob,
            "ShareNotification/set",
            json!({"accountId": b, "create": {"k": {}}, "update": {first.clone(): {"name": "x"}},
              "destroy": [first.clone()]}),
        )
        .await;
    assert_eq!(
        (r["notCreated"]["k"]["type"].clone(), r["notUpdated"][&first]["type"].clone()),
        (json!("forbidden"), json!("forbidden"))
    );
    assert_eq!(r["destroyed"], json!([first]), "{r}");
    let r = w.one(&w.ann, "ShareNotification/set", json!({"accountId": a, "destroy": [newest_of(&w, &b).await]})).await;
    assert_eq!(r["destroyed"], json!([]), "{r}");
    let g = w.one(&w.bob, "ShareNotification/get", json!({"accountId": b})).await;
    assert_eq!(g["list"].as_array().unwrap().len(), 2);
}
on_both_backends!(told_of_changes_on, told_of_changes);

async fn newest_of(w: &World, b: &str) -> Value {
    let q = w.one(&w.bob, "ShareNotification/query", json!({"accountId": b})).await;
    q["ids"].as_array().unwrap().last().cloned().unwrap()
}
