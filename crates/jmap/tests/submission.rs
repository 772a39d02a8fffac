//! Transcripts of JMAP EmailSubmission (RFC 8621 §7) on both backends: submissions kept and
//! read back (/get, /query with its filters and sorts, /changes), each recipient's delivery
//! status (local: yes; remote: queued, then the queue's outcome), delayed sending with HOLDFOR
//! (RFC 4865) cancelled while pending and cannotUnsend once released, destroy, the retention
//! sweep, and an alias identity's address as the envelope's MAIL FROM.

mod common;

use relais_directory::access::{Actor, Protocol};
use relais_jmap::{Jmap, JmapConfig, Origin};
use relais_mail::Mailer;
use relais_mail::mailbox::Folders;
use relais_store::{Principal, QueueOutcome};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::{Value, json};

const USING: [&str; 3] = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail", "urn:ietf:params:jmap:submission"];

struct World {
    jmap: Jmap,
    mailer: Mailer,
    ann: Principal,
    bob: Principal,
}

async fn world(f: &Fresh) -> World {
    let (mailer, ann, bob) = common::ann_and_bob(f).await;
    mailer.directory().add_alias("sales@example.com", "ann@example.com").await.unwrap();
    World { jmap: Jmap::new(mailer.clone(), JmapConfig::default()), mailer, ann, bob }
}

fn acc(p: &Principal) -> String {
    format!("a{}", p.id.0)
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

    /// Makes a draft from `from` to `to` and submits it as `identity` with `envelope` (may be
    /// null); the EmailSubmission/set answer's created (or notCreated) object.
    async fn send(&self, from: &str, to: &str, identity: &str, envelope: Value) -> Value {
        let actor = Actor::new(self.ann.id, Protocol::Jmap);
        let drafts = self.mailer.store().read(move |r| Folders::resolve(r, &actor, "Drafts")).await.unwrap();
        let drafts = format!("m{}", drafts.unwrap().collection.id.0);
        let a = acc(&self.ann);
        let rs = self
            .call(
                &self.ann,
                json!([
                    ["Email/set", {"accountId": a, "create": {"d": {"mailboxIds": {drafts: true},
                        "from": [{"email": from}], "to": [{"email": to}], "subject": format!("to {to}"),
                        "textBody": [{"partId": "p", "type": "text/plain"}], "bodyValues": {"p": {"value": "x"}}}}}, "0"],
                    ["EmailSubmission/set", {"accountId": a, "create": {"s": {"identityId": identity, "emailId": "#d",
                        "envelope": envelope}}}, "1"],
                ]),
            )
            .await;
        let r = &rs[1];
        if r["created"]["s"].is_object() { r["created"]["s"].clone() } else { r["notCreated"]["s"].clone() }
    }

    async fn inbox_total(&self, who: &Principal) -> u64 {
        let q = self.one(who, "Email/query", json!({"accountId": acc(who), "calculateTotal": true})).await;
        q["total"].as_u64().unwrap()
    }

    async fn state(&self) -> Value {
        self.one(&self.ann, "EmailSubmission/get", json!({"accountId": acc(&self.ann), "ids": []})).await["state"]
            .clone()
    }
}

