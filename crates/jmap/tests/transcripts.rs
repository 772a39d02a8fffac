//! Transcripts of the examples of RFC 8620 and RFC 8621 (request → the response's shape),
//! on both backends: the result-reference chain of RFC 8620 §3.7, the request-level and
//! method-level errors of §3.6, /get, /changes (and cannotCalculateChanges once the change log
//! is trimmed), /set with ifInState, /query windows, Mailbox, Thread, Email (bodies, body
//! values, header forms), Email/set keywords and mailboxIds patches, Email/import, sending with
//! EmailSubmission and onSuccessUpdateEmail, VacationResponse, what another account sees, and
//! the messages of a WebSocket (RFC 8887).

mod common;

use std::time::Duration;

use relais_directory::access::{Actor, Protocol, Rights};
use relais_jmap::{Jmap, JmapConfig};
use relais_mail::Mailer;
use relais_mail::mailbox::{Folders, NewMessage};
use relais_store::{CollectionId, Principal};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::{Value, json};

const USING: [&str; 4] = [
    "urn:ietf:params:jmap:core",
    "urn:ietf:params:jmap:mail",
    "urn:ietf:params:jmap:submission",
    "urn:ietf:params:jmap:vacationresponse",
];

struct World {
    jmap: Jmap,
    mailer: Mailer,
    ann: Principal,
    bob: Principal,
}

async fn world(f: &Fresh) -> World {
    let (mailer, ann, bob) = common::ann_and_bob(f).await;
    let config = JmapConfig { max_calls_in_request: 8, max_objects_in_get: 50, ..JmapConfig::default() };
    World { jmap: Jmap::new(mailer.clone(), config), mailer, ann, bob }
}

impl World {
    /// The request's JSON answer (status 200) or the problem details (status, body).
    async fn call(&self, who: &Principal, calls: Value) -> Value {
        let body = json!({ "using": USING, "methodCalls": calls });
        let r = self.jmap.api(who, body.to_string().as_bytes()).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        serde_json::from_slice(&r.body).unwrap()
    }

    /// The arguments of the one response to one call.
    async fn one(&self, who: &Principal, name: &str, args: Value) -> Value {
        let r = self.call(who, json!([[name, args, "c"]])).await;
        r["methodResponses"][0][1].clone()
    }

    async fn mailbox(&self, who: &Principal, name: &str) -> CollectionId {
        let (actor, name) = (Actor::new(who.id, Protocol::Jmap), name.to_owned());
        let f = self.mailer.store().read(move |r| Folders::resolve(r, &actor, &name)).await.unwrap();
        f.unwrap().collection.id
    }

    /// Gives `with` these rights on `mailbox` (another user's).
    async fn share(&self, mailbox: CollectionId, with: &Principal, rights: Rights) {
        let (grantee, bits) = (with.id, rights.bits());
        self.mailer.store().write(move |tx| tx.set_grants(mailbox, &[(grantee, bits)])).await.unwrap();
    }

    async fn append(&self, who: &Principal, mailbox: &str, raw: &str, keywords: &[&str]) {
        let m = self.mailbox(who, mailbox).await;
        let message = NewMessage {
            raw: raw.as_bytes().to_vec(),
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            received_at: None,
        };
        self.mailer.append(&Actor::new(who.id, Protocol::Imap), m, vec![message]).await.unwrap();
    }
}

fn acc(p: &Principal) -> String {
    format!("a{}", p.id.0)
}

fn mbox(c: CollectionId) -> String {
    format!("m{}", c.0)
}

const FIRST: &str = "From: Joe Bloggs <joe@example.net>\r\nTo: ann@example.com\r\nSubject: Dinner on Thursday?\r\n\
Message-ID: <first@example.net>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n\
List-Post: <mailto:list@example.net>\r\nContent-Type: multipart/alternative; boundary=x\r\n\r\n\
--x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nShall we? Café at 8.\r\n\
--x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Shall we? Café at 8.</p>\r\n--x--\r\n";
const REPLY: &str = "From: Ann <ann@example.com>\r\nTo: joe@example.net\r\nSubject: Re: Dinner on Thursday?\r\n\
Message-ID: <reply@example.com>\r\nIn-Reply-To: <first@example.net>\r\nReferences: <first@example.net>\r\n\
Date: Tue, 01 Dec 2026 11:00:00 +0000\r\n\r\nYes!\r\n";
const OTHER: &str = "From: Carol <carol@example.org>\r\nTo: ann@example.com\r\nSubject: Report\r\n\
Message-ID: <other@example.org>\r\nDate: Wed, 02 Dec 2026 09:00:00 +0000\r\nContent-Type: multipart/mixed; boundary=y\r\n\r\n\
--y\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n--y\r\nContent-Type: application/pdf; name=r.pdf\r\n\
Content-Disposition: attachment; filename=r.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--y--\r\n";

