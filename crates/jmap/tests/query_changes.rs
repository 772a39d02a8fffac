//! Transcripts of Email/queryChanges (RFC 8620 §5.6, RFC 8621 §4.5) on both backends: the
//! changes since a queryState applied to the old results give the new ones (messages
//! delivered, flagged and destroyed), maxChanges (tooManyChanges), upToId on a query of
//! immutable properties only, and the queries that cannot be followed: collapseThreads, the
//! thread keyword conditions, a change of the mailboxes, a state not ours.

mod common;

use relais_directory::access::{Actor, Protocol};
use relais_jmap::{Jmap, JmapConfig};
use relais_mail::Mailer;
use relais_mail::mailbox::{Folders, NewMessage};
use relais_store::{CollectionId, Principal};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::{Value, json};

const USING: [&str; 2] = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"];

struct World {
    jmap: Jmap,
    mailer: Mailer,
    ann: Principal,
}

impl World {
    async fn one(&self, name: &str, args: Value) -> Value {
        let body = json!({ "using": USING, "methodCalls": [[name, args, "c"]] });
        let r = self.jmap.api(&self.ann, body.to_string().as_bytes()).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        v["methodResponses"][0][1].clone()
    }

    async fn inbox(&self) -> CollectionId {
        let actor = Actor::new(self.ann.id, Protocol::Jmap);
        let f = self.mailer.store().read(move |r| Folders::resolve(r, &actor, "INBOX")).await.unwrap();
        f.unwrap().collection.id
    }

    /// Appends a message from `from` received at `at` (Unix seconds); its JMAP id.
    async fn deliver(&self, from: &str, subject: &str, at: i64) -> String {
        let raw = format!(
            "From: {from}\r\nTo: ann@example.com\r\nSubject: {subject}\r\nMessage-ID: <{subject}@x>\r\n\r\nhi\r\n"
        );
        let message = NewMessage { raw: raw.into_bytes(), keywords: vec![], received_at: Some(at) };
        let inbox = self.inbox().await;
        self.mailer.append(&Actor::new(self.ann.id, Protocol::Imap), inbox, vec![message]).await.unwrap();
        let q = self.one("Email/query", json!({"accountId": acc(&self.ann), "filter": {"subject": subject}})).await;
        q["ids"][0].as_str().unwrap().to_owned()
    }

    async fn query(&self, args: &Value) -> Value {
        self.one("Email/query", args.clone()).await
    }

    async fn changes(&self, args: &Value, since: &Value, more: Value) -> Value {
        let mut a = args.clone();
        a["sinceQueryState"] = since.clone();
        for (k, v) in more.as_object().unwrap() {
            a[k] = v.clone();
        }
        self.one("Email/queryChanges", a).await
    }
}

fn acc(p: &Principal) -> String {
    format!("a{}", p.id.0)
}

