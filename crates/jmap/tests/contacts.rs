//! Transcripts of JMAP for Contacts (RFC 9610) in the shapes of its examples, on both
//! backends: the capability in the session and on each account, AddressBook/get, /changes and
//! /set (create, rename, destroy with and without onDestroyRemoveContents), ContactCard/set
//! (create, patch, move, destroy), /get, /changes, /query with its filters and sorts, /copy,
//! a card written as a vCard (as CardDAV does) seen over JMAP, and what a sharee may do.

mod common;

use relais_directory::access::{Actor, Protocol, Rights};
use relais_groupware::{Condition, Groupware};
use relais_jmap::{Jmap, JmapConfig, Origin};
use relais_store::{Collection, CollectionKind, Principal};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::{Value, json};

const USING: [&str; 2] = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:contacts"];
const CONTACTS: &str = "urn:ietf:params:jmap:contacts";

struct World {
    jmap: Jmap,
    groupware: Groupware,
    ann: Principal,
    bob: Principal,
}

async fn world(f: &Fresh) -> World {
    let (mailer, ann, bob) = common::ann_and_bob(f).await;
    let groupware = Groupware::new(f.store.clone());
    World { jmap: Jmap::new(mailer, JmapConfig::default()), groupware, ann, bob }
}

impl World {
    async fn call(&self, who: &Principal, calls: Value) -> Vec<Value> {
        let body = json!({ "using": USING, "methodCalls": calls });
        let r = self.jmap.api(who, body.to_string().as_bytes()).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        v["methodResponses"].as_array().unwrap().clone()
    }

    /// The arguments of the one response to one call.
    async fn one(&self, who: &Principal, name: &str, args: Value) -> Value {
        self.call(who, json!([[name, args, "c"]])).await[0][1].clone()
    }

    /// Ann's default address book, as the store has it.
    async fn default_book(&self) -> Collection {
        let a = self.ann.id;
        let c = self.groupware.store().read(move |r| r.collection_by_role(a, CollectionKind::AddressBook, "default"));
        c.await.unwrap().unwrap()
    }
}

fn acc(p: &Principal) -> String {
    format!("a{}", p.id.0)
}

fn ab(c: &Collection) -> String {
    format!("ab{}", c.id.0)
}

const VCARD: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:dav-1\r\nFN:Grace Hopper\r\nN:Hopper;Grace;;;\r\n\
EMAIL;TYPE=INTERNET:grace@navy.test\r\nORG:Navy\r\nEND:VCARD\r\n";