/// RFC 8620 §3.7's example: query, then the emails' threads, then every email of those threads,
/// each by a result reference (with `*`).
async fn result_references(f: Fresh) {
    let w = world(&f).await;
    w.append(&w.ann, "INBOX", FIRST, &[]).await;
    w.append(&w.ann, "INBOX", REPLY, &["\\Seen"]).await;
    w.append(&w.ann, "INBOX", OTHER, &[]).await;
    let inbox = mbox(w.mailbox(&w.ann, "INBOX").await);
    let a = acc(&w.ann);
    let r = w
        .call(
            &w.ann,
            json!([
                ["Email/query", {"accountId": a, "filter": {"inMailbox": inbox},
                  "sort": [{"property": "receivedAt", "isAscending": false}], "collapseThreads": true,
                  "position": 0, "limit": 10, "calculateTotal": true}, "t0"],
                ["Email/get", {"accountId": a, "#ids": {"resultOf": "t0", "name": "Email/query", "path": "/ids"},
                  "properties": ["threadId"]}, "t1"],
                ["Thread/get", {"accountId": a, "#ids": {"resultOf": "t1", "name": "Email/get", "path": "/list/*/threadId"}}, "t2"],
                ["Email/get", {"accountId": a, "#ids": {"resultOf": "t2", "name": "Thread/get", "path": "/list/*/emailIds"},
                  "properties": ["from", "receivedAt", "subject"]}, "t3"],
            ]),
        )
        .await;
    let rs = r["methodResponses"].as_array().unwrap();
    let names: Vec<&str> = rs.iter().map(|x| x[0].as_str().unwrap()).collect();
    assert_eq!(names, ["Email/query", "Email/get", "Thread/get", "Email/get"]);
    assert_eq!(rs[0][2], "t0");
    let q = &rs[0][1];
    assert_eq!((q["total"].as_u64(), q["position"].as_u64()), (Some(2), Some(0)), "two threads: {q}");
    assert_eq!(q["queryState"].as_str().map(str::is_empty), Some(false));
    let threads = rs[2][1]["list"].as_array().unwrap();
    assert_eq!(threads.len(), 2);
    let sizes: Vec<usize> = threads.iter().map(|t| t["emailIds"].as_array().unwrap().len()).collect();
    assert!(sizes.contains(&2) && sizes.contains(&1), "{sizes:?}");
    let subjects: Vec<&str> =
        rs[3][1]["list"].as_array().unwrap().iter().map(|e| e["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects.len(), 3);
    assert!(subjects.contains(&"Re: Dinner on Thursday?"));
    assert!(rs[3][1]["list"][0]["from"][0]["email"].is_string());
    assert!(r["sessionState"].is_string());
}
on_both_backends!(result_references_on, result_references);

/// RFC 8620 §3.6: request-level problems with their HTTP status, and method-level errors that
/// answer their call only.
async fn errors(f: Fresh) {
    let w = world(&f).await;
    let problem = |body: &[u8]| {
        let jmap = w.jmap.clone();
        let ann = w.ann.clone();
        let body = body.to_vec();
        async move {
            let r = jmap.api(&ann, &body).await;
            let v: Value = serde_json::from_slice(&r.body).unwrap();
            (r.status, r.content_type, v["type"].as_str().unwrap_or_default().to_owned())
        }
    };
    let p = "urn:ietf:params:jmap:error:";
    assert_eq!(problem(b"{").await, (400, "application/problem+json", format!("{p}notJSON")));
    assert_eq!(problem(br#"{"using":[]}"#).await.2, format!("{p}notRequest"));
    assert_eq!(
        problem(br#"{"using":["urn:ietf:params:jmap:core","urn:x"],"methodCalls":[]}"#).await.2,
        format!("{p}unknownCapability")
    );
    let many: Vec<Value> = (0..9).map(|i| json!(["Core/echo", {}, i.to_string()])).collect();
    let body = json!({"using": USING, "methodCalls": many}).to_string();
    assert_eq!(problem(body.as_bytes()).await.2, format!("{p}limit"));
    let a = acc(&w.ann);
    let ids: Vec<String> = (0..51).map(|i| format!("e{i}")).collect();
    let r = w
        .call(
            &w.ann,
            json!([
                ["Core/echo", {"hello": true, "high": 5}, "b3"],
                ["Nothing/here", {}, "c1"],
                ["Mailbox/get", {"accountId": "a999"}, "c2"],
                ["Mailbox/get", {"accountId": a, "ids": "m1"}, "c3"],
                ["Email/get", {"accountId": a, "ids": ids}, "c4"],
                ["Mailbox/get", {"accountId": a, "#ids": {"resultOf": "c0", "name": "Mailbox/query", "path": "/ids"}}, "c5"],
                ["Mailbox/set", {"accountId": a, "ifInState": "0", "create": {}}, "c6"],
                ["Email/query", {"accountId": a, "filter": {"wibble": 1}}, "c7"],
            ]),
        )
        .await;
    let rs = r["methodResponses"].as_array().unwrap();
    assert_eq!(rs[0], json!(["Core/echo", {"hello": true, "high": 5}, "b3"]), "RFC 8620 §4.1");
    let kinds: Vec<&str> = rs[1..].iter().map(|x| x[1]["type"].as_str().unwrap_or("-")).collect();
    assert_eq!(
        kinds,
        [
            "unknownMethod",
            "accountNotFound",
            "invalidArguments",
            "requestTooLarge",
            "invalidResultReference",
            "stateMismatch",
            "unsupportedFilter"
        ]
    );
    assert!(rs[1..].iter().all(|x| x[0] == "error"));
}
on_both_backends!(errors_on, errors);

/// RFC 8621 §2: Mailbox/get with roles, counts and rights; /changes; /query; /set creating,
/// renaming and destroying, with `#` creation ids between calls.
async fn mailboxes(f: Fresh) {
    let w = world(&f).await;
    w.append(&w.ann, "INBOX", FIRST, &[]).await;
    w.append(&w.ann, "INBOX", REPLY, &["\\Seen"]).await;
    let a = acc(&w.ann);
    let got = w.one(&w.ann, "Mailbox/get", json!({"accountId": a, "ids": null})).await;
    let inbox = got["list"].as_array().unwrap().iter().find(|m| m["role"] == "inbox").unwrap().clone();
    assert_eq!(inbox["name"], "INBOX");
    assert_eq!((inbox["totalEmails"].as_u64(), inbox["unreadEmails"].as_u64()), (Some(2), Some(1)));
    assert_eq!((inbox["totalThreads"].as_u64(), inbox["unreadThreads"].as_u64()), (Some(1), Some(1)));
    assert_eq!(inbox["myRights"]["mayDelete"], true);
    let state = got["state"].as_str().unwrap().to_owned();
    let r = w
        .call(
            &w.ann,
            json!([
                ["Mailbox/set", {"accountId": a, "ifInState": state, "create": {
                    "k1": {"name": "Lists", "parentId": null}}}, "0"],
                ["Mailbox/set", {"accountId": a, "create": {"k2": {"name": "Rust", "parentId": "#k1"}}}, "1"],
                ["Mailbox/query", {"accountId": a, "filter": {"parentId": "#k1"}}, "2"],
                ["Mailbox/changes", {"accountId": a, "sinceState": state}, "3"],
                ["Mailbox/set", {"accountId": a, "update": {"#k2": {"name": "Rustaceans"}}}, "4"],
                ["Mailbox/get", {"accountId": a, "ids": ["#k2"], "properties": ["name", "parentId"]}, "5"],
                ["Mailbox/set", {"accountId": a, "create": {"k3": {"name": "a/b"}}}, "6"],
            ]),
        )
        .await;
    let rs = r["methodResponses"].as_array().unwrap();
    let k1 = rs[0][1]["created"]["k1"]["id"].as_str().unwrap().to_owned();
    let k2 = rs[1][1]["created"]["k2"]["id"].as_str().unwrap().to_owned();
    assert_eq!(rs[0][1]["oldState"], json!(state));
    assert_ne!(rs[0][1]["newState"], json!(state));
    assert_eq!(rs[2][1]["ids"], json!([k2]));
    let changes = &rs[3][1];
    assert_eq!(changes["created"].as_array().unwrap().len(), 2, "{changes}");
    assert_eq!(changes["hasMoreChanges"], false);
    assert_eq!(rs[4][1]["updated"], json!({ k2.clone(): null }));
    assert_eq!(rs[5][1]["list"][0], json!({"id": k2, "name": "Rustaceans", "parentId": k1}));
    assert_eq!(rs[6][1]["notCreated"]["k3"]["type"], "invalidProperties");
    assert_eq!(r["createdIds"], Value::Null, "echoed only when the client sent createdIds");
    // A delivery changes INBOX's counts: updated, with the counts as updatedProperties.
    let before = w.one(&w.ann, "Mailbox/get", json!({"accountId": a, "ids": []})).await["state"].clone();
    w.append(&w.ann, "INBOX", OTHER, &[]).await;
    let c = w.one(&w.ann, "Mailbox/changes", json!({"accountId": a, "sinceState": before})).await;
    assert_eq!(c["updated"], json!([inbox["id"]]));
    assert_eq!(c["updatedProperties"], json!(["totalEmails", "unreadEmails", "totalThreads", "unreadThreads"]));
    let r = w.call(&w.ann, json!([["Mailbox/set", {"accountId": a, "destroy": [k1.clone(), k2.clone()]}, "0"]])).await;
    let mut gone: Vec<String> = r["methodResponses"][0][1]["destroyed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    gone.sort();
    let mut want = vec![k1, k2];
    want.sort();
    assert_eq!(gone, want);
}
on_both_backends!(mailboxes_on, mailboxes);

/// RFC 8621 §4.2 and §4.1.4: Email/get's properties from the stored summary, bodies and body
/// values, header forms.
async fn email_get(f: Fresh) {
    let w = world(&f).await;
    w.append(&w.ann, "INBOX", FIRST, &["\\Flagged", "$Forwarded"]).await;
    w.append(&w.ann, "INBOX", OTHER, &[]).await;
    let a = acc(&w.ann);
    let q = w.one(&w.ann, "Email/query", json!({"accountId": a, "sort": [{"property": "subject"}]})).await;
    let ids = q["ids"].as_array().unwrap().clone();
    let e = w
        .one(
            &w.ann,
            "Email/get",
            json!({"accountId": a, "ids": [ids[0]], "properties": [
                "subject", "from", "to", "messageId", "sentAt", "keywords", "preview", "hasAttachment",
                "textBody", "htmlBody", "attachments", "bodyValues", "bodyStructure",
                "header:List-Post:asURLs", "header:Subject:asText", "header:From:asAddresses:all"],
                "fetchAllBodyValues": true, "bodyProperties": ["partId", "type", "charset"]}),
        )
        .await;
    let m = &e["list"][0];
    assert_eq!(m["subject"], "Dinner on Thursday?");
    assert_eq!(m["from"], json!([{"name": "Joe Bloggs", "email": "joe@example.net"}]));
    assert_eq!(m["messageId"], json!(["first@example.net"]));
    assert_eq!(m["sentAt"], "2026-12-01T10:00:00Z");
    assert_eq!(m["keywords"], json!({"$flagged": true, "$forwarded": true}));
    assert_eq!(m["hasAttachment"], false);
    assert!(m["preview"].as_str().unwrap().starts_with("Shall we?"));
    assert_eq!(m["textBody"], json!([{"partId": "1", "type": "text/plain", "charset": "utf-8"}]));
    assert_eq!(m["htmlBody"], json!([{"partId": "2", "type": "text/html", "charset": "utf-8"}]));
    assert_eq!(m["bodyValues"]["1"]["value"], "Shall we? Café at 8.");
    assert_eq!(m["bodyValues"]["2"]["value"], "<p>Shall we? Café at 8.</p>");
    assert_eq!(m["bodyStructure"]["type"], "multipart/alternative");
    assert_eq!(m["bodyStructure"]["partId"], Value::Null);
    assert_eq!(m["bodyStructure"]["subParts"].as_array().unwrap().len(), 2);
    assert_eq!(m["header:List-Post:asURLs"], json!(["mailto:list@example.net"]));
    assert_eq!(m["header:Subject:asText"], "Dinner on Thursday?");
    assert_eq!(m["header:From:asAddresses:all"], json!([[{"name": "Joe Bloggs", "email": "joe@example.net"}]]));
    // maxBodyValueBytes cuts at a character boundary and says so.
    let e = w
        .one(
            &w.ann,
            "Email/get",
            json!({"accountId": a, "ids": [ids[0]], "properties": ["bodyValues"],
            "fetchTextBodyValues": true, "maxBodyValueBytes": 14}),
        )
        .await;
    assert_eq!(
        e["list"][0]["bodyValues"]["1"],
        json!({"value": "Shall we? Caf", "isEncodingProblem": false, "isTruncated": true})
    );
    // The attachment of the other message, and its blob id naming the part.
    let e = w
        .one(
            &w.ann,
            "Email/get",
            json!({"accountId": a, "ids": [ids[1]], "properties": ["attachments", "hasAttachment"]}),
        )
        .await;
    let att = &e["list"][0]["attachments"][0];
    assert!(att.is_object(), "{e}");
    assert_eq!(
        (att["name"].as_str(), att["type"].as_str(), att["disposition"].as_str()),
        (Some("r.pdf"), Some("application/pdf"), Some("attachment"))
    );
    assert!(att["blobId"].as_str().unwrap().ends_with("_2"));
    assert_eq!(e["list"][0]["hasAttachment"], true);
    // An id asked twice is answered once (RFC 8620 §5.1).
    let e = w.one(&w.ann, "Email/get", json!({"accountId": a, "ids": [ids[1], ids[1]], "properties": ["id"]})).await;
    assert_eq!((e["list"].as_array().unwrap().len(), e["notFound"].as_array().unwrap().len()), (1, 0));
    // Unknown ids and malformed ones are not found; unknown properties are invalid.
    let e =
        w.one(&w.ann, "Email/get", json!({"accountId": a, "ids": ["e999999", "zz"], "properties": ["subject"]})).await;
    assert_eq!(e["notFound"], json!(["e999999", "zz"]));
    let e = w.one(&w.ann, "Email/get", json!({"accountId": a, "ids": [], "properties": ["nope"]})).await;
    assert_eq!(e["type"], "invalidArguments");
}
on_both_backends!(email_get_on, email_get);

/// RFC 8621 §4.4: filters translated to the mail domain's search, sorts, windows.
async fn email_query(f: Fresh) {
    let w = world(&f).await;
    w.append(&w.ann, "INBOX", FIRST, &["\\Flagged"]).await;
    w.append(&w.ann, "INBOX", REPLY, &["\\Seen"]).await;
    w.append(&w.ann, "Archive", OTHER, &[]).await;
    let a = acc(&w.ann);
    let inbox = mbox(w.mailbox(&w.ann, "INBOX").await);
    let count = |filter: Value| {
        let (w, a) = (&w, a.clone());
        async move {
            let q =
                w.one(&w.ann, "Email/query", json!({"accountId": a, "filter": filter, "calculateTotal": true})).await;
            q["total"].as_u64().unwrap_or_else(|| panic!("{q}"))
        }
    };
    assert_eq!(count(json!({})).await, 3);
    assert_eq!(count(json!({"inMailbox": inbox})).await, 2);
    assert_eq!(count(json!({"inMailboxOtherThan": [inbox]})).await, 1);
    assert_eq!(count(json!({"hasKeyword": "$flagged"})).await, 1);
    assert_eq!(count(json!({"notKeyword": "$seen"})).await, 2);
    assert_eq!(count(json!({"someInThreadHaveKeyword": "$seen"})).await, 2);
    assert_eq!(count(json!({"allInThreadHaveKeyword": "$seen"})).await, 0);
    assert_eq!(count(json!({"noneInThreadHaveKeyword": "$seen"})).await, 1);
    assert_eq!(count(json!({"hasAttachment": true})).await, 1);
    assert_eq!(count(json!({"from": "joe@example"})).await, 1);
    assert_eq!(count(json!({"to": "joe@example"})).await, 1);
    assert_eq!(count(json!({"subject": "dinner"})).await, 2);
    assert_eq!(count(json!({"body": "attached"})).await, 1);
    assert_eq!(count(json!({"text": "café"})).await, 1);
    assert_eq!(count(json!({"header": ["List-Post"]})).await, 1);
    assert_eq!(count(json!({"minSize": 1, "maxSize": 100_000})).await, 3);
    assert_eq!(count(json!({"after": "2000-01-01T00:00:00Z", "before": "2100-01-01T00:00:00Z"})).await, 3);
    assert_eq!(count(json!({"before": "2000-01-01T00:00:00Z"})).await, 0);
    assert_eq!(
        count(json!({"operator": "OR", "conditions": [{"hasKeyword": "$flagged"}, {"hasKeyword": "$seen"}]})).await,
        2
    );
    assert_eq!(count(json!({"operator": "NOT", "conditions": [{"inMailbox": inbox}]})).await, 1);
    assert_eq!(
        count(json!({"operator": "AND", "conditions": [{"inMailbox": inbox}, {"operator": "NOT", "conditions": [{"hasKeyword": "$seen"}]}]})).await,
        1
    );
    // Sorts, collapseThreads, anchors and negative positions.
    let ids =
        |q: &Value| q["ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let by_size = w
        .one(&w.ann, "Email/query", json!({"accountId": a, "sort": [{"property": "size", "isAscending": true}]}))
        .await;
    let all = ids(&by_size);
    assert_eq!(all.len(), 3);
    let collapsed = w.one(&w.ann, "Email/query", json!({"accountId": a, "collapseThreads": true})).await;
    assert_eq!(ids(&collapsed).len(), 2);
    let anchored = w
        .one(
            &w.ann,
            "Email/query",
            json!({"accountId": a, "sort": [{"property": "size", "isAscending": true}],
            "anchor": all[1], "anchorOffset": -1, "limit": 2}),
        )
        .await;
    assert_eq!(ids(&anchored), all[..2].to_vec());
    let last = w
        .one(
            &w.ann,
            "Email/query",
            json!({"accountId": a, "sort": [{"property": "size", "isAscending": true}], "position": -1}),
        )
        .await;
    assert_eq!((ids(&last), last["position"].as_u64()), (vec![all[2].clone()], Some(2)));
    let missing = w.one(&w.ann, "Email/query", json!({"accountId": a, "anchor": "e999999"})).await;
    assert_eq!(missing["type"], "anchorNotFound");
    let bad_sort = w.one(&w.ann, "Email/query", json!({"accountId": a, "sort": [{"property": "colour"}]})).await;
    assert_eq!(bad_sort["type"], "unsupportedSort");
}
on_both_backends!(email_query_on, email_query);

/// A mailbox opened newest first (one mailbox, nothing else matched, receivedAt descending) is
/// read a page at a time from the store's index: it answers exactly as the general path does
/// (the same query wrapped in an AND), collapsed or not, at every position, with totals.
async fn mailbox_pages(f: Fresh) {
    let w = world(&f).await;
    for n in 0..30 {
        let root = n - n % 3;
        let (subject, refer) = if n == root {
            (format!("Topic {n}"), String::new())
        } else {
            (format!("Re: Topic {root}"), format!("In-Reply-To: <m{root}@example.net>\r\n"))
        };
        let raw = format!(
            "From: x@example.net\r\nSubject: {subject}\r\nMessage-ID: <m{n}@example.net>\r\n{refer}\r\nBody {n}\r\n"
        );
        w.append(&w.ann, if n % 7 == 6 { "Archive" } else { "INBOX" }, &raw, &[]).await;
    }
    let a = acc(&w.ann);
    let inbox = mbox(w.mailbox(&w.ann, "INBOX").await);
    for collapse in [false, true] {
        for (position, limit) in [(0, 50), (0, 5), (5, 5), (20, 10), (24, 3), (100, 5), (3, 0)] {
            let ask = |filter: Value| {
                let (w, a) = (&w, a.clone());
                async move {
                    let q = json!({"accountId": a, "filter": filter, "collapseThreads": collapse, "position": position,
                        "limit": limit, "calculateTotal": true, "sort": [{"property": "receivedAt", "isAscending": false}]});
                    let mut r = w.one(&w.ann, "Email/query", q).await;
                    r.as_object_mut().unwrap().remove("queryState");
                    r
                }
            };
            let fast = ask(json!({"inMailbox": inbox})).await;
            let general = ask(json!({"operator": "AND", "conditions": [{"inMailbox": inbox}]})).await;
            assert_eq!(fast, general, "collapse {collapse}, position {position}, limit {limit}");
            assert!(fast["ids"].is_array(), "{fast}");
        }
    }
}
on_both_backends!(mailbox_pages_on, mailbox_pages);

/// RFC 8621 §4.6, §4.8: keywords and mailboxIds patches, create, import, destroy; /changes
/// from the change log and cannotCalculateChanges once it is trimmed (RFC 8620 §5.2).
async fn email_set_and_changes(f: Fresh) {
    let w = world(&f).await;
    w.append(&w.ann, "INBOX", FIRST, &[]).await;
    let a = acc(&w.ann);
    let (inbox, archive) = (mbox(w.mailbox(&w.ann, "INBOX").await), mbox(w.mailbox(&w.ann, "Archive").await));
    let q = w.one(&w.ann, "Email/query", json!({"accountId": a})).await;
    let id = q["ids"][0].as_str().unwrap().to_owned();
    let state = q["queryState"].as_str().unwrap().to_owned();
    let r = w
        .call(
            &w.ann,
            json!([
                ["Email/set", {"accountId": a, "update": {id.clone(): {
                    "keywords/$seen": true, "keywords/$flagged": true, format!("mailboxIds/{archive}"): true}}}, "0"],
                ["Email/set", {"accountId": a, "update": {id.clone(): {format!("mailboxIds/{inbox}"): null, "keywords/$flagged": null}}}, "1"],
                ["Email/get", {"accountId": a, "ids": [id], "properties": ["keywords", "mailboxIds"]}, "2"],
                ["Email/changes", {"accountId": a, "sinceState": state}, "3"],
                ["Email/set", {"accountId": a, "update": {id.clone(): {format!("mailboxIds/{archive}"): null}}}, "4"],
                ["Email/set", {"accountId": a, "update": {id.clone(): {"subject": "new"}}}, "5"],
                ["Email/set", {"accountId": a, "create": {"d": {"mailboxIds": {"#nope": true}}}}, "6"],
            ]),
        )
        .await;
    let rs = r["methodResponses"].as_array().unwrap();
    assert_eq!(rs[0][1]["updated"], json!({ id.clone(): null }), "{}", rs[0][1]);
    assert_eq!(rs[2][1]["list"][0]["keywords"], json!({"$seen": true}));
    assert_eq!(rs[2][1]["list"][0]["mailboxIds"], json!({ archive.clone(): true }));
    assert_eq!(rs[3][1]["updated"], json!([id]));
    assert_eq!(rs[4][1]["notUpdated"][&id]["type"], "invalidProperties", "never in no mailbox");
    assert_eq!(rs[5][1]["notUpdated"][&id]["type"], "invalidProperties");
    assert_eq!(rs[6][1]["notCreated"]["d"]["type"], "invalidProperties");

    // Create a draft from its parts, then import its content as a second message.
    let drafts = mbox(w.mailbox(&w.ann, "Drafts").await);
    let r = w
        .call(
            &w.ann,
            json!([
                ["Email/set", {"accountId": a, "create": {"k1": {
                    "mailboxIds": {drafts.clone(): true}, "keywords": {"$draft": true},
                    "from": [{"name": "Ann", "email": "ann@example.com"}], "to": [{"email": "bob@example.com"}],
                    "subject": "Plans", "textBody": [{"partId": "p", "type": "text/plain"}],
                    "bodyValues": {"p": {"value": "See you then."}}}}}, "0"],
                ["Email/import", {"accountId": a, "emails": {"i1": {
                    "blobId": "b0000000000000000000000000000000000000000000000000000000000000000",
                    "mailboxIds": {inbox.clone(): true}}}}, "1"],
            ]),
        )
        .await;
    let rs = r["methodResponses"].as_array().unwrap();
    let made = &rs[0][1]["created"]["k1"];
    assert!(made["id"].is_string() && made["threadId"].is_string() && made["size"].as_u64() > Some(0), "{made}");
    assert_eq!(rs[1][1]["notCreated"]["i1"]["type"], "blobNotFound");
    let blob = made["blobId"].as_str().unwrap();
    let r = w
        .call(
            &w.ann,
            json!([
                ["Email/import", {"accountId": a, "emails": {"i2": {"blobId": blob, "mailboxIds": {inbox.clone(): true},
                    "keywords": {"$seen": true}, "receivedAt": "2026-12-03T08:00:00Z"}}}, "0"],
                // A creation id made by an earlier call names the object in a later one.
                ["Email/get", {"accountId": a, "ids": ["#i2"], "properties": ["subject", "receivedAt", "keywords", "to"]}, "1"],
            ]),
        )
        .await;
    let got = &r["methodResponses"][1][1]["list"][0];
    assert_eq!(got["subject"], "Plans", "{r}");
    assert_eq!(got["receivedAt"], "2026-12-03T08:00:00Z");
    assert_eq!(got["to"], json!([{"name": null, "email": "bob@example.com"}]));
    let imported = got["id"].as_str().unwrap().to_owned();
    let r = w.one(&w.ann, "Email/set", json!({"accountId": a, "destroy": [imported.clone()]})).await;
    assert_eq!(r["destroyed"], json!([imported]));
    let r = w.one(&w.ann, "Email/get", json!({"accountId": a, "ids": [imported.clone()]})).await;
    assert_eq!(r["notFound"], json!([imported]));

    // Thread/changes and Email/changes from the log; a trimmed log cannot answer.
    let t = w.one(&w.ann, "Thread/changes", json!({"accountId": a, "sinceState": state})).await;
    assert!(!t["created"].as_array().unwrap().is_empty(), "{t}");
    w.mailer.store().trim_changes_before(relais_store::now() + 60).await.unwrap();
    let c = w.one(&w.ann, "Email/changes", json!({"accountId": a, "sinceState": state})).await;
    assert_eq!(c["type"], "cannotCalculateChanges");
    let c = w.one(&w.ann, "Email/changes", json!({"accountId": a, "sinceState": "not a state"})).await;
    assert_eq!(c["type"], "cannotCalculateChanges");
}
on_both_backends!(email_set_and_changes_on, email_set_and_changes);

/// RFC 8621 §7.5 and §8: sending with onSuccessUpdateEmail (an implicit Email/set answered
/// with the same call id), Identity/get, VacationResponse as a singleton.
async fn submission_and_vacation(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let drafts = mbox(w.mailbox(&w.ann, "Drafts").await);
    let sent = mbox(w.mailbox(&w.ann, "Sent").await);
    let identity = w.one(&w.ann, "Identity/get", json!({"accountId": a})).await;
    assert_eq!(identity["list"][0]["email"], "ann@example.com");
    let iid = identity["list"][0]["id"].clone();
    let r = w
        .call(
            &w.ann,
            json!([
                ["Email/set", {"accountId": a, "create": {"k1": {
                    "mailboxIds": {drafts.clone(): true}, "keywords": {"$draft": true},
                    "from": [{"email": "ann@example.com"}], "to": [{"email": "bob@example.com"}],
                    "subject": "Sent over JMAP", "textBody": [{"partId": "p", "type": "text/plain"}],
                    "bodyValues": {"p": {"value": "Hello Bob"}}}}}, "0"],
                ["EmailSubmission/set", {"accountId": a, "create": {"s1": {"identityId": iid, "emailId": "#k1"}},
                  "onSuccessUpdateEmail": {"#s1": {format!("mailboxIds/{drafts}"): null,
                    format!("mailboxIds/{sent}"): true, "keywords/$draft": null}}}, "1"],
                ["EmailSubmission/set", {"accountId": a, "create": {"s2": {"identityId": "i999", "emailId": "#k1"}}}, "2"],
            ]),
        )
        .await;
    let rs = r["methodResponses"].as_array().unwrap();
    let names: Vec<(&str, &str)> = rs.iter().map(|x| (x[0].as_str().unwrap(), x[2].as_str().unwrap())).collect();
    assert_eq!(
        names,
        [("Email/set", "0"), ("EmailSubmission/set", "1"), ("Email/set", "1"), ("EmailSubmission/set", "2")]
    );
    assert_eq!(rs[1][1]["created"]["s1"]["undoStatus"], "final");
    let email = rs[0][1]["created"]["k1"]["id"].clone();
    assert_eq!(rs[2][1]["updated"], json!({ email.as_str().unwrap(): null }));
    assert_eq!(rs[3][1]["notCreated"]["s2"]["type"], "invalidProperties");
    let e = w
        .one(&w.ann, "Email/get", json!({"accountId": a, "ids": [email], "properties": ["mailboxIds", "keywords"]}))
        .await;
    assert_eq!(e["list"][0]["mailboxIds"], json!({ sent: true }));
    assert_eq!(e["list"][0]["keywords"], json!({}));
    // Bob received it.
    let b = acc(&w.bob);
    let q = w
        .one(
            &w.bob,
            "Email/query",
            json!({"accountId": b, "filter": {"subject": "Sent over JMAP"}, "calculateTotal": true}),
        )
        .await;
    assert_eq!(q["total"], 1);

    let r = w
        .call(
            &w.ann,
            json!([
                ["VacationResponse/set", {"accountId": a, "update": {"singleton": {"isEnabled": true,
                    "fromDate": "2026-12-20T00:00:00Z", "toDate": null, "subject": "Away", "textBody": "Back in January."}},
                    "create": {"x": {}}, "destroy": ["singleton"]}, "0"],
                ["VacationResponse/get", {"accountId": a}, "1"],
                ["VacationResponse/get", {"accountId": b}, "2"],
            ]),
        )
        .await;
    let rs = r["methodResponses"].as_array().unwrap();
    assert_eq!(rs[0][1]["updated"], json!({"singleton": null}));
    assert_eq!(rs[0][1]["notCreated"]["x"]["type"], "singleton");
    assert_eq!(rs[0][1]["notDestroyed"]["singleton"]["type"], "singleton");
    assert_eq!(
        rs[1][1]["list"][0],
        json!({"id": "singleton", "isEnabled": true, "fromDate": "2026-12-20T00:00:00Z", "toDate": null,
               "subject": "Away", "textBody": "Back in January.", "htmlBody": null})
    );
    assert_eq!(rs[2][1]["type"], "accountNotFound", "another user's account is not reached");
}
on_both_backends!(submission_and_vacation_on, submission_and_vacation);

/// A mailbox shared with Bob makes Ann's account one of his (read-only with `lr`), showing only
/// that mailbox and its messages; writes are refused, everything else is not found.
async fn shared_account(f: Fresh) {
    let w = world(&f).await;
    w.append(&w.ann, "Archive", OTHER, &[]).await;
    w.append(&w.ann, "INBOX", FIRST, &[]).await;
    let archive = w.mailbox(&w.ann, "Archive").await;
    w.share(archive, &w.bob, Rights::LOOKUP | Rights::READ_ITEMS).await;
    let session = w.jmap.session(&w.bob, &relais_jmap::Origin("https://mail.test".into())).await;
    let s: Value = serde_json::from_slice(&session.body).unwrap();
    let a = acc(&w.ann);
    assert_eq!(s["accounts"][&a]["isReadOnly"], true);
    assert_eq!(s["accounts"][&a]["isPersonal"], false);
    assert_eq!(s["primaryAccounts"]["urn:ietf:params:jmap:mail"], acc(&w.bob));
    assert_eq!(s["apiUrl"], "https://mail.test/jmap/api");
    let boxes = w.one(&w.bob, "Mailbox/get", json!({"accountId": a})).await;
    let list = boxes["list"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], mbox(archive));
    assert_eq!(list[0]["myRights"]["mayAddItems"], false);
    let q = w.one(&w.bob, "Email/query", json!({"accountId": a, "calculateTotal": true})).await;
    assert_eq!(q["total"], 1, "only the shared mailbox's messages");
    let id = q["ids"][0].clone();
    let r = w
        .one(&w.bob, "Email/set", json!({"accountId": a, "update": {id.as_str().unwrap(): {"keywords/$seen": true}}}))
        .await;
    assert_eq!(r["notUpdated"][id.as_str().unwrap()]["type"], "forbidden");
    let inbox = mbox(w.mailbox(&w.ann, "INBOX").await);
    let r = w.one(&w.bob, "Mailbox/get", json!({"accountId": a, "ids": [inbox]})).await;
    assert_eq!(r["notFound"], json!([inbox]));
    let r = w.one(&w.bob, "EmailSubmission/set", json!({"accountId": a, "create": {}})).await;
    assert_eq!(r["type"], "accountNotSupportedByMethod");
}
on_both_backends!(shared_account_on, shared_account);

/// RFC 8620 §5.4 / RFC 8621 §4.7: Email/copy from a mailbox Ann shares with Bob (read and
/// expunge rights) into Bob's INBOX — keywords and receivedAt kept unless given — then with
/// onSuccessDestroyOriginal (the implicit Email/set follows the copy's answer); refusals: the
/// same account twice, an unknown source account, a property that cannot be set, a mailbox of
/// the source account, and an original Bob cannot see.
async fn email_copy(f: Fresh) {
    let w = world(&f).await;
    w.append(&w.ann, "Archive", OTHER, &["$Forwarded"]).await;
    w.append(&w.ann, "Archive", FIRST, &[]).await;
    w.append(&w.ann, "INBOX", REPLY, &[]).await;
    let archive = w.mailbox(&w.ann, "Archive").await;
    w.share(archive, &w.bob, Rights::LOOKUP | Rights::READ_ITEMS | Rights::DELETE_ITEMS | Rights::EXPUNGE).await;
    let (a, b) = (acc(&w.ann), acc(&w.bob));
    let q = w.one(&w.bob, "Email/query", json!({"accountId": a, "sort": [{"property": "subject"}]})).await;
    let (dinner, report) = (q["ids"][0].as_str().unwrap().to_owned(), q["ids"][1].as_str().unwrap().to_owned());
    let inbox = mbox(w.mailbox(&w.bob, "INBOX").await);

    let r = w
        .one(
            &w.bob,
            "Email/copy",
            json!({"fromAccountId": a, "accountId": b,
            "create": {"k1": {"id": report, "mailboxIds": {&inbox: true}}}}),
        )
        .await;
    assert_eq!(r["fromAccountId"], a);
    assert_ne!(r["oldState"], r["newState"]);
    let copied = r["created"]["k1"]["id"].as_str().expect("created").to_owned();
    assert_ne!(copied, report, "a new message in Bob's account");
    let got = w
        .one(
            &w.bob,
            "Email/get",
            json!({"accountId": b, "ids": [copied], "properties": ["subject", "keywords", "receivedAt", "mailboxIds"]}),
        )
        .await;
    let e = &got["list"][0];
    assert_eq!(e["subject"], "Report");
    assert_eq!(e["keywords"], json!({"$forwarded": true}), "the original's keywords");
    assert_eq!(e["mailboxIds"], json!({&inbox: true}));
    let original =
        w.one(&w.bob, "Email/get", json!({"accountId": a, "ids": [report], "properties": ["receivedAt"]})).await;
    assert_eq!(e["receivedAt"], original["list"][0]["receivedAt"]);

    // Moved: copied with keywords of its own, then the original destroyed (implicit Email/set).
    let r = w
        .call(
            &w.bob,
            json!([["Email/copy", {"fromAccountId": a, "accountId": b, "onSuccessDestroyOriginal": true,
            "create": {"k2": {"id": dinner, "mailboxIds": {&inbox: true}, "keywords": {"$seen": true},
                              "receivedAt": "2026-01-02T03:04:05Z"}}}, "c"]]),
        )
        .await;
    let rs = r["methodResponses"].as_array().unwrap();
    assert_eq!(rs[0][0], "Email/copy");
    assert_eq!(rs[1][0], "Email/set", "{rs:?}");
    assert_eq!(rs[1][1]["destroyed"], json!([dinner]));
    assert_eq!(rs[1][2], "c");
    let moved = rs[0][1]["created"]["k2"]["id"].as_str().unwrap().to_owned();
    let got = w
        .one(&w.bob, "Email/get", json!({"accountId": b, "ids": [moved], "properties": ["keywords", "receivedAt"]}))
        .await;
    assert_eq!(got["list"][0]["keywords"], json!({"$seen": true}));
    assert_eq!(got["list"][0]["receivedAt"], "2026-01-02T03:04:05Z");
    let q = w.one(&w.bob, "Email/query", json!({"accountId": a, "calculateTotal": true})).await;
    assert_eq!(q["total"], 1, "the original left Ann's mailbox");

    let r = w.one(&w.bob, "Email/copy", json!({"fromAccountId": b, "accountId": b, "create": {}})).await;
    assert_eq!(r["type"], "invalidArguments");
    let r = w.one(&w.bob, "Email/copy", json!({"fromAccountId": "a999999", "accountId": b, "create": {}})).await;
    assert_eq!(r["type"], "fromAccountNotFound");
    let reply =
        w.one(&w.ann, "Email/query", json!({"accountId": a, "filter": {"subject": "Re:"}})).await["ids"][0].clone();
    let r = w
        .one(
            &w.bob,
            "Email/copy",
            json!({"fromAccountId": a, "accountId": b, "create": {
            "bad": {"id": report, "mailboxIds": {&inbox: true}, "subject": "x"},
            "theirs": {"id": report, "mailboxIds": {mbox(archive): true}},
            "unseen": {"id": reply, "mailboxIds": {&inbox: true}}}}),
        )
        .await;
    assert_eq!(r["created"], Value::Null);
    assert_eq!(r["notCreated"]["bad"]["type"], "invalidProperties");
    assert_eq!(r["notCreated"]["theirs"]["type"], "invalidProperties", "a mailbox of another account");
    assert_eq!(r["notCreated"]["unseen"]["type"], "notFound", "Ann's INBOX is not shared with Bob");
}
on_both_backends!(email_copy_on, email_copy);

/// RFC 8620 §6.3: Blob/copy of a message and of one of its parts from a mailbox Ann shares
/// with Bob into Bob's account, where they are then usable (Email/import) as they were not
/// before; a blob Bob cannot read is notFound, and nothing is copied into Ann's account,
/// which is read-only for him.
async fn blob_copy(f: Fresh) {
    let w = world(&f).await;
    w.append(&w.ann, "Archive", OTHER, &[]).await;
    w.append(&w.ann, "INBOX", REPLY, &[]).await;
    let archive = w.mailbox(&w.ann, "Archive").await;
    w.share(archive, &w.bob, Rights::LOOKUP | Rights::READ_ITEMS).await;
    let (a, b) = (acc(&w.ann), acc(&w.bob));
    let id = w.one(&w.bob, "Email/query", json!({"accountId": a})).await["ids"][0].clone();
    let e =
        w.one(&w.bob, "Email/get", json!({"accountId": a, "ids": [id], "properties": ["blobId", "attachments"]})).await;
    let (whole, part) = (e["list"][0]["blobId"].clone(), e["list"][0]["attachments"][0]["blobId"].clone());
    let hidden =
        w.one(&w.ann, "Email/query", json!({"accountId": a, "filter": {"subject": "Re:"}})).await["ids"][0].clone();
    let hidden =
        w.one(&w.ann, "Email/get", json!({"accountId": a, "ids": [hidden], "properties": ["blobId"]})).await["list"][0]
            ["blobId"]
            .clone();
    let inbox = mbox(w.mailbox(&w.bob, "INBOX").await);
    let import = |blob: Value| json!({"accountId": b, "emails": {"i": {"blobId": blob, "mailboxIds": {&inbox: true}}}});
    let before = w.one(&w.bob, "Email/import", import(whole.clone())).await;
    assert_eq!(before["notCreated"]["i"]["type"], "blobNotFound", "not Bob's blob before the copy");

    let r =
        w.one(&w.bob, "Blob/copy", json!({"fromAccountId": a, "accountId": b, "blobIds": [whole, part, hidden]})).await;
    assert_eq!(r["copied"][whole.as_str().unwrap()], whole, "a whole blob keeps its id");
    let part_copy = r["copied"][part.as_str().unwrap()].as_str().expect("the part copied").to_owned();
    assert!(!part_copy.contains('_'), "the part is a blob of its own: {part_copy}");
    assert_eq!(r["notCopied"][hidden.as_str().unwrap()]["type"], "notFound");
    let after = w.one(&w.bob, "Email/import", import(whole.clone())).await;
    assert!(after["created"]["i"]["id"].is_string(), "{after}");
    let download = w.jmap.download(&w.bob, &b, &part_copy, "r.pdf", "application/pdf").await;
    assert_eq!(download.status, 200);
    assert_eq!(download.body, b"%PDF-");

    let r = w.one(&w.bob, "Blob/copy", json!({"fromAccountId": b, "accountId": a, "blobIds": [whole]})).await;
    assert_eq!(r["notCopied"][whole.as_str().unwrap()]["type"], "forbidden");
}
on_both_backends!(blob_copy_on, blob_copy);

/// RFC 8620 §7.3: EventSource, woken by a commit of the account (here an IMAP-style append
/// through the mail domain), not by another account's; closeafter=state ends after one event.
async fn event_source(f: Fresh) {
    let w = world(&f).await;
    let mut live = w.jmap.event_source(&w.ann, "types=*&closeafter=no&ping=0").await.unwrap();
    let first = String::from_utf8(live.next().await.unwrap()).unwrap();
    assert!(first.starts_with("event: state\ndata: {\"@type\":\"StateChange\""), "{first}");
    let mut once = w.jmap.event_source(&w.ann, "types=Email&closeafter=state&ping=0").await.unwrap();
    let waiting = tokio::spawn(async move {
        let event = once.next().await.map(|e| String::from_utf8(e).unwrap());
        (event, once.next().await)
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    w.append(&w.bob, "INBOX", OTHER, &[]).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "another account's commit wakes nobody here");
    w.append(&w.ann, "INBOX", OTHER, &[]).await;
    let (event, after) = tokio::time::timeout(Duration::from_secs(10), waiting).await.unwrap().unwrap();
    let event = event.unwrap();
    let data: Value = serde_json::from_str(event.strip_prefix("event: state\ndata: ").unwrap().trim()).unwrap();
    let a = acc(&w.ann);
    assert!(data["changed"][&a]["Email"].as_str().unwrap().parse::<u64>().unwrap() > 0);
    assert_eq!(data["changed"][&a].as_object().unwrap().len(), 1, "only the types asked for");
    assert!(after.is_none(), "closeafter=state ends the response");
    let next = tokio::time::timeout(Duration::from_secs(10), live.next()).await.unwrap().unwrap();
    assert!(String::from_utf8(next).unwrap().contains(&a));
    let ping = w.jmap.event_source(&w.ann, "types=*&closeafter=no").await;
    assert_eq!(ping.err().map(|r| r.status), Some(400), "ping is required");
}
on_both_backends!(event_source_on, event_source);

/// RFC 8887 §4.3: a WebSocket's messages — a Request answered with its id by the API's
/// executor, RequestErrors, push enabled for Email and woken by the account's commit (not by
/// another's), disabled, and a pushState that brings back what was missed.
async fn websocket_messages(f: Fresh) {
    let w = world(&f).await;
    let mut ws = w.jmap.websocket(w.ann.clone(), None);
    let json_of = |out: Vec<String>| -> Vec<Value> { out.iter().map(|m| serde_json::from_str(m).unwrap()).collect() };
    let echo = json!({"@type": "Request", "id": "R1", "using": USING, "methodCalls": [["Core/echo", {"a": 1}, "c"]]});
    let r = json_of(ws.answer(echo.to_string().as_bytes()).await);
    assert_eq!(r.len(), 1);
    assert_eq!((r[0]["@type"].as_str(), r[0]["requestId"].as_str()), (Some("Response"), Some("R1")));
    assert_eq!(r[0]["methodResponses"], json!([["Core/echo", {"a": 1}, "c"]]));
    let r = json_of(ws.answer(br#"{"@type":"Request","id":"R2","using":["urn:example:no"],"methodCalls":[]}"#).await);
    assert_eq!((r[0]["@type"].as_str(), r[0]["requestId"].as_str()), (Some("RequestError"), Some("R2")));
    assert_eq!(r[0]["type"], "urn:ietf:params:jmap:error:unknownCapability");

    assert!(ws.answer(br#"{"@type":"WebSocketPushEnable","dataTypes":["Email"]}"#).await.is_empty());
    w.append(&w.bob, "INBOX", OTHER, &[]).await;
    let quiet = tokio::time::timeout(Duration::from_millis(300), ws.next_push()).await;
    assert!(quiet.is_err(), "another account's commit pushes nothing");
    w.append(&w.ann, "INBOX", OTHER, &[]).await;
    let change = tokio::time::timeout(Duration::from_secs(10), ws.next_push()).await.unwrap().unwrap();
    let change: Value = serde_json::from_str(&change).unwrap();
    let a = acc(&w.ann);
    assert_eq!(change["@type"], "StateChange");
    assert_eq!(change["changed"].as_object().unwrap().len(), 1);
    assert_eq!(change["changed"][&a].as_object().unwrap().keys().collect::<Vec<_>>(), ["Email"]);
    let push_state = change["pushState"].as_str().unwrap().to_owned();

    assert!(ws.answer(br#"{"@type":"WebSocketPushDisable"}"#).await.is_empty());
    w.append(&w.ann, "INBOX", FIRST, &[]).await;
    let quiet = tokio::time::timeout(Duration::from_millis(300), ws.next_push()).await;
    assert!(quiet.is_err(), "nothing is pushed while push is off");
    let enable = json!({"@type": "WebSocketPushEnable", "dataTypes": null, "pushState": push_state});
    let missed = json_of(ws.answer(enable.to_string().as_bytes()).await);
    let email = |v: &Value| v["changed"][&a]["Email"].as_str().unwrap().parse::<u64>().unwrap();
    assert_eq!(missed.len(), 1);
    assert!(email(&missed[0]) > email(&change));
    assert_eq!(missed[0]["changed"][&a].as_object().unwrap().len(), 14, "every type for dataTypes null, contacts too");
    assert!(
        [
            "AddressBook",
            "ContactCard",
            "Calendar",
            "CalendarEvent",
            "CalendarEventNotification",
            "Identity",
            "TaskList",
            "Task",
            "EmailSubmission",
            "ShareNotification",
        ]
        .iter()
        .all(|t| missed[0]["changed"][&a].get(t).is_some())
    );
    // The pushState of now: nothing missed, nothing sent.
    let now = json!({"@type": "WebSocketPushEnable", "pushState": missed[0]["pushState"]});
    assert!(ws.answer(now.to_string().as_bytes()).await.is_empty());
}
on_both_backends!(websocket_messages_on, websocket_messages);

/// RFC 8621 §7.5: onSuccessDestroyEmail destroys the sent draft; a submission naming no
/// recipient is refused with noRecipients and nothing is sent.
async fn submission_destroy(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let drafts = mbox(w.mailbox(&w.ann, "Drafts").await);
    let draft = |to: Value| {
        json!({"mailboxIds": {drafts.clone(): true}, "from": [{"email": "ann@example.com"}], "to": to,
               "subject": "Bye", "textBody": [{"partId": "p", "type": "text/plain"}], "bodyValues": {"p": {"value": "x"}}})
    };
    let r = w
        .call(
            &w.ann,
            json!([
                ["Email/set", {"accountId": a, "create": {"k1": draft(json!([{"email": "bob@example.com"}])),
                                                          "k2": draft(Value::Null)}}, "0"],
                ["EmailSubmission/set", {"accountId": a, "create": {
                    "s1": {"identityId": format!("i{}", w.ann.id.0), "emailId": "#k1"},
                    "s2": {"identityId": format!("i{}", w.ann.id.0), "emailId": "#k2"}},
                  "onSuccessDestroyEmail": ["#s1", "#s2"]}, "1"],
            ]),
        )
        .await;
    let rs = r["methodResponses"].as_array().unwrap();
    let k1 = rs[0][1]["created"]["k1"]["id"].as_str().unwrap().to_owned();
    let k2 = rs[0][1]["created"]["k2"]["id"].as_str().unwrap().to_owned();
    assert_eq!(rs[1][1]["notCreated"]["s2"]["type"], "noRecipients");
    assert_eq!(rs[2][0], "Email/set");
    assert_eq!(rs[2][1]["destroyed"], json!([k1]));
    let e = w
        .one(&w.ann, "Email/get", json!({"accountId": a, "ids": [k1.clone(), k2.clone()], "properties": ["id"]}))
        .await;
    assert_eq!((e["notFound"].clone(), e["list"][0]["id"].clone()), (json!([k1]), json!(k2)));
}
on_both_backends!(submission_destroy_on, submission_destroy);

/// RFC 8621 §4.9 Email/parse of a stored message and of one attached to another (by its part
/// blob id); queryChanges from the account's first state adds every message, from a state not
/// ours it is cannotCalculateChanges; a submission never made is notFound.
async fn parse_and_more(f: Fresh) {
    let w = world(&f).await;
    let forwarded = format!(
        "From: Dan <dan@example.org>\r\nTo: ann@example.com\r\nSubject: Fwd\r\nMessage-ID: <fwd@example.org>\r\n\
Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n\
--z\r\nContent-Type: message/rfc822\r\n\r\n{FIRST}\r\n--z--\r\n"
    );
    w.append(&w.ann, "INBOX", &forwarded, &[]).await;
    let a = acc(&w.ann);
    let r = w
        .call(
            &w.ann,
            json!([
                ["Email/query", {"accountId": a}, "0"],
                ["Email/get", {"accountId": a, "#ids": {"resultOf": "0", "name": "Email/query", "path": "/ids"},
                  "properties": ["blobId", "attachments"]}, "1"],
            ]),
        )
        .await;
    let got = &r["methodResponses"][1][1]["list"][0];
    let whole = got["blobId"].as_str().unwrap().to_owned();
    let attached = got["attachments"][0]["blobId"].as_str().unwrap().to_owned();
    assert_eq!(got["attachments"][0]["type"], "message/rfc822");
    let p = w
        .one(
            &w.ann,
            "Email/parse",
            json!({"accountId": a, "blobIds": [whole.clone(), attached.clone(), "b0000000000000000000000000000000000000000000000000000000000000000"],
                   "properties": ["id", "subject", "from", "mailboxIds", "textBody"], "fetchTextBodyValues": true}),
        )
        .await;
    assert_eq!(p["parsed"][&whole]["subject"], "Fwd");
    assert_eq!(p["parsed"][&whole]["id"], Value::Null);
    assert_eq!(p["parsed"][&whole]["mailboxIds"], Value::Null);
    assert_eq!(p["parsed"][&attached]["subject"], "Dinner on Thursday?");
    assert_eq!(p["parsed"][&attached]["from"][0]["email"], "joe@example.net");
    assert_eq!(p["notFound"].as_array().unwrap().len(), 1);
    // Bob may not parse Ann's blobs.
    let b = acc(&w.bob);
    let p = w.one(&w.bob, "Email/parse", json!({"accountId": b, "blobIds": [whole.clone()]})).await;
    assert_eq!(p["notFound"], json!([whole]));
    let first = r["methodResponses"][0][1]["ids"][0].clone();
    let sn = w
        .one(
            &w.ann,
            "SearchSnippet/get",
            json!({"accountId": a, "filter": {"text": "fwd"}, "emailIds": [first, "e999999"]}),
        )
        .await;
    assert_eq!(sn["list"][0]["subject"], "<mark>Fwd</mark>");
    assert_eq!(sn["list"][0]["preview"], Value::Null);
    assert_eq!(sn["notFound"], json!(["e999999"]));
    // From the account's first state, every message is added, in the query's order.
    let q = w.one(&w.ann, "Email/queryChanges", json!({"accountId": a, "sinceQueryState": "1"})).await;
    let now = w.one(&w.ann, "Email/query", json!({"accountId": a})).await;
    let added: Vec<Value> = q["added"].as_array().unwrap().iter().map(|x| x["id"].clone()).collect();
    assert_eq!(Value::Array(added), now["ids"], "{q}");
    let q = w.one(&w.ann, "Email/queryChanges", json!({"accountId": a, "sinceQueryState": "x1"})).await;
    assert_eq!(q["type"], "cannotCalculateChanges");
    let s = w.one(&w.ann, "EmailSubmission/get", json!({"accountId": a, "ids": ["s1"]})).await;
    assert_eq!((s["list"].clone(), s["notFound"].clone()), (json!([]), json!(["s1"])));
}
on_both_backends!(parse_and_more_on, parse_and_more);

/// RFC 8620 §5.2 maxChanges: more changes than asked come in steps, each ending at a state.
async fn changes_in_steps(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let start = w.one(&w.ann, "Email/get", json!({"accountId": a, "ids": []})).await["state"].clone();
    for raw in [FIRST, REPLY, OTHER] {
        w.append(&w.ann, "INBOX", raw, &[]).await;
    }
    let (mut since, mut created, mut steps) = (start, Vec::new(), 0);
    loop {
        let c = w.one(&w.ann, "Email/changes", json!({"accountId": a, "sinceState": since, "maxChanges": 2})).await;
        assert!(c["created"].as_array().unwrap().len() <= 2, "{c}");
        created.extend(c["created"].as_array().unwrap().iter().cloned());
        since = c["newState"].clone();
        steps += 1;
        if c["hasMoreChanges"] == false {
            break;
        }
        assert!(steps < 5, "{c}");
    }
    assert_eq!((created.len(), steps), (3, 2));
    let m = w.one(&w.ann, "Email/changes", json!({"accountId": a, "sinceState": since, "maxChanges": 0})).await;
    assert_eq!(m["type"], "invalidArguments");
}
on_both_backends!(changes_in_steps_on, changes_in_steps);

/// RFC 9425: an account's storage quota as one Quota object (none without a quota), its
/// changes (set, used, removed) told by /changes, /query's filters and sorts; the methods are
/// unknown to a request that does not use the capability.
async fn quotas(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let quota = |calls: Value| {
        let w = &w;
        async move {
            let body =
                json!({ "using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:quota"], "methodCalls": calls });
            let r = w.jmap.api(&w.ann, body.to_string().as_bytes()).await;
            assert_eq!(r.status, 200);
            let v: Value = serde_json::from_slice(&r.body).unwrap();
            v["methodResponses"][0][1].clone()
        }
    };
    let session: Value =
        serde_json::from_slice(&w.jmap.session(&w.ann, &relais_jmap::Origin("https://x".into())).await.body).unwrap();
    assert!(session["capabilities"]["urn:ietf:params:jmap:quota"].is_object());
    assert!(session["accounts"][&a]["accountCapabilities"]["urn:ietf:params:jmap:quota"].is_object());
    let none = quota(json!([["Quota/get", {"accountId": a}, "0"]])).await;
    assert_eq!(none["list"], json!([]), "no quota, no Quota object: {none}");
    let s0 = none["state"].as_str().unwrap().to_owned();
    w.mailer.directory().set_quota("ann@example.com", Some(1_000_000)).await.unwrap();
    let c = quota(json!([["Quota/changes", {"accountId": a, "sinceState": s0}, "0"]])).await;
    assert_eq!(
        (c["created"].clone(), c["updated"].clone(), c["destroyed"].clone()),
        (json!(["storage"]), json!([]), json!([])),
        "{c}"
    );
    let got = quota(json!([["Quota/get", {"accountId": a}, "0"]])).await;
    let q = &got["list"][0];
    assert_eq!(
        (q["id"].clone(), q["resourceType"].clone(), q["scope"].clone(), q["hardLimit"].clone(), q["used"].clone()),
        (json!("storage"), json!("octets"), json!("account"), json!(1_000_000), json!(0)),
        "{got}"
    );
    let s1 = got["state"].as_str().unwrap().to_owned();
    w.append(&w.ann, "INBOX", FIRST, &[]).await;
    let c = quota(json!([["Quota/changes", {"accountId": a, "sinceState": s1}, "0"]])).await;
    assert_eq!(c["updated"], json!(["storage"]), "{c}");
    let got =
        quota(json!([["Quota/get", {"accountId": a, "ids": ["storage", "other"], "properties": ["used"]}, "0"]])).await;
    assert_eq!(got["list"][0]["used"], json!(FIRST.len()), "{got}");
    assert!(got["list"][0].get("hardLimit").is_none(), "only the properties asked (and the id)");
    assert_eq!(got["notFound"], json!(["other"]));
    let same = quota(json!([["Quota/changes", {"accountId": a, "sinceState": got["state"]}, "0"]])).await;
    assert_eq!(
        (same["created"].clone(), same["updated"].clone(), same["destroyed"].clone()),
        (json!([]), json!([]), json!([]))
    );
    let ids = |filter: Value| {
        let (quota, a) = (&quota, a.clone());
        async move {
            quota(json!([["Quota/query", {"accountId": a, "filter": filter, "calculateTotal": true}, "0"]])).await["ids"].clone()
        }
    };
    assert_eq!(ids(json!({"resourceType": "octets", "type": "Email", "scope": ["account"]})).await, json!(["storage"]));
    assert_eq!(ids(json!({"name": "ANN@"})).await, json!(["storage"]));
    assert_eq!(ids(json!({"resourceType": "count"})).await, json!([]));
    assert_eq!(ids(json!({"operator": "NOT", "conditions": [{"type": "Email"}]})).await, json!([]));
    let bad = quota(json!([["Quota/query", {"accountId": a, "sort": [{"property": "colour"}]}, "0"]])).await;
    assert_eq!(bad["type"], "unsupportedSort");
    let bad = quota(json!([["Quota/query", {"accountId": a, "filter": {"colour": "red"}}, "0"]])).await;
    assert_eq!(bad["type"], "unsupportedFilter");
    let bad = quota(json!([["Quota/changes", {"accountId": a, "sinceState": "nonsense"}, "0"]])).await;
    assert_eq!(bad["type"], "cannotCalculateChanges");
    let s2 = quota(json!([["Quota/get", {"accountId": a}, "0"]])).await["state"].clone();
    w.mailer.directory().set_quota("ann@example.com", None).await.unwrap();
    let c = quota(json!([["Quota/changes", {"accountId": a, "sinceState": s2}, "0"]])).await;
    assert_eq!(c["destroyed"], json!(["storage"]), "{c}");
    // Without the capability in `using`, the methods do not exist.
    let r = w.call(&w.ann, json!([["Quota/get", {"accountId": a}, "0"]])).await;
    assert_eq!(r["methodResponses"][0][1]["type"], "unknownMethod");
}
on_both_backends!(quotas_on, quotas);
