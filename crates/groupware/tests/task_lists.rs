//! Task lists and tasks as JMAP for Task Lists sees them (`relais_groupware::task_list`), on
//! both backends: which task-list collections count (not one of journals only), which objects
//! are tasks, what a sharee sees and may do, task lists made, changed, subscribed and deleted
//! only when empty unless asked, and a JSCalendar Task stored as the VTODO that CalDAV and
//! ActiveSync read (`task::TaskFields`).

use relais_directory::access::{Actor, Protocol, Rights};
use relais_groupware::jscalendar::{from_jstask, to_jscalendar};
use relais_groupware::task::TaskFields;
use relais_groupware::task_list::{Removal, sharing_accounts, task_ids, task_lists, task_name};
use relais_groupware::{CalendarObject, CollectionProps, Condition, Error, Groupware};
use relais_store::{AccountId, Collection, CollectionKind, NewCollection};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::json;

fn todo(uid: &str) -> Vec<u8> {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VTODO\r\nUID:{uid}\r\n\
DTSTAMP:20261201T000000Z\r\nDUE:20261220T170000Z\r\nSUMMARY:{uid}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    )
    .into_bytes()
}

/// Ann with her default task list, a second one and one of journals only; Bob with his.
async fn world(f: &Fresh) -> (AccountId, AccountId, Collection, Collection) {
    f.store
        .write(|tx| {
            let (ann, bob) = (tx.create_account()?, tx.create_account()?);
            let list = |name: &str, role: Option<&str>| NewCollection {
                kind: CollectionKind::TaskList,
                name: name.into(),
                parent: None,
                role: role.map(str::to_owned),
            };
            let default = tx.create_collection(ann, list("tasks", Some("default")))?;
            let home = tx.create_collection(ann, list("home", None))?;
            let journals = tx.create_collection(ann, list("journals", None))?;
            let only = CollectionProps { components: vec!["VJOURNAL".into()], ..CollectionProps::default() };
            tx.set_collection_props(journals.id, &only.to_json())?;
            tx.create_collection(bob, list("tasks", Some("default")))?;
            Ok((ann, bob, default, home))
        })
        .await
        .unwrap()
}

fn jmap(a: AccountId) -> Actor {
    Actor::new(a, Protocol::Jmap)
}

async fn what_each_sees(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (ann, bob, default, home) = world(&f).await;
    let own = f.store.read(move |r| task_lists(r, &jmap(ann), ann)).await.unwrap();
    assert_eq!(own.iter().map(|c| c.collection.id).collect::<Vec<_>>(), [default.id, home.id], "no journals");
    assert!(own[0].is_default() && own[0].may(Rights::ALL) && own[0].subscribed);

    g.put(&jmap(ann), &default, "t1.ics", todo("t1"), Condition::default()).await.unwrap();
    g.put(&jmap(ann), &home, "t2.ics", todo("t2"), Condition::default()).await.unwrap();
    let tasks = g.tasks(&jmap(ann), ann, None).await.unwrap();
    assert_eq!(tasks.len(), 2);
    assert!(String::from_utf8_lossy(&tasks[0].content).contains("UID:t1"));
    let ids = f.store.read(move |r| task_ids(r, &jmap(ann), ann)).await.unwrap();
    assert_eq!(ids, tasks.iter().map(|t| t.id).collect::<Vec<_>>());
    assert!(g.events(&jmap(ann), ann, None).await.unwrap().is_empty(), "a task is no event");

    assert!(g.task_lists(&jmap(bob), ann).await.unwrap().is_empty(), "nothing shared yet");
    assert!(g.tasks(&jmap(bob), ann, Some(ids.clone())).await.unwrap().is_empty(), "ids of another account");
    let (home_id, read) = (home.id, Rights::READ.bits());
    f.store.write(move |tx| tx.set_grants(home_id, &[(bob, read)])).await.unwrap();
    let shared = g.task_lists(&jmap(bob), ann).await.unwrap();
    assert_eq!(shared.len(), 1);
    assert!(shared[0].may(Rights::READ_ITEMS) && !shared[0].may(Rights::INSERT));
    assert_eq!(f.store.read(move |r| sharing_accounts(r, &jmap(bob))).await.unwrap(), [(ann, false)]);
    let bobs = g.tasks(&jmap(bob), ann, None).await.unwrap();
    assert_eq!(bobs.iter().map(|t| t.collection).collect::<Vec<_>>(), [home.id]);
    assert_eq!(g.tasks(&jmap(bob), ann, Some(ids)).await.unwrap(), bobs, "another list's ids left out");

    let refused = g.put(&jmap(bob), &home, "x.ics", todo("x"), Condition::default()).await;
    assert!(matches!(refused, Err(Error::Forbidden)));
    assert!(matches!(g.delete_task_list(&jmap(bob), home.id, true).await, Err(Error::Forbidden)));
    assert!(matches!(g.edit_task_list(&jmap(bob), home.id, |p| p.hidden = true).await, Err(Error::Forbidden)));
    g.subscribe_task_list(&jmap(bob), home.id, false).await.unwrap();
    assert!(!g.task_lists(&jmap(bob), ann).await.unwrap()[0].subscribed);
    assert!(g.task_lists(&jmap(ann), ann).await.unwrap()[1].subscribed, "his subscription is his own");
}
on_both_backends!(what_each_sees_on, what_each_sees);

