//! Transcripts of JMAP CalendarEventNotification (draft-ietf-jmap-calendars §7) on both
//! backends: a sharee creating, updating and destroying an event in the owner's calendar — over
//! JMAP or as a CalDAV PUT — tells the owner, with the event, the patch and who did it; the
//! owner's own changes tell nothing; an organizer's scheduling messages tell the attendee;
//! /changes, /query and its filters, /queryChanges; /set destroys (the owner only) and refuses
//! create and update; another account's ids are not found; what another sharee sees; and the
//! bound on what an account keeps.

mod common;

use relais_directory::Directory;
use relais_directory::access::{Actor, Protocol, Rights};
use relais_groupware::resources::Transfer;
use relais_groupware::{Condition, Groupware};
use relais_jmap::{Jmap, JmapConfig};
use relais_store::{
    AccountId, ChangeKind, ChangedBy, Collection, CollectionKind, ItemId, NewEventNotification, Principal,
    PrincipalKind, Role,
};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::{Value, json};

const USING: [&str; 2] = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:calendars"];
const NOTIFICATION: &str = "CalendarEventNotification";

struct World {
    jmap: Jmap,
    groupware: Groupware,
    dir: Directory,
    ann: Principal,
    bob: Principal,
}

async fn world(f: &Fresh) -> World {
    let (mailer, ann, bob) = common::ann_and_bob(f).await;
    let groupware = Groupware::with_scheduling(mailer.clone());
    let dir = mailer.directory().clone();
    World { jmap: Jmap::new(mailer, JmapConfig::default()), groupware, dir, ann, bob }
}

impl World {
    async fn one(&self, who: &Principal, name: &str, args: Value) -> Value {
        let body = json!({ "using": USING, "methodCalls": [[name, args, "c"]] });
        let r = self.jmap.api(who, body.to_string().as_bytes()).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        v["methodResponses"][0][1].clone()
    }

    async fn notification(&self, who: &Principal, method: &str, args: Value) -> Value {
        self.one(who, &format!("{NOTIFICATION}/{method}"), args).await
    }

    async fn default_calendar(&self, who: &Principal) -> Collection {
        let a = who.id;
        let c = self.groupware.store().read(move |r| r.collection_by_role(a, CollectionKind::Calendar, "default"));
        c.await.unwrap().unwrap()
    }

    /// Gives `to` the rights `rights` on `c`.
    async fn share(&self, c: &Collection, to: &[(&Principal, Rights)]) {
        let id = c.id;
        let grants: Vec<(AccountId, i64)> = to.iter().map(|(p, r)| (p.id, r.bits())).collect();
        self.groupware.store().write(move |tx| tx.set_grants(id, &grants)).await.unwrap();
    }