/// RFC 8621 §7.1–7.5: a sent submission is kept, read back by /get, found by /query, named by
/// /changes; it cannot be cancelled once final; destroying it removes the record only.
async fn kept_and_read_back(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let own = format!("i{}", w.ann.id.0);
    let start = w.state().await;
    let s1 = w.send("ann@example.com", "bob@example.com", &own, Value::Null).await;
    let id1 = s1["id"].as_str().unwrap().to_owned();
    assert_eq!(s1["undoStatus"], "final", "{s1}");
    assert_eq!(s1["deliveryStatus"]["bob@example.com"]["delivered"], "yes", "{s1}");
    assert_eq!(s1["envelope"]["mailFrom"]["email"], "ann@example.com");
    assert_eq!(s1["envelope"]["rcptTo"], json!([{"email": "bob@example.com", "parameters": null}]));
    assert_eq!(w.inbox_total(&w.bob).await, 1);
    let s2 = w.send("ann@example.com", "carol@example.org", &own, Value::Null).await;
    let id2 = s2["id"].as_str().unwrap().to_owned();
    assert_eq!(s2["deliveryStatus"]["carol@example.org"]["delivered"], "queued", "{s2}");

    let g = w.one(&w.ann, "EmailSubmission/get", json!({"accountId": a, "ids": [id1, "s999", "x"]})).await;
    assert_eq!(g["list"].as_array().unwrap().len(), 1, "{g}");
    assert_eq!(g["notFound"], json!(["s999", "x"]));
    let got = &g["list"][0];
    assert_eq!(got["identityId"], own);
    assert_eq!(got["emailId"], s1["emailId"]);
    assert_eq!(got["threadId"], s1["threadId"]);
    assert_eq!((got["dsnBlobIds"].clone(), got["mdnBlobIds"].clone()), (json!([]), json!([])));
    assert_eq!(got["deliveryStatus"]["bob@example.com"]["displayed"], "unknown");
    let g = w.one(&w.ann, "EmailSubmission/get", json!({"accountId": a, "properties": ["undoStatus"]})).await;
    assert_eq!(g["list"], json!([{"id": id1, "undoStatus": "final"}, {"id": id2, "undoStatus": "final"}]));

    // /query: filters and sorts of RFC 8621 §7.3; Bob sees none of Ann's.
    let query = |filter: Value, sort: Value| json!({"accountId": a, "filter": filter, "sort": sort});
    let ids = |v: &Value| v["ids"].clone();
    let q = w
        .one(
            &w.ann,
            "EmailSubmission/query",
            query(Value::Null, json!([{"property": "emailId", "isAscending": false}])),
        )
        .await;
    assert_eq!(ids(&q), json!([id2, id1]), "{q}");
    let q = w.one(&w.ann, "EmailSubmission/query", query(json!({"emailIds": [s1["emailId"]]}), Value::Null)).await;
    assert_eq!(ids(&q), json!([id1]));
    let q = w
        .one(
            &w.ann,
            "EmailSubmission/query",
            query(json!({"threadIds": [s2["threadId"]], "identityIds": [own]}), Value::Null),
        )
        .await;
    assert_eq!(ids(&q), json!([id2]));
    let q = w.one(&w.ann, "EmailSubmission/query", query(json!({"undoStatus": "pending"}), Value::Null)).await;
    assert_eq!(ids(&q), json!([]));
    let q = w
        .one(
            &w.ann,
            "EmailSubmission/query",
            query(
                json!({"after": "2000-01-01T00:00:00Z", "before": "2999-01-01T00:00:00Z"}),
                json!([{"property": "sentAt"}, {"property": "threadId"}]),
            ),
        )
        .await;
    assert_eq!(ids(&q), json!([id1, id2]));
    let q = w
        .one(
            &w.ann,
            "EmailSubmission/query",
            query(json!({"operator": "NOT", "conditions": [{"emailIds": [s1["emailId"]]}]}), Value::Null),
        )
        .await;
    assert_eq!(ids(&q), json!([id2]));
    let q = w.one(&w.ann, "EmailSubmission/query", query(json!({"subject": "x"}), Value::Null)).await;
    assert_eq!(q["type"], "unsupportedFilter");
    let q = w.one(&w.ann, "EmailSubmission/query", query(Value::Null, json!([{"property": "subject"}]))).await;
    assert_eq!(q["type"], "unsupportedSort");
    let q = w.one(&w.bob, "EmailSubmission/query", json!({"accountId": acc(&w.bob)})).await;
    assert_eq!(ids(&q), json!([]));
    let q = w.one(&w.bob, "EmailSubmission/get", json!({"accountId": a})).await;
    assert_eq!(q["type"], "accountNotFound", "{q}");

    // /changes names both; final ones cannot be cancelled; destroy takes the record only.
    let c = w.one(&w.ann, "EmailSubmission/changes", json!({"accountId": a, "sinceState": start})).await;
    assert_eq!(c["created"], json!([id1, id2]), "{c}");
    let mid = c["newState"].clone();
    let r = w
        .one(
            &w.ann,
            "EmailSubmission/set",
            json!({"accountId": a, "update": {id1.clone(): {"undoStatus": "canceled"}},
              "destroy": [id2.clone(), "s999"]}),
        )
        .await;
    assert_eq!(r["notUpdated"][&id1]["type"], "cannotUnsend", "{r}");
    assert_eq!(r["destroyed"], json!([id2]));
    assert_eq!(r["notDestroyed"]["s999"]["type"], "notFound");
    let r =
        w.one(&w.ann, "EmailSubmission/set", json!({"accountId": a, "update": {id1.clone(): {"emailId": "e1"}}})).await;
    assert_eq!(r["notUpdated"][&id1]["type"], "invalidProperties", "{r}");
    let r = w
        .one(&w.ann, "EmailSubmission/set", json!({"accountId": a, "create": {"x": {"identityId": own, "emailId": s1["emailId"], "undoStatus": "final"}}}))
        .await;
    assert_eq!(r["notCreated"]["x"]["properties"], json!(["undoStatus"]), "{r}");
    let c = w.one(&w.ann, "EmailSubmission/changes", json!({"accountId": a, "sinceState": mid})).await;
    assert_eq!((c["created"].clone(), c["destroyed"].clone()), (json!([]), json!([id2])), "{c}");
    assert_eq!(w.inbox_total(&w.bob).await, 1, "destroy recalls nothing");
}
on_both_backends!(kept_and_read_back_on, kept_and_read_back);

