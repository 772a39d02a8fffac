//! Transcripts of JMAP for Task Lists (draft-ietf-jmap-tasks) on both backends: the capability
//! in the session and on each account, TaskList/get, /changes and /set, Task/set (create,
//! patch, complete, move, destroy), /get, /changes, /query with its filters and sorts,
//! /queryChanges; a task made over JMAP read as CalDAV and ActiveSync read it (the stored
//! VTODO) and one written as CalDAV writes it seen over JMAP; a change made meanwhile refused;
//! hostile input (bad dates, huge strings, another account's ids) refused with the standard
//! errors; what a sharee sees and may do; Task/copy from a shared list.

mod common;

use relais_directory::access::{Actor, Rights};
use relais_groupware::task::TaskFields;
use relais_groupware::{Condition, Groupware};
use relais_jmap::{Jmap, JmapConfig, Origin};
use relais_store::{Collection, CollectionKind, Principal};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::{Value, json};

const USING: [&str; 2] = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:tasks"];
const TASKS: &str = "urn:ietf:params:jmap:tasks";

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

    /// `who`'s default task list, as the store has it.
    async fn default_list(&self, who: &Principal) -> Collection {
        let a = who.id;
        let c = self.groupware.store().read(move |r| r.collection_by_role(a, CollectionKind::TaskList, "default"));
        c.await.unwrap().unwrap()
    }

    /// Creates one task in `list` of `who`'s account and answers its id.
    async fn task(&self, who: &Principal, list: &str, task: Value) -> String {
        let mut t = task;
        t["taskListId"] = json!(list);
        let r = self.one(who, "Task/set", json!({"accountId": acc(who), "create": {"k": t}})).await;
        r["created"]["k"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
    }

    /// The stored text of the task `name` in `list`, as CalDAV serves it.
    async fn stored(&self, who: &Principal, list: &Collection, name: &str) -> String {
        let o = self.groupware.object_named(&Actor::system(who.id), list.id, name).await.unwrap();
        String::from_utf8(o.unwrap_or_else(|| panic!("{name} stored")).content).unwrap()
    }
}

fn updated(r: &Value, id: &str) -> bool {
    r["updated"].as_object().is_some_and(|m| m.get(id) == Some(&Value::Null))
}

fn acc(p: &Principal) -> String {
    format!("a{}", p.id.0)
}

fn tl(c: &Collection) -> String {
    format!("tl{}", c.id.0)
}

/// A task as a CalDAV client (or ActiveSync, through `TaskFields`) writes it.
const VTODO: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//dav//client//EN\r\nBEGIN:VTODO\r\n\
UID:dav-task-1\r\nDTSTAMP:20261201T080000Z\r\nSUMMARY:Renew passport\r\nDESCRIPTION:before the trip\r\n\
DUE;VALUE=DATE:20261215\r\nPRIORITY:1\r\nSTATUS:NEEDS-ACTION\r\nCATEGORIES:Admin\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";

