//! Transcripts of JMAP Calendars (draft-ietf-jmap-calendars) in the shapes of its examples, on
//! both backends: the capability in the session and on each account, ParticipantIdentity/get,
//! Calendar/get, /changes and /set (create, change, destroy with and without
//! onDestroyRemoveEvents), CalendarEvent/set (create, patch, move, destroy), /get, /changes,
//! /query with its filters, sorts and window, /queryChanges, /copy, an event written as
//! iCalendar (as CalDAV does) seen over JMAP, a change made meanwhile refused, bad input
//! refused with the standard errors, and what a sharee sees and may do.

mod common;

use relais_directory::access::{Actor, Protocol, Rights};
use relais_groupware::{Condition, Groupware};
use relais_jmap::{Jmap, JmapConfig, Origin};
use relais_store::{Collection, CollectionKind, Principal};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::{Value, json};

const USING: [&str; 2] = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:calendars"];
const CALENDARS: &str = "urn:ietf:params:jmap:calendars";

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

    /// `who`'s default calendar, as the store has it.
    async fn default_calendar(&self, who: &Principal) -> Collection {
        let a = who.id;
        let c = self.groupware.store().read(move |r| r.collection_by_role(a, CollectionKind::Calendar, "default"));
        c.await.unwrap().unwrap()
    }

    /// Creates one event in `calendar` of `who`'s account and answers its id.
    async fn event(&self, who: &Principal, calendar: &str, event: Value) -> String {
        let mut e = event;
        e["calendarIds"] = json!({ calendar: true });
        let r = self.one(who, "CalendarEvent/set", json!({"accountId": acc(who), "create": {"k": e}})).await;
        r["created"]["k"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
    }
}

/// Whether a /set answer lists `id` as updated (a missing key reads as null too).
fn updated(r: &Value, id: &str) -> bool {
    r["updated"].as_object().is_some_and(|m| m.get(id) == Some(&Value::Null))
}

fn acc(p: &Principal) -> String {
    format!("a{}", p.id.0)
}

fn cal(c: &Collection) -> String {
    format!("cal{}", c.id.0)
}

/// An event as a CalDAV client writes it: a weekly meeting with one moved occurrence.
const ICAL: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//dav//client//EN\r\nBEGIN:VEVENT\r\n\
UID:dav-weekly-1\r\nDTSTAMP:20261201T080000Z\r\nDTSTART;TZID=Europe/Paris:20261207T090000\r\n\
DTEND;TZID=Europe/Paris:20261207T093000\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:Team sync\r\n\
DESCRIPTION:Weekly status\r\nLOCATION:Room 4\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// §1.4, §3 and §4.1: the capability, the participant identity, and the default calendar with
/// every right.
async fn capability_and_calendars(f: Fresh) {
    let w = world(&f).await;
    let s = w.jmap.session(&w.ann, &Origin("https://mail.test".into())).await;
    let s: Value = serde_json::from_slice(&s.body).unwrap();
    assert_eq!(s["capabilities"][CALENDARS], json!({}));
    assert_eq!(s["primaryAccounts"][CALENDARS], acc(&w.ann));
    let cap = &s["accounts"][acc(&w.ann)]["accountCapabilities"][CALENDARS];
    assert_eq!((cap["maxCalendarsPerEvent"].as_u64(), cap["mayCreateCalendar"].as_bool()), (Some(1), Some(true)));
    let r = w.one(&w.ann, "Calendar/get", json!({"accountId": acc(&w.ann), "ids": null})).await;
    let list = r["list"].as_array().unwrap();
    assert_eq!(list.len(), 1, "the default calendar, not the scheduling inbox: {r}");
    let c = &list[0];
    assert_eq!(
        (c["name"].as_str(), c["isDefault"].as_bool(), c["isVisible"].as_bool(), c["isSubscribed"].as_bool()),
        (Some("Calendar"), Some(true), Some(true), Some(true))
    );
    assert_eq!(
        c["myRights"],
        json!({"mayReadFreeBusy": true, "mayReadItems": true, "mayWriteAll": true, "mayWriteOwn": true,
            "mayUpdatePrivate": true, "mayRSVP": true, "mayShare": true, "mayDelete": true})
    );
    assert!(c["shareWith"].is_null() && c["includeInAvailability"] == "all");
    let only = w.one(&w.ann, "Calendar/get", json!({"accountId": acc(&w.ann), "properties": ["color"]})).await;
    assert_eq!(only["list"][0].as_object().map(|o| o.len()), Some(2), "id and color: {only}");
    let r = w.one(&w.ann, "Calendar/get", json!({"accountId": acc(&w.ann), "ids": ["cal999999", "ab1", "x"]})).await;
    assert_eq!(r["notFound"], json!(["cal999999", "ab1", "x"]));
    let r = w.one(&w.ann, "Calendar/get", json!({"accountId": acc(&w.ann), "properties": ["colour"]})).await;
    assert_eq!(r["type"], "invalidArguments");
    // Another user's account is not reached; a method without the capability is unknown.
    let r = w.one(&w.ann, "Calendar/get", json!({"accountId": acc(&w.bob)})).await;
    assert_eq!(r["type"], "accountNotFound");
    let body = json!({"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Calendar/get", {"accountId": acc(&w.ann)}, "0"]]});
    let r: Value = serde_json::from_slice(&w.jmap.api(&w.ann, body.to_string().as_bytes()).await.body).unwrap();
    assert_eq!(r["methodResponses"][0][1]["type"], "unknownMethod");

    let r = w.one(&w.ann, "ParticipantIdentity/get", json!({"accountId": acc(&w.ann)})).await;
    let me = &r["list"][0];
    assert_eq!(
        (me["calendarAddress"].as_str(), me["name"].as_str(), me["isDefault"].as_bool()),
        (Some("mailto:ann@example.com"), Some("Ann"), Some(true)),
        "{r}"
    );
    let r = w.one(&w.ann, "ParticipantIdentity/get", json!({"accountId": acc(&w.ann), "ids": ["pi999"]})).await;
    assert_eq!(r["notFound"], json!(["pi999"]));
    let since = r["state"].clone();
    let r = w.one(&w.ann, "ParticipantIdentity/changes", json!({"accountId": acc(&w.ann), "sinceState": since})).await;
    assert_eq!((r["created"].clone(), r["newState"].clone()), (json!([]), since), "{r}");
    let r = w.one(&w.ann, "ParticipantIdentity/changes", json!({"accountId": acc(&w.ann), "sinceState": "x"})).await;
    assert_eq!(r["type"], "cannotCalculateChanges");
}
on_both_backends!(capability_and_calendars_on, capability_and_calendars);