/// RFC 8620 §5.6's client algorithm: remove every `removed` id, then insert each `added` at
/// its index, in order.
fn apply(old: &Value, changes: &Value) -> Vec<String> {
    let removed: Vec<&str> = changes["removed"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let mut ids: Vec<String> = old
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .filter(|i| !removed.contains(&i.as_str()))
        .collect();
    for a in changes["added"].as_array().unwrap() {
        let index = usize::try_from(a["index"].as_u64().unwrap()).unwrap();
        ids.insert(index.min(ids.len()), a["id"].as_str().unwrap().to_owned());
    }
    ids
}

async fn email_query_changes(f: Fresh) {
    let (mailer, ann, _bob) = common::ann_and_bob(&f).await;
    let w = World { jmap: Jmap::new(mailer.clone(), JmapConfig::default()), mailer, ann };
    let a = acc(&w.ann);
    let inbox = format!("m{}", w.inbox().await.0);
    let day = 86_400;
    let t0 = 1_796_000_000;
    let m1 = w.deliver("joe@example.net", "one", t0).await;
    let m2 = w.deliver("sue@example.net", "two", t0 + day).await;
    let newest = json!({"accountId": a, "filter": {"inMailbox": inbox},
        "sort": [{"property": "receivedAt", "isAscending": false}]});
    let before = w.query(&newest).await;
    assert_eq!(before["ids"], json!([m2, m1]));
    assert_eq!(before["canCalculateChanges"], true, "{before}");
    let since = before["queryState"].clone();

    // A delivery, a flag, a destroy: the changes rebuild the results.
    let m3 = w.deliver("joe@example.net", "three", t0 + 2 * day).await;
    let r = w
        .one(
            "Email/set",
            json!({"accountId": a, "update": {m1.clone(): {"keywords/$flagged": true}}, "destroy": [m2.clone()]}),
        )
        .await;
    assert_eq!(r["destroyed"], json!([m2]), "{r}");
    let after = w.query(&newest).await;
    assert_eq!(after["ids"], json!([m3, m1]));
    let c = w.changes(&newest, &since, json!({"calculateTotal": true})).await;
    assert_eq!(
        (c["oldQueryState"].clone(), c["newQueryState"].clone()),
        (since.clone(), after["queryState"].clone()),
        "{c}"
    );
    assert_eq!(apply(&before["ids"], &c), [m3.clone(), m1.clone()], "{c}");
    assert_eq!(c["total"], 2);
    // Flagged only: m1 stays in, m3 never was.
    let flagged = json!({"accountId": a, "filter": {"operator": "AND", "conditions": [{"inMailbox": inbox}, {"hasKeyword": "$flagged"}]}});
    let c = w.changes(&flagged, &since, json!({})).await;
    assert_eq!(apply(&json!([]), &c), std::slice::from_ref(&m1), "{c}");
    // Nothing since now.
    let c = w.changes(&newest, &after["queryState"], json!({})).await;
    assert_eq!((c["removed"].clone(), c["added"].clone()), (json!([]), json!([])), "{c}");
    // maxChanges: three messages changed.
    let c = w.changes(&newest, &since, json!({"maxChanges": 2})).await;
    assert_eq!(c["type"], "tooManyChanges", "{c}");

    // upToId on immutable properties (from, sort by receivedAt): a change past the client's
    // last cached message is left out; on a mutable one (a keyword) upToId is ignored.
    let joe = json!({"accountId": a, "filter": {"from": "joe@example.net"}, "sort": [{"property": "receivedAt", "isAscending": false}]});
    let state = w.query(&joe).await;
    assert_eq!(state["ids"], json!([m3, m1]));
    let old = w.deliver("joe@example.net", "older", t0 - day).await;
    let c = w.changes(&joe, &state["queryState"], json!({"upToId": m3})).await;
    assert_eq!(c["added"], json!([]), "past upToId: {c}");
    let c = w.changes(&joe, &state["queryState"], json!({})).await;
    assert_eq!(c["added"], json!([{"id": old, "index": 2}]), "{c}");
    let joe_unflagged = json!({"accountId": a, "filter": {"from": "joe@example.net", "notKeyword": "$flagged"}});
    let c = w.changes(&joe_unflagged, &state["queryState"], json!({"upToId": m3})).await;
    assert_eq!(c["added"].as_array().unwrap().len(), 1, "a keyword filter: upToId ignored: {c}");

    // Not followed: collapseThreads, thread keywords, a state not ours, mailboxes changed.
    let collapsed = json!({"accountId": a, "collapseThreads": true});
    assert_eq!(w.query(&collapsed).await["canCalculateChanges"], false);
    assert_eq!(w.changes(&collapsed, &since, json!({})).await["type"], "cannotCalculateChanges");
    let by_thread =
        json!({"accountId": a, "filter": {"operator": "NOT", "conditions": [{"someInThreadHaveKeyword": "$seen"}]}});
    assert_eq!(w.query(&by_thread).await["canCalculateChanges"], false);
    assert_eq!(w.changes(&by_thread, &since, json!({})).await["type"], "cannotCalculateChanges");
    assert_eq!(w.changes(&newest, &json!("not a state"), json!({})).await["type"], "cannotCalculateChanges");
    let r = w.one("Mailbox/set", json!({"accountId": a, "create": {"k": {"name": "Later"}}})).await;
    assert!(r["created"]["k"].is_object(), "{r}");
    assert_eq!(w.changes(&newest, &since, json!({})).await["type"], "cannotCalculateChanges");
    assert_eq!(w.one("Email/queryChanges", json!({"accountId": a})).await["type"], "invalidArguments");
}
on_both_backends!(email_query_changes_on, email_query_changes);