async fn task_lists_made_and_deleted(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (ann, bob, default, _) = world(&f).await;
    let props = |name: &str| CollectionProps { display_name: Some(name.into()), ..CollectionProps::default() };
    let a = g.create_task_list(&jmap(ann), ann, props("Home")).await.unwrap();
    assert_eq!((a.name.as_str(), a.kind), ("home-2", CollectionKind::TaskList), "a DAV name of its own");
    assert!(matches!(g.create_task_list(&jmap(bob), ann, props("X")).await, Err(Error::Forbidden)));
    g.edit_task_list(&jmap(ann), a.id, |p| p.color = Some("#00ff00".into())).await.unwrap();
    let all = g.task_lists(&jmap(ann), ann).await.unwrap();
    let edited = all.iter().find(|c| c.collection.id == a.id).unwrap();
    assert_eq!((edited.name(), edited.props.color.as_deref()), ("Home", Some("#00ff00")));

    g.put(&jmap(ann), &a, "t.ics", todo("t"), Condition::default()).await.unwrap();
    assert_eq!(g.delete_task_list(&jmap(ann), a.id, false).await.unwrap(), Removal::HasContents);
    assert_eq!(g.tasks(&jmap(ann), ann, None).await.unwrap().len(), 1, "nothing deleted");
    assert_eq!(g.delete_task_list(&jmap(ann), a.id, true).await.unwrap(), Removal::Removed);
    assert!(g.tasks(&jmap(ann), ann, None).await.unwrap().is_empty());
    assert!(matches!(g.delete_task_list(&jmap(ann), default.id, true).await, Err(Error::Conflict(_))));
}
on_both_backends!(task_lists_made_and_deleted_on, task_lists_made_and_deleted);

/// A task written as JSCalendar is stored as the VTODO CalDAV serves and ActiveSync reads, and
/// read back; one written by a field-by-field client reads as JSCalendar.
async fn jstask_stored_as_vtodo(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (ann, _, default, _) = world(&f).await;
    let task = json!({
        "@type": "Task", "uid": "jmap-task-1", "title": "File taxes", "due": "2026-12-20T17:00:00",
        "timeZone": "Europe/Berlin", "progress": "in-process", "percentComplete": 40, "priority": 1,
        "estimatedDuration": "PT2H", "keywords": {"home": true},
    });
    let (text, parsed) = from_jstask(task.as_object().unwrap()).unwrap();
    let name = task_name(&parsed.uid);
    assert_eq!(name, "jmap-task-1.ics");
    g.put(&jmap(ann), &default, &name, text.into_bytes(), Condition::default()).await.unwrap();
    let stored = g.object_named(&jmap(ann), default.id, &name).await.unwrap().unwrap();
    let stored = String::from_utf8(stored.content).unwrap();
    assert!(stored.contains("BEGIN:VTODO") && stored.contains("SUMMARY:File taxes"), "{stored}");
    assert!(stored.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin"), "the zone it names is defined: {stored}");
    let fields = TaskFields::from_ical(&stored).unwrap();
    let due = relais_civil::unix_time(2026, 12, 20, 16 * 3600);
    assert_eq!(
        (fields.subject.as_deref(), fields.due.map(|d| d.utc), fields.complete),
        (Some("File taxes"), Some(due), false)
    );
    let back = to_jscalendar(&CalendarObject::parse(&stored).unwrap());
    assert_eq!((back["@type"].as_str(), back["title"].as_str()), (Some("Task"), Some("File taxes")));
    assert_eq!((back["due"].as_str(), back["progress"].as_str()), (Some("2026-12-20T17:00:00"), Some("in-process")));
    assert_eq!((back["percentComplete"].as_u64(), back["estimatedDuration"].as_str()), (Some(40), Some("PT2H")));

    for bad in [
        json!({"@type": "Task", "uid": "b", "due": "tomorrow"}),
        json!({"@type": "Task", "uid": "b", "due": "2026-02-31T25:00:00"}),
        json!({"@type": "Task", "uid": "b", "estimatedDuration": "2 hours"}),
        json!({"@type": "Task", "uid": "b", "progressUpdated": "2026-12-01T00:00:00"}),
        json!({"@type": "Task", "uid": "b", "percentComplete": "half"}),
        json!({"@type": "Event", "uid": "b", "start": "2026-12-01T00:00:00"}),
        json!({"@type": "Task", "due": "2026-12-01T00:00:00"}),
    ] {
        assert!(from_jstask(bad.as_object().unwrap()).is_err(), "{bad}");
    }
}
on_both_backends!(jstask_stored_as_vtodo_on, jstask_stored_as_vtodo);