/// §4.3: calendars made, changed and destroyed; a calendar holding events only with
/// onDestroyRemoveEvents; /changes between; bad input refused.
async fn calendar_set(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let before = w.one(&w.ann, "Calendar/get", json!({"accountId": a, "ids": []})).await["state"].clone();
    let r = w
        .call(
            &w.ann,
            json!([
                ["Calendar/set", {"accountId": a, "create": {"k1": {"name": "Work", "color": "#3a87ad", "sortOrder": 2}}}, "0"],
                ["CalendarEvent/set", {"accountId": a, "create": {"e1": {"@type": "Event", "calendarIds": {"#k1": true},
                    "title": "Kick-off", "start": "2026-12-15T10:00:00", "timeZone": "Europe/Paris", "duration": "PT1H"}}}, "1"],
            ]),
        )
        .await;
    let made = &r[0][1]["created"]["k1"];
    let id = made["id"].as_str().unwrap_or_else(|| panic!("{r:?}")).to_owned();
    assert_eq!(
        (made["isDefault"].as_bool(), made["isVisible"].as_bool(), made.get("name")),
        (Some(false), Some(true), None)
    );
    assert!(r[1][1]["created"]["e1"]["id"].is_string(), "{}", r[1][1]);
    let bad = w
        .one(
            &w.ann,
            "Calendar/set",
            json!({"accountId": a, "create": {"k": {"name": ""}, "l": {"name": "x".repeat(256)}, "m": {"name": "M", "myRights": {}},
                "n": {"name": "N", "shareWith": {"a2": {"mayReadItems": true}}}, "o": {"name": "O", "isVisible": "no"}},
            "update": {&id: {"isDefault": true}}}),
        )
        .await;
    assert_eq!(bad["notCreated"]["k"]["type"], "invalidProperties");
    assert_eq!(bad["notCreated"]["l"]["properties"], json!(["name"]), "255 octets at most");
    assert_eq!(bad["notCreated"]["m"]["properties"], json!(["myRights"]));
    assert_eq!(bad["notCreated"]["n"]["properties"], json!(["shareWith"]), "a2 is no principal id: {bad}");
    assert_eq!(bad["notCreated"]["o"]["properties"], json!(["isVisible"]));
    assert_eq!(bad["notUpdated"][&id]["type"], "invalidProperties");
    assert_eq!(bad["oldState"], bad["newState"], "nothing written");
    let r = w
        .one(
            &w.ann,
            "Calendar/set",
            json!({"accountId": a, "update": {&id: {"name": "Team", "isVisible": false, "isSubscribed": false, "color": null,
                "timeZone": "Asia/Tokyo"}}}),
        )
        .await;
    assert!(updated(&r, &id), "{r}");
    let got = w.one(&w.ann, "Calendar/get", json!({"accountId": a, "ids": [&id]})).await;
    let c = &got["list"][0];
    assert_eq!(
        (c["name"].as_str(), c["isVisible"].as_bool(), c["isSubscribed"].as_bool(), c["sortOrder"].as_u64()),
        (Some("Team"), Some(false), Some(false), Some(2))
    );
    assert!(c["color"].is_null(), "{c}");
    assert_eq!(c["timeZone"], "Asia/Tokyo", "kept as CalDAV's calendar-timezone");
    let r = w.one(&w.ann, "Calendar/set", json!({"accountId": a, "update": {&id: {"timeZone": "Mars/Olympus"}}})).await;
    assert_eq!(r["notUpdated"][&id]["properties"], json!(["timeZone"]), "{r}");
    let ch = w.one(&w.ann, "Calendar/changes", json!({"accountId": a, "sinceState": before})).await;
    assert_eq!(ch["created"], json!([&id]), "{ch}");
    let made_state = ch["newState"].clone();

    let r = w.one(&w.ann, "Calendar/set", json!({"accountId": a, "destroy": [&id]})).await;
    assert_eq!(r["notDestroyed"][&id]["type"], "calendarHasEvent", "{r}");
    let default = cal(&w.default_calendar(&w.ann).await);
    let r = w
        .one(&w.ann, "Calendar/set", json!({"accountId": a, "destroy": [&id, &default], "onDestroyRemoveEvents": true}))
        .await;
    assert_eq!(r["destroyed"], json!([&id]), "{r}");
    assert!(r["notDestroyed"][&default]["type"].is_string(), "the default calendar stays: {r}");
    let q = w.one(&w.ann, "CalendarEvent/query", json!({"accountId": a})).await;
    assert_eq!(q["ids"], json!([]), "its events went with it: {q}");
    let ch = w.one(&w.ann, "Calendar/changes", json!({"accountId": a, "sinceState": made_state})).await;
    assert_eq!((ch["created"].clone(), ch["destroyed"].clone()), (json!([]), json!([&id])), "{ch}");
}
on_both_backends!(calendar_set_on, calendar_set);