/// RFC 4865 HOLDFOR: a held submission is pending, sent by the queue's release once due;
/// cancelled while pending it is never sent; released, it cannot be cancelled.
async fn held_and_cancelled(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let own = format!("i{}", w.ann.id.0);
    let held = |secs: &str| {
        json!({"mailFrom": {"email": "ann@example.com", "parameters": {"HOLDFOR": secs}},
               "rcptTo": [{"email": "bob@example.com"}]})
    };
    let s = w.send("ann@example.com", "bob@example.com", &own, held("600")).await;
    let id = s["id"].as_str().unwrap().to_owned();
    assert_eq!(s["undoStatus"], "pending", "{s}");
    assert_eq!(w.inbox_total(&w.bob).await, 0, "held");
    let r = w.one(&w.ann, "EmailSubmission/set", json!({"accountId": a, "destroy": [id.clone()]})).await;
    assert_eq!(r["notDestroyed"][&id]["type"], "forbidden", "{r}");
    let r = w
        .one(&w.ann, "EmailSubmission/set", json!({"accountId": a, "update": {id.clone(): {"undoStatus": "canceled"}}}))
        .await;
    assert_eq!(r["updated"], json!({id.clone(): null}), "{r}");
    let now = relais_store::now();
    w.mailer.release_submissions(now + 1200).await.unwrap();
    assert_eq!(w.inbox_total(&w.bob).await, 0, "a cancelled one is never sent");
    let g = w.one(&w.ann, "EmailSubmission/get", json!({"accountId": a, "ids": [id.clone()]})).await;
    assert_eq!(g["list"][0]["undoStatus"], "canceled");
    let r = w.one(&w.ann, "EmailSubmission/set", json!({"accountId": a, "destroy": [id.clone()]})).await;
    assert_eq!(r["destroyed"], json!([id]));

    // Released when due: final, delivered, and then cannotUnsend.
    let s = w.send("ann@example.com", "bob@example.com", &own, held("60")).await;
    let id = s["id"].as_str().unwrap().to_owned();
    assert_eq!(w.mailer.release_submissions(relais_store::now()).await.unwrap(), 0, "not due yet");
    assert_eq!(w.mailer.release_submissions(relais_store::now() + 120).await.unwrap(), 1);
    assert_eq!(w.inbox_total(&w.bob).await, 1);
    let r = w
        .one(&w.ann, "EmailSubmission/set", json!({"accountId": a, "update": {id.clone(): {"undoStatus": "canceled"}}}))
        .await;
    assert_eq!(r["notUpdated"][&id]["type"], "cannotUnsend", "{r}");
    let g = w.one(&w.ann, "EmailSubmission/get", json!({"accountId": a, "ids": [id.clone()]})).await;
    assert_eq!(g["list"][0]["undoStatus"], "final");
    assert_eq!(g["list"][0]["deliveryStatus"]["bob@example.com"]["delivered"], "yes", "{g}");

    // HOLDUNTIL too; past maxDelayedSend, both at once, or another parameter: refused.
    let until = json!({"mailFrom": {"email": "ann@example.com", "parameters": {"HOLDUNTIL": "2999-01-01T00:00:00Z"}},
                       "rcptTo": [{"email": "bob@example.com"}]});
    for envelope in [
        held("99999999"),
        until,
        json!({"mailFrom": {"email": "ann@example.com", "parameters": {"HOLDFOR": "5", "HOLDUNTIL": "2999-01-01T00:00:00Z"}},
               "rcptTo": [{"email": "bob@example.com"}]}),
        json!({"mailFrom": {"email": "ann@example.com", "parameters": {"SIZE": "5"}}, "rcptTo": [{"email": "bob@example.com"}]}),
        json!({"mailFrom": {"email": "ann@example.com", "parameters": {"HOLDFOR": "soon"}}, "rcptTo": [{"email": "bob@example.com"}]}),
    ] {
        let s = w.send("ann@example.com", "bob@example.com", &own, envelope.clone()).await;
        assert_eq!(s["properties"], json!(["envelope"]), "{envelope}: {s}");
    }
    let session = w.jmap.session(&w.ann, &Origin("https://mail.test".into())).await;
    let session: Value = serde_json::from_slice(&session.body).unwrap();
    let caps = &session["accounts"][&a]["accountCapabilities"]["urn:ietf:params:jmap:submission"];
    assert_eq!(caps["maxDelayedSend"], 7 * 86_400, "{caps}");
}
on_both_backends!(held_and_cancelled_on, held_and_cancelled);