    /// `who` creates an event in `calendar` of `account`; its id.
    async fn create(&self, who: &Principal, account: &str, calendar: &str, title: &str) -> String {
        let e = json!({"@type": "Event", "title": title, "start": "2026-12-20T10:00:00", "duration": "PT1H",
                       "calendarIds": {calendar: true}});
        let r = self.one(who, "CalendarEvent/set", json!({"accountId": account, "create": {"k": e}})).await;
        r["created"]["k"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
    }

    /// The notifications of `account` as `who` reads them.
    async fn list(&self, who: &Principal, account: &str) -> Vec<Value> {
        let g = self.notification(who, "get", json!({"accountId": account})).await;
        g["list"].as_array().unwrap_or_else(|| panic!("{g}")).clone()
    }
}

fn acc(p: &Principal) -> String {
    format!("a{}", p.id.0)
}

fn cal(c: &Collection) -> String {
    format!("cal{}", c.id.0)
}

fn ids(v: &[Value]) -> Vec<String> {
    v.iter().map(|n| n["id"].as_str().unwrap_or_default().to_owned()).collect()
}

/// §7: Bob, writing in Ann's calendar shared with him, makes three notifications in Ann's
/// account; Ann's own event makes none.
async fn sharee_changes_are_told(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let calendar = w.default_calendar(&w.ann).await;
    w.share(&calendar, &[(&w.bob, Rights::READ | Rights::WRITE)]).await;
    let start = w.notification(&w.ann, "get", json!({"accountId": a, "ids": []})).await["state"].clone();
    let q0 = w.notification(&w.ann, "query", json!({"accountId": a})).await;
    assert_eq!((q0["ids"].clone(), q0["canCalculateChanges"].clone()), (json!([]), json!(true)), "{q0}");

    let own = w.create(&w.ann, &a, &cal(&calendar), "Ann's own").await;
    let ev = w.create(&w.bob, &a, &cal(&calendar), "Planning").await;
    let r =
        w.one(&w.bob, "CalendarEvent/set", json!({"accountId": a, "update": {&ev: {"title": "Planning v2"}}})).await;
    assert!(r["updated"].get(&ev).is_some(), "{r}");
    let r = w.one(&w.bob, "CalendarEvent/set", json!({"accountId": a, "destroy": [&ev]})).await;
    assert_eq!(r["destroyed"], json!([&ev]), "{r}");
    let r = w.one(&w.ann, "CalendarEvent/set", json!({"accountId": a, "update": {&own: {"title": "Mine"}}})).await;
    assert!(r["updated"].get(&own).is_some(), "{r}");

    let list = w.list(&w.ann, &a).await;
    let kinds: Vec<&str> = list.iter().filter_map(|n| n["type"].as_str()).collect();
    assert_eq!(kinds, ["created", "updated", "destroyed"], "{list:?}");
    let bob = json!({"name": "Bob", "email": "bob@example.com", "principalId": format!("p{}", w.bob.id.0),
                     "calendarAddress": "mailto:bob@example.com"});
    for n in &list {
        assert_eq!(n["calendarEventId"], json!(&ev), "never Ann's own event: {n}");
        assert_eq!(n["changedBy"], bob, "{n}");
        assert!(n["created"].as_str().is_some_and(|c| c.ends_with('Z')), "{n}");
        assert!(n["comment"].is_null(), "{n}");
    }
    let (created, updated, destroyed) = (&list[0], &list[1], &list[2]);
    assert_eq!((created["event"]["title"].as_str(), created["isDraft"].as_bool()), (Some("Planning"), Some(false)));
    assert_eq!(created["event"]["@type"], "Event", "the event as JSCalendar: {created}");
    assert!(created["eventPatch"].is_null(), "{created}");
    // Updated: the event before, and the patch that makes the event after of it.
    assert_eq!(updated["event"]["title"], "Planning", "{updated}");
    assert_eq!(updated["eventPatch"]["title"], "Planning v2", "{updated}");
    assert!(updated["eventPatch"].get("uid").is_none() && updated["eventPatch"].get("start").is_none(), "{updated}");
    assert_eq!(destroyed["event"]["title"], "Planning v2", "the event before: {destroyed}");
    assert!(destroyed["eventPatch"].is_null() && destroyed["isDraft"].is_null(), "{destroyed}");

    // properties: only those asked (and the id).
    let g = w.notification(&w.ann, "get", json!({"accountId": a, "properties": ["type"]})).await;
    assert_eq!(g["list"][0], json!({"id": list[0]["id"], "type": "created"}), "{g}");

    // /changes from the state before: the three made.
    let c = w.notification(&w.ann, "changes", json!({"accountId": a, "sinceState": start})).await;
    assert_eq!(c["created"], json!(ids(&list)), "{c}");
    assert_eq!((c["updated"].clone(), c["destroyed"].clone()), (json!([]), json!([])), "{c}");

    // /query: filters and sort.
    let query = |filter: Value, sort: Value| json!({"accountId": a, "filter": filter, "sort": sort});
    let q = w.notification(&w.ann, "query", query(json!({"type": "updated"}), json!([]))).await;
    assert_eq!(q["ids"], json!([list[1]["id"]]), "{q}");
    let q = w.notification(&w.ann, "query", query(json!({"calendarEventIds": [&ev]}), json!([]))).await;
    assert_eq!(q["ids"], json!(ids(&list)), "{q}");
    let q = w.notification(&w.ann, "query", query(json!({"calendarEventIds": [&own]}), json!([]))).await;
    assert_eq!(q["ids"], json!([]), "{q}");
    let newest_first = json!([{"property": "created", "isAscending": false}]);
    let q = w.notification(&w.ann, "query", query(json!({}), newest_first)).await;
    let mut reversed = ids(&list);
    reversed.reverse();
    assert_eq!(q["ids"], json!(reversed), "{q}");
    let q = w.notification(&w.ann, "query", query(json!({"after": "2999-01-01T00:00:00Z"}), json!([]))).await;
    assert_eq!(q["ids"], json!([]), "{q}");
    let q = w.notification(&w.ann, "query", query(json!({"before": "2999-01-01T00:00:00Z"}), json!([]))).await;
    assert_eq!(q["ids"], json!(ids(&list)), "{q}");
    let q = w.notification(&w.ann, "query", query(json!({"title": "x"}), json!([]))).await;
    assert_eq!(q["type"], "unsupportedFilter", "{q}");
    let q = w.notification(&w.ann, "query", query(json!({}), json!([{"property": "type"}]))).await;
    assert_eq!(q["type"], "unsupportedSort", "{q}");

    // /queryChanges from the empty query: the three added at their indexes.
    let qc = w.notification(&w.ann, "queryChanges", json!({"accountId": a, "sinceQueryState": q0["queryState"]})).await;
    let added: Vec<Value> = list.iter().enumerate().map(|(i, n)| json!({"id": n["id"], "index": i})).collect();
    assert_eq!(qc["added"], json!(added), "{qc}");
    let qc_max = json!({"accountId": a, "sinceQueryState": q0["queryState"], "maxChanges": 2});
    assert_eq!(w.notification(&w.ann, "queryChanges", qc_max).await["type"], "tooManyChanges");
    let q1 = w.notification(&w.ann, "query", json!({"accountId": a})).await;

    // /set: made by the server only; destroyed by the owner, not by the sharee.
    let s = w
        .notification(
            &w.ann,
            "set",
            json!({"accountId": a, "create": {"n": {"type": "created"}}, "update": {list[0]["id"].as_str().unwrap(): {}}}),
        )
        .await;
    assert_eq!(s["notCreated"]["n"]["type"], "forbidden", "{s}");
    assert_eq!(s["notUpdated"][list[0]["id"].as_str().unwrap()]["type"], "forbidden", "{s}");
    let s = w.notification(&w.bob, "set", json!({"accountId": a, "destroy": [list[0]["id"]]})).await;
    assert_eq!(s["notDestroyed"][list[0]["id"].as_str().unwrap()]["type"], "forbidden", "{s}");
    let s = w.notification(&w.ann, "set", json!({"accountId": a, "destroy": [list[0]["id"], "cen999999", "x"]})).await;
    assert_eq!(s["destroyed"], json!([list[0]["id"]]), "{s}");
    assert_eq!(s["notDestroyed"]["cen999999"]["type"], "notFound", "{s}");
    assert_eq!(s["notDestroyed"]["x"]["type"], "notFound", "{s}");
    assert_eq!(ids(&w.list(&w.ann, &a).await), ids(&list[1..]));
    let qc = w.notification(&w.ann, "queryChanges", json!({"accountId": a, "sinceQueryState": q1["queryState"]})).await;
    assert_eq!((qc["removed"].clone(), qc["added"].clone()), (json!([list[0]["id"]]), json!([])), "{qc}");

    // Ann's ids are not found in Bob's account; Bob sees none of his own in Ann's.
    let g = w.notification(&w.bob, "get", json!({"accountId": acc(&w.bob), "ids": [list[1]["id"]]})).await;
    assert_eq!(g["notFound"], json!([list[1]["id"]]), "{g}");
    assert!(w.list(&w.bob, &a).await.is_empty(), "his own changes are not told to him");
    assert!(w.list(&w.bob, &acc(&w.bob)).await.is_empty());
}
on_both_backends!(sharee_changes_are_told_on, sharee_changes_are_told);

/// A sharee's CalDAV PUT, DELETE and COPY tell the owner as JMAP writes do; a sharee who
/// may read the calendar sees notifications of another's changes, except of a private event.
async fn any_protocol_and_other_sharees(f: Fresh) {
    let w = world(&f).await;
    let carol = w.dir.add_principal(PrincipalKind::User, "carol@example.com", "Carol", Some("pw"), Role::User).await;
    let carol = carol.unwrap();
    let a = acc(&w.ann);
    let calendar = w.default_calendar(&w.ann).await;
    w.share(&calendar, &[(&w.bob, Rights::READ | Rights::WRITE), (&carol, Rights::READ)]).await;
    let bob = Actor::new(w.bob.id, Protocol::Dav);
    let ical = |uid: &str, class: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//dav//client//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
             DTSTAMP:20261201T080000Z\r\nDTSTART:20261207T090000Z\r\nDTEND:20261207T093000Z\r\nSUMMARY:Sync\r\n\
             CLASS:{class}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    };
    let put = |name: &'static str, body: String| {
        let (g, bob, c) = (w.groupware.clone(), bob.clone(), calendar.clone());
        async move { g.put(&bob, &c, name, body.into_bytes(), Condition::default()).await.unwrap() }
    };
    put("open.ics", ical("open-1", "PUBLIC")).await;
    put("secret.ics", ical("secret-1", "PRIVATE")).await;
    w.groupware.delete(&bob, &calendar, "open.ics", Condition::default()).await.unwrap();
    let list = w.list(&w.ann, &a).await;
    let kinds: Vec<&str> = list.iter().filter_map(|n| n["type"].as_str()).collect();
    assert_eq!(kinds, ["created", "created", "destroyed"], "{list:?}");
    assert_eq!(list[0]["event"]["uid"], "open-1", "{list:?}");
    assert_eq!(list[1]["event"]["privacy"], "private", "{list:?}");
    // Carol reads the calendar: she sees Bob's changes but the private event's.
    let seen = w.list(&carol, &a).await;
    assert_eq!(ids(&seen), [list[0]["id"].clone(), list[2]["id"].clone()], "{seen:?}");
    let q = w.notification(&carol, "query", json!({"accountId": a})).await;
    assert_eq!((q["ids"].as_array().map(Vec::len), q["canCalculateChanges"].clone()), (Some(2), json!(false)));
    let qc = w.notification(&carol, "queryChanges", json!({"accountId": a, "sinceQueryState": q["queryState"]})).await;
    assert_eq!(qc["type"], "cannotCalculateChanges", "{qc}");
    // The owner's own DAV write tells nothing.
    let own = Actor::new(w.ann.id, Protocol::Dav);
    w.groupware
        .put(&own, &calendar, "own.ics", ical("own-1", "PUBLIC").into_bytes(), Condition::default())
        .await
        .unwrap();
    assert_eq!(w.list(&w.ann, &a).await.len(), 3);
    // A DAV COPY into Ann's calendar tells her one came; Bob copying hers into his own calendar
    // is told nothing.
    let bobs = w.default_calendar(&w.bob).await;
    let copy = Transfer { keep_source: true, overwrite: false };
    w.groupware.transfer(&bob, (&calendar, "secret.ics"), (&bobs, "secret.ics"), copy).await.unwrap();
    let mine = ical("bobs-1", "PUBLIC").into_bytes();
    w.groupware.put(&bob, &bobs, "mine.ics", mine, Condition::default()).await.unwrap();
    w.groupware.transfer(&bob, (&bobs, "mine.ics"), (&calendar, "from-bob.ics"), copy).await.unwrap();
    let list = w.list(&w.ann, &a).await;
    assert_eq!((list.len(), list[3]["type"].as_str()), (4, Some("created")), "{list:?}");
    assert_eq!(list[3]["event"]["uid"], "bobs-1", "{list:?}");
    assert!(w.list(&w.bob, &acc(&w.bob)).await.is_empty());
}
on_both_backends!(any_protocol_and_other_sharees_on, any_protocol_and_other_sharees);