/// §5.11 and §5.7: an event made, patched, read; an iCalendar object written as CalDAV does
/// seen by /changes and /get; a change made meanwhile refused; destroyed; bad input refused.
async fn events(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let calendar = w.default_calendar(&w.ann).await;
    let state0 = w.one(&w.ann, "CalendarEvent/get", json!({"accountId": a, "ids": []})).await["state"].clone();
    let r = w
        .one(
            &w.ann,
            "CalendarEvent/set",
            json!({"accountId": a, "create": {"k1": {
                "@type": "Event", "calendarIds": {cal(&calendar): true}, "title": "Board meeting",
                "start": "2026-12-17T14:00:00", "timeZone": "America/New_York", "duration": "PT2H",
                "description": "Quarterly review", "locations": {"l1": {"@type": "Location", "name": "HQ"}},
            }}}),
        )
        .await;
    let made = &r["created"]["k1"];
    let id = made["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let uid = made["uid"].as_str().unwrap_or_else(|| panic!("a uid made: {r}")).to_owned();
    assert!(uid.starts_with("urn:uuid:") && made["isOrigin"] == true, "{made}");
    // Stored as iCalendar: what CalDAV GET returns.
    let stored = w.groupware.events(&Actor::system(w.ann.id), w.ann.id, None).await.unwrap();
    let text = String::from_utf8(stored[0].content.clone()).unwrap();
    assert!(
        text.contains("SUMMARY:Board meeting") && text.contains("DTSTART;TZID=America/New_York:20261217T140000"),
        "{text}"
    );

    let r = w
        .one(
            &w.ann,
            "CalendarEvent/set",
            json!({"accountId": a, "update": {&id: {"title": "Board meeting (moved)", "locations/l1/name": "Annex",
                "duration": "PT1H30M"}}}),
        )
        .await;
    assert!(updated(&r, &id), "{r}");
    let got = w
        .one(&w.ann, "CalendarEvent/get", json!({"accountId": a, "ids": [&id, "ev999999"], "properties": ["title", "locations", "duration", "calendarIds", "utcStart", "utcEnd", "uid"]}))
        .await;
    let e = &got["list"][0];
    assert_eq!((e["title"].as_str(), e["uid"].as_str()), (Some("Board meeting (moved)"), Some(uid.as_str())), "{e}");
    assert_eq!((e["locations"]["l1"]["name"].as_str(), e["duration"].as_str()), (Some("Annex"), Some("PT1H30M")));
    assert_eq!(e["calendarIds"], json!({cal(&calendar): true}));
    assert_eq!(
        (e["utcStart"].as_str(), e["utcEnd"].as_str()),
        (Some("2026-12-17T19:00:00Z"), Some("2026-12-17T20:30:00Z"))
    );
    assert_eq!(got["notFound"], json!(["ev999999"]));

    // Bad input changes nothing and never fails the call.
    let r = w
        .one(
            &w.ann,
            "CalendarEvent/set",
            json!({"accountId": a, "create": {
                "x": {"calendarIds": {}, "start": "2026-12-01T00:00:00"},
                "y": {"calendarIds": {"cal999999": true}, "start": "2026-12-01T00:00:00"},
                "z": {"calendarIds": {cal(&calendar): true}, "title": "no start"},
                "t": {"@type": "Task", "calendarIds": {cal(&calendar): true}, "start": "2026-12-01T00:00:00"},
                "u": {"calendarIds": {cal(&calendar): true}, "start": "2026-12-01T00:00:00", "titel": "typo"},
                "v": {"calendarIds": {cal(&calendar): true}, "start": "not a date"},
                "w": {"calendarIds": {cal(&calendar): true}, "start": "2026-12-01T00:00:00", "id": "ev1"},
                "h": {"calendarIds": {cal(&calendar): true}, "start": "2026-12-01T00:00:00",
                    "recurrenceRule": {"@type": "RecurrenceRule", "frequency": "yearly", "byHour": (0..24).collect::<Vec<_>>(),
                        "byMinute": (0..60).collect::<Vec<_>>(), "bySecond": (0..60).collect::<Vec<_>>(),
                        "byMonthDay": (1..=31).collect::<Vec<_>>(), "byMonth": (1..=12).map(|m| m.to_string()).collect::<Vec<_>>()}},
            },
            "update": {&id: {"calendarIds": {}}, "ev999999": {"title": null}}, "destroy": ["ev999999", "c1"]}),
        )
        .await;
    for k in ["x", "y", "z", "t", "u", "v", "w", "h"] {
        assert_eq!(r["notCreated"][k]["type"], "invalidProperties", "{k}: {r}");
    }
    assert_eq!(r["notCreated"]["u"]["properties"], json!(["titel"]));
    let again = json!({"accountId": a, "create": {"d": {"calendarIds": {cal(&calendar): true}, "uid": &uid,
        "start": "2026-12-01T00:00:00"}}});
    let dup = w.one(&w.ann, "CalendarEvent/set", again).await;
    assert_eq!(dup["notCreated"]["d"]["properties"], json!(["uid"]), "one uid once in a calendar: {dup}");
    let why = r["notCreated"]["h"]["description"].as_str().unwrap_or_default();
    assert!(
        why.contains("candidates") || why.contains("instances") || why.contains("limit"),
        "refused for its size: {why}"
    );
    assert_eq!(r["notUpdated"][&id]["properties"], json!(["calendarIds"]));
    assert_eq!(
        (r["notUpdated"]["ev999999"]["type"].as_str(), r["notDestroyed"]["c1"]["type"].as_str()),
        (Some("notFound"), Some("notFound"))
    );
    assert_eq!(r["oldState"], r["newState"], "nothing written: {r}");

    // An iCalendar object PUT as CalDAV does shows in /changes and /get.
    let state1 = got["state"].clone();
    w.groupware
        .put(&Actor::new(w.ann.id, Protocol::Dav), &calendar, "dav-weekly-1.ics", ICAL.into(), Condition::default())
        .await
        .unwrap();
    let ch = w.one(&w.ann, "CalendarEvent/changes", json!({"accountId": a, "sinceState": state1})).await;
    let created = ch["created"].as_array().unwrap().clone();
    assert_eq!((created.len(), ch["updated"].clone()), (1, json!([])), "{ch}");
    let g = w.one(&w.ann, "CalendarEvent/get", json!({"accountId": a, "ids": created})).await;
    let e = &g["list"][0];
    assert_eq!((e["title"].as_str(), e["uid"].as_str()), (Some("Team sync"), Some("dav-weekly-1")), "{e}");
    assert_eq!((e["start"].as_str(), e["timeZone"].as_str()), (Some("2026-12-07T09:00:00"), Some("Europe/Paris")));
    assert_eq!(e["recurrenceRule"]["frequency"], "weekly");
    let ch = w.one(&w.ann, "CalendarEvent/changes", json!({"accountId": a, "sinceState": state0})).await;
    assert_eq!(ch["created"].as_array().map(Vec::len), Some(2), "{ch}");

    // Occurrences changed by patching recurrenceOverrides: one excluded, one moved and renamed.
    let weekly = e["id"].as_str().unwrap().to_owned();
    let r = w
        .one(
            &w.ann,
            "CalendarEvent/set",
            json!({"accountId": a, "update": {&weekly: {
                "recurrenceOverrides/2026-12-14T09:00:00": {"excluded": true}}}}),
        )
        .await;
    // RFC 8620 §5.3: every part of a patch's path but the last must exist.
    assert_eq!(r["notUpdated"][&weekly]["type"], "invalidPatch", "{r}");
    let r = w
        .one(
            &w.ann,
            "CalendarEvent/set",
            json!({"accountId": a, "update": {&weekly: {"recurrenceOverrides": {"2026-12-14T09:00:00": {"excluded": true}}}}}),
        )
        .await;
    assert!(updated(&r, &weekly), "{r}");
    let r = w
        .one(
            &w.ann,
            "CalendarEvent/set",
            json!({"accountId": a, "update": {&weekly: {
                "recurrenceOverrides/2026-12-21T09:00:00": {"title": "Team sync (short)", "duration": "PT15M"}}}}),
        )
        .await;
    assert!(updated(&r, &weekly), "{r}");
    let stored = w.groupware.object_named(&Actor::system(w.ann.id), calendar.id, "dav-weekly-1.ics").await.unwrap();
    let text = String::from_utf8(stored.unwrap().content).unwrap();
    assert!(text.contains("EXDATE;TZID=Europe/Paris:20261214T090000"), "{text}");
    assert!(
        text.contains("RECURRENCE-ID;TZID=Europe/Paris:20261221T090000") && text.contains("SUMMARY:Team sync (short)")
    );
    let g = w
        .one(
            &w.ann,
            "CalendarEvent/get",
            json!({"accountId": a, "ids": [&weekly], "properties": ["recurrenceOverrides"]}),
        )
        .await;
    let overrides = &g["list"][0]["recurrenceOverrides"];
    assert_eq!(overrides["2026-12-14T09:00:00"]["excluded"], true, "{g}");
    assert_eq!(overrides["2026-12-21T09:00:00"]["title"], "Team sync (short)");
    // An occurrence moved by its start alone is stored whole (as CalDAV GET returns it) and read
    // back as that patch; the series renamed renames it, not the one with its own title.
    let moved = json!({"recurrenceOverrides/2026-12-28T09:00:00": {"start": "2026-12-28T11:00:00"}, "title": "Team sync (all)"});
    let r = w.one(&w.ann, "CalendarEvent/set", json!({"accountId": a, "update": {&weekly: moved}})).await;
    assert!(updated(&r, &weekly), "{r}");
    let stored = w.groupware.object_named(&Actor::system(w.ann.id), calendar.id, "dav-weekly-1.ics").await.unwrap();
    let text = String::from_utf8(stored.unwrap().content).unwrap();
    let instance = text.split("BEGIN:VEVENT").find(|v| v.contains("RECURRENCE-ID;TZID=Europe/Paris:20261228T090000"));
    let instance = instance.unwrap_or_else(|| panic!("{text}"));
    assert!(
        instance.contains("DTSTART;TZID=Europe/Paris:20261228T110000")
            && instance.contains("SUMMARY:Team sync (all)")
            && instance.contains("DTSTAMP:"),
        "{text}"
    );
    let g = w
        .one(
            &w.ann,
            "CalendarEvent/get",
            json!({"accountId": a, "ids": [&weekly], "properties": ["title", "recurrenceOverrides"]}),
        )
        .await;
    let overrides = &g["list"][0]["recurrenceOverrides"];
    assert_eq!(overrides["2026-12-28T09:00:00"], json!({"start": "2026-12-28T11:00:00"}), "{g}");
    assert_eq!(overrides["2026-12-21T09:00:00"]["title"], "Team sync (short)", "{g}");
    // Only the overrides of a window (recurrence ids in UTC: 09:00 in Paris is 08:00Z).
    let window = json!({"accountId": a, "ids": [&weekly], "properties": ["recurrenceOverrides"],
        "recurrenceOverridesAfter": "2026-12-21T08:00:00Z", "recurrenceOverridesBefore": "2027-01-01T00:00:00Z"});
    let g = w.one(&w.ann, "CalendarEvent/get", window).await;
    let keys: Vec<&String> = g["list"][0]["recurrenceOverrides"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["2026-12-21T09:00:00", "2026-12-28T09:00:00"], "{g}");
    let bad = json!({"accountId": a, "ids": [&weekly], "recurrenceOverridesBefore": "soon"});
    assert_eq!(w.one(&w.ann, "CalendarEvent/get", bad).await["type"], "invalidArguments");

    // A client that read the state before that PUT is refused, not allowed to overwrite.
    let r = w.one(&w.ann, "CalendarEvent/set", json!({"accountId": a, "ifInState": state1, "destroy": [&id]})).await;
    assert_eq!(r["type"], "stateMismatch", "{r}");

    let r = w.one(&w.ann, "CalendarEvent/set", json!({"accountId": a, "destroy": [&id]})).await;
    assert_eq!(r["destroyed"], json!([&id]));
    let ch = w.one(&w.ann, "CalendarEvent/changes", json!({"accountId": a, "sinceState": state1})).await;
    assert_eq!(ch["destroyed"], json!([&id]), "{ch}");
}
on_both_backends!(events_on, events);

/// §5.9 and §5.10: filters (calendars, time range against every occurrence, texts, uid),
/// sorts, a window, queryChanges; an event moved between calendars.
async fn query_and_move(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let default = cal(&w.default_calendar(&w.ann).await);
    let r = w.one(&w.ann, "Calendar/set", json!({"accountId": a, "create": {"k": {"name": "Travel"}}})).await;
    let travel = r["created"]["k"]["id"].as_str().unwrap().to_owned();
    let ev = |title: &str, start: &str| json!({"@type": "Event", "title": title, "start": start, "duration": "PT1H", "timeZone": "Etc/UTC"});
    let lunch = w.event(&w.ann, &default, ev("Lunch with Bo", "2026-12-10T12:00:00")).await;
    let flight = w.event(&w.ann, &travel, ev("Flight to Oslo", "2027-01-05T07:00:00")).await;
    let mut weekly = ev("Standup", "2026-11-02T09:00:00");
    weekly["recurrenceRule"] = json!({"@type": "RecurrenceRule", "frequency": "weekly", "count": 20});
    weekly["description"] = json!("daily sync, bring notes");
    let standup = w.event(&w.ann, &default, weekly).await;

    let q =
        |filter: Value, sort: Value| json!({"accountId": a, "filter": filter, "sort": sort, "calculateTotal": true});
    let ids =
        |r: &Value| r["ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let table: Vec<(Value, Vec<&String>)> = vec![
        (json!({"inCalendars": [&travel]}), vec![&flight]),
        // The weekly series started in November goes on into 2027.
        (json!({"after": "2027-01-01T00:00:00Z"}), vec![&standup, &flight]),
        (json!({"after": "2027-01-01T00:00:00Z", "title": "flight"}), vec![&flight]),
        // The series' occurrences reach into March 2027.
        (json!({"after": "2027-02-01T00:00:00Z", "before": "2027-02-20T00:00:00Z"}), vec![&standup]),
        (json!({"before": "2026-12-01T00:00:00Z"}), vec![&standup]),
        (json!({"title": "LUNCH"}), vec![&lunch]),
        (json!({"text": "notes"}), vec![&standup]),
        (json!({"operator": "NOT", "conditions": [{"inCalendars": [&travel]}]}), vec![&standup, &lunch]),
        (json!({"operator": "OR", "conditions": [{"title": "flight"}, {"title": "lunch"}]}), vec![&lunch, &flight]),
    ];
    for (filter, want) in table {
        let r = w.one(&w.ann, "CalendarEvent/query", q(filter.clone(), json!([{"property": "start"}]))).await;
        assert_eq!(ids(&r), want.into_iter().cloned().collect::<Vec<_>>(), "{filter}: {r}");
        assert_eq!(r["total"].as_u64(), Some(ids(&r).len() as u64));
    }
    let uid = w.one(&w.ann, "CalendarEvent/get", json!({"accountId": a, "ids": [&lunch], "properties": ["uid"]})).await;
    let r = w.one(&w.ann, "CalendarEvent/query", q(json!({"uid": uid["list"][0]["uid"]}), json!([]))).await;
    assert_eq!(ids(&r), vec![lunch.clone()]);
    let r = w
        .one(
            &w.ann,
            "CalendarEvent/query",
            json!({"accountId": a, "sort": [{"property": "start", "isAscending": false}], "anchor": &lunch, "anchorOffset": 0, "limit": 1}),
        )
        .await;
    assert_eq!((ids(&r), r["position"].as_u64()), (vec![lunch.clone()], Some(1)), "{r}");
    for (args, error) in [
        (json!({"filter": {"colour": "red"}}), "unsupportedFilter"),
        (json!({"sort": [{"property": "recurrenceId"}]}), "unsupportedSort"),
        (json!({"expandRecurrences": true}), "invalidArguments"),
        (json!({"filter": {"after": "yesterday"}}), "invalidArguments"),
        // A filter as wide as a request may carry: refused before any event is read.
        (
            json!({"filter": {"operator": "OR", "conditions": vec![json!({"after": "2026-01-01T00:00:00Z"}); 1000]}}),
            "unsupportedFilter",
        ),
        (json!({"anchor": "ev999999"}), "anchorNotFound"),
    ] {
        let mut args = args;
        args["accountId"] = json!(a);
        let r = w.one(&w.ann, "CalendarEvent/query", args.clone()).await;
        assert_eq!(r["type"], error, "{args}: {r}");
    }

    // queryChanges: the event changed since is removed and, still matching, added back.
    let before = w
        .one(&w.ann, "CalendarEvent/query", q(json!({"inCalendars": [&default]}), json!([{"property": "start"}])))
        .await;
    let moved = json!({"accountId": a, "update": {&lunch: {"calendarIds": {&travel: true}}}});
    let r = w.one(&w.ann, "CalendarEvent/set", moved).await;
    assert!(updated(&r, &lunch), "{r}");
    let mut qc = q(json!({"inCalendars": [&travel]}), json!([{"property": "start"}]));
    qc["sinceQueryState"] = before["queryState"].clone();
    let r = w.one(&w.ann, "CalendarEvent/queryChanges", qc).await;
    assert_eq!(
        (r["removed"].clone(), r["added"].clone()),
        (json!([&lunch]), json!([{"id": &lunch, "index": 0}])),
        "{r}"
    );
    let g = w
        .one(&w.ann, "CalendarEvent/get", json!({"accountId": a, "ids": [&lunch], "properties": ["calendarIds"]}))
        .await;
    assert_eq!(g["list"][0]["calendarIds"], json!({&travel: true}), "moved, keeping its id");
}
on_both_backends!(query_and_move_on, query_and_move);

/// A shared calendar: Ann's account appears to Bob with the calendars capability only for what
/// is shared, myRights as granted; writes need write rights; /copy into his own; Ann's other
/// ids are not found for him.
async fn shared(f: Fresh) {
    let w = world(&f).await;
    let (a, b) = (acc(&w.ann), acc(&w.bob));
    let calendar = w.default_calendar(&w.ann).await;
    w.groupware
        .put(&Actor::system(w.ann.id), &calendar, "dav-weekly-1.ics", ICAL.into(), Condition::default())
        .await
        .unwrap();
    let r = w.one(&w.ann, "Calendar/set", json!({"accountId": a, "create": {"p": {"name": "Private"}}})).await;
    let private = r["created"]["p"]["id"].as_str().unwrap().to_owned();
    let secret =
        w.event(&w.ann, &private, json!({"@type": "Event", "title": "Secret", "start": "2026-12-20T10:00:00"})).await;
    let s = w.jmap.session(&w.bob, &Origin("https://mail.test".into())).await;
    let s: Value = serde_json::from_slice(&s.body).unwrap();
    assert!(s["accounts"].get(&a).is_none(), "nothing shared yet: {s}");
    let (id, bob) = (calendar.id, w.bob.id);
    let read = Rights::READ.bits();
    w.groupware.store().write(move |tx| tx.set_grants(id, &[(bob, read)])).await.unwrap();
    let s = w.jmap.session(&w.bob, &Origin("https://mail.test".into())).await;
    let s: Value = serde_json::from_slice(&s.body).unwrap();
    assert_eq!(s["accounts"][&a]["isReadOnly"], true, "{s}");
    assert_eq!(s["accounts"][&a]["accountCapabilities"][CALENDARS]["mayCreateCalendar"], false);
    let r = w.one(&w.bob, "Calendar/get", json!({"accountId": a})).await;
    assert_eq!(r["list"].as_array().map(Vec::len), Some(1), "only the shared one: {r}");
    let rights = &r["list"][0]["myRights"];
    assert_eq!(
        (rights["mayReadItems"].as_bool(), rights["mayWriteAll"].as_bool(), rights["mayDelete"].as_bool()),
        (Some(true), Some(false), Some(false))
    );
    let r = w.one(&w.bob, "Calendar/get", json!({"accountId": a, "ids": [&private]})).await;
    assert_eq!(r["notFound"], json!([&private]));
    let q = w.one(&w.bob, "CalendarEvent/query", json!({"accountId": a})).await;
    let event = q["ids"][0].as_str().unwrap_or_else(|| panic!("{q}")).to_owned();
    assert_eq!(q["ids"].as_array().map(Vec::len), Some(1), "{q}");
    let g = w.one(&w.bob, "CalendarEvent/get", json!({"accountId": a, "ids": [&event, &secret]})).await;
    assert_eq!((g["list"][0]["title"].as_str(), g["notFound"].clone()), (Some("Team sync"), json!([&secret])));
    let r = w
        .one(
            &w.bob,
            "CalendarEvent/set",
            json!({"accountId": a, "update": {&event: {"title": "X"}}, "destroy": [&event],
        "create": {"k": {"@type": "Event", "calendarIds": {cal(&calendar): true}, "start": "2026-12-01T10:00:00"}}}),
        )
        .await;
    assert_eq!(r["notUpdated"][&event]["type"], "forbidden", "{r}");
    assert_eq!(r["notDestroyed"][&event]["type"], "forbidden");
    assert_eq!(r["notCreated"]["k"]["type"], "forbidden");
    let r = w
        .one(
            &w.bob,
            "Calendar/set",
            json!({"accountId": a, "destroy": [cal(&calendar)], "create": {"k": {"name": "Mine"}}}),
        )
        .await;
    assert_eq!(
        (r["notCreated"]["k"]["type"].as_str(), r["notDestroyed"][cal(&calendar)]["type"].as_str()),
        (Some("forbidden"), Some("forbidden"))
    );
    let r = w
        .one(&w.bob, "CalendarEvent/copy", json!({"fromAccountId": a, "accountId": b, "create": {"x": {"id": &event}}}))
        .await;
    let copy = r["created"]["x"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let g = w.one(&w.bob, "CalendarEvent/get", json!({"accountId": b, "ids": [&copy]})).await;
    assert_eq!(
        (g["list"][0]["title"].as_str(), g["list"][0]["uid"].as_str()),
        (Some("Team sync"), Some("dav-weekly-1"))
    );
    let r = w.one(&w.ann, "CalendarEvent/get", json!({"accountId": a, "ids": [&copy]})).await;
    assert_eq!(r["notFound"], json!([copy]), "Bob's ids are not Ann's");
}
on_both_backends!(shared_on, shared);

/// With sendSchedulingMessages (draft-ietf-jmap-calendars CalendarEvent/set) an event with participants is
/// scheduled as a CalDAV PUT's is (RFC 6638 implicit scheduling through `Groupware::put`): Bob,
/// a local attendee, finds it in his calendar, not made there (isOrigin false), needing his
/// action; Ann destroying it cancels his copy. Without it (the default, false) nobody is told.
async fn scheduled(f: Fresh) {
    let w = world(&f).await;
    let (a, b) = (acc(&w.ann), acc(&w.bob));
    let default = cal(&w.default_calendar(&w.ann).await);
    let meeting = json!({
        "@type": "Event", "uid": "jmap-meeting-1", "title": "Design review", "start": "2026-12-18T15:00:00",
        "timeZone": "Europe/Paris", "duration": "PT1H", "organizerCalendarAddress": "mailto:ann@example.com",
        "participants": {
            "ann": {"@type": "Participant", "calendarAddress": "mailto:ann@example.com", "name": "Ann",
                "roles": {"owner": true, "attendee": true}, "participationStatus": "accepted"},
            "bob": {"@type": "Participant", "calendarAddress": "mailto:bob@example.com", "name": "Bob",
                "roles": {"attendee": true}, "participationStatus": "needs-action", "expectReply": true},
        },
    });
    let mut held = meeting.clone();
    held["uid"] = json!("jmap-meeting-0");
    let held = w.event(&w.ann, &default, held).await;
    let q = w.one(&w.bob, "CalendarEvent/query", json!({"accountId": b, "filter": {"uid": "jmap-meeting-0"}})).await;
    assert_eq!(q["ids"], json!([]), "no sendSchedulingMessages: Bob is not invited: {q}");
    let r = w
        .one(&w.ann, "CalendarEvent/set", json!({"accountId": a, "sendSchedulingMessages": false, "destroy": [&held]}))
        .await;
    assert_eq!(r["destroyed"], json!([&held]), "{r}");
    let mut scheduled = meeting.clone();
    scheduled["calendarIds"] = json!({ &default: true });
    let r = w
        .one(
            &w.ann,
            "CalendarEvent/set",
            json!({"accountId": a, "sendSchedulingMessages": true, "create": {"k": scheduled}}),
        )
        .await;
    let id = r["created"]["k"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let q = w.one(&w.bob, "CalendarEvent/query", json!({"accountId": b, "filter": {"uid": "jmap-meeting-1"}})).await;
    let theirs = q["ids"][0].as_str().unwrap_or_else(|| panic!("Bob was invited: {q}")).to_owned();
    let g = w.one(&w.bob, "CalendarEvent/get", json!({"accountId": b, "ids": [&theirs]})).await;
    let e = &g["list"][0];
    assert_eq!((e["title"].as_str(), e["isOrigin"].as_bool()), (Some("Design review"), Some(false)), "{e}");
    let statuses: Vec<&str> =
        e["participants"].as_object().unwrap().values().filter_map(|p| p["participationStatus"].as_str()).collect();
    assert!(statuses.contains(&"needs-action"), "{e}");
    let q = w.one(&w.ann, "CalendarEvent/query", json!({"accountId": a, "filter": {"attendee": "bob@example"}})).await;
    assert_eq!(q["ids"], json!([&id]));
    // reduceParticipants: Bob sees the owner and himself (here every one of the two).
    let reduced = json!({"accountId": b, "ids": [&theirs], "reduceParticipants": true, "properties": ["participants"]});
    let g = w.one(&w.bob, "CalendarEvent/get", reduced).await;
    assert_eq!(g["list"][0]["participants"].as_object().map(|p| p.len()), Some(2), "{g}");
    let reduced = json!({"accountId": a, "ids": [&id], "reduceParticipants": true, "properties": ["participants"]});
    let g = w.one(&w.ann, "CalendarEvent/get", reduced).await;
    let left: Vec<&str> = g["list"][0]["participants"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|p| p["calendarAddress"].as_str())
        .collect();
    assert_eq!(left, ["mailto:ann@example.com"], "Ann, owner, without Bob: {g}");

    // In Ann's calendar shared with him, Bob's own participant is still his.
    let (calendar, bob) = (w.default_calendar(&w.ann).await.id, w.bob.id);
    let read = Rights::READ.bits();
    w.groupware.store().write(move |tx| tx.set_grants(calendar, &[(bob, read)])).await.unwrap();
    let reduced = json!({"accountId": a, "ids": [&id], "reduceParticipants": true, "properties": ["participants"]});
    let g = w.one(&w.bob, "CalendarEvent/get", reduced).await;
    assert_eq!(g["list"][0]["participants"].as_object().map(|p| p.len()), Some(2), "the owner and Bob: {g}");

    // A change without sendSchedulingMessages stays Ann's: Bob's copy keeps the title.
    let r = w.one(&w.ann, "CalendarEvent/set", json!({"accountId": a, "update": {&id: {"title": "Moved"}}})).await;
    assert!(updated(&r, &id), "{r}");
    let g =
        w.one(&w.bob, "CalendarEvent/get", json!({"accountId": b, "ids": [&theirs], "properties": ["title"]})).await;
    assert_eq!(g["list"][0]["title"], "Design review", "{g}");
    let r = w
        .one(&w.ann, "CalendarEvent/set", json!({"accountId": a, "sendSchedulingMessages": "yes", "destroy": [&id]}))
        .await;
    assert_eq!(r["type"], "invalidArguments", "{r}");
    let r = w
        .one(&w.ann, "CalendarEvent/set", json!({"accountId": a, "sendSchedulingMessages": true, "destroy": [&id]}))
        .await;
    assert_eq!(r["destroyed"], json!([&id]), "{r}");
    let q = w.one(&w.bob, "CalendarEvent/query", json!({"accountId": b, "filter": {"uid": "jmap-meeting-1"}})).await;
    assert_eq!(q["ids"], json!([]), "cancelled: {q}");
}
on_both_backends!(scheduled_on, scheduled);

/// draft-ietf-jmap-calendars, Principal/getAvailability: Ann's busy time as Bob sees it —
/// the groupware's free/busy of her default calendar, tentative apart, transparent events not
/// busy, no event shown — and the method's errors.
async fn availability(f: Fresh) {
    let w = world(&f).await;
    let b = acc(&w.bob);
    let default = cal(&w.default_calendar(&w.ann).await);
    let event = |title: &str, start: &str, extra: Value| {
        let mut e =
            json!({"@type": "Event", "title": title, "start": start, "timeZone": "Etc/UTC", "duration": "PT1H"});
        e.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        e
    };
    w.event(&w.ann, &default, event("Review", "2026-12-08T09:00:00", json!({}))).await;
    w.event(&w.ann, &default, event("Overlap", "2026-12-08T09:30:00", json!({}))).await;
    w.event(&w.ann, &default, event("Maybe", "2026-12-09T14:00:00", json!({"status": "tentative"}))).await;
    w.event(&w.ann, &default, event("Free", "2026-12-10T14:00:00", json!({"freeBusyStatus": "free"}))).await;
    w.event(&w.ann, &default, event("Later", "2027-03-01T14:00:00", json!({}))).await;
    let ask = |id: String, start: &str, end: &str| json!({"accountId": b, "id": id, "utcStart": start, "utcEnd": end, "showDetails": true});
    let ann = format!("p{}", w.ann.id.0);
    let r = w
        .one(&w.bob, "Principal/getAvailability", ask(ann.clone(), "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z"))
        .await;
    assert_eq!(
        r["list"],
        json!([
            {"utcStart": "2026-12-08T09:00:00Z", "utcEnd": "2026-12-08T10:30:00Z", "busyStatus": "confirmed", "event": null},
            {"utcStart": "2026-12-09T14:00:00Z", "utcEnd": "2026-12-09T15:00:00Z", "busyStatus": "tentative", "event": null},
        ]),
        "{r}"
    );
    // Cut at the range.
    let r = w
        .one(&w.bob, "Principal/getAvailability", ask(ann.clone(), "2026-12-08T09:15:00Z", "2026-12-08T09:45:00Z"))
        .await;
    assert_eq!(r["list"][0]["utcStart"], "2026-12-08T09:15:00Z", "{r}");
    assert_eq!(r["list"][0]["utcEnd"], "2026-12-08T09:45:00Z");
    // Errors: unknown principal, a range too long, a range backwards, missing arguments.
    let cases = [
        (ask("p999999".into(), "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z"), "notFound"),
        (ask("x".into(), "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z"), "notFound"),
        (ask(ann.clone(), "2026-12-07T00:00:00Z", "2027-06-01T00:00:00Z"), "tooLarge"),
        (ask(ann.clone(), "2026-12-14T00:00:00Z", "2026-12-07T00:00:00Z"), "invalidArguments"),
        (ask(ann.clone(), "yesterday", "2026-12-07T00:00:00Z"), "invalidArguments"),
        (json!({"accountId": b, "id": ann}), "invalidArguments"),
        (
            json!({"accountId": "a999999", "id": ann, "utcStart": "2026-12-07T00:00:00Z", "utcEnd": "2026-12-08T00:00:00Z"}),
            "accountNotFound",
        ),
    ];
    for (args, kind) in cases {
        let r = w.one(&w.bob, "Principal/getAvailability", args.clone()).await;
        assert_eq!(r["type"], kind, "{args}: {r}");
    }
}
on_both_backends!(availability_on, availability);

/// RFC 8620 §7.3: an EventSource following Calendar and CalendarEvent is woken by an event
/// written over CalDAV, with the state CalendarEvent/get then answers.
async fn pushed(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let mut once = w.jmap.event_source(&w.ann, "types=Calendar,CalendarEvent&closeafter=state&ping=0").await.unwrap();
    let waiting = tokio::spawn(async move { once.next().await.map(|e| String::from_utf8(e).unwrap()) });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let calendar = w.default_calendar(&w.ann).await;
    w.groupware
        .put(&Actor::new(w.ann.id, Protocol::Dav), &calendar, "dav-weekly-1.ics", ICAL.into(), Condition::default())
        .await
        .unwrap();
    let event = tokio::time::timeout(std::time::Duration::from_secs(10), waiting).await.unwrap().unwrap().unwrap();
    let data: Value = serde_json::from_str(event.strip_prefix("event: state\ndata: ").unwrap().trim()).unwrap();
    let state = w.one(&w.ann, "CalendarEvent/get", json!({"accountId": a, "ids": []})).await["state"].clone();
    assert_eq!(data["changed"][&a], json!({"Calendar": state, "CalendarEvent": state}), "{data}");
}
on_both_backends!(pushed_on, pushed);

/// RFC 8620 §5.1: CalendarEvent/get with `ids` null answers every event only while they are
/// at most maxObjectsInGet; past it, requestTooLarge instead of an unbounded read.
async fn get_all_is_bounded(f: Fresh) {
    let (mailer, ann, bob) = common::ann_and_bob(&f).await;
    let config = JmapConfig { max_objects_in_get: 2, ..JmapConfig::default() };
    let w = World { jmap: Jmap::new(mailer, config), groupware: Groupware::new(f.store.clone()), ann, bob };
    let calendar = cal(&w.default_calendar(&w.ann).await);
    let a = acc(&w.ann);
    for i in 0..3 {
        let start = format!("2026-12-0{}T10:00:00", i + 1);
        w.event(&w.ann, &calendar, json!({"@type": "Event", "title": format!("E{i}"), "start": start})).await;
        let r = w.one(&w.ann, "CalendarEvent/get", json!({"accountId": a, "ids": null})).await;
        if i < 2 {
            assert_eq!(r["list"].as_array().map(Vec::len), Some(i + 1), "{r}");
        } else {
            assert_eq!(r["type"], "requestTooLarge", "{r}");
        }
    }
}
on_both_backends!(get_all_is_bounded_on, get_all_is_bounded);