/// RFC 9610 §1.4.1 and §2.1: the capability, and the default address book with every right.
async fn capability_and_books(f: Fresh) {
    let w = world(&f).await;
    let s = w.jmap.session(&w.ann, &Origin("https://mail.test".into())).await;
    let s: Value = serde_json::from_slice(&s.body).unwrap();
    assert_eq!(s["capabilities"][CONTACTS], json!({}));
    assert_eq!(s["primaryAccounts"][CONTACTS], acc(&w.ann));
    let cap = &s["accounts"][acc(&w.ann)]["accountCapabilities"][CONTACTS];
    assert_eq!(*cap, json!({"maxAddressBooksPerCard": 1, "mayCreateAddressBook": true}));
    let r = w.one(&w.ann, "AddressBook/get", json!({"accountId": acc(&w.ann), "ids": null})).await;
    let list = r["list"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{r}");
    let b = &list[0];
    assert_eq!(
        (b["name"].as_str(), b["isDefault"].as_bool(), b["sortOrder"].as_u64()),
        (Some("Contacts"), Some(true), Some(0))
    );
    assert_eq!(b["myRights"], json!({"mayRead": true, "mayWrite": true, "mayShare": true, "mayDelete": true}));
    assert!(b["shareWith"].is_null() && b["isSubscribed"] == true);
    let r = w.one(&w.ann, "AddressBook/get", json!({"accountId": acc(&w.ann), "ids": ["ab999999", "x"]})).await;
    assert_eq!(r["notFound"], json!(["ab999999", "x"]));
    // Another user's account is not reached; a method without the capability is unknown.
    let r = w.one(&w.ann, "AddressBook/get", json!({"accountId": acc(&w.bob)})).await;
    assert_eq!(r["type"], "accountNotFound");
    let body = json!({"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["AddressBook/get", {"accountId": acc(&w.ann)}, "0"]]});
    let r: Value = serde_json::from_slice(&w.jmap.api(&w.ann, body.to_string().as_bytes()).await.body).unwrap();
    assert_eq!(r["methodResponses"][0][1]["type"], "unknownMethod");
}
on_both_backends!(capability_and_books_on, capability_and_books);

/// RFC 9610 §2.3: create, rename and destroy address books; a non-empty one only with
/// onDestroyRemoveContents; /changes between.
async fn address_book_set(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let before = w.one(&w.ann, "AddressBook/get", json!({"accountId": a, "ids": []})).await["state"].clone();
    let r = w
        .call(
            &w.ann,
            json!([
                ["AddressBook/set", {"accountId": a, "create": {"k1": {"name": "Work", "description": "colleagues", "sortOrder": 2}}}, "0"],
                ["ContactCard/set", {"accountId": a, "create": {"c1": {"@type": "Card", "addressBookIds": {"#k1": true},
                    "name": {"full": "Bo Li"}}}}, "1"],
            ]),
        )
        .await;
    let made = &r[0][1]["created"]["k1"];
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (made["isDefault"].as_bool(), made["isSubscribed"].as_bool(), made.get("name")),
        (Some(false), Some(true), None)
    );
    assert_eq!(made["myRights"]["mayDelete"], true, "the server's properties: {made}");
    assert!(r[1][1]["created"]["c1"]["id"].is_string(), "{}", r[1][1]);
    let bad = w
        .one(
            &w.ann,
            "AddressBook/set",
            json!({"accountId": a, "create": {"k": {"name": ""}, "l": {"name": "x".repeat(256)}, "m": {"myRights": {}}},
        "update": {&id: {"isDefault": true}}}),
        )
        .await;
    assert_eq!(bad["notCreated"]["k"]["type"], "invalidProperties");
    assert_eq!(bad["notCreated"]["l"]["properties"], json!(["name"]), "255 octets at most");
    assert_eq!(bad["notCreated"]["m"]["properties"], json!(["myRights"]));
    assert_eq!(bad["notUpdated"][&id]["type"], "invalidProperties");
    let r = w
        .one(
            &w.ann,
            "AddressBook/set",
            json!({"accountId": a, "update": {&id: {"name": "Team", "isSubscribed": false}}}),
        )
        .await;
    assert_eq!(r["updated"].as_object().and_then(|u| u.get(id.as_str())), Some(&Value::Null), "{r}");
    let got = w.one(&w.ann, "AddressBook/get", json!({"accountId": a, "ids": [&id]})).await;
    let b = &got["list"][0];
    assert_eq!((b["name"].as_str(), b["description"].as_str()), (Some("Team"), Some("colleagues")));
    assert_eq!((b["sortOrder"].as_u64(), b["isSubscribed"].as_bool()), (Some(2), Some(false)));
    let ch = w.one(&w.ann, "AddressBook/changes", json!({"accountId": a, "sinceState": before})).await;
    assert_eq!(ch["created"], json!([&id]), "{ch}");
    let r = w.one(&w.ann, "AddressBook/set", json!({"accountId": a, "destroy": [&id]})).await;
    assert_eq!(r["notDestroyed"][&id]["type"], "addressBookHasContents");
    let r = w
        .one(&w.ann, "AddressBook/set", json!({"accountId": a, "destroy": [&id], "onDestroyRemoveContents": true}))
        .await;
    assert_eq!(r["destroyed"], json!([&id]), "{r}");
    let cards = w.one(&w.ann, "ContactCard/query", json!({"accountId": a})).await;
    assert_eq!(cards["ids"], json!([]));
    let ch = w.one(&w.ann, "AddressBook/changes", json!({"accountId": a, "sinceState": before})).await;
    assert_eq!((ch["created"].clone(), ch["destroyed"].clone()), (json!([]), json!([])), "made and gone: {ch}");
    let default = ab(&w.default_book().await);
    let r = w.one(&w.ann, "AddressBook/set", json!({"accountId": a, "destroy": [&default]})).await;
    assert_eq!(r["notDestroyed"][&default]["type"], "forbidden");
}
on_both_backends!(address_book_set_on, address_book_set);

/// RFC 9610 §3.5 and §3.1: a card made, patched, read; a vCard written as CardDAV does seen
/// by /get and /changes; destroyed; nothing written on bad input.
async fn cards(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let book = w.default_book().await;
    let state0 = w.one(&w.ann, "ContactCard/get", json!({"accountId": a, "ids": []})).await["state"].clone();
    let r = w
        .one(
            &w.ann,
            "ContactCard/set",
            json!({"accountId": a, "create": {"k1": {
                "@type": "Card", "version": "1.0", "uid": "jmap-ann-1", "addressBookIds": {ab(&book): true},
                "name": {"components": [{"kind": "given", "value": "Ada"}, {"kind": "surname", "value": "Lovelace"}]},
                "emails": {"e1": {"address": "ada@example.com", "contexts": {"work": true}}},
            }}}),
        )
        .await;
    let id = r["created"]["k1"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    // Stored as a vCard: what CardDAV GET returns.
    let obj = w.groupware.object_named(&Actor::system(w.ann.id), book.id, "jmap-ann-1.vcf").await.unwrap().unwrap();
    let text = String::from_utf8(obj.content).unwrap();
    assert!(text.contains("UID:jmap-ann-1") && text.contains("ada@example.com"), "{text}");

    let r = w
        .one(
            &w.ann,
            "ContactCard/set",
            json!({"accountId": a, "update": {&id: {
        "emails/e2": {"address": "ada@home.test"}, "nicknames": {"n1": {"name": "Countess"}}}}}),
        )
        .await;
    assert_eq!(r["updated"].as_object().and_then(|u| u.get(id.as_str())), Some(&Value::Null), "{r}");
    let got = w.one(&w.ann, "ContactCard/get", json!({"accountId": a, "ids": [&id, "c999999"]})).await;
    let c = &got["list"][0];
    assert_eq!(c["addressBookIds"], json!({ab(&book): true}));
    assert_eq!(c["uid"], "jmap-ann-1");
    assert_eq!(c["emails"]["e2"]["address"], "ada@home.test", "{c}");
    assert_eq!(c["nicknames"]["n1"]["name"], "Countess");
    let q = w.one(&w.ann, "ContactCard/query", json!({"accountId": a, "filter": {"nickname": "COUNT"}})).await;
    assert_eq!(q["ids"], json!([&id]), "{q}");
    assert_eq!(got["notFound"], json!(["c999999"]));
    let only = w.one(&w.ann, "ContactCard/get", json!({"accountId": a, "ids": [&id], "properties": ["uid"]})).await;
    assert_eq!(only["list"][0], json!({"id": &id, "uid": "jmap-ann-1"}));

    // Bad input changes nothing.
    let r = w
        .one(
            &w.ann,
            "ContactCard/set",
            json!({"accountId": a,
        "create": {"x": {"addressBookIds": {}}, "y": {"addressBookIds": {"ab999999": true}}, "z": {"id": "c1"}},
        "update": {&id: {"addressBookIds": {}}, "c999999": {"name": null}}, "destroy": ["c999999"]}),
        )
        .await;
    for k in ["x", "y", "z"] {
        assert_eq!(r["notCreated"][k]["type"], "invalidProperties", "{k}: {r}");
    }
    assert_eq!(r["notUpdated"][&id]["properties"], json!(["addressBookIds"]));
    assert_eq!(
        (r["notUpdated"]["c999999"]["type"].as_str(), r["notDestroyed"]["c999999"]["type"].as_str()),
        (Some("notFound"), Some("notFound"))
    );
    assert_eq!(r["oldState"], r["newState"], "nothing written: {r}");

    // A vCard PUT as CardDAV does it shows in /changes and /get.
    let state1 = got["state"].clone();
    w.groupware
        .put(&Actor::new(w.ann.id, Protocol::Dav), &book, "grace.vcf", VCARD.into(), Condition::default())
        .await
        .unwrap();
    let ch = w.one(&w.ann, "ContactCard/changes", json!({"accountId": a, "sinceState": state1})).await;
    let created = ch["created"].as_array().unwrap().clone();
    assert_eq!((created.len(), ch["updated"].clone()), (1, json!([])), "{ch}");
    let g = w.one(&w.ann, "ContactCard/get", json!({"accountId": a, "ids": created})).await;
    assert_eq!(g["list"][0]["name"]["full"], "Grace Hopper", "{g}");
    assert_eq!(g["list"][0]["organizations"].as_object().map(|o| o.len()), Some(1));
    let ch = w.one(&w.ann, "ContactCard/changes", json!({"accountId": a, "sinceState": state0})).await;
    assert_eq!(ch["created"].as_array().map(Vec::len), Some(2), "{ch}");

    let r = w.one(&w.ann, "ContactCard/set", json!({"accountId": a, "destroy": [&id]})).await;
    assert_eq!(r["destroyed"], json!([&id]));
    let ch = w.one(&w.ann, "ContactCard/changes", json!({"accountId": a, "sinceState": state1})).await;
    assert_eq!(ch["destroyed"], json!([&id]), "{ch}");
}
on_both_backends!(cards_on, cards);

/// RFC 9610 §3.3: filters and sorts, a window; a card moved between address books.
async fn query_and_move(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let book = ab(&w.default_book().await);
    let person = |given: &str, surname: &str, email: &str| {
        json!({"@type": "Card", "addressBookIds": {&book: true},
            "name": {"components": [{"kind": "given", "value": given}, {"kind": "surname", "value": surname}]},
            "emails": {"e": {"address": email}}})
    };
    let r = w
        .call(
            &w.ann,
            json!([
                ["AddressBook/set", {"accountId": a, "create": {"w": {"name": "Work"}}}, "0"],
                ["ContactCard/set", {"accountId": a, "create": {
                    "p1": person("Zoe", "Adams", "zoe@example.com"),
                    "p2": person("Ann", "Young", "ann@other.test"),
                    "p3": person("Mia", "Brown", "mia@example.com"),
                }}, "1"],
            ]),
        )
        .await;
    let made = &r[1][1]["created"];
    let (p1, p2, p3) = (made["p1"]["id"].clone(), made["p2"]["id"].clone(), made["p3"]["id"].clone());
    let work = r[0][1]["created"]["w"]["id"].as_str().unwrap().to_owned();
    let q = |filter: Value, sort: Value| {
        w.one(
            &w.ann,
            "ContactCard/query",
            json!({"accountId": a, "filter": filter, "sort": sort, "calculateTotal": true}),
        )
    };
    let r = q(json!({"email": "@example.com"}), json!([{"property": "name/surname"}])).await;
    assert_eq!(r["ids"], json!([p1, p3]), "{r}");
    assert_eq!(r["total"], 2);
    let r = q(json!({"text": "young"}), json!([])).await;
    assert_eq!(r["ids"], json!([p2]));
    let r = q(
        json!({"operator": "NOT", "conditions": [{"name/given": "ann"}]}),
        json!([{"property": "name/given", "isAscending": false}]),
    )
    .await;
    assert_eq!(r["ids"], json!([p1, p3]));
    let r = q(json!({"inAddressBook": &book}), json!([{"property": "created", "isAscending": false}])).await;
    assert_eq!(r["ids"], json!([p3, p2, p1]));
    let r = q(json!({"unknown": "x"}), json!([])).await;
    assert_eq!(r["type"], "unsupportedFilter");
    let wide = json!({"operator": "OR", "conditions": vec![json!({"text": "ann"}); 1000]});
    assert_eq!(q(wide, json!([])).await["type"], "unsupportedFilter", "a filter of a thousand conditions");
    let r = q(json!({}), json!([{"property": "size"}])).await;
    assert_eq!(r["type"], "unsupportedSort");
    let r = w
        .one(
            &w.ann,
            "ContactCard/query",
            json!({"accountId": a, "sort": [{"property": "updated"}], "anchor": p2, "anchorOffset": 1, "limit": 1}),
        )
        .await;
    assert_eq!((r["ids"].clone(), r["position"].as_u64()), (json!([p3]), Some(2)), "{r}");

    // Moved to Work: the same card, now found there, and queryChanges says so (RFC 8620 §5.6).
    let before = q(json!({"inAddressBook": &work}), json!([])).await;
    assert_eq!((before["ids"].clone(), before["canCalculateChanges"].as_bool()), (json!([]), Some(true)));
    let id = p2.as_str().unwrap();
    let r = w
        .one(
            &w.ann,
            "ContactCard/set",
            json!({"accountId": a, "update": {id: {
        format!("addressBookIds/{book}"): null, format!("addressBookIds/{work}"): true}}}),
        )
        .await;
    assert_eq!(r["updated"].as_object().and_then(|u| u.get(id)), Some(&Value::Null), "{r}");
    let r = q(json!({"inAddressBook": &work}), json!([])).await;
    assert_eq!(r["ids"], json!([p2]));
    let since = before["queryState"].clone();
    let args =
        json!({"accountId": a, "filter": {"inAddressBook": &work}, "sinceQueryState": since, "calculateTotal": true});
    let r = w.one(&w.ann, "ContactCard/queryChanges", args).await;
    assert_eq!((r["removed"].clone(), r["added"].clone()), (json!([p2]), json!([{"id": p2, "index": 0}])), "{r}");
    assert_eq!((r["oldQueryState"].clone(), r["total"].as_u64()), (since.clone(), Some(1)));
    let renamed = json!({"accountId": a, "update": {&work: {"name": "Team"}}});
    w.one(&w.ann, "AddressBook/set", renamed).await;
    let args = json!({"accountId": a, "filter": {"inAddressBook": &work}, "sinceQueryState": since});
    let r = w.one(&w.ann, "ContactCard/queryChanges", args).await;
    assert_eq!(r["type"], "cannotCalculateChanges", "an address book changed: {r}");
    let r = w.one(&w.ann, "ContactCard/queryChanges", json!({"accountId": a, "sinceQueryState": "x"})).await;
    assert_eq!(r["type"], "cannotCalculateChanges");
    let r = w
        .one(&w.ann, "ContactCard/queryChanges", json!({"accountId": a, "sinceQueryState": "0", "maxChanges": 1}))
        .await;
    assert_eq!(r["type"], "tooManyChanges");
}
on_both_backends!(query_and_move_on, query_and_move);

/// A shared address book: Ann's account appears to Bob with the contacts capability only for
/// what is shared, myRights as granted; writes need write rights; /copy into his own.
async fn shared(f: Fresh) {
    let w = world(&f).await;
    let (a, b) = (acc(&w.ann), acc(&w.bob));
    let book = w.default_book().await;
    w.groupware.put(&Actor::system(w.ann.id), &book, "grace.vcf", VCARD.into(), Condition::default()).await.unwrap();
    let (id, bob) = (book.id, w.bob.id);
    let read = Rights::READ.bits();
    w.groupware.store().write(move |tx| tx.set_grants(id, &[(bob, read)])).await.unwrap();
    let s = w.jmap.session(&w.bob, &Origin("https://mail.test".into())).await;
    let s: Value = serde_json::from_slice(&s.body).unwrap();
    assert_eq!(s["accounts"][&a]["isReadOnly"], true, "{s}");
    assert_eq!(s["accounts"][&a]["accountCapabilities"][CONTACTS]["mayCreateAddressBook"], false);
    let r = w.one(&w.bob, "AddressBook/get", json!({"accountId": a})).await;
    assert_eq!(
        r["list"][0]["myRights"],
        json!({"mayRead": true, "mayWrite": false, "mayShare": false, "mayDelete": false})
    );
    let q = w.one(&w.bob, "ContactCard/query", json!({"accountId": a})).await;
    let card = q["ids"][0].as_str().unwrap().to_owned();
    let r = w
        .one(
            &w.bob,
            "ContactCard/set",
            json!({"accountId": a, "update": {&card: {"name/full": "X"}}, "destroy": [&card],
        "create": {"k": {"@type": "Card", "addressBookIds": {ab(&book): true}, "name": {"full": "Y"}}}}),
        )
        .await;
    assert_eq!(r["notUpdated"][&card]["type"], "forbidden", "{r}");
    assert_eq!(r["notDestroyed"][&card]["type"], "forbidden");
    assert_eq!(r["notCreated"]["k"]["type"], "forbidden");

    // A second address book Bob may write: a card still does not move out of the read-only
    // one, and its content is not written either.
    let work = w.one(&w.ann, "AddressBook/set", json!({"accountId": a, "create": {"w": {"name": "Work"}}})).await;
    let work = work["created"]["w"]["id"].as_str().unwrap().to_owned();
    let work_id = relais_store::CollectionId(work[2..].parse().unwrap());
    let write = (Rights::READ | Rights::WRITE).bits();
    w.groupware.store().write(move |tx| tx.set_grants(work_id, &[(bob, write)])).await.unwrap();
    let s = w.jmap.session(&w.bob, &Origin("https://mail.test".into())).await;
    let s: Value = serde_json::from_slice(&s.body).unwrap();
    assert_eq!(s["accounts"][&a]["isReadOnly"], false, "a grant to write: {s}");
    let moved = json!({"accountId": a, "update": {&card: {"name/full": "Moved", "addressBookIds": {&work: true}}}});
    let r = w.one(&w.bob, "ContactCard/set", moved).await;
    assert_eq!(r["notUpdated"][&card]["type"], "forbidden", "{r}");
    let g = w.one(&w.ann, "ContactCard/get", json!({"accountId": a, "ids": [&card]})).await;
    assert_eq!(
        (g["list"][0]["name"]["full"].as_str(), g["list"][0]["addressBookIds"].clone()),
        (Some("Grace Hopper"), json!({ab(&book): true}))
    );
    let r = w
        .one(
            &w.bob,
            "AddressBook/set",
            json!({"accountId": a, "create": {"k": {"name": "Mine"}}, "destroy": [ab(&book)]}),
        )
        .await;
    assert_eq!(
        (r["notCreated"]["k"]["type"].as_str(), r["notDestroyed"][ab(&book)]["type"].as_str()),
        (Some("forbidden"), Some("forbidden"))
    );
    let r = w
        .one(&w.bob, "ContactCard/copy", json!({"fromAccountId": a, "accountId": b, "create": {"x": {"id": &card}}}))
        .await;
    let copy = r["created"]["x"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let g = w.one(&w.bob, "ContactCard/get", json!({"accountId": b, "ids": [copy]})).await;
    assert_eq!(g["list"][0]["name"]["full"], "Grace Hopper");
    // Ann's other ids are not Bob's to name.
    let r = w.one(&w.ann, "ContactCard/get", json!({"accountId": a, "ids": [&copy]})).await;
    assert_eq!(r["notFound"], json!([copy]));
}
on_both_backends!(shared_on, shared);

/// RFC 8620 §5.1: ContactCard/get with `ids` null answers every card only while they are at
/// most maxObjectsInGet; past it, requestTooLarge instead of an unbounded read.
async fn get_all_is_bounded(f: Fresh) {
    let (mailer, ann, bob) = common::ann_and_bob(&f).await;
    let config = JmapConfig { max_objects_in_get: 3, ..JmapConfig::default() };
    let w = World { jmap: Jmap::new(mailer, config), groupware: Groupware::new(f.store.clone()), ann, bob };
    let book = w.default_book().await;
    let a = acc(&w.ann);
    for i in 0..3 {
        let card = format!("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:c{i}\r\nFN:Card {i}\r\nEND:VCARD\r\n");
        w.groupware
            .put(&Actor::system(w.ann.id), &book, &format!("c{i}.vcf"), card.into(), Condition::default())
            .await
            .unwrap();
    }
    let r = w.one(&w.ann, "ContactCard/get", json!({"accountId": a, "ids": null})).await;
    assert_eq!(r["list"].as_array().map(Vec::len), Some(3), "{r}");
    let card = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:c3\r\nFN:Card 3\r\nEND:VCARD\r\n";
    w.groupware.put(&Actor::system(w.ann.id), &book, "c3.vcf", card.into(), Condition::default()).await.unwrap();
    let r = w.one(&w.ann, "ContactCard/get", json!({"accountId": a, "ids": null})).await;
    assert_eq!(r["type"], "requestTooLarge", "{r}");
}
on_both_backends!(get_all_is_bounded_on, get_all_is_bounded);