/// An organizer's scheduling messages land in the attendee's calendar and tell the attendee:
/// the invitation (created), a change (updated), the cancellation (destroyed), each from the
/// organizer. The organizer is told nothing of their own changes.
async fn scheduling_tells_the_attendee(f: Fresh) {
    let w = world(&f).await;
    let (a, b) = (acc(&w.ann), acc(&w.bob));
    let default = cal(&w.default_calendar(&w.ann).await);
    let meeting = json!({
        "@type": "Event", "uid": "told-meeting-1", "title": "Design review", "start": "2026-12-18T15:00:00",
        "timeZone": "Europe/Paris", "duration": "PT1H", "organizerCalendarAddress": "mailto:ann@example.com",
        "calendarIds": {&default: true},
        "participants": {
            "ann": {"@type": "Participant", "calendarAddress": "mailto:ann@example.com", "name": "Ann",
                "roles": {"owner": true, "attendee": true}, "participationStatus": "accepted"},
            "bob": {"@type": "Participant", "calendarAddress": "mailto:bob@example.com", "name": "Bob",
                "roles": {"attendee": true}, "participationStatus": "needs-action", "expectReply": true},
        },
    });
    let set = |args: Value| w.one(&w.ann, "CalendarEvent/set", args);
    let r = set(json!({"accountId": a, "sendSchedulingMessages": true, "create": {"k": meeting}})).await;
    let id = r["created"]["k"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let r = set(json!({"accountId": a, "sendSchedulingMessages": true, "update": {&id: {"title": "Review"}}})).await;
    assert!(r["updated"].get(&id).is_some(), "{r}");
    let r = set(json!({"accountId": a, "sendSchedulingMessages": true, "destroy": [&id]})).await;
    assert_eq!(r["destroyed"], json!([&id]), "{r}");
    let list = w.list(&w.bob, &b).await;
    let kinds: Vec<&str> = list.iter().filter_map(|n| n["type"].as_str()).collect();
    assert_eq!(kinds, ["created", "updated", "destroyed"], "{list:?}");
    for n in &list {
        assert_eq!(n["changedBy"]["principalId"], format!("p{}", w.ann.id.0), "{n}");
        assert_eq!(n["changedBy"]["calendarAddress"], "mailto:ann@example.com", "{n}");
    }
    assert_eq!(list[0]["event"]["title"], "Design review");
    assert_eq!(list[1]["eventPatch"]["title"], "Review", "{:?}", list[1]);
    assert_eq!(list[2]["event"]["title"], "Review");
    assert!(w.list(&w.ann, &a).await.is_empty(), "the organizer's own changes");
}
on_both_backends!(scheduling_tells_the_attendee_on, scheduling_tells_the_attendee);

/// An account keeps at most the bound (the oldest make room, each a destroyed change) and the
/// sweep removes those past their retention.
async fn bounded(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let calendar = w.default_calendar(&w.ann).await;
    let start = w.notification(&w.ann, "get", json!({"accountId": a, "ids": []})).await["state"].clone();
    let (owner, cal_id, bob) = (w.ann.id, calendar.id, w.bob.id);
    for n in 0..5 {
        let new = NewEventNotification {
            changed_by: ChangedBy { principal: Some(bob), name: "Bob".into(), ..ChangedBy::default() },
            comment: None,
            kind: ChangeKind::Created,
            event: ItemId(1000 + n),
            calendar: cal_id,
            private: false,
            event_json: json!({"@type": "Event", "title": format!("E{n}")}).to_string(),
            patch_json: None,
        };
        w.groupware.store().write(move |tx| tx.add_event_notification(owner, new, 3)).await.unwrap();
    }
    let list = w.list(&w.ann, &a).await;
    let titles: Vec<&str> = list.iter().filter_map(|n| n["event"]["title"].as_str()).collect();
    assert_eq!(titles, ["E2", "E3", "E4"], "the oldest made room");
    let c = w.notification(&w.ann, "changes", json!({"accountId": a, "sinceState": start})).await;
    assert_eq!(c["created"], json!(ids(&list)), "{c}");
    assert_eq!(c["destroyed"], json!([]), "made and gone since: neither, RFC 8620 §5.2 {c}");
    let mid = w.notification(&w.ann, "get", json!({"accountId": a, "ids": []})).await["state"].clone();
    let new = NewEventNotification {
        changed_by: ChangedBy::default(),
        comment: Some("moved".into()),
        kind: ChangeKind::Updated,
        event: ItemId(2000),
        calendar: cal_id,
        private: false,
        event_json: "{}".into(),
        patch_json: Some("{\"title\": \"x\"}".into()),
    };
    w.groupware.store().write(move |tx| tx.add_event_notification(owner, new, 3)).await.unwrap();
    let c = w.notification(&w.ann, "changes", json!({"accountId": a, "sinceState": mid})).await;
    assert_eq!(c["destroyed"], json!([list[0]["id"]]), "{c}");
    let newest = w.list(&w.ann, &a).await.pop().unwrap();
    assert_eq!((newest["comment"].as_str(), newest["changedBy"]["principalId"].clone()), (Some("moved"), Value::Null));
    // Nothing is past its retention yet; everything made before a moment to come is.
    assert_eq!(w.groupware.purge_event_notifications().await.unwrap(), 0);
    let later = relais_store::now() + 10;
    let gone = w.groupware.store().write(move |tx| tx.purge_event_notifications(later, 2)).await.unwrap();
    assert_eq!(gone, 2, "a batch at a time");
    assert_eq!(w.list(&w.ann, &a).await.len(), 1);
}
on_both_backends!(bounded_on, bounded);
