//! Calendars and events as JMAP Calendars sees them (`relais_groupware::calendar`), on both
//! backends: which calendar collections count (not the scheduling inbox, not a notes
//! collection), which objects are events (not a VTODO kept in a calendar), what a sharee sees
//! and may do, calendars made, hidden, subscribed and deleted only when empty unless asked,
//! and a JSCalendar event stored as the iCalendar object CalDAV reads.

use relais_directory::access::{Actor, Protocol, Rights};
use relais_groupware::calendar::{Removal, calendars, event_ids, event_name, sharing_accounts};
use relais_groupware::jscalendar::{from_jscalendar, to_jscalendar};
use relais_groupware::{CalendarObject, CollectionProps, Condition, Error, Groupware};
use relais_store::{AccountId, Collection, CollectionKind, NewCollection};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::json;

fn object(uid: &str, component: &str) -> Vec<u8> {
    let start = if component == "VEVENT" { "DTSTART:20261210T100000Z\r\n" } else { "" };
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:{component}\r\nUID:{uid}\r\n\
DTSTAMP:20261201T000000Z\r\n{start}SUMMARY:{uid}\r\nEND:{component}\r\nEND:VCALENDAR\r\n"
    )
    .into_bytes()
}

/// Ann with a default calendar, a work calendar, a notes collection and a scheduling inbox;
/// Bob with a default calendar.
async fn world(f: &Fresh) -> (AccountId, AccountId, Collection, Collection) {
    f.store
        .write(|tx| {
            let (ann, bob) = (tx.create_account()?, tx.create_account()?);
            let cal = |name: &str, role: Option<&str>| NewCollection {
                kind: CollectionKind::Calendar,
                name: name.into(),
                parent: None,
                role: role.map(str::to_owned),
            };
            let default = tx.create_collection(ann, cal("calendar", Some("default")))?;
            let work = tx.create_collection(ann, cal("work", None))?;
            let notes = tx.create_collection(ann, cal("notes", None))?;
            tx.set_collection_props(notes.id, &CollectionProps::notes("Notes").to_json())?;
            tx.create_collection(ann, cal("inbox", Some("inbox")))?;
            tx.create_collection(bob, cal("calendar", Some("default")))?;
            Ok((ann, bob, default, work))
        })
        .await
        .unwrap()
}

fn jmap(a: AccountId) -> Actor {
    Actor::new(a, Protocol::Jmap)
}

async fn what_each_sees(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (ann, bob, default, work) = world(&f).await;
    let own = f.store.read(move |r| calendars(r, &jmap(ann), ann)).await.unwrap();
    assert_eq!(own.iter().map(|c| c.collection.id).collect::<Vec<_>>(), [default.id, work.id], "no inbox, no notes");
    assert!(own[0].is_default() && own[0].may(Rights::ALL) && own[0].subscribed);

    g.put(&jmap(ann), &default, "e1.ics", object("e1", "VEVENT"), Condition::default()).await.unwrap();
    g.put(&jmap(ann), &work, "e2.ics", object("e2", "VEVENT"), Condition::default()).await.unwrap();
    g.put(&jmap(ann), &default, "t1.ics", object("t1", "VTODO"), Condition::default()).await.unwrap();
    let events = g.events(&jmap(ann), ann, None).await.unwrap();
    assert_eq!(events.len(), 2, "the task is no event");
    assert!(String::from_utf8_lossy(&events[0].content).contains("UID:e1"));
    let ids = f.store.read(move |r| event_ids(r, &jmap(ann), ann)).await.unwrap();
    assert_eq!(ids, events.iter().map(|e| e.id).collect::<Vec<_>>());

    assert!(g.calendars(&jmap(bob), ann).await.unwrap().is_empty(), "nothing shared yet");
    let (work_id, read) = (work.id, Rights::READ.bits());
    f.store.write(move |tx| tx.set_grants(work_id, &[(bob, read)])).await.unwrap();
    let shared = g.calendars(&jmap(bob), ann).await.unwrap();
    assert_eq!(shared.len(), 1);
    assert!(shared[0].may(Rights::READ_ITEMS) && !shared[0].may(Rights::INSERT));
    assert_eq!(f.store.read(move |r| sharing_accounts(r, &jmap(bob))).await.unwrap(), [(ann, false)]);
    let bobs = g.events(&jmap(bob), ann, None).await.unwrap();
    assert_eq!(bobs.iter().map(|e| e.collection).collect::<Vec<_>>(), [work.id]);
    let all: Vec<_> = events.iter().map(|e| e.id).collect();
    assert_eq!(g.events(&jmap(bob), ann, Some(all)).await.unwrap(), bobs, "another calendar's ids left out");

    let refused = g.put(&jmap(bob), &work, "x.ics", object("x", "VEVENT"), Condition::default()).await;
    assert!(matches!(refused, Err(Error::Forbidden)));
    assert!(matches!(g.delete_calendar(&jmap(bob), work.id, true).await, Err(Error::Forbidden)));
    assert!(matches!(g.edit_calendar(&jmap(bob), work.id, |p| p.hidden = true).await, Err(Error::Forbidden)));
    g.subscribe_calendar(&jmap(bob), work.id, false).await.unwrap();
    assert!(!g.calendars(&jmap(bob), ann).await.unwrap()[0].subscribed);
    assert!(g.calendars(&jmap(ann), ann).await.unwrap()[1].subscribed, "his subscription is his own");
}
on_both_backends!(what_each_sees_on, what_each_sees);