/// §1.4 and §2: the capability, the default task list, TaskList/set and /changes.
async fn capability_and_task_lists(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let s = w.jmap.session(&w.ann, &Origin("https://mail.test".into())).await;
    let s: Value = serde_json::from_slice(&s.body).unwrap();
    assert_eq!((s["capabilities"][TASKS].clone(), s["primaryAccounts"][TASKS].clone()), (json!({}), json!(a)));
    let cap = &s["accounts"][&a]["accountCapabilities"][TASKS];
    assert_eq!((cap["maxTaskListsPerTask"].as_u64(), cap["mayCreateTaskList"].as_bool()), (Some(1), Some(true)));
    let r = w.one(&w.ann, "TaskList/get", json!({"accountId": a, "ids": null})).await;
    let list = r["list"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{r}");
    let l = &list[0];
    assert_eq!(
        (l["name"].as_str(), l["role"].as_str(), l["isSubscribed"].as_bool()),
        (Some("Tasks"), Some("inbox"), Some(true))
    );
    assert_eq!(l["myRights"]["mayWriteAll"], true);
    let default = l["id"].as_str().unwrap().to_owned();
    let r = w.one(&w.ann, "TaskList/get", json!({"accountId": a, "ids": ["tl99999", "cal1", "x"]})).await;
    assert_eq!(r["notFound"], json!(["tl99999", "cal1", "x"]));
    let r = w.one(&w.ann, "TaskList/get", json!({"accountId": acc(&w.bob)})).await;
    assert_eq!(r["type"], "accountNotFound");
    let body = json!({"using": ["urn:ietf:params:jmap:core"], "methodCalls": [["Task/get", {"accountId": a}, "0"]]});
    let r: Value = serde_json::from_slice(&w.jmap.api(&w.ann, body.to_string().as_bytes()).await.body).unwrap();
    assert_eq!(r["methodResponses"][0][1]["type"], "unknownMethod");

    let before = r["sessionState"].clone();
    assert!(before.is_string());
    let state = w.one(&w.ann, "TaskList/get", json!({"accountId": a, "ids": []})).await["state"].clone();
    let r = w
        .call(
            &w.ann,
            json!([
                ["TaskList/set", {"accountId": a, "create": {"k1": {"name": "Home", "color": "#3a87ad", "sortOrder": 3}}}, "0"],
                ["Task/set", {"accountId": a, "create": {"t1": {"taskListId": "#k1", "title": "Paint the fence"}}}, "1"],
            ]),
        )
        .await;
    let home = r[0][1]["created"]["k1"]["id"].as_str().unwrap_or_else(|| panic!("{r:?}")).to_owned();
    assert!(r[0][1]["created"]["k1"]["role"].is_null(), "{r:?}");
    assert!(r[1][1]["created"]["t1"]["id"].is_string(), "{}", r[1][1]);
    let bad = w
        .one(
            &w.ann,
            "TaskList/set",
            json!({"accountId": a, "create": {"k": {"name": ""}, "l": {"name": "x".repeat(256)}, "m": {"name": "M", "role": "inbox"},
                "n": {"name": "N", "includeInAvailability": "all"}, "o": {"name": "O", "myRights": {}}},
            "update": {&default: {"role": null}}}),
        )
        .await;
    for (k, property) in [("l", "name"), ("m", "role"), ("n", "includeInAvailability"), ("o", "myRights")] {
        assert_eq!(bad["notCreated"][k]["properties"], json!([property]), "{k}: {bad}");
    }
    assert_eq!(bad["notCreated"]["k"]["type"], "invalidProperties");
    assert_eq!(bad["notUpdated"][&default]["properties"], json!(["role"]));
    assert_eq!(bad["oldState"], bad["newState"], "nothing written");
    let r = w
        .one(
            &w.ann,
            "TaskList/set",
            json!({"accountId": a, "update": {&home: {"name": "House", "isVisible": false, "role": null}}}),
        )
        .await;
    assert!(updated(&r, &home), "{r}");
    let g = w
        .one(&w.ann, "TaskList/get", json!({"accountId": a, "ids": [&home], "properties": ["name", "isVisible"]}))
        .await;
    assert_eq!(g["list"][0], json!({"id": &home, "name": "House", "isVisible": false}));
    let ch = w.one(&w.ann, "TaskList/changes", json!({"accountId": a, "sinceState": state})).await;
    assert_eq!(ch["created"], json!([&home]), "{ch}");
    let r = w.one(&w.ann, "TaskList/set", json!({"accountId": a, "destroy": [&home, &default]})).await;
    assert_eq!(r["notDestroyed"][&home]["type"], "taskListHasTask", "{r}");
    assert_eq!(r["notDestroyed"][&default]["type"], "forbidden", "the default list stays: {r}");
    let r =
        w.one(&w.ann, "TaskList/set", json!({"accountId": a, "destroy": [&home], "onDestroyRemoveTasks": true})).await;
    assert_eq!(r["destroyed"], json!([&home]), "{r}");
    let ch = w.one(&w.ann, "TaskList/changes", json!({"accountId": a, "sinceState": ch["newState"]})).await;
    assert_eq!(ch["destroyed"], json!([&home]), "{ch}");
}
on_both_backends!(capability_and_task_lists_on, capability_and_task_lists);

/// A task made over JMAP is the VTODO CalDAV serves and ActiveSync reads; one written over
/// CalDAV is a Task over JMAP; completing, moving and destroying; /changes between; a client
/// that read an older state is refused.
async fn tasks_across_protocols(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let list = w.default_list(&w.ann).await;
    let state0 = w.one(&w.ann, "Task/get", json!({"accountId": a, "ids": []})).await["state"].clone();
    let created = w
        .one(
            &w.ann,
            "Task/set",
            json!({"accountId": a, "create": {"k": {"@type": "Task", "uid": "jmap-task-1", "taskListId": tl(&list),
                "title": "File taxes", "description": "all of them", "start": "2026-12-01T09:00:00",
                "due": "2026-12-20T17:00:00", "timeZone": "Europe/Paris", "estimatedDuration": "PT3H",
                "priority": 1, "percentComplete": 10, "progress": "in-process", "keywords": {"home": true},
                "recurrenceRule": {"@type": "RecurrenceRule", "frequency": "yearly"},
                "alerts": {"a1": {"@type": "Alert", "trigger": {"@type": "OffsetTrigger", "offset": "-PT1H", "relativeTo": "end"}}}}}}),
        )
        .await;
    let made = &created["created"]["k"];
    let id = made["id"].as_str().unwrap_or_else(|| panic!("{created}")).to_owned();
    assert_eq!((made["isDraft"].as_bool(), made.get("uid")), (Some(false), None), "{made}");
    // CalDAV's view: the stored object; ActiveSync's: its fields.
    let text = w.stored(&w.ann, &list, "jmap-task-1.ics").await;
    assert!(text.contains("BEGIN:VTODO") && text.contains("SUMMARY:File taxes"), "{text}");
    assert!(text.contains("DUE;TZID=Europe/Paris:20261220T170000") && text.contains("STATUS:IN-PROCESS"), "{text}");
    assert!(text.contains("BEGIN:VALARM") && text.contains("RRULE:FREQ=YEARLY"), "{text}");
    let fields = TaskFields::from_ical(&text).unwrap();
    let due = relais_civil::unix_time(2026, 12, 20, 16 * 3600);
    assert_eq!((fields.subject.as_deref(), fields.body.as_deref()), (Some("File taxes"), Some("all of them")));
    assert_eq!((fields.due.map(|d| d.utc), fields.complete, fields.reminder), (Some(due), false, Some(due - 3600)));
    let g = w.one(&w.ann, "Task/get", json!({"accountId": a, "ids": [&id], "properties": ["title", "due", "utcDue", "progress", "taskListId", "estimatedDuration", "keywords"]})).await;
    let t = &g["list"][0];
    assert_eq!(
        (t["title"].as_str(), t["due"].as_str(), t["utcDue"].as_str(), t["progress"].as_str()),
        (Some("File taxes"), Some("2026-12-20T17:00:00"), Some("2026-12-20T16:00:00Z"), Some("in-process")),
        "{g}"
    );
    assert_eq!((t["taskListId"].as_str(), t["estimatedDuration"].as_str()), (Some(tl(&list).as_str()), Some("PT3H")));
    assert_eq!(t["keywords"], json!({"home": true}));
    assert!(t.get("description").is_none(), "only the properties asked: {t}");

    // Written as CalDAV writes it, read over JMAP.
    w.groupware
        .put(&Actor::system(w.ann.id), &list, "dav-task-1.ics", VTODO.into(), Condition::default())
        .await
        .unwrap();
    let ch = w.one(&w.ann, "Task/changes", json!({"accountId": a, "sinceState": state0})).await;
    let dav: String = ch["created"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|i| *i != id)
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("{ch}"));
    assert_eq!(ch["created"].as_array().map(Vec::len), Some(2), "{ch}");
    let g = w.one(&w.ann, "Task/get", json!({"accountId": a, "ids": [&dav]})).await;
    let t = &g["list"][0];
    assert_eq!(
        (t["@type"].as_str(), t["title"].as_str(), t["uid"].as_str()),
        (Some("Task"), Some("Renew passport"), Some("dav-task-1")),
        "{t}"
    );
    assert_eq!((t["progress"].as_str(), t["priority"].as_i64()), (Some("needs-action"), Some(1)));
    let state1 = g["state"].clone();

    // Completed over JMAP: ActiveSync reads it complete, CalDAV keeps what JMAP does not map.
    let r = w
        .one(
            &w.ann,
            "Task/set",
            json!({"accountId": a, "update": {&dav: {"progress": "completed", "percentComplete": 100}}}),
        )
        .await;
    assert!(updated(&r, &dav), "{r}");
    let text = w.stored(&w.ann, &list, "dav-task-1.ics").await;
    assert!(TaskFields::from_ical(&text).unwrap().complete, "{text}");
    assert!(text.contains("CATEGORIES:Admin") || text.contains("CATEGORIES"), "{text}");
    let q = w.one(&w.ann, "Task/query", json!({"accountId": a, "filter": {"isCompleted": true}})).await;
    assert_eq!(q["ids"], json!([&dav]), "{q}");
    // A client that read the state before that change is refused.
    let r = w.one(&w.ann, "Task/set", json!({"accountId": a, "ifInState": state1, "destroy": [&id]})).await;
    assert_eq!(r["type"], "stateMismatch", "{r}");
    // Undone, then destroyed; CalDAV no longer finds it.
    let r = w
        .one(
            &w.ann,
            "Task/set",
            json!({"accountId": a, "update": {&dav: {"progress": "needs-action", "percentComplete": null}}}),
        )
        .await;
    assert!(updated(&r, &dav), "{r}");
    assert!(!TaskFields::from_ical(&w.stored(&w.ann, &list, "dav-task-1.ics").await).unwrap().complete);
    let r = w.one(&w.ann, "Task/set", json!({"accountId": a, "destroy": [&dav]})).await;
    assert_eq!(r["destroyed"], json!([&dav]), "{r}");
    let gone = w.groupware.object_named(&Actor::system(w.ann.id), list.id, "dav-task-1.ics").await.unwrap();
    assert!(gone.is_none());
    let ch = w.one(&w.ann, "Task/changes", json!({"accountId": a, "sinceState": state1})).await;
    assert_eq!(ch["destroyed"], json!([&dav]), "{ch}");
}
on_both_backends!(tasks_across_protocols_on, tasks_across_protocols);