/// A remote recipient is queued, then takes the outbound queue's outcome; an identity whose
/// address is an alias sends with that address as MAIL FROM when the client gives no envelope.
async fn queue_outcomes_and_alias_envelope(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let r =
        w.one(&w.ann, "Identity/set", json!({"accountId": a, "create": {"k": {"email": "sales@example.com"}}})).await;
    let sales = r["created"]["k"]["id"].as_str().unwrap().to_owned();
    let s = w.send("sales@example.com", "carol@example.org", &sales, Value::Null).await;
    let id = s["id"].as_str().unwrap().to_owned();
    assert_eq!(s["envelope"]["mailFrom"]["email"], "sales@example.com", "{s}");
    let leased = w.mailer.lease_due(relais_store::now() + 1, 10, 60).await.unwrap();
    assert_eq!(leased.len(), 1);
    assert_eq!(leased[0].sender, "sales@example.com", "the alias is the MAIL FROM");
    let rcpt = leased[0].recipients[0].id;
    let retry = QueueOutcome::Retry { at: relais_store::now() + 60, error: "451 4.3.0 try later".into() };
    w.mailer.record_attempt(leased[0].id, vec![(rcpt, retry)]).await.unwrap();
    let g = w.one(&w.ann, "EmailSubmission/get", json!({"accountId": a, "ids": [id.clone()]})).await;
    let status = &g["list"][0]["deliveryStatus"]["carol@example.org"];
    assert_eq!(
        (status["delivered"].clone(), status["smtpReply"].clone()),
        (json!("queued"), json!("451 4.3.0 try later"))
    );
    let failed = QueueOutcome::Failed { error: "550 5.1.1 no such user".into() };
    w.mailer.record_attempt(leased[0].id, vec![(rcpt, failed)]).await.unwrap();
    let g = w.one(&w.ann, "EmailSubmission/get", json!({"accountId": a, "ids": [id.clone()]})).await;
    let status = &g["list"][0]["deliveryStatus"]["carol@example.org"];
    assert_eq!(
        (status["delivered"].clone(), status["smtpReply"].clone()),
        (json!("no"), json!("550 5.1.1 no such user"))
    );

    // The sweep: settled ones past the retention go, a pending one stays.
    let held = json!({"mailFrom": {"email": "ann@example.com", "parameters": {"HOLDFOR": "600"}},
                      "rcptTo": [{"email": "bob@example.com"}]});
    let own = format!("i{}", w.ann.id.0);
    let pending = w.send("ann@example.com", "bob@example.com", &own, held).await["id"].clone();
    assert_eq!(w.mailer.purge_submissions(7 * 86_400).await.unwrap(), 0);
    assert_eq!(w.mailer.purge_submissions(-10).await.unwrap(), 1);
    let g = w.one(&w.ann, "EmailSubmission/get", json!({"accountId": a})).await;
    assert_eq!(g["list"].as_array().unwrap().iter().map(|s| s["id"].clone()).collect::<Vec<_>>(), vec![pending]);
    let _ = &w.bob;
}
on_both_backends!(queue_outcomes_and_alias_envelope_on, queue_outcomes_and_alias_envelope);