async fn calendars_made_and_deleted(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (ann, bob, default, _) = world(&f).await;
    let props = |name: &str| CollectionProps { display_name: Some(name.into()), ..CollectionProps::default() };
    let a = g.create_calendar(&jmap(ann), ann, props("Work")).await.unwrap();
    assert_eq!(a.name, "work-2", "a DAV name of its own");
    assert!(matches!(g.create_calendar(&jmap(bob), ann, props("X")).await, Err(Error::Forbidden)));
    g.edit_calendar(&jmap(ann), a.id, |p| {
        p.color = Some("#ff0000".into());
        p.hidden = true;
    })
    .await
    .unwrap();
    let all = g.calendars(&jmap(ann), ann).await.unwrap();
    let edited = all.iter().find(|c| c.collection.id == a.id).unwrap();
    assert_eq!((edited.name(), edited.props.color.as_deref(), edited.props.hidden), ("Work", Some("#ff0000"), true));

    g.put(&jmap(ann), &a, "e.ics", object("e", "VEVENT"), Condition::default()).await.unwrap();
    assert_eq!(g.delete_calendar(&jmap(ann), a.id, false).await.unwrap(), Removal::HasContents);
    assert_eq!(g.events(&jmap(ann), ann, None).await.unwrap().len(), 1, "nothing deleted");
    assert_eq!(g.delete_calendar(&jmap(ann), a.id, true).await.unwrap(), Removal::Removed);
    assert!(g.events(&jmap(ann), ann, None).await.unwrap().is_empty());
    assert!(matches!(g.delete_calendar(&jmap(ann), default.id, true).await, Err(Error::Conflict(_))));
    let inbox = f.store.read(move |r| r.collection_by_role(ann, CollectionKind::Calendar, "inbox")).await.unwrap();
    let inbox = inbox.unwrap().id;
    assert!(matches!(g.delete_calendar(&jmap(ann), inbox, true).await, Err(Error::NotFound)), "no calendar of JMAP");
}
on_both_backends!(calendars_made_and_deleted_on, calendars_made_and_deleted);

/// An event written as JSCalendar is stored as iCalendar (what CalDAV serves) and read back.
async fn jscalendar_stored_as_icalendar(f: Fresh) {
    let g = Groupware::new(f.store.clone());
    let (ann, _, default, _) = world(&f).await;
    let event = json!({
        "@type": "Event", "uid": "jmap-ev-1", "title": "Planning", "start": "2026-12-14T09:00:00",
        "timeZone": "Europe/London", "duration": "PT2H",
    });
    let (text, parsed) = from_jscalendar(event.as_object().unwrap()).unwrap();
    let name = event_name(&parsed.uid);
    assert_eq!(name, "jmap-ev-1.ics");
    g.put(&jmap(ann), &default, &name, text.into_bytes(), Condition::default()).await.unwrap();
    let stored = g.object_named(&jmap(ann), default.id, &name).await.unwrap().unwrap();
    let stored = String::from_utf8(stored.content).unwrap();
    assert!(stored.starts_with("BEGIN:VCALENDAR") && stored.contains("SUMMARY:Planning"), "{stored}");
    let back = to_jscalendar(&CalendarObject::parse(&stored).unwrap());
    assert_eq!((back["uid"].as_str(), back["title"].as_str()), (Some("jmap-ev-1"), Some("Planning")));
    assert_eq!((back["start"].as_str(), back["duration"].as_str()), (Some("2026-12-14T09:00:00"), Some("PT2H")));
}
on_both_backends!(jscalendar_stored_as_icalendar_on, jscalendar_stored_as_icalendar);