/// Task/query: filters (lists, due before/after, progress, completion, texts, uid), sorts
/// (due with the undated last, title), a move between lists and queryChanges.
async fn query_and_move(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let default = tl(&w.default_list(&w.ann).await);
    let r = w.one(&w.ann, "TaskList/set", json!({"accountId": a, "create": {"k": {"name": "Work"}}})).await;
    let work = r["created"]["k"]["id"].as_str().unwrap().to_owned();
    let task = |title: &str, due: Option<&str>| {
        let mut t = json!({"@type": "Task", "title": title, "timeZone": "Etc/UTC"});
        if let Some(d) = due {
            t["due"] = json!(d);
        }
        t
    };
    let milk = w.task(&w.ann, &default, task("Buy milk", Some("2026-12-08T18:00:00"))).await;
    let report = w.task(&w.ann, &work, task("Quarterly report", Some("2027-01-10T12:00:00"))).await;
    let mut someday = task("Learn the cello", None);
    someday["description"] = json!("someday, maybe");
    let cello = w.task(&w.ann, &default, someday).await;
    let mut done = task("Book flights", Some("2026-12-01T09:00:00"));
    done["progress"] = json!("completed");
    let flights = w.task(&w.ann, &work, done).await;

    let ids = |r: &Value| {
        r["ids"]
            .as_array()
            .unwrap_or_else(|| panic!("{r}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let by_due = json!([{"property": "due"}]);
    let table: Vec<(Value, Vec<&String>)> = vec![
        (json!({}), vec![&flights, &milk, &report, &cello]),
        (json!({"inTaskLists": [&work]}), vec![&flights, &report]),
        (json!({"before": "2026-12-31T00:00:00Z"}), vec![&flights, &milk]),
        (json!({"after": "2026-12-05T00:00:00Z"}), vec![&milk, &report]),
        (json!({"isCompleted": false}), vec![&milk, &report, &cello]),
        (json!({"progress": "completed"}), vec![&flights]),
        (json!({"title": "MILK"}), vec![&milk]),
        (json!({"text": "maybe"}), vec![&cello]),
        (json!({"description": "milk"}), vec![]),
        (json!({"operator": "NOT", "conditions": [{"inTaskLists": [&work]}]}), vec![&milk, &cello]),
    ];
    for (filter, want) in table {
        let r = w
            .one(
                &w.ann,
                "Task/query",
                json!({"accountId": a, "filter": filter, "sort": by_due, "calculateTotal": true}),
            )
            .await;
        assert_eq!(ids(&r), want.into_iter().cloned().collect::<Vec<_>>(), "{filter}: {r}");
        assert_eq!(r["total"].as_u64(), Some(ids(&r).len() as u64));
    }
    let r =
        w.one(&w.ann, "Task/query", json!({"accountId": a, "sort": [{"property": "due", "isAscending": false}]})).await;
    assert_eq!(ids(&r), [report.clone(), milk.clone(), flights.clone(), cello.clone()], "undated last both ways");
    let r = w
        .one(&w.ann, "Task/query", json!({"accountId": a, "sort": [{"property": "title"}], "position": 1, "limit": 2}))
        .await;
    assert_eq!((ids(&r), r["position"].as_u64()), (vec![milk.clone(), cello.clone()], Some(1)), "{r}");
    for (args, error) in [
        (json!({"filter": {"colour": "red"}}), "unsupportedFilter"),
        (json!({"filter": {"progress": "done"}}), "invalidArguments"),
        (json!({"filter": {"isCompleted": "yes"}}), "invalidArguments"),
        (json!({"filter": {"before": "tomorrow"}}), "invalidArguments"),
        (json!({"filter": {"inTaskLists": "tl1"}}), "invalidArguments"),
        (json!({"sort": [{"property": "size"}]}), "unsupportedSort"),
        (json!({"expandRecurrences": true}), "invalidArguments"),
        (json!({"filter": {"operator": "OR", "conditions": vec![json!({"title": "x"}); 1000]}}), "unsupportedFilter"),
        (json!({"anchor": "tk999999"}), "anchorNotFound"),
    ] {
        let mut args = args;
        args["accountId"] = json!(a);
        let r = w.one(&w.ann, "Task/query", args.clone()).await;
        assert_eq!(r["type"], error, "{args}: {r}");
    }

    let before = w
        .one(&w.ann, "Task/query", json!({"accountId": a, "filter": {"inTaskLists": [&default]}, "sort": by_due}))
        .await;
    let r = w.one(&w.ann, "Task/set", json!({"accountId": a, "update": {&milk: {"taskListId": &work}}})).await;
    assert!(updated(&r, &milk), "{r}");
    let qc = json!({"accountId": a, "filter": {"inTaskLists": [&work]}, "sort": by_due, "sinceQueryState": before["queryState"]});
    let r = w.one(&w.ann, "Task/queryChanges", qc).await;
    assert_eq!((r["removed"].clone(), r["added"].clone()), (json!([&milk]), json!([{"id": &milk, "index": 1}])), "{r}");
    let g = w.one(&w.ann, "Task/get", json!({"accountId": a, "ids": [&milk], "properties": ["taskListId"]})).await;
    assert_eq!(g["list"][0]["taskListId"], json!(&work), "moved, keeping its id");
}
on_both_backends!(query_and_move_on, query_and_move);

/// Hostile input: bad dates and types, huge strings, server-set properties, another account's
/// ids and task lists — each refused with its standard error, nothing written.
async fn hostile(f: Fresh) {
    let w = world(&f).await;
    let (a, b) = (acc(&w.ann), acc(&w.bob));
    let list = tl(&w.default_list(&w.ann).await);
    let bobs_list = tl(&w.default_list(&w.bob).await);
    let mine = w.task(&w.ann, &list, json!({"title": "Mine"})).await;
    let bobs = w.task(&w.bob, &bobs_list, json!({"title": "His"})).await;
    let t = |extra: Value| {
        let mut t = json!({"@type": "Task", "title": "x", "taskListId": &list});
        for (k, v) in extra.as_object().unwrap() {
            t[k] = v.clone();
        }
        t
    };
    let cases = [
        ("due", t(json!({"due": "next Tuesday"}))),
        ("due", t(json!({"due": "2026-13-40T99:00:00"}))),
        ("due", t(json!({"due": 20261220}))),
        ("start", t(json!({"start": "2026-12-01"}))),
        ("estimatedDuration", t(json!({"estimatedDuration": "three hours"}))),
        ("progressUpdated", t(json!({"progressUpdated": "2026-12-01T00:00:00"}))),
        ("percentComplete", t(json!({"percentComplete": "most"}))),
        ("title", t(json!({"title": ["x"]}))),
        ("colour", t(json!({"colour": "red"}))),
        ("taskListId", t(json!({"taskListId": &bobs_list}))),
        ("taskListId", t(json!({"taskListId": "cal1"}))),
        ("isDraft", t(json!({"isDraft": true}))),
        ("id", t(json!({"id": "tk1"}))),
        ("utcDue", t(json!({"utcDue": "2026-12-01T00:00:00Z"}))),
    ];
    let create: serde_json::Map<String, Value> =
        cases.iter().enumerate().map(|(i, (_, v))| (format!("k{i}"), v.clone())).collect();
    let r = w.one(&w.ann, "Task/set", json!({"accountId": a, "create": create})).await;
    for (i, (property, _)) in cases.iter().enumerate() {
        let e = &r["notCreated"][format!("k{i}")];
        assert_eq!(e["type"], "invalidProperties", "{property}: {r}");
        if e["properties"].is_array() {
            assert_eq!(e["properties"], json!([property]), "{property}: {e}");
        }
    }
    assert_eq!((r["created"].clone(), r["oldState"].clone()), (json!({}), r["newState"].clone()), "nothing written");
    // A title of 2 MB (within the request's 10 MB) is too large for one task.
    let r = w
        .one(&w.ann, "Task/set", json!({"accountId": a, "create": {"big": t(json!({"title": "x".repeat(2 << 20)}))}}))
        .await;
    assert_eq!(
        r["notCreated"]["big"]["type"],
        "invalidProperties",
        "{}",
        &r.to_string()[..200.min(r.to_string().len())]
    );
    // Another account's ids are not found in one's own; another account is not reached.
    let r = w.one(&w.ann, "Task/get", json!({"accountId": a, "ids": [&bobs, "tk", "ev1", &mine]})).await;
    assert_eq!((r["notFound"].clone(), r["list"].as_array().map(Vec::len)), (json!([&bobs, "tk", "ev1"]), Some(1)));
    let r = w
        .one(&w.ann, "Task/set", json!({"accountId": a, "update": {&bobs: {"title": "Mine now"}}, "destroy": [&bobs]}))
        .await;
    assert_eq!(
        (r["notUpdated"][&bobs]["type"].as_str(), r["notDestroyed"][&bobs]["type"].as_str()),
        (Some("notFound"), Some("notFound"))
    );
    for name in ["Task/get", "Task/set", "Task/query", "TaskList/get", "TaskList/set"] {
        let r = w.one(&w.ann, name, json!({"accountId": &b, "destroy": [&bobs]})).await;
        assert_eq!(r["type"], "accountNotFound", "{name}: {r}");
    }
    let g = w.one(&w.bob, "Task/get", json!({"accountId": b, "ids": [&bobs]})).await;
    assert_eq!(g["list"][0]["title"], "His", "untouched");
    // Server-set and immutable properties are not patched; a patch into a missing object fails.
    for (patch, error) in [
        (json!({"uid": "other"}), "invalidProperties"),
        (json!({"utcStart": "2026-12-01T00:00:00Z"}), "invalidProperties"),
        (json!({"@type": "Event"}), "invalidProperties"),
        (json!({"due": "soon"}), "invalidProperties"),
        (json!({"alerts/a1/trigger": {}}), "invalidPatch"),
        (json!({"taskListId": null}), "invalidProperties"),
    ] {
        let r = w.one(&w.ann, "Task/set", json!({"accountId": a, "update": {&mine: patch.clone()}})).await;
        assert_eq!(r["notUpdated"][&mine]["type"], error, "{patch}: {r}");
    }
    // maxObjectsInSet bounds one call.
    let many: serde_json::Map<String, Value> = (0..501).map(|i| (format!("k{i}"), json!({"title": "x"}))).collect();
    let r = w.one(&w.ann, "Task/set", json!({"accountId": a, "create": many})).await;
    assert_eq!(r["type"], "requestTooLarge");
}
on_both_backends!(hostile_on, hostile);

/// A shared task list: Ann's account appears to Bob with the tasks capability for what is
/// shared, myRights as granted; writes need write rights; her other list's tasks are not found.
async fn shared(f: Fresh) {
    let w = world(&f).await;
    let a = acc(&w.ann);
    let list = w.default_list(&w.ann).await;
    let shown = w.task(&w.ann, &tl(&list), json!({"title": "Water the plants"})).await;
    let r = w.one(&w.ann, "TaskList/set", json!({"accountId": a, "create": {"p": {"name": "Private"}}})).await;
    let private = r["created"]["p"]["id"].as_str().unwrap().to_owned();
    let secret = w.task(&w.ann, &private, json!({"title": "Secret"})).await;
    let (id, bob, read) = (list.id, w.bob.id, Rights::READ.bits());
    w.groupware.store().write(move |tx| tx.set_grants(id, &[(bob, read)])).await.unwrap();
    let s = w.jmap.session(&w.bob, &Origin("https://mail.test".into())).await;
    let s: Value = serde_json::from_slice(&s.body).unwrap();
    assert_eq!(s["accounts"][&a]["isReadOnly"], true, "{s}");
    assert_eq!(s["accounts"][&a]["accountCapabilities"][TASKS]["mayCreateTaskList"], false);
    let r = w.one(&w.bob, "TaskList/get", json!({"accountId": a})).await;
    assert_eq!(r["list"].as_array().map(Vec::len), Some(1), "only the shared one: {r}");
    assert_eq!(
        (r["list"][0]["myRights"]["mayReadItems"].as_bool(), r["list"][0]["myRights"]["mayWriteAll"].as_bool()),
        (Some(true), Some(false))
    );
    let q = w.one(&w.bob, "Task/query", json!({"accountId": a})).await;
    assert_eq!(q["ids"], json!([&shown]), "{q}");
    let g = w.one(&w.bob, "Task/get", json!({"accountId": a, "ids": [&shown, &secret]})).await;
    assert_eq!((g["list"][0]["title"].as_str(), g["notFound"].clone()), (Some("Water the plants"), json!([&secret])));
    let r = w
        .one(
            &w.bob,
            "Task/set",
            json!({"accountId": a, "update": {&shown: {"progress": "completed"}}, "destroy": [&shown],
                "create": {"k": {"title": "Sneaky", "taskListId": tl(&list)}}}),
        )
        .await;
    assert_eq!(r["notUpdated"][&shown]["type"], "forbidden", "{r}");
    assert_eq!(
        (r["notDestroyed"][&shown]["type"].as_str(), r["notCreated"]["k"]["type"].as_str()),
        (Some("forbidden"), Some("forbidden"))
    );
    let r = w.one(&w.bob, "Task/changes", json!({"accountId": a, "sinceState": "0"})).await;
    let created = r["created"].as_array().cloned().unwrap_or_default();
    assert!(!created.contains(&json!(&secret)), "the private list's tasks are not named: {r}");
}
on_both_backends!(shared_on, shared);

/// Task/copy (RFC 8620 §5.4): a task Bob reads in Ann's shared list made in his own account —
/// uid kept (so not twice in one list), properties given over it, his default list unless one
/// is named —; the copy is
/// his, not hers; with onSuccessDestroyOriginal the original goes, which his read-only grant
/// refuses; an id he cannot read, or copying within one account, is refused.
async fn copy(f: Fresh) {
    let w = world(&f).await;
    let (a, b) = (acc(&w.ann), acc(&w.bob));
    let list = w.default_list(&w.ann).await;
    let shown = w.task(&w.ann, &tl(&list), json!({"title": "Water the plants", "priority": 3})).await;
    let r = w.one(&w.ann, "TaskList/set", json!({"accountId": a, "create": {"p": {"name": "Private"}}})).await;
    let private = r["created"]["p"]["id"].as_str().unwrap().to_owned();
    let secret = w.task(&w.ann, &private, json!({"title": "Secret"})).await;
    let (id, bob, read) = (list.id, w.bob.id, Rights::READ.bits());
    w.groupware.store().write(move |tx| tx.set_grants(id, &[(bob, read)])).await.unwrap();
    let bob_list = tl(&w.default_list(&w.bob).await);

    let copy = |create: Value, extra: Value| {
        let mut args = json!({"fromAccountId": a, "accountId": b, "create": create});
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            args[k] = v;
        }
        w.one(&w.bob, "Task/copy", args)
    };
    let r =
        copy(json!({"x": {"id": &shown, "title": "Water the plants (mine)"}, "y": {"id": &secret}}), json!({})).await;
    assert_eq!(r["fromAccountId"], json!(&a), "{r}");
    let made = r["created"]["x"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    assert_eq!(r["notCreated"]["y"]["type"], "notFound", "{r}");
    let g = w.one(&w.bob, "Task/get", json!({"accountId": b, "ids": [&made]})).await;
    let t = &g["list"][0];
    assert_eq!(
        (t["title"].as_str(), t["priority"].as_i64(), t["taskListId"].as_str()),
        (Some("Water the plants (mine)"), Some(3), Some(bob_list.as_str())),
        "{g}"
    );
    let original = w.one(&w.ann, "Task/get", json!({"accountId": a, "ids": [&shown]})).await;
    assert_eq!(t["uid"], original["list"][0]["uid"], "the uid is kept");
    let r = w.one(&w.ann, "Task/get", json!({"accountId": a, "ids": [&made]})).await;
    assert_eq!(r["notFound"], json!([&made]), "Bob's copy is not Ann's");

    // The same uid again in the same list is refused; in another list of his it is made.
    let r = copy(json!({"x": {"id": &shown}}), json!({})).await;
    assert_eq!(r["notCreated"]["x"]["properties"], json!(["uid"]), "{r}");
    let r = w.one(&w.bob, "TaskList/set", json!({"accountId": b, "create": {"e": {"name": "Elsewhere"}}})).await;
    let elsewhere = r["created"]["e"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();

    // onSuccessDestroyOriginal: the implicit Task/set answers after the copy; Bob may not
    // destroy Ann's task.
    let body = json!({"using": USING, "methodCalls": [["Task/copy", {"fromAccountId": a, "accountId": b,
        "create": {"z": {"id": &shown, "taskListId": &elsewhere}}, "onSuccessDestroyOriginal": true}, "c"]]});
    let reply = w.jmap.api(&w.bob, body.to_string().as_bytes()).await;
    let v: Value = serde_json::from_slice(&reply.body).unwrap();
    let calls = v["methodResponses"].as_array().unwrap();
    assert_eq!(calls.len(), 2, "{v}");
    assert_eq!((calls[0][0].as_str(), calls[1][0].as_str()), (Some("Task/copy"), Some("Task/set")), "{v}");
    assert!(calls[0][1]["created"]["z"]["id"].is_string(), "{v}");
    assert_eq!(calls[1][1]["notDestroyed"][&shown]["type"], "forbidden", "{v}");

    let r =
        w.one(&w.ann, "Task/copy", json!({"fromAccountId": a, "accountId": a, "create": {"x": {"id": &shown}}})).await;
    assert_eq!(r["type"], "invalidArguments", "{r}");
    let r = copy(json!({"x": {"title": "no id"}}), json!({})).await;
    assert_eq!(r["notCreated"]["x"]["type"], "invalidProperties", "{r}");
}
on_both_backends!(copy_on, copy);
